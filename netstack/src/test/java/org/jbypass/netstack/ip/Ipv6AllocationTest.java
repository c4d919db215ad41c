package org.jbypass.netstack.ip;

import static org.jbypass.netstack.ip.Ipv6Test.PEER6;
import static org.jbypass.netstack.ip.Ipv6Test.STACK6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.testing.ReplayLink;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * IPv6's per-packet path allocates nothing in steady state (the style of core.AllocationTest): a link replays, from
 * off-heap memory, a neighbour solicitation, an echo request and an 8000-byte echo request in six fragments, every
 * receive; the stack learns and answers the neighbour, answers the echoes (reassembling one and fragmenting its
 * reply), and walks its neighbour entry through STALE, DELAY, PROBE and back as time passes, allocating nothing.
 */
class Ipv6AllocationTest
{
    private static final int WARMUP = 50_000;
    private static final int MEASURED = 50_000;
    private static final long STACK_MAC = MacAddress.parse("02:00:00:00:00:02");
    private static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:01");

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void shouldAnswerNeighboursAndEchoesWithoutAllocating()
    {
        final Stack stack = new Stack(StackConfig.builder().poolBuffers(1024)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), 1_000_000_000L);
        final List<byte[]> frames = new ArrayList<>();
        frames.add(Frames6.solicitation(PEER_MAC, PEER6, STACK6, PEER_MAC));
        frames.add(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 58, 64, Frames6.echo(PEER6, STACK6,
            Icmpv6Header.TYPE_ECHO_REQUEST, 1, 1, new byte[56])));
        final byte[] big = Frames6.echo(PEER6, STACK6, Icmpv6Header.TYPE_ECHO_REQUEST, 2, 2, new byte[8000]);
        for (int off = 0; off < big.length; off += 1448)
        {
            frames.add(Ipv6Test.fragment(big, off, Math.min(1448, big.length - off), 0x5EED));
        }
        final ReplayLink link = new ReplayLink(stack.pool(), STACK_MAC, frames);
        final NetInterface nif = stack.addInterface("replay0", link, 0xC6120002, 24, 0);
        stack.addAddress6(nif, STACK6[0], STACK6[1], 64);
        final long[] now = {1_000_000_000L};
        // A millisecond a round: over the run the neighbour entry goes STALE, DELAY, PROBE, is dropped and learnt
        // again, and the reassembly of each round completes in it.
        final Runnable round = () ->
        {
            now[0] += 1_000_000L;
            stack.poll(now[0]);
        };
        for (int i = 0; i < WARMUP; i++)
        {
            round.run();
        }
        final long before = allocatedBytes();
        for (int i = 0; i < MEASURED; i++)
        {
            round.run();
        }
        final long perRound = (allocatedBytes() - before) / MEASURED;
        System.out.println("IPv6 echo, fragmented echo and NDP through the stack: " + perRound
            + " bytes allocated per round of 8 frames");
        assertEquals(0, perRound, "bytes allocated per round");
        final IpCounters c = stack.ipCounters();
        assertEquals(WARMUP + MEASURED, c.ip6ReasmOks);
        assertTrue(c.icmp6OutEchoReplies >= 2L * (WARMUP + MEASURED) - 10, "echo replies " + c.icmp6OutEchoReplies);
        assertTrue(c.ndpOutSolicits > 0, "the neighbour was probed");
        stack.close();
        assertEquals(0, stack.pool().inUse());
    }
}
