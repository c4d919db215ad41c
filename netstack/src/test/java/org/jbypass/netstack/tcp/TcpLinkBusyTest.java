package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.LinkDecorator;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * A link whose queue is full for a while (afpacket's kernel queue refusing a gathered super-segment with EAGAIN, its
 * ring and the interface's transmit burst full behind it): TCP's super-segments are held back, not copied into pool
 * buffers and not dropped, and go once the link takes frames again, on the output timer when no ACK comes; so a busy
 * link costs the sender neither a loss recovery nor a retransmission, as Linux's TCP stops at a busy device queue
 * (TSQ, NETDEV_TX_BUSY) rather than drop.
 */
class TcpLinkBusyTest
{
    private static final int IP_A = Ipv4Address.parse("198.18.0.1");
    private static final int IP_B = Ipv4Address.parse("198.18.0.2");

    /** Passes a gathering link through, refusing every transmit (none accepted) and gather (-EAGAIN) while busy. */
    private static final class Busy extends LinkDecorator
    {
        boolean busy;
        int refusedGathers;

        Busy(final Link inner)
        {
            super(inner);
        }

        @Override
        protected String kind()
        {
            return "busy";
        }

        @Override
        public int capabilities()
        {
            return inner.capabilities();
        }

        @Override
        public int receive(final int queue, final PacketBurst burst)
        {
            return inner.receive(queue, burst);
        }

        @Override
        public int transmit(final int queue, final PacketBurst burst)
        {
            return busy ? 0 : inner.transmit(queue, burst);
        }

        @Override
        public int transmitGather(final int queue, final int head, final int headLength, final int flags,
            final byte[][] arrays, final int[] offsets, final int[] lengths, final int count)
        {
            if (busy)
            {
                refusedGathers++;
                return -Errno.EAGAIN;
            }
            return inner.transmitGather(queue, head, headLength, flags, arrays, offsets, lengths, count);
        }

        @Override
        public void close()
        {
            inner.close();
        }
    }

    /**
     * A link that stays busy (a queue that never drains) holds a connection back for one RTO at most: then the
     * refused super-segment counts as lost, and the retransmission timer, with its backoff and the connection's
     * timeout, takes over; once the link drains the stream completes.
     */
    /**
     * Stack A on the {@link Busy} link and stack B on a super-frame memory wire (TSO, gathering, chains whole),
     * A's client connected to B's listener on a simulated clock.
     */
    private static final class Connected
    {
        final Stack a;
        final Stack b;
        final Busy link;
        final TcpSocket client;
        final TcpSocket server;
        private long clock = 1_000_000_000L;

        Connected(final long seedA, final long seedB)
        {
            final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION
                | LinkCapabilities.TX_GATHER).passChainsWhole(true).queueCapacity(4096).build();
            a = new Stack(StackConfig.builder().poolBuffers(4096).seed(seedA).build(), clock);
            b = new Stack(StackConfig.builder().poolBuffers(4096).seed(seedB).build(), clock);
            link = new Busy(wire.attach(a.pool(), MacAddress.parse("02:00:00:00:00:0a")));
            a.addInterface("a0", link, IP_A, 24, 0);
            b.addInterface("b0", wire.attach(b.pool(), MacAddress.parse("02:00:00:00:00:0b")), IP_B, 24, 0);
            final TcpSocket listener = b.openTcp();
            assertEquals(0, listener.bind(IP_B, 80));
            assertEquals(0, listener.listen(1));
            client = a.openTcp();
            client.connect(IP_B, 80);
            TcpSocket accepted = null;
            for (int i = 0; i < 1000 && accepted == null; i++)
            {
                advance(20_000L);
                accepted = listener.accept();
            }
            assertNotNull(accepted, "connected");
            server = accepted;
        }

        /** Moves the clock on and polls both stacks. */
        void advance(final long nanos)
        {
            clock += nanos;
            a.poll(clock);
            b.poll(clock);
        }

        /** One step of the transfer: the client writes what it can, the server reads a chunk into {@code in}. */
        void step(final ByteBuffer out, final ByteBuffer chunk, final ByteBuffer in, final long nanos)
        {
            if (out.hasRemaining())
            {
                client.write(out);
            }
            a.flush();
            chunk.clear();
            final int n = server.read(chunk);
            if (n > 0)
            {
                chunk.flip();
                in.put(chunk);
            }
            b.flush();
            advance(nanos);
        }

        void closeAndCheckPools()
        {
            a.close();
            b.close();
            assertEquals(0, a.pool().inUse(), "A's pool whole");
            assertEquals(0, b.pool().inUse(), "B's pool whole");
        }
    }

    @Test
    void shouldCountALinkBusyForLongerThanAnRtoAsLoss()
    {
        final Connected c = new Connected(3, 4);
        c.link.busy = true;
        final byte[] sent = new byte[200_000];
        new SplittableRandom(0xB05F).nextBytes(sent);
        final ByteBuffer out = ByteBuffer.wrap(sent);
        c.client.write(out);
        c.a.flush();
        // Three seconds busy, in 1 ms steps: longer than the first RTO (1 s before any RTT sample, RFC 6298).
        for (int i = 0; i < 3_000; i++)
        {
            c.advance(1_000_000L);
        }
        final String busy = "\nA held back " + c.a.ipCounters().txChainsHeldBack + "\n" + c.a.tcpCounters();
        assertTrue(c.a.tcpCounters().linkBusy() > 0, "held back first" + busy);
        assertTrue(c.a.tcpCounters().sendErrors() > 0, "then counted as lost" + busy);
        assertTrue(c.a.tcpCounters().retransmitTimeouts() > 0, "the retransmission timer took over" + busy);
        c.link.busy = false;
        final ByteBuffer in = ByteBuffer.allocate(sent.length);
        final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        for (int i = 0; i < 20_000 && in.hasRemaining(); i++)
        {
            c.step(out, chunk, in, 1_000_000L);
        }
        assertArrayEquals(sent, in.array(), "the stream arrives whole once the link drains" + busy);
        c.closeAndCheckPools();
    }

    @Test
    void shouldHoldBackSuperSegmentsWhileTheLinkIsBusyAndSendThemLaterWithoutLoss()
    {
        final Connected c = new Connected(1, 2);
        final byte[] sent = new byte[8 << 20];
        new SplittableRandom(0xB05E).nextBytes(sent);
        final ByteBuffer out = ByteBuffer.wrap(sent);
        final ByteBuffer in = ByteBuffer.allocate(sent.length);
        final ByteBuffer chunk = ByteBuffer.allocate(256 * 1024);
        int step = 0;
        while (in.hasRemaining() && step < 200_000)
        {
            // Busy for 6 steps (120 us, under any retransmission timeout) in every 20, from the 20th on: writes
            // keep coming while it is, and what they send must wait.
            c.link.busy = step >= 20 && step % 20 < 6;
            c.step(out, chunk, in, 20_000L);
            step++;
        }
        final String counters = "\nA held back " + c.a.ipCounters().txChainsHeldBack + ", gathered "
            + c.a.ipCounters().txGathered + ", queue drops " + c.a.ipCounters().txQueueDrops + ", refused gathers "
            + c.link.refusedGathers + ", steps " + step + "\n" + c.a.tcpCounters();
        assertArrayEquals(sent, in.array(), "the stream arrives whole" + counters);
        assertTrue(c.link.refusedGathers > 0, "the busy link refused gathers" + counters);
        assertTrue(c.a.ipCounters().txChainsHeldBack > 0, "super-segments held back" + counters);
        assertEquals(c.a.ipCounters().txChainsHeldBack, c.a.tcpCounters().linkBusy(), counters);
        assertEquals(0, c.a.ipCounters().txQueueDrops, "nothing dropped for a full queue" + counters);
        assertEquals(0, c.a.tcpCounters().retransmittedSegments(), "nothing lost, nothing sent twice" + counters);
        assertTrue(c.a.ipCounters().txGathered > 0, "gathered once the link took frames again" + counters);
        c.closeAndCheckPools();
    }
}
