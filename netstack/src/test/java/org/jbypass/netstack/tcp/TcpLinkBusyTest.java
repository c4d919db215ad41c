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
    @Test
    void shouldCountALinkBusyForLongerThanAnRtoAsLoss()
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION
            | LinkCapabilities.TX_GATHER).passChainsWhole(true).queueCapacity(4096).build();
        final long[] clock = {1_000_000_000L};
        final Stack a = new Stack(StackConfig.builder().poolBuffers(4096).seed(3).build(), clock[0]);
        final Stack b = new Stack(StackConfig.builder().poolBuffers(4096).seed(4).build(), clock[0]);
        final Busy link = new Busy(wire.attach(a.pool(), MacAddress.parse("02:00:00:00:00:0a")));
        a.addInterface("a0", link, IP_A, 24, 0);
        b.addInterface("b0", wire.attach(b.pool(), MacAddress.parse("02:00:00:00:00:0b")), IP_B, 24, 0);
        final TcpSocket listener = b.openTcp();
        assertEquals(0, listener.bind(IP_B, 80));
        assertEquals(0, listener.listen(1));
        final TcpSocket client = a.openTcp();
        client.connect(IP_B, 80);
        TcpSocket server = null;
        for (int i = 0; i < 1000 && server == null; i++)
        {
            clock[0] += 20_000L;
            a.poll(clock[0]);
            b.poll(clock[0]);
            server = listener.accept();
        }
        assertNotNull(server, "connected");
        link.busy = true;
        final byte[] sent = new byte[200_000];
        new SplittableRandom(0xB05F).nextBytes(sent);
        final ByteBuffer out = ByteBuffer.wrap(sent);
        client.write(out);
        a.flush();
        // Three seconds busy, in 1 ms steps: longer than the first RTO (1 s before any RTT sample, RFC 6298).
        for (int i = 0; i < 3_000; i++)
        {
            clock[0] += 1_000_000L;
            a.poll(clock[0]);
            b.poll(clock[0]);
        }
        final String busy = "\nA held back " + a.ipCounters().txChainsHeldBack + "\n" + a.tcpCounters();
        assertTrue(a.tcpCounters().linkBusy() > 0, "held back first" + busy);
        assertTrue(a.tcpCounters().sendErrors() > 0, "then counted as lost" + busy);
        assertTrue(a.tcpCounters().retransmitTimeouts() > 0, "the retransmission timer took over" + busy);
        link.busy = false;
        final ByteBuffer in = ByteBuffer.allocate(sent.length);
        final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        for (int i = 0; i < 20_000 && in.hasRemaining(); i++)
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
            clock[0] += 1_000_000L;
            a.poll(clock[0]);
            b.poll(clock[0]);
        }
        assertArrayEquals(sent, in.array(), "the stream arrives whole once the link drains" + busy);
        a.close();
        b.close();
        assertEquals(0, a.pool().inUse(), "A's pool whole");
        assertEquals(0, b.pool().inUse(), "B's pool whole");
    }

    @Test
    void shouldHoldBackSuperSegmentsWhileTheLinkIsBusyAndSendThemLaterWithoutLoss()
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION
            | LinkCapabilities.TX_GATHER).passChainsWhole(true).queueCapacity(4096).build();
        final long[] clock = {1_000_000_000L};
        final Stack a = new Stack(StackConfig.builder().poolBuffers(4096).seed(1).build(), clock[0]);
        final Stack b = new Stack(StackConfig.builder().poolBuffers(4096).seed(2).build(), clock[0]);
        final Busy link = new Busy(wire.attach(a.pool(), MacAddress.parse("02:00:00:00:00:0a")));
        a.addInterface("a0", link, IP_A, 24, 0);
        b.addInterface("b0", wire.attach(b.pool(), MacAddress.parse("02:00:00:00:00:0b")), IP_B, 24, 0);
        final TcpSocket listener = b.openTcp();
        assertEquals(0, listener.bind(IP_B, 80));
        assertEquals(0, listener.listen(1));
        final TcpSocket client = a.openTcp();
        client.connect(IP_B, 80);
        TcpSocket server = null;
        for (int i = 0; i < 1000 && server == null; i++)
        {
            clock[0] += 20_000L;
            a.poll(clock[0]);
            b.poll(clock[0]);
            server = listener.accept();
        }
        assertNotNull(server, "connected");
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
            link.busy = step >= 20 && step % 20 < 6;
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
            clock[0] += 20_000L;
            a.poll(clock[0]);
            b.poll(clock[0]);
            step++;
        }
        final String counters = "\nA held back " + a.ipCounters().txChainsHeldBack + ", gathered "
            + a.ipCounters().txGathered + ", queue drops " + a.ipCounters().txQueueDrops + ", refused gathers "
            + link.refusedGathers + ", steps " + step + "\n" + a.tcpCounters();
        assertArrayEquals(sent, in.array(), "the stream arrives whole" + counters);
        assertTrue(link.refusedGathers > 0, "the busy link refused gathers" + counters);
        assertTrue(a.ipCounters().txChainsHeldBack > 0, "super-segments held back" + counters);
        assertEquals(a.ipCounters().txChainsHeldBack, a.tcpCounters().linkBusy(), counters);
        assertEquals(0, a.ipCounters().txQueueDrops, "nothing dropped for a full queue" + counters);
        assertEquals(0, a.tcpCounters().retransmittedSegments(), "nothing lost, nothing sent twice" + counters);
        assertTrue(a.ipCounters().txGathered > 0, "gathered once the link took frames again" + counters);
        a.close();
        b.close();
        assertEquals(0, a.pool().inUse(), "A's pool whole");
        assertEquals(0, b.pool().inUse(), "B's pool whole");
    }
}
