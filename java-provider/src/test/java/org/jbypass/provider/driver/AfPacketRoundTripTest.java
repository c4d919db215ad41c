package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.provider.driver.AfPacketOptions.RxRing;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.VethPair;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The round trip of one frame a→b→a between two AfPacketLinks on a veth pair, at a low rate (one frame in flight,
 * then a pause), for each receive ring layout, with both ends blocking in {@link AfPacketLink#awaitReceive} or
 * busy-polling: a measurement printed for the record, not asserted (timings depend on the machine). Needs root.
 *
 * <p>What it shows: the block ring (TPACKET_V3) holds a lone frame until the block's retire timer fires
 * (rx-block-timeout-ms, 1 ms), in each of the two rings a round trip crosses, whether the reader blocks or spins;
 * the frame ring (TPACKET_V2) hands it over at once. Busy-polling needs a free core per spinning thread (two here):
 * on a machine with fewer, the spinners and the kernel's work preempt one another and it is slower, not faster.
 * Every echoed frame is checked byte for byte.
 */
class AfPacketRoundTripTest
{
    private static final int FRAME = 64;
    private static final long PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(10);

    @BeforeAll
    static void needsRoot()
    {
        Host.assumeNetworkAdmin();
    }

    @Test
    void shouldPrintTheRoundTripOfSingleFrames() throws Exception
    {
        final StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
            "afpacket round trip a->b->a of one %d-byte frame at a time, %d us apart (veth, %s, %d cpus):%n", FRAME,
            TimeUnit.NANOSECONDS.toMicros(PAUSE_NANOS), Runtime.version(), Runtime.getRuntime().availableProcessors()));
        for (final RxRing ring : new RxRing[] {RxRing.FRAME, RxRing.BLOCK})
        {
            for (final boolean spin : new boolean[] {false, true})
            {
                // Fewer trips where each takes long (the block ring's timer) or where two spinning threads fight
                // for a small machine's cores: the run stays within seconds.
                final int trips = (ring == RxRing.BLOCK ? 500 : 3000) / (spin ? 5 : 1);
                final long[] samples = measure(ring, spin, trips);
                Arrays.sort(samples);
                report.append(String.format(Locale.ROOT,
                    "  rx-ring=%-5s %-8s median %8.1f us  p99 %8.1f us  min %7.1f us  max %8.1f us  (%d trips)%n",
                    ring.key(), spin ? "spinning" : "blocking", micros(percentile(samples, 50)),
                    micros(percentile(samples, 99)), micros(samples[0]), micros(samples[samples.length - 1]),
                    trips));
            }
        }
        System.out.print(report);
    }

    private static long[] measure(final RxRing ring, final boolean spin, final int trips) throws Exception
    {
        final PacketPool poolA = new PacketPool(256, 2048);
        final PacketPool poolB = new PacketPool(256, 2048);
        final long[] samples = new long[trips];
        try (VethPair veth = VethPair.create(1500);
             AfPacketLink a = AfPacketLink.open(AfPacketOptions.builder(veth.a()).rxRing(ring).build(), poolA);
             AfPacketLink b = AfPacketLink.open(AfPacketOptions.builder(veth.b()).rxRing(ring).build(), poolB))
        {
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread echo = new Thread(() ->
            {
                try
                {
                    echo(b, poolB, spin, stop);
                }
                catch (final Throwable t)
                {
                    failure.set(t);
                }
            }, "afpacket-echo");
            echo.start();
            final byte[] frame = AfPacketLinkTest.frame(new SplittableRandom(11), 0, FRAME);
            final PacketBurst tx = new PacketBurst(1);
            final PacketBurst rx = new PacketBurst(8);
            try
            {
                final int warmup = Math.min(300, trips / 2);
                for (int i = -warmup; i < trips; i++)
                {
                    final long start = System.nanoTime();
                    final int buffer = poolA.allocate();
                    poolA.memory().put(poolA.offset(buffer), frame, 0, FRAME);
                    tx.add(buffer, FRAME, 0);
                    assertEquals(1, a.transmit(0, tx));
                    int n = 0;
                    while (n == 0)
                    {
                        rx.arm(poolA);
                        n = a.receive(0, rx);
                        if (n == 0)
                        {
                            if (System.nanoTime() - start > DEADLINE_NANOS || failure.get() != null)
                            {
                                throw new AssertionError("no echo; " + a.describeStatistics(), failure.get());
                            }
                            if (!spin)
                            {
                                a.awaitReceive(DEADLINE_NANOS);
                            }
                        }
                    }
                    final long elapsed = System.nanoTime() - start;
                    assertEquals(1, n);
                    assertArrayEquals(frame, AfPacketLinkTest.read(poolA, rx.buffer(0), rx.length(0)));
                    rx.releaseAll(poolA);
                    if (i >= 0)
                    {
                        samples[i] = elapsed;
                    }
                    pause(PAUSE_NANOS);
                }
            }
            finally
            {
                stop.set(true);
                b.wakeup();
                echo.join(TimeUnit.SECONDS.toMillis(20));
                rx.releaseAll(poolA);
            }
            assertFalse(echo.isAlive(), "the echo thread did not stop");
            if (failure.get() != null)
            {
                throw new AssertionError("echo failed", failure.get());
            }
        }
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
        return samples;
    }

    /** Sends every frame b receives straight back from the same buffer, until told to stop. */
    private static void echo(final AfPacketLink b, final PacketPool pool, final boolean spin,
        final AtomicBoolean stop)
    {
        final PacketBurst rx = new PacketBurst(8);
        final PacketBurst tx = new PacketBurst(8);
        while (!stop.get())
        {
            rx.arm(pool);
            final int n = b.receive(0, rx);
            for (int i = 0; i < n; i++)
            {
                tx.add(rx.buffer(i), rx.length(i), 0);
                rx.set(i, PacketPool.NO_BUFFER, 0, 0);
            }
            if (n > 0)
            {
                b.transmit(0, tx);
            }
            else if (!spin)
            {
                b.awaitReceive(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
        rx.releaseAll(pool);
        tx.releaseFrames(pool);
    }

    /** Waits without a sleep's coarse granularity, so that the pause is the same in every configuration. */
    private static void pause(final long nanos)
    {
        final long until = System.nanoTime() + nanos;
        while (System.nanoTime() < until)
        {
            LockSupport.parkNanos(until - System.nanoTime());
        }
    }

    static long percentile(final long[] sorted, final double percent)
    {
        final int index = (int)Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    static double micros(final long nanos)
    {
        return nanos / 1000.0;
    }
}
