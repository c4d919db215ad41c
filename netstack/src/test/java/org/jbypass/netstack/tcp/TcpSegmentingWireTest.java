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
 * Two whole stacks on a {@link MemoryWire} that cuts TCP super-segments in software (TX_TCP_SEGMENTATION, as
 * Linux's GSO on a device without TSO), one of them behind an {@link ImpairedLink} that loses, reorders, duplicates
 * and corrupts frames both ways (transmitted super-segments lost or duplicated whole): both stacks send TSO-sized
 * super-segments, and every stream arrives whole by SHA-256, TCP's invariants checked as it goes. (A larger run,
 * four connections of 8 MB each way from seed 0x7550, trips TCP's scoreboard invariant in FIN_WAIT_1 with the FIN
 * lost and retransmitted: a TCP matter, reported, not this wire's.)
 *
 * <p>Time is simulated as in TcpTwoStacksTest: both run {@link TwoStackTransfer}, each over its kind of wire.
 */
class TcpSegmentingWireTest
{
    @Test
    void shouldRepeatExactlyFromItsSeed()
    {
        run(4, (32L << 20) / 4, 0x7550);
        final Outcome first = run(2, 1 << 20, 42);
        final Outcome second = run(2, 1 << 20, 42);
        assertEquals(first, second, "the same seed gives the same run");
        assertFalse(first.equals(run(2, 1 << 20, 43)), "another seed gives another run");
    }

    /**
     * The same over IPv6, half the connections over IPv4-mapped addresses ({@link TwoStackTransfer}'s dual stack):
     * both stacks send GSO_TCPV6 super-segments, which the wire cuts into IPv6 segments.
     */
    @Test
    void shouldMoveStreamsOverIpv6AsSuperSegmentsThroughEveryImpairment()
    {
        run(4, (16L << 20) / 4, 0x7556, true);
    }

    private static Outcome run(final int connections, final long bytesEachWay, final long seed)
    {
        return run(connections, bytesEachWay, seed, false);
    }

    private static Outcome run(final int connections, final long bytesEachWay, final long seed, final boolean ipv6)
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION
            | (ipv6 ? LinkCapabilities.TX_TCP6_SEGMENTATION : 0)).build();
        return TwoStackTransfer.run(wire, connections, bytesEachWay, seed, (a, b, impaired) ->
        {
            assertTrue(a.ipCounters().ipOutSuperSegments > 0 && b.ipCounters().ipOutSuperSegments > 0,
                () -> "both stacks sent super-segments: " + a.ipCounters().ipOutSuperSegments + " "
                    + b.ipCounters().ipOutSuperSegments);
            if (ipv6)
            {
                assertTrue(a.ipCounters().ip6OutSuperSegments > 0 && b.ipCounters().ip6OutSuperSegments > 0,
                    () -> "both stacks sent IPv6 super-segments: " + a.ipCounters() + "\n" + b.ipCounters());
            }
            assertTrue(impaired.txImpairments().chains > 0, () -> impaired.txImpairments().describe());
        }, ipv6);
    }
}
