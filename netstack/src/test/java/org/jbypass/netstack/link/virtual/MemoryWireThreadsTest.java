package org.jbypass.netstack.link.virtual;

import static org.jbypass.netstack.link.virtual.TestFrames.MAC_A;
import static org.jbypass.netstack.link.virtual.TestFrames.MAC_B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.PacketBurst;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two stacks' worth of ports driven by two threads, as the provider runs a stack per poller thread. Every wait is
 * {@code awaitReceive(Long.MAX_VALUE)}: a lost wakeup stalls a thread for good, and the test fails on its deadline
 * rather than passing slowly.
 */
class MemoryWireThreadsTest
{
    private static final long DEADLINE_SECONDS = 60;

    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldDeliverEveryFrameOnceAndInOrderUnderFlowControl() throws InterruptedException
    {
        final int frames = 200_000;
        final int window = 96;
        final MemoryWire wire = MemoryWire.builder().queueCapacity(128).build();
        final PacketPool poolA = new PacketPool(256, 2048);
        final PacketPool poolB = new PacketPool(256, 2048);
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);

        final Thread producer = new Thread(() -> guarded(() ->
        {
            final TestFrames writer = new TestFrames();
            final PacketBurst tx = new PacketBurst(32);
            final PacketBurst rx = new PacketBurst(32);
            long sent = 0;
            while (sent < frames)
            {
                final long windowEnd = Math.min(frames, sent + window);
                while (sent < windowEnd)
                {
                    final int burst = (int)Math.min(32, windowEnd - sent);
                    writer.send(a, tx, MAC_B, sent, burst, 40 + (int)(sent % 200));
                    sent += burst;
                }
                // Wait for the consumer to acknowledge the whole window.
                long acknowledged = -1;
                while (acknowledged < sent)
                {
                    rx.arm(poolA);
                    final int received = a.receive(0, rx);
                    for (int i = 0; i < received; i++)
                    {
                        acknowledged = Math.max(acknowledged,
                            TestFrames.sequence(poolA.memory(), poolA.offset(rx.buffer(i))));
                        poolA.free(rx.buffer(i));
                        rx.set(i, PacketPool.NO_BUFFER, 0, 0);
                    }
                    if (received == 0)
                    {
                        a.awaitReceive(Long.MAX_VALUE);
                    }
                }
            }
            rx.releaseAll(poolA);
        }), "producer");

        final long[] consumed = new long[1];
        final Thread consumer = new Thread(() -> guarded(() ->
        {
            final TestFrames writer = new TestFrames();
            final PacketBurst tx = new PacketBurst(1);
            final PacketBurst rx = new PacketBurst(32);
            long expected = 0;
            while (expected < frames)
            {
                rx.arm(poolB);
                final int received = b.receive(0, rx);
                for (int i = 0; i < received; i++)
                {
                    final int offset = poolB.offset(rx.buffer(i));
                    final long sequence = TestFrames.sequence(poolB.memory(), offset);
                    if (sequence != expected)
                    {
                        throw new AssertionError("expected frame " + expected + ", got " + sequence);
                    }
                    if (!TestFrames.intact(poolB.memory(), offset, rx.length(i)))
                    {
                        throw new AssertionError("frame " + sequence + " damaged");
                    }
                    poolB.free(rx.buffer(i));
                    rx.set(i, PacketPool.NO_BUFFER, 0, 0);
                    expected++;
                    if (expected % window == 0 || expected == frames)
                    {
                        writer.send(b, tx, MAC_A, expected, 1, 8);
                    }
                }
                if (received == 0)
                {
                    b.awaitReceive(Long.MAX_VALUE);
                }
            }
            consumed[0] = expected;
            rx.releaseAll(poolB);
        }), "consumer");

        runAndJoin(producer, consumer);
        assertEquals(frames, consumed[0]);
        assertEquals(0, b.counters().rxDropped, "flow control keeps the queue from overflowing");
        assertEquals(frames, b.counters().rxPackets);
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldNeverDuplicateOrReorderWhenTheQueueOverflows() throws InterruptedException
    {
        final int frames = 300_000;
        final MemoryWire wire = MemoryWire.builder().queueCapacity(64).build();
        final PacketPool poolA = new PacketPool(64, 2048);
        final PacketPool poolB = new PacketPool(64, 2048);
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final boolean[] done = new boolean[1];
        final Object doneLock = new Object();

        final Thread producer = new Thread(() -> guarded(() ->
        {
            final TestFrames writer = new TestFrames();
            final PacketBurst tx = new PacketBurst(32);
            for (long sent = 0; sent < frames; sent += 32)
            {
                writer.send(a, tx, MAC_B, sent, (int)Math.min(32, frames - sent), 24);
            }
            synchronized (doneLock)
            {
                done[0] = true;
            }
            b.wakeup();
        }), "producer");

        final long[] result = new long[2];
        final Thread consumer = new Thread(() -> guarded(() ->
        {
            final PacketBurst rx = new PacketBurst(32);
            long last = -1;
            long received = 0;
            while (true)
            {
                rx.arm(poolB);
                final int count = b.receive(0, rx);
                for (int i = 0; i < count; i++)
                {
                    final int offset = poolB.offset(rx.buffer(i));
                    final long sequence = TestFrames.sequence(poolB.memory(), offset);
                    if (sequence <= last)
                    {
                        throw new AssertionError("frame " + sequence + " after " + last + ": duplicated or reordered");
                    }
                    if (!TestFrames.intact(poolB.memory(), offset, rx.length(i)))
                    {
                        throw new AssertionError("frame " + sequence + " damaged");
                    }
                    last = sequence;
                    received++;
                    poolB.free(rx.buffer(i));
                    rx.set(i, PacketPool.NO_BUFFER, 0, 0);
                }
                if (count == 0)
                {
                    final boolean finished;
                    synchronized (doneLock)
                    {
                        finished = done[0];
                    }
                    if (finished)
                    {
                        // Everything was queued before done was set: one more empty receive means all is in.
                        rx.arm(poolB);
                        if (b.receive(0, rx) == 0)
                        {
                            break;
                        }
                        throw new AssertionError("frames arrived after the producer finished");
                    }
                    b.awaitReceive(Long.MAX_VALUE);
                }
            }
            result[0] = received;
            result[1] = last;
            rx.releaseAll(poolB);
        }), "consumer");

        runAndJoin(producer, consumer);
        assertTrue(result[0] > 0);
        assertEquals(frames, result[0] + b.overruns(), "every frame is either received or counted as dropped");
        assertEquals(b.overruns(), b.counters().rxDropped);
        assertEquals(frames, a.counters().txPackets);
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldNeverLoseAWakeupFromAnotherThread() throws InterruptedException
    {
        final MemoryWire wire = new MemoryWire();
        final PacketPool pool = new PacketPool(4, 2048);
        final MemoryWire.Port port = wire.attach(pool, MAC_A);
        final int handshakes = 30_000;
        final int[] request = new int[1];
        final int[] answer = new int[1];

        final Thread poller = new Thread(() -> guarded(() ->
        {
            int seen = 0;
            while (seen < handshakes)
            {
                final int current;
                synchronized (request)
                {
                    current = request[0];
                }
                if (current != seen)
                {
                    seen = current;
                    synchronized (answer)
                    {
                        answer[0] = seen;
                        answer.notifyAll();
                    }
                }
                else
                {
                    port.awaitReceive(Long.MAX_VALUE);
                }
            }
        }), "poller");
        poller.setDaemon(true);
        poller.start();

        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        for (int i = 1; i <= handshakes && failure.get() == null; i++)
        {
            synchronized (request)
            {
                request[0] = i;
            }
            port.wakeup();
            synchronized (answer)
            {
                while (answer[0] != i)
                {
                    final long left = deadline - System.nanoTime();
                    if (left <= 0)
                    {
                        poller.interrupt();
                        fail("the poller missed wakeup " + i + ": it is still blocked in awaitReceive");
                    }
                    answer.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
                }
            }
        }
        poller.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        assertFalse(poller.isAlive());
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
    }

    private void guarded(final Runnable body)
    {
        try
        {
            body.run();
        }
        catch (final Throwable t)
        {
            failure.compareAndSet(null, t);
        }
    }

    private void runAndJoin(final Thread... threads) throws InterruptedException
    {
        for (final Thread thread : threads)
        {
            thread.setDaemon(true);
            thread.start();
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        for (final Thread thread : threads)
        {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        for (final Thread thread : threads)
        {
            if (thread.isAlive())
            {
                for (final Thread other : threads)
                {
                    other.interrupt();
                }
                fail(thread.getName() + " stalled: a frame or a wakeup was lost" + (failure.get() == null ? ""
                    : " after " + failure.get()));
            }
        }
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
    }
}
