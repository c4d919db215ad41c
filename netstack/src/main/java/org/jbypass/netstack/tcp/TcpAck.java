package org.jbypass.netstack.tcp;

/**
 * The sender's side of an acceptable ACK (RFC 9293 section 3.10.7.4, fifth check), as Linux's tcp_ack: the send
 * window update, SACK blocks into the scoreboard (RFC 2018, RFC 2883 D-SACK, RFC 3708 undo), new data acknowledged
 * (the send ring, RTT samples per RFC 6298, the end of recovery, window growth, the retransmission timer) and
 * duplicate ACKs (RFC 5681 section 3.2); loss detection then goes to {@link TcpRecovery}.
 *
 * <p>One instance per layer; apart from one flag per ACK it keeps no state of its own between segments.
 */
final class TcpAck
{
    private final TcpLayer layer;
    private final TcpCounters counters;
    /** Set by {@link #sackArrives}: the ACK carried a D-SACK (RFC 2883). */
    private boolean dsackSeen;

    TcpAck(final TcpLayer layer)
    {
        this.layer = layer;
        this.counters = layer.counters;
    }

    void ackArrives(final TcpSocket s, final Segment seg, final int seq, final long now)
    {
        final int ack = seg.ack;
        final int oldWnd = s.snd.wnd;
        final int priorUna = s.snd.una;
        final boolean sack = s.sackRecovery();
        dsackSeen = false;
        int sacked = 0;
        if (sack)
        {
            s.rack.beginAck();
            if (seg.sackBlocks > 0)
            {
                sacked = sackArrives(s, seg, ack, now);
            }
        }
        // RFC 9293 section 3.10.7.4, fifth check: update the send window from the newest segment only (SND.WL1,
        // SND.WL2 guard against old segments), and only for an ACK within SND.UNA..SND.NXT.
        if (Seq.ge(ack, s.snd.una) && (Seq.lt(s.snd.wl1, seq) || (s.snd.wl1 == seq && Seq.le(s.snd.wl2, ack))))
        {
            s.snd.wnd = seg.window << s.opt.sndWscale;
            s.snd.wl1 = seq;
            s.snd.wl2 = ack;
            if (s.snd.wnd > s.snd.maxWnd)
            {
                s.snd.maxWnd = s.snd.wnd;
            }
        }
        final boolean windowChanged = s.snd.wnd != oldWnd;
        if (s.persisting && s.snd.wnd > 0)
        {
            layer.timeouts.leavePersist(s, ack);
        }
        else if (s.persisting)
        {
            // The peer answered our probe: it is alive (RFC 1122 section 4.2.2.17 keeps probing indefinitely).
            s.retries = 0;
        }

        int delivered = sacked;
        if (Seq.gt(ack, s.snd.una))
        {
            delivered += newDataAcked(s, ack, now);
        }
        else if (ack == s.snd.una && s.snd.nxt != s.snd.una && seg.payloadLength == 0 && !seg.fin()
            && (sacked > 0 || (!windowChanged && seg.sackBlocks == 0)))
        {
            // RFC 5681 section 2 (DUPLICATE ACKNOWLEDGMENT), RFC 6675 section 2 (DupAck: new SACK information).
            duplicateAck(s, now);
        }
        if (sack)
        {
            layer.recovery.detectLoss(s, delivered, Seq.gt(s.snd.una, priorUna), dsackSeen, now);
        }
    }

    /**
     * Processes SACK blocks (RFC 2018 section 4, RFC 2883) into the scoreboard.
     *
     * @return the bytes newly SACKed
     */
    private int sackArrives(final TcpSocket s, final Segment seg, final int ack, final long now)
    {
        int newly = 0;
        final int una = Seq.max(ack, s.snd.una);
        for (int i = 0; i < seg.sackBlocks; i++)
        {
            final int start = seg.sackStart[i];
            final int end = seg.sackEnd[i];
            if (Seq.ge(start, end))
            {
                continue;
            }
            if (i == 0 && (Seq.le(end, ack) || (seg.sackBlocks > 1 && Seq.ge(start, seg.sackStart[1])
                && Seq.le(end, seg.sackEnd[1]))))
            {
                // RFC 2883 section 4: a first block below the cumulative ACK, or inside the second, is a D-SACK.
                counters.dsacksReceived++;
                dsackSeen = true;
                dsackArrives(s, start, end);
                continue;
            }
            // Blocks must describe data we sent and that is not yet cumulatively acknowledged; anything else is
            // stale or forged and ignored.
            if (Seq.le(end, una) || Seq.gt(end, s.snd.nxt) || Seq.lt(start, s.snd.una))
            {
                continue;
            }
            newly += s.scoreboard.sack(Seq.max(start, una), end, s.rack, now, s.rtt.minRtt());
        }
        return newly;
    }

    /**
     * RFC 3708 section 3: when every retransmission of the last recovery comes back as a duplicate, none of them was
     * needed and the congestion response was spurious; restore the window (RFC 4015 section 2, as Linux does).
     */
    private void dsackArrives(final TcpSocket s, final int start, final int end)
    {
        if (!s.recovery.undoPossible || Seq.lt(start, s.recovery.undoStart) || Seq.gt(end, s.recovery.undoEnd))
        {
            return;
        }
        if (--s.recovery.undoRetransmits <= 0)
        {
            s.recovery.undoPossible = false;
            s.cc.undo();
            counters.spuriousRecoveries++;
        }
    }

    /**
     * New data acknowledged: the send buffer, the RTT, the end of recovery, window growth and the retransmission
     * timer.
     *
     * @return the bytes this cumulative ACK newly delivered (not SACKed before), on a SACK connection
     */
    private int newDataAcked(final TcpSocket s, final int ack, final long now)
    {
        final int acked = ack - s.snd.una;
        final int flightBefore = s.snd.nxt - s.snd.una;
        final int dataEnd = s.snd.dataEnd();
        final int dataAcked = Seq.min(ack, dataEnd) - s.snd.bufSeq;
        if (dataAcked > 0)
        {
            s.snd.ring.skip(dataAcked);
            s.snd.bufSeq += dataAcked;
            s.snd.buffered -= dataAcked;
            if (s.snd.buffered == 0)
            {
                // All acknowledged: the chunks go back, so an idle connection holds no buffer memory.
                s.snd.ring.clear();
            }
        }
        s.snd.una = ack;
        if (dataAcked > 0)
        {
            // New data acknowledged: the path works (RFC 4861 section 7.3.1).
            layer.confirmReachable(s, now);
        }
        takeRttSample(s, ack);
        int delivered = 0;
        if (s.sackRecovery())
        {
            delivered = s.scoreboard.acknowledge(ack, s.rack, now, s.rtt.minRtt());
        }
        else if (Seq.lt(s.recovery.highRxt, ack))
        {
            s.recovery.highRxt = ack;
        }
        s.retries = 0;
        if (s.recovery.inRecovery)
        {
            if (Seq.ge(ack, s.recovery.recoveryPoint))
            {
                // Full acknowledgment: recovery ends. RFC 6582 section 3.2 step 6 (first option) for NewReno;
                // RFC 9937 section 4 (PRR) leaves cwnd at ssthresh.
                s.endRecovery();
                s.recovery.dupAcks = 0;
                if (!s.sackRecovery())
                {
                    final int flight = s.snd.nxt - s.snd.una;
                    s.cc.cwnd = Math.min(s.cc.ssthresh, Math.max(flight, s.opt.sendMss) + s.opt.sendMss);
                }
                else
                {
                    s.cc.cwnd = s.cc.ssthresh;
                }
            }
            else if (!s.sackRecovery())
            {
                // RFC 6582 section 3.2 step 5: a partial ACK. Retransmit the first unacknowledged segment, deflate
                // cwnd by what was acknowledged and add back one SMSS if at least that much was.
                layer.output.retransmitFirst(s);
                s.cc.cwnd = Math.max(s.opt.sendMss, s.cc.cwnd - acked + (acked >= s.opt.sendMss ? s.opt.sendMss : 0));
                if (!s.recovery.partialAckSeen)
                {
                    // The "Impatient" variant (section 4.1): restart the timer on the first partial ACK only.
                    s.recovery.partialAckSeen = true;
                    layer.timeouts.restartRetransmitTimer(s);
                }
            }
        }
        else
        {
            if (s.recovery.inLoss && Seq.ge(ack, s.recovery.recoveryPoint))
            {
                s.endRecovery();
            }
            s.recovery.dupAcks = 0;
            // RFC 7661 section 4.3: grow only when the window, not the application, limited the flight.
            final boolean cwndLimited = s.cc.inSlowStart() ? 2 * flightBefore >= s.cc.cwnd
                : flightBefore + s.opt.sendMss >= s.cc.cwnd;
            s.cc.onAck(Math.max(dataAcked, 0), s.opt.sendMss, cwndLimited, now, s.rtt.srtt());
        }
        if (!s.sackRecovery())
        {
            s.recovery.tlpOutstanding = false;
        }
        // RFC 6298 section 5.2 and 5.3: stop the timer when everything is acknowledged, else restart it.
        if (s.snd.una == s.snd.nxt)
        {
            if (!s.persisting)
            {
                layer.timers.cancel(s.retransmitTimer);
            }
        }
        else
        {
            layer.timeouts.restartRetransmitTimer(s);
        }
        if (dataAcked > 0 && !s.closed)
        {
            s.notifyReadiness();
        }
        return delivered;
    }

    private void duplicateAck(final TcpSocket s, final long now)
    {
        s.recovery.dupAcks++;
        if (s.sackRecovery())
        {
            // RACK decides what is lost (detectLoss), not the count of duplicate ACKs (RFC 8985 section 6).
            return;
        }
        if (s.recovery.inRecovery)
        {
            // RFC 5681 section 3.2 step 4 (RFC 6582 section 3.2 step 4): inflate by one SMSS per dup ACK.
            s.cc.cwnd = Math.min(CongestionControl.MAX_CWND, s.cc.cwnd + s.opt.sendMss);
            return;
        }
        if (s.recovery.inLoss)
        {
            return;
        }
        if (s.recovery.dupAcks >= layer.recovery.dupThresh(s))
        {
            // RFC 6582 section 3.2 step 2: only when the ACK covers more than "recover", the highest sequence
            // number sent when the last recovery began (our recoveryPoint is one past it), so that one window's
            // losses cut the window once.
            if (Seq.ge(s.snd.una, s.recovery.recoveryPoint))
            {
                layer.recovery.enterRecovery(s, now);
            }
        }
        // Below DupThresh, RFC 3042 limited transmit lets TcpOutput send new data beyond cwnd (by dupAcks
        // SMSS).
    }

    void takeRttSample(final TcpSocket s, final int ack)
    {
        if (s.rttTiming && Seq.gt(ack, s.rttSeq))
        {
            s.rtt.sample(layer.time.nanos() - s.rttStartNanos);
            s.rttTiming = false;
        }
    }
}
