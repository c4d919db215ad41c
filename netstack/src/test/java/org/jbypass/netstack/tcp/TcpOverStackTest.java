package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.SYN;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.IcmpHeader;
import org.jbypass.netstack.wire.Ipv4Header;
import org.junit.jupiter.api.Test;

/** TCP inside a whole {@link org.jbypass.netstack.core.Stack}: real frames in and out through IPv4. */
class TcpOverStackTest
{
    private static byte[] tcpFrame(final Tcp t)
    {
        final byte[] segment = TcpTestbench.build(t, StackHarness.PEER_IP, StackHarness.STACK_IP);
        return Frames.ipv4(StackHarness.STACK_MAC, StackHarness.PEER_MAC, StackHarness.PEER_IP, StackHarness.STACK_IP,
            Ipv4Header.PROTOCOL_TCP, 7, Ipv4Header.FLAG_DONT_FRAGMENT, 64, segment);
    }

    private static Captured captured(final byte[] frame)
    {
        final Ipv4Header ip = Frames.ipOf(frame);
        return new Captured(Frames.ipPayload(frame), ip.source(), ip.destination(), ip.tos(), ip.ttl(),
            (ip.flagsAndFragmentOffset() & Ipv4Header.FLAG_DONT_FRAGMENT) != 0);
    }

    @Test
    void shouldAnswerASynFrameWithASynAckFrame()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final TcpSocket listener = h.stack.openTcp();
            assertEquals(0, listener.bind(0, 80));
            assertEquals(0, listener.listen(8));
            h.receive(tcpFrame(tcp(SYN).ports(40000, 80).seq(1000).mss(1460).ws(7).sackPermitted().ts(1, 0)));
            final byte[] frame = h.takeIpv4();
            assertNotNull(frame, "a SYN-ACK frame");
            assertTrue(Frames.ipChecksumOk(frame), "IPv4 header checksum");
            final Ipv4Header ip = Frames.ipOf(frame);
            assertEquals(Ipv4Header.PROTOCOL_TCP, ip.protocol());
            assertEquals(64, ip.ttl());
            final Captured synAck = captured(frame);
            assertTrue(synAck.checksumOk, "TCP checksum over the pseudo-header");
            assertTrue(synAck.dontFragment, "DF (RFC 1191)");
            assertTrue(tcp(SYN | ACK).ack(1001).mss(1460).sackPermitted().tsEcr(1).mismatches(synAck).isEmpty(),
                synAck.toString());
            h.receive(tcpFrame(tcp(ACK).ports(40000, 80).seq(1001).ack(synAck.seq + 1).ts(2, synAck.tsVal)));
            assertNotNull(listener.accept());
            assertEquals(1, h.stack.tcpCounters().established());
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldConnectToItselfThroughLoopback()
    {
        try (StackHarness h = new StackHarness())
        {
            final TcpSocket listener = h.stack.openTcp();
            listener.bind(0, 7);
            listener.listen(8);
            final TcpSocket client = h.stack.openTcp();
            assertEquals(-Errno.EINPROGRESS, client.connect(StackHarness.STACK_IP, 7));
            h.stack.flush();
            for (int i = 0; i < 10; i++)
            {
                h.advance(1_000);
            }
            assertEquals(0, client.finishConnect());
            final TcpSocket server = listener.accept();
            assertNotNull(server);
            final byte[] message = "echo me".getBytes();
            assertEquals(message.length, client.write(ByteBuffer.wrap(message)));
            h.stack.flush();
            h.advance(1_000);
            final ByteBuffer got = ByteBuffer.allocate(64);
            assertEquals(message.length, server.read(got));
            got.flip();
            server.write(got);
            h.stack.flush();
            h.advance(1_000);
            final ByteBuffer echoed = ByteBuffer.allocate(64);
            assertEquals(message.length, client.read(echoed));
            final byte[] back = new byte[message.length];
            echoed.flip().get(back);
            assertArrayEquals(message, back);
        }
    }

    @Test
    void shouldFailAConnectOnAnIcmpPortUnreachable()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final TcpSocket s = h.stack.openTcp();
            s.connect(StackHarness.PEER_IP, 9);
            h.stack.flush();
            final byte[] synFrame = h.takeIpv4();
            assertNotNull(synFrame);
            // The peer's kernel answers port unreachable, quoting our IP header and the first 8 bytes of TCP.
            final Ipv4Header ip = Frames.ipOf(synFrame);
            final byte[] quote = new byte[20 + 8];
            System.arraycopy(synFrame, 14, quote, 0, quote.length);
            final byte[] icmp = new byte[8 + quote.length];
            System.arraycopy(quote, 0, icmp, 8, quote.length);
            new IcmpHeader().wrap(ByteBuffer.wrap(icmp), 0, icmp.length).type(3).code(3).rest(0).computeChecksum();
            h.receive(Frames.ipv4(StackHarness.STACK_MAC, StackHarness.PEER_MAC, StackHarness.PEER_IP, ip.source(),
                Ipv4Header.PROTOCOL_ICMP, 9, 0, 64, icmp));
            assertEquals(-Errno.ECONNREFUSED, s.finishConnect());
        }
    }
}
