package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.jbypass.netstack.testing.ByteStream;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv6Address;
import org.junit.jupiter.api.Test;

/**
 * Bulk transfers between two TCP layers over the simulated segment wire of {@link TcpPair}: clean, and impaired
 * with loss, reordering, duplication and corruption; checked end to end with SHA-256.
 */
class TcpTransferTest
{
    @Test
    void shouldTransferBothWaysOnACleanWire()
    {
        final Result r = run(TcpConfig.defaults(), 1, 8 << 20, 0, 0, 0, 0, 1);
        assertEquals(0, r.retransmits, "no loss, no retransmission: " + r);
    }

    @Test
    void shouldTransferUnderLossReorderingDuplicationAndCorruption()
    {
        run(TcpConfig.defaults(), 4, 4 << 20, 0.05, 0.05, 0.01, 0.01, 7);
    }

    @Test
    void shouldTransferWithNewRenoAndWithoutSack()
    {
        final TcpConfig config = TcpConfig.builder().congestionControl(CongestionAlgorithm.NEWRENO).sack(false)
            .build();
        run(config, 2, 2 << 20, 0.03, 0.02, 0.01, 0.01, 11);
    }

    @Test
    void shouldTransferWithoutTimestampsOrWindowScaling()
    {
        final TcpConfig config = TcpConfig.builder().timestamps(false).windowScaling(false).build();
        run(config, 2, 2 << 20, 0.03, 0.02, 0.01, 0.01, 13);
    }

    @Test
    void shouldTransferThroughSmallBuffers()
    {
        final TcpConfig config = TcpConfig.builder().sendBufferSize(8192).receiveBufferSize(6000).build();
        run(config, 2, 1 << 20, 0.02, 0.02, 0.01, 0.01, 17);
    }

    @Test
    void shouldTransferWithSuperSegmentsCarriedWholeUnderImpairment()
    {
        // A veth: super-segments arrive whole, one segment of many MSS; loss takes a whole one.
        final Result r = run(TcpConfig.defaults(), 2, 4 << 20, 0.01, 0.02, 0.01, 0.01, 19, pair ->
        {
            pair.segmentationLimit = 65_535;
            pair.segmentOnWire = false;
        });
        assertTrue(r.superSegments > 0, "super-segments sent: " + r);
    }

    @Test
    void shouldTransferWithSuperSegmentsCutOnTheWireUnderImpairment()
    {
        // A NIC's TSO: super-segments leave as segments, each lost, reordered or corrupted on its own, so SACK
        // blocks and partial ACKs fall inside super-segments and split their records.
        final Result r = run(TcpConfig.defaults(), 2, 4 << 20, 0.03, 0.03, 0.01, 0.01, 23, pair ->
        {
            pair.segmentationLimit = 65_535;
            pair.segmentOnWire = true;
        });
        assertTrue(r.superSegments > 0, "super-segments sent: " + r);
        assertTrue(r.retransmits > 0, "losses repaired: " + r);
    }

    @Test
    void shouldTransferWithSuperSegmentsOnACleanWire()
    {
        final Result r = run(TcpConfig.defaults(), 1, 4 << 20, 0, 0, 0, 0, 29, pair ->
        {
            pair.segmentationLimit = 65_535;
            pair.segmentOnWire = true;
        });
        assertEquals(0, r.retransmits, "no loss, no retransmission: " + r);
        assertTrue(r.superSegments > 0, "super-segments sent: " + r);
    }

    @Test
    void shouldTransferOverIpv6AndIpv4ThroughADualStackListenerUnderImpairment()
    {
        final Result r = run(TcpConfig.defaults(), 4, 2 << 20, 0.03, 0.03, 0.01, 0.01, 31, pair -> pair.ipv6 = true);
        assertTrue(r.retransmits > 0, "losses repaired: " + r);
    }

    @Test
    void shouldTransferOverIpv6OnACleanWire()
    {
        final Result r = run(TcpConfig.defaults(), 1, 4 << 20, 0, 0, 0, 0, 37, pair -> pair.ipv6 = true);
        assertEquals(0, r.retransmits, "no loss, no retransmission: " + r);
    }

    static final class Result
    {
        long simNanos;
        long retransmits;
        long timeouts;
        long superSegments;
        long bytes;

        @Override
        public String toString()
        {
            return "Result{sim=" + simNanos / 1_000_000 + "ms, retransmits=" + retransmits + ", timeouts=" + timeouts
                + ", superSegments=" + superSegments
                + ", goodput=" + (simNanos == 0 ? 0 : bytes * 8_000L / simNanos) + "Mbit/s}";
        }
    }

    static Result run(final TcpConfig config, final int connections, final long bytesEachWay, final double loss,
        final double reorder, final double duplicate, final double corrupt, final long seed)
    {
        return run(config, connections, bytesEachWay, loss, reorder, duplicate, corrupt, seed, pair ->
        {
        });
    }

    /**
     * As above, the wire set up further by {@code setup}; with super-segments, TCP's invariants are checked every
     * 256 steps (the check's messages are built eagerly, so every step would dominate the run).
     */
    static Result run(final TcpConfig config, final int connections, final long bytesEachWay, final double loss,
        final double reorder, final double duplicate, final double corrupt, final long seed,
        final Consumer<TcpPair> setup)
    {
        final TcpPair pair = new TcpPair(config, config, seed);
        setup.accept(pair);
        pair.loss = loss;
        pair.reorder = reorder;
        pair.duplicate = duplicate;
        pair.corrupt = corrupt;
        final TcpSocket listener = pair.ipv6 ? pair.a.layer.open6(false) : pair.a.layer.open();
        assertEquals(0, pair.ipv6 ? listener.bind6(0, 0, 5001) : listener.bind(0, 5001));
        assertEquals(0, listener.listen(connections));
        final List<TcpSocket> clients = new ArrayList<>();
        for (int i = 0; i < connections; i++)
        {
            if (pair.ipv6)
            {
                final TcpSocket c = pair.b.layer.open6(false);
                assertEquals(-Errno.EINPROGRESS, i % 2 == 0 ? c.connect6(TcpPair.NET6, TcpPair.A6, 5001)
                    : c.connect6(0, Ipv6Address.v4MappedLo(TcpPair.A), 5001));
                assertEquals(i % 2 == 0, c.isIpv6());
                clients.add(c);
                continue;
            }
            final TcpSocket c = pair.b.layer.open();
            assertEquals(-Errno.EINPROGRESS, c.connect(TcpPair.A, 5001));
            clients.add(c);
        }
        final List<ByteStream> streams = new ArrayList<>();
        final long start = pair.now;
        final long deadline = start + 600_000_000_000L;
        int accepted = 0;
        while (accepted < connections)
        {
            assertTrue(pair.step(deadline), "handshakes stalled");
            TcpSocket child;
            while ((child = listener.accept()) != null)
            {
                TwoStackTransfer.streamBothWays(streams, accepted, child, clients, bytesEachWay,
                    seed * 1000 + 2 * accepted);
                accepted++;
            }
        }
        for (final TcpSocket c : clients)
        {
            assertEquals(0, c.finishConnect(), "connected");
        }
        boolean allDone = false;
        long steps = 0;
        while (!allDone)
        {
            allDone = true;
            for (final ByteStream s : streams)
            {
                s.pump();
                assertFalse(s.failed(), () -> "stream failed: " + s + " " + pair.a.layer.counters() + " "
                    + pair.b.layer.counters());
                allDone &= s.done();
            }
            if (!allDone && !pair.step(deadline))
            {
                throw new AssertionError("transfer stalled at " + (pair.now - start) / 1_000_000 + " ms: " + streams
                    + "\nA " + pair.a.layer.counters() + "\nB " + pair.b.layer.counters());
            }
            if (pair.segmentationLimit != 0 && (++steps & 255) == 0)
            {
                TcpInvariants.check(pair.a.layer, List.of());
                TcpInvariants.check(pair.b.layer, List.of());
            }
        }
        final Result result = new Result();
        result.simNanos = pair.now - start;
        result.bytes = 2L * connections * bytesEachWay;
        for (final ByteStream s : streams)
        {
            assertEquals(s.total, s.read(), s.name + " bytes");
            assertArrayEquals(s.sentDigest(), s.receivedDigest(), s.name + " SHA-256");
        }
        result.superSegments = pair.superSegments;
        result.retransmits = pair.a.layer.counters().retransmittedSegments()
            + pair.b.layer.counters().retransmittedSegments();
        result.timeouts = pair.a.layer.counters().retransmitTimeouts()
            + pair.b.layer.counters().retransmitTimeouts();
        // Close both ends; both sides must reach CLOSED (one through TIME_WAIT) and give everything back.
        for (final ByteStream s : streams)
        {
            s.writer.close();
        }
        final long closeDeadline = pair.now + 600_000_000_000L;
        while (pair.a.layer.connectionCount() + pair.b.layer.connectionCount() > 0 && pair.step(closeDeadline))
        {
            // Run the closing handshakes, retransmissions and TIME_WAIT to their end.
        }
        assertEquals(0, pair.a.layer.connectionCount(), "A connections left: " + pair.a.layer.counters());
        assertEquals(0, pair.b.layer.connectionCount(), "B connections left: " + pair.b.layer.counters());
        assertEquals(0, pair.a.pool.inUse(), "A pool buffers leaked");
        assertEquals(0, pair.b.pool.inUse(), "B pool buffers leaked");
        System.out.println(result + "\nA " + pair.a.layer.counters() + "\nB " + pair.b.layer.counters());
        return result;
    }
}
