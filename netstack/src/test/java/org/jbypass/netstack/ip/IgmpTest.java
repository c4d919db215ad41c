package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.IgmpHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;
import org.junit.jupiter.api.Test;

/** IGMPv3 (RFC 3376) with v2/v1 compatibility, scripted frame by frame against one stack. */
class IgmpTest
{
    static final int GROUP = Ipv4Address.parse("239.1.2.3");
    static final int OTHER_GROUP = Ipv4Address.parse("239.9.9.9");
    static final int S1 = Ipv4Address.parse("198.18.0.11");
    static final int S2 = Ipv4Address.parse("198.18.0.12");
    static final int S3 = Ipv4Address.parse("198.18.0.13");
    static final long SECOND = 1_000_000_000L;

    /** One group record of a version 3 report. */
    record GroupRecord(int type, int group, int[] sources)
    {
    }

    /** An IGMP message the stack sent, its IP header checked against RFC 3376 section 4. */
    record Sent(int destination, int type, int group, List<GroupRecord> records)
    {
    }

    static Sent takeIgmp(final StackHarness h)
    {
        final byte[] frame = h.takeIpv4();
        if (frame == null)
        {
            return null;
        }
        final Ipv4Header ip = Frames.ipOf(frame);
        assertEquals(Ipv4Header.PROTOCOL_IGMP, ip.protocol());
        assertEquals(1, ip.ttl(), "IGMP goes out with TTL 1");
        assertTrue(ip.hasRouterAlert(), "IGMP carries the Router Alert option");
        assertEquals(24, ip.headerLength());
        assertEquals(STACK_IP, ip.source());
        assertTrue(Frames.ipChecksumOk(frame));
        assertEquals(0x01005E000000L | (ip.destination() & 0x7FFFFF), Frames.ethernet(frame).destination());
        final byte[] payload = Frames.ipPayload(frame);
        final ByteBuffer b = ByteBuffer.wrap(payload);
        assertEquals(0, Checksum.compute(b, 0, payload.length), "IGMP checksum");
        final IgmpHeader igmp = new IgmpHeader().wrap(b, 0, payload.length);
        final List<GroupRecord> records = new ArrayList<>();
        if (igmp.type() == IgmpHeader.TYPE_V3_REPORT)
        {
            int at = 8;
            for (int i = 0; i < igmp.recordCount(); i++)
            {
                final int n = b.getShort(at + 2) & 0xFFFF;
                final int[] sources = new int[n];
                for (int j = 0; j < n; j++)
                {
                    sources[j] = b.getInt(at + 8 + 4 * j);
                }
                records.add(new GroupRecord(b.get(at) & 0xFF, b.getInt(at + 4), sources));
                at += 8 + 4 * n;
            }
            assertEquals(payload.length, at, "records fill the report");
            return new Sent(ip.destination(), igmp.type(), 0, records);
        }
        return new Sent(ip.destination(), igmp.type(), igmp.group(), records);
    }

    /** A query frame from the peer (the querier) to {@code destination}. */
    static byte[] query(final int destination, final int maxRespCode, final int group, final int qrv, final int qqic,
        final int... sources)
    {
        final ByteBuffer b = ByteBuffer.allocate(12 + 4 * sources.length);
        b.put(0, (byte)IgmpHeader.TYPE_QUERY).put(1, (byte)maxRespCode).putInt(4, group);
        b.put(8, (byte)qrv).put(9, (byte)qqic).putShort(10, (short)sources.length);
        for (int i = 0; i < sources.length; i++)
        {
            b.putInt(12 + 4 * i, sources[i]);
        }
        b.putShort(2, (short)Checksum.compute(b, 0, b.capacity()));
        return igmpFrame(destination, b.array());
    }

    /** A v1 (max resp 0) or v2 query, or a v1/v2 report or leave: 8 bytes. */
    static byte[] shortMessage(final int destination, final int type, final int maxRespCode, final int group)
    {
        final ByteBuffer b = ByteBuffer.allocate(8);
        b.put(0, (byte)type).put(1, (byte)maxRespCode).putInt(4, group);
        b.putShort(2, (short)Checksum.compute(b, 0, 8));
        return igmpFrame(destination, b.array());
    }

    static byte[] igmpFrame(final int destination, final byte[] igmp)
    {
        return Frames.ipv4(0x01005E000000L | (destination & 0x7FFFFF), PEER_MAC, PEER_IP, destination,
            Ipv4Header.PROTOCOL_IGMP, 7, 0, 1, igmp);
    }

    static GroupRecord only(final Sent sent)
    {
        assertNotNull(sent, "a report was sent");
        assertEquals(IgmpHeader.TYPE_V3_REPORT, sent.type());
        assertEquals(Igmp.ALL_IGMPV3_ROUTERS, sent.destination(), "v3 reports go to 224.0.0.22");
        assertEquals(1, sent.records().size());
        return sent.records().get(0);
    }

    static Igmp igmp(final StackHarness h)
    {
        return h.stack.ipv4().igmp();
    }

    @Test
    void shouldDecodeMaxRespCodesAndQqicAsFloatingPoint()
    {
        // RFC 3376 section 4.1.1: below 128 the value; else (mant | 0x10) << (exp + 3).
        assertEquals(100, IgmpHeader.decodeCode(100));
        assertEquals(0x10 << 3, IgmpHeader.decodeCode(0x80));
        assertEquals(0x1F << 3, IgmpHeader.decodeCode(0x8F));
        assertEquals(31744, IgmpHeader.decodeCode(0xFF));
    }

    // ------------------------------------------------------------------------------------------------------------
    // State changes (RFC 3376 section 5.1)

    @Test
    void shouldReportAJoinAndRetransmitItRobustnessTimes()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            assertEquals(0, socket.joinGroup(GROUP, 0));
            h.stack.flush();
            final GroupRecord first = only(takeIgmp(h));
            assertEquals(IgmpHeader.CHANGE_TO_EXCLUDE, first.type());
            assertEquals(GROUP, first.group());
            assertEquals(0, first.sources().length);
            assertNull(takeIgmp(h));
            // Robustness 2: one retransmission within the Unsolicited Report Interval (1 s).
            h.advance(SECOND + 1);
            assertEquals(IgmpHeader.CHANGE_TO_EXCLUDE, only(takeIgmp(h)).type());
            h.advance(60 * SECOND);
            assertNull(takeIgmp(h), "no more than Robustness reports");
            assertEquals(2, h.stack.ipCounters().igmpOutReports);
            assertEquals(List.of(0x01005E010203L), h.link.multicastMacs);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldReportALeaveAsChangeToIncludeNothingAndForgetTheGroupAfterItsRetransmissions()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            h.stack.flush();
            h.advance(5 * SECOND);
            h.link.drain();
            assertEquals(0, socket.leaveGroup(GROUP, 0));
            h.stack.flush();
            final GroupRecord leave = only(takeIgmp(h));
            assertEquals(IgmpHeader.CHANGE_TO_INCLUDE, leave.type());
            assertEquals(0, leave.sources().length);
            assertTrue(h.link.multicastMacs.isEmpty(), "the MAC goes at once");
            assertNotNull(igmp(h).group(0, GROUP), "kept for the retransmission");
            h.advance(SECOND + 1);
            assertEquals(IgmpHeader.CHANGE_TO_INCLUDE, only(takeIgmp(h)).type());
            assertNull(igmp(h).group(0, GROUP), "forgotten once the leave is retransmitted");
            assertEquals(-Errno.EADDRNOTAVAIL, socket.leaveGroup(GROUP, 0));
        }
    }

    @Test
    void shouldReportSourceChangesAsAllowAndBlockRecords()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            assertEquals(0, socket.joinSource(GROUP, 0, S1));
            h.stack.flush();
            GroupRecord r = only(takeIgmp(h));
            assertEquals(IgmpHeader.ALLOW_NEW_SOURCES, r.type(), "INCLUDE {} to INCLUDE {S1}: ALLOW {S1}");
            assertArrayEquals(new int[] {S1}, r.sources());
            h.advance(10 * SECOND);
            h.link.drain();
            assertEquals(0, socket.joinSource(GROUP, 0, S2));
            h.stack.flush();
            r = only(takeIgmp(h));
            assertEquals(IgmpHeader.ALLOW_NEW_SOURCES, r.type());
            assertArrayEquals(new int[] {S2}, r.sources());
            h.advance(10 * SECOND);
            h.link.drain();
            assertEquals(0, socket.leaveSource(GROUP, 0, S1));
            h.stack.flush();
            r = only(takeIgmp(h));
            assertEquals(IgmpHeader.BLOCK_OLD_SOURCES, r.type());
            assertArrayEquals(new int[] {S1}, r.sources());
        }
    }

    @Test
    void shouldReportBlockedSourcesOfAnAnySourceJoinInExcludeMode()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            h.advance(10 * SECOND);
            h.link.drain();
            assertEquals(0, socket.blockSource(GROUP, 0, S1));
            h.stack.flush();
            // EXCLUDE {} to EXCLUDE {S1}: S1 is blocked.
            GroupRecord r = only(takeIgmp(h));
            assertEquals(IgmpHeader.BLOCK_OLD_SOURCES, r.type());
            assertArrayEquals(new int[] {S1}, r.sources());
            h.advance(10 * SECOND);
            h.link.drain();
            assertEquals(0, socket.unblockSource(GROUP, 0, S1));
            h.stack.flush();
            r = only(takeIgmp(h));
            assertEquals(IgmpHeader.ALLOW_NEW_SOURCES, r.type());
            assertArrayEquals(new int[] {S1}, r.sources());
        }
    }

    @Test
    void shouldMergeAChangeMadeDuringRetransmissionsIntoThem()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            h.stack.flush();
            h.link.drain();
            // Still retransmitting the TO_EX: a block now is sent as TO_EX of the current state.
            socket.blockSource(GROUP, 0, S1);
            h.stack.flush();
            GroupRecord r = only(takeIgmp(h));
            assertEquals(IgmpHeader.CHANGE_TO_EXCLUDE, r.type());
            assertArrayEquals(new int[] {S1}, r.sources());
            h.advance(SECOND + 1);
            r = only(takeIgmp(h));
            assertEquals(IgmpHeader.CHANGE_TO_EXCLUDE, r.type());
            assertArrayEquals(new int[] {S1}, r.sources());
            h.advance(10 * SECOND);
            assertNull(takeIgmp(h));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Interface state: merging the sockets' filters (RFC 3376 section 3.2)

    @Test
    void shouldMergeSocketFiltersPerInterface()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket a = h.stack.openUdp();
            final UdpSocket b = h.stack.openUdp();
            final UdpSocket c = h.stack.openUdp();
            a.joinGroup(GROUP, 0);
            a.blockSource(GROUP, 0, S1);
            a.blockSource(GROUP, 0, S2);
            b.joinGroup(GROUP, 0);
            b.blockSource(GROUP, 0, S2);
            b.blockSource(GROUP, 0, S3);
            MulticastGroup g = igmp(h).group(0, GROUP);
            assertTrue(g.exclude);
            assertArrayEquals(new int[] {S2}, SourceList.toIpv4(g.sources), "EXCLUDE: the intersection of the excluded lists");
            c.joinSource(GROUP, 0, S2);
            g = igmp(h).group(0, GROUP);
            assertTrue(g.exclude);
            assertArrayEquals(new int[0], SourceList.toIpv4(g.sources), "minus the union of the included lists");
            a.close();
            b.close();
            g = igmp(h).group(0, GROUP);
            assertFalse(g.exclude);
            assertArrayEquals(new int[] {S2}, SourceList.toIpv4(g.sources), "INCLUDE: the union of the included lists");
            assertTrue(igmp(h).allows(0, GROUP, S2));
            assertFalse(igmp(h).allows(0, GROUP, S1));
            c.close();
            assertFalse(igmp(h).isMember(0, GROUP));
        }
    }

    @Test
    void shouldCountGroupMacsSharedByGroupsAndBoundTheGroupTable()
    {
        try (StackHarness h = new StackHarness())
        {
            // 239.1.2.3 and 224.129.2.3 share 01:00:5e:01:02:03 (the low 23 bits).
            final int twin = Ipv4Address.parse("224.129.2.3");
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            socket.joinGroup(twin, 0);
            assertEquals(List.of(0x01005E010203L), h.link.multicastMacs);
            assertEquals(1, h.nif.multicastMacCount());
            socket.leaveGroup(GROUP, 0);
            assertEquals(List.of(0x01005E010203L), h.link.multicastMacs, "still wanted by the twin");
            socket.leaveGroup(twin, 0);
            assertTrue(h.link.multicastMacs.isEmpty());
            assertEquals(0, h.nif.multicastMacCount());

            final UdpSocket[] sockets = new UdpSocket[2];
            sockets[0] = h.stack.openUdp();
            sockets[1] = h.stack.openUdp();
            int joined = 0;
            for (int i = 0; i < MulticastListener.MAX_GROUPS + 10; i++)
            {
                final int group = Ipv4Address.parse("239.2.0.0") + i;
                final int result = sockets[i % 2].joinGroup(group, 0);
                if (result == 0)
                {
                    joined++;
                }
                else
                {
                    assertEquals(-Errno.ENOBUFS, result);
                }
            }
            // The two leaves above are still being retransmitted: their records count.
            assertTrue(joined <= MulticastListener.MAX_GROUPS && joined >= MulticastListener.MAX_GROUPS - 2, "joined " + joined);
            assertTrue(h.stack.ipCounters().igmpGroupsRefused >= 10);
            assertEquals(-Errno.ENODEV, h.stack.openUdp().joinGroup(GROUP, 5));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Queries (RFC 3376 section 5.2)

    @Test
    void shouldAnswerAGeneralQueryWithEveryGroupsStateWithinMaxRespTime()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            socket.joinSource(OTHER_GROUP, 0, S1);
            h.advance(10 * SECOND);
            h.link.drain();
            h.receive(query(Igmp.ALL_SYSTEMS, 100, 0, 2, 125)); // Max Resp Time 10 s
            final long asked = h.now();
            Sent sent = null;
            while (sent == null && h.now() - asked <= 10 * SECOND)
            {
                h.advance(SECOND / 10);
                sent = takeIgmp(h);
            }
            assertNotNull(sent, "answered within Max Resp Time");
            assertEquals(2, sent.records().size());
            for (final GroupRecord r : sent.records())
            {
                if (r.group() == GROUP)
                {
                    assertEquals(IgmpHeader.MODE_IS_EXCLUDE, r.type());
                    assertEquals(0, r.sources().length);
                }
                else
                {
                    assertEquals(OTHER_GROUP, r.group());
                    assertEquals(IgmpHeader.MODE_IS_INCLUDE, r.type());
                    assertArrayEquals(new int[] {S1}, r.sources());
                }
            }
            h.advance(20 * SECOND);
            assertNull(takeIgmp(h), "one answer per query");
            assertEquals(1, h.stack.ipCounters().igmpInQueries);
        }
    }

    @Test
    void shouldAnswerGeneralQueriesAtRandomDelaysSpreadOverMaxRespTime()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            h.advance(10 * SECOND);
            h.link.drain();
            long earliest = Long.MAX_VALUE;
            long latest = 0;
            for (int i = 0; i < 40; i++)
            {
                h.receive(query(Igmp.ALL_SYSTEMS, 50, 0, 2, 125)); // 5 s
                final long asked = h.now();
                Sent sent = null;
                while (sent == null)
                {
                    h.advance(SECOND / 100);
                    sent = takeIgmp(h);
                    assertTrue(h.now() - asked <= 5 * SECOND + SECOND / 100, "late answer");
                }
                earliest = Math.min(earliest, h.now() - asked);
                latest = Math.max(latest, h.now() - asked);
            }
            assertTrue(earliest < SECOND && latest > 4 * SECOND, "spread: " + earliest + ".." + latest);
        }
    }

    @Test
    void shouldAnswerAGroupSpecificQueryWithThatGroupOnly()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            socket.joinGroup(OTHER_GROUP, 0);
            h.advance(10 * SECOND);
            h.link.drain();
            h.receive(query(GROUP, 10, GROUP, 2, 125)); // 1 s
            h.advance(SECOND + 1);
            final GroupRecord r = only(takeIgmp(h));
            assertEquals(IgmpHeader.MODE_IS_EXCLUDE, r.type());
            assertEquals(GROUP, r.group());
            // A query about a group the stack has not joined never reaches IGMP (filtered by MAC and group).
            h.receive(query(Ipv4Address.parse("239.7.7.7"), 10, Ipv4Address.parse("239.7.7.7"), 2, 125));
            h.advance(2 * SECOND);
            assertNull(takeIgmp(h));
        }
    }

    @Test
    void shouldAnswerAGroupAndSourceSpecificQueryWithTheQueriedSourcesItReceives()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinSource(GROUP, 0, S1);
            socket.joinSource(GROUP, 0, S2);
            h.advance(10 * SECOND);
            h.link.drain();
            h.receive(query(GROUP, 10, GROUP, 2, 125, S2, S3));
            h.advance(SECOND + 1);
            GroupRecord r = only(takeIgmp(h));
            assertEquals(IgmpHeader.MODE_IS_INCLUDE, r.type());
            assertArrayEquals(new int[] {S2}, r.sources(), "INCLUDE {S1,S2} asked about {S2,S3}: IS_IN {S2}");

            final UdpSocket any = h.stack.openUdp();
            any.joinGroup(OTHER_GROUP, 0);
            any.blockSource(OTHER_GROUP, 0, S1);
            h.advance(10 * SECOND);
            h.link.drain();
            h.receive(query(OTHER_GROUP, 10, OTHER_GROUP, 2, 125, S1, S3));
            h.advance(SECOND + 1);
            r = only(takeIgmp(h));
            assertEquals(IgmpHeader.MODE_IS_INCLUDE, r.type());
            assertArrayEquals(new int[] {S3}, r.sources(), "EXCLUDE {S1} asked about {S1,S3}: IS_IN {S3}");
        }
    }

    @Test
    void shouldNotScheduleASecondAnswerWhenAGeneralOneIsDueSooner()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            h.advance(10 * SECOND);
            h.link.drain();
            h.receive(query(Igmp.ALL_SYSTEMS, 0, 0, 2, 125)); // Max Resp 0: at once
            h.advance(1);
            assertNotNull(takeIgmp(h));
            h.receive(query(Igmp.ALL_SYSTEMS, 100, 0, 2, 125));
            h.receive(query(GROUP, 100, GROUP, 2, 125));
            h.advance(11 * SECOND);
            int answers = 0;
            while (takeIgmp(h) != null)
            {
                answers++;
            }
            assertTrue(answers >= 1 && answers <= 2, "answers " + answers);
        }
    }

    @Test
    void shouldAdoptTheQueriersRobustness()
    {
        try (StackHarness h = new StackHarness())
        {
            h.receive(query(Igmp.ALL_SYSTEMS, 10, 0, 4, 125));
            h.advance(2 * SECOND);
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            h.stack.flush();
            int reports = 0;
            for (int i = 0; i < 100; i++)
            {
                h.advance(SECOND / 10);
                while (takeIgmp(h) != null)
                {
                    reports++;
                }
            }
            assertEquals(4, reports, "QRV 4: a report and three retransmissions");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Older queriers (RFC 3376 section 7, RFC 2236)

    @Test
    void shouldSpeakVersion2WhileAVersion2QuerierIsPresent()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            h.receive(shortMessage(Igmp.ALL_SYSTEMS, IgmpHeader.TYPE_QUERY, 100, 0));
            assertEquals(2, igmp(h).version(0));
            socket.joinGroup(GROUP, 0);
            h.stack.flush();
            Sent sent = takeIgmp(h);
            assertEquals(IgmpHeader.TYPE_V2_REPORT, sent.type());
            assertEquals(GROUP, sent.group());
            assertEquals(GROUP, sent.destination(), "a v2 report goes to its group");
            h.advance(10 * SECOND + 1);
            assertEquals(IgmpHeader.TYPE_V2_REPORT, takeIgmp(h).type(), "repeated once (RFC 2236 section 3)");
            assertNull(takeIgmp(h));
            socket.blockSource(GROUP, 0, S1);
            h.stack.flush();
            assertNull(takeIgmp(h), "v2 has no source filters to report");

            // A general query: a v2 report for the group within Max Resp Time.
            h.receive(shortMessage(Igmp.ALL_SYSTEMS, IgmpHeader.TYPE_QUERY, 20, 0));
            h.advance(2 * SECOND + 1);
            sent = takeIgmp(h);
            assertEquals(IgmpHeader.TYPE_V2_REPORT, sent.type());

            socket.leaveGroup(GROUP, 0);
            h.stack.flush();
            sent = takeIgmp(h);
            assertEquals(IgmpHeader.TYPE_V2_LEAVE, sent.type());
            assertEquals(Igmp.ALL_ROUTERS, sent.destination());
            assertEquals(GROUP, sent.group());

            // Older Version Querier Present Timeout: 2 x 125 s + 2 s from the last v2 query (2 s ago).
            h.advance(248 * SECOND);
            assertEquals(2, igmp(h).version(0));
            h.advance(3 * SECOND);
            assertEquals(3, igmp(h).version(0));
        }
    }

    @Test
    void shouldSuppressItsV2ReportWhenAnotherHostReportsFirst()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            h.receive(shortMessage(Igmp.ALL_SYSTEMS, IgmpHeader.TYPE_QUERY, 100, 0));
            h.advance(20 * SECOND);
            h.link.drain();
            h.receive(shortMessage(Igmp.ALL_SYSTEMS, IgmpHeader.TYPE_QUERY, 100, 0));
            h.receive(shortMessage(GROUP, IgmpHeader.TYPE_V2_REPORT, 0, GROUP));
            h.advance(11 * SECOND);
            assertNull(takeIgmp(h), "another member answered");
            assertEquals(1, h.stack.ipCounters().igmpReportsSuppressed);
        }
    }

    @Test
    void shouldSpeakVersion1WithAVersion1QuerierAndSendNoLeave()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            h.stack.flush();
            assertEquals(IgmpHeader.TYPE_V3_REPORT, takeIgmp(h).type());
            // The mode change cancels the pending v3 retransmission (RFC 3376 section 7.2.1).
            h.receive(shortMessage(Igmp.ALL_SYSTEMS, IgmpHeader.TYPE_QUERY, 0, 0));
            assertEquals(1, igmp(h).version(0));
            h.advance(10 * SECOND + 1);
            final Sent sent = takeIgmp(h);
            assertEquals(IgmpHeader.TYPE_V1_REPORT, sent.type(), "the v1 query answered with a v1 report");
            assertNull(takeIgmp(h));
            socket.leaveGroup(GROUP, 0);
            h.stack.flush();
            assertNull(takeIgmp(h), "IGMPv1 has no leave");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Hostile input

    @Test
    void shouldCountAndDropMalformedIgmp()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            h.advance(10 * SECOND);
            h.link.drain();
            final IpCounters c = h.stack.ipCounters();

            final byte[] badChecksum = query(Igmp.ALL_SYSTEMS, 10, 0, 2, 125);
            badChecksum[34 + 2] ^= 0x55;
            h.receive(badChecksum);
            assertEquals(1, c.igmpInBadChecksum);

            h.receive(igmpFrame(Igmp.ALL_SYSTEMS, new byte[] {0x11, 10, 0, 0, 0}));
            assertEquals(1, c.igmpInTooShort);

            // A v3 query claiming 100 sources it does not carry: truncated.
            final ByteBuffer b = ByteBuffer.allocate(16);
            b.put(0, (byte)0x11).put(1, (byte)10).putShort(10, (short)100).putInt(12, S1);
            b.putShort(2, (short)Checksum.compute(b, 0, 16));
            h.receive(igmpFrame(Igmp.ALL_SYSTEMS, b.array()));
            assertEquals(2, c.igmpInTooShort);

            // 10 bytes: no version's query (RFC 3376 section 7.1).
            final ByteBuffer ten = ByteBuffer.allocate(10);
            ten.put(0, (byte)0x11).put(1, (byte)10);
            ten.putShort(2, (short)Checksum.compute(ten, 0, 10));
            h.receive(igmpFrame(Igmp.ALL_SYSTEMS, ten.array()));
            // A group query sent to all-systems, and a general query sent to a group.
            h.receive(query(Igmp.ALL_SYSTEMS, 10, GROUP, 2, 125));
            h.receive(query(GROUP, 10, 0, 2, 125));
            assertEquals(3, c.igmpInBadQueries);

            h.receive(shortMessage(Igmp.ALL_SYSTEMS, 0x42, 0, 0));
            assertEquals(1, c.igmpInIgnored);
            h.advance(10 * SECOND);
            assertNull(takeIgmp(h), "nothing answered");
            assertEquals(0, c.igmpInQueries);
            assertEquals(3, igmp(h).version(0), "no version change from garbage");
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldRateLimitAFloodOfQueries()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.joinGroup(GROUP, 0);
            h.advance(10 * SECOND);
            h.link.drain();
            final long sentBefore = h.stack.ipCounters().igmpOutMsgs;
            for (int i = 0; i < 1000; i++)
            {
                h.receive(query(GROUP, 0, GROUP, 2, 125)); // each asks for an answer at once; time stands still
            }
            h.advance(1);
            final IpCounters c = h.stack.ipCounters();
            assertEquals(QueryRate.BURST, c.igmpInQueries);
            assertEquals(1000 - QueryRate.BURST, c.igmpInQueriesRateLimited);
            assertTrue(c.igmpOutMsgs - sentBefore <= QueryRate.BURST);
            h.link.drain();
            // A second later the rate lets some in again.
            h.advance(SECOND);
            h.receive(query(GROUP, 0, GROUP, 2, 125));
            assertEquals(QueryRate.BURST + 1, c.igmpInQueries);
            assertEquals(0, h.leakedBuffers());
        }
    }
}
