package org.jbypass.netstack.tcp;

import org.jbypass.netstack.util.TimerQueue;

/**
 * What TCP sends and when, as Linux's tcp_write_xmit: the output decision (RFC 9293 section 3.8.6.2.1's
 * sender-side silly-window avoidance, Nagle's algorithm of section 3.7.4, the congestion window of RFC 5681 with
 * limited transmit per RFC 3042, and the SACK-based NextSeg() and pipe of RFC 6675 during recovery), what goes again
 * (retransmissions, the tail loss probe of RFC 8985 section 7.3), window updates after a read, and the send MSS
 * (RFC 6691, RFC 1191). {@link SegmentBuilder} builds the segments it decides on.
 *
 * <p>State is only advanced for segments actually built, so an empty pool loses nothing.
 */
final class TcpOutput
{
    /** Linux's floor for a learned path MTU (ip_rt_min_pmtu), against forged tiny MTUs. */
    private static final int MIN_PATH_MTU = 552;
    /** The longest TSO deferral (see {@link #deferTso}). */
    static final long TSO_DEFER_MAX_NANOS = 1_000_000L;
    /** Linux's sysctl_tcp_tso_win_divisor default: a third of the window is worth sending at once. */
    private static final int TSO_WIN_DIVISOR = 3;

    private final TcpLayer layer;
    private final TcpCounters counters;
    private final TcpConfig config;
    private final TimerQueue timers;

    TcpOutput(final TcpLayer layer)
    {
        this.layer = layer;
        this.counters = layer.counters;
        this.config = layer.config;
        this.timers = layer.timers;
    }

    // ------------------------------------------------------------------------------------------------------------
    // The output decision.

    /**
     * The size goal of the output pass under way ({@link SegmentBuilder#sizeGoal}, which asks IP for the route's
     * segmentation limit) for {@link #goalSocket} and a data room of {@link #goalMss}: what it depends on (the
     * route, cwnd, SRTT, the largest window) does not change while one pass sends, so a pass of many segments asks
     * once. Forgotten at the start of every pass ({@link #forgetGoal}).
     */
    private TcpSocket goalSocket;
    private int goalMss;
    private int goal;

    /** Sends whatever the windows, Nagle and silly-window avoidance allow, and an ACK if one is owed now. */
    void output(final TcpSocket s)
    {
        forgetGoal();
        if (!canSendData(s))
        {
            if (s.rcv.ackNow && s.state.isSynchronized())
            {
                layer.segments.sendAck(s);
            }
            return;
        }
        final long now = layer.time.nanos();
        if (s.snd.una == s.snd.nxt && s.lastSendNanos != 0 && now - s.lastSendNanos > s.rtt.rto())
        {
            // RFC 5681 section 4.1: after an idle period longer than the RTO, restart from the initial window.
            s.cc.cwnd = Math.min(s.cc.cwnd, config.initialCwndSegments * s.opt.sendMss);
        }
        final int budget = config.maxBurstSegments;
        int sent = 0;
        int result = 0;
        while (sent < budget)
        {
            result = sendOne(s, now);
            if (result <= 0)
            {
                break;
            }
            sent++;
        }
        if (sent == budget)
        {
            // Yield to the rest of the stack; carry on at the next poll.
            timers.scheduleNoLaterThan(s.outputTimer, now + 1);
        }
        if (result >= 0 && s.rcv.ackNow && s.state != TcpState.CLOSED)
        {
            layer.segments.sendAck(s);
        }
        if (sent == 0 && result == 0 && s.snd.una == s.snd.nxt && hasUnsent(s) && !s.persisting)
        {
            // Nothing in flight and nothing sendable: the window is closed (or too small to use without silly
            // windows). The persist timer probes it (RFC 9293 section 3.8.6.1) and, for a small open window, is the
            // override timeout of section 3.8.6.2.1.
            layer.timeouts.enterPersist(s, now);
        }
    }

    static boolean canSendData(final TcpSocket s)
    {
        switch (s.state)
        {
            case ESTABLISHED:
            case CLOSE_WAIT:
            case FIN_WAIT_1:
            case CLOSING:
            case LAST_ACK:
                return s.snd.ring != null;
            default:
                return false;
        }
    }

    private static boolean finPending(final TcpSocket s)
    {
        return s.snd.finQueued && Seq.le(s.snd.nxt, s.snd.finSeq)
            && (s.state == TcpState.FIN_WAIT_1 || s.state == TcpState.CLOSING || s.state == TcpState.LAST_ACK);
    }

    static boolean hasUnsent(final TcpSocket s)
    {
        return Seq.lt(s.snd.nxt, s.snd.dataEnd()) || finPending(s);
    }

    /**
     * Sends at most one segment.
     *
     * @return 1 when a segment went out, 0 when nothing may be sent now, -1 when the pool is empty
     */
    private int sendOne(final TcpSocket s, final long now)
    {
        if (s.sackRecovery())
        {
            if (s.recovery.inRecovery || s.recovery.inLoss)
            {
                return sendSackRecovery(s, now);
            }
            // RFC 6675 section 5 (and Linux): what is in flight is pipe, not SND.NXT - SND.UNA, as soon as
            // anything is SACKed; this subsumes limited transmit (RFC 3042).
            return sendNew(s, s.cc.cwnd - s.scoreboard.pipe(), now);
        }
        if (s.recovery.inLoss)
        {
            return sendGoBackN(s, now);
        }
        int cwnd = s.cc.cwnd;
        if (!s.recovery.inRecovery && s.recovery.dupAcks > 0 && s.recovery.dupAcks < Rack.DUP_THRESH)
        {
            // RFC 3042: limited transmit, one new segment per duplicate ACK beyond cwnd.
            cwnd += s.recovery.dupAcks * s.opt.sendMss;
        }
        // Outside recovery, and in NewReno's recovery with its inflated cwnd (RFC 6582 section 3.2 step 4).
        return sendNew(s, s.snd.una + cwnd - s.snd.nxt, now);
    }

    /**
     * Loss recovery on a SACK connection, RFC 6675 section 5 step (C) with RACK's notion of lost (RFC 8985
     * section 6) and the window PRR sets (RFC 6937): while cwnd - pipe allows a segment, NextSeg() picks the first
     * segment deemed lost and not yet sent again, else new data. RFC 6675's rules (3) and (4), retransmitting holes
     * not known to be lost, are left to RACK's timer and the tail loss probe, as in Linux.
     */
    private int sendSackRecovery(final TcpSocket s, final long now)
    {
        final Scoreboard sb = s.scoreboard;
        final int mss = layer.segments.dataRoom(s);
        final int room = s.cc.cwnd - sb.pipe();
        if (room <= 0)
        {
            return 0;
        }
        final int lost = sb.nextLost();
        if (lost >= 0)
        {
            // A whole segment, or the whole of a shorter lost one, must fit in what the window leaves.
            if (room < Math.min(mss, sb.end(lost) - sb.start(lost)))
            {
                return 0;
            }
            // Linux's tcp_xmit_retransmit_queue() and __tcp_retransmit_skb(): a lost record goes again as one
            // super-segment of as many whole segments as cwnd - pipe allows, at most tcp_tso_segs(); a larger
            // record is split there (tcp_fragment()) and its rest waits for the next pass.
            return retransmitRecord(s, lost, wholeSegments(layer.segments.sizeGoal(s, mss), mss, room), now);
        }
        // sendNew keeps a window-limited piece smaller than a segment back (silly-window avoidance).
        return sendNew(s, room, now);
    }

    /**
     * What a send may carry within {@code room} bytes of window: the size goal when it fits, else the whole segments
     * that do, else (less than a segment) the room itself for the callers' own small-window rules.
     */
    private static int wholeSegments(final int goal, final int mss, final int room)
    {
        if (room >= goal)
        {
            return goal;
        }
        return room > mss ? room - room % mss : room;
    }

    /**
     * Sends scoreboard record {@code i} again, at most {@code maxLength} bytes of it (the record is split so that
     * its rest keeps its own state).
     */
    private int retransmitRecord(final TcpSocket s, final int i, final int maxLength, final long now)
    {
        final Scoreboard sb = s.scoreboard;
        final int start = sb.start(i);
        int length = sb.end(i) - start;
        if (length > maxLength && sb.split(i, start + maxLength))
        {
            length = maxLength;
        }
        final int r = retransmitRange(s, start, Math.min(length, maxLength));
        if (r > 0)
        {
            sb.retransmitted(i, now);
        }
        return r;
    }

    /**
     * After a timeout without SACK: slow start through everything outstanding again, from SND.UNA up (RFC 5681
     * section 3.1, RFC 6298 section 5.4), then new data.
     */
    private int sendGoBackN(final TcpSocket s, final long now)
    {
        final int room = s.cc.cwnd - layer.recovery.pipe(s);
        if (room <= 0)
        {
            return 0;
        }
        final int from = Seq.max(s.recovery.highRxt, s.snd.una);
        if (Seq.lt(from, s.recovery.recoveryPoint) && Seq.lt(from, s.snd.nxt))
        {
            final int mss = layer.segments.dataRoom(s);
            final int len = Math.min(wholeSegments(layer.segments.sizeGoal(s, mss), mss, room),
                s.recovery.recoveryPoint - from);
            final int r = retransmitRange(s, from, len);
            if (r > 0)
            {
                s.recovery.highRxt = from + len;
            }
            return r;
        }
        return sendNew(s, room, now);
    }

    /**
     * Sends new data from SND.NXT, subject to the peer's window, {@code cwndRoom}, Nagle and silly-window
     * avoidance.
     */
    /** {@link SegmentBuilder#sizeGoal}, asked once per output pass (see {@link #goalSocket}). */
    private int sizeGoal(final TcpSocket s, final int mss)
    {
        if (goalSocket != s || goalMss != mss)
        {
            goal = layer.segments.sizeGoal(s, mss);
            goalSocket = s;
            goalMss = mss;
        }
        return goal;
    }

    private void forgetGoal()
    {
        goalSocket = null;
    }

    private int sendNew(final TcpSocket s, final int cwndRoom, final long now)
    {
        final int nxt = s.snd.nxt;
        final int dataEnd = s.snd.dataEnd();
        final int unsent = Math.max(0, dataEnd - nxt);
        final boolean finPending = finPending(s);
        if (unsent == 0 && !finPending)
        {
            return 0;
        }
        final int mss = layer.segments.dataRoom(s);
        final int peerRoom = s.snd.una + s.snd.wnd - nxt;
        final int room = Math.min(cwndRoom, peerRoom);
        // What is left to send fits one segment: the goal (at least one segment) cannot change len, and deferTso
        // never defers a single segment, so the route need not be asked.
        final int goal = unsent <= mss ? mss : sizeGoal(s, mss);
        int len = Math.max(0, Math.min(unsent, Math.min(goal, room)));
        if (len > mss && len % mss != 0 && (len < unsent || (!s.noDelay && s.snd.una != nxt && !finPending)))
        {
            // Linux's tcp_mss_split_point(): a super-segment carries whole segments. Its short tail goes alone
            // only at the end of the data with Nagle satisfied; cut short by a window, the tail waits for more
            // window and goes with what follows.
            len -= len % mss;
        }
        final boolean fin = finPending && nxt + len == s.snd.finSeq;
        if (len == 0 && !fin)
        {
            return 0;
        }
        if (len < mss && len < unsent)
        {
            // RFC 9293 section 3.8.6.2.1: a window-limited piece smaller than a full segment goes only if it is at
            // least half the largest window the peer has offered (else wait: more window, or the override timer).
            if (len < s.snd.maxWnd / 2 || len == 0)
            {
                return 0;
            }
        }
        else if (len < mss && len == unsent && !fin && !s.noDelay && s.snd.una != nxt)
        {
            // RFC 9293 section 3.7.4, Nagle: a short segment waits while data is unacknowledged.
            return 0;
        }
        if (s.scoreboard != null && !s.scoreboard.canAppend())
        {
            // The scoreboard is full of small segments: wait for ACKs (see Scoreboard).
            return 0;
        }
        if (deferTso(s, len, goal, mss, room, fin, now))
        {
            return 0;
        }
        final int r = layer.segments.emitData(s, nxt, len, fin);
        if (r < 0)
        {
            return -1;
        }
        s.snd.deferredSince = 0;
        final int used = len + (fin ? 1 : 0);
        s.snd.nxt = nxt + used;
        recordNew(s, nxt, used, now);
        if (!s.rttTiming && len > 0)
        {
            s.rttTiming = true;
            s.rttSeq = nxt;
            s.rttStartNanos = now;
        }
        layer.timeouts.startRetransmitTimer(s);
        return 1;
    }

    /**
     * TSO deferral, Linux's tcp_tso_should_defer() (net/ipv4/tcp_output.c): a super-segment of several segments but
     * smaller than the size goal waits when the ACKs that would let it grow are due shortly, so that the link gets
     * fewer, larger super-segments (and the receiver fewer ACK decisions). It goes now when it is one segment or a
     * whole goal, carries a FIN, the connection is recovering, nothing is in flight, the window room is at least a
     * third of min(cwnd, the peer's window) (tcp_tso_win_divisor = 3), or the oldest segment in flight left at most
     * half an SRTT ago (its ACK is not due yet). Linux relies on the ACK clock to end a deferral; here a timer
     * bounds it too: the held data goes at the latest {@code min(SRTT, 1 ms)} after it was first held back (Linux's
     * own "last send more than 1 ms ago" rule, and an ACK a whole RTT late is not coming), so it never stalls.
     * Connections without SACK keep no send times and do not defer.
     *
     * @return true when the data waits (the output timer is set for the bound)
     */
    private boolean deferTso(final TcpSocket s, final int len, final int goal, final int mss, final int room,
        final boolean fin, final long now)
    {
        if (len <= mss || len >= goal || room >= goal || fin || s.recovery.inRecovery || s.recovery.inLoss
            || s.scoreboard == null || s.scoreboard.count() == 0)
        {
            return false;
        }
        final long srtt = s.rtt.srtt();
        if (srtt <= 0)
        {
            return false;
        }
        final long bound = Math.min(TSO_DEFER_MAX_NANOS, srtt);
        if (s.snd.deferredSince != 0 && now - s.snd.deferredSince >= bound)
        {
            return false;
        }
        if (room >= Math.min((long)s.snd.wnd, s.cc.cwnd) / TSO_WIN_DIVISOR)
        {
            return false;
        }
        if (now - s.scoreboard.sentNanos(0) <= srtt / 2)
        {
            // The oldest segment in flight left less than half an SRTT ago: its ACK is not due yet. (Linux's test is
            // strict; at or equal here, so that a flight sent in this very instant never holds its own tail back.)
            return false;
        }
        if (s.snd.deferredSince == 0)
        {
            s.snd.deferredSince = now;
        }
        counters.tsoDeferrals++;
        timers.scheduleNoLaterThan(s.outputTimer, s.snd.deferredSince + bound);
        return true;
    }

    /** New sequence space {@code [seq, seq + length)} went out: the scoreboard and PRR's prr_out learn of it. */
    static void recordNew(final TcpSocket s, final int seq, final int length, final long now)
    {
        if (s.scoreboard != null)
        {
            s.scoreboard.append(seq, length, now);
        }
        if (s.recovery.inRecovery)
        {
            s.recovery.prrOut += length;
        }
    }

    /** Sends {@code [seq, seq + len)} of sequence space again (data, and the FIN if the range holds it). */
    private int retransmitRange(final TcpSocket s, final int seq, final int len)
    {
        final int dataEnd = s.snd.dataEnd();
        final int dataLen = Math.max(0, Seq.min(seq + len, dataEnd) - seq);
        final boolean fin = s.snd.finQueued && Seq.le(seq, s.snd.finSeq) && Seq.gt(seq + len, s.snd.finSeq);
        if (dataLen == 0 && !fin)
        {
            return 0;
        }
        if (layer.segments.emitData(s, seq, dataLen, fin) < 0)
        {
            return -1;
        }
        counters.retransmittedSegments++;
        counters.retransmittedBytes += dataLen;
        s.retransmittedSegments++;
        if (s.recovery.inRecovery)
        {
            // RFC 6937: prr_out counts every byte sent during recovery.
            s.recovery.prrOut += dataLen + (fin ? 1 : 0);
        }
        if (s.recovery.undoPossible)
        {
            s.recovery.undoRetransmits++;
        }
        if (s.rttTiming && Seq.le(seq, s.rttSeq))
        {
            // Karn's algorithm (RFC 6298 section 3): no sample from a segment sent more than once.
            s.rttTiming = false;
        }
        layer.timeouts.startRetransmitTimer(s);
        return 1;
    }

    /** Retransmits the first unacknowledged segment: fast retransmit (RFC 5681 section 3.2, step 2), NewReno. */
    void retransmitFirst(final TcpSocket s)
    {
        final int len = Math.min(layer.segments.dataRoom(s), s.snd.nxt - s.snd.una);
        if (len > 0 && retransmitRange(s, s.snd.una, len) > 0 && Seq.gt(s.snd.una + len, s.recovery.highRxt))
        {
            s.recovery.highRxt = s.snd.una + len;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // After events.

    /** After a segment was processed: send what the ACK allows, and the ACK owed. */
    void afterInput(final TcpSocket s)
    {
        output(s);
    }

    /**
     * After the application read, as Linux's tcp_cleanup_rbuf(): the delayed ACK goes now when more than one
     * segment's worth is unacknowledged (the burst's own ACK decision normally took it already), and a window
     * update goes when the read opens the window a lot, so a sender held back by a full buffer does not wait for
     * its persist timer: "a lot" is Linux's, at least double the window now advertised when that is at most half
     * the buffer, and never less than RFC 9293 section 3.8.6.2.2 lets the right edge move (min(buffer / 2, MSS)).
     * Not BSD's older "two segments freed": with reads of a few KB that is one ACK per read, each of which makes a
     * kernel sender over a veth run its ACK processing and its next transmit in the reader's system call (an upload
     * to the stack sent ten times the kernel receiver's ACKs per MB and paid for the sender's work; PERFORMANCE.md).
     */
    void afterRead(final TcpSocket s)
    {
        if (!s.state.isSynchronized() || s.state == TcpState.TIME_WAIT || s.rcv.finReceived)
        {
            return;
        }
        if (s.delayedAckTimer.isScheduled() && s.rcv.mss > 0 && s.rcv.nxt - s.rcv.lastAckSent > s.rcv.mss)
        {
            layer.segments.sendAck(s);
            return;
        }
        final int cur = Math.max(0, s.rcv.adv - s.rcv.nxt);
        if (2 * cur > s.rcv.capacity)
        {
            return;
        }
        final int potential = s.rcv.readSeq + s.rcv.capacity - s.rcv.nxt;
        if (potential - cur >= Math.min(s.rcv.capacity / 2, s.opt.receiveMss) && potential >= 2 * cur)
        {
            layer.segments.sendAck(s);
        }
    }

    /** The effective send MSS: the peer's MSS and the path MTU, less the timestamp option (RFC 6691). */
    void updateSendMss(final TcpSocket s)
    {
        int mtu = layer.pathMtu(s);
        if (mtu == 0)
        {
            mtu = s.v6 ? TcpLayer.IPV6_MIN_MTU : 576;
        }
        if (s.opt.pathMtu > 0)
        {
            mtu = Math.min(mtu, s.opt.pathMtu);
        }
        final int mss = Math.min(s.opt.peerMss, mtu - (s.v6 ? TcpLayer.IPV6_HEADERS : 40));
        s.opt.sendMss = Math.max(TcpOptions.MIN_PEER_MSS - TcpOptions.TIMESTAMP_BLOCK,
            mss - (s.opt.timestampsOk ? TcpOptions.TIMESTAMP_BLOCK : 0));
    }

    /**
     * Path MTU discovery (RFC 1191 section 6.3): a smaller MTU lowers the MSS, and what is in flight is sent again
     * in smaller segments at once, without a congestion response (the loss was not congestion).
     */
    void pathMtuChanged(final TcpSocket s, final int mtu)
    {
        if (mtu < 68)
        {
            return;
        }
        // RFC 8201 section 4: never below IPv6's minimum link MTU.
        final int clamped = Math.max(s.v6 ? TcpLayer.IPV6_MIN_MTU : MIN_PATH_MTU, mtu);
        if (s.opt.pathMtu != 0 && clamped >= s.opt.pathMtu)
        {
            return;
        }
        final int before = s.opt.sendMss;
        s.opt.pathMtu = clamped;
        updateSendMss(s);
        if (s.opt.sendMss < before)
        {
            counters.pmtuUpdates++;
            if (s.snd.una != s.snd.nxt && s.state.isSynchronized())
            {
                s.endRecovery();
                s.recovery.inLoss = true;
                s.recovery.recoveryPoint = s.snd.nxt;
                s.recovery.highRxt = s.snd.una;
                if (s.scoreboard != null)
                {
                    s.scoreboard.markAllLost();
                }
                output(s);
            }
        }
    }

    /**
     * The probe timer fired with no ACK since: send one tail loss probe (RFC 8985 section 7.3), new data if the
     * peer's window takes it, else the last segment not SACKed again, so that a loss at the tail of a flight is
     * reported by SACK and repaired by recovery instead of waiting for the RTO.
     */
    void tailLossProbe(final TcpSocket s, final long now)
    {
        forgetGoal();
        s.timerMode = TcpTimers.TIMER_RTO;
        if (!canSendData(s) || s.snd.una == s.snd.nxt)
        {
            return;
        }
        int sent = 0;
        if (Seq.lt(s.snd.nxt, s.snd.dataEnd()) && Seq.lt(s.snd.nxt, s.snd.una + s.snd.wnd))
        {
            sent = sendNew(s, Integer.MAX_VALUE / 2, now);
        }
        boolean retransmission = false;
        if (sent <= 0)
        {
            final Scoreboard sb = s.scoreboard;
            int i = sb.count() - 1;
            while (i >= 0 && (sb.flags(i) & Scoreboard.SACKED) != 0)
            {
                i--;
            }
            if (i >= 0)
            {
                final int mss = layer.segments.dataRoom(s);
                final int start = sb.start(i);
                final int tail = sb.end(i) - mss;
                if (Seq.gt(tail, start) && sb.split(i, tail))
                {
                    i++;
                }
                sent = retransmitRecord(s, i, mss, now);
                retransmission = sent > 0;
            }
        }
        if (sent > 0)
        {
            counters.tailLossProbes++;
            s.recovery.tlpOutstanding = true;
            s.recovery.tlpHighSeq = s.snd.nxt;
            // In recovery the window is already reduced: a repaired loss needs no second response.
            s.recovery.tlpRetransmission = retransmission && !s.recovery.inRecovery;
        }
        layer.timeouts.armRetransmitTimer(s);
    }
}
