package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.MldMessage;
import org.junit.jupiter.api.Test;

/**
 * MLD as a listener (RFC 3810, RFC 2710), scripted frame by frame: the reports of the solicited-node groups, their
 * retransmissions, the answers to queries after their delays, the version 1 compatibility mode, and hostile queries.
 */
class MldTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final long[] STACK6 = Frames6.addr("2001:db8::2");
    /** Another address, with another solicited-node group (ff02::1:ff01:3). */
    private static final long[] STACK6_B = Frames6.addr("2001:db8::1:3");
    private static final long[] STACK_LL = Frames6.addr("fe80::ff:fe00:2");
    private static final long[] ROUTER_LL = Frames6.addr("fe80::1");
    private static final long[] ALL_NODES = Frames6.addr("ff02::1");
    private static final long[] GROUP_A = Frames6.addr("ff02::1:ff00:2");
    private static final long[] GROUP_B = Frames6.addr("ff02::1:ff01:3");
    private static final long[] ALL_MLDV2_ROUTERS = Frames6.addr("ff02::16");

    /** A stack whose IPv6 addresses are added by the test; DAD as asked. */
    private static StackHarness stack(final int dadTransmits)
    {
        final StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(1024)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(dadTransmits).withDadDelayNanos(0)).build(), 1500, 0);
        h.link.drain();
        return h;
    }

    /** A stack with both addresses, preferred, their unsolicited reports and retransmissions done and taken. */
    private static StackHarness quiet()
    {
        final StackHarness h = stack(0);
        h.stack.addAddress6(h.nif, STACK6[0], STACK6[1], 64);
        h.stack.addAddress6(h.nif, STACK6_B[0], STACK6_B[1], 64);
        for (int i = 0; i < 200; i++)
        {
            h.advance(SECOND / 100);
        }
        h.link.drain();
        return h;
    }

    private static List<byte[]> takeAll(final StackHarness h)
    {
        final List<byte[]> frames = new ArrayList<>();
        byte[] f;
        while ((f = h.link.take()) != null)
        {
            frames.add(f);
        }
        return frames;
    }

    /** Checks what every MLD message must carry (RFC 3810 section 5) and returns its ICMPv6 bytes. */
    private static ByteBuffer checkedMld(final byte[] frame, final long[] source, final long[] destination)
    {
        assertTrue(Frames6.isMld(frame), "an MLD message behind a Router Alert");
        final Ipv6Header ip = Frames6.ip6Of(frame);
        assertEquals(1, ip.hopLimit());
        assertEquals(Ipv6Header.NEXT_HOP_BY_HOP, ip.nextHeader());
        assertArrayEquals(new byte[] {58, 0, 5, 2, 0, 0, 1, 0}, java.util.Arrays.copyOfRange(frame, 54, 62),
            "hop-by-hop header: Router Alert value 0 (MLD), PadN");
        assertEquals(source[0], ip.sourceHi());
        assertEquals(source[1], ip.sourceLo());
        assertEquals(destination[0], ip.destinationHi());
        assertEquals(destination[1], ip.destinationLo());
        assertEquals(Ipv6Address.multicastMac(destination[1]), Frames.ethernet(frame).destination());
        assertEquals(STACK_MAC, Frames.ethernet(frame).source());
        final int icmpLength = ip.payloadLength() - 8;
        assertTrue(new Icmpv6Header().wrap(ByteBuffer.wrap(frame), 62, icmpLength).checksumOk(ip.sourceHi(),
            ip.sourceLo(), ip.destinationHi(), ip.destinationLo()), "checksum");
        return ByteBuffer.wrap(frame, 62, icmpLength).slice();
    }

    /** A version 2 report's records as "type group" strings, followed by " source" for each of its sources. */
    static List<String> records(final ByteBuffer report)
    {
        assertEquals(MldMessage.TYPE_V2_REPORT, report.get(0) & 0xFF);
        final int count = report.getShort(6) & 0xFFFF;
        final List<String> out = new ArrayList<>();
        int at = 8;
        for (int i = 0; i < count; i++)
        {
            assertEquals(0, report.get(at + 1), "no auxiliary data");
            final int sources = report.getShort(at + 2) & 0xFFFF;
            final StringBuilder record = new StringBuilder().append(report.get(at) & 0xFF).append(' ')
                .append(Ipv6Address.toString(report.getLong(at + 4), report.getLong(at + 12)));
            for (int j = 0; j < sources; j++)
            {
                final int s = at + 20 + 16 * j;
                record.append(' ').append(Ipv6Address.toString(report.getLong(s), report.getLong(s + 8)));
            }
            out.add(record.toString());
            at += 20 + 16 * sources;
        }
        assertEquals(at, report.limit(), "the records fill the report");
        return out;
    }

    private static byte[] generalQuery(final int maxResponseMillis)
    {
        return Frames6.mldQuery(PEER_MAC, ROUTER_LL, ALL_NODES, 1, new long[] {0, 0}, maxResponseMillis, false, 2,
            125);
    }

    @Test
    void shouldReportSolicitedNodeGroupBeforeDadFromUnspecifiedThenRetransmitOnce()
    {
        try (StackHarness h = stack(1))
        {
            h.stack.addAddress6(h.nif, STACK6[0], STACK6[1], 64);
            h.poll();
            final List<byte[]> first = takeAll(h);
            // The link-local and the global address share ff02::1:ff00:2: one report, before the first DAD
            // solicitation (RFC 4862 5.4.2), from :: since no link-local address is usable yet (RFC 3810 5.2.13).
            assertEquals(3, first.size(), "one report, two DAD solicitations");
            final ByteBuffer report = checkedMld(first.get(0), new long[] {0, 0}, ALL_MLDV2_ROUTERS);
            assertEquals(List.of(MldMessage.CHANGE_TO_EXCLUDE + " ff02::1:ff00:2"), records(report));
            assertTrue(Frames6.isIcmp6(first.get(1), Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION));
            assertTrue(Frames6.isIcmp6(first.get(2), Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION));
            // Robustness 2: one retransmission within the Unsolicited Report Interval (1 s), then nothing.
            final List<byte[]> later = new ArrayList<>();
            for (int i = 0; i < 30; i++)
            {
                h.advance(SECOND / 10);
                later.addAll(takeAll(h));
            }
            final List<byte[]> reports = later.stream().filter(Frames6::isMld).toList();
            assertEquals(1, reports.size());
            assertEquals(2, h.stack.ipCounters().mldOutReports);
            assertEquals(List.of(MldMessage.CHANGE_TO_EXCLUDE + " ff02::1:ff00:2"),
                records(checkedMld(reports.get(0), new long[] {0, 0}, ALL_MLDV2_ROUTERS)),
                "sent within the second, while the addresses were still tentative");
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldAnswerGeneralQueryWithEveryGroupWithinTheMaximumResponseDelay()
    {
        try (StackHarness h = quiet())
        {
            assertEquals(4, h.stack.ipCounters().mldOutReports, "two groups, each reported twice");
            h.receive(generalQuery(1000));
            final List<byte[]> reports = new ArrayList<>();
            for (int i = 0; i < 10; i++)
            {
                reports.addAll(takeAll(h));
                h.advance(SECOND / 10);
            }
            reports.addAll(takeAll(h));
            assertEquals(1, reports.size(), "one report, sent within the 1 s asked for");
            assertEquals(List.of(MldMessage.MODE_IS_EXCLUDE + " ff02::1:ff00:2",
                MldMessage.MODE_IS_EXCLUDE + " ff02::1:ff01:3"), records(checkedMld(reports.get(0), STACK_LL,
                    ALL_MLDV2_ROUTERS)));
            assertEquals(1, h.stack.ipCounters().mldInQueries);
            h.advance(10 * SECOND);
            assertTrue(takeAll(h).isEmpty(), "answered once");
        }
    }

    @Test
    void shouldAnswerGroupSpecificQueryWithThatGroupOnly()
    {
        try (StackHarness h = quiet())
        {
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, GROUP_B, 1, GROUP_B, 500, false, 2, 125));
            h.advance(SECOND);
            final List<byte[]> reports = takeAll(h);
            assertEquals(1, reports.size());
            assertEquals(List.of(MldMessage.MODE_IS_EXCLUDE + " ff02::1:ff01:3"),
                records(checkedMld(reports.get(0), STACK_LL, ALL_MLDV2_ROUTERS)));
            // A group-and-source-specific query: every source is let in (EXCLUDE {}), so the queried source is
            // reported as included (RFC 3810 section 6.3).
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, GROUP_A, 1, GROUP_A, 500, false, 2, 125, STACK6_B));
            h.advance(SECOND);
            final List<byte[]> again = takeAll(h);
            assertEquals(1, again.size());
            assertEquals(List.of(MldMessage.MODE_IS_INCLUDE + " ff02::1:ff00:2 "
                + Ipv6Address.toString(STACK6_B[0], STACK6_B[1])),
                records(checkedMld(again.get(0), STACK_LL, ALL_MLDV2_ROUTERS)));
            // Not a group of ours: the frame is not even received.
            final long[] other = Frames6.addr("ff02::1:ff99:9");
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, other, 1, other, 500, false, 2, 125));
            h.advance(SECOND);
            assertTrue(takeAll(h).isEmpty());
        }
    }

    @Test
    void shouldSpeakVersion1WhileAVersion1QuerierIsHeardAndSuppressOnOthersReports()
    {
        try (StackHarness h = quiet())
        {
            final Mld mld = h.nif.ipv6.mld;
            assertEquals(2, mld.version());
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, ALL_NODES, 1, new long[] {0, 0}, 1000, true, 0, 0));
            assertEquals(1, mld.version());
            // Another listener reports group A at once (RFC 2710 section 4): our pending report of it is dropped.
            final byte[] otherReport = new byte[24];
            final ByteBuffer r = ByteBuffer.wrap(otherReport);
            r.put(0, (byte)MldMessage.TYPE_V1_REPORT);
            Ipv6Address.write(r, 8, GROUP_A[0], GROUP_A[1]);
            new Icmpv6Header().wrap(r, 0, 24).computeChecksum(ROUTER_LL[0], ROUTER_LL[1] + 1, GROUP_A[0],
                GROUP_A[1]);
            final byte[] payload = new byte[32];
            MldMessage.writeRouterAlert(ByteBuffer.wrap(payload), 0);
            System.arraycopy(otherReport, 0, payload, 8, 24);
            h.receive(Frames6.ipv6(Ipv6Address.multicastMac(GROUP_A[1]), PEER_MAC,
                new long[] {ROUTER_LL[0], ROUTER_LL[1] + 1}, GROUP_A, 0, 1, payload));
            assertEquals(1, h.stack.ipCounters().mldInReports);
            h.advance(SECOND);
            final List<byte[]> reports = takeAll(h);
            assertEquals(1, reports.size(), "group B only");
            final ByteBuffer v1 = checkedMld(reports.get(0), STACK_LL, GROUP_B);
            assertEquals(24, v1.limit());
            assertEquals(MldMessage.TYPE_V1_REPORT, v1.get(0) & 0xFF);
            assertEquals(GROUP_B[1], v1.getLong(16));
            assertEquals(1, h.stack.ipCounters().mldReportsSuppressed);
            // A join while in version 1 mode is reported in version 1, to the group, retransmitted within 10 s.
            final long[] third = Frames6.addr("2001:db8::2:4");
            final long[] groupC = Frames6.addr("ff02::1:ff02:4");
            h.stack.addAddress6(h.nif, third[0], third[1], 64);
            h.poll();
            final List<byte[]> joined = takeAll(h);
            assertEquals(1, joined.size());
            assertEquals(MldMessage.TYPE_V1_REPORT, checkedMld(joined.get(0), STACK_LL, groupC).get(0) & 0xFF);
            h.advance(10 * SECOND);
            assertEquals(1, takeAll(h).size(), "the retransmission");
            // Section 8.2.1: Robustness x Query Interval + the query's delay without a version 1 query: version 2.
            h.advance(2 * 125 * SECOND);
            assertEquals(2, mld.version());
            h.receive(generalQuery(0));
            h.poll();
            final List<byte[]> v2 = takeAll(h);
            assertEquals(1, v2.size());
            assertEquals(3, records(checkedMld(v2.get(0), STACK_LL, ALL_MLDV2_ROUTERS)).size());
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldLearnRobustnessFromTheQuerier()
    {
        try (StackHarness h = quiet())
        {
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, ALL_NODES, 1, new long[] {0, 0}, 0, false, 4, 125));
            assertEquals(4, h.nif.ipv6.mld.robustness());
            h.poll();
            h.link.drain();
            h.stack.addAddress6(h.nif, Frames6.addr("2001:db8::2:4")[0], Frames6.addr("2001:db8::2:4")[1], 64);
            for (int i = 0; i < 500; i++)
            {
                h.advance(SECOND / 100);
            }
            final List<byte[]> reports = takeAll(h);
            assertEquals(4, reports.size(), "the report and Robustness - 1 retransmissions");
            for (final byte[] f : reports)
            {
                assertEquals(List.of(MldMessage.CHANGE_TO_EXCLUDE + " ff02::1:ff02:4"),
                    records(checkedMld(f, STACK_LL, ALL_MLDV2_ROUTERS)));
            }
        }
    }

    @Test
    void shouldCountAndDropHostileQueries()
    {
        try (StackHarness h = quiet())
        {
            final IpCounters c = h.stack.ipCounters();
            final long[] none = {0, 0};
            // not link-local (RFC 3810 5.1.14), hop limit not 1, a general query to a group address
            h.receive(Frames6.mldQuery(PEER_MAC, Frames6.addr("2001:db8::1"), ALL_NODES, 1, none, 0, false, 2, 125));
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, ALL_NODES, 64, none, 0, false, 2, 125));
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, GROUP_A, 1, none, 0, false, 2, 125));
            // a group-specific query to all-nodes, for another group than its destination
            h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, ALL_NODES, 1, GROUP_A, 0, false, 2, 125));
            // sources counted past the end: a version 2 query claiming 3 sources with 1
            final byte[] lying = Frames6.mldQuery(PEER_MAC, ROUTER_LL, ALL_NODES, 1, none, 0, false, 2, 125,
                STACK6);
            lying[62 + 27] = 3;
            fixChecksum(lying);
            h.receive(lying);
            // 26 bytes: neither version (section 8.1)
            final byte[] odd = Frames6.mldQuery(PEER_MAC, ROUTER_LL, ALL_NODES, 1, none, 0, false, 2, 125);
            final byte[] cut = java.util.Arrays.copyOf(odd, 62 + 26);
            final ByteBuffer cb = ByteBuffer.wrap(cut);
            cb.putShort(14 + 4, (short)(8 + 26));
            fixChecksum(cut);
            h.receive(cut);
            h.advance(SECOND);
            assertEquals(6, c.mldInBadQueries);
            assertEquals(0, c.mldInQueries);
            assertTrue(takeAll(h).isEmpty(), "nothing answered");
            // a flood is answered only as far as the rate allows
            final long before = c.mldOutReports;
            for (int i = 0; i < 1000; i++)
            {
                h.receive(Frames6.mldQuery(PEER_MAC, ROUTER_LL, GROUP_A, 1, GROUP_A, 0, false, 2, 125));
            }
            h.advance(1);
            assertEquals(QueryRate.BURST, c.mldInQueries);
            assertEquals(1000 - QueryRate.BURST, c.mldInQueriesRateLimited);
            assertTrue(c.mldOutReports - before <= QueryRate.BURST);
            assertFalse(c.mldOutReports == before, "the first ones are answered");
            assertEquals(0, h.leakedBuffers());
        }
    }

    /** Recomputes the ICMPv6 checksum of a test-made MLD frame. */
    private static void fixChecksum(final byte[] frame)
    {
        final Ipv6Header ip = Frames6.ip6Of(frame);
        final ByteBuffer b = ByteBuffer.wrap(frame);
        new Icmpv6Header().wrap(b, 62, ip.payloadLength() - 8).computeChecksum(ip.sourceHi(), ip.sourceLo(),
            ip.destinationHi(), ip.destinationLo());
    }
}
