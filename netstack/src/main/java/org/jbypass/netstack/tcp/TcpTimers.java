package org.jbypass.netstack.tcp;

import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.TcpHeader;

/**
 * The connection timers, as Linux's tcp_timer.c: arming and firing the retransmission timer with its modes (the RTO
 * of RFC 6298, the tail loss probe's PTO of RFC 8985 section 7.2, RACK's reordering timer of section 6.3, the persist
 * timer of RFC 9293 section 3.8.6.1), the delayed ACK, the output continuation, and keepalive (RFC 1122 section
 * 4.2.3.6), which also carries FIN_WAIT_2. TIME_WAIT has one timer for all its records ({@link TcpTimeWait}).
 *
 * <p>One instance per layer; the timers themselves belong to each {@link TcpSocket}.
 */
final class TcpTimers
{
    /** Keepalive timer modes. */
    static final int KEEP_NONE = 0;
    static final int KEEP_ALIVE = 1;
    static final int KEEP_FIN_WAIT_2 = 2;

    /** Retransmission timer modes: the RTO (RFC 6298), a tail loss probe (RFC 8985 section 7.2), RACK's reordering
     * timer (RFC 8985 section 6.3). */
    static final int TIMER_RTO = 0;
    static final int TIMER_PROBE = 1;
    static final int TIMER_RACK = 2;

    private final TcpLayer layer;
    private final TcpCounters counters;
    private final TcpConfig config;
    private final TimerQueue timers;

    TcpTimers(final TcpLayer layer)
    {
        this.layer = layer;
        this.counters = layer.counters;
        this.config = layer.config;
        this.timers = layer.timers;
    }

    /**
     * After a transmission: starts the retransmission timer if it is not running (RFC 6298 section 5.1), and
     * restarts a probe timer, since the PTO counts from the last transmission (RFC 8985 section 7.2). A pending
     * RACK timer stays: it fires sooner than either.
     */
    void startRetransmitTimer(final TcpSocket s)
    {
        if ((!s.retransmitTimer.isScheduled() || s.timerMode == TIMER_PROBE) && !s.persisting)
        {
            armRetransmitTimer(s);
        }
    }

    void restartRetransmitTimer(final TcpSocket s)
    {
        if (!s.persisting)
        {
            armRetransmitTimer(s);
        }
    }

    /**
     * Arms the retransmission timer: with the probe timeout of a tail loss probe when one may be sent (RFC 8985
     * section 7.2), else with the RTO. The PTO is Linux's: 2 SRTT plus 2 ms, or plus the minimum RTO when a single
     * segment is out (its ACK may be delayed), and never later than the RTO.
     */
    void armRetransmitTimer(final TcpSocket s)
    {
        final long now = layer.time.nanos();
        final long rto = s.rtt.rto();
        if (tailLossProbeAllowed(s))
        {
            final long extra = s.snd.nxt - s.snd.una <= s.opt.sendMss ? config.minRtoNanos : 2_000_000L;
            s.timerMode = TIMER_PROBE;
            timers.schedule(s.retransmitTimer, now + Math.min(rto, 2 * s.rtt.srtt() + extra));
            return;
        }
        s.timerMode = TIMER_RTO;
        timers.schedule(s.retransmitTimer, now + rto);
    }

    /**
     * Arms RACK's reordering timer (RFC 8985 section 6.3) in place of the RTO or PTO: some segment will be deemed
     * lost {@code delayNanos} from now unless an ACK shows it delivered.
     */
    void armRackTimer(final TcpSocket s, final long delayNanos)
    {
        if (s.persisting)
        {
            return;
        }
        s.timerMode = TIMER_RACK;
        timers.schedule(s.retransmitTimer, layer.time.nanos() + Math.max(1, delayNanos));
    }

    /**
     * RFC 8985 section 7.2 schedules probes outside recovery only; this stack also probes once in fast recovery,
     * since RACK cannot see a loss at the tail of what was sent, and if the ACK that would have ended the recovery
     * is lost (a receiver that compresses its SACKs sends few), nothing else would clock the sender until the RTO,
     * a thousand times the RTT on a LAN.
     */
    private static boolean tailLossProbeAllowed(final TcpSocket s)
    {
        // Every state that sends data: the tail of a flight ending in a FIN is a tail like any other.
        return s.sackRecovery() && !s.recovery.tlpOutstanding && !s.recovery.inLoss && s.rtt.hasSample()
            && TcpOutput.canSendData(s);
    }

    /** A tail loss probe episode just ended: the timer armed for the RTO while it lasted becomes a PTO again. */
    void probeAllowedAgain(final TcpSocket s)
    {
        if (s.timerMode == TIMER_RTO && s.retransmitTimer.isScheduled() && s.snd.una != s.snd.nxt)
        {
            restartRetransmitTimer(s);
        }
    }

    void enterPersist(final TcpSocket s, final long now)
    {
        s.persisting = true;
        s.persistBackoff = 0;
        s.retries = 0;
        timers.schedule(s.retransmitTimer, now + persistInterval(s));
    }

    private long persistInterval(final TcpSocket s)
    {
        final long base = Math.max(config.minRtoNanos, s.rtt.baseRto());
        final int shift = Math.min(s.persistBackoff, 30);
        return Math.min(config.maxRtoNanos, base << shift);
    }

    /** The window opened: stop probing. A probe byte the peer dropped is sent again as ordinary data. */
    void leavePersist(final TcpSocket s, final int ack)
    {
        s.persisting = false;
        timers.cancel(s.retransmitTimer);
        if (s.probeOutstanding)
        {
            s.probeOutstanding = false;
            if (Seq.lt(ack, s.snd.nxt) && s.snd.nxt == s.snd.una + 1)
            {
                s.snd.nxt = s.snd.una;
                if (s.scoreboard != null)
                {
                    s.scoreboard.truncate(s.snd.nxt);
                }
            }
        }
    }

    void onRetransmitTimer(final TcpSocket s, final long now)
    {
        if (s.persisting)
        {
            persistTimeout(s, now);
            return;
        }
        if (s.timerMode == TIMER_PROBE)
        {
            layer.output.tailLossProbe(s, now);
            return;
        }
        if (s.timerMode == TIMER_RACK)
        {
            layer.recovery.rackTimeout(s, now);
            return;
        }
        switch (s.state)
        {
            case SYN_SENT:
                if (++s.retries > config.synRetries)
                {
                    counters.attemptFails++;
                    timedOut(s);
                    return;
                }
                s.rtt.backOff();
                layer.segments.sendSyn(s, false, true);
                s.timerMode = TIMER_RTO;
                timers.schedule(s.retransmitTimer, now + s.rtt.rto());
                return;
            case SYN_RECEIVED:
                // A simultaneous open; a passive one retransmits from its SynRequest (TcpHandshake.requestTimeout).
                if (++s.retries > config.synAckRetries)
                {
                    counters.attemptFails++;
                    timedOut(s);
                    return;
                }
                s.rtt.backOff();
                layer.segments.sendSyn(s, true, true);
                timers.schedule(s.retransmitTimer, now + s.rtt.rto());
                return;
            case CLOSED:
            case LISTEN:
            case TIME_WAIT:
                return;
            default:
                break;
        }
        if (s.snd.una == s.snd.nxt)
        {
            return;
        }
        if (++s.retries > config.dataRetries)
        {
            timedOut(s);
            return;
        }
        layer.recovery.enterLoss(s, now);
        // RFC 6298 section 5.4: retransmit the earliest unacknowledged segment; 5.6: restart the timer.
        timers.cancel(s.retransmitTimer);
        layer.output.output(s);
        if (!s.retransmitTimer.isScheduled())
        {
            s.timerMode = TIMER_RTO;
            timers.schedule(s.retransmitTimer, now + s.rtt.rto());
        }
    }

    /** The connection gave up retransmitting: it fails with the last ICMP error heard, else ETIMEDOUT. */
    private void timedOut(final TcpSocket s)
    {
        counters.connectionTimeouts++;
        layer.input.fail(s, s.softError != 0 ? s.softError : Errno.ETIMEDOUT);
    }

    private void persistTimeout(final TcpSocket s, final long now)
    {
        if (!TcpOutput.canSendData(s) || !TcpOutput.hasUnsent(s) && !s.probeOutstanding)
        {
            s.persisting = false;
            return;
        }
        if (s.snd.wnd > 0 && !s.probeOutstanding)
        {
            // The override timeout (RFC 9293 section 3.8.6.2.1 (4)): send what the small window takes.
            s.persisting = false;
            final int unsent = s.snd.dataEnd() - s.snd.nxt;
            final int len = Math.min(Math.min(unsent, s.snd.wnd - (s.snd.nxt - s.snd.una)), layer.segments.dataRoom(s));
            if (len > 0 && layer.segments.emitData(s, s.snd.nxt, len, false) == 0)
            {
                TcpOutput.recordNew(s, s.snd.nxt, len, now);
                s.snd.nxt += len;
                startRetransmitTimer(s);
            }
            else
            {
                layer.output.output(s);
            }
            return;
        }
        if (++s.retries > config.dataRetries)
        {
            counters.connectionTimeouts++;
            layer.input.fail(s, Errno.ETIMEDOUT);
            return;
        }
        // A zero-window probe: one byte of new data beyond the window (RFC 9293 section 3.8.6.1), sent again at
        // SND.UNA until the window opens. A lone FIN needs no window and never persists.
        counters.zeroWindowProbes++;
        if (s.snd.buffered > 0)
        {
            final boolean fin = s.snd.finQueued && s.snd.una + 1 == s.snd.finSeq && Seq.le(s.snd.nxt, s.snd.finSeq);
            if (layer.segments.emitData(s, s.snd.una, 1, fin) == 0 && s.snd.nxt == s.snd.una)
            {
                s.snd.nxt = s.snd.una + 1 + (fin ? 1 : 0);
                TcpOutput.recordNew(s, s.snd.una, s.snd.nxt - s.snd.una, now);
                s.probeOutstanding = true;
            }
        }
        s.persistBackoff++;
        timers.schedule(s.retransmitTimer, now + persistInterval(s));
    }

    void onDelayedAckTimer(final TcpSocket s)
    {
        if (s.state.isSynchronized() && s.state != TcpState.TIME_WAIT && s.rcv.nxt != s.rcv.lastAckSent)
        {
            layer.segments.sendAck(s);
        }
    }

    void onOutputTimer(final TcpSocket s)
    {
        if (s.state != TcpState.CLOSED)
        {
            layer.output.output(s);
        }
    }

    void onKeepTimer(final TcpSocket s, final long now)
    {
        switch (s.keepMode)
        {
            case KEEP_FIN_WAIT_2:
                if (s.state == TcpState.FIN_WAIT_2)
                {
                    // tcp_fin_timeout: an orphan whose peer never closes is reset and forgotten.
                    layer.segments.sendResetFor(s);
                    layer.destroy(s);
                }
                return;
            case KEEP_ALIVE:
                keepaliveTimeout(s, now);
                return;
            default:
                return;
        }
    }

    /** RFC 1122 section 4.2.3.6: probe an idle connection; give up after keepCount unanswered probes. */
    private void keepaliveTimeout(final TcpSocket s, final long now)
    {
        if (!s.keepAlive || (s.state != TcpState.ESTABLISHED && s.state != TcpState.CLOSE_WAIT))
        {
            s.keepMode = KEEP_NONE;
            return;
        }
        if (s.snd.una != s.snd.nxt || s.snd.buffered > 0)
        {
            // Data in flight: the retransmission timer watches the connection.
            timers.schedule(s.keepTimer, now + s.keepIdleNanos);
            return;
        }
        final long idle = now - s.lastReceiveNanos;
        if (idle < s.keepIdleNanos)
        {
            timers.schedule(s.keepTimer, s.lastReceiveNanos + s.keepIdleNanos);
            return;
        }
        if (s.keepProbes >= s.keepCount)
        {
            counters.connectionTimeouts++;
            layer.segments.sendResetFor(s);
            layer.input.fail(s, s.softError != 0 ? s.softError : Errno.ETIMEDOUT);
            return;
        }
        // The probe carries SEG.SEQ = SND.NXT - 1 and no data: outside the peer's window, so it must answer with
        // an ACK (RFC 1122 section 4.2.3.6).
        s.keepProbes++;
        counters.keepaliveProbes++;
        layer.segments.emit(s, s.snd.nxt - 1, TcpHeader.ACK, 0);
        timers.schedule(s.keepTimer, now + s.keepIntervalNanos);
    }

    /** After close(): the FIN goes out (or is queued); an orphan in FIN_WAIT_2 gets its timeout. */
    void afterClose(final TcpSocket s)
    {
        if (s.state == TcpState.FIN_WAIT_2)
        {
            startFinWait2Timer(s);
        }
        if (s.keepMode == KEEP_ALIVE && !s.keepAlive)
        {
            timers.cancel(s.keepTimer);
        }
    }

    /** tcp_fin_timeout: how long an orphan waits in FIN_WAIT_2 for the peer's FIN. */
    void startFinWait2Timer(final TcpSocket s)
    {
        s.keepMode = KEEP_FIN_WAIT_2;
        timers.schedule(s.keepTimer, layer.time.nanos() + config.finTimeoutNanos);
    }

    void updateKeepalive(final TcpSocket s)
    {
        if (s.keepAlive && (s.state == TcpState.ESTABLISHED || s.state == TcpState.CLOSE_WAIT))
        {
            s.keepMode = KEEP_ALIVE;
            timers.schedule(s.keepTimer, Math.max(layer.time.nanos(), s.lastReceiveNanos + s.keepIdleNanos));
        }
        else if (s.keepMode == KEEP_ALIVE)
        {
            timers.cancel(s.keepTimer);
            s.keepMode = KEEP_NONE;
        }
    }
}
