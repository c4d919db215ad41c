package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.MacAddress;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.VethPair;
import org.jbypass.provider.driver.AfPacketOptions.RxRing;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two AfPacketLinks on the two ends of a veth pair: frames, bursts, counters, errors, waiting, with each receive
 * ring layout (frame and block) where the datapath is concerned. Needs root.
 */
class AfPacketLinkTest
{
    /** IEEE 802 local experimental EtherType 1: no host protocol handles it. */
    private static final int TEST_ETHERTYPE = 0x88B5;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(10);

    @BeforeAll
    static void needsRoot()
    {
        Host.assumeNetworkAdmin();
    }

    private static AfPacketOptions options(final String ifname, final RxRing ring)
    {
        return AfPacketOptions.builder(ifname).rxRing(ring).build();
    }

    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldExchangeBurstsBothWays(final RxRing ring) throws Exception
    {
        final PacketPool poolA = new PacketPool(512, 2048);
        final PacketPool poolB = new PacketPool(512, 2048);
        try (VethPair veth = VethPair.create(1500);
             AfPacketLink a = AfPacketLink.open(options(veth.a(), ring), poolA);
             AfPacketLink b = AfPacketLink.open(options(veth.b(), ring), poolB))
        {
            assertEquals(ring, a.options().rxRing());
            if (ring == RxRing.FRAME)
            {
                assertTrue(a.rxRingFrames() >= AfPacketOptions.DEFAULT_RX_QUEUE_SIZE, "slots: " + a.rxRingFrames());
                assertEquals(a.rxRingBytes() / AfPacketOptions.DEFAULT_RX_BLOCK_SIZE * 30, a.rxRingFrames());
            }
            else
            {
                assertEquals(0, a.rxRingFrames());
                assertTrue(a.rxRingBytes() >= (long)AfPacketOptions.DEFAULT_RX_QUEUE_SIZE * 2048);
            }
            assertEquals(1500, a.mtu());
            assertEquals(1500, a.netdevMtu());
            assertEquals(LinkCapabilities.RX_L4_CHECKSUM | LinkCapabilities.RX_READY
                | LinkCapabilities.RX_AWAIT_SHARED | LinkCapabilities.TX_TCP_SEGMENTATION
                | LinkCapabilities.TX_TCP6_SEGMENTATION | LinkCapabilities.TX_GATHER, a.capabilities());
            assertEquals("afpacket:" + veth.a(), a.name());
            assertTrue(MacAddress.isLocallyAdministered(a.macAddress()));
            assertTrue(a.macAddress() != a.netdevMacAddress(), "the stack's MAC is not the netdev's");

            final List<byte[]> aToB = frames(new SplittableRandom(1), 600);
            send(a, aToB);
            expect(b, aToB, 64);
            final List<byte[]> bToA = frames(new SplittableRandom(2), 600);
            send(b, bToA);
            expect(a, bToA, 64);

            assertEquals(600, a.counters().txPackets);
            assertEquals(totalBytes(aToB), a.counters().txBytes);
            assertEquals(600, b.counters().rxPackets);
            assertEquals(totalBytes(aToB), b.counters().rxBytes);
            assertEquals(600, a.counters().rxPackets, "a must not receive its own frames");
            assertEquals(600, b.counters().txPackets);
            b.refreshKernelStatistics();
            assertEquals(0, b.counters().rxDropped + b.counters().txDropped + b.counters().errors,
                b.describeStatistics());
            assertNull(b.offloadHint());
        }
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
    }

    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldFillOnlyArmedSlotsAndKeepTheRestForLater(final RxRing ring) throws Exception
    {
        final PacketPool poolA = new PacketPool(256, 2048);
        final PacketPool poolB = new PacketPool(256, 2048);
        try (VethPair veth = VethPair.create(1500);
             AfPacketLink a = AfPacketLink.open(options(veth.a(), ring), poolA);
             AfPacketLink b = AfPacketLink.open(options(veth.b(), ring), poolB))
        {
            final List<byte[]> sent = frames(new SplittableRandom(3), 40);
            send(a, sent);
            // Three armed slots at a time in a burst of eight: each receive fills at most the armed three, in the
            // armed buffers, and leaves the unarmed slots alone; the frames that did not fit come with the next.
            final PacketBurst burst = new PacketBurst(8);
            final int[] armed = new int[3];
            int received = 0;
            final long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (received < sent.size() && System.nanoTime() < deadline)
            {
                for (int i = 0; i < 3; i++)
                {
                    armed[i] = poolB.allocate();
                    burst.set(i, armed[i], 0, 0);
                }
                final int n = b.receive(0, burst);
                assertTrue(n <= 3, "filled " + n + " slots with 3 armed");
                assertEquals(n, burst.count());
                for (int i = 0; i < 3; i++)
                {
                    assertEquals(armed[i], burst.buffer(i), "the driver copies into the armed buffer");
                }
                for (int i = 3; i < 8; i++)
                {
                    assertEquals(PacketPool.NO_BUFFER, burst.buffer(i));
                    assertEquals(0, burst.length(i));
                }
                for (int i = 0; i < n; i++)
                {
                    assertArrayEquals(sent.get(received), read(poolB, burst.buffer(i), burst.length(i)),
                        "frame " + received);
                    received++;
                }
                burst.releaseAll(poolB);
                if (n == 0)
                {
                    b.awaitReceive(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
            assertEquals(sent.size(), received);
        }
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
    }

    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldDropFramesTooLargeForTheBuffersAndSayWhy(final RxRing ring) throws Exception
    {
        final PacketPool jumbo = new PacketPool(64, 9024);
        final PacketPool small = new PacketPool(64, 2048);
        try (VethPair veth = VethPair.create(9000);
             AfPacketLink a = AfPacketLink.open(options(veth.a(), ring), jumbo);
             AfPacketLink b = AfPacketLink.open(AfPacketOptions.builder(veth.b()).rxRing(ring).mtu(1500)
                 .rxSuperFrames(false).build(), small))
        {
            assertEquals(9000, a.mtu());
            assertEquals(1500, b.mtu());
            assertEquals(9000, b.netdevMtu());
            final byte[] large = frame(new SplittableRandom(4), 0, 5000);
            final byte[] slightlyLarge = frame(new SplittableRandom(4), 1, 2100);
            final byte[] normal = frame(new SplittableRandom(5), 2, 1000);
            send(a, List.of(large, slightlyLarge, normal));
            expect(b, List.of(normal), 8);
            // The block ring holds both whole and finds them too long for a buffer; the frame ring's 2176-byte
            // slots hold the 2100-byte frame whole (oversize) and cut the 5000-byte one (truncated).
            assertEquals(ring == RxRing.FRAME ? 1 : 2, b.rxOversize());
            assertEquals(ring == RxRing.FRAME ? 1 : 0, b.rxTruncated());
            assertEquals(2, b.counters().rxDropped);
            final String hint = b.offloadHint();
            assertNotNull(hint);
            assertTrue(hint.contains("ethtool -K " + veth.b() + " gro off"), hint);
        }
        assertEquals(0, jumbo.inUse());
        assertEquals(0, small.inUse());
    }

    /**
     * With super-frames (the default), frames longer than a buffer arrive whole as chains of buffers: from the
     * block ring's large blocks, or, in the frame ring, from the socket's copy of a frame its slot cut
     * (PACKET_COPY_THRESH), read into the chain with one recvmsg. Nothing is dropped, the slots stay small.
     */
    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldDeliverFramesLongerThanABufferAsChains(final RxRing ring) throws Exception
    {
        final PacketPool jumbo = new PacketPool(64, 9024);
        final PacketPool small = new PacketPool(256, 2048);
        try (VethPair veth = VethPair.create(9000);
             AfPacketLink a = AfPacketLink.open(options(veth.a(), ring), jumbo);
             AfPacketLink b = AfPacketLink.open(AfPacketOptions.builder(veth.b()).rxRing(ring).mtu(1500).build(),
                 small))
        {
            assertTrue(b.options().rxSuperFrames());
            if (ring == RxRing.FRAME)
            {
                // Slots of one buffer (30 of 2176 bytes to a 64 KiB block), as without super-frames.
                assertEquals(b.rxRingBytes() / AfPacketOptions.DEFAULT_RX_BLOCK_SIZE * 30, b.rxRingFrames());
                assertTrue(b.rxRingFrames() >= AfPacketOptions.DEFAULT_RX_QUEUE_SIZE);
            }
            final List<byte[]> frames = new ArrayList<>();
            for (int i = 0; i < 40; i++)
            {
                final int length = i % 4 == 0 ? 8990 : i % 4 == 1 ? 2049 : i % 4 == 2 ? 4096 : 60 + i;
                frames.add(frame(new SplittableRandom(i), i, length));
            }
            send(a, frames);
            expect(b, frames, 16);
            assertEquals(30, b.rxSuperFrames());
            assertEquals(0, b.rxOversize());
            assertEquals(0, b.rxTruncated());
            assertEquals(0, b.rxBadVnet());
            assertNull(b.offloadHint());
        }
        assertEquals(0, jumbo.inUse());
        assertEquals(0, small.inUse());
    }

    /**
     * With super-frames the link takes TCP super-segments on transmit (TX_TCP_SEGMENTATION): a 64 KB chain of
     * 2048-byte buffers with GSO_TCPV4 and a partial checksum crosses the veth whole (veth has TSO) and arrives at
     * the peer as the same chain, its GSO type and segment size intact; plain frames before and after it keep
     * their order. Without tx-super-frames the capability is not offered.
     */
    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldSendTcpSuperSegmentsWhole(final RxRing ring) throws Exception
    {
        final PacketPool poolA = new PacketPool(256, 2048);
        final PacketPool poolB = new PacketPool(256, 2048);
        try (VethPair veth = VethPair.create(1500);
             AfPacketLink a = AfPacketLink.open(AfPacketOptions.builder(veth.a()).rxRing(ring).build(), poolA);
             AfPacketLink b = AfPacketLink.open(AfPacketOptions.builder(veth.b()).rxRing(ring).build(), poolB))
        {
            assertTrue((a.capabilities() & LinkCapabilities.TX_TCP_SEGMENTATION) != 0);
            assertTrue((a.capabilities() & LinkCapabilities.TX_TCP6_SEGMENTATION) != 0);
            // TSO on the sending end, as Linux sets up a veth (VethPair turns offloads off): the kernel passes the
            // super-frame whole rather than cutting it in software.
            tsoOn(veth.a());
            assertEquals(PacketBurst.MAX_FRAME_LENGTH, a.maxSuperFrameLength());
            final byte[] before = frame(new SplittableRandom(1), 1, 200);
            final byte[] superFrame = tcpSuperFrame(64_000, 1448);
            final byte[] after = frame(new SplittableRandom(2), 2, 300);
            final PacketBurst tx = new PacketBurst(64);
            addFrame(poolA, tx, before, 0);
            addChain(poolA, tx, superFrame, PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4,
                1448));
            addFrame(poolA, tx, after, 0);
            final int descriptors = tx.count();
            assertEquals(descriptors, a.transmit(0, tx));
            assertEquals(1, a.txSuperFrames());
            assertEquals(0, a.counters().txDropped);
            expect(b, List.of(before, superFrame, after), 64);
            assertEquals(1, b.rxSuperFrames());
        }
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
        try (VethPair veth = VethPair.create(1500);
             AfPacketLink a = AfPacketLink.open(AfPacketOptions.builder(veth.a()).txSuperFrames(false).build(),
                 new PacketPool(256, 2048)))
        {
            assertEquals(0, a.capabilities() & (LinkCapabilities.TX_TCP_SEGMENTATION
                | LinkCapabilities.TX_TCP6_SEGMENTATION | LinkCapabilities.TX_GATHER));
        }
    }

    /**
     * A TCP super-segment whose payload lies in heap arrays (a send buffer's chunks) goes through
     * {@link AfPacketLink#transmitGather} with one sendmsg(2) from where it lies, and arrives at the peer as the
     * same bytes as if sent as a chain; frames handed to the link before it go first, also when the TX ring holds
     * them for a kick (deferred transmit), and with sendmmsg. A slice outside its array and a frame its headers do
     * not bear out are refused whole and counted; the pool buffer stays the caller's in every case.
     */
    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldSendGatheredSuperSegmentsFromWhereTheyLie(final RxRing ring) throws Exception
    {
        for (final boolean txRing : new boolean[] {true, false})
        {
            final PacketPool poolA = new PacketPool(256, 2048);
            final PacketPool poolB = new PacketPool(256, 2048);
            try (VethPair veth = VethPair.create(1500);
                 AfPacketLink a = AfPacketLink.open(AfPacketOptions.builder(veth.a()).rxRing(ring).txRing(txRing)
                     .build(), poolA);
                 AfPacketLink b = AfPacketLink.open(AfPacketOptions.builder(veth.b()).rxRing(ring).build(), poolB))
            {
                assertTrue((a.capabilities() & LinkCapabilities.TX_GATHER) != 0);
                tsoOn(veth.a());
                if (txRing)
                {
                    assertTrue(a.deferTransmit());
                }
                final byte[] before = frame(new SplittableRandom(1), 1, 200);
                final byte[] superFrame = tcpSuperFrame(60_000, 1448);
                final byte[] after = frame(new SplittableRandom(2), 2, 300);
                final PacketBurst tx = new PacketBurst(64);
                addFrame(poolA, tx, before, 0);
                assertEquals(1, a.transmit(0, tx));
                // The head: the headers and the first payload bytes in a pool buffer; the rest in 4 KB pieces of
                // arrays, each at its own offset, as a send ring's chunks hold it.
                final int headLength = 1_000;
                final int head = poolA.allocate();
                poolA.memory().put(poolA.offset(head), superFrame, 0, headLength);
                final int pieces = (superFrame.length - headLength + 4095) / 4096;
                final byte[][] arrays = new byte[pieces][];
                final int[] offsets = new int[pieces];
                final int[] lengths = new int[pieces];
                for (int i = 0, at = headLength; i < pieces; i++)
                {
                    lengths[i] = Math.min(4096 - 7 * i, superFrame.length - at);
                    offsets[i] = 7 * i;
                    arrays[i] = new byte[4096];
                    System.arraycopy(superFrame, at, arrays[i], offsets[i], lengths[i]);
                    at += lengths[i];
                }
                final int flags = PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, 1448);
                int sent = 0;
                for (int i = 0; i < pieces; i++)
                {
                    sent += lengths[i];
                }
                assertEquals(superFrame.length - headLength, sent, "the pieces cover the frame");
                final byte[] shortArray = new byte[16];
                assertEquals(-22, a.transmitGather(0, head, headLength, flags, new byte[][] {shortArray},
                    new int[] {8}, new int[] {16}, 1), "a slice beyond its array");
                assertEquals(-22, a.transmitGather(0, head, headLength, flags, arrays, offsets, lengths, 1),
                    "a frame shorter than its IP header says");
                assertEquals(1, a.counters().txDropped);
                assertEquals(0, a.transmitGather(0, head, headLength, flags, arrays, offsets, lengths, pieces));
                poolA.free(head);
                addFrame(poolA, tx, after, 0);
                assertEquals(1, a.transmit(0, tx));
                a.kick();
                assertEquals(1, a.txSuperFrames());
                expect(b, List.of(before, superFrame, after), 64);
                assertEquals(1, b.rxSuperFrames());
            }
            assertEquals(0, poolA.inUse());
            assertEquals(0, poolB.inUse());
        }
    }

    @Test
    void shouldSayWhenTheInterfaceIsDown()
    {
        final PacketPool pool = new PacketPool(64, 2048);
        try (VethPair veth = VethPair.create(1500))
        {
            veth.setUp(veth.a(), false);
            final DriverException e = assertThrows(DriverException.class,
                () -> AfPacketLink.open(AfPacketOptions.of(veth.a()), pool));
            assertEquals("afpacket: " + veth.a() + " is down (bring it up: ip link set " + veth.a() + " up)",
                e.getMessage());
        }
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldRefuseTheNetdevsOwnMac() throws Exception
    {
        final PacketPool pool = new PacketPool(64, 2048);
        try (VethPair veth = VethPair.create(1500))
        {
            final long own = MacAddress.parse(Files.readString(Paths.get("/sys/class/net", veth.a(), "address")));
            final DriverException e = assertThrows(DriverException.class,
                () -> AfPacketLink.open(AfPacketOptions.builder(veth.a()).macAddress(own).build(), pool));
            assertTrue(e.getMessage().startsWith("afpacket: the stack's MAC " + MacAddress.toString(own) + " is "
                + veth.a() + "'s own address"), e.getMessage());
        }
    }

    @Test
    void shouldListTheStacksGroupMacsOnTheNetdevWhileWanted() throws Exception
    {
        final PacketPool pool = new PacketPool(64, 2048);
        final long group = MacAddress.parse("01:00:5e:01:02:03");
        try (VethPair veth = VethPair.create(1500))
        {
            final AfPacketLink link = AfPacketLink.open(AfPacketOptions.of(veth.a()), pool);
            assertFalse(multicastListed(veth.a()));
            assertEquals(0, link.addMulticast(group));
            assertTrue(multicastListed(veth.a()), "PACKET_MR_MULTICAST lists the MAC (dev_mc_add)");
            assertEquals(0, link.removeMulticast(group));
            assertFalse(multicastListed(veth.a()));
            assertEquals(-22, link.addMulticast(MacAddress.parse("02:00:5e:01:02:03")), "EINVAL: not multicast");
            assertEquals(0, link.addMulticast(group));
            link.close();
            assertFalse(multicastListed(veth.a()), "closing the socket drops it");
            assertEquals(0, link.removeMulticast(group), "after close: nothing to do");
        }
        assertEquals(0, pool.inUse());
    }

    private static boolean multicastListed(final String ifname) throws Exception
    {
        return Files.readAllLines(Paths.get("/proc/net/dev_mcast")).stream()
            .anyMatch(line -> line.matches("\\d+\\s+" + ifname + "\\s+.*01005e010203"));
    }

    @Test
    void shouldSayWhenBuffersCannotHoldTheMtu()
    {
        final PacketPool pool = new PacketPool(64, 2048);
        try (VethPair veth = VethPair.create(9000))
        {
            final DriverException e = assertThrows(DriverException.class,
                () -> AfPacketLink.open(AfPacketOptions.of(veth.a()), pool));
            assertTrue(e.getMessage().startsWith("afpacket: packet buffers of 2048 bytes cannot hold the frames of MTU"
                + " 9000 on " + veth.a()), e.getMessage());
        }
    }

    /**
     * The frame ring hands each frame over as soon as the kernel wrote it: a wait returns with the frame long
     * before the block ring's timeout (set to a full second here, which the frame ring must ignore) could expire.
     * With blocks, a lone frame waits for the block's retire timer, anywhere up to that second.
     */
    @Test
    void shouldHandEachFrameOverAtOnceInTheFrameRing() throws Exception
    {
        final PacketPool poolA = new PacketPool(64, 2048);
        final PacketPool poolB = new PacketPool(64, 2048);
        try (VethPair veth = VethPair.create(1500);
             AfPacketLink a = AfPacketLink.open(options(veth.a(), RxRing.FRAME), poolA);
             AfPacketLink b = AfPacketLink.open(AfPacketOptions.builder(veth.b()).rxRing(RxRing.FRAME)
                 .rxBlockTimeoutMillis(1000).build(), poolB))
        {
            final PacketBurst rx = new PacketBurst(4);
            for (int round = 0; round < 5; round++)
            {
                final byte[] frame = frame(new SplittableRandom(round), round, 100);
                final long start = System.nanoTime();
                send(a, List.of(frame));
                int n = 0;
                while (n == 0 && System.nanoTime() - start < DEADLINE_NANOS)
                {
                    rx.arm(poolB);
                    n = b.receive(0, rx);
                    if (n == 0)
                    {
                        b.awaitReceive(DEADLINE_NANOS);
                    }
                }
                final long elapsed = System.nanoTime() - start;
                assertEquals(1, n);
                assertArrayEquals(frame, read(poolB, rx.buffer(0), rx.length(0)));
                assertTrue(elapsed < TimeUnit.MILLISECONDS.toNanos(500), "round " + round + ": " + elapsed + " ns");
                rx.releaseAll(poolB);
            }
        }
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
    }

    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldReleaseABlockedWaitOnWakeup(final RxRing ring) throws Exception
    {
        final PacketPool pool = new PacketPool(64, 2048);
        try (VethPair veth = VethPair.create(1500);
             AfPacketLink link = AfPacketLink.open(options(veth.a(), ring), pool))
        {
            final CountDownLatch waiting = new CountDownLatch(1);
            final AtomicLong waited = new AtomicLong(-1);
            final AtomicLong waitedAfter = new AtomicLong(-1);
            final Thread poller = new Thread(() ->
            {
                waiting.countDown();
                final long start = System.nanoTime();
                link.awaitReceive(TimeUnit.SECONDS.toNanos(60));
                waited.set(System.nanoTime() - start);
                // The wakeup was consumed: with nothing on the wire, this thread's next wait lasts its timeout.
                final long again = System.nanoTime();
                link.awaitReceive(TimeUnit.MILLISECONDS.toNanos(50));
                waitedAfter.set(System.nanoTime() - again);
            });
            poller.start();
            waiting.await();
            // Before or during the wait, it does not matter: a wakeup is never lost.
            link.wakeup();
            poller.join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(poller.isAlive(), "the wait was not released");
            assertTrue(waited.get() < TimeUnit.SECONDS.toNanos(20), waited + " ns");
            assertTrue(waitedAfter.get() >= TimeUnit.MILLISECONDS.toNanos(45), waitedAfter + " ns");
        }
    }

    @Test
    void shouldReleaseABlockedWaitOnInterrupt() throws Exception
    {
        final PacketPool pool = new PacketPool(64, 2048);
        try (VethPair veth = VethPair.create(1500);
             AfPacketLink link = AfPacketLink.open(AfPacketOptions.of(veth.a()), pool))
        {
            for (int round = 0; round < 2; round++)
            {
                final CountDownLatch waiting = new CountDownLatch(1);
                final AtomicBoolean interruptedAfter = new AtomicBoolean();
                final Thread poller = new Thread(() ->
                {
                    waiting.countDown();
                    // The wait also returns for a frame: the kernel sends its own (IPv6 DAD, MLD reports) on a
                    // new veth at moments of its choosing. Take them and wait again until the interrupt comes, so
                    // that the interrupt meets a blocked wait; a wait it does not release, or one that clears the
                    // status, keeps the thread here.
                    final PacketBurst burst = new PacketBurst(8);
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (!Thread.currentThread().isInterrupted() && System.nanoTime() - deadline < 0)
                    {
                        link.awaitReceive(TimeUnit.SECONDS.toNanos(60));
                        burst.arm(pool);
                        while (link.receive(0, burst) > 0)
                        {
                            burst.releaseAll(pool);
                            burst.arm(pool);
                        }
                        burst.releaseAll(pool);
                    }
                    interruptedAfter.set(Thread.currentThread().isInterrupted());
                });
                poller.start();
                waiting.await();
                poller.interrupt();
                poller.join(TimeUnit.SECONDS.toMillis(20));
                assertFalse(poller.isAlive(), "round " + round + ": the interrupt did not release the wait");
                assertTrue(interruptedAfter.get(), "the interrupt status must stay set");
            }
            // After interrupts, wakeup still works (the spent waker was replaced).
            link.wakeup();
            final long start = System.nanoTime();
            link.awaitReceive(TimeUnit.SECONDS.toNanos(60));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20));
        }
    }

    @Test
    void shouldRefuseUseAfterClose()
    {
        final PacketPool pool = new PacketPool(64, 2048);
        try (VethPair veth = VethPair.create(1500))
        {
            final AfPacketLink link = AfPacketLink.open(AfPacketOptions.of(veth.a()), pool);
            final PacketBurst burst = new PacketBurst(4);
            burst.arm(pool);
            assertEquals(0, link.receive(0, burst));
            assertThrows(IllegalArgumentException.class, () -> link.receive(1, burst));
            link.close();
            link.close();
            link.wakeup();
            final IllegalStateException e = assertThrows(IllegalStateException.class, () -> link.receive(0, burst));
            assertEquals("afpacket: the link on " + veth.a() + " is closed", e.getMessage());
            assertThrows(IllegalStateException.class, () -> link.transmit(0, burst));
            assertThrows(IllegalStateException.class, () -> link.awaitReceive(1));
            burst.releaseAll(pool);
        }
        assertEquals(0, pool.inUse());
    }

    /**
     * The steady state of receive and transmit allocates nothing on the Java heap (the cost is asserted on the
     * thread's own allocation counter, which the JIT's compiler threads do not touch).
     */
    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldNotAllocatePerBurst(final RxRing ring) throws Exception
    {
        assertNoAllocation(ring, 1500, 2048, 200);
    }

    /**
     * Neither do super-frames: 8990-byte frames into 2048-byte buffers arrive as chains of five (from the block
     * ring's blocks, or read from the socket into the chain in the frame ring), with nothing allocated per burst.
     */
    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldNotAllocatePerBurstOfChains(final RxRing ring) throws Exception
    {
        assertNoAllocation(ring, 9000, 9024, 8990);
    }

    /**
     * Nor do transmitted super-frames: a 16 KB TCP super-segment as a chain of 2048-byte buffers, eight a burst,
     * through the TX ring (its send-only socket) and sendmmsg alike, arriving whole at the peer.
     */
    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldNotAllocatePerBurstOfTransmittedChains(final RxRing ring) throws Exception
    {
        assertNoAllocation(ring, 1500, 2048, -16_000);
    }

    /** frameLength below 0: a TCP super-segment of -frameLength payload bytes, sent as a chain. */
    private static void assertNoAllocation(final RxRing ring, final int mtu, final int senderBuffers,
        final int frameLength) throws Exception
    {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
            "needs HotSpot's per-thread allocation counter");
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
            "thread allocation accounting is off");
        final PacketPool poolA = new PacketPool(256, senderBuffers);
        final PacketPool poolB = new PacketPool(256, 2048);
        try (VethPair veth = VethPair.create(mtu);
             AfPacketLink a = AfPacketLink.open(options(veth.a(), ring), poolA);
             AfPacketLink b = AfPacketLink.open(AfPacketOptions.builder(veth.b()).rxRing(ring).mtu(1500).build(),
                 poolB))
        {
            if (frameLength < 0)
            {
                tsoOn(veth.a()); // whole across the veth, as in shouldSendTcpSuperSegmentsWhole
            }
            final PacketBurst tx = new PacketBurst(128);
            final PacketBurst rx = new PacketBurst(64);
            final byte[] template = frameLength < 0 ? tcpSuperFrame(-frameLength, 1448)
                : frame(new SplittableRandom(6), 0, frameLength);
            pingPong(a, b, tx, rx, poolA, poolB, template, 1_000); // warm up
            // The JIT still settles for a while (tiering, OSR) and may allocate in the thread once or twice; an
            // allocation per burst shows in every window, so the steady state is a window with none at all.
            final long thread = Thread.currentThread().getId();
            final List<Long> windows = new ArrayList<>();
            for (int window = 0; window < 6; window++)
            {
                final long before = threads.getThreadAllocatedBytes(thread);
                pingPong(a, b, tx, rx, poolA, poolB, template, 500);
                final long allocated = threads.getThreadAllocatedBytes(thread) - before;
                windows.add(allocated);
                if (allocated == 0)
                {
                    break;
                }
            }
            assertEquals(0L, windows.get(windows.size() - 1),
                "bytes allocated per window of 500 transmit/receive rounds: " + windows);
            // Every frame of the warm-up and of each window, 8 a round, as a chain when longer than a buffer.
            final long frames = 8L * (1_000 + 500L * windows.size());
            assertEquals(Math.abs(frameLength) > 2048 ? frames : 0, b.rxSuperFrames());
            assertEquals(frameLength < 0 ? frames : 0, a.txSuperFrames());
            rx.releaseAll(poolB);
        }
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
    }

    /** Sends 8 frames from a and receives them on b, `rounds` times, with nothing but the links' own calls. */
    private static void pingPong(final AfPacketLink a, final AfPacketLink b, final PacketBurst tx,
        final PacketBurst rx, final PacketPool poolA, final PacketPool poolB, final byte[] template,
        final int rounds)
    {
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < 8; i++)
            {
                if (template.length > poolA.bufferSize())
                {
                    addChain(poolA, tx, template, PacketBurst.TX_L4_CHECKSUM
                        | PacketBurst.gso(PacketBurst.GSO_TCPV4, 1448));
                }
                else
                {
                    addFrame(poolA, tx, template, 0);
                }
            }
            final int descriptors = tx.count();
            if (a.transmit(0, tx) != descriptors)
            {
                throw new AssertionError("transmit refused frames");
            }
            int received = 0;
            final long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (received < 8)
            {
                rx.arm(poolB);
                final int n = b.receive(0, rx);
                for (int i = 0; i < n; i++)
                {
                    // A chain is one frame (PacketBurst, "Chained frames").
                    received += (rx.flags(i) & PacketBurst.CONTINUES) == 0 ? 1 : 0;
                }
                if (n == 0)
                {
                    if (System.nanoTime() > deadline)
                    {
                        throw new AssertionError("frames lost");
                    }
                    b.awaitReceive(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    private static void tsoOn(final String ifname)
    {
        Host.run("ethtool", "-K", ifname, "tx", "on", "sg", "on", "tso", "on").orThrow();
    }

    private static void addFrame(final PacketPool pool, final PacketBurst burst, final byte[] frame, final int flags)
    {
        final int buffer = pool.allocate();
        pool.memory().put(pool.offset(buffer), frame, 0, frame.length);
        burst.add(buffer, frame.length, flags);
    }

    /** Adds a frame as a chain of the pool's buffers (PacketBurst, "Chained frames"): metadata on the first. */
    private static void addChain(final PacketPool pool, final PacketBurst burst, final byte[] frame, final int flags)
    {
        for (int offset = 0; offset < frame.length; offset += pool.bufferSize())
        {
            final int length = Math.min(pool.bufferSize(), frame.length - offset);
            final int buffer = pool.allocate();
            pool.memory().put(pool.offset(buffer), frame, offset, length);
            final boolean last = offset + length == frame.length;
            burst.add(buffer, length, (offset == 0 ? flags : 0) | (last ? 0 : PacketBurst.CONTINUES));
        }
    }

    /**
     * A broadcast IPv4 TCP super-segment of {@code payload} bytes (198.18.0.1:1000 to 198.18.0.2:2000, ACK|PSH,
     * DF), as Ipv4Output.sendChain leaves it: the IPv4 header with its checksum for the whole, the TCP checksum
     * field holding the folded pseudo-header sum (RFC 9293 section 3.1; Linux's CHECKSUM_PARTIAL).
     */
    static byte[] tcpSuperFrame(final int payload, final int mss)
    {
        final byte[] f = new byte[14 + 20 + 20 + payload];
        for (int i = 0; i < 6; i++)
        {
            f[i] = (byte)0xFF;
        }
        f[6] = 0x02;
        f[11] = 0x01;
        f[12] = 0x08;
        final int total = 40 + payload;
        final byte[] ip = {0x45, 0, (byte)(total >>> 8), (byte)total, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0,
            (byte)198, 18, 0, 1, (byte)198, 18, 0, 2};
        System.arraycopy(ip, 0, f, 14, 20);
        final int ipSum = ~fold(sum(f, 14, 20)) & 0xFFFF;
        f[24] = (byte)(ipSum >>> 8);
        f[25] = (byte)ipSum;
        final byte[] tcp = {0x03, (byte)0xE8, 0x07, (byte)0xD0, 0, 1, 0, 0, 0, 0, 0, 1, 0x50, 0x18, (byte)0xFF,
            (byte)0xFF};
        System.arraycopy(tcp, 0, f, 34, tcp.length);
        final int partial = fold(0xC612 + 0x0001 + 0xC612 + 0x0002 + 6 + 20 + payload);
        f[50] = (byte)(partial >>> 8);
        f[51] = (byte)partial;
        final SplittableRandom random = new SplittableRandom(mss);
        for (int i = 54; i < f.length; i++)
        {
            f[i] = (byte)random.nextInt(256);
        }
        return f;
    }

    private static int sum(final byte[] bytes, final int from, final int length)
    {
        int sum = 0;
        for (int i = from; i < from + length; i += 2)
        {
            sum += ((bytes[i] & 0xFF) << 8) | (bytes[i + 1] & 0xFF);
        }
        return sum;
    }

    private static int fold(final int sum)
    {
        int s = sum;
        while ((s >>> 16) != 0)
        {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return s;
    }

    /** Frames of 60 to 1514 bytes, broadcast, TEST_ETHERTYPE, with a sequence number and random payload. */
    static List<byte[]> frames(final SplittableRandom random, final int count)
    {
        final List<byte[]> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            frames.add(frame(random, i, 60 + random.nextInt(1514 - 60 + 1)));
        }
        return frames;
    }

    static byte[] frame(final SplittableRandom random, final int sequence, final int length)
    {
        final byte[] frame = new byte[length];
        for (int i = 0; i < 6; i++)
        {
            frame[i] = (byte)0xFF;
        }
        frame[6] = 0x02;
        frame[11] = 0x01;
        frame[12] = (byte)(TEST_ETHERTYPE >>> 8);
        frame[13] = (byte)TEST_ETHERTYPE;
        frame[14] = (byte)(sequence >>> 24);
        frame[15] = (byte)(sequence >>> 16);
        frame[16] = (byte)(sequence >>> 8);
        frame[17] = (byte)sequence;
        for (int i = 18; i < length; i++)
        {
            frame[i] = (byte)random.nextInt(256);
        }
        return frame;
    }

    private static long totalBytes(final List<byte[]> frames)
    {
        return frames.stream().mapToLong(f -> f.length).sum();
    }

    /** Transmits frames in bursts of up to 32 from pool buffers; every one must be accepted. */
    static void send(final AfPacketLink link, final List<byte[]> frames)
    {
        final PacketPool pool = link.pool();
        final PacketBurst burst = new PacketBurst(32);
        int next = 0;
        while (next < frames.size())
        {
            while (!burst.isFull() && next < frames.size())
            {
                final byte[] frame = frames.get(next++);
                final int buffer = pool.allocate();
                pool.memory().put(pool.offset(buffer), frame, 0, frame.length);
                burst.add(buffer, frame.length, 0);
            }
            final int count = burst.count();
            assertEquals(count, link.transmit(0, burst), "a veth takes every frame");
            assertEquals(0, burst.count(), "nothing was refused");
        }
    }

    /**
     * Receives until the expected frames came, in order and intact, as the stack would: arm, receive, take each
     * frame's buffer from its slot, and free it when done.
     */
    static void expect(final AfPacketLink link, final List<byte[]> expected, final int burstSize)
    {
        final PacketPool pool = link.pool();
        final PacketBurst burst = new PacketBurst(burstSize);
        final FrameChain chain = new FrameChain();
        int received = 0;
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (received < expected.size() && System.nanoTime() < deadline)
        {
            assertTrue(burst.arm(pool), "pool ran dry");
            final int[] armed = new int[burstSize];
            for (int i = 0; i < burstSize; i++)
            {
                armed[i] = burst.buffer(i);
            }
            final int n = link.receive(0, burst);
            for (int i = 0; i < n; )
            {
                // A frame longer than a buffer is a chain of slots (PacketBurst, "Chained frames").
                final int descriptors = burst.chainLength(i);
                assertTrue(descriptors > 0 && chain.wrap(pool, burst, i), "a whole chain at slot " + i);
                final byte[] frame = new byte[chain.length()];
                chain.copyOut(0, ByteBuffer.wrap(frame), 0, frame.length);
                assertArrayEquals(expected.get(received), frame, "frame " + received);
                received++;
                for (int j = i; j < i + descriptors; j++)
                {
                    final int buffer = burst.buffer(j);
                    assertEquals(armed[j], buffer, "slot " + j + " keeps its armed buffer");
                    burst.set(j, PacketPool.NO_BUFFER, 0, 0);
                    pool.free(buffer);
                }
                i += descriptors;
            }
            if (n == 0)
            {
                link.awaitReceive(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
        burst.releaseAll(pool);
        assertEquals(expected.size(), received, "frames received");
    }

    static byte[] read(final PacketPool pool, final int buffer, final int length)
    {
        final byte[] frame = new byte[length];
        pool.memory().get(pool.offset(buffer), frame, 0, length);
        return frame;
    }
}
