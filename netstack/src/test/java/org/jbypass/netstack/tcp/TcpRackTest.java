package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.PSH;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Loss detection and recovery on SACK connections, scripted: RACK (RFC 8985 section 6) with its reordering window
 * and timer, lost retransmissions, the tail loss probe's outcome (section 7.4), and Proportional Rate Reduction
 * (RFC 9937) step by step on known ACK sequences.
 *
 * <p>The handshake takes {@link #RTT_MILLIS}, so the minimum RTT is 10 ms and RACK's reordering window a quarter of
 * it, 2.5 ms; every flight's ACKs come one RTT after it.
 */
class TcpRackTest
{
    private static final int MSS = 1448;
    private static final long RTT_MILLIS = 10;

    private static PeerConnection sender(final TcpTestbench b)
    {
        final PeerConnection c = b.acceptFrom(b.listen(80, 16), 40000, RTT_MILLIS);
        c.socket.noDelay(true);
        return c;
    }

    /** Writes {@code segments} full segments, takes the initial window the stack sends, and lets an RTT pass. */
    private static int flight(final TcpTestbench b, final PeerConnection c, final int segments)
    {
        final int base = c.stackNxt;
        c.write(segments * MSS);
        final List<Captured> sent = b.drain();
        assertEquals(Math.min(segments, 10), sent.size(), "the initial window: " + sent);
        for (final Captured seg : sent)
        {
            if (Seq.gt(seg.seq + seg.length(), c.stackNxt))
            {
                c.stackNxt = seg.seq + seg.length();
            }
        }
        b.advanceMillis(RTT_MILLIS);
        return base;
    }

    @Test
    void shouldMarkAHoleLostWhenTheReorderingWindowPassesAndRetransmitOnTheRackTimer()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b);
        final int base = flight(b, c, 10);
        // One segment SACKed above the first: too few for DupThresh, so RACK waits min_RTT / 4 = 2.5 ms for the
        // first segment to show up out of order (RFC 8985 section 6.2 step 4).
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 2 * MSS));
        b.expectNothing();
        b.advanceMillis(2);
        b.expectNothing();
        assertEquals(0, b.counters().retransmittedSegments());
        // The RACK timer (section 6.3) fires at 2.5 ms: the segment is lost and fast recovery retransmits it.
        b.advanceMillis(1);
        c.expect(tcp(ACK).seq(base).payloadLength(MSS), "retransmitted on the RACK timer");
        assertEquals(1, b.counters().rackTimeouts());
        assertEquals(1, b.counters().rackLost());
        assertEquals(1, b.counters().fastRecoveries());
        assertTrue(c.socket.recovery.inRecovery);
        // Its ACK ends the recovery; nothing else was lost.
        c.send(tcp(ACK).ack(base + 10 * MSS));
        assertFalse(c.socket.recovery.inRecovery);
        assertEquals(1, b.counters().retransmittedSegments());
        assertEquals(0, b.counters().retransmitTimeouts());
    }

    @Test
    void shouldNotRetransmitWhenReorderingStaysWithinTheWindow()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b);
        int base = flight(b, c, 10);
        // Segment 0 is overtaken by segment 1, and arrives 1 ms later, within the 2.5 ms window.
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 2 * MSS));
        b.advanceMillis(1);
        c.send(tcp(ACK).ack(base + 2 * MSS));
        b.advanceMillis(5);
        c.send(tcp(ACK).ack(base + 10 * MSS));
        b.drain();
        assertEquals(0, b.counters().retransmittedSegments(), "no spurious retransmission");
        assertEquals(0, b.counters().fastRecoveries());
        assertTrue(c.socket.rack.reorderingSeen(), "RFC 8985 section 6.2 step 3: a segment delivered below one "
            + "delivered before, never retransmitted");

        // With reordering seen, even DupThresh SACKed segments do not make the hole lost before the window passes
        // (unlike RFC 6675's IsLost), so a deeper reordering within the window costs nothing either.
        base = flight(b, c, 10);
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 2 * MSS));
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 3 * MSS));
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 4 * MSS));
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 5 * MSS));
        b.advanceMillis(2);
        c.send(tcp(ACK).ack(base + 10 * MSS));
        b.advanceMillis(10);
        b.drain();
        assertEquals(0, b.counters().retransmittedSegments(), "still no spurious retransmission");

        // A real loss is still found once the window has passed.
        base = flight(b, c, 10);
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 4 * MSS));
        b.expectNothing();
        b.advanceMillis(3);
        c.expect(tcp(ACK).seq(base).payloadLength(MSS), "lost after the reordering window");
    }

    @Test
    void shouldRetransmitALostRetransmissionWithoutWaitingForTheRto()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b);
        c.write(40 * MSS);
        final int base = c.stackNxt;
        b.drain();
        c.stackNxt = base + 10 * MSS;
        b.advanceMillis(RTT_MILLIS);
        // Segment 0 is lost; three SACKs make it lost at once (reo_wnd = 0 with DupThresh SACKed), and PRR lets
        // the retransmission go; the next SACK lets one new segment follow it.
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 4 * MSS));
        c.expect(tcp(ACK).seq(base).payloadLength(MSS), "fast retransmit");
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 5 * MSS));
        final Captured after = c.expect(tcp(ACK).seq(base + 10 * MSS).payloadLength(MSS), "new data");
        // The retransmission is lost too. One RTT later the new data sent after it is SACKed: RACK knows the
        // retransmission should have arrived first (section 6.2), so it goes again, long before the RTO.
        b.advanceMillis(RTT_MILLIS);
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 5 * MSS, after.seq, after.seq + MSS));
        c.expect(tcp(ACK).seq(base).payloadLength(MSS), "the lost retransmission, again");
        assertEquals(1, b.counters().lostRetransmits());
        assertEquals(0, b.counters().retransmitTimeouts());
    }

    @Test
    void shouldNotTakeARetransmissionSentAfterNewDataInOnePollForOlder()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b);
        c.write(40 * MSS);
        final int base = c.stackNxt;
        b.drain();
        b.advanceMillis(RTT_MILLIS);
        // Within one poll (one instant of the stack's clock): an ACK lets new data go, then the next ACK makes
        // segment 0 lost and it is retransmitted after that data.
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 2 * MSS));
        final Captured fresh = c.expect(tcp(ACK).seq(base + 10 * MSS).payloadLength(MSS), "limited transmit");
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 4 * MSS));
        final List<Captured> recovery = b.drain();
        assertEquals(base, recovery.get(0).seq, "fast retransmit: " + recovery);
        // The new data is SACKed one RTT later; the retransmission's ACK is still on its way. Sent later, it must
        // not be deemed lost (same clock reading, lower sequence number: the stamps keep the sending order).
        b.advanceMillis(RTT_MILLIS);
        c.send(tcp(ACK).ack(base).sack(base + MSS, fresh.seq + MSS));
        for (final Captured seg : b.drain())
        {
            assertTrue(seg.seq != base, "no second retransmission: " + seg);
        }
        assertEquals(0, b.counters().lostRetransmits());
    }

    @Test
    void shouldReduceTheWindowProportionallyDuringRecovery()
    {
        // NewReno's ssthresh is FlightSize / 2: 10 segments in flight give 5.
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().congestionControl(CongestionAlgorithm.NEWRENO)
            .build());
        final PeerConnection c = sender(b);
        c.write(40 * MSS);
        final int base = c.stackNxt;
        b.drain();
        c.stackNxt = base + 10 * MSS;
        b.advanceMillis(RTT_MILLIS);
        // Segment 0 is lost; one ACK SACKs 1..3: recovery starts. RecoverFS = 10 - 3 SACKed = 7 segments.
        // DeliveredData = 3, pipe = 10 - 3 - 1 lost = 6 > ssthresh: sndcnt = CEIL(3 * 5 / 7 segments) = 3103 bytes,
        // cwnd = pipe + sndcnt: the retransmission and one new segment go, 207 bytes are left over.
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 4 * MSS));
        c.expect(tcp(ACK).seq(base).payloadLength(MSS), "fast retransmit");
        c.expect(tcp(ACK).seq(base + 10 * MSS).payloadLength(MSS));
        b.expectNothing();
        assertEquals(5 * MSS, c.socket.cc.ssthresh);
        assertEquals(6 * MSS + 3103, c.socket.cc.cwnd);
        // Segment 4 delivered: prr_delivered = 4, sndcnt = CEIL(4 * 5 / 7) - prr_out (2) = 4138 - 2896 = 1242
        // bytes: less than a segment, nothing goes.
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 5 * MSS));
        b.expectNothing();
        assertEquals(7 * MSS + 1242, c.socket.cc.cwnd);
        // Segment 5: CEIL(5 * 5 / 7) - 2 = 5172 - 2896 = 2276 bytes, one segment.
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 6 * MSS));
        c.expect(tcp(ACK).seq(base + 11 * MSS).payloadLength(MSS));
        b.expectNothing();
        // The retransmission arrives, and segment 6: SND.UNA moves to 7. DeliveredData = 2, prr_delivered = 7 =
        // RecoverFS, and pipe (7..11) = 5 = ssthresh: the reduction is complete, the reduction bound allows
        // ssthresh - pipe = 0 (RFC 9937 section 4), and cwnd = pipe.
        c.send(tcp(ACK).ack(base + 7 * MSS));
        b.expectNothing();
        assertEquals(5 * MSS, c.socket.cc.cwnd);
        assertTrue(c.socket.recovery.inRecovery);
        // The recovery point (SND.NXT when it began) is acknowledged: cwnd = ssthresh (RFC 9937 section 4).
        c.send(tcp(ACK).ack(base + 10 * MSS));
        assertFalse(c.socket.recovery.inRecovery);
        assertEquals(5 * MSS, c.socket.cc.cwnd);
    }

    @Test
    void shouldBoundTheRetransmissionsByTheReductionBoundWhenPipeFallsBelowSsthresh()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().congestionControl(CongestionAlgorithm.NEWRENO)
            .build());
        final PeerConnection c = sender(b);
        c.write(40 * MSS);
        final int base = c.stackNxt;
        b.drain();
        c.stackNxt = base + 10 * MSS;
        b.advanceMillis(RTT_MILLIS);
        // Segments 0..4 are lost and 5..9 SACKed at once: pipe = 0 <= ssthresh (5), so PRR's reduction bound
        // applies: sndcnt = MIN(ssthresh - pipe, MAX(prr_delivered - prr_out, DeliveredData)) = 5 segments, the
        // five holes (RFC 9937 section 4; the ACK does not advance SND.UNA, so no extra segment).
        c.send(tcp(ACK).ack(base).sack(base + 5 * MSS, base + 10 * MSS));
        for (int i = 0; i < 5; i++)
        {
            c.expect(tcp(ACK).seq(base + i * MSS).payloadLength(MSS), "hole " + i);
        }
        b.expectNothing();
        assertEquals(5 * MSS, c.socket.cc.cwnd);
        // Two retransmissions arrive (a safe ACK: SND.UNA advances, nothing newly lost): DeliveredData = 2,
        // pipe = 3, sndcnt = MIN(5 - 3, MAX(7 - 5, 2) + 1) = 2: two new segments.
        c.send(tcp(ACK).ack(base + 2 * MSS).sack(base + 5 * MSS, base + 10 * MSS));
        c.expect(tcp(ACK).seq(base + 10 * MSS).payloadLength(MSS));
        c.expect(tcp(ACK).seq(base + 11 * MSS).payloadLength(MSS));
        b.expectNothing();
    }

    @Test
    void shouldReduceTheWindowWhenATailLossProbeRepairedTheLoss()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b);
        final int base = flight(b, c, 10);
        // All but the last two segments are acknowledged; the last was lost. With nothing new to send, the probe
        // (2 SRTT + 2 ms after the ACK) sends the last segment again.
        c.send(tcp(ACK).ack(base + 8 * MSS));
        final int cwnd = c.socket.cc.cwnd;
        b.advanceMillis(2 * RTT_MILLIS + 2);
        c.expect(tcp(ACK | PSH).seq(base + 9 * MSS).payloadLength(MSS), "tail loss probe");
        assertEquals(1, b.counters().tailLossProbes());
        // Only the probe arrived (no D-SACK follows): a loss was repaired, and the window is reduced as fast
        // recovery would have (RFC 8985 section 7.4.2), once the ACK moves past the probe.
        c.send(tcp(ACK).ack(base + 10 * MSS));
        c.write(MSS);
        c.expect(tcp(ACK | PSH).seq(base + 10 * MSS).payloadLength(MSS));
        c.send(tcp(ACK).ack(base + 11 * MSS));
        assertEquals(1, b.counters().tailLossProbeRecoveries());
        assertTrue(c.socket.cc.cwnd < cwnd, "reduced: " + c.socket.cc.cwnd + " < " + cwnd);
        assertEquals(0, b.counters().retransmitTimeouts());
    }
}
