package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void shouldMoveDataOverIpv6AndIpv4ThroughADualStackListenerUnderImpairment()
    {
        // Two stacks with the IPv6 layer between them (NDP, the IPv6 header, checksums over its pseudo-header):
        // connections alternate between A's IPv6 address and its IPv4-mapped one, on one listener on [::].
        final Outcome outcome = TwoStackTransfer.run(new MemoryWire(), 4, 4 << 20, 0x6, AfterTransfer.NOTHING, true);
        System.out.println(outcome);
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
