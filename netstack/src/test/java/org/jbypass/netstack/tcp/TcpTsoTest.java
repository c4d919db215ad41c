package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.jbypass.netstack.link.PacketBurst;
import org.junit.jupiter.api.Test;

/**
 * TCP's segmentation offload, scripted: the size of what one send hands a link that segments (Linux's
 * tcp_tso_autosize(), whole segments as tcp_mss_split_point(), Nagle), the partial checksum and segment size each
 * super-segment carries ({@link FakeIp#sendChain} checks the chain), and a super-segment's record on the
 * scoreboard cut where a cumulative ACK or a SACK block falls (as tcp_fragment() and tcp_trim_head() cut skbs), with
 * RACK, PRR and retransmission working on the pieces. {@link TcpInvariants} checks the scoreboard's tiling after
 * every step.
 */
class TcpTsoTest
{
    private static final int MSS = 1448;
    private static final int LIMIT = 65_535;

    private static PeerConnection sender(final TcpTestbench b, final long rttMillis)
    {
        b.ip.segmentationLimit = LIMIT;
        final PeerConnection c = b.acceptFrom(b.listen(80, 16), 40000, rttMillis);
        c.socket.noDelay(true);
        return c;
    }

    private static void track(final PeerConnection c, final List<Captured> sent)
    {
        for (final Captured seg : sent)
        {
            if (Seq.gt(seg.seq + seg.length(), c.stackNxt))
            {
                c.stackNxt = seg.seq + seg.length();
            }
        }
        TcpInvariants.check(c.socket);
    }

    private static void assertPattern(final Captured seg, final int streamOffset)
    {
        for (int i = 0; i < seg.payload.length; i++)
        {
            if (seg.payload[i] != (byte)(streamOffset + i))
            {
                throw new AssertionError("payload byte " + i + " of " + seg);
            }
        }
    }

    @Test
    void shouldSendAboutAMillisecondOfTheRateAndAtLeastTwoSegmentsPerSuperSegment()
    {
        final TcpTestbench b = new TcpTestbench();
        // A 10 ms path: cwnd 10 x 1448 over 10 ms at 200% (slow start) is 2.9 MB/s, 2828 bytes a millisecond, and
        // gso_max_size >> (10000 us >> 9) adds nothing: tcp_min_tso_segs' two segments.
        final PeerConnection c = sender(b, 10);
        final int base = c.stackNxt;
        final long before = b.counters().segmentsOut();
        c.write(10 * MSS);
        final List<Captured> sent = b.drain();
        assertEquals(5, sent.size(), "five super-segments of two segments: " + sent);
        for (int i = 0; i < 5; i++)
        {
            final Captured seg = sent.get(i);
            assertEquals(base + 2 * i * MSS, seg.seq);
            assertEquals(2 * MSS, seg.payload.length);
            assertEquals(MSS, seg.segmentSize, "gso_size is the MSS less the options in the header");
            assertTrue(seg.dontFragment);
            assertPattern(seg, 2 * i * MSS);
        }
        assertEquals(5, b.counters().superSegmentsOut());
        assertEquals(10, b.counters().segmentsOut() - before, "segmentsOut counts wire segments");
        track(c, sent);
        assertEquals(5, c.socket.scoreboard.count(), "one record per super-segment, as one skb in Linux");
    }

    @Test
    void shouldSendTheWholeWindowAsOneSuperSegmentOnAShortPath()
    {
        final TcpTestbench b = new TcpTestbench();
        // No RTT measured yet below 512 us: tcp_tso_rtt_log's term adds all of gso_max_size; the window limits.
        final PeerConnection c = sender(b, 0);
        final int base = c.stackNxt;
        c.write(200 * MSS);
        List<Captured> sent = b.drain();
        assertEquals(1, sent.size(), "the initial window in one: " + sent);
        assertEquals(10 * MSS, sent.get(0).payload.length);
        assertEquals(base, sent.get(0).seq);
        track(c, sent);
        c.send(tcp(ACK).ack(base + 10 * MSS));
        sent = b.drain();
        track(c, sent);
        // What cwnd allows after the ACK goes as one super-segment of whole segments.
        assertEquals(1, sent.size(), "one send after the ACK: " + sent);
        assertEquals(c.socket.cc.cwnd / MSS * MSS, sent.get(0).payload.length);
    }

    @Test
    void shouldCapASuperSegmentBelow64KilobytesAndTheLinksLimit()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().initialCwndSegments(100).build());
        final PeerConnection c = sender(b, 0);
        final int base = c.stackNxt;
        c.write(100 * MSS);
        List<Captured> sent = b.drain();
        track(c, sent);
        // gso_max_size less the largest IPv4 and TCP headers, in whole segments (tcp_xmit_size_goal()).
        final int most = (LIMIT - 20 - 60) / MSS;
        assertEquals(3, sent.size(), "" + sent);
        assertEquals(most * MSS, sent.get(0).payload.length);
        assertEquals(most * MSS, sent.get(1).payload.length);
        assertEquals((100 - 2 * most) * MSS, sent.get(2).payload.length);
        assertEquals(base + 2 * most * MSS, sent.get(2).seq);

        // A link that takes less (Link.maxSuperFrameLength): the route's limit bounds the size goal.
        final TcpTestbench small = new TcpTestbench(TcpConfig.builder().initialCwndSegments(100).build());
        final PeerConnection d = sender(small, 0);
        small.ip.segmentationLimit = 16_000;
        d.write(20 * MSS);
        sent = small.drain();
        final int fewer = (16_000 - 20 - 60) / MSS;
        assertEquals(fewer * MSS, sent.get(0).payload.length, "" + sent);
    }

    /**
     * TSO deferral (tcp_tso_should_defer()): 30 segments in flight on a 1 ms path, their ACKs due. An ACK that
     * opens room for a few segments, less than a third of the window, does not send a small super-segment: the
     * stack waits for the ACKs that follow and then sends one larger one.
     */
    @Test
    void shouldDeferASmallSuperSegmentWhileAcksAreDue()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().initialCwndSegments(30).build());
        final PeerConnection c = sender(b, 1);
        final int base = c.stackNxt;
        c.write(200 * MSS);
        List<Captured> sent = b.drain();
        track(c, sent);
        assertEquals(base + 30 * MSS, c.stackNxt, "the initial window: " + sent);
        b.advanceNanos(600_000);
        c.send(tcp(ACK).ack(base + 2 * MSS));
        sent = b.drain();
        assertEquals(List.of(), sent, "a few segments of room wait for the ACKs due");
        assertEquals(1, b.counters().tsoDeferrals());
        int acked = 2;
        while (sent.isEmpty() && acked < 30)
        {
            b.advanceNanos(10_000);
            acked += 2;
            c.send(tcp(ACK).ack(base + acked * MSS));
            sent = b.drain();
        }
        track(c, sent);
        assertEquals(1, sent.size(), "one super-segment: " + sent);
        assertEquals(base + 30 * MSS, sent.get(0).seq);
        assertTrue(sent.get(0).payload.length >= 3 * c.socket.cc.cwnd / 10, "at least about a third of cwnd ("
            + c.socket.cc.cwnd + "): " + sent.get(0));
        assertTrue(acked > 2, "it waited for more ACKs");
    }

    /**
     * A lone small write while the flight's ACKs are due is deferred, but no longer than the bound,
     * min(SRTT, 1 ms): with no ACK coming, the output timer sends it then, and not before.
     */
    @Test
    void shouldSendALoneSmallWriteNoLaterThanTheDeferralBound()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().initialCwndSegments(30).build());
        final PeerConnection c = sender(b, 1);
        final int base = c.stackNxt;
        c.write(30 * MSS);
        track(c, b.drain());
        b.advanceNanos(600_000);
        c.send(tcp(ACK).ack(base + 2 * MSS));
        assertEquals(List.of(), b.drain(), "nothing left to send");
        c.write(3 * MSS);
        assertEquals(List.of(), b.drain(), "three segments, application-limited, wait for the ACKs due");
        assertTrue(b.counters().tsoDeferrals() > 0);
        final long bound = Math.min(TcpOutput.TSO_DEFER_MAX_NANOS, c.socket.rtt.srtt());
        b.advanceNanos(bound - 1_000);
        assertEquals(List.of(), b.drain(), "not before the bound");
        b.advanceNanos(1_000);
        final List<Captured> sent = b.drain();
        track(c, sent);
        assertEquals(1, sent.size(), "at the bound: " + sent);
        assertEquals(base + 30 * MSS, sent.get(0).seq);
        assertEquals(3 * MSS, sent.get(0).payload.length);
        assertPattern(sent.get(0), 0);
    }

    @Test
    void shouldSendOneSegmentAtATimeWhenTheLinkCannotSegment()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = b.acceptFrom(b.listen(80, 16), 40000, 0);
        c.socket.noDelay(true);
        c.write(10 * MSS);
        final List<Captured> sent = b.drain();
        assertEquals(10, sent.size());
        for (final Captured seg : sent)
        {
            assertEquals(MSS, seg.payload.length);
            assertEquals(0, seg.segmentSize);
        }
        assertEquals(0, b.counters().superSegmentsOut());
        assertEquals(0, b.ip.superSegments);
    }

    @Test
    void shouldKeepASuperSegmentToWholeSegmentsWhileNagleHoldsTheTail()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b, 0);
        c.socket.noDelay(false);
        final int base = c.stackNxt;
        // Nothing in flight: Nagle lets the short tail go with the rest.
        c.write(3 * MSS + 500);
        List<Captured> sent = b.drain();
        assertEquals(1, sent.size());
        assertEquals(3 * MSS + 500, sent.get(0).payload.length);
        track(c, sent);
        // Data in flight: the whole segments go, the 500-byte tail waits (tcp_mss_split_point() with Nagle).
        c.write(3 * MSS + 500);
        sent = b.drain();
        assertEquals(1, sent.size(), "" + sent);
        assertEquals(3 * MSS, sent.get(0).payload.length);
        assertEquals(base + 3 * MSS + 500, sent.get(0).seq);
        track(c, sent);
        c.send(tcp(ACK).ack(c.stackNxt));
        sent = b.drain();
        assertEquals(1, sent.size(), "the tail once everything is acknowledged: " + sent);
        assertEquals(500, sent.get(0).payload.length);
        assertEquals(0, sent.get(0).segmentSize, "a short segment is a plain segment");
    }

    @Test
    void shouldTrimTheRecordOnAPartialAckAndSplitItOnASackThenRetransmitTheLossAlone()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b, 0);
        final int base = c.stackNxt;
        c.write(10 * MSS);
        track(c, b.drain());
        assertEquals(1, c.socket.scoreboard.count());

        // A cumulative ACK inside the super-segment trims its record (tcp_trim_head()).
        c.send(tcp(ACK).ack(base + 3 * MSS));
        track(c, b.drain());
        final Scoreboard sb = c.socket.scoreboard;
        assertEquals(base + 3 * MSS, sb.start(0));
        assertEquals(base + 10 * MSS, sb.end(0));

        // Segment 3 is lost; the peer SACKs 4..9: the record splits where the block begins (tcp_fragment() from
        // tcp_sacktag_walk()), and six segments SACKed are DupThresh or more, so RACK deems segment 3 lost at once
        // (RFC 8985 section 6.2: the SACKed piece was sent at the same time, later in sequence).
        c.send(tcp(ACK).ack(base + 3 * MSS).sack(base + 4 * MSS, base + 10 * MSS));
        final List<Captured> sent = b.drain();
        track(c, sent);
        assertTrue(c.socket.recovery.inRecovery);
        assertEquals(1, b.counters().fastRecoveries());
        assertEquals(base + 3 * MSS, sent.get(0).seq, "the retransmission first: " + sent);
        assertEquals(MSS, sent.get(0).payload.length, "only the lost piece");
        assertPattern(sent.get(0), 3 * MSS);
        assertEquals(6 * MSS, sb.sackedBytes());
        c.send(tcp(ACK).ack(c.stackNxt));
        track(c, b.drain());
        assertEquals(1, b.counters().retransmittedSegments());
    }

    @Test
    void shouldRetransmitSeveralLostSegmentsAsOneSuperSegmentWithinPrrAndSplitTheRest()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b, 0);
        final int base = c.stackNxt;
        c.write(100 * MSS);
        track(c, b.drain());
        // Slow start until at least 40 segments are in flight.
        for (int round = 0; round < 10 && c.stackNxt - c.socket.snd.una < 40 * MSS; round++)
        {
            // An ACK every two segments, as a receiver sends them: slow start doubles cwnd each round.
            final int end = c.stackNxt;
            for (int ack = c.socket.snd.una + 2 * MSS; Seq.le(ack, end); ack += 2 * MSS)
            {
                c.send(tcp(ACK).ack(ack));
            }
            c.send(tcp(ACK).ack(end));
            c.write(100 * MSS);
            track(c, b.drain());
        }
        assertTrue(c.stackNxt - c.socket.snd.una >= 40 * MSS, "cwnd " + c.socket.cc.cwnd);
        final int una = c.socket.snd.una;
        final int flight = (c.stackNxt - una) / MSS;
        final Scoreboard sb = c.socket.scoreboard;
        assertTrue(sb.count() < flight, "super-segments in flight: " + sb.count() + " records for " + flight);
        // Segments 0..7 of the flight are lost; the peer SACKs the rest.
        c.send(tcp(ACK).ack(una).sack(una + 8 * MSS, c.stackNxt));
        final List<Captured> sent = b.drain();
        track(c, sent);
        assertTrue(c.socket.recovery.inRecovery);
        // PRR (RFC 9937) lets out what was delivered less the reduction; the lost run goes as whole segments, as
        // one super-segment (__tcp_retransmit_skb() with segs from cwnd - pipe), never past the lost range.
        int retransmitted = 0;
        for (final Captured seg : sent)
        {
            if (Seq.lt(seg.seq, una + 8 * MSS))
            {
                assertEquals(una + retransmitted, seg.seq, "in order, from the first loss: " + sent);
                assertTrue(Seq.le(seg.seq + seg.payload.length, una + 8 * MSS), "within the loss " + seg);
                assertEquals(0, seg.payload.length % MSS);
                assertPattern(seg, una - base + retransmitted);
                retransmitted += seg.payload.length;
            }
        }
        assertTrue(retransmitted > MSS, "more than one segment went again: " + sent);
        assertTrue(sent.get(0).segmentSize == MSS, "as a super-segment: " + sent.get(0));
        // RFC 9937: prr_out <= ceil(prr_delivered * ssthresh / RecoverFS), delivered being what this ACK SACKed.
        final long delivered = (long)(flight - 8) * MSS;
        final long allowed = (delivered * c.socket.cc.ssthresh + c.socket.recovery.recoverFs - 1)
            / c.socket.recovery.recoverFs;
        assertTrue(c.socket.recovery.prrOut <= Math.max(allowed, MSS), "PRR bounds what went: "
            + c.socket.recovery.prrOut + " of " + allowed);
        // The rest of the loss, then everything.
        final int end = c.stackNxt;
        c.send(tcp(ACK).ack(una + retransmitted).sack(una + 8 * MSS, end));
        track(c, b.drain());
        c.send(tcp(ACK).ack(end));
        track(c, b.drain());
        assertEquals(8 * MSS, b.counters().retransmittedBytes(), "exactly the loss, once");
    }

    @Test
    void shouldAcknowledgeASuperSegmentAtOnceAsTheSegmentsItHolds()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = b.acceptFrom(b.listen(80, 16), 40000, 0);
        // Past the quick-ACK start: plain segments are acknowledged every second one.
        for (int i = 0; i < 20; i++)
        {
            c.sendData(MSS);
            c.readAll();
            b.drain();
        }
        c.sendData(MSS);
        b.expectNothing();
        c.sendData(MSS);
        c.expectAck();
        c.readAll();
        assertEquals(MSS, c.socket.rcv.mss, "the estimate of the peer's segment size");
        // A GRO super-segment of ten segments (gso_size 1448): one ACK decision, and an ACK at once, as Linux's
        // __tcp_ack_snd_check() sends for more than one segment's worth unacknowledged.
        final int flags = PacketBurst.gso(PacketBurst.GSO_TCPV4, MSS);
        c.send(tcp(ACK | Tcp.PSH).payloadLength(10 * MSS), flags);
        final List<Captured> acks = b.drain();
        assertEquals(1, acks.size(), "one ACK for the super-segment: " + acks);
        assertEquals(c.peerNxt, acks.get(0).ack);
        assertEquals(MSS, c.socket.rcv.mss, "gso_size keeps the estimate, not the super-segment's length");
        assertEquals(10 * MSS, c.readAll());
    }
}
