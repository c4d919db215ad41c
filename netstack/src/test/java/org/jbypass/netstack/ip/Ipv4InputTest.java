package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/** Every way an IPv4 datagram can be malformed is counted under its own reason and dropped without a reply. */
class Ipv4InputTest
{
    private static byte[] goodDatagram()
    {
        return Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5000, 7, new byte[] {1, 2, 3});
    }

    private static void assertDropped(final Consumer<ByteBuffer> damage, final ToLongFunction<IpCounters> counter)
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            final byte[] frame = goodDatagram();
            damage.accept(ByteBuffer.wrap(frame));
            h.receive(frame);
            assertEquals(1, counter.applyAsLong(h.stack.ipCounters()));
            assertEquals(-11, socket.receive(ByteBuffer.allocate(10)), "nothing delivered");
            assertNull(h.link.take(), "no reply to a malformed datagram");
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldDeliverWellFormedDatagram()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            h.receive(goodDatagram());
            final ByteBuffer dst = ByteBuffer.allocate(10);
            assertEquals(3, socket.receive(dst));
            assertEquals(PEER_IP, socket.lastSourceAddress());
            assertEquals(5000, socket.lastSourcePort());
        }
    }

    @Test
    void shouldDropBadVersion()
    {
        assertDropped(b -> b.put(14, (byte)0x65), c -> c.ipInBadVersion);
    }

    @Test
    void shouldDropHeaderLengthBelowTwenty()
    {
        assertDropped(b -> b.put(14, (byte)0x44), c -> c.ipInBadHeaderLength);
    }

    @Test
    void shouldDropHeaderLengthBeyondFrame()
    {
        assertDropped(b -> b.put(14, (byte)0x4F), c -> c.ipInBadHeaderLength + c.ipInBadTotalLength);
    }

    @Test
    void shouldDropTotalLengthBeyondFrame()
    {
        assertDropped(b -> b.putShort(16, (short)1400), c -> c.ipInBadTotalLength);
    }

    @Test
    void shouldDropTotalLengthBelowHeader()
    {
        assertDropped(b -> b.putShort(16, (short)19), c -> c.ipInBadTotalLength);
    }

    @Test
    void shouldDropBadHeaderChecksum()
    {
        assertDropped(b -> b.putShort(24, (short)(b.getShort(24) ^ 0x0100)), c -> c.ipInBadChecksum);
    }

    @Test
    void shouldDropReservedFlag()
    {
        assertDropped(b -> {
            b.putShort(20, (short)0x8000);
            fixChecksum(b);
        }, c -> c.ipInReservedFlag);
    }

    @Test
    void shouldDeliverDatagramsWhateverTheirTtl()
    {
        // RFC 1122 3.2.1.7: a host MUST NOT discard a datagram just because its TTL is below 2 (RFC 791's rule of
        // destroying it at zero is for forwarding).
        for (final int ttl : new int[] {0, 1})
        {
            try (StackHarness h = new StackHarness())
            {
                h.learnPeer();
                final UdpSocket socket = h.stack.openUdp();
                socket.bind(0, 7);
                final byte[] frame = goodDatagram();
                final ByteBuffer b = ByteBuffer.wrap(frame);
                b.put(22, (byte)ttl);
                fixChecksum(b);
                h.receive(frame);
                assertEquals(3, socket.receive(ByteBuffer.allocate(10)), "TTL " + ttl);
                assertEquals(1, h.stack.ipCounters().ipInDelivers);
            }
        }
    }

    @Test
    void shouldDropMartianSources()
    {
        for (final String source : new String[] {"127.0.0.1", "224.0.0.5", "255.255.255.255"})
        {
            assertDropped(b -> {
                b.putInt(26, Ipv4Address.parse(source));
                fixChecksum(b);
            }, c -> c.ipInBadSource);
        }
    }

    @Test
    void shouldDropDatagramForAnotherHost()
    {
        assertDropped(b -> {
            b.putInt(30, Ipv4Address.parse("198.18.0.77"));
            fixChecksum(b);
        }, c -> c.ipInAddrErrors);
    }

    @Test
    void shouldDropTruncatedFrame()
    {
        try (StackHarness h = new StackHarness())
        {
            final byte[] frame = new byte[14 + 12];
            Frames.ethernet(frame).destination(STACK_MAC).source(PEER_MAC).type(EthernetHeader.TYPE_IPV4);
            h.receive(frame);
            assertEquals(1, h.stack.ipCounters().ipInTooShort);
        }
    }

    @Test
    void shouldDropVlanTaggedFramesInsteadOfMisparsingThem()
    {
        try (StackHarness h = new StackHarness())
        {
            final byte[] frame = goodDatagram();
            ByteBuffer.wrap(frame).putShort(12, (short)EthernetHeader.TYPE_VLAN);
            h.receive(frame);
            assertEquals(1, h.stack.ipCounters().framesVlanDropped);
            assertEquals(0, h.stack.ipCounters().ipInReceives);
        }
    }

    @Test
    void shouldDropUnicastFramesForOtherMacs()
    {
        try (StackHarness h = new StackHarness())
        {
            final byte[] frame = goodDatagram();
            Frames.ethernet(frame).destination(MacAddress.parse("02:00:00:00:00:77"));
            h.receive(frame);
            assertEquals(1, h.stack.ipCounters().framesNotForUs);
        }
    }

    @Test
    void shouldAnswerUnknownProtocolWithProtocolUnreachable()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            h.receive(Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 253, 9, 0, 64, new byte[8]));
            assertEquals(1, h.stack.ipCounters().ipInUnknownProtocols);
            final byte[] reply = h.link.take();
            final byte[] icmp = Frames.ipPayload(reply);
            assertEquals(3, icmp[0]);
            assertEquals(2, icmp[1]);
        }
    }

    @Test
    void shouldAcceptDatagramPaddedByEthernet()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            // A 1-byte UDP payload makes a 43-byte frame, padded to 60: the padding must not reach the payload.
            h.receive(Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5000, 7, new byte[] {42}));
            assertEquals(1, socket.receive(ByteBuffer.allocate(100)));
        }
    }

    static void fixChecksum(final ByteBuffer frame)
    {
        frame.putShort(24, (short)0);
        frame.putShort(24, (short)org.jbypass.netstack.wire.Checksum.compute(frame, 14, Ipv4Header.MIN_LENGTH));
    }
}
