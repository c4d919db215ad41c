package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RdmaLink over two ports of the mlx5 model joined by a model "cable": the production Direct Verbs datapath
 * moves the frames, the model plays the adapter (CQEs with ownership bits, compressed sessions, doorbells, RSS,
 * checksums, error completions). Every test ends with every pool buffer back in its pool.
 */
class RdmaLinkModelTest
{
    private static final long MAC_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:0b:02");
    private static final int IP_A = Ipv4Address.parse("198.18.0.1");
    private static final int IP_B = Ipv4Address.parse("198.18.0.2");

    private final PacketPool poolA = new PacketPool(4096, 2048);
    private final PacketPool poolB = new PacketPool(4096, 2048);
    private ModelPort a;
    private ModelPort b;
    private final PacketBurst txA = new PacketBurst(256);
    private final PacketBurst rxB = new PacketBurst(256);
    private final PacketBurst txB = new PacketBurst(256);
    private final PacketBurst rxA = new PacketBurst(256);

    @AfterEach
    void everyBufferBack()
    {
        if (a != null)
        {
            a.close();
        }
        if (b != null)
        {
            b.close();
        }
        for (final PacketBurst burst : new PacketBurst[] {txA, rxA})
        {
            burst.releaseAll(poolA);
        }
        for (final PacketBurst burst : new PacketBurst[] {txB, rxB})
        {
            burst.releaseAll(poolB);
        }
        assertEquals(0, poolA.inUse(), "pool A leaked");
        assertEquals(0, poolB.inUse(), "pool B leaked");
    }

    private void open(final RdmaOptions oa, final RdmaOptions ob, final boolean compression, final boolean checksums)
    {
        a = ModelPort.open(oa, poolA, compression, checksums);
        b = ModelPort.open(ob, poolB, compression, checksums);
    }

    private void openDefault()
    {
        open(ModelPort.options("a", MAC_A), ModelPort.options("b", MAC_B), false, false);
    }

    /** A UDP frame from `from` to `to` whose payload starts with its sequence number. */
    private static byte[] frame(final long dst, final long src, final int seq, final int payload, final int port,
        final Random random)
    {
        final byte[] data = new byte[Math.max(4, payload)];
        random.nextBytes(data);
        ByteBuffer.wrap(data).putInt(0, seq);
        return Frames.udpFrame(dst, src, src == MAC_A ? IP_A : IP_B, src == MAC_A ? IP_B : IP_A, port, 7000, data);
    }

    private static void queue(final PacketBurst burst, final PacketPool pool, final byte[] frame, final int flags)
    {
        final int buffer = pool.allocate();
        assertNotEquals(PacketPool.NO_BUFFER, buffer, "pool ran dry");
        pool.memory().put(pool.offset(buffer), frame);
        burst.add(buffer, frame.length, flags);
    }

    private static byte[] read(final PacketPool pool, final PacketBurst burst, final int slot)
    {
        final byte[] f = new byte[burst.length(slot)];
        pool.memory().get(pool.offset(burst.buffer(slot)), f);
        return f;
    }

    /** Takes the frames of a receive burst away (as the stack would) and frees them. */
    private static void consume(final PacketBurst burst, final PacketPool pool)
    {
        for (int i = 0; i < burst.count(); i++)
        {
            pool.free(burst.buffer(i));
            burst.set(i, PacketPool.NO_BUFFER, 0, 0);
        }
        burst.count(0);
    }

    /**
     * Sends `count` frames from one port to the other in bursts of `burst`, steps the wire, and receives them,
     * comparing the SHA-256 of everything sent and received in order.
     */
    private void transfer(final ModelPort from, final PacketBurst tx, final ModelPort to, final PacketBurst rx,
        final int count, final int burst, final int maxPayload, final long seed) throws Exception
    {
        final Random random = new Random(seed);
        final MessageDigest sent = MessageDigest.getInstance("SHA-256");
        final MessageDigest received = MessageDigest.getInstance("SHA-256");
        final long dst = to.link.macAddress();
        final long src = from.link.macAddress();
        int queued = 0;
        int got = 0;
        int idle = 0;
        while (got < count)
        {
            // Like a real peer, the sender must not outrun the receive ring: frames beyond it are dropped by the
            // adapter (its out-of-buffer counter), which would show here as missing frames.
            while (queued < count && tx.count() < burst && queued - got < to.options.rxQueueSize())
            {
                final byte[] f = frame(dst, src, queued, 1 + random.nextInt(maxPayload), 5000, random);
                sent.update(f);
                queue(tx, from.pool, f, 0);
                queued++;
            }
            from.link.transmit(0, tx);
            ModelPort.wire(from, to);
            rx.arm(to.pool);
            final int n = to.link.receive(0, rx);
            for (int i = 0; i < n; i++)
            {
                final byte[] f = read(to.pool, rx, i);
                assertEquals(got + i, ByteBuffer.wrap(f).getInt(42), "frame order");
                received.update(f);
                assertEquals(PacketBurst.RX_L3_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_OK,
                    rx.flags(i) & (PacketBurst.RX_L3_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_OK), "checksums");
            }
            consume(rx, to.pool);
            got += n;
            idle = n == 0 ? idle + 1 : 0;
            assertTrue(idle < 5, "stalled after " + got + " of " + count);
        }
        from.link.transmit(0, tx); // reaps the last completions
        assertArrayEquals(sent.digest(), received.digest(), "SHA-256 of the frames");
        assertEquals(0, to.stat(Mlx5ModelNative.RX_OUT_OF_BUFFER), "frames dropped for want of a receive WQE");
    }

    @Test
    void shouldCarryBurstsBothWaysAndReturnEveryBuffer() throws Exception
    {
        openDefault();
        assertEquals("dv", a.link.mode());
        assertEquals(256, poolA.inUse(), "the receive ring holds rx-queue-size buffers");
        transfer(a, txA, b, rxB, 3000, 32, 1400, 1);
        transfer(b, txB, a, rxA, 3000, 200, 1400, 2);
        assertEquals(3000, a.link.counters().txPackets);
        assertEquals(3000, b.link.counters().rxPackets);
        assertEquals(3000, a.link.counters().rxPackets);
        assertEquals(0, a.link.txQueueCounters(0).inFlight(), "every send completed");
        assertEquals(0, b.link.counters().rxDropped + a.link.counters().txDropped);
        assertEquals(0, a.stat(Mlx5ModelNative.DOORBELL_MISMATCH), "every doorbell named the last WQE");
        assertEquals(0, a.stat(Mlx5ModelNative.CQ_OVERRUNS) + b.stat(Mlx5ModelNative.CQ_OVERRUNS));
        assertEquals(256, poolA.inUse() - countHeld(rxA), "only the ring's (and the armed burst's) buffers are out");
    }

    @Test
    void shouldWrapTheSixteenBitCountersOfSmallRings() throws Exception
    {
        final RdmaOptions oa = RdmaOptions.builder("a").hostIf("model0").mac(MAC_A).rxQueueSize(64).txQueueSize(64)
            .build();
        final RdmaOptions ob = RdmaOptions.builder("b").hostIf("model0").mac(MAC_B).rxQueueSize(64).txQueueSize(64)
            .build();
        open(oa, ob, false, false);
        // 70000 frames through rings of 64: the 16-bit WQE counters wrap, the CQs go round 500+ laps.
        transfer(a, txA, b, rxB, 70000, 48, 64, 3);
        final RdmaQueueCounters tx = a.link.txQueueCounters(0);
        assertEquals(70000, tx.packets());
        assertEquals(0, tx.inFlight());
        assertEquals(70000, b.link.rxQueueCounters(0).packets());
        assertTrue(tx.extra() >= 70000 / 48, "doorbells " + tx.extra());
    }

    @Test
    void shouldDeliverCompressedSessionsIntact() throws Exception
    {
        final RdmaOptions ob = RdmaOptions.builder("b").hostIf("model0").mac(MAC_B).rxQueueSize(128).build();
        open(ModelPort.options("a", MAC_A), ob, true, false);
        transfer(a, txA, b, rxB, 20000, 100, 1400, 4);
        assertTrue(b.stat(Mlx5ModelNative.RX_SESSIONS) > 100, "sessions " + b.stat(Mlx5ModelNative.RX_SESSIONS));
        assertTrue(b.stat(Mlx5ModelNative.RX_SESSIONS_WRAPPED) > 0, "a session straddled the end of the CQ");
        assertEquals(b.stat(Mlx5ModelNative.RX_SESSIONS), b.link.rxQueueCounters(0).extra(), "sessions seen");
        // and with bursts smaller than the sessions: every session is split across calls
        final PacketBurst small = new PacketBurst(3);
        try
        {
            transfer(a, txA, b, small, 2000, 60, 200, 5);
        }
        finally
        {
            small.releaseAll(poolB);
        }
    }

    @Test
    void shouldTurnErrorCompletionsIntoCountersAndRecover() throws Exception
    {
        openDefault();
        transfer(a, txA, b, rxB, 100, 10, 500, 6);

        // The adapter fails a send: the queue is reset and brought back, the failed frames' buffers come back.
        Mlx5ModelNative.inject(a.model, true, Mlx5ModelNative.SYNDROME_LOCAL_PROTECTION);
        final Random random = new Random(7);
        for (int i = 0; i < 10; i++)
        {
            queue(txA, poolA, frame(MAC_B, MAC_A, i, 100, 5000, random), 0);
        }
        assertEquals(10, a.link.transmit(0, txA));
        ModelPort.wire(a, b);
        assertEquals(0, a.link.transmit(0, txA), "the error completion is reaped");
        assertEquals("error", a.link.txQueueCounters(0).state());
        assertTrue(a.link.lastError().contains("protection"), a.link.lastError());
        transfer(a, txA, b, rxB, 50, 10, 500, 8);
        final RdmaQueueCounters tx = a.link.txQueueCounters(0);
        assertEquals("ok", tx.state());
        assertEquals(1, tx.recoveries());
        assertTrue(tx.completionErrors() >= 1);
        assertEquals(Mlx5ModelNative.SYNDROME_LOCAL_PROTECTION, tx.lastSyndrome() & 0xff);
        // In words, in the counters and the diagnostics as in the log (the vendor syndrome in hex beside them).
        assertTrue(tx.lastSyndromeWords().startsWith("local protection error"), tx.lastSyndromeWords());
        assertTrue(a.link.describeCounters().contains("(local protection error"), a.link.describeCounters());
        assertTrue(tx.toString().contains(", vendor syndrome 0x"), tx.toString());
        assertEquals("", a.link.rxQueueCounters(0).lastSyndromeWords(), "no error, no words");
        assertTrue(a.link.counters().errors >= 1);

        // A receive completion error that does not stop the queue: one frame dropped, counted.
        Mlx5ModelNative.inject(b.model, false, Mlx5ModelNative.SYNDROME_LOCAL_LENGTH);
        for (int i = 0; i < 5; i++)
        {
            queue(txA, poolA, frame(MAC_B, MAC_A, i, 100, 5000, random), 0);
        }
        a.link.transmit(0, txA);
        ModelPort.wire(a, b);
        rxB.arm(poolB);
        assertEquals(4, b.link.receive(0, rxB));
        consume(rxB, poolB);
        assertEquals(1, b.link.rxQueueCounters(0).drops());
        assertTrue(b.link.rxQueueCounters(0).lastSyndromeWords().startsWith("local length error"));
        assertEquals("ok", b.link.rxQueueCounters(0).state());

        // One that does (a flush): the queue is reset, its buffers posted again, and frames flow.
        Mlx5ModelNative.inject(b.model, false, Mlx5ModelNative.SYNDROME_WR_FLUSH);
        for (int i = 0; i < 5; i++)
        {
            queue(txA, poolA, frame(MAC_B, MAC_A, i, 100, 5000, random), 0);
        }
        a.link.transmit(0, txA);
        ModelPort.wire(a, b);
        rxB.arm(poolB);
        assertEquals(0, b.link.receive(0, rxB));
        assertEquals("error", b.link.rxQueueCounters(0).state());
        assertEquals(0, b.link.receive(0, rxB));
        assertEquals("ok", b.link.rxQueueCounters(0).state());
        assertEquals(1, b.link.rxQueueCounters(0).recoveries());
        transfer(a, txA, b, rxB, 200, 20, 500, 9);
        assertEquals(256, poolB.inUse() - countHeld(rxB), "B's ring is whole again");
    }

    private static int countHeld(final PacketBurst burst)
    {
        int n = 0;
        for (int i = 0; i < burst.capacity(); i++)
        {
            if (burst.buffer(i) != PacketPool.NO_BUFFER)
            {
                n++;
            }
        }
        return n;
    }

    @Test
    void shouldKeepRefusedFramesAtTheFrontWhenTheSendRingIsFull()
    {
        final RdmaOptions oa = RdmaOptions.builder("a").hostIf("model0").mac(MAC_A).txQueueSize(64).build();
        open(oa, ModelPort.options("b", MAC_B), false, false);
        final Random random = new Random(10);
        final int[] ids = new int[100];
        for (int i = 0; i < 100; i++)
        {
            queue(txA, poolA, frame(MAC_B, MAC_A, i, 100, 5000, random), 0);
            ids[i] = txA.buffer(i);
        }
        assertEquals(64, a.link.transmit(0, txA));
        assertEquals(36, txA.count(), "the refused frames stay, counted");
        for (int i = 0; i < 36; i++)
        {
            assertEquals(ids[64 + i], txA.buffer(i), "in order, at the front");
        }
        assertEquals(36, a.link.txQueueCounters(0).stalls());
        assertEquals(0, a.link.transmit(0, txA), "still full");
        ModelPort.wire(a, b);
        assertEquals(36, a.link.transmit(0, txA));
        assertEquals(0, txA.count());
        ModelPort.wire(a, b);
        rxB.arm(poolB);
        assertEquals(100, b.link.receive(0, rxB));
        consume(rxB, poolB);
        a.link.transmit(0, txA);
    }

    @Test
    void shouldStopAtTheFirstSlotWithoutABuffer()
    {
        openDefault();
        final Random random = new Random(11);
        for (int i = 0; i < 10; i++)
        {
            queue(txA, poolA, frame(MAC_B, MAC_A, i, 100, 5000, random), 0);
        }
        a.link.transmit(0, txA);
        ModelPort.wire(a, b);
        final PacketBurst partly = new PacketBurst(16);
        for (int i = 0; i < 3; i++)
        {
            partly.set(i, poolB.allocate(), 0, 0);
        }
        assertEquals(3, b.link.receive(0, partly));
        assertEquals(PacketPool.NO_BUFFER, partly.buffer(3));
        consume(partly, poolB);
        // The first call stopped at slot 3 with frames waiting, this one at slot 0: both are counted.
        assertEquals(0, b.link.receive(0, partly), "no armed buffer, no frame");
        assertEquals(2, b.link.rxQueueCounters(0).stalls(), "and it says why");
        partly.arm(poolB);
        assertEquals(7, b.link.receive(0, partly));
        consume(partly, poolB);
        partly.releaseAll(poolB);
        a.link.transmit(0, txA);
    }

    @Test
    void shouldSteerToANewMacAfterTheChange()
    {
        openDefault();
        final long newMac = MacAddress.parse("02:00:00:00:0b:99");
        b.link.macAddress(newMac);
        assertEquals(newMac, b.link.macAddress());
        final Random random = new Random(12);
        queue(txA, poolA, frame(MAC_B, MAC_A, 0, 100, 5000, random), 0);
        queue(txA, poolA, frame(newMac, MAC_A, 1, 100, 5000, random), 0);
        a.link.transmit(0, txA);
        ModelPort.wire(a, b);
        rxB.arm(poolB);
        assertEquals(1, b.link.receive(0, rxB));
        assertEquals(1, ByteBuffer.wrap(read(poolB, rxB, 0)).getInt(42), "only the frame to the new MAC");
        assertEquals(1, b.stat(Mlx5ModelNative.RX_NOT_STEERED));
        consume(rxB, poolB);
        assertThrows(DriverException.class, () -> b.link.macAddress(MacAddress.parse("01:00:5e:00:00:01")),
            "a multicast MAC is refused");
        a.link.transmit(0, txA);
    }

    @Test
    void shouldSpreadFlowsOverReceiveQueuesWithTheirHash()
    {
        final RdmaOptions ob = RdmaOptions.builder("b").hostIf("model0").mac(MAC_B).rxQueues(4).rxQueueSize(128)
            .build();
        open(ModelPort.options("a", MAC_A), ob, false, false);
        assertEquals(4, b.link.rxQueueCount());
        assertTrue((b.link.capabilities() & LinkCapabilities.RX_HASH) != 0);
        final Random random = new Random(13);
        final int[] queueOf = new int[64];
        final int[] perQueue = new int[4];
        for (int round = 0; round < 3; round++)
        {
            for (int f = 0; f < 64; f++)
            {
                queue(txA, poolA, frame(MAC_B, MAC_A, f, 50, 10000 + f, random), 0);
            }
            a.link.transmit(0, txA);
            ModelPort.wire(a, b);
            for (int q = 0; q < 4; q++)
            {
                rxB.arm(poolB);
                final int n = b.link.receive(q, rxB);
                for (int i = 0; i < n; i++)
                {
                    final int f = ByteBuffer.wrap(read(poolB, rxB, i)).getShort(34) - 10000;
                    if (round == 0)
                    {
                        queueOf[f] = q;
                    }
                    assertEquals(queueOf[f], q, "flow " + f + " stays on its queue");
                    assertTrue((rxB.flags(i) & PacketBurst.RX_HASH_VALID) != 0);
                    assertEquals(q, rxB.hash(i) & 3, "the indirection table picks the queue from the hash");
                    perQueue[q]++;
                }
                consume(rxB, poolB);
            }
        }
        for (int q = 0; q < 4; q++)
        {
            assertTrue(perQueue[q] >= 15, "queue " + q + " got " + perQueue[q]);
            assertEquals(perQueue[q], b.link.rxQueueCounters(q).packets());
        }
        a.link.transmit(0, txA);
    }

    @Test
    void shouldSendOnEachPollersOwnSendQueueAndReturnItsBuffersThere() throws Exception
    {
        final RdmaOptions oa = RdmaOptions.builder("a").hostIf("model0").mac(MAC_A).rxQueues(4).rxQueueSize(128)
            .txQueueSize(256).build();
        final RdmaOptions ob = RdmaOptions.builder("b").hostIf("model0").mac(MAC_B).rxQueues(4).rxQueueSize(128)
            .build();
        open(oa, ob, false, false);
        assertEquals(4, a.link.txQueueCount(), "one send queue per receive queue");
        final PacketBurst[] tx = new PacketBurst[4];
        final PacketBurst[] rx = new PacketBurst[4];
        for (int q = 0; q < 4; q++)
        {
            tx[q] = new PacketBurst(64);
            rx[q] = new PacketBurst(16);
            rx[q].arm(poolA);
        }
        final int baseline = poolA.inUse();
        assertEquals(4 * 128 + 4 * 16, baseline, "the receive rings and the pollers' armed bursts");
        final Random random = new Random(16);
        final MessageDigest sent = MessageDigest.getInstance("SHA-256");
        final MessageDigest received = MessageDigest.getInstance("SHA-256");
        final long[] perQueue = new long[4];
        int seq = 0;
        try
        {
            for (int round = 0; round < 5; round++)
            {
                final byte[][] frames = new byte[256][];
                final int first = seq;
                for (int q = 0; q < 4; q++)
                {
                    final int k = 3 + 7 * q + round;
                    for (int i = 0; i < k; i++, seq++)
                    {
                        frames[seq - first] = frame(MAC_B, MAC_A, seq, 1 + random.nextInt(1400), 5000 + q, random);
                        queue(tx[q], poolA, frames[seq - first], 0);
                    }
                    assertEquals(k, a.link.transmit(q, tx[q]), "send queue " + q + " took its burst");
                    perQueue[q] += k;
                }
                ModelPort.wire(a, b);
                for (int q = 0; q < 4; q++)
                {
                    final RdmaQueueCounters c = a.link.txQueueCounters(q);
                    assertEquals(perQueue[q], c.packets(), "send queue " + q + " counted its own frames");
                    assertTrue(c.inFlight() > 0, "send queue " + q + " holds its buffers until its poller reaps");
                }
                // The poller of queue q takes send queue q's completions, and only those.
                for (int q = 0; q < 4; q++)
                {
                    assertEquals(0, a.link.receive(q, rx[q]));
                    for (int r = 0; r < 4; r++)
                    {
                        assertEquals(r <= q, a.link.txQueueCounters(r).inFlight() == 0,
                            "after the poller of queue " + q + ", send queue " + r);
                    }
                }
                assertEquals(baseline, poolA.inUse(), "round " + round + ": every sent buffer back in the pool");
                // Whatever queue each frame was sent from, each arrives once, intact.
                final byte[][] got = new byte[seq - first][];
                int n = 0;
                for (int idle = 0; n < got.length; )
                {
                    int any = 0;
                    for (int q = 0; q < 4; q++)
                    {
                        rxB.arm(poolB);
                        final int m = b.link.receive(q, rxB);
                        for (int i = 0; i < m; i++)
                        {
                            final byte[] f = read(poolB, rxB, i);
                            final int s = ByteBuffer.wrap(f).getInt(42) - first;
                            assertTrue(s >= 0 && s < got.length && got[s] == null, "frame " + (s + first));
                            got[s] = f;
                        }
                        consume(rxB, poolB);
                        n += m;
                        any += m;
                    }
                    idle = any == 0 ? idle + 1 : 0;
                    assertTrue(idle < 5, "stalled after " + n + " of " + got.length);
                }
                for (int i = 0; i < got.length; i++)
                {
                    sent.update(frames[i]);
                    received.update(got[i]);
                }
            }
            assertArrayEquals(sent.digest(), received.digest(), "SHA-256 of the frames");
            assertEquals(seq, a.link.counters().txPackets, "the link's count sums its send queues");
            assertTrue(a.link.describeCounters().contains("tx3"), a.link.describeCounters());
            assertThrows(IllegalArgumentException.class, () -> a.link.txQueueCounters(4));
        }
        finally
        {
            for (int q = 0; q < 4; q++)
            {
                tx[q].releaseAll(poolA);
                rx[q].releaseAll(poolA);
            }
        }
    }

    @Test
    void shouldComputeChecksumsWhenTheAdapterCan()
    {
        open(ModelPort.options("a", MAC_A), ModelPort.options("b", MAC_B), false, true);
        assertTrue((a.link.capabilities() & LinkCapabilities.TX_L4_CHECKSUM) != 0);
        final Random random = new Random(14);
        final byte[] good = frame(MAC_B, MAC_A, 0, 300, 5000, random);
        final byte[] zeroed = good.clone();
        zeroed[24] = 0; // IPv4 header checksum
        zeroed[25] = 0;
        zeroed[40] = 0; // UDP checksum
        zeroed[41] = 0;
        queue(txA, poolA, zeroed, PacketBurst.TX_L3_CHECKSUM | PacketBurst.TX_L4_CHECKSUM);
        a.link.transmit(0, txA);
        ModelPort.wire(a, b);
        rxB.arm(poolB);
        assertEquals(1, b.link.receive(0, rxB));
        assertArrayEquals(good, read(poolB, rxB, 0), "the adapter filled in both checksums");
        consume(rxB, poolB);
        a.link.transmit(0, txA);
    }

    @Test
    void shouldKeepCountersReadableAfterClose() throws Exception
    {
        openDefault();
        transfer(a, txA, b, rxB, 10, 10, 100, 15);
        a.close();
        assertEquals(10, a.link.counters().txPackets);
        assertEquals(10, a.link.txQueueCounters(0).packets());
        assertTrue(a.link.describeCounters().contains("tx0 packets=10"), a.link.describeCounters());
        // A model port registers no MAC with any netdev: it says so rather than nothing.
        assertTrue(a.link.describeCounters().contains("mac_admission=none fdb_added=0") || a.link.describeCounters()
            .contains("mac_admission=none admit_errno=0 fdb_added=0"), a.link.describeCounters());
        assertEquals("none", a.link.macAdmission());
        assertEquals("failed", RdmaLink.admissionName(3));
        assertThrows(IllegalStateException.class, () -> a.link.transmit(0, txA));
        a.link.wakeup(); // harmless after close
        a.link.close(); // idempotent
        a = null;
        assertEquals(0, poolA.inUse());
    }

    /**
     * The steady state of receive and transmit allocates nothing on the Java heap: the burst addresses are cached,
     * counters are read from the status block, reclaimed buffers are freed from the reclaim array.
     */
    @Test
    void shouldNotAllocatePerBurst()
    {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
            "needs HotSpot's per-thread allocation counter");
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
            "thread allocation accounting is off");
        openDefault();
        final byte[] template = frame(MAC_B, MAC_A, 0, 200, 5000, new Random(16));
        pingPong(template, 2_000); // warm up
        // The JIT may still allocate in this thread once or twice while it settles; an allocation per burst would
        // show in every window, so the steady state is a window with none at all.
        final long thread = Thread.currentThread().getId();
        final List<Long> windows = new ArrayList<>();
        for (int window = 0; window < 6; window++)
        {
            final long before = threads.getThreadAllocatedBytes(thread);
            pingPong(template, 500);
            final long allocated = threads.getThreadAllocatedBytes(thread) - before;
            windows.add(allocated);
            if (allocated == 0)
            {
                break;
            }
        }
        assertEquals(0L, windows.get(windows.size() - 1), "bytes allocated per window of 500 rounds: " + windows);
    }

    /** 8 frames from A to B per round, with nothing but the links' own calls and the model's cable. */
    private void pingPong(final byte[] template, final int rounds)
    {
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < 8; i++)
            {
                final int buffer = poolA.allocate();
                poolA.memory().put(poolA.offset(buffer), template);
                txA.add(buffer, template.length, 0);
            }
            a.link.transmit(0, txA);
            ModelPort.wire(a, b);
            rxB.arm(poolB);
            final int n = b.link.receive(0, rxB);
            for (int i = 0; i < n; i++)
            {
                poolB.free(rxB.buffer(i));
                rxB.buffer(i, PacketPool.NO_BUFFER);
            }
            rxB.count(0);
            a.link.counters();
        }
    }
}
