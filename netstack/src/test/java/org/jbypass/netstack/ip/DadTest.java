package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.NdpOptions;
import org.junit.jupiter.api.Test;

/**
 * Duplicate address detection's random delay before the first solicitation (RFC 4862 section 5.4.2) and its nonces
 * (RFC 7527): our own solicitation looped back is told from a duplicate's, even one with our MAC.
 */
class DadTest
{
    private static final long MILLI = 1_000_000L;
    private static final long[] STACK6 = Frames6.addr("2001:db8::2");
    private static final long[] STACK_LL = Frames6.addr("fe80::ff:fe00:2");

    /** A stack with the default DAD (one solicitation after up to 1 s), seeded, MLD set aside. */
    private static StackHarness stack(final long seed)
    {
        final StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(1024).seed(seed)
            .ipv6(Ipv6Config.DEFAULT).build(), 1500, 0);
        h.link.drain();
        h.link.setAside(Frames6::isMld);
        return h;
    }

    /** Adds the address and returns after how many milliseconds its DAD solicitation left (stepping by 1 ms). */
    private static long firstSolicitationAfter(final StackHarness h)
    {
        h.stack.addAddress6(h.nif, STACK6[0], STACK6[1], 64);
        for (long ms = 0; ms <= 1000; ms++)
        {
            byte[] f;
            while ((f = h.link.take()) != null)
            {
                assertTrue(Frames6.isIcmp6(f, Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION));
                if (Frames6.ip6Payload(f).length >= 24 && target(f)[1] == STACK6[1])
                {
                    return ms;
                }
            }
            h.advance(MILLI);
        }
        return -1;
    }

    private static long[] target(final byte[] ns)
    {
        final ByteBuffer b = ByteBuffer.wrap(ns);
        return new long[] {b.getLong(54 + 8), b.getLong(54 + 16)};
    }

    /** The nonce option of a DAD solicitation (RFC 7527 section 3), checked for its form. */
    private static long nonce(final byte[] ns)
    {
        final byte[] icmp = Frames6.ip6Payload(ns);
        assertEquals(32, icmp.length, "the target and one option");
        assertEquals(NdpOptions.NONCE, icmp[24]);
        assertEquals(1, icmp[25]);
        return ByteBuffer.wrap(icmp).getLong(24) & 0xFFFF_FFFF_FFFFL;
    }

    @Test
    void shouldWaitASeededRandomDelayBeforeTheFirstSolicitation()
    {
        final long a;
        final long again;
        final long b;
        try (StackHarness h = stack(1))
        {
            a = firstSolicitationAfter(h);
        }
        try (StackHarness h = stack(1))
        {
            again = firstSolicitationAfter(h);
        }
        try (StackHarness h = stack(2))
        {
            b = firstSolicitationAfter(h);
        }
        assertTrue(a >= 0 && a <= 1000 && b >= 0 && b <= 1000, a + " " + b + " ms: within MAX_RTR_SOLICITATION_DELAY");
        assertEquals(a, again, "the same seed, the same delay");
        assertNotEquals(a, b, "another seed, another delay");
    }

    @Test
    void shouldIgnoreItsOwnSolicitationLoopedBackAndDetectADuplicateWithItsMac()
    {
        try (StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(1024).seed(3)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(2).withDadDelayNanos(0)).build(), 1500, 0))
        {
            h.link.drain();
            h.link.setAside(Frames6::isMld);
            h.stack.addAddress6(h.nif, STACK6[0], STACK6[1], 64);
            h.poll();
            byte[] ours = null;
            byte[] f;
            while ((f = h.link.take()) != null)
            {
                if (target(f)[1] == STACK6[1])
                {
                    ours = f;
                }
            }
            assertNotNull(ours);
            final long first = nonce(ours);
            // A link that loops multicast back (RFC 7527 section 1) hands us our own solicitation: not a duplicate.
            h.receive(ours);
            assertEquals(1, h.stack.ipCounters().dadLoopedBack);
            assertEquals(Ipv6Interface.TENTATIVE, h.stack.ipv6().addressState(STACK6[0], STACK6[1]));
            // The second solicitation has a fresh nonce; the first one's still counts as ours.
            h.advance(1100 * MILLI);
            byte[] second = null;
            while ((f = h.link.take()) != null)
            {
                if (target(f)[1] == STACK6[1])
                {
                    second = f;
                }
            }
            assertNotNull(second);
            assertNotEquals(first, nonce(second));
            h.receive(ours);
            h.receive(second);
            assertEquals(3, h.stack.ipCounters().dadLoopedBack);
            // Another node with our MAC (a cloned virtual machine) doing DAD for the address: its nonce differs.
            final byte[] clone = ours.clone();
            clone[54 + 24 + 2] ^= 0x5A;
            fixChecksum(clone);
            h.receive(clone);
            assertEquals(Ipv6Interface.DUPLICATE, h.stack.ipv6().addressState(STACK6[0], STACK6[1]));
            assertEquals(1, h.stack.ipCounters().dadDuplicates);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldTreatASolicitationWithoutNonceAsADuplicate()
    {
        try (StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(1024)
            .ipv6(Ipv6Config.DEFAULT.withDadDelayNanos(0)).build(), 1500, 0))
        {
            h.link.drain();
            h.stack.addAddress6(h.nif, STACK6[0], STACK6[1], 64);
            // RFC 4862 5.4.3 from a node without RFC 7527: the same MAC as ours, no nonce.
            final long[] none = {0, 0};
            final long[] group = {Ipv6Address.solicitedNodeHi(), Ipv6Address.solicitedNodeLo(STACK6[1])};
            h.receive(Frames6.ipv6(Ipv6Address.multicastMac(group[1]), STACK_MAC, none, group, 58, 255,
                Frames6.icmp6(none, group, Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION, 0, 0,
                    Frames6.neighborBody(STACK6, 0, -1))));
            assertEquals(Ipv6Interface.DUPLICATE, h.stack.ipv6().addressState(STACK6[0], STACK6[1]));
            assertEquals(0, h.stack.ipCounters().dadLoopedBack);
            // the link-local address, not solicited for, passes
            h.advance(2000 * MILLI);
            assertEquals(Ipv6Interface.PREFERRED, h.stack.ipv6().addressState(STACK_LL[0], STACK_LL[1]));
        }
    }

    private static void fixChecksum(final byte[] frame)
    {
        final var ip = Frames6.ip6Of(frame);
        new Icmpv6Header().wrap(ByteBuffer.wrap(frame), 54, ip.payloadLength()).computeChecksum(ip.sourceHi(),
            ip.sourceLo(), ip.destinationHi(), ip.destinationLo());
    }
}
