package org.jbypass.netstack.link.virtual;

import static org.jbypass.netstack.link.virtual.TestFrames.IP_A;
import static org.jbypass.netstack.link.virtual.TestFrames.IP_B;
import static org.jbypass.netstack.link.virtual.TestFrames.MAC_A;
import static org.jbypass.netstack.link.virtual.TestFrames.MAC_B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.UdpHeader;
import org.junit.jupiter.api.Test;

class ImpairedLinkTest
{
    private static final int FRAMES = 20_000;
    private static final int PAYLOAD = 40;

    private final TestFrames frames = new TestFrames();

    /** Two stacks on a wire, one side's link impaired; runs traffic through and keeps what arrived. */
    private static final class Setup
    {
        final PacketPool poolA = new PacketPool(512, 2048);
        final PacketPool poolB = new PacketPool(512, 2048);
        final MemoryWire wire;
        final MemoryWire.Port a;
        final MemoryWire.Port b;
        final ImpairedLink impaired;
        final boolean onTransmit;
        final PacketBurst tx = new PacketBurst(64);
        final PacketBurst rxA = new PacketBurst(32);
        final PacketBurst rxB = new PacketBurst(32);
        final List<byte[]> received = new ArrayList<>();
        final List<Integer> flags = new ArrayList<>();
        final TestFrames writer = new TestFrames();

        Setup(final ImpairedLink.Config config, final boolean onTransmit, final int capabilities)
        {
            this.wire = MemoryWire.builder().queueCapacity(4096).capabilities(capabilities).build();
            this.a = wire.attach(poolA, MAC_A);
            this.b = wire.attach(poolB, MAC_B);
            this.onTransmit = onTransmit;
            this.impaired = new ImpairedLink(onTransmit ? a : b,
                config.direction(onTransmit ? ImpairedLink.Direction.TRANSMIT : ImpairedLink.Direction.RECEIVE));
        }

        Link sender()
        {
            return onTransmit ? impaired : a;
        }

        Link receiver()
        {
            return onTransmit ? b : impaired;
        }

        /** Sends {@code count} frames in bursts of {@code burst}, receiving after each burst as a stack would. */
        Setup run(final int count, final int burst)
        {
            for (int sent = 0; sent < count; sent += burst)
            {
                final int n = Math.min(burst, count - sent);
                assertEquals(n, writer.send(sender(), tx, MAC_B, sent, n, PAYLOAD));
                receiveBurst();
            }
            // Let held frames fall due: calls into the links move them on.
            for (int i = 0; i < 64 && (impaired.framesHeld() > 0 || receiveBurst() > 0); i++)
            {
                rxA.arm(poolA);
                sender().receive(0, rxA);
                assertEquals(0, rxA.count());
                receiveBurst();
            }
            assertEquals(0, impaired.framesHeld());
            return this;
        }

        int receiveBurst()
        {
            final Link link = receiver();
            final PacketPool pool = link.pool();
            int total = 0;
            while (true)
            {
                rxB.arm(pool);
                final int count = link.receive(0, rxB);
                for (int i = 0; i < count; i++)
                {
                    received.add(TestFrames.copy(pool, rxB.buffer(i), rxB.length(i)));
                    flags.add(rxB.flags(i));
                    pool.free(rxB.buffer(i));
                    rxB.set(i, PacketPool.NO_BUFFER, 0, 0);
                }
                total += count;
                if (count == 0)
                {
                    return total;
                }
            }
        }

        List<Long> sequences()
        {
            final List<Long> sequences = new ArrayList<>();
            for (final byte[] frame : received)
            {
                sequences.add(TestFrames.sequence(frame));
            }
            return sequences;
        }

        ImpairedLink.Counters counters()
        {
            return onTransmit ? impaired.txImpairments() : impaired.rxImpairments();
        }

        void close()
        {
            impaired.close();
            (onTransmit ? b : a).close();
            rxA.releaseAll(poolA);
            rxB.releaseAll(poolB);
            assertEquals(0, poolA.inUse(), "pool A leaked");
            assertEquals(0, poolB.inUse(), "pool B leaked");
        }
    }

    @Test
    void shouldPassFramesUntouchedWhenNothingIsImpaired()
    {
        for (final boolean onTransmit : new boolean[] {true, false})
        {
            final Setup setup = new Setup(ImpairedLink.config().seed(1), onTransmit, 0).run(2000, 16);
            assertEquals(2000, setup.received.size());
            for (int i = 0; i < 2000; i++)
            {
                assertEquals(i, TestFrames.sequence(setup.received.get(i)));
                assertTrue(TestFrames.intact(setup.received.get(i)));
            }
            assertEquals(2000, setup.counters().frames);
            assertEquals(0, setup.counters().lost + setup.counters().duplicated + setup.counters().corrupted
                + setup.counters().reordered);
            setup.close();
        }
    }

    @Test
    void shouldLoseAboutTheConfiguredFractionAndExactlyWhatItCounts()
    {
        final Set<List<Long>> outcomes = new HashSet<>();
        for (final boolean onTransmit : new boolean[] {true, false})
        {
            for (long seed = 1; seed <= 3; seed++)
            {
                final Setup setup = new Setup(ImpairedLink.config().loss(0.1).seed(seed), onTransmit, 0)
                    .run(FRAMES, 16);
                final long lost = setup.counters().lost;
                assertWithinFiveSigma(FRAMES, 0.1, lost, "lost, seed " + seed);
                assertEquals(FRAMES - lost, setup.received.size());
                assertStrictlyIncreasing(setup.sequences());
                outcomes.add(setup.sequences());
                setup.close();
            }
        }
        assertEquals(6, outcomes.size(), "each seed and direction loses different frames");
    }

    @Test
    void shouldDuplicateAboutTheConfiguredFractionRightAfterTheOriginal()
    {
        for (final boolean onTransmit : new boolean[] {true, false})
        {
            final Setup setup = new Setup(ImpairedLink.config().duplicate(0.2).seed(7), onTransmit, 0).run(FRAMES, 16);
            final long duplicated = setup.counters().duplicated;
            assertWithinFiveSigma(FRAMES, 0.2, duplicated, "duplicated");
            assertEquals(FRAMES + duplicated, setup.received.size());
            final List<Long> sequences = setup.sequences();
            long expected = 0;
            int copies = 0;
            for (int i = 0; i < sequences.size(); i++)
            {
                if (i > 0 && sequences.get(i).equals(sequences.get(i - 1)))
                {
                    copies++;
                    assertArrayEquals(setup.received.get(i - 1), setup.received.get(i), "a duplicate is a copy");
                    continue;
                }
                assertEquals(expected++, sequences.get(i).longValue());
            }
            assertEquals(FRAMES, expected);
            assertEquals(duplicated, copies);
            setup.close();
        }
    }

    @Test
    void shouldCorruptOneBitInsideTheDatagramSoTheChecksumsCatchIt()
    {
        final TestFrames reference = new TestFrames();
        final PacketPool scratch = new PacketPool(1, 2048);
        final int buffer = scratch.allocate();
        for (final boolean onTransmit : new boolean[] {true, false})
        {
            final Setup setup = new Setup(ImpairedLink.config().corrupt(0.1).seed(11), onTransmit, 0)
                .run(FRAMES, 16);
            final long corrupted = setup.counters().corrupted;
            assertWithinFiveSigma(FRAMES, 0.1, corrupted, "corrupted");
            assertEquals(FRAMES, setup.received.size());
            int damaged = 0;
            for (int i = 0; i < FRAMES; i++)
            {
                final byte[] frame = setup.received.get(i);
                final int length = reference.udp(scratch, buffer, MAC_B, MAC_A, i, PAYLOAD, true);
                final byte[] expected = TestFrames.copy(scratch, buffer, length);
                final int flipped = bitsDiffering(expected, frame);
                if (flipped != 0)
                {
                    damaged++;
                    assertEquals(1, flipped, "frame " + i);
                    assertTrue(firstDifference(expected, frame) >= 14, "only the IPv4 datagram is corrupted");
                    assertFalse(checksumsOk(frame), "frame " + i + ": a single flipped bit passed the checksums");
                }
                else
                {
                    assertTrue(checksumsOk(frame));
                }
            }
            assertEquals(corrupted, damaged);
            setup.close();
        }
    }

    @Test
    void shouldReorderWithinTheConfiguredDistanceDeliveringEveryFrameOnce()
    {
        for (final boolean onTransmit : new boolean[] {true, false})
        {
            final ImpairedLink.Config config = ImpairedLink.config().reorder(0.1).reorderDistance(3).maxHeld(4)
                .maxHoldCalls(1000).seed(5);
            final Setup setup = new Setup(config, onTransmit, 0).run(FRAMES, 16);
            final long reordered = setup.counters().reordered;
            assertWithinFiveSigma(FRAMES, 0.1, reordered + setup.counters().reorderHeldFull, "drawn for reorder");
            final List<Long> sequences = setup.sequences();
            assertEquals(FRAMES, sequences.size());
            assertEquals(FRAMES, new HashSet<>(sequences).size(), "every frame exactly once");
            int outOfOrder = 0;
            for (int i = 0; i < sequences.size(); i++)
            {
                // How many frames sent after this one arrived before it: its distance plus frames held with it.
                int overtakers = 0;
                for (int j = Math.max(0, i - 16); j < i; j++)
                {
                    if (sequences.get(j) > sequences.get(i))
                    {
                        overtakers++;
                    }
                }
                assertTrue(overtakers <= 3 + 4, "frame " + sequences.get(i) + " overtaken by " + overtakers);
                if (i > 0 && sequences.get(i) < sequences.get(i - 1))
                {
                    outOfOrder++;
                }
            }
            assertTrue(outOfOrder > FRAMES / 20, "out of order " + outOfOrder);
            assertTrue(TestFrames.intact(setup.received.get(FRAMES - 1)));
            setup.close();
        }
    }

    @Test
    void shouldRepeatTheSameDecisionsForTheSameSeedWhateverTheBursts()
    {
        final Function<Long, ImpairedLink.Config> everything = seed -> ImpairedLink.config().loss(0.05)
            .duplicate(0.05).corrupt(0.05).reorder(0.05).maxHoldCalls(1 << 20).seed(seed);
        for (final boolean onTransmit : new boolean[] {true, false})
        {
            final Setup first = new Setup(everything.apply(42L), onTransmit, 0).run(5000, 16);
            final Setup second = new Setup(everything.apply(42L), onTransmit, 0).run(5000, 7);
            final Setup other = new Setup(everything.apply(43L), onTransmit, 0).run(5000, 16);
            assertEquals(first.received.size(), second.received.size());
            for (int i = 0; i < first.received.size(); i++)
            {
                assertArrayEquals(first.received.get(i), second.received.get(i), "frame " + i);
            }
            assertEquals(first.counters().describe(), second.counters().describe());
            assertNotEquals(first.sequences(), other.sequences());
            first.close();
            second.close();
            other.close();
        }
    }

    @Test
    void shouldKeepTheArmedReceiveContractAndExactPoolOwnership()
    {
        final PacketPool pool = new PacketPool(256, 2048);
        final ScriptedLink inner = new ScriptedLink(pool, MAC_B);
        final ImpairedLink link = new ImpairedLink(inner, ImpairedLink.config().direction(ImpairedLink.Direction.RECEIVE)
            .loss(0.2).duplicate(0.3).reorder(0.3).corrupt(0.1).seed(3));
        final PacketPool scratch = new PacketPool(1, 2048);
        final int buffer = scratch.allocate();
        for (int i = 0; i < 3000; i++)
        {
            inner.inject(TestFrames.copy(scratch, buffer, frames.udp(scratch, buffer, MAC_B, MAC_A, i, 20, true)));
        }
        final PacketBurst burst = new PacketBurst(16);
        final SplittableHelper random = new SplittableHelper(9);
        int delivered = 0;
        for (int round = 0; round < 2000; round++)
        {
            // Arm a varying prefix, as a stack short of buffers would.
            final int armed = random.nextInt(17);
            for (int i = 0; i < armed; i++)
            {
                burst.set(i, pool.allocate(), 0, 0);
            }
            final int count = link.receive(0, burst);
            assertEquals(count, burst.count());
            assertTrue(count <= armed);
            for (int i = 0; i < armed; i++)
            {
                assertNotEquals(PacketPool.NO_BUFFER, burst.buffer(i), "slot " + i + " of " + armed);
                assertFalse(pool.isFree(burst.buffer(i)));
            }
            for (int i = armed; i < 16; i++)
            {
                assertEquals(PacketPool.NO_BUFFER, burst.buffer(i));
            }
            assertEquals(armed + link.framesHeld(), pool.inUse(), "round " + round);
            delivered += count;
            burst.releaseAll(pool);
        }
        assertTrue(delivered > 2000);
        link.close();
        assertTrue(inner.closed);
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldStageFramesAndPushBackWhenTheInnerLinkIsFull()
    {
        final PacketPool pool = new PacketPool(64, 2048);
        final ScriptedLink inner = new ScriptedLink(pool, MAC_A);
        final ImpairedLink link = new ImpairedLink(inner, ImpairedLink.config().stageCapacity(8).seed(1));
        inner.acceptLimit = 3;
        final PacketBurst burst = new PacketBurst(32);
        for (int i = 0; i < 20; i++)
        {
            final int buffer = pool.allocate();
            burst.add(buffer, frames.udp(pool, buffer, MAC_B, MAC_A, i, 8, true), 0);
        }
        final int accepted = link.transmit(0, burst);
        // The stage takes frames while two slots are free (a frame and its possible duplicate): 7 of them.
        assertEquals(7, accepted);
        assertEquals(3, inner.transmitted().size());
        assertEquals(13, burst.count());
        for (int i = 0; i < 13; i++)
        {
            assertEquals(7 + i, TestFrames.sequence(pool.memory(), pool.offset(burst.buffer(i))), "slot " + i);
        }
        for (int i = 13; i < 32; i++)
        {
            assertEquals(PacketPool.NO_BUFFER, burst.buffer(i), "accepted slots are cleared");
        }
        assertEquals(4, link.framesHeld());
        assertEquals(13 + 4, pool.inUse());

        inner.acceptLimit = Integer.MAX_VALUE;
        while (burst.count() > 0)
        {
            link.transmit(0, burst);
        }
        assertEquals(20, inner.transmitted().size());
        for (int i = 0; i < 20; i++)
        {
            assertEquals(i, TestFrames.sequence(ByteBuffer.wrap(inner.transmitted().get(i)), 0), "in order");
        }
        assertEquals(0, pool.inUse());
        link.close();
    }

    @Test
    void shouldReleaseAHeldFrameAfterMaxHoldCallsWithoutFurtherTraffic()
    {
        final PacketPool pool = new PacketPool(8, 2048);
        final ScriptedLink inner = new ScriptedLink(pool, MAC_A);
        final ImpairedLink link = new ImpairedLink(inner, ImpairedLink.config().reorder(1).maxHoldCalls(3)
            .direction(ImpairedLink.Direction.TRANSMIT).seed(1));
        final PacketBurst burst = new PacketBurst(4);
        final int buffer = pool.allocate();
        burst.add(buffer, frames.udp(pool, buffer, MAC_B, MAC_A, 1, 8, true), 0);
        assertEquals(1, link.transmit(0, burst));
        assertEquals(0, inner.transmitted().size());
        assertEquals(1, link.framesHeld());
        link.awaitReceive(Long.MAX_VALUE);
        assertEquals(0, inner.awaitCalls, "a link holding frames must be called again, so it does not wait");

        final PacketBurst rx = new PacketBurst(4);
        link.receive(0, rx);
        link.receive(0, rx);
        assertEquals(0, inner.transmitted().size());
        link.receive(0, rx);
        assertEquals(1, inner.transmitted().size(), "released on the third call after it was held");
        assertEquals(0, link.framesHeld());
        link.awaitReceive(Long.MAX_VALUE);
        assertEquals(1, inner.awaitCalls);
        assertEquals(1, link.txImpairments().reordered);
        link.close();
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldReturnEveryHeldFrameToThePoolOnClose()
    {
        for (final ImpairedLink.Direction direction : ImpairedLink.Direction.values())
        {
            final PacketPool poolA = new PacketPool(256, 2048);
            final PacketPool poolB = new PacketPool(256, 2048);
            final MemoryWire wire = new MemoryWire();
            final MemoryWire.Port a = wire.attach(poolA, MAC_A);
            final MemoryWire.Port b = wire.attach(poolB, MAC_B);
            final ImpairedLink impairedA = new ImpairedLink(a, ImpairedLink.config().reorder(0.9).duplicate(0.5)
                .maxHeld(32).maxHoldCalls(1 << 20).reorderDistance(1000).direction(direction).seed(8));
            final PacketBurst tx = new PacketBurst(16);
            final PacketBurst rxA = new PacketBurst(16);
            final PacketBurst rxB = new PacketBurst(16);
            for (int round = 0; round < 4; round++)
            {
                frames.send(impairedA, tx, MAC_B, round * 16, 16, 30);
                frames.send(b, tx, MAC_A, round * 16, 16, 30);
                TestFrames.receive(impairedA, rxA);
                TestFrames.receive(b, rxB);
            }
            assertTrue(impairedA.framesHeld() > 0, direction + ": the test must leave frames held");
            rxA.releaseAll(poolA);
            assertEquals(impairedA.framesHeld(), poolA.inUse());
            impairedA.close();
            impairedA.close();
            assertEquals(0, impairedA.framesHeld());
            assertEquals(0, poolA.inUse(), direction + ": held frames leaked");
            assertEquals(1, wire.portCount(), "the inner link is closed too");
            b.close();
            rxB.releaseAll(poolB);
            assertEquals(0, poolB.inUse());
        }
    }

    @Test
    void shouldClearChecksumFlagsOfCorruptedReceivedFrames()
    {
        final int offloads = LinkCapabilities.RX_L3_CHECKSUM | LinkCapabilities.RX_L4_CHECKSUM;
        final Setup setup = new Setup(ImpairedLink.config().corrupt(0.3).seed(2), false, offloads).run(2000, 16);
        final int ok = PacketBurst.RX_L3_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_OK;
        int damaged = 0;
        for (int i = 0; i < setup.received.size(); i++)
        {
            final boolean intact = checksumsOk(setup.received.get(i));
            assertEquals(intact ? ok : 0, setup.flags.get(i).intValue(), "frame " + i);
            damaged += intact ? 0 : 1;
        }
        assertEquals(setup.counters().corrupted, damaged);
        setup.close();
    }

    @Test
    void shouldCorruptOffloadedFramesAfterTheirChecksumsAreComputed()
    {
        final int offloads = LinkCapabilities.TX_L3_CHECKSUM | LinkCapabilities.TX_L4_CHECKSUM;
        for (final double corrupt : new double[] {0, 1})
        {
            final Setup setup = new Setup(ImpairedLink.config().corrupt(corrupt).seed(4), true, offloads);
            final PacketPool pool = setup.poolA;
            for (int i = 0; i < 500; i++)
            {
                final int buffer = pool.allocate();
                setup.tx.add(buffer, frames.udp(pool, buffer, MAC_B, MAC_A, i, 30, false),
                    PacketBurst.TX_L3_CHECKSUM | PacketBurst.TX_L4_CHECKSUM);
                assertEquals(1, setup.impaired.transmit(0, setup.tx));
            }
            setup.receiveBurst();
            assertEquals(500, setup.received.size());
            for (final byte[] frame : setup.received)
            {
                assertEquals(corrupt == 0, checksumsOk(frame), "corrupt " + corrupt);
            }
            setup.close();
        }
    }

    @Test
    void shouldCorruptOnlyIpv4UnlessTheWholeFrameMayBeHit()
    {
        for (final boolean wholeFrame : new boolean[] {false, true})
        {
            final PacketPool pool = new PacketPool(8, 2048);
            final ScriptedLink inner = new ScriptedLink(pool, MAC_A);
            final ImpairedLink link = new ImpairedLink(inner, ImpairedLink.config().corrupt(1)
                .corruptWholeFrame(wholeFrame).corruptBits(3).seed(6));
            final PacketBurst burst = new PacketBurst(4);
            final int buffer = pool.allocate();
            final int length = frames.arpRequest(pool, buffer);
            final byte[] original = TestFrames.copy(pool, buffer, length);
            burst.add(buffer, length, 0);
            link.transmit(0, burst);
            final byte[] sent = inner.transmitted().get(0);
            if (wholeFrame)
            {
                final int bits = bitsDiffering(original, sent);
                assertTrue(bits == 1 || bits == 3, "three flips, two of which may cancel: " + bits);
                assertEquals(1, link.txImpairments().corrupted);
            }
            else
            {
                assertArrayEquals(original, sent, "ARP has no checksum to catch damage: left alone by default");
                assertEquals(0, link.txImpairments().corrupted);
            }
            link.close();
        }
    }

    @Test
    void shouldRefuseBadSettingsNamingThem()
    {
        final ImpairedLink.Config config = ImpairedLink.config();
        for (final double bad : new double[] {-0.01, 1.01, Double.NaN, Double.POSITIVE_INFINITY})
        {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> config.loss(bad)).getMessage()
                .contains("loss"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> config.duplicate(bad)).getMessage()
                .contains("duplicate"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> config.corrupt(bad)).getMessage()
                .contains("corrupt"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> config.reorder(bad)).getMessage()
                .contains("reorder"));
        }
        assertThrows(IllegalArgumentException.class, () -> config.reorderDistance(0));
        assertThrows(IllegalArgumentException.class, () -> config.maxHeld(0));
        assertThrows(IllegalArgumentException.class, () -> config.maxHoldCalls(0));
        assertThrows(IllegalArgumentException.class, () -> config.corruptBits(65));
        assertThrows(IllegalArgumentException.class, () -> config.stageCapacity(1));
        assertThrows(IllegalArgumentException.class, () -> config.direction(null));
        config.loss(0).loss(1).duplicate(1).corrupt(0.5).reorder(0);
    }

    private static void assertWithinFiveSigma(final int trials, final double p, final long observed,
        final String what)
    {
        final double mean = trials * p;
        final double sigma = Math.sqrt(trials * p * (1 - p));
        assertTrue(Math.abs(observed - mean) <= 5 * sigma, what + ": " + observed + ", expected " + mean + " +- "
            + 5 * sigma);
    }

    private static void assertStrictlyIncreasing(final List<Long> sequences)
    {
        for (int i = 1; i < sequences.size(); i++)
        {
            assertTrue(sequences.get(i) > sequences.get(i - 1), "at " + i);
        }
    }

    private static int bitsDiffering(final byte[] a, final byte[] b)
    {
        assertEquals(a.length, b.length);
        int bits = 0;
        for (int i = 0; i < a.length; i++)
        {
            bits += Integer.bitCount((a[i] ^ b[i]) & 0xFF);
        }
        return bits;
    }

    private static int firstDifference(final byte[] a, final byte[] b)
    {
        return Arrays.mismatch(a, b);
    }

    /** Whether a frame passes the IPv4 header and UDP checksums, as the stack will check them. */
    static boolean checksumsOk(final byte[] frame)
    {
        final ByteBuffer buffer = ByteBuffer.wrap(frame);
        final Ipv4Header ip = new Ipv4Header().wrap(buffer, 14, frame.length - 14);
        if (ip.validate(true) != Ipv4Header.VALID || ip.protocol() != Ipv4Header.PROTOCOL_UDP)
        {
            return false;
        }
        final UdpHeader udp = new UdpHeader().wrap(buffer, ip.payloadOffset(), ip.payloadLength());
        return udp.isValid() && udp.checksum() != 0 && udp.checksumOk(IP_A, IP_B)
            && ip.source() == IP_A && ip.destination() == IP_B;
    }

    /** A tiny seeded generator for the test's own choices. */
    private static final class SplittableHelper
    {
        private final java.util.SplittableRandom random;

        SplittableHelper(final long seed)
        {
            random = new java.util.SplittableRandom(seed);
        }

        int nextInt(final int bound)
        {
            return random.nextInt(bound);
        }
    }
}
