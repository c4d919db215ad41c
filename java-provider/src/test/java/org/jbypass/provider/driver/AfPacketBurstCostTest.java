package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.provider.driver.AfPacketOptions.RxRing;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.VethPair;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a burst costs through AfPacketLink over a veth pair: a measurement printed for the record, not asserted
 * (timings depend on the machine; performance claims belong to benchmarks). Needs root.
 *
 * <p>Printed: the JNI floor (receive on an empty ring), transmit of a 32-frame burst (one sendmmsg, which on a
 * veth also runs the peer's receive path in the same system call), receive of a 32-frame burst from blocks that
 * are ready, and the round trip of a 32-frame burst a→b→a, for each receive ring layout: with the block ring
 * (TPACKET_V3) the block retire timeout dominates the round trip at such a low rate (two hops, each waiting up to
 * rx-block-timeout-ms for a block that does not fill); the frame ring (TPACKET_V2) hands frames over at once.
 * {@link AfPacketRoundTripTest} measures single frames.
 */
class AfPacketBurstCostTest
{
    private static final int BURST = 32;
    private static final int FRAME = 64;

    @BeforeAll
    static void needsRoot()
    {
        Host.assumeNetworkAdmin();
    }

    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldPrintTheCostOfBursts(final RxRing ring)
    {
        final PacketPool poolA = new PacketPool(1024, 2048);
        final PacketPool poolB = new PacketPool(1024, 2048);
        final StringBuilder report = new StringBuilder("afpacket burst costs (veth, rx-ring=" + ring.key() + ", "
            + BURST + " frames of " + FRAME + " bytes, " + Runtime.version() + "):\n");
        try (VethPair veth = VethPair.create(1500);
             AfPacketLink a = AfPacketLink.open(AfPacketOptions.builder(veth.a()).rxRing(ring).build(), poolA);
             AfPacketLink b = AfPacketLink.open(AfPacketOptions.builder(veth.b()).rxRing(ring).rxQueueSize(16384)
                 .build(), poolB))
        {
            final byte[] frame = AfPacketLinkTest.frame(new SplittableRandom(9), 0, FRAME);
            final PacketBurst tx = new PacketBurst(BURST);
            final PacketBurst rx = new PacketBurst(BURST);

            // 1. The JNI floor: a receive that finds nothing.
            rx.arm(poolA);
            for (int i = 0; i < 200_000; i++)
            {
                a.receive(0, rx);
            }
            final int emptyCalls = 1_000_000;
            long start = System.nanoTime();
            for (int i = 0; i < emptyCalls; i++)
            {
                a.receive(0, rx);
            }
            line(report, "receive, empty ring", System.nanoTime() - start, emptyCalls, 0);
            rx.releaseAll(poolA);

            // 2. Transmit: bursts of 32 into b's ring, which holds them all (16384 frames), in rounds that b drains.
            // A veth hands each frame to the peer's per-CPU backlog (netif_rx), which holds net.core.netdev_max_backlog
            // frames (1000 by default) until the softirq runs; on a loaded machine the softirq can wait for
            // ksoftirqd, so a round stays below that (800 frames) or the kernel drops frames before AF_PACKET sees
            // them (counted only in /proc/net/softnet_stat).
            final int rounds = 96;
            final int burstsPerRound = 25;
            long txNanos = 0;
            long rxNanos = 0;
            int rxBursts = 0;
            for (int round = 0; round < rounds; round++)
            {
                start = System.nanoTime();
                for (int i = 0; i < burstsPerRound; i++)
                {
                    fill(poolA, tx, frame);
                    if (a.transmit(0, tx) != BURST)
                    {
                        throw new AssertionError("veth refused frames");
                    }
                }
                txNanos += System.nanoTime() - start;
                // 3. Receive: b drains the ring; only calls that return frames are timed, so the wait for the last,
                // partly filled block is not counted.
                int received = 0;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (received < burstsPerRound * BURST && System.nanoTime() < deadline)
                {
                    rx.arm(poolB);
                    final long t = System.nanoTime();
                    final int n = b.receive(0, rx);
                    if (n > 0)
                    {
                        rxNanos += System.nanoTime() - t;
                        rxBursts++;
                        received += n;
                    }
                    else
                    {
                        b.awaitReceive(TimeUnit.MILLISECONDS.toNanos(50));
                    }
                }
                assertEquals(burstsPerRound * BURST, received, b.describeStatistics());
            }
            line(report, "transmit, 32 frames (sendmmsg)", txNanos, rounds * burstsPerRound, BURST);
            line(report, "receive, 32 frames ready", rxNanos, rxBursts, BURST);
            rx.releaseAll(poolB);

            // 4. Round trip a -> b -> a of one burst at a time (each link with its own receive burst).
            final int trips = 300;
            final PacketBurst rxA = new PacketBurst(BURST);
            for (int i = 0; i < 50; i++)
            {
                roundTrip(a, b, poolA, poolB, tx, rxA, rx, frame);
            }
            start = System.nanoTime();
            for (int i = 0; i < trips; i++)
            {
                roundTrip(a, b, poolA, poolB, tx, rxA, rx, frame);
            }
            line(report, "round trip a->b->a, 32 frames", System.nanoTime() - start, trips, BURST);
            if (ring == RxRing.BLOCK)
            {
                report.append("  (rx-block-timeout-ms=").append(a.options().rxBlockTimeoutMillis())
                    .append(": a block that does not fill waits that long in each ring)\n");
            }
            rxA.releaseAll(poolA);
            rx.releaseAll(poolB);
        }
        System.out.print(report);
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
    }

    private static void roundTrip(final AfPacketLink a, final AfPacketLink b, final PacketPool poolA,
        final PacketPool poolB, final PacketBurst tx, final PacketBurst rxA, final PacketBurst rxB,
        final byte[] frame)
    {
        fill(poolA, tx, frame);
        a.transmit(0, tx);
        echo(b, poolB, tx, rxB);
        drain(a, poolA, rxA, BURST);
    }

    /** Receives a burst's worth of frames on a link and sends them straight back from the same buffers. */
    private static void echo(final AfPacketLink link, final PacketPool pool, final PacketBurst tx,
        final PacketBurst rx)
    {
        int received = 0;
        while (received < BURST)
        {
            rx.arm(pool);
            final int n = link.receive(0, rx);
            for (int i = 0; i < n; i++)
            {
                tx.add(rx.buffer(i), rx.length(i), 0);
                rx.set(i, PacketPool.NO_BUFFER, 0, 0);
            }
            received += n;
            if (n == 0)
            {
                link.awaitReceive(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
        link.transmit(0, tx);
    }

    private static void drain(final AfPacketLink link, final PacketPool pool, final PacketBurst rx, final int count)
    {
        int received = 0;
        while (received < count)
        {
            rx.arm(pool);
            final int n = link.receive(0, rx);
            received += n;
            if (n == 0)
            {
                link.awaitReceive(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
    }

    private static void fill(final PacketPool pool, final PacketBurst burst, final byte[] frame)
    {
        while (!burst.isFull())
        {
            final int buffer = pool.allocate();
            pool.memory().put(pool.offset(buffer), frame, 0, frame.length);
            burst.add(buffer, frame.length, 0);
        }
    }

    private static void line(final StringBuilder report, final String what, final long nanos, final int calls,
        final int framesPerCall)
    {
        final double perCall = nanos / (double)calls;
        report.append(String.format(Locale.ROOT, "  %-34s %10.0f ns per call", what, perCall));
        if (framesPerCall > 0)
        {
            report.append(String.format(Locale.ROOT, ", %7.0f ns per frame", perCall / framesPerCall));
        }
        report.append(String.format(Locale.ROOT, "  (%d calls)%n", calls));
    }
}
