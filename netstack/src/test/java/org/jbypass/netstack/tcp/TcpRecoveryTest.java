package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.PSH;
import static org.jbypass.netstack.tcp.Tcp.SYN;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.jbypass.netstack.util.Errno;
import org.junit.jupiter.api.Test;

/**
 * Retransmission and recovery: the RTO of RFC 6298 (estimation, Karn, backoff, minimum), fast retransmit and
 * recovery (RFC 5681, NewReno per RFC 6582, SACK-based per RFC 6675 with RACK, see also {@link TcpRackTest}),
 * limited transmit (RFC 3042), and the congestion responses of NewReno and CUBIC (RFC 9438).
 */
class TcpRecoveryTest
{
    private static final int MSS = 1448;

    /** An RTT for tests of SACK recovery, where RACK's reordering window is a quarter of the minimum RTT. */
    private static final long RTT_MILLIS = 10;

    private static PeerConnection sender(final TcpTestbench b)
    {
        return sender(b, 0);
    }

    /** A connection accepted by the stack, its handshake taking {@code rttMillis}. */
    private static PeerConnection sender(final TcpTestbench b, final long rttMillis)
    {
        final PeerConnection c = b.acceptFrom(b.listen(80, 16), 40000, rttMillis);
        c.socket.noDelay(true);
        return c;
    }

    @Test
    void shouldRetransmitOnTimeoutWithExponentialBackoff()
    {
        // Without SACK there is no tail loss probe (RFC 8985 needs SACK): the RTO alone acts.
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().sack(false).build());
        final PeerConnection c = sender(b);
        final int start = c.stackNxt;
        c.write(100);
        c.expect(tcp(ACK | PSH).seq(start).payloadLength(100));
        b.advanceMillis(199);
        b.expectNothing();
        b.advanceMillis(1);
        c.expect(tcp(ACK | PSH).seq(start).payloadLength(100), "RTO = the 200 ms minimum");
        b.advanceMillis(399);
        b.expectNothing();
        b.advanceMillis(1);
        c.expect(tcp(ACK | PSH).seq(start).payloadLength(100), "backed off to 400 ms");
        b.advanceMillis(800);
        c.expect(tcp(ACK | PSH).seq(start).payloadLength(100), "800 ms");
        assertEquals(3, b.counters().retransmitTimeouts());
        assertEquals(3, c.socket.info().backoff);
        // Karn: the ACK of a retransmitted segment gives no sample and keeps the backoff ...
        b.advanceMillis(50);
        c.send(tcp(ACK));
        assertEquals(3, c.socket.info().backoff);
        // ... until new data is timed and acknowledged.
        c.write(100);
        c.expect(tcp(ACK | PSH).payloadLength(100));
        b.advanceMillis(10);
        c.send(tcp(ACK));
        assertEquals(0, c.socket.info().backoff);
        // SRTT <- 7/8 SRTT + 1/8 R' (RFC 6298 section 2.3), from the SYN's near-zero sample.
        assertEquals(1250, c.socket.info().rttMicros, "the first clean sample after the SYN's");
    }

    @Test
    void shouldSendATailLossProbeBeforeTheRto()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b);
        final int base = c.stackNxt;
        c.write(4 * MSS);
        for (int i = 0; i < 4; i++)
        {
            c.expect(tcp().seq(base + i * MSS).payloadLength(MSS));
        }
        // PTO = 2 SRTT + 2 ms (SRTT is a few nanoseconds here): the last segment goes again (RFC 8985 section 7.3).
        b.advanceMillis(2);
        b.expectNothing();
        b.advanceMillis(1);
        c.expect(tcp(ACK | PSH).seq(base + 3 * MSS).payloadLength(MSS), "tail loss probe");
        assertEquals(1, b.counters().tailLossProbes());
        // Its SACK shows the second segment missing: the probe, sent after it, was delivered and an RTT has passed
        // since the segment was sent, so RACK (RFC 8985 section 6.2) deems it lost at once and recovery repairs it
        // without waiting for the RTO.
        c.send(tcp(ACK).ack(base + MSS).sack(base + 2 * MSS, base + 4 * MSS));
        c.expect(tcp().seq(base + MSS).payloadLength(MSS), "the hole, retransmitted");
        assertEquals(0, b.counters().retransmitTimeouts());
    }

    @Test
    void shouldProbeInsteadOfTimingOutWhenTheAckThatEndsRecoveryIsLost()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b);
        final int base = c.stackNxt;
        c.write(20 * MSS);
        b.drain();
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 2 * MSS));
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 3 * MSS));
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 4 * MSS));
        final java.util.List<Captured> sent = b.drain();
        assertTrue(sent.stream().anyMatch(seg -> seg.seq == base), "fast retransmit: " + sent);
        // The peer's ACK of everything is lost: pipe fills cwnd, nothing clocks the sender. One probe goes after the
        // PTO, new data since there is some, long before the 200 ms RTO.
        b.advanceMillis(3);
        final Captured probe = c.expect(tcp().payloadLength(MSS));
        assertTrue(Seq.ge(probe.seq, base + 10 * MSS), "new data, not a retransmission: " + probe);
        assertEquals(1, b.counters().tailLossProbes());
        c.send(tcp(ACK).ack(probe.seq + MSS));
        assertEquals(0, b.counters().retransmitTimeouts());
        assertTrue(!c.socket.recovery.inRecovery, "recovery over");
    }

    @Test
    void shouldHonourAConfiguredMinimumRto()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().minRto(Duration.ofMillis(20)).sack(false)
            .build());
        final PeerConnection c = sender(b);
        c.write(100);
        c.expect(tcp(ACK | PSH));
        b.advanceMillis(20);
        c.expect(tcp(ACK | PSH).payloadLength(100));
    }

    @Test
    void shouldEstimateTheRttAndDeriveTheRto()
    {
        final TcpTestbench b = new TcpTestbench();
        final TcpSocket s = b.layer.open();
        s.connect(TcpTestbench.PEER, 80);
        final Captured syn = b.expect(tcp(SYN));
        b.advanceMillis(300);
        b.inject(tcp(SYN | ACK).ports(80, syn.sourcePort).seq(1).ack(syn.seq + 1).mss(1460));
        b.expect(tcp(ACK));
        final TcpInfo info = s.info();
        assertEquals(300_000, info.rttMicros, "SRTT = R (RFC 6298 section 2.2)");
        assertEquals(150_000, info.rttVarMicros, "RTTVAR = R / 2");
        assertEquals(900_000, info.rtoMicros, "RTO = SRTT + 4 RTTVAR");
    }

    @Test
    void shouldGiveUpAfterTheDataRetries()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().dataRetries(3).sack(false).build());
        final PeerConnection c = sender(b);
        c.write(100);
        c.expect(tcp(ACK | PSH));
        for (int i = 0; i < 3; i++)
        {
            b.advanceMillis(200L << i);
            c.expect(tcp(ACK | PSH).payloadLength(100));
        }
        b.advanceMillis(1600);
        b.expectNothing();
        assertEquals(TcpState.CLOSED, c.socket.state());
        assertEquals(-Errno.ETIMEDOUT, c.readAll());
        assertEquals(1, b.counters().connectionTimeouts());
    }

    @Test
    void shouldFastRetransmitOnTheThirdDuplicateAckWithSack()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b, RTT_MILLIS);
        final int base = c.stackNxt;
        c.write(20 * MSS);
        for (int i = 0; i < 10; i++)
        {
            c.expect(tcp().seq(base + i * MSS).payloadLength(MSS));
        }
        b.expectNothing();
        b.advanceMillis(RTT_MILLIS);
        final int cwndBefore = c.socket.info().cwnd;
        // Limited transmit (RFC 3042, here pipe falling with each SACK) sends a new segment per duplicate ACK; the
        // hole waits for RACK's reordering window (a quarter of the minimum RTT) while fewer than DupThresh
        // segments are SACKed above it ...
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 2 * MSS));
        c.expect(tcp(ACK).seq(base + 10 * MSS).payloadLength(MSS), "limited transmit");
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 3 * MSS));
        c.expect(tcp(ACK).seq(base + 11 * MSS).payloadLength(MSS), "limited transmit");
        b.expectNothing();
        // ... and is lost at once with the third (RFC 8985 section 6.2: reo_wnd = 0 then).
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 4 * MSS));
        c.expect(tcp(ACK).seq(base).payloadLength(MSS), "fast retransmit of the first segment");
        assertEquals(1, b.counters().fastRecoveries());
        assertEquals((int)(cwndBefore * 0.7), c.socket.info().ssthresh, "CUBIC's beta = 0.7");
        // The rest of the flight arrives; the cumulative ACK covers the recovery point and recovery ends.
        b.drain();
        c.send(tcp(ACK).ack(base + 12 * MSS));
        assertEquals(c.socket.info().ssthresh, c.socket.info().cwnd);
    }

    @Test
    void shouldUndoTheWindowCutWhenDsackShowsTheRetransmissionSpurious()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b, RTT_MILLIS);
        final int base = c.stackNxt;
        c.write(10 * MSS);
        b.drain();
        b.advanceMillis(RTT_MILLIS);
        final int cwndBefore = c.socket.info().cwnd;
        // Segment 0 was only reordered: three SACKs arrive before it and trigger a fast retransmit.
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 2 * MSS));
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 3 * MSS));
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 4 * MSS));
        c.expect(tcp().seq(base).payloadLength(MSS));
        assertTrue(c.socket.info().cwnd < cwndBefore, "cut on entering recovery");
        // The original arrives; then the retransmission, which the receiver reports as a duplicate (RFC 2883).
        c.send(tcp(ACK).ack(base + 10 * MSS));
        c.send(tcp(ACK).ack(base + 10 * MSS).sack(base, base + MSS));
        assertEquals(1, b.counters().spuriousRecoveries());
        assertEquals(cwndBefore, c.socket.info().cwnd, "window restored (RFC 4015 section 2)");
    }

    @Test
    void shouldRetransmitEveryLostHoleDuringSackRecovery()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b, RTT_MILLIS);
        final int base = c.stackNxt;
        c.write(10 * MSS);
        b.drain();
        b.advanceMillis(RTT_MILLIS);
        // Segments 0 and 2 are lost; 1 and 3..9 arrive.
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 2 * MSS));
        c.send(tcp(ACK).ack(base).sack(base + 3 * MSS, base + 4 * MSS, base + MSS, base + 2 * MSS));
        c.send(tcp(ACK).ack(base).sack(base + 3 * MSS, base + 5 * MSS, base + MSS, base + 2 * MSS));
        c.expect(tcp(ACK).seq(base).payloadLength(MSS));
        for (int i = 6; i <= 10; i++)
        {
            c.send(tcp(ACK).ack(base).sack(base + 3 * MSS, base + i * MSS, base + MSS, base + 2 * MSS));
        }
        // Hole 2 is lost by RFC 6675's IsLost (3 SMSS SACKed above it): it goes once pipe allows.
        boolean sawHole2 = false;
        for (final Captured seg : b.drain())
        {
            sawHole2 |= seg.seq == base + 2 * MSS && seg.payload.length == MSS;
        }
        assertTrue(sawHole2, "the second hole was retransmitted");
        c.send(tcp(ACK).ack(base + 10 * MSS));
        assertEquals(base + 10 * MSS, c.socket.snd.una);
    }

    @Test
    void shouldRecoverWithNewRenoWithoutSack()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().sack(false).build());
        final PeerConnection c = sender(b);
        final int base = c.stackNxt;
        c.write(10 * MSS);
        b.drain();
        // Segments 0 and 4 are lost.
        for (int i = 0; i < 3; i++)
        {
            c.send(tcp(ACK).ack(base));
        }
        c.expect(tcp(ACK).seq(base).payloadLength(MSS), "fast retransmit");
        final TcpInfo info = c.socket.info();
        assertEquals(info.ssthresh + 3 * MSS, info.cwnd, "RFC 6582 step 3: ssthresh + 3 SMSS");
        c.send(tcp(ACK).ack(base));
        assertEquals(info.cwnd + MSS, c.socket.info().cwnd, "inflated by one SMSS per duplicate");
        // A partial ACK up to the second hole: retransmit it at once (RFC 6582 step 5).
        c.send(tcp(ACK).ack(base + 4 * MSS));
        c.expect(tcp(ACK).seq(base + 4 * MSS).payloadLength(MSS), "partial ACK retransmission");
        c.send(tcp(ACK).ack(base + 10 * MSS));
        final TcpInfo after = c.socket.info();
        assertTrue(after.cwnd <= after.ssthresh + MSS, "deflated on the full ACK: " + after);
    }

    @Test
    void shouldSendNewDataOnTheFirstTwoDuplicateAcks()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b, RTT_MILLIS);
        final int base = c.stackNxt;
        c.write(20 * MSS);
        b.drain();
        b.advanceMillis(RTT_MILLIS);
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 2 * MSS));
        c.expect(tcp(ACK).seq(base + 10 * MSS).payloadLength(MSS), "RFC 3042 limited transmit");
        c.send(tcp(ACK).ack(base).sack(base + MSS, base + 3 * MSS));
        c.expect(tcp(ACK).seq(base + 11 * MSS).payloadLength(MSS));
    }

    @Test
    void shouldStartSlowAndGrowTheWindowBySlowStart()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b);
        assertEquals(10 * MSS, c.socket.info().cwnd, "RFC 6928");
        final int base = c.stackNxt;
        c.write(100 * MSS);
        b.drain();
        for (int i = 2; i <= 10; i += 2)
        {
            c.send(tcp(ACK).ack(base + i * MSS));
        }
        assertEquals(20 * MSS, c.socket.info().cwnd, "doubled over one round trip");
    }

    @Test
    void shouldCutTheWindowLikeRenoWithNewReno()
    {
        final NewReno reno = new NewReno();
        reno.init(1000, 10);
        reno.onCongestion(1000, 40_000, 0);
        assertEquals(20_000, reno.ssthresh, "RFC 5681 eq. 4: FlightSize / 2");
        reno.onTimeout(1000, 1000, 0);
        assertEquals(2000, reno.ssthresh, "at least 2 SMSS");
        assertEquals(1000, reno.cwnd, "loss window of one segment");
        reno.cwnd = 10_000;
        reno.ssthresh = 5_000;
        for (int i = 0; i < 10; i++)
        {
            reno.onAck(1000, 1000, true, 0, 0);
        }
        assertEquals(11_000, reno.cwnd, "one SMSS per window acknowledged");
        reno.onAck(1000, 1000, false, 0, 0);
        assertEquals(11_000, reno.cwnd, "no growth when the application limited the flight (RFC 7661)");
    }

    @Test
    void shouldFollowTheCubicCurveBackToTheLastMaximum()
    {
        final Cubic cubic = new Cubic();
        final int mss = 1000;
        cubic.init(mss, 10);
        cubic.cwnd = 100 * mss;
        cubic.onCongestion(mss, 100 * mss, 0);
        assertEquals(70 * mss, cubic.cwnd, "beta = 0.7");
        // K = cbrt(W_max (1 - beta) / C) = cbrt(100 * 0.3 / 0.4) = 4.217 s: the window is back near W_max then.
        final long rtt = 100_000_000L;
        long now = 0;
        int atK = 0;
        int at2K = 0;
        for (int step = 0; step < 100; step++)
        {
            now += rtt;
            final int acks = cubic.cwnd / mss;
            for (int i = 0; i < acks; i++)
            {
                cubic.onAck(mss, mss, true, now, rtt);
            }
            if (now == 4_200_000_000L)
            {
                atK = cubic.cwnd;
            }
            if (now == 8_400_000_000L)
            {
                at2K = cubic.cwnd;
            }
        }
        assertTrue(atK > 95 * mss && atK < 105 * mss, "plateau near W_max at t = K: " + atK);
        assertTrue(at2K > 125 * mss, "convex probing beyond W_max: " + at2K);
    }

    @Test
    void shouldGrowCubicFasterThanRenoAfterALossOnALongPath()
    {
        final Cubic cubic = new Cubic();
        final NewReno reno = new NewReno();
        final int mss = 1000;
        for (final CongestionControl cc : new CongestionControl[] {cubic, reno})
        {
            cc.init(mss, 10);
            cc.cwnd = 1000 * mss;
            cc.onCongestion(mss, 1000 * mss, 0);
        }
        final long rtt = 100_000_000L;
        for (long now = rtt; now <= 10_000_000_000L; now += rtt)
        {
            for (final CongestionControl cc : new CongestionControl[] {cubic, reno})
            {
                final int acks = cc.cwnd / mss;
                for (int i = 0; i < acks; i++)
                {
                    cc.onAck(mss, mss, true, now, rtt);
                }
            }
        }
        assertTrue(cubic.cwnd > reno.cwnd, "cubic " + cubic.cwnd + " vs reno " + reno.cwnd);
    }

    @Test
    void shouldResendInSmallerSegmentsWhenThePathMtuShrinks()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = sender(b);
        final int base = c.stackNxt;
        c.write(2 * MSS);
        b.drain();
        // ICMP fragmentation needed, next-hop MTU 1000, quoting our first segment.
        final java.nio.ByteBuffer quoted = java.nio.ByteBuffer.allocate(8);
        quoted.putShort(0, (short)80).putShort(2, (short)40000).putInt(4, base);
        b.layer.icmpError(3, 4, 1000, TcpTestbench.STACK, TcpTestbench.PEER, quoted, 0, 8);
        assertEquals(1000 - 40 - 12, c.socket.info().sendMss);
        c.expect(tcp(ACK).seq(base).payloadLength(948));
        assertEquals(1, b.counters().pmtuUpdates());
        // An ICMP error quoting a sequence number outside the window is ignored (RFC 5927 section 4.1).
        quoted.putInt(4, base - 100_000);
        b.layer.icmpError(3, 4, 600, TcpTestbench.STACK, TcpTestbench.PEER, quoted, 0, 8);
        assertEquals(1000 - 40 - 12, c.socket.info().sendMss);
    }

    @Test
    void shouldFailAConnectOnPortUnreachable()
    {
        final TcpTestbench b = new TcpTestbench();
        final TcpSocket s = b.layer.open();
        s.connect(TcpTestbench.PEER, 80);
        final Captured syn = b.expect(tcp(SYN));
        final java.nio.ByteBuffer quoted = java.nio.ByteBuffer.allocate(8);
        quoted.putShort(0, (short)syn.sourcePort).putShort(2, (short)80).putInt(4, syn.seq);
        b.layer.icmpError(3, 3, 0, TcpTestbench.STACK, TcpTestbench.PEER, quoted, 0, 8);
        assertEquals(-Errno.ECONNREFUSED, s.finishConnect());
    }

    @Test
    void shouldReportAHostUnreachableWhenTheConnectTimesOut()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().synRetries(1).build());
        final TcpSocket s = b.layer.open();
        s.connect(TcpTestbench.PEER, 80);
        final Captured syn = b.expect(tcp(SYN));
        final java.nio.ByteBuffer quoted = java.nio.ByteBuffer.allocate(8);
        quoted.putShort(0, (short)syn.sourcePort).putShort(2, (short)80).putInt(4, syn.seq);
        b.layer.icmpError(3, 1, 0, TcpTestbench.STACK, TcpTestbench.PEER, quoted, 0, 8);
        assertEquals(-Errno.EINPROGRESS, s.finishConnect(), "a soft error waits for the timeout");
        b.advanceMillis(1000);
        b.advanceMillis(2000);
        assertEquals(-Errno.EHOSTUNREACH, s.finishConnect());
    }

    @Test
    void shouldBackOffAndRetryWhenThePoolIsEmptyWithoutLosingData()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.defaults(), 64);
        final PeerConnection c = sender(b);
        final int base = c.stackNxt;
        final int[] hog = new int[64];
        int held = 0;
        int buffer;
        while ((buffer = b.ip.pool.allocate()) != -1)
        {
            hog[held++] = buffer;
        }
        assertEquals(500, c.write(500));
        b.expectNothing();
        assertTrue(b.counters().poolExhausted() > 0);
        for (int i = 0; i < held; i++)
        {
            b.ip.pool.free(hog[i]);
        }
        b.advanceMillis(1);
        c.expect(tcp(ACK | PSH).seq(base).payloadLength(500));
    }
}
