package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.transport.EventQueue;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.util.TimerQueue;
import org.junit.jupiter.api.Test;

/**
 * The steady state allocates nothing: two layers joined by a wire that hands pool buffers straight across (no copy,
 * no queue nodes) move data both ways, and the thread's allocation counter must not move over hundreds of
 * thousands of segments, ACKs, timers and reads and writes included.
 */
class TcpAllocationTest
{
    private static final int A = 0xC6120001;
    private static final int B = 0xC6120002;

    /** One side: its pool, and a fixed ring of (buffer, length) it has sent and the other side has not received. */
    static final class Side extends TcpTestIpv4
    {
        final int address;
        final PacketPool pool = new PacketPool(8192, 2048);
        final StackTime time;
        final TimerQueue timers = new TimerQueue();
        final EventQueue events = new EventQueue();
        final TcpLayer layer;
        final int[] buffers = new int[8192];
        final int[] lengths = new int[8192];
        int head;
        int count;
        Side peer;
        /** Drops every n-th segment sent (0: none), to keep loss recovery busy. */
        int dropEvery;
        long sent;
        /** With TSO: the longest super-segment, 0 for none; super-segments wait in {@link #superChains}. */
        int segmentationLimit;
        /**
         * Fixed slots for super-segments in flight, each the chain of buffers TCP built, passed whole as a veth
         * passes them and received in place, as a link's chain is (made once).
         */
        final PacketBurst[] superChains = new PacketBurst[64];
        final FrameChain frame = new FrameChain();
        final int[] superSizes = new int[8192];
        int superNext;
        int superQueued;

        Side(final int address, final StackTime time, final long seed)
        {
            this(address, time, seed, TcpConfig.defaults());
        }

        Side(final int address, final StackTime time, final long seed, final TcpConfig config)
        {
            this.address = address;
            this.time = time;
            for (int i = 0; i < superChains.length; i++)
            {
                superChains[i] = new PacketBurst(64);
            }
            layer = new TcpLayer(this, timers, time, events, config, seed);
        }

        @Override
        public PacketPool pool()
        {
            return pool;
        }

        @Override
        public int sourceAddress(final int destination)
        {
            return address;
        }

        @Override
        public int pathMtu(final int destination)
        {
            return 1500;
        }

        @Override
        public boolean isLocalAddress(final int a)
        {
            return a == address;
        }

        @Override
        public int segmentationLimit(final int destination)
        {
            return segmentationLimit;
        }

        @Override
        public int sendChain(final org.jbypass.netstack.ip.BufferChain chain, final int l4Length, final int source,
            final int destination, final int tos, final int ttl, final int segmentSize)
        {
            if (count == buffers.length || superQueued == 64)
            {
                chain.free(pool);
                return -Errno.ENOBUFS;
            }
            if (!chain.copySlices(pool))
            {
                chain.free(pool);
                return -Errno.ENOMEM;
            }
            superQueued++;
            // Slots are taken and given back in order: 64 of them, a full ring refuses as a full queue does.
            final int slot = superNext;
            superNext = (superNext + 1) % 64;
            final PacketBurst burst = superChains[slot];
            for (int i = 0; i < chain.count(); i++)
            {
                burst.add(chain.buffer(i), chain.length(i), i < chain.count() - 1 ? PacketBurst.CONTINUES : 0);
            }
            chain.clear();
            final int q = (head + count) % buffers.length;
            buffers[q] = -1 - slot;
            lengths[q] = l4Length;
            superSizes[q] = segmentSize;
            count++;
            return 0;
        }

        @Override
        public int send(final int buffer, final int l4Length, final int source, final int destination,
            final int protocol, final int tos, final int ttl, final boolean dontFragment)
        {
            if (count == buffers.length)
            {
                pool.free(buffer);
                return -Errno.ENOBUFS;
            }
            final int at = (head + count) % buffers.length;
            buffers[at] = buffer;
            lengths[at] = l4Length;
            count++;
            return 0;
        }

        /** Drops everything this side sent, as a network that loses it (a SYN-ACK to a spoofed address). */
        void discard()
        {
            while (count > 0)
            {
                final int buffer = buffers[head];
                head = (head + 1) % buffers.length;
                count--;
                if (buffer < 0)
                {
                    superQueued--;
                }
                else
                {
                    pool.free(buffer);
                }
            }
        }

        /** Delivers everything this side sent to its peer. */
        int deliver()
        {
            int n = 0;
            while (count > 0)
            {
                final int buffer = buffers[head];
                final int length = lengths[head];
                final int segmentSize = superSizes[head];
                head = (head + 1) % buffers.length;
                count--;
                if (buffer < 0)
                {
                    superQueued--;
                    // A super-segment, its checksum partial and trusted as a veth's (NEEDS_CSUM).
                    final PacketBurst chain = superChains[-1 - buffer];
                    if (dropEvery == 0 || ++sent % dropEvery != 0)
                    {
                        assertTrue(frame.wrap(pool, chain, 0));
                        final int verdict = peer.layer.receiveChain(frame, L4_OFFSET, pool.memory(),
                            pool.offset(chain.buffer(0)) + L4_OFFSET, length, address, peer.address, 0, 64,
                            PacketBurst.RX_L4_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_PARTIAL
                                | PacketBurst.gso(PacketBurst.GSO_TCPV4, segmentSize));
                        assertEquals(org.jbypass.netstack.ip.Ipv4Protocol.CONSUMED, verdict, "taken in place");
                        n++;
                    }
                    chain.releaseFrames(pool);
                    continue;
                }
                if (dropEvery > 0 && ++sent % dropEvery == 0)
                {
                    pool.free(buffer);
                    continue;
                }
                peer.layer.receive(pool.memory(), pool.offset(buffer) + L4_OFFSET, length, address, peer.address, 0,
                    64, 0);
                pool.free(buffer);
                n++;
            }
            return n;
        }
    }

    @Test
    void shouldAllocateNothingPerSegmentInSteadyState()
    {
        final long[] allocated = new long[3];
        final TcpCounters counters = run(0, allocated);
        assertTrue(counters.segmentsOut() > 300_000, "segments: " + counters);
        assertEquals(0, allocated[2], "bytes allocated in the last window");
    }

    /**
     * The same through 2% loss each way: the SACK scoreboard, RACK and its timer, PRR and tail loss probes allocate
     * nothing either once the scoreboard has grown to the flight. Loss sends the JIT down rare paths for a while,
     * and a deoptimisation may materialise a few scalar-replaced objects in any window, so the test asks for
     * windows without a single allocation, which per-segment allocation could not give.
     */
    @Test
    void shouldAllocateNothingPerSegmentWhileRecoveringFromLoss()
    {
        final long[] allocated = new long[8];
        final TcpCounters counters = run(50, allocated);
        assertTrue(counters.fastRecoveries() > 1000, "recoveries: " + counters);
        assertTrue(counters.rackLost() > 1000, "RACK at work: " + counters);
        long best = Long.MAX_VALUE;
        for (int i = 4; i < allocated.length; i++)
        {
            best = Math.min(best, allocated[i]);
        }
        assertEquals(0, best, "bytes allocated in the quietest late window: " + java.util.Arrays.toString(allocated));
    }

    /**
     * The same with TSO: super-segments built as buffer chains, sent whole and received in place (TCP copies the
     * payload straight out of the chain). As with loss, the test asks for late windows without a single allocation
     * (a deoptimisation may materialise an object once).
     */
    @Test
    void shouldAllocateNothingPerSuperSegmentInSteadyState()
    {
        final long[] allocated = new long[5];
        final TcpCounters counters = run(0, allocated, 65_535);
        assertTrue(counters.superSegmentsOut() > 5_000, "super-segments: " + counters);
        long best = Long.MAX_VALUE;
        for (int i = 2; i < allocated.length; i++)
        {
            best = Math.min(best, allocated[i]);
        }
        assertEquals(0, best, "bytes allocated in the quietest late window: " + java.util.Arrays.toString(allocated));
    }

    private static TcpCounters run(final int dropEvery, final long[] allocated)
    {
        return run(dropEvery, allocated, 0);
    }

    /**
     * Moves data both ways between two layers in {@code allocated.length} windows of 3000 steps, dropping every
     * {@code dropEvery}-th segment (0: none), and records the bytes allocated in each window.
     */
    private static TcpCounters run(final int dropEvery, final long[] allocated, final int segmentationLimit)
    {
        final StackTime time = new StackTime();
        long now = 1_000_000_000L;
        time.reset(now);
        final Side a = new Side(A, time, 1);
        final Side b = new Side(B, time, 2);
        a.peer = b;
        b.peer = a;
        a.dropEvery = dropEvery;
        b.dropEvery = dropEvery;
        a.segmentationLimit = segmentationLimit;
        b.segmentationLimit = segmentationLimit;
        final TcpSocket listener = a.layer.open();
        listener.bind(0, 5001);
        listener.listen(4);
        final TcpSocket client = b.layer.open();
        assertEquals(-Errno.EINPROGRESS, client.connect(A, 5001));
        b.deliver();
        a.deliver();
        b.deliver();
        final TcpSocket server = listener.accept();
        assertEquals(0, client.finishConnect());

        final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
        final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long thread = Thread.currentThread().getId();
        long segments = 0;
        for (int round = 0; round < allocated.length; round++)
        {
            final long before = threads.getThreadAllocatedBytes(thread);
            final long segmentsBefore = a.layer.counters().segmentsOut() + b.layer.counters().segmentsOut();
            for (int i = 0; i < 3_000; i++)
            {
                now += 20_000;
                time.advance(now);
                out.clear();
                server.write(out);
                out.clear();
                client.write(out);
                int moved;
                do
                {
                    moved = a.deliver() + b.deliver();
                    in.clear();
                    client.read(in);
                    in.clear();
                    server.read(in);
                }
                while (moved > 0);
                a.timers.expire(now);
                b.timers.expire(now);
                a.events.dispatch();
                b.events.dispatch();
            }
            allocated[round] = threads.getThreadAllocatedBytes(thread) - before;
            segments = a.layer.counters().segmentsOut() + b.layer.counters().segmentsOut() - segmentsBefore;
        }
        System.out.println("segments in the last window: " + segments + ", bytes " + a.layer.counters().bytesOut()
            + ", allocated per window " + java.util.Arrays.toString(allocated));
        assertTrue(segments > 100_000, "segments moved in the last window: " + segments);
        int queued = 0;
        for (final Side side : new Side[] {a, b})
        {
            for (int i = 0; i < side.count; i++)
            {
                queued += side.buffers[(side.head + i) % side.buffers.length] >= 0 ? 1 : 0;
            }
        }
        assertEquals(0, a.pool.inUse() + b.pool.inUse() - queued);
        return a.layer.counters();
    }
}
