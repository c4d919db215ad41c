package org.jbypass.netstack.tcp;

/**
 * Loss recovery, as Linux's tcp_recovery.c and the recovery half of tcp_input.c: on a SACK connection RACK's loss
 * detection over the scoreboard (RFC 8985) and its reordering timer, the outcome of a tail loss probe (RFC 8985
 * section 7.4), Proportional Rate Reduction (RFC 9937); without SACK, NewReno's fast retransmit and recovery with
 * early retransmit (RFC 5681, RFC 6582, RFC 5827); on both, the start of recovery, the response to a retransmission
 * timeout (RFC 6298 section 5, RFC 5681 section 3.1) and the undo of a spurious response (RFC 3708, RFC 4015).
 *
 * <p>One instance per layer; it keeps no state of its own between segments.
 */
final class TcpRecovery
{
    private final TcpLayer layer;
    private final TcpCounters counters;

    TcpRecovery(final TcpLayer layer)
    {
        this.layer = layer;
        this.counters = layer.counters;
    }

    /**
     * The loss detection of a SACK connection after each ACK (RFC 8985 section 6.2 step 5 and section 7.4, RFC 9937
     * section 4): RACK marks what is lost and arms its timer for what may soon be; a first loss starts fast
     * recovery; a tail loss probe's outcome is judged; in recovery, PRR sets the window.
     *
     * @param delivered   bytes this ACK newly delivered, cumulatively or by SACK (RFC 9937's DeliveredData)
     * @param unaAdvanced whether SND.UNA moved
     * @param dsackSeen   whether the ACK carried a D-SACK (RFC 2883)
     */
    void detectLoss(final TcpSocket s, final int delivered, final boolean unaAdvanced, final boolean dsackSeen,
        final long now)
    {
        final Scoreboard sb = s.scoreboard;
        final Rack rack = s.rack;
        if (dsackSeen)
        {
            rack.dsackArrived(s.snd.una, s.snd.nxt);
        }
        final long markedBefore = counters.rackLost;
        final long timeout = rackDetectLoss(s, now);
        final boolean newlyLost = counters.rackLost != markedBefore;
        if (s.recovery.tlpOutstanding)
        {
            tailLossProbeAcknowledged(s, unaAdvanced, delivered > 0, dsackSeen, now);
            if (!s.recovery.tlpOutstanding)
            {
                layer.timeouts.probeAllowedAgain(s);
            }
        }
        if (sb.lostBytes() > 0 && !s.recovery.inRecovery && !s.recovery.inLoss)
        {
            enterRecovery(s, now);
        }
        if (s.recovery.inRecovery)
        {
            proportionalRateReduction(s, delivered, unaAdvanced && !newlyLost);
        }
        if (timeout > 0)
        {
            layer.timeouts.armRackTimer(s, timeout);
        }
    }

    /**
     * RACK's detection (RFC 8985 section 6.2 step 5) with the reordering window of the moment.
     *
     * @return how long until the next not-yet-lost candidate's time is up (arm the RACK timer), or 0 if none
     */
    private long rackDetectLoss(final TcpSocket s, final long now)
    {
        final Scoreboard sb = s.scoreboard;
        // DupThresh counts segments as Linux's sacked_out counts packets (tcp_skb_pcount()): a SACKed record of a
        // super-segment counts as the segments it holds, not as one.
        final int mss = Math.max(1, s.opt.sendMss);
        final int sackedSegments = Math.max(sb.sackedSegments(), (int)((sb.sackedBytes() + (long)mss - 1) / mss));
        final long reoWnd = s.rack.reoWnd(s.recovery.inRecovery || s.recovery.inLoss, sackedSegments,
            s.rtt.minRtt(), s.rtt.srtt());
        return s.rack.detectLoss(sb, now, reoWnd, counters);
    }

    /**
     * RFC 8985 section 7.4: the ACKs after a tail loss probe tell whether it repaired a loss. The episode ends when
     * SND.UNA reaches the probe's end: with no loss if the probe was new data, if a D-SACK shows the original
     * arrived as well, or if a pure duplicate ACK answers it; with a loss (and a window reduction, section 7.4.2,
     * as for fast recovery) if the ACK moves past it without a D-SACK. Entering recovery ends it too.
     */
    private void tailLossProbeAcknowledged(final TcpSocket s, final boolean unaAdvanced, final boolean delivered,
        final boolean dsackSeen, final long now)
    {
        if (Seq.lt(s.snd.una, s.recovery.tlpHighSeq))
        {
            return;
        }
        if (!s.recovery.tlpRetransmission || dsackSeen)
        {
            s.recovery.tlpOutstanding = false;
        }
        else if (Seq.gt(s.snd.una, s.recovery.tlpHighSeq))
        {
            s.recovery.tlpOutstanding = false;
            if (s.sackRecovery() && s.scoreboard.lostBytes() == 0 && !s.recovery.inRecovery && !s.recovery.inLoss)
            {
                counters.tailLossProbeRecoveries++;
                startUndo(s);
                s.cc.onCongestion(s.opt.sendMss, s.snd.nxt - s.snd.una, now);
            }
        }
        else if (!unaAdvanced && !delivered)
        {
            s.recovery.tlpOutstanding = false;
        }
    }

    /**
     * Proportional Rate Reduction (RFC 9937, which obsoletes RFC 6937, section 4): during recovery, send in
     * proportion to what is delivered so that the flight falls smoothly to ssthresh, cwnd = pipe + sndcnt:
     * <pre>
     *   pipe &gt; ssthresh:  sndcnt = CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out
     *   else:             sndcnt = MIN(ssthresh - pipe, MAX(prr_delivered - prr_out, DeliveredData)
     *                                                   + (SafeACK ? SMSS : 0))
     * </pre>
     * where a SafeACK advances SND.UNA and reveals no further loss (slow-start reduction bound), others keep to
     * the conservative bound. The first ACK of recovery always lets the fast retransmit go.
     */
    private void proportionalRateReduction(final TcpSocket s, final int delivered, final boolean safeAck)
    {
        if (delivered <= 0 && s.recovery.prrOut > 0)
        {
            // RFC 9937 section 6.2: an ACK that delivers nothing changes nothing.
            return;
        }
        s.recovery.prrDelivered += Math.max(0, delivered);
        final int mss = s.opt.sendMss;
        final int pipe = s.scoreboard.pipe();
        final long ssthresh = s.cc.ssthresh;
        long sndcnt;
        if (pipe > ssthresh)
        {
            final RecoveryState r = s.recovery;
            sndcnt = (r.prrDelivered * ssthresh + r.recoverFs - 1) / r.recoverFs - r.prrOut;
        }
        else
        {
            long limit = Math.max(s.recovery.prrDelivered - s.recovery.prrOut, delivered);
            if (safeAck)
            {
                limit += mss;
            }
            sndcnt = Math.min(ssthresh - pipe, limit);
        }
        if (s.recovery.prrOut == 0 && sndcnt < mss)
        {
            // Force the fast retransmit on entering recovery.
            sndcnt = mss;
        }
        else if (pipe == 0 && sndcnt < mss)
        {
            // Nothing is left in flight, so no ACK will come to let the rest go: counted in bytes, a delivery of a
            // few bytes (a sliver left by resegmenting) would allow less than a segment and stall recovery until
            // the RTO. One segment goes, as Linux's packet-counted PRR would send one packet.
            sndcnt = mss;
        }
        s.cc.cwnd = (int)Math.min(CongestionControl.MAX_CWND, pipe + Math.max(0, sndcnt));
    }

    /**
     * RACK's reordering timer fired (RFC 8985 section 6.3): segments whose reordering window has passed are lost;
     * recovery starts if it had not, and they are sent again.
     */
    void rackTimeout(final TcpSocket s, final long now)
    {
        s.timerMode = TcpTimers.TIMER_RTO;
        if (!s.sackRecovery() || s.snd.una == s.snd.nxt)
        {
            return;
        }
        counters.rackTimeouts++;
        final Scoreboard sb = s.scoreboard;
        final long timeout = rackDetectLoss(s, now);
        if (sb.lostBytes() > 0 && !s.recovery.inRecovery && !s.recovery.inLoss)
        {
            enterRecovery(s, now);
            proportionalRateReduction(s, 0, false);
        }
        layer.output.output(s);
        if (timeout > 0)
        {
            layer.timeouts.armRackTimer(s, timeout);
        }
        else if (!s.retransmitTimer.isScheduled() || s.timerMode == TcpTimers.TIMER_RACK)
        {
            layer.timeouts.restartRetransmitTimer(s);
        }
    }

    /** Arms the undo of the congestion response about to be made (see {@link TcpAck#dsackArrives}). */
    static void startUndo(final TcpSocket s)
    {
        s.cc.saveForUndo();
        s.recovery.undoPossible = s.opt.sackOk;
        s.recovery.undoRetransmits = 0;
        s.recovery.undoStart = s.snd.una;
        s.recovery.undoEnd = s.snd.nxt;
    }

    /**
     * Fast retransmit and the start of fast recovery: RFC 5681 section 3.2, RFC 6582 (NewReno), RFC 6675 section 5
     * with RACK (RFC 8985) and PRR (RFC 9937) on a SACK connection.
     */
    void enterRecovery(final TcpSocket s, final long now)
    {
        counters.fastRecoveries++;
        s.recoveryCount++;
        final int flight = s.snd.nxt - s.snd.una;
        startUndo(s);
        s.cc.onCongestion(s.opt.sendMss, flight, now);
        s.endRecovery();
        s.recovery.recoveryPoint = s.snd.nxt;
        s.recovery.inRecovery = true;
        s.recovery.partialAckSeen = false;
        s.recovery.highRxt = s.snd.una;
        s.recovery.tlpOutstanding = false;
        if (s.sackRecovery())
        {
            // RFC 9937 section 4: RecoverFS is what may still be delivered: the flight less what is SACKed.
            s.recovery.recoverFs = Math.max(1, flight - s.scoreboard.sackedBytes());
            s.recovery.prrDelivered = 0;
            s.recovery.prrOut = 0;
            return;
        }
        // RFC 6582 section 3.2 step 3: cwnd = ssthresh + 3 SMSS, for the segments that left the network.
        s.cc.cwnd = s.cc.ssthresh + Rack.DUP_THRESH * s.opt.sendMss;
        layer.output.retransmitFirst(s);
    }

    /**
     * DupThresh for NewReno: 3 (RFC 5681 section 3.2), lowered by Early Retransmit (RFC 5827 section 3.1) to one
     * less than the segments outstanding when fewer than four are and no new data can go, since a small flight
     * cannot produce three duplicate ACKs and would otherwise wait for the retransmission timer. SACK connections
     * use RACK instead, which subsumes both (RFC 8985 section 6).
     */
    int dupThresh(final TcpSocket s)
    {
        final int mss = Math.max(1, s.opt.sendMss);
        final int outstanding = (s.snd.nxt - s.snd.una + mss - 1) / mss;
        if (outstanding < 4 && !TcpOutput.hasUnsent(s))
        {
            return Math.max(1, outstanding - 1);
        }
        return Rack.DUP_THRESH;
    }

    /**
     * RFC 6675 section 4, SetPipe(), from the scoreboard on a SACK connection. Without SACK: the flight, or after a
     * timeout only what has been sent again.
     */
    int pipe(final TcpSocket s)
    {
        if (s.sackRecovery())
        {
            return s.scoreboard.pipe();
        }
        final int una = s.snd.una;
        final int nxt = s.snd.nxt;
        if (una == nxt)
        {
            return 0;
        }
        return s.recovery.inLoss ? Math.max(0, s.recovery.highRxt - una) : nxt - una;
    }

    /**
     * The response to a retransmission timeout, as Linux's tcp_enter_loss: back off (RFC 6298 section 5.5), reduce
     * the window (RFC 5681 section 3.1), and deem everything outstanding lost, to be sent again from SND.UNA up.
     */
    void enterLoss(final TcpSocket s, final long now)
    {
        counters.retransmitTimeouts++;
        s.rtoCount++;
        // RFC 6298 section 5.5: back off.
        s.rtt.backOff();
        final int flight = s.snd.nxt - s.snd.una;
        if (s.retries == 1)
        {
            // RFC 5681 section 3.1: ssthresh from the first timeout of a series; cwnd to the loss window.
            startUndo(s);
            s.cc.onTimeout(s.opt.sendMss, flight, now);
        }
        else
        {
            // A second timeout: the first retransmission was surely needed.
            s.recovery.undoPossible = false;
            s.cc.cwnd = s.opt.sendMss;
        }
        // RFC 6675 section 5.1, RFC 8985 section 6.3: everything outstanding is lost; retransmit from SND.UNA up,
        // skipping SACKed data (unless the peer reneged).
        s.endRecovery();
        s.recovery.inLoss = true;
        s.recovery.recoveryPoint = s.snd.nxt;
        s.recovery.highRxt = s.snd.una;
        s.recovery.dupAcks = 0;
        s.rttTiming = false;
        s.recovery.tlpOutstanding = false;
        if (s.scoreboard != null && s.scoreboard.markAllLost())
        {
            counters.sackReneging++;
        }
    }
}
