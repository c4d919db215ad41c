package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.virtual.ImpairedLink;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.tcp.TwoStackTransfer.AfterTransfer;
import org.jbypass.netstack.tcp.TwoStackTransfer.Outcome;
import org.junit.jupiter.api.Test;

/**
 * Two whole stacks on a {@link MemoryWire}, one of them behind an {@link ImpairedLink} that loses, reorders,
 * duplicates and corrupts frames both ways: many connections at once move 100 MB each way in total, every stream
 * checked by SHA-256, and a run repeats exactly from its seed.
 *
 * <p>Time is simulated (see {@link TwoStackTransfer}), so retransmission timeouts cost no real time.
 */
class TcpTwoStacksTest
{
    @Test
    void shouldMove100MegabytesEachWayThroughLossReorderingDuplicationAndCorruption()
    {
        final Outcome outcome = run(8, (100L << 20) / 8, 0x5EED);
        System.out.println(outcome);
    }

    /**
     * The same through software GRO turned off and on: both arrive intact, and only with GRO on does TCP see
     * super-segments (the in-order runs of a burst, coalesced by IPv4 before TCP).
     */
    @Test
    void shouldMoveTheSameBytesWithAndWithoutSoftwareGro()
    {
        for (final boolean gro : new boolean[] {false, true})
        {
            TwoStackTransfer.run(new MemoryWire(), 4, (16L << 20) / 4, 0x6E0, (a, b, impaired) ->
            {
                final long supers = a.ipCounters().groSuperSegments + b.ipCounters().groSuperSegments;
                if (gro)
                {
                    assertTrue(supers > 100, "super-segments built: " + supers);
                    assertTrue(a.ipCounters().groSegmentsCoalesced > 2 * a.ipCounters().groSuperSegments);
                }
                else
                {
                    assertEquals(0, supers, "GRO off");
                }
            }, false, gro);
        }
    }

    /**
     * Over a wire that moves each frame with one copy, holding the sender's buffer until the receiver copied it
     * ({@link MemoryWire.Builder#holdTransmitBuffers}), through the impairment (which holds, reorders and drops
     * frames of B's port): the bytes arrive intact (SHA-256), A's pool holds no more than its armed bursts once the
     * connections are gone, and both pools are whole after closing (TwoStackTransfer checks all three), over IPv4
     * and IPv6, with GRO and the link's checksums.
     */
    @Test
    void shouldMoveDataIntactOverAWireThatHoldsTransmitBuffers()
    {
        TwoStackTransfer.run(MemoryWire.builder().holdTransmitBuffers(true).build(), 4, (4L << 20) / 4, 0x401D,
            AfterTransfer.NOTHING, false, true);
        TwoStackTransfer.run(MemoryWire.builder().holdTransmitBuffers(true)
            .capabilities(LinkCapabilities.TX_L4_CHECKSUM).passPartialChecksums(true).build(), 4, (4L << 20) / 4,
            0x401E, AfterTransfer.NOTHING, true, true);
    }

    @Test
    void shouldMoveDataOverIpv6AndIpv4ThroughADualStackListenerUnderImpairment()
    {
        // Two stacks with the IPv6 layer between them (NDP, the IPv6 header, checksums over its pseudo-header):
        // connections alternate between A's IPv6 address and its IPv4-mapped one, on one listener on [::].
        final Outcome outcome = TwoStackTransfer.run(new MemoryWire(), 4, 4 << 20, 0x6, AfterTransfer.NOTHING, true);
        System.out.println(outcome);
    }

    @Test
    void shouldLeaveIpv6TimeWaitRecordsThatExpireAfterManyShortConnections()
    {
        // 64 short connections through the dual-stack listener, half over IPv6. Whichever end closes first keeps a
        // record (here both ends close at once, so both do), the IPv6 connections' in IPv6 records, which answer
        // what the impairment makes the peer retransmit; the run ends only once every record has expired
        // (connectionCount counts them).
        final int connections = 64;
        final Outcome outcome = TwoStackTransfer.run(new MemoryWire(), connections, 16 << 10, 0x7E6,
            AfterTransfer.NOTHING, true);
        System.out.println(outcome);
        assertTrue(outcome.peakTimeWait6() >= connections / 2, "IPv6 records at once: " + outcome.peakTimeWait6());
        assertTrue(outcome.peakTimeWait() >= connections, "records at once: " + outcome.peakTimeWait());
        assertTrue(outcome.peakTimeWait() > outcome.peakTimeWait6(), "IPv4 records beside them");
    }

    @Test
    void shouldRepeatExactlyFromItsSeed()
    {
        final Outcome first = run(3, 1 << 20, 42);
        final Outcome second = run(3, 1 << 20, 42);
        assertEquals(first, second, "the same seed gives the same run");
        final Outcome other = run(3, 1 << 20, 43);
        assertFalse(first.equals(other), "another seed gives another run");
    }

    private static Outcome run(final int connections, final long bytesEachWay, final long seed)
    {
        return TwoStackTransfer.run(new MemoryWire(), connections, bytesEachWay, seed, AfterTransfer.NOTHING);
    }
}
