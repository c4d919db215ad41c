package org.jbypass.netstack.tcp;

/**
 * RACK, time-based loss detection (RFC 8985 section 6): a segment is lost when a segment sent after it has been
 * delivered and more than one round trip plus a reordering window has passed since it was sent. It finds lost
 * retransmissions like lost originals, needs no duplicate-ACK count, and tolerates reordering within its window.
 *
 * <p>The state of RFC 8985 section 5.2 (RACK.xmit_ts, RACK.end_seq, RACK.rtt, RACK.fack, RACK.reordering_seen, and
 * the D-SACK-driven multiplier of the reordering window) for one connection; the segments and their transmission
 * times are the {@link Scoreboard}'s.
 */
final class Rack
{
    /**
     * DupThresh: how many segments SACKed above a hole make it lost at once (RFC 8985 section 6.2 step 4, where the
     * reordering window drops to zero), and, without SACK, the duplicate ACKs that trigger fast retransmit (RFC 5681
     * section 3.2), which RACK replaces.
     */
    static final int DUP_THRESH = 3;
    /** RFC 8985 section 6.2 step 4: reo_wnd_persist, the loss recoveries a grown reordering window lasts. */
    private static final int REO_WND_PERSIST = 16;

    /** The most recently sent segment delivered so far: its transmission time and end (RACK.xmit_ts, .end_seq). */
    private long xmitNanos;
    private int endSeq;
    /** RACK.rtt: the round trip of that segment, measured from its last transmission. */
    private long rttNanos;
    private boolean valid;
    /** RACK.fack: the highest sequence number delivered. */
    private int fack;
    /** RACK.fack before the ACK being processed (see {@link #delivered}). */
    private int priorFack;
    /** RACK.reordering_seen. */
    private boolean reorderingSeen;
    private int reoWndMult = 1;
    private int reoWndPersist;
    private boolean dsackRoundValid;
    private int dsackRound;

    void reset(final int seq)
    {
        valid = false;
        fack = seq;
        priorFack = seq;
        reorderingSeen = false;
        reoWndMult = 1;
        reoWndPersist = 0;
        dsackRoundValid = false;
    }

    boolean reorderingSeen()
    {
        return reorderingSeen;
    }

    int reoWndMult()
    {
        return reoWndMult;
    }

    long rttNanos()
    {
        return rttNanos;
    }

    /** An ACK arrives: what was delivered before it is the reference for detecting reordering. */
    void beginAck()
    {
        priorFack = fack;
    }

    /**
     * A segment {@code [start, end)} was newly delivered, cumulatively or by SACK: RFC 8985 section 6.2 steps 2
     * (RACK_update) and 3 (RACK_detect_reordering).
     *
     * <p>Reordering is judged against the highest sequence delivered before this ACK, as Linux does: an ACK that
     * SACKs new data and cumulatively acknowledges older data at once (its predecessors lost) is not reordering.
     */
    void delivered(final int start, final int end, final long sentNanos, final boolean everRetransmitted,
        final long nowNanos, final long minRttNanos)
    {
        if (Seq.gt(end, fack))
        {
            fack = end;
        }
        if (!everRetransmitted && Seq.lt(start, priorFack))
        {
            // Delivered below data delivered earlier, and never sent twice: the network reordered it.
            reorderingSeen = true;
        }
        final long rtt = nowNanos - sentNanos;
        if (everRetransmitted && rtt < minRttNanos)
        {
            // Faster than any round trip: this ACK is for an earlier transmission, not the retransmission, and says
            // nothing about when the retransmission arrived (RFC 8985 section 6.2 step 2).
            return;
        }
        if (!valid || sentAfter(sentNanos, end, xmitNanos, endSeq))
        {
            valid = true;
            rttNanos = rtt;
            xmitNanos = sentNanos;
            endSeq = end;
        }
    }

    /**
     * RFC 8985 section 6.2 step 4, the D-SACK half: a round in which D-SACKs arrive (spurious retransmissions)
     * widens the reordering window by another min_RTT / 4, for the next 16 recoveries.
     */
    void dsackArrived(final int sndUna, final int sndNxt)
    {
        if (dsackRoundValid && Seq.ge(sndUna, dsackRound))
        {
            dsackRoundValid = false;
        }
        if (!dsackRoundValid)
        {
            dsackRoundValid = true;
            dsackRound = sndNxt;
            reoWndMult = Math.min(reoWndMult + 1, 64);
            reoWndPersist = REO_WND_PERSIST;
        }
    }

    /** Fast or RTO recovery ended: a widened window shrinks back after 16 recoveries without D-SACK. */
    void recoveryEnded()
    {
        if (reoWndPersist > 0 && --reoWndPersist == 0)
        {
            reoWndMult = 1;
        }
    }

    /**
     * RFC 8985 section 6.2 step 4, RACK.reo_wnd: a quarter of the minimum RTT (times the D-SACK multiplier, at most
     * SRTT), or zero while no reordering has been seen and either recovery is under way or DupThresh segments are
     * SACKed (then RACK marks losses as fast as RFC 6675 would).
     */
    long reoWnd(final boolean inRecovery, final int sackedSegments, final long minRttNanos, final long srttNanos)
    {
        if (!reorderingSeen && (inRecovery || sackedSegments >= DUP_THRESH))
        {
            return 0;
        }
        return Math.min((long)reoWndMult * minRttNanos / 4, srttNanos);
    }

    /**
     * RFC 8985 section 6.2 step 5, RACK_detect_loss: marks lost every segment sent before the most recently
     * delivered one whose time is up (sent more than RACK.rtt + reo_wnd ago).
     *
     * <p>The records are walked in sequence order. Original transmissions go out in sequence order, so the first
     * never-retransmitted record sent after RACK.xmit_ts ends the walk: every later record was last sent later still.
     * The walk starts at the scoreboard's first possible candidate, so SACKed and already-lost records at the front
     * of a long flight are passed over once, not on every ACK (Linux keeps a time-ordered list for the same end).
     *
     * @return how long until the next not-yet-lost candidate's time is up (arm the RACK timer), or 0 if none
     */
    long detectLoss(final Scoreboard sb, final long nowNanos, final long reoWndNanos, final TcpCounters counters)
    {
        if (!valid)
        {
            return 0;
        }
        long timeout = 0;
        final int n = sb.count();
        final int hint = sb.candidateHint();
        int i = sb.indexOf(hint);
        if (i < 0)
        {
            i = Seq.ge(hint, sb.end()) ? n : 0;
        }
        // Records below the first candidate stay skipped next time (see Scoreboard.candidateHint).
        boolean leading = true;
        for (; i < n; i++)
        {
            final int f = sb.flags(i);
            final long sent = sb.sentNanos(i);
            final int end = sb.end(i);
            final boolean everRetransmitted = (f & Scoreboard.EVER_RETRANSMITTED) != 0;
            if (!everRetransmitted && sentAfter(sent, end, xmitNanos, endSeq))
            {
                break;
            }
            if ((f & Scoreboard.SACKED) != 0 || (f & (Scoreboard.LOST | Scoreboard.RETRANSMITTED)) == Scoreboard.LOST)
            {
                if (leading)
                {
                    sb.candidateHint(end);
                }
                continue;
            }
            leading = false;
            if (!sentAfter(xmitNanos, endSeq, sent, end))
            {
                continue;
            }
            final long remaining = sent + rttNanos + reoWndNanos - nowNanos;
            if (remaining <= 0)
            {
                counters.rackLost++;
                if (sb.markLost(i))
                {
                    counters.lostRetransmits++;
                }
            }
            else
            {
                timeout = Math.max(timeout, remaining);
            }
        }
        return timeout;
    }

    /** RFC 8985 section 6.2, RACK_sent_after: t1/seq1 was sent after t2/seq2 (ties broken by sequence). */
    static boolean sentAfter(final long t1, final int seq1, final long t2, final int seq2)
    {
        return t1 > t2 || (t1 == t2 && Seq.gt(seq1, seq2));
    }
}
