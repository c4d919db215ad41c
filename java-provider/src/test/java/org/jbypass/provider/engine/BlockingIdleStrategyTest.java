package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.LinkDecorator;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.link.PacketBurst;
import org.junit.jupiter.api.Test;

/** When the blocking idle strategy polls the ring (busy-poll-ns) and when it blocks in the link's wait. */
class BlockingIdleStrategyTest
{
    /** A link that can look at its ring (RX_READY), whose ring holds frames when the test says so. */
    private static final class RingLink extends LinkDecorator
    {
        volatile boolean ready;
        int waits;
        long lastWaitNanos;

        RingLink(final Link inner)
        {
            super(inner);
        }

        @Override
        protected String kind()
        {
            return "ring";
        }

        @Override
        public int capabilities()
        {
            return inner.capabilities() | LinkCapabilities.RX_READY;
        }

        @Override
        public int receive(final int queue, final PacketBurst burst)
        {
            return inner.receive(queue, burst);
        }

        @Override
        public int transmit(final int queue, final PacketBurst burst)
        {
            return inner.transmit(queue, burst);
        }

        @Override
        public void close()
        {
            inner.close();
        }

        @Override
        public boolean receiveReady(final int queue)
        {
            return ready;
        }

        @Override
        public void awaitReceive(final long timeoutNanos)
        {
            waits++;
            lastWaitNanos = timeoutNanos;
        }
    }

    private static RingLink link()
    {
        final PacketPool pool = new PacketPool(64, 2048);
        return new RingLink(new MemoryWire().attach(pool, 0x02_00_00_00_00_01L));
    }

    @Test
    void shouldBlockAtOnceBeforeAnyWorkEvenWithBusyPolling()
    {
        // Whatever System.nanoTime() returns, a poller that has done no work yet does not spin: it blocks until the
        // deadline (a sentinel "spin until" time once made every idle spin until its deadline).
        final RingLink link = link();
        final BlockingIdleStrategy idle = new BlockingIdleStrategy(link, 0, 10_000_000_000L);
        final long now = System.nanoTime();
        idle.idle(now + 50_000_000L, now);
        assertEquals(1, link.waits, "blocked in the link's wait");
        assertTrue(link.lastWaitNanos > 0, "for the time left until the deadline");
    }

    @Test
    void shouldTakeFramesFromTheRingWithoutBlockingWhileTheSpinLasts()
    {
        final RingLink link = link();
        final BlockingIdleStrategy idle = new BlockingIdleStrategy(link, 0, 10_000_000_000L);
        idle.reset();
        link.ready = true;
        final long now = System.nanoTime();
        idle.idle(Long.MAX_VALUE, now);
        assertEquals(0, link.waits, "the ring had frames: no wait");
    }

    @Test
    void shouldBlockOnceTheSpinAfterTheLastWorkHasPassed()
    {
        final RingLink link = link();
        final BlockingIdleStrategy idle = new BlockingIdleStrategy(link, 0, 1_000L);
        idle.reset();
        final long now = System.nanoTime();
        // 1 µs of looking at an empty ring, then the wait; and the next idle, with no work between, waits at once.
        idle.idle(now + 50_000_000L, now);
        assertEquals(1, link.waits);
        idle.idle(now + 50_000_000L, System.nanoTime());
        assertEquals(2, link.waits);
    }

    @Test
    void shouldNeverSpinWithoutBusyPolling()
    {
        final RingLink link = link();
        final BlockingIdleStrategy idle = new BlockingIdleStrategy(link, 0, 0);
        idle.reset();
        link.ready = true;
        final long now = System.nanoTime();
        idle.idle(now + 50_000_000L, now);
        assertEquals(1, link.waits, "busy-poll-ns = 0 blocks at once");
    }
}
