package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.virtual.ImpairedLink;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.tcp.TwoStackTransfer.Outcome;
import org.junit.jupiter.api.Test;

/**
 * Two whole stacks on a {@link MemoryWire} that passes TCP super-segments whole ({@code passChainsWhole}, as a veth
 * between two GSO-capable ends): each stack sends TSO-sized super-segments and receives the other's as chains, taken
 * as one segment each, while an {@link ImpairedLink} on B loses, reorders, duplicates and corrupts frames both ways,
 * super-segments included: a damaged super-segment arrives whole with a complete checksum that no longer verifies,
 * and the receiver's checksum drops it (counted), so TCP recovers it like a loss. 100 MB each way over eight
 * connections, every stream checked by SHA-256, TCP's invariants checked as it goes (the transfer of
 * TcpTwoStacksTest and TcpSegmentingWireTest, {@link TwoStackTransfer}).
 */
class TcpWholeChainWireTest
{
    @Test
    void shouldMove100MegabytesEachWayAsSuperFramesThroughEveryImpairment()
    {
        run(8, (100L << 20) / 8, 0x5EED);
    }

    /**
     * The same over IPv6 (with half the connections over IPv4-mapped addresses, {@link TwoStackTransfer}'s dual
     * stack): GSO_TCPV6 super-segments both ways, damaged ones caught by the IPv6 pseudo-header checksum.
     */
    @Test
    void shouldMove32MegabytesEachWayAsIpv6SuperFramesThroughEveryImpairment()
    {
        run(4, (32L << 20) / 4, 0x6EED, true);
    }

    /**
     * A's port gathers ({@link LinkCapabilities#TX_GATHER}): its super-segments leave with their payload taken from
     * the send buffer's chunks where they lie, and every fifth is refused as by a full kernel queue, so that the
     * interface holds it back (neither copied nor dropped) and TCP sends it again later; B's link, behind the
     * impairment decorator, does not gather (decorators never pass it on). The streams arrive whole both ways, by
     * SHA-256.
     */
    @Test
    void shouldMoveGatheredSuperFramesAndHoldBackRefusedOnes()
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION
            | LinkCapabilities.TX_GATHER).passChainsWhole(true).refuseGatherEvery(5).queueCapacity(4096).build();
        TwoStackTransfer.run(wire, 4, (16L << 20) / 4, 0x6A7E, (a, b, impaired) ->
        {
            final String counters = "\nA gathered " + a.ipCounters().txGathered + ", held back "
                + a.ipCounters().txChainsHeldBack + ", super-segments " + a.ipCounters().ipOutSuperSegments + "\n"
                + a.tcpCounters();
            assertTrue(a.ipCounters().txGathered > 0, () -> "A gathered" + counters);
            assertTrue(a.ipCounters().txChainsHeldBack > 0, () -> "refused ones were held back" + counters);
            assertEquals(a.ipCounters().txChainsHeldBack, a.tcpCounters().linkBusy(), counters);
            assertEquals(0, a.ipCounters().txQueueDrops, counters);
            assertEquals(0, a.ipCounters().txGatherDrops, counters);
            assertEquals(0, b.ipCounters().txGathered, counters);
            assertTrue(b.ipCounters().ipOutSuperSegments > 0, counters);
        }, false);
    }

    @Test
    void shouldRepeatExactlyFromItsSeed()
    {
        final Outcome first = run(2, 1 << 20, 42);
        assertEquals(first, run(2, 1 << 20, 42), "the same seed gives the same run");
        assertFalse(first.equals(run(2, 1 << 20, 43)), "another seed gives another run");
    }

    private static Outcome run(final int connections, final long bytesEachWay, final long seed)
    {
        return run(connections, bytesEachWay, seed, false);
    }

    private static Outcome run(final int connections, final long bytesEachWay, final long seed, final boolean ipv6)
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION
            | (ipv6 ? LinkCapabilities.TX_TCP6_SEGMENTATION : 0))
            .passChainsWhole(true).queueCapacity(4096).build();
        final boolean large = bytesEachWay * connections >= 32L << 20;
        return TwoStackTransfer.run(wire, connections, bytesEachWay, seed, (a, b, impaired) ->
        {
            final String counters = "\nA " + a.ipCounters() + "\n" + a.tcpCounters() + "\nB " + b.ipCounters() + "\n"
                + b.tcpCounters() + "\nimpaired rx " + impaired.rxImpairments().describe() + "\ntx "
                + impaired.txImpairments().describe();
            assertTrue(a.ipCounters().ipOutSuperSegments > 0 && b.ipCounters().ipOutSuperSegments > 0,
                () -> "both stacks sent super-segments" + counters);
            assertTrue(a.ipCounters().superFramesReceived > 0 && b.ipCounters().superFramesReceived > 0,
                () -> "both stacks received them whole" + counters);
            assertEquals(0, a.ipCounters().framesBadChain + b.ipCounters().framesBadChain, counters);
            assertTrue(a.tcpCounters().payloadBuffersLent() > 0 && b.tcpCounters().payloadBuffersLent() > 0,
                () -> "both stacks kept in-order super-segments' buffers for the reader" + counters);
            if (ipv6)
            {
                assertTrue(a.ipCounters().ip6OutSuperSegments > 0 && b.ipCounters().ip6OutSuperSegments > 0,
                    () -> "both stacks sent IPv6 super-segments" + counters);
            }
            if (large)
            {
                // Super-segments damaged on the way both ways, each caught by the receiver's checksum.
                assertTrue(impaired.txImpairments().chains > 0 && impaired.rxImpairments().chains > 0, counters);
                assertTrue(impaired.txImpairments().chainsCorrupted > 0
                    && impaired.rxImpairments().chainsCorrupted > 0, counters);
                assertTrue(a.tcpCounters().badChecksums() > 0 && b.tcpCounters().badChecksums() > 0, counters);
            }
        }, ipv6);
    }
}
