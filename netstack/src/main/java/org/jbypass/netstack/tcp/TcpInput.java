package org.jbypass.netstack.tcp;

import org.jbypass.netstack.util.Errno;

/**
 * What TCP does when a segment arrives at a connection: RFC 9293 section 3.10.7 ("SEGMENT ARRIVES") in its order of
 * checks, for SYN-SENT (section 3.10.7.3) and for SYN-RECEIVED and the synchronized states (section 3.10.7.4), with
 * the protections of RFC 5961 (resets and SYNs must hit RCV.NXT exactly or draw a challenge ACK; ACKs must lie within
 * the window the peer may have seen) and PAWS (RFC 7323 section 5); resets and ICMP errors (RFC 5927). TIME_WAIT is
 * {@link TcpTimeWait}'s. The ACK field goes to {@link TcpAck}, the text and FIN to {@link TcpReceive}, the end of a
 * handshake to {@link TcpHandshake} (which also takes the segments for listeners).
 *
 * <p>One instance per layer; it keeps no state of its own between segments.
 */
final class TcpInput
{
    /**
     * How many ticks a TSval may lag TS.Recent and still pass PAWS: Linux's TCP_PAWS_WINDOW. Linux senders stamp
     * paced new data with its departure time, so a retransmission sent a moment later can carry a TSval one tick
     * older than data already received; PAWS exists against wrapped sequence numbers, minutes apart, not that.
     */
    private static final int PAWS_WINDOW = 1;
    /** RFC 7323 section 5.5: TS.Recent is invalid after 24 days of idleness. */
    private static final long PAWS_IDLE_NANOS = 24L * 24 * 3600 * 1_000_000_000L;

    private final TcpLayer layer;
    private final TcpCounters counters;
    private final TcpConfig config;

    TcpInput(final TcpLayer layer)
    {
        this.layer = layer;
        this.counters = layer.counters;
        this.config = layer.config;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Connections.

    void segmentArrives(final TcpSocket s, final Segment seg)
    {
        if (s.state == TcpState.SYN_SENT)
        {
            synSentArrives(s, seg);
        }
        else
        {
            synchronizedArrives(s, seg);
        }
        if (s.state != TcpState.CLOSED)
        {
            layer.afterInput(s);
        }
    }

    /** RFC 9293 section 3.10.7.3. */
    private void synSentArrives(final TcpSocket s, final Segment seg)
    {
        boolean ackOk = false;
        if (seg.hasAck())
        {
            if (Seq.le(seg.ack, s.snd.iss) || Seq.gt(seg.ack, s.snd.nxt))
            {
                if (!seg.rst())
                {
                    counters.ackOfUnsentData++;
                    layer.segments.sendResetReply(seg);
                }
                return;
            }
            ackOk = Seq.lt(s.snd.una, seg.ack);
        }
        if (seg.rst())
        {
            // RFC 5961 section 3.2 leaves SYN-SENT as RFC 793 had it: a RST is acceptable if it acknowledges the SYN.
            if (ackOk)
            {
                counters.resetsReceived++;
                counters.attemptFails++;
                fail(s, Errno.ECONNREFUSED);
            }
            else
            {
                counters.resetsIgnored++;
            }
            return;
        }
        if (!seg.syn())
        {
            return;
        }
        if (seg.fin())
        {
            counters.synFinDropped++;
            return;
        }
        s.opt.peerMss = seg.hasMss ? Math.max(TcpOptions.MIN_PEER_MSS, seg.mss) : 536;
        // RFC 7323 section 2.2: scaling only if both sides sent the option; section 3.2: timestamps likewise.
        s.opt.windowScalingOk = s.opt.windowScalingOk && seg.hasWindowScale;
        s.opt.sndWscale = s.opt.windowScalingOk ? seg.windowScale : 0;
        s.opt.rcvWscale = s.opt.windowScalingOk ? s.opt.rcvWscale : 0;
        s.opt.timestampsOk = s.opt.timestampsOk && seg.hasTimestamp;
        s.opt.sackOk = s.opt.sackOk && seg.sackPermitted && config.sack;
        if (s.opt.timestampsOk)
        {
            s.opt.tsRecent = seg.tsVal;
            s.opt.tsRecentNanos = layer.time.nanos();
        }
        layer.output.updateSendMss(s);
        s.initialiseReceive(seg.seq);
        s.snd.wnd = seg.window;
        s.snd.maxWnd = s.snd.wnd;
        s.snd.wl1 = seg.seq;
        s.snd.wl2 = seg.ack;
        if (ackOk)
        {
            s.snd.una = seg.ack;
            layer.ack.takeRttSample(s, seg.ack);
            layer.timers.cancel(s.retransmitTimer);
            s.retries = 0;
            layer.handshake.establish(s);
            s.lastReceiveNanos = layer.time.nanos();
            // RFC 9293: "form an ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send it"; data or a FIN in
            // the SYN-ACK is processed as in ESTABLISHED.
            s.rcv.ackNow = true;
            if (seg.payloadLength > 0 || seg.fin())
            {
                layer.receive.segmentText(s, seg, seg.seq + 1, seg.payloadOffset, seg.payloadLength, seg.fin());
            }
            s.notifyReadiness();
            return;
        }
        // Simultaneous open (RFC 9293 section 3.5, figure 8): SYN-RECEIVED, and our SYN again with an ACK.
        s.state = TcpState.SYN_RECEIVED;
        s.retries = 0;
        layer.segments.sendSyn(s, true, true);
    }

    /** RFC 9293 section 3.10.7.4, for SYN-RECEIVED and every synchronized state. */
    private void synchronizedArrives(final TcpSocket s, final Segment seg)
    {
        final long now = layer.time.nanos();
        int seq = seg.seq;
        boolean syn = seg.syn();
        if (s.state == TcpState.SYN_RECEIVED && syn && seq == s.rcv.irs)
        {
            if (!seg.hasAck())
            {
                // The peer did not get our SYN-ACK and sent its SYN again: answer it again (Linux's tcp_check_req).
                if (!seg.rst())
                {
                    layer.segments.sendSyn(s, true, true);
                }
                return;
            }
            if (seg.ack == s.snd.nxt)
            {
                // Simultaneous open, figure 8 line 6: the peer's SYN-ACK completes our handshake; its SYN was
                // already counted, so go on as if it were a plain ACK.
                syn = false;
                seq = seq + 1;
            }
        }
        final boolean rst = seg.rst();
        final int payload = seg.payloadLength;
        final int segLen = payload + (syn ? 1 : 0) + (seg.fin() ? 1 : 0);

        // RFC 7323 section 3.2: once timestamps are in use, a segment without them (other than a RST) is dropped.
        if (s.opt.timestampsOk && !seg.hasTimestamp && !rst)
        {
            counters.missingTimestamp++;
            return;
        }
        // RFC 7323 section 5.3, R1: PAWS. A reset is exempt (as in Linux), and so is a SYN, which draws a
        // challenge ACK anyway.
        if (s.opt.timestampsOk && seg.hasTimestamp && !rst && s.opt.tsRecent - seg.tsVal > PAWS_WINDOW)
        {
            if (now - s.opt.tsRecentNanos > PAWS_IDLE_NANOS)
            {
                // Section 5.5: after 24 days idle, TS.Recent is stale; take the new value.
                s.opt.tsRecent = seg.tsVal;
                s.opt.tsRecentNanos = now;
            }
            else if (!syn)
            {
                counters.pawsRejected++;
                outOfWindowAck(s, segLen, now);
                return;
            }
        }

        // First: is the sequence number acceptable?
        if (!acceptable(s, seq, segLen))
        {
            if (rst)
            {
                // RFC 5961 section 3.2: a reset outside the window is silently dropped.
                counters.resetsIgnored++;
                return;
            }
            if (syn)
            {
                // RFC 5961 section 4.2: a SYN, whatever its sequence number, draws a challenge ACK.
                layer.segments.sendChallengeAck(s);
                return;
            }
            if (payload > 0 && Seq.le(seq + payload, s.rcv.nxt))
            {
                // A whole duplicate: report it as a D-SACK (RFC 2883 section 4) in the ACK we owe anyway.
                counters.duplicateSegments++;
                if (s.opt.sackOk)
                {
                    s.rcv.dsackPending = true;
                    s.rcv.dsackStart = seq;
                    s.rcv.dsackEnd = seq + payload;
                }
            }
            else
            {
                counters.outOfWindow++;
            }
            outOfWindowAck(s, segLen, now);
            return;
        }

        // Second: the RST bit (RFC 5961 section 3.2).
        if (rst)
        {
            if (seq != s.rcv.nxt)
            {
                layer.segments.sendChallengeAck(s);
                return;
            }
            resetArrives(s);
            return;
        }

        // Fourth: the SYN bit (RFC 5961 section 4.2): in a synchronized state it draws a challenge ACK.
        if (syn)
        {
            layer.segments.sendChallengeAck(s);
            return;
        }

        // Fifth: the ACK field.
        if (!seg.hasAck())
        {
            return;
        }
        if (s.state == TcpState.SYN_RECEIVED)
        {
            if (!(Seq.lt(s.snd.una, seg.ack) && Seq.le(seg.ack, s.snd.nxt)))
            {
                // "If the segment acknowledgment is not acceptable, form a reset segment <SEQ=SEG.ACK><CTL=RST>."
                layer.segments.sendResetReply(seg);
                return;
            }
            layer.handshake.completeSimultaneousOpen(s);
            s.snd.wnd = seg.window << s.opt.sndWscale;
            s.snd.maxWnd = Math.max(s.snd.maxWnd, s.snd.wnd);
            s.snd.wl1 = seq;
            s.snd.wl2 = seg.ack;
        }
        if (Seq.gt(seg.ack, s.snd.nxt))
        {
            // RFC 9293: an ACK of something not yet sent draws an ACK and is dropped. Rate-limited like a
            // challenge ACK, so that two confused peers cannot ping-pong at line rate (RFC 5961 section 5.2).
            counters.ackOfUnsentData++;
            layer.segments.sendChallengeAck(s);
            return;
        }
        if (Seq.lt(seg.ack, s.snd.una - s.snd.maxWnd))
        {
            // RFC 5961 section 5.2: an ACK older than any window the peer could have seen.
            counters.ackTooOld++;
            layer.segments.sendChallengeAck(s);
            return;
        }
        s.lastReceiveNanos = now;
        s.keepProbes = 0;
        if (s.opt.timestampsOk && seg.hasTimestamp && Seq.ge(seg.tsVal, s.opt.tsRecent)
            && Seq.le(seq, s.rcv.lastAckSent))
        {
            // RFC 7323 section 4.3 (2): remember the timestamp to echo.
            s.opt.tsRecent = seg.tsVal;
            s.opt.tsRecentNanos = now;
        }
        layer.ack.ackArrives(s, seg, seq, now);
        if (s.state == TcpState.CLOSED)
        {
            return;
        }
        if (s.snd.finQueued && Seq.gt(s.snd.una, s.snd.finSeq))
        {
            // Our FIN is acknowledged.
            switch (s.state)
            {
                case FIN_WAIT_1:
                    s.state = TcpState.FIN_WAIT_2;
                    if (s.closed)
                    {
                        layer.timeouts.startFinWait2Timer(s);
                    }
                    s.notifyReadiness();
                    break;
                case CLOSING:
                    layer.enterTimeWait(s);
                    return;
                case LAST_ACK:
                    layer.destroy(s);
                    return;
                default:
                    break;
            }
        }

        // Sixth (URG) is not supported beyond delivering the data in line (RFC 6093 section 4).
        // Seventh and eighth: the segment text and the FIN.
        if (payload > 0 || seg.fin())
        {
            switch (s.state)
            {
                case ESTABLISHED:
                case FIN_WAIT_1:
                case FIN_WAIT_2:
                    if (s.closed && payload > 0 && Seq.gt(seq + payload, s.rcv.nxt))
                    {
                        // RFC 1122 section 4.2.2.13, RFC 2525 section 2.17: data for a socket the application has
                        // closed cannot be delivered; reset, so the peer learns at once.
                        counters.resetsAfterClose++;
                        layer.segments.sendResetFor(s);
                        layer.destroy(s);
                        return;
                    }
                    layer.receive.segmentText(s, seg, seq, seg.payloadOffset, payload, seg.fin());
                    break;
                default:
                    // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer's FIN came already; "ignore the segment
                    // text" (a retransmitted FIN was answered as out of window above).
                    if (payload > 0)
                    {
                        counters.dataAfterFin++;
                    }
                    break;
            }
        }
    }

    /**
     * RFC 9293 section 3.10.7.4 (first check), with the zero-window allowance Linux makes: a segment at RCV.NXT is
     * taken for its ACK, RST and FIN even when the window is closed, and its data is trimmed away.
     */
    private static boolean acceptable(final TcpSocket s, final int seq, final int segLen)
    {
        final int wnd = Math.max(0, s.rcv.adv - s.rcv.nxt);
        if (wnd == 0)
        {
            return seq == s.rcv.nxt;
        }
        if (segLen == 0)
        {
            return Seq.inRange(seq, s.rcv.nxt, s.rcv.nxt + wnd);
        }
        return Seq.inRange(seq, s.rcv.nxt, s.rcv.nxt + wnd)
            || Seq.inRange(seq + segLen - 1, s.rcv.nxt, s.rcv.nxt + wnd);
    }

    /**
     * The ACK owed for an unacceptable segment. Segments that occupy sequence space are always answered (the peer
     * may have lost our ACK); bare ACKs at most once per invalidAckInterval, which stops two stacks that disagree
     * about the window from ACKing each other forever (Linux's tcp_oow_rate_limited).
     */
    private void outOfWindowAck(final TcpSocket s, final int segLen, final long now)
    {
        if (segLen == 0)
        {
            if (now - s.lastInvalidAckNanos < config.invalidAckIntervalNanos
                && s.lastInvalidAckNanos != Long.MIN_VALUE)
            {
                return;
            }
            s.lastInvalidAckNanos = now;
        }
        layer.segments.sendAck(s);
    }

    /** A reset that hit RCV.NXT exactly (RFC 9293 section 3.10.7.4, second check; RFC 5961 section 3.2). */
    private void resetArrives(final TcpSocket s)
    {
        switch (s.state)
        {
            case SYN_RECEIVED:
                // Only a simultaneous open is in SYN-RECEIVED (a passive one is a SynRequest, TcpHandshake's).
                counters.resetsReceived++;
                counters.attemptFails++;
                fail(s, Errno.ECONNREFUSED);
                break;
            case ESTABLISHED:
            case FIN_WAIT_1:
            case FIN_WAIT_2:
            case CLOSE_WAIT:
                counters.resetsReceived++;
                counters.connectionResets++;
                fail(s, Errno.ECONNRESET);
                break;
            case CLOSING:
            case LAST_ACK:
                counters.resetsReceived++;
                layer.destroy(s);
                break;
            default:
                // TIME_WAIT is a record by now (TcpTimeWait), which ignores resets (RFC 1337).
                counters.resetsIgnored++;
                break;
        }
    }

    /** The connection failed: record the error for the application and close the connection. */
    void fail(final TcpSocket s, final int errno)
    {
        s.error = errno;
        layer.destroy(s);
    }

    // ------------------------------------------------------------------------------------------------------------
    // ICMP.

    /**
     * An ICMP error about one of our segments (RFC 1122 section 4.2.3.9, RFC 5927): checked against the window so
     * that a blind attacker cannot forge one (RFC 5927 section 4.1); "fragmentation needed" lowers the MSS
     * (RFC 1191); hard errors end a connection that is still opening; the rest are remembered as soft errors.
     */
    void icmpError(final TcpSocket s, final int type, final int code, final int info, final int seq)
    {
        if (s.state == TcpState.SYN_SENT || s.state == TcpState.SYN_RECEIVED)
        {
            if (seq != s.snd.iss)
            {
                return;
            }
        }
        else if (!Seq.inRange(seq, s.snd.una, s.snd.nxt))
        {
            return;
        }
        counters.icmpErrors++;
        if (type == 3 && code == 4)
        {
            final int mtu = info & 0xFFFF;
            layer.output.pathMtuChanged(s, mtu);
            return;
        }
        int errno = Errno.EHOSTUNREACH;
        boolean hard = false;
        if (type == 3)
        {
            switch (code)
            {
                case 0:
                    errno = Errno.ENETUNREACH;
                    break;
                case 2:
                case 3:
                    errno = Errno.ECONNREFUSED;
                    hard = true;
                    break;
                case 9:
                case 10:
                case 13:
                    hard = true;
                    break;
                default:
                    break;
            }
        }
        if (hard && (s.state == TcpState.SYN_SENT || s.state == TcpState.SYN_RECEIVED))
        {
            counters.attemptFails++;
            fail(s, errno);
            return;
        }
        s.softError = errno;
    }
}
