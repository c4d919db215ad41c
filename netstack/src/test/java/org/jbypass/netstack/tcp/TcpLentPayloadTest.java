package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * In-order super-segments' payload kept in the link's packet buffers ({@link LentPayload}, {@code FrameChain.lend})
 * rather than copied into the receive ring: two stacks on a {@link MemoryWire} that passes A's TSO super-segments
 * whole to B as chains, B's application reading in odd sizes that cut the lent ranges and the ring's bytes between
 * them. Every byte arrives in order (checked against what A wrote), B lent buffers, its pool gets every buffer back
 * once the data is read, or the connection or the stack closes with data unread; with a pool too small to keep half
 * free, or with {@code TcpConfig.lendReceiveBuffers(false)}, it lends none and copies as before.
 */
class TcpLentPayloadTest
{
    private static final int IP_A = Ipv4Address.parse("198.18.0.1");
    private static final int IP_B = Ipv4Address.parse("198.18.0.2");
    private static final long MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:00:0b");

    /** A and B on a wire that passes super-segments whole, a connection from A to B, and B's pool at rest. */
    private static final class Pair
    {
        final Stack a;
        final Stack b;
        final TcpSocket client;
        final TcpSocket server;
        final int bRest;
        long now = 1_000_000_000L;
        ByteBuffer out;

        Pair(final int bPoolBuffers)
        {
            this(bPoolBuffers, true);
        }

        Pair(final int bPoolBuffers, final boolean lend)
        {
            final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION)
                .passChainsWhole(true).queueCapacity(4096).build();
            a = new Stack(StackConfig.builder().poolBuffers(4096).seed(1).build(), now);
            b = new Stack(StackConfig.builder().poolBuffers(bPoolBuffers).seed(2)
                .tcp(TcpConfig.builder().lendReceiveBuffers(lend).build()).build(), now);
            a.addInterface("a0", wire.attach(a.pool(), MAC_A), IP_A, 24, 0);
            b.addInterface("b0", wire.attach(b.pool(), MAC_B), IP_B, 24, 0);
            final TcpSocket listener = b.openTcp();
            assertEquals(0, listener.bind(0, 5001));
            assertEquals(0, listener.listen(1));
            client = a.openTcp();
            client.connect(IP_B, 5001);
            TcpSocket accepted = null;
            for (int step = 0; step < 1000 && accepted == null; step++)
            {
                step();
                accepted = listener.accept();
            }
            server = accepted;
            assertNotNull(server, "accepted");
            for (int step = 0; step < 10; step++)
            {
                step();
            }
            bRest = b.pool().inUse();
        }

        void step()
        {
            now += 20_000L;
            a.poll(now);
            b.poll(now);
            a.flush();
            b.flush();
        }

        /** A writes {@code data}; B reads it in reads of 1 to {@code maxRead} bytes, until {@code readUpTo}. */
        byte[] move(final byte[] data, final int maxRead, final int readUpTo, final long seed)
        {
            final SplittableRandom random = new SplittableRandom(seed);
            out = ByteBuffer.wrap(data);
            final byte[] got = new byte[readUpTo];
            int read = 0;
            for (int step = 0; step < 200_000 && read < readUpTo; step++)
            {
                client.write(out);
                step();
                final int n = server.read(ByteBuffer.wrap(got, read, Math.min(readUpTo - read,
                    1 + random.nextInt(maxRead))));
                if (n > 0)
                {
                    read += n;
                }
            }
            assertEquals(readUpTo, read, "bytes read");
            return got;
        }
    }

    private static byte[] data(final int length, final long seed)
    {
        final byte[] data = new byte[length];
        new SplittableRandom(seed).nextBytes(data);
        return data;
    }

    @Test
    void shouldDeliverLentPayloadInOrderThroughReadsOfEverySize()
    {
        final Pair p = new Pair(4096);
        final byte[] data = data(4 << 20, 7);
        final byte[] got = p.move(data, 70_000, data.length, 11);
        assertArrayEquals(data, got, "the bytes A wrote, in order");
        final TcpCounters counters = p.b.tcpCounters();
        assertTrue(counters.payloadBuffersLent() > 0, counters.toString());
        assertTrue(p.b.ipCounters().superFramesReceived > 0, p.b.ipCounters().toString());
        assertEquals(p.bRest, p.b.pool().inUse(), "every lent buffer back once read");
        p.a.close();
        p.b.close();
        assertEquals(0, p.b.pool().inUse(), "B's pool whole after close");
    }

    @Test
    void shouldGiveLentBuffersBackWhenClosedWithDataUnread()
    {
        final Pair p = new Pair(4096);
        final byte[] data = data(600_000, 8);
        // Read a little, then leave the rest (lent ranges among it) unread.
        final byte[] got = p.move(data, 5_000, 100_000, 12);
        for (int step = 0; step < 200; step++)
        {
            p.client.write(p.out);
            p.step();
        }
        assertArrayEquals(java.util.Arrays.copyOf(data, 100_000), got);
        assertTrue(p.b.tcpCounters().payloadBuffersLent() > 0, p.b.tcpCounters().toString());
        assertTrue(p.server.available() > 0, "data left unread");
        assertTrue(p.b.pool().inUse() > p.bRest, "lent buffers held for the reader");
        p.server.close();
        for (int step = 0; step < 100; step++)
        {
            p.step();
        }
        assertEquals(p.bRest, p.b.pool().inUse(), "the closed connection's lent buffers back in the pool");
        p.a.close();
        p.b.close();
        assertEquals(0, p.b.pool().inUse());
    }

    @Test
    void shouldGiveLentBuffersBackWhenTheStackClosesWithDataUnread()
    {
        final Pair p = new Pair(4096);
        final byte[] data = data(600_000, 10);
        p.move(data, 5_000, 50_000, 14);
        for (int step = 0; step < 200; step++)
        {
            p.client.write(p.out);
            p.step();
        }
        assertTrue(p.b.pool().inUse() > p.bRest, "lent buffers held for the reader");
        p.b.close();
        assertEquals(0, p.b.pool().inUse(), "B's pool whole after the stack closed under an open connection");
        p.a.close();
    }

    @Test
    void shouldCopyWhenLendingIsOff()
    {
        final Pair p = new Pair(4096, false);
        final byte[] data = data(1 << 20, 15);
        assertArrayEquals(data, p.move(data, 30_000, data.length, 16));
        assertEquals(0, p.b.tcpCounters().payloadBuffersLent(), p.b.tcpCounters().toString());
        p.a.close();
        p.b.close();
        assertEquals(0, p.b.pool().inUse());
    }

    @Test
    void shouldCopyWhenLendingWouldLeaveThePoolLessThanHalfFree()
    {
        // 120 buffers: B's armed receive burst holds 64 of them, so fewer than half are ever free to lend.
        final Pair p = new Pair(120);
        assertTrue(p.b.pool().available() < p.b.pool().capacity() / 2, p.b.pool().toString());
        final byte[] data = data(1 << 20, 9);
        assertArrayEquals(data, p.move(data, 30_000, data.length, 13));
        assertEquals(0, p.b.tcpCounters().payloadBuffersLent(), p.b.tcpCounters().toString());
        assertTrue(p.b.ipCounters().superFramesReceived > 0, "super-segments arrived, and were copied");
        p.a.close();
        p.b.close();
        assertEquals(0, p.b.pool().inUse());
    }
}
