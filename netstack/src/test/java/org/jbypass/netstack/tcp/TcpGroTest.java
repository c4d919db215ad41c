package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.PSH;
import static org.jbypass.netstack.tcp.Tcp.SYN;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.jbypass.netstack.ip.IpCounters;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.wire.Ipv4Header;
import org.junit.jupiter.api.Test;

/**
 * Software GRO (ip.SoftwareGro) as TCP sees it: scripted bursts of segments from a peer, received in one burst, are
 * coalesced into one super-segment when Linux's tcp_gro_receive would coalesce them, and not across a sequence gap,
 * a flag, option or window change, or a checksum failure; TCP takes a super-segment as one segment with one ACK
 * decision, and the bytes read are the bytes sent, whatever was coalesced.
 */
class TcpGroTest
{
    private static final int MSS = 1448;
    private static final int PORT = 80;
    private static final int SEGMENTS = 8;

    /** An accepted connection from the peer's {@code peerPort}, with the sequence numbers the peer goes on with. */
    private static final class Connection
    {
        final int peerPort;
        final TcpSocket socket;
        final int firstSeq;
        final int ack;
        final int tsEcr;

        Connection(final int peerPort, final TcpSocket socket, final int firstSeq, final int ack, final int tsEcr)
        {
            this.peerPort = peerPort;
            this.socket = socket;
            this.firstSeq = firstSeq;
            this.ack = ack;
            this.tsEcr = tsEcr;
        }

        /** Data segment {@code i} (from 0), {@link #MSS} bytes of {@code data} from {@code i * MSS}, ACK only. */
        Tcp segment(final int i, final byte[] data)
        {
            final byte[] bytes = new byte[MSS];
            System.arraycopy(data, i * MSS, bytes, 0, MSS);
            return tcp(ACK).ports(peerPort, PORT).seq(firstSeq + i * MSS).ack(ack).window(1000).ts(10, tsEcr)
                .payload(bytes);
        }
    }

    private static byte[] frame(final Tcp t)
    {
        final byte[] segment = TcpTestbench.build(t, StackHarness.PEER_IP, StackHarness.STACK_IP);
        return Frames.ipv4(StackHarness.STACK_MAC, StackHarness.PEER_MAC, StackHarness.PEER_IP, StackHarness.STACK_IP,
            Ipv4Header.PROTOCOL_TCP, 7, Ipv4Header.FLAG_DONT_FRAGMENT, 64, segment);
    }

    private static byte[] data(final long seed)
    {
        final byte[] bytes = new byte[SEGMENTS * MSS];
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)random.nextInt(256);
        }
        return bytes;
    }

    private static StackHarness harness()
    {
        final StackHarness h = new StackHarness();
        h.learnPeer();
        return h;
    }

    private static TcpSocket listen(final StackHarness h)
    {
        final TcpSocket listener = h.stack.openTcp();
        assertEquals(0, listener.bind(0, PORT));
        assertEquals(0, listener.listen(8));
        return listener;
    }

    private static Connection connect(final StackHarness h, final TcpSocket listener, final int peerPort)
    {
        h.receive(frame(tcp(SYN).ports(peerPort, PORT).seq(1000).mss(1460).ws(7).sackPermitted().ts(1, 0)));
        final Captured synAck = captured(h.takeIpv4());
        h.receive(frame(tcp(ACK).ports(peerPort, PORT).seq(1001).ack(synAck.seq + 1).window(1000)
            .ts(2, synAck.tsVal)));
        final TcpSocket socket = listener.accept();
        assertNotNull(socket);
        return new Connection(peerPort, socket, 1001, synAck.seq + 1, synAck.tsVal);
    }

    private static Captured captured(final byte[] frame)
    {
        assertNotNull(frame, "a frame from the stack");
        final Ipv4Header ip = Frames.ipOf(frame);
        return new Captured(Frames.ipPayload(frame), ip.source(), ip.destination(), ip.tos(), ip.ttl(),
            (ip.flagsAndFragmentOffset() & Ipv4Header.FLAG_DONT_FRAGMENT) != 0);
    }

    /** Injects the segments as one burst and polls once. */
    private static void burst(final StackHarness h, final Tcp... segments)
    {
        for (final Tcp t : segments)
        {
            h.link.inject(frame(t));
        }
        h.poll();
    }

    private static Tcp[] all(final Connection c, final byte[] data)
    {
        final Tcp[] segments = new Tcp[SEGMENTS];
        for (int i = 0; i < SEGMENTS; i++)
        {
            segments[i] = c.segment(i, data);
        }
        return segments;
    }

    /** Reads what the socket has and checks it is {@code data} from {@code from} to {@code to}. */
    private static void assertRead(final TcpSocket socket, final byte[] data, final int from, final int to)
    {
        final ByteBuffer got = ByteBuffer.allocate(data.length + 1);
        while (socket.read(got) > 0)
        {
            // drain
        }
        assertEquals(to - from, got.position(), "bytes readable");
        final byte[] bytes = new byte[to - from];
        got.flip().get(bytes);
        final byte[] want = new byte[to - from];
        System.arraycopy(data, from, want, 0, want.length);
        assertArrayEquals(want, bytes);
    }

    /** Runs one scripted burst and returns the GRO counters' change: {super-segments, segments coalesced, TCP in}. */
    private static long[] run(final StackHarness h, final Tcp... segments)
    {
        final IpCounters ip = h.stack.ipCounters();
        final long supers = ip.groSuperSegments;
        final long coalesced = ip.groSegmentsCoalesced;
        final long tcpIn = h.stack.tcpCounters().segmentsIn();
        final int inUse = h.stack.pool().inUse();
        burst(h, segments);
        assertTrue(h.stack.pool().inUse() <= inUse, "GRO holds no buffer past its burst");
        return new long[] {ip.groSuperSegments - supers, ip.groSegmentsCoalesced - coalesced,
            h.stack.tcpCounters().segmentsIn() - tcpIn};
    }

    @Test
    void shouldCoalesceAnInOrderBurstIntoOneSegmentWithOneAck()
    {
        try (StackHarness h = harness())
        {
            final Connection c = connect(h, listen(h), 40000);
            final byte[] data = data(1);
            assertArrayEquals(new long[] {1, SEGMENTS, 1}, run(h, all(c, data)), "one super-segment for TCP");
            final Captured ack = captured(h.takeIpv4());
            assertEquals(c.firstSeq + SEGMENTS * MSS, ack.ack, "one ACK for the whole burst");
            assertNull(h.takeIpv4(), "and only one");
            assertRead(c.socket, data, 0, SEGMENTS * MSS);
        }
    }

    @Test
    void shouldNotCoalesceWhenTurnedOff()
    {
        try (StackHarness h = harness())
        {
            h.nif.gro(false);
            final Connection c = connect(h, listen(h), 40000);
            final byte[] data = data(2);
            assertArrayEquals(new long[] {0, 0, SEGMENTS}, run(h, all(c, data)));
            assertRead(c.socket, data, 0, SEGMENTS * MSS);
        }
    }

    @Test
    void shouldNotCoalesceAcrossASequenceGap()
    {
        try (StackHarness h = harness())
        {
            final Connection c = connect(h, listen(h), 40000);
            final byte[] data = data(3);
            final Tcp[] s = all(c, data);
            assertArrayEquals(new long[] {2, 7, 2}, run(h, s[0], s[1], s[2], s[4], s[5], s[6], s[7]),
                "0-2 and 4-7");
            assertTrue(h.stack.tcpCounters().outOfOrderSegments() > 0, "4-7 arrived out of order");
            assertRead(c.socket, data, 0, 3 * MSS);
            assertArrayEquals(new long[] {0, 0, 1}, run(h, s[3]), "the gap filled, alone");
            assertRead(c.socket, data, 3 * MSS, SEGMENTS * MSS);
        }
    }

    @Test
    void shouldEndASuperSegmentAtPushAndKeepCwrOut()
    {
        try (StackHarness h = harness())
        {
            final Connection c = connect(h, listen(h), 40000);
            final byte[] data = data(4);
            final Tcp[] s = all(c, data);
            s[2].flags = ACK | PSH;
            s[5].flags = ACK | 0x80;
            // 0-2 (PSH joins, then ends it), 3-4, 5 alone (CWR), 6-7.
            assertArrayEquals(new long[] {3, 7, 4}, run(h, s));
            assertRead(c.socket, data, 0, SEGMENTS * MSS);
        }
    }

    @Test
    void shouldNotCoalesceAcrossAnOptionOrWindowChange()
    {
        try (StackHarness h = harness())
        {
            final Connection c = connect(h, listen(h), 40000);
            final byte[] data = data(5);
            final Tcp[] s = all(c, data);
            for (int i = 3; i < SEGMENTS; i++)
            {
                s[i].ts(11, c.tsEcr);
            }
            s[6].window(1001);
            s[7].window(1001);
            // 0-2, 3-5 (a new timestamp), 6-7 (a new window).
            assertArrayEquals(new long[] {3, 8, 3}, run(h, s));
            assertRead(c.socket, data, 0, SEGMENTS * MSS);
        }
    }

    @Test
    void shouldSendACorruptSegmentUpAloneToBeDropped()
    {
        try (StackHarness h = harness())
        {
            final Connection c = connect(h, listen(h), 40000);
            final byte[] data = data(6);
            final Tcp[] s = all(c, data);
            s[3].corruptChecksum();
            // 0-2, 3 alone (TCP drops it), 4-7 (out of order now).
            assertArrayEquals(new long[] {2, 7, 3}, run(h, s));
            assertEquals(1, h.stack.tcpCounters().badChecksums());
            assertRead(c.socket, data, 0, 3 * MSS);
            assertArrayEquals(new long[] {0, 0, 1}, run(h, c.segment(3, data)), "the retransmission");
            assertRead(c.socket, data, 3 * MSS, SEGMENTS * MSS);
        }
    }

    @Test
    void shouldCoalesceInterleavedFlowsEachOnItsOwn()
    {
        try (StackHarness h = harness())
        {
            final TcpSocket listener = listen(h);
            final Connection a = connect(h, listener, 40000);
            final Connection b = connect(h, listener, 40001);
            final byte[] dataA = data(7);
            final byte[] dataB = data(8);
            final Tcp[] s = new Tcp[2 * SEGMENTS];
            for (int i = 0; i < SEGMENTS; i++)
            {
                s[2 * i] = a.segment(i, dataA);
                s[2 * i + 1] = b.segment(i, dataB);
            }
            assertArrayEquals(new long[] {2, 2 * SEGMENTS, 2}, run(h, s));
            assertRead(a.socket, dataA, 0, SEGMENTS * MSS);
            assertRead(b.socket, dataB, 0, SEGMENTS * MSS);
        }
    }

    @Test
    void shouldSendHeldSegmentsUpBeforeAPureAckOfTheirFlow()
    {
        try (StackHarness h = harness())
        {
            final Connection c = connect(h, listen(h), 40000);
            final byte[] data = data(9);
            final Tcp[] s = all(c, data);
            final Tcp pureAck = tcp(ACK).ports(c.peerPort, PORT).seq(c.firstSeq + 3 * MSS).ack(c.ack).window(1000)
                .ts(10, c.tsEcr);
            // 0-2, the ACK alone (never held), 3-7.
            assertArrayEquals(new long[] {2, 8, 3}, run(h, s[0], s[1], s[2], pureAck, s[3], s[4], s[5], s[6], s[7]));
            assertEquals(0, h.stack.tcpCounters().outOfOrderSegments());
            assertRead(c.socket, data, 0, SEGMENTS * MSS);
        }
    }
}
