package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.MldMessage;
import org.junit.jupiter.api.Test;

/**
 * MLD for the groups sockets join (RFC 3810 with RFC 2710 compatibility), scripted frame by frame: the state-change
 * reports of joins, source changes and leaves with their retransmissions, the group's MAC in the link's filter
 * (RFC 2464 section 7), the answers to group-and-source-specific queries from the merged filter, version 1 reports
 * and Done, and hostile reports and messages counted and dropped.
 */
class MldMembershipTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final long[] STACK6 = Frames6.addr("2001:db8::2");
    private static final long[] ROUTER_LL = Frames6.addr("fe80::1");
    private static final long[] ALL_NODES = Frames6.addr("ff02::1");
    private static final long[] GROUP = Frames6.addr("ff15::1:2:3");
    private static final String G = "ff15::1:2:3";
    private static final long[] S1 = Frames6.addr("2001:db8::a");
    private static final long[] S2 = Frames6.addr("2001:db8::b");
    private static final long[] S3 = Frames6.addr("2001:db8::c");
    private static final int PORT = 30006;

    /** A stack with one preferred address, its own groups' reports done and taken. */
    private static StackHarness quiet()
    {
        final StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(1024)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), 1500, 0);
        h.stack.addAddress6(h.nif, STACK6[0], STACK6[1], 64);
        for (int i = 0; i < 300; i++)
        {
            h.advance(SECOND / 100);
        }
        h.link.drain();
        return h;
    }

    private static UdpSocket socket(final StackHarness h)
    {
        final UdpSocket s = h.stack.openUdp6(false);
        s.reuseAddress(true);
        assertEquals(0, s.bind6(0, 0, PORT));
        return s;
    }

    /** The records of every version 2 report sent since the last call, in order. */
    private static List<String> reported(final StackHarness h)
    {
        h.poll();
        final List<String> out = new ArrayList<>();
        byte[] f;
        while ((f = h.link.take()) != null)
        {
            if (Frames6.isMld(f))
            {
                final ByteBuffer icmp = ByteBuffer.wrap(f, 62, Frames6.ip6Of(f).payloadLength() - 8).slice();
                if ((icmp.get(0) & 0xFF) == MldMessage.TYPE_V2_REPORT)
                {
                    out.addAll(MldTest.records(icmp));
                }
                else
                {
                    final Ipv6Header ip = Frames6.ip6Of(f);
                    out.add("v1 " + (icmp.get(0) & 0xFF) + " " + Ipv6Address.toString(icmp.getLong(8),
                        icmp.getLong(16)) + " to " + Ipv6Address.toString(ip.destinationHi(), ip.destinationLo()));
                }
            }
        }
        return out;
    }

    private static String s(final long[] address)
    {
        return Ipv6Address.toString(address[0], address[1]);
    }

    /** Runs the clock for a few seconds, past every retransmission (at most 1 s apart in version 2). */
    private static void settle(final StackHarness h, final int seconds)
    {
        for (int i = 0; i < seconds * 100; i++)
        {
            h.advance(SECOND / 100);
        }
    }

    @Test
    void shouldReportJoinSourceChangesAndLeaveWithTheirRetransmissionsAndFilterTheGroupsMac()
    {
        try (StackHarness h = quiet())
        {
            final long mac = Ipv6Address.multicastMac(GROUP[1]);
            assertEquals(0x333300020003L, mac, "33:33 and the group's low 32 bits (RFC 2464 section 7)");
            final UdpSocket a = socket(h);
            final UdpSocket b = socket(h);
            assertEquals(0, a.joinGroup6(GROUP[0], GROUP[1], 0));
            assertTrue(h.link.multicastMacs.contains(mac));
            assertEquals(List.of(MulticastListener.CHANGE_TO_EXCLUDE + " " + G), reported(h), "at once");
            settle(h, 3);
            assertEquals(List.of(MulticastListener.CHANGE_TO_EXCLUDE + " " + G), reported(h),
                "Robustness - 1 = 1 retransmission");
            assertEquals(0, b.joinGroup6(GROUP[0], GROUP[1], 0));
            assertEquals(List.of(), reported(h), "the interface's state did not change");

            // Both block S1: the merged EXCLUDE list gains it (RFC 3810 section 4.2), reported as BLOCK.
            assertEquals(0, a.blockSource6(GROUP[0], GROUP[1], 0, S1[0], S1[1]));
            assertEquals(List.of(), reported(h), "b still takes S1");
            assertEquals(0, b.blockSource6(GROUP[0], GROUP[1], 0, S1[0], S1[1]));
            assertEquals(List.of(MulticastListener.BLOCK_OLD_SOURCES + " " + G + " " + s(S1)), reported(h));
            assertFalse(h.nif.ipv6.mld.allows(GROUP[0], GROUP[1], S1[0], S1[1]));
            assertTrue(h.nif.ipv6.mld.allows(GROUP[0], GROUP[1], S2[0], S2[1]));
            assertEquals(0, a.unblockSource6(GROUP[0], GROUP[1], 0, S1[0], S1[1]));
            assertEquals(List.of(MulticastListener.ALLOW_NEW_SOURCES + " " + G + " " + s(S1)), reported(h),
                "a pending BLOCK turns into ALLOW: the retransmission carries the current change");
            settle(h, 3);
            assertEquals(List.of(MulticastListener.ALLOW_NEW_SOURCES + " " + G + " " + s(S1)), reported(h));

            a.close();
            assertEquals(List.of(MulticastListener.BLOCK_OLD_SOURCES + " " + G + " " + s(S1)), reported(h),
                "closing a leaves b's EXCLUDE {S1}");
            assertEquals(0, b.leaveGroup6(GROUP[0], GROUP[1], 0));
            assertEquals(List.of(MulticastListener.CHANGE_TO_INCLUDE + " " + G), reported(h));
            assertFalse(h.link.multicastMacs.contains(mac), "the MAC goes with the last membership");
            assertFalse(h.nif.ipv6.isMember(GROUP[0], GROUP[1]));
            settle(h, 3);
            assertEquals(List.of(MulticastListener.CHANGE_TO_INCLUDE + " " + G), reported(h));
            assertNull(h.nif.ipv6.mld.find(GROUP[0], GROUP[1]), "forgotten once the leave is retransmitted");
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldAnswerGroupAndSourceSpecificQueriesFromTheMergedFilter()
    {
        try (StackHarness h = quiet())
        {
            final UdpSocket a = socket(h);
            assertEquals(0, a.joinSource6(GROUP[0], GROUP[1], 0, S1[0], S1[1]));
            assertEquals(0, a.joinSource6(GROUP[0], GROUP[1], 0, S2[0], S2[1]));
            assertEquals(-org.jbypass.netstack.util.Errno.EADDRINUSE, a.joinGroup6(GROUP[0], GROUP[1], 0),
                "an any-source join over a source-specific one is refused");
            settle(h, 3);
            reported(h);
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, GROUP, 1, GROUP, 500, false, 2, 125, S2, S3));
            settle(h, 1);
            assertEquals(List.of(MulticastListener.MODE_IS_INCLUDE + " " + G + " " + s(S2)), reported(h),
                "INCLUDE {S1,S2} asked about {S2,S3}: IS_IN {S2} (RFC 3810 section 6.3)");
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, GROUP, 1, GROUP, 500, false, 2, 125));
            settle(h, 1);
            assertEquals(List.of(MulticastListener.MODE_IS_INCLUDE + " " + G + " " + s(S1) + " " + s(S2)),
                reported(h), "a group-specific query: the whole state");
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, ALL_NODES, 1, new long[] {0, 0}, 500, false, 2, 125));
            settle(h, 1);
            final List<String> general = reported(h);
            assertTrue(general.contains(MulticastListener.MODE_IS_INCLUDE + " " + G + " " + s(S1) + " " + s(S2)),
                general.toString());
            assertTrue(general.contains(MulticastListener.MODE_IS_EXCLUDE + " ff02::1:ff00:2"),
                "the solicited-node group, the interface's own membership, in the same report: " + general);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldSpeakVersion1ToAVersion1QuerierWithReportsToTheGroupAndDoneToAllRouters()
    {
        try (StackHarness h = quiet())
        {
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, ALL_NODES, 1, new long[] {0, 0}, 1000, true, 0, 0));
            assertEquals(1, h.nif.ipv6.mld.version());
            settle(h, 2);
            h.link.drain();
            final UdpSocket a = socket(h);
            assertEquals(0, a.joinSource6(GROUP[0], GROUP[1], 0, S1[0], S1[1]));
            assertEquals(List.of("v1 " + MldMessage.TYPE_V1_REPORT + " " + G + " to " + G), reported(h),
                "a version 1 report, to the group; no source filter in version 1");
            assertEquals(0, a.leaveGroup6(GROUP[0], GROUP[1], 0));
            assertEquals(List.of("v1 " + MldMessage.TYPE_V1_DONE + " " + G + " to ff02::2"), reported(h));
            assertEquals(1, h.stack.ipCounters().mldOutDones);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldCountAndDropHostileReportsWithoutSuppressingOurs()
    {
        try (StackHarness h = quiet())
        {
            final UdpSocket a = socket(h);
            assertEquals(0, a.joinGroup6(GROUP[0], GROUP[1], 0));
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, ALL_NODES, 1, new long[] {0, 0}, 10000, true, 0, 0));
            final long before = h.stack.ipCounters().mldInBadReports;
            h.receive(v1Report(Frames6.addr("2001:db8::99"), 1, 24)); // not link-local
            h.receive(v1Report(ROUTER_LL, 255, 24)); // hop limit not 1
            h.receive(v1Report(ROUTER_LL, 1, 12)); // truncated
            assertEquals(before + 3, h.stack.ipCounters().mldInBadReports);
            // A bad checksum never reaches MLD: ICMPv6 drops it (RFC 4443 section 2.4).
            final byte[] corrupt = v1Report(ROUTER_LL, 1, 24);
            corrupt[corrupt.length - 1] ^= 1;
            final long errors = h.stack.ipCounters().icmp6InErrors;
            final long reports = h.stack.ipCounters().mldInReports;
            h.receive(corrupt);
            assertEquals(errors + 1, h.stack.ipCounters().icmp6InErrors);
            assertEquals(reports, h.stack.ipCounters().mldInReports);
            assertEquals(0, h.stack.ipCounters().mldReportsSuppressed, "a hostile report silences nothing");
            h.link.drain();
            settle(h, 11);
            assertTrue(reported(h).contains("v1 " + MldMessage.TYPE_V1_REPORT + " " + G + " to " + G),
                "our answer to the query still went out");
            // A well-formed report from the link does suppress (RFC 2710 section 4).
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, ALL_NODES, 1, new long[] {0, 0}, 10000, true, 0, 0));
            h.receive(v1Report(ROUTER_LL, 1, 24));
            assertTrue(h.stack.ipCounters().mldReportsSuppressed >= 1);
        }
    }

    /**
     * Seeded MLD messages of every type, length, hop limit and source, checksummed so that they get past ICMPv6:
     * nothing throws, the groups stay bounded, and no buffer leaks.
     */
    @Test
    void shouldSurviveSeededHostileMldMessages()
    {
        final SplittableRandom random = new SplittableRandom(0x4D4C44L);
        try (StackHarness h = quiet())
        {
            final UdpSocket a = socket(h);
            assertEquals(0, a.joinGroup6(GROUP[0], GROUP[1], 0));
            final int[] types = {MldMessage.TYPE_QUERY, MldMessage.TYPE_V1_REPORT, MldMessage.TYPE_V1_DONE,
                MldMessage.TYPE_V2_REPORT};
            for (int i = 0; i < 3000; i++)
            {
                final byte[] body = new byte[random.nextInt(0, 120)];
                random.nextBytes(body);
                if (body.length > 0)
                {
                    body[0] = (byte)types[random.nextInt(types.length)];
                }
                if (body.length >= 24 && random.nextBoolean())
                {
                    Ipv6Address.write(ByteBuffer.wrap(body), 8, GROUP[0], GROUP[1]);
                }
                final long[] source = random.nextBoolean() ? ROUTER_LL : Frames6.addr("2001:db8::9");
                final long[] destination = random.nextBoolean() ? ALL_NODES : GROUP;
                final int hopLimit = random.nextInt(4) == 0 ? 255 : 1;
                h.receive(mld(source, destination, hopLimit, body));
                if (random.nextInt(50) == 0)
                {
                    h.advance(random.nextLong(SECOND));
                }
                h.link.drain();
            }
            assertTrue(h.nif.ipv6.mld.groupCount <= MulticastListener.MAX_GROUPS);
            assertTrue(h.stack.ipCounters().mldInBadQueries + h.stack.ipCounters().mldInBadReports > 0);
            settle(h, 300);
            h.link.drain();
            assertEquals(0, h.leakedBuffers());
        }
    }

    private static byte[] v1Report(final long[] source, final int hopLimit, final int length)
    {
        final byte[] body = new byte[length];
        body[0] = (byte)MldMessage.TYPE_V1_REPORT;
        if (length >= 24)
        {
            Ipv6Address.write(ByteBuffer.wrap(body), 8, GROUP[0], GROUP[1]);
        }
        return mld(source, GROUP, hopLimit, body);
    }

    /** An MLD message behind a Router Alert, with its ICMPv6 checksum right when it has a header. */
    private static byte[] mld(final long[] source, final long[] destination, final int hopLimit, final byte[] body)
    {
        if (body.length >= 4)
        {
            body[2] = 0;
            body[3] = 0;
            new Icmpv6Header().wrap(ByteBuffer.wrap(body), 0, body.length).computeChecksum(source[0], source[1],
                destination[0], destination[1]);
        }
        final byte[] payload = new byte[8 + body.length];
        MldMessage.writeRouterAlert(ByteBuffer.wrap(payload), 0);
        System.arraycopy(body, 0, payload, 8, body.length);
        return Frames6.ipv6(Ipv6Address.multicastMac(destination[1]), PEER_MAC, source, destination, 0, hopLimit,
            payload);
    }
}
