package org.jbypass.netstack.udp;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.UdpHeader;
import org.junit.jupiter.api.Test;

/**
 * UDP over IPv6 through a whole stack, frame by frame: the checksum over IPv6's pseudo-header both ways, a zero
 * checksum dropped and counted (RFC 8200 section 8.1), dual-stack and IPV6_V6ONLY sockets, ICMPv6 port unreachable
 * for closed ports (RFC 4443 section 3.1) and reported to connected sockets, and datagrams above the MTU.
 */
class Udp6Test
{
    private static final long[] STACK6 = Frames6.addr("2001:db8::2");
    private static final long[] PEER6 = Frames6.addr("2001:db8::1");

    private static StackHarness harness()
    {
        final StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(1024)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), 1500, 0);
        h.stack.addAddress6(h.nif, STACK6[0], STACK6[1], 64);
        h.poll();
        // The peer resolves the stack (and so the stack learns the peer's MAC, RFC 4861 section 7.2.3).
        h.receive(Frames6.solicitation(PEER_MAC, PEER6, STACK6, PEER_MAC));
        h.link.drain();
        return h;
    }

    /** A UDP datagram's bytes (header and payload) from the peer to the stack, checksummed over IPv6. */
    private static byte[] udp6(final int sourcePort, final int destinationPort, final byte[] data, final int checksum)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put(8, data);
        final UdpHeader u = new UdpHeader().wrap(b, 0, b.capacity()).write(sourcePort, destinationPort, b.capacity());
        if (checksum < 0)
        {
            u.computeChecksum6(PEER6[0], PEER6[1], STACK6[0], STACK6[1]);
        }
        else
        {
            u.checksum(checksum);
        }
        return b.array();
    }

    private static byte[] frame6(final byte[] udp)
    {
        return Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, Ipv6Header.NEXT_UDP, 64, udp);
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void shouldReceiveAndSendOverIpv6WithTheIpv6Checksum()
    {
        try (StackHarness h = harness())
        {
            final UdpSocket s = h.stack.openUdp6(false);
            assertEquals(0, s.bind6(0, 0, 5000));
            assertTrue(s.isIpv6());
            h.receive(frame6(udp6(7000, 5000, bytes("ping"), -1)));
            final ByteBuffer in = ByteBuffer.allocate(64);
            assertEquals(4, s.receive(in));
            assertTrue(s.lastSourceIs6());
            assertEquals(PEER6[0], s.lastSourceHi());
            assertEquals(PEER6[1], s.lastSourceLo());
            assertEquals(7000, s.lastSourcePort());

            assertEquals(4, s.send6(ByteBuffer.wrap(bytes("pong")), PEER6[0], PEER6[1], 7000));
            h.stack.flush();
            final byte[] frame = h.link.take();
            assertNotNull(frame);
            final Ipv6Header ip = Frames6.ip6Of(frame);
            assertEquals(Ipv6Header.NEXT_UDP, ip.nextHeader());
            final byte[] payload = Frames6.ip6Payload(frame);
            final ByteBuffer p = ByteBuffer.wrap(payload);
            final UdpHeader u = new UdpHeader().wrap(p, 0, payload.length);
            assertEquals(5000, u.sourcePort());
            assertEquals(7000, u.destinationPort());
            assertTrue(u.checksumOk6(STACK6[0], STACK6[1], PEER6[0], PEER6[1]), "RFC 8200 section 8.1");
            assertEquals("pong", new String(payload, 8, 4, StandardCharsets.US_ASCII));
            assertEquals(0, h.leakedBuffers());
        }
    }

    /**
     * A UDP_SEGMENT super-datagram over IPv6 (a virtio_net_hdr's GSO_UDP_L4, as afpacket hands over what a kernel
     * sender's UDP_SEGMENT made on a veth), delivered as a chain of buffers: the socket gets the datagrams it
     * carries, each gso_size bytes but the last, as Linux's udpv6_queue_rcv_skb() cuts it (__udp_gso_segment()).
     */
    @Test
    void shouldSplitAUdpSuperDatagramOverIpv6IntoItsDatagrams()
    {
        try (StackHarness h = harness())
        {
            h.link.chains(true);
            final UdpSocket s = h.stack.openUdp6(false);
            assertEquals(0, s.bind6(0, 0, 5000));
            final byte[] data = new byte[12 * 1200 + 5];
            for (int i = 0; i < data.length; i++)
            {
                data[i] = (byte)(i * 31 + i / 1200);
            }
            final byte[] frame = frame6(udp6(7000, 5000, data, -1));
            assertTrue(frame.length > 2048 * 7, "a chain of eight buffers");
            h.link.inject(frame, PacketBurst.gso(PacketBurst.GSO_UDP_L4, 1200) | PacketBurst.RX_L4_CHECKSUM_OK
                | PacketBurst.RX_L4_CHECKSUM_PARTIAL);
            h.poll();
            final ByteBuffer in = ByteBuffer.allocate(2000);
            for (int i = 0; i < 13; i++)
            {
                in.clear();
                final int n = s.receive(in);
                assertEquals(i < 12 ? 1200 : 5, n, "datagram " + i);
                assertArrayEquals(Arrays.copyOfRange(data, i * 1200, i * 1200 + n),
                    Arrays.copyOf(in.array(), n), "datagram " + i);
                assertTrue(s.lastSourceIs6());
                assertEquals(7000, s.lastSourcePort());
            }
            in.clear();
            assertEquals(-Errno.EAGAIN, s.receive(in));
            assertEquals(13, h.stack.udpCounters().inDatagrams);
            assertEquals(1, h.stack.ipCounters().superFramesReceived);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldDropAZeroChecksumOverIpv6AndCountIt()
    {
        try (StackHarness h = harness())
        {
            final UdpSocket s = h.stack.openUdp6(false);
            assertEquals(0, s.bind6(0, 0, 5000));
            h.receive(frame6(udp6(7000, 5000, bytes("zero"), 0)));
            h.receive(frame6(udp6(7000, 5000, bytes("bad"), 0x1234)));
            assertEquals(-Errno.EAGAIN, s.receive(ByteBuffer.allocate(64)));
            assertEquals(1, h.stack.udpCounters().inZeroChecksums6);
            assertEquals(2, h.stack.udpCounters().inCsumErrors);
            assertEquals(0, h.stack.udpCounters().inDatagrams);
            assertEquals(null, h.link.take(), "no ICMPv6 error answers a bad datagram");
        }
    }

    @Test
    void shouldServeIpv4PeersOnADualStackSocketOnly()
    {
        try (StackHarness h = harness())
        {
            h.learnPeer();
            final UdpSocket dual = h.stack.openUdp6(false);
            assertEquals(0, dual.bind6(0, 0, 5000));
            h.receive(Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 7000, 5000, bytes("v4")));
            final ByteBuffer in = ByteBuffer.allocate(64);
            assertEquals(2, dual.receive(in));
            assertFalse(dual.lastSourceIs6(), "an IPv4 peer, which the JDK reports as an Inet4Address");
            assertEquals(PEER_IP, dual.lastSourceAddress());
            // The answer goes back over IPv4, to the address as given or IPv4-mapped.
            assertEquals(2, dual.send(ByteBuffer.wrap(bytes("ok")), PEER_IP, 7000));
            assertEquals(2, dual.send6(ByteBuffer.wrap(bytes("ok")), 0, Ipv6Address.v4MappedLo(PEER_IP), 7000));
            h.stack.flush();
            for (int i = 0; i < 2; i++)
            {
                final Ipv4Header ip = Frames.ipOf(h.link.take());
                assertEquals(PEER_IP, ip.destination());
                assertEquals(STACK_IP, ip.source());
            }

            final UdpSocket only = h.stack.openUdp6(true);
            assertEquals(0, only.bind6(0, 0, 5001));
            h.receive(Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 7000, 5001, bytes("v4")));
            assertEquals(-Errno.EAGAIN, only.receive(in), "IPV6_V6ONLY");
            assertEquals(1, h.stack.udpCounters().noPorts);
            assertEquals(-Errno.ENETUNREACH, only.send(ByteBuffer.wrap(bytes("x")), PEER_IP, 7000));
            final UdpSocket v4 = h.stack.openUdp();
            assertEquals(0, v4.bind(0, 5001), "0.0.0.0 and a V6ONLY :: share a port");
            assertEquals(-Errno.EADDRINUSE, h.stack.openUdp6(false).bind6(0, 0, 5001), "a dual :: does not");
        }
    }

    @Test
    void shouldAnswerAClosedPortWithIcmpv6PortUnreachable()
    {
        try (StackHarness h = harness())
        {
            h.receive(frame6(udp6(7000, 5999, bytes("anyone?"), -1)));
            h.stack.flush();
            final byte[] frame = h.link.take();
            assertNotNull(frame);
            assertTrue(Frames6.isIcmp6(frame, Icmpv6Header.TYPE_DESTINATION_UNREACHABLE));
            assertEquals(4, Frames6.ip6Payload(frame)[1], "code 4: port unreachable");
            assertEquals(1, h.stack.udpCounters().noPorts);
        }
    }

    @Test
    void shouldReportIcmpv6PortUnreachableToAConnectedSocket()
    {
        try (StackHarness h = harness())
        {
            final UdpSocket s = h.stack.openUdp6(false);
            assertEquals(0, s.connect6(PEER6[0], PEER6[1], 7000));
            assertTrue(s.isConnected());
            assertEquals(3, s.send(ByteBuffer.wrap(bytes("abc")), 0, 0), "to the connected IPv6 peer");
            h.stack.flush();
            final byte[] sent = h.link.take();
            assertNotNull(sent);
            final byte[] packet = new byte[sent.length - 14];
            System.arraycopy(sent, 14, packet, 0, packet.length);
            final byte[] error = Frames6.icmp6(PEER6, STACK6, Icmpv6Header.TYPE_DESTINATION_UNREACHABLE, 4, 0,
                packet);
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 58, 64, error));
            assertEquals(-Errno.ECONNREFUSED, s.receive(ByteBuffer.allocate(16)));
            assertEquals(-Errno.EAGAIN, s.receive(ByteBuffer.allocate(16)), "reported once");
            // Datagrams from another peer are filtered out on a connected socket.
            h.receive(frame6(udp6(7001, s.localPort(), bytes("stranger"), -1)));
            assertEquals(-Errno.EAGAIN, s.receive(ByteBuffer.allocate(16)));
        }
    }

    @Test
    void shouldSendADatagramAboveTheMtuInFragments()
    {
        try (StackHarness h = harness())
        {
            final UdpSocket s = h.stack.openUdp6(false);
            final byte[] data = new byte[4000];
            new java.util.Random(6).nextBytes(data);
            assertEquals(4000, s.send6(ByteBuffer.wrap(data), PEER6[0], PEER6[1], 7000));
            h.stack.flush();
            int frames = 0;
            byte[] f;
            while ((f = h.link.take()) != null)
            {
                assertEquals(Ipv6Header.NEXT_FRAGMENT, Frames6.ip6Of(f).nextHeader());
                assertTrue(f.length <= 1514);
                frames++;
            }
            assertEquals(3, frames, "4008 bytes in fragments of at most 1448");
            assertEquals(-Errno.EMSGSIZE, s.send6(ByteBuffer.allocate(UdpSocket.MAX_PAYLOAD6 + 1), PEER6[0],
                PEER6[1], 7000));
        }
    }
}
