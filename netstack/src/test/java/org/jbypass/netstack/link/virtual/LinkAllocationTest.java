package org.jbypass.netstack.link.virtual;

import static org.jbypass.netstack.link.virtual.TestFrames.MAC_A;
import static org.jbypass.netstack.link.virtual.TestFrames.MAC_B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.util.StackTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data path allocates nothing per frame: once warm, moving hundreds of thousands of frames through the links
 * allocates zero bytes on the driving thread, as {@code ThreadMXBean.getCurrentThreadAllocatedBytes} counts them
 * (TLAB allocations included). Frames are built, sent, received and freed in a loop that itself allocates nothing.
 */
class LinkAllocationTest
{
    private static final int BURST = 32;
    private static final int ROUNDS = 3000;

    @TempDir
    Path directory;

    private final TestFrames frames = new TestFrames();
    private final PacketPool poolA = new PacketPool(256, 2048);
    private final PacketPool poolB = new PacketPool(256, 2048);
    private final PacketBurst tx = new PacketBurst(BURST);
    private final PacketBurst rxA = new PacketBurst(BURST);
    private final PacketBurst rxB = new PacketBurst(BURST);
    private long sequence;
    private long delivered;

    @Test
    void shouldNotAllocatePerFrameOnAMemoryWire()
    {
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        assertEquals(0, allocatedWhileRunning(a, b));
        assertEquals((long)BURST * ROUNDS * 4, delivered, "every frame arrived");
    }

    @Test
    void shouldNotAllocatePerFrameOnAMemoryWireWithChecksumOffloads()
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_L3_CHECKSUM
            | LinkCapabilities.TX_L4_CHECKSUM | LinkCapabilities.RX_L3_CHECKSUM | LinkCapabilities.RX_L4_CHECKSUM)
            .build();
        assertEquals(0, allocatedWhileRunning(wire.attach(poolA, MAC_A), wire.attach(poolB, MAC_B)));
    }

    @Test
    void shouldNotAllocatePerFrameThroughEveryImpairment()
    {
        final MemoryWire wire = new MemoryWire();
        final ImpairedLink a = new ImpairedLink(wire.attach(poolA, MAC_A), ImpairedLink.config().loss(0.05)
            .duplicate(0.05).corrupt(0.05).reorder(0.1).seed(17));
        final ImpairedLink b = new ImpairedLink(wire.attach(poolB, MAC_B), ImpairedLink.config().loss(0.05)
            .duplicate(0.05).corrupt(0.05).reorder(0.1).seed(18));
        assertEquals(0, allocatedWhileRunning(a, b));
        assertTrue(a.txImpairments().reordered > 1000 && b.rxImpairments().duplicated > 1000);
    }

    @Test
    void shouldNotAllocatePerFrameWhileCapturing() throws IOException
    {
        final MemoryWire wire = new MemoryWire();
        final StackTime time = new StackTime();
        // A small buffer, so that the file is written hundreds of times during the measurement.
        final PcapLink a = PcapLink.open(wire.attach(poolA, MAC_A), directory.resolve("a.pcap"), time,
            PcapLink.options().bufferBytes(64 * 1024));
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        assertEquals(0, allocatedWhileRunning(a, b));
        a.close();
        assertTrue(a.records() >= (long)BURST * ROUNDS * 8);
    }

    /** Nor a wire that cuts TCP super-segments into segments in software (TX_TCP_SEGMENTATION). */
    @Test
    void shouldNotAllocatePerSuperSegmentOnASegmentingWire()
    {
        superSegments(false);
    }

    /** Nor one that passes them whole, as chains (a veth's way). */
    @Test
    void shouldNotAllocatePerSuperSegmentOnAWireThatPassesThemWhole()
    {
        superSegments(true);
    }

    private void superSegments(final boolean whole)
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION)
            .passChainsWhole(whole).build();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final byte[] superSegment = TcpSegmenterTest.superSegment(8 * 1448, 0x18, new java.util.SplittableRandom(4));
        final int flags = PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, 1448);
        final com.sun.management.ThreadMXBean threads = threads();
        long least = Long.MAX_VALUE;
        long segments = 0;
        for (int run = 0; run < 10 && least > 0; run++)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int round = 0; round < ROUNDS; round++)
            {
                // Three super-segments of 8 MSS (chains of 6 buffers) a burst: 24 segments, or 3 chains of 8 slots,
                // within a receive burst.
                for (int k = 0; k < 3; k++)
                {
                    TcpSegmenterTest.addChain(poolA, tx, superSegment, flags);
                }
                a.transmit(0, tx);
                segments += drain(b, rxB);
            }
            least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(0, least);
        assertTrue(segments >= 24L * ROUNDS, "segments delivered: " + segments);
        assertEquals(0, a.counters().txDropped);
        a.close();
        b.close();
        rxB.releaseAll(poolB);
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
    }

    /**
     * Runs the traffic loop until a run allocates nothing, at most ten times, and returns the least any run
     * allocated. The first runs may allocate a little while the JIT settles (a few hundred bytes in all, never per
     * frame); a per-frame allocation would show in every run, tens of thousands of times over.
     */
    private long allocatedWhileRunning(final Link a, final Link b)
    {
        final com.sun.management.ThreadMXBean threads = threads();
        final long idle = threads.getCurrentThreadAllocatedBytes();
        final long overhead = threads.getCurrentThreadAllocatedBytes() - idle;
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 10 && least > 0; i++)
        {
            delivered = 0;
            final long before = threads.getCurrentThreadAllocatedBytes();
            run(a, b);
            least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before - overhead);
        }
        a.close();
        b.close();
        rxA.releaseAll(poolA);
        rxB.releaseAll(poolB);
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
        return least;
    }

    private void run(final Link a, final Link b)
    {
        for (int round = 0; round < ROUNDS; round++)
        {
            send(a, MAC_B);
            send(b, MAC_A);
            send(a, MAC_B);
            send(b, MAC_A);
            delivered += drain(b, rxB) + drain(a, rxA);
        }
    }

    private void send(final Link link, final long destination)
    {
        final PacketPool pool = link.pool();
        for (int i = 0; i < BURST; i++)
        {
            final int buffer = pool.allocate();
            tx.add(buffer, frames.udp(pool, buffer, destination, link.macAddress(), sequence++, 64 + i * 13, true),
                (int)(sequence & 1) * (PacketBurst.TX_L3_CHECKSUM | PacketBurst.TX_L4_CHECKSUM));
        }
        link.transmit(0, tx);
        while (tx.count() > 0)
        {
            link.transmit(0, tx);
        }
    }

    private static int drain(final Link link, final PacketBurst burst)
    {
        final PacketPool pool = link.pool();
        int total = 0;
        for (int i = 0; i < 4; i++)
        {
            burst.arm(pool);
            final int count = link.receive(0, burst);
            for (int j = 0; j < count; j++)
            {
                pool.free(burst.buffer(j));
                burst.set(j, PacketPool.NO_BUFFER, 0, 0);
            }
            total += count;
        }
        return total;
    }

    private static com.sun.management.ThreadMXBean threads()
    {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counters");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "needs HotSpot's allocation counters");
        threads.setThreadAllocatedMemoryEnabled(true);
        return threads;
    }
}
