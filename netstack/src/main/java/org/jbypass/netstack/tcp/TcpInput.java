package org.jbypass.netstack.tcp;

import org.jbypass.netstack.util.Errno;

/**
 * What TCP does when a segment arrives: RFC 9293 section 3.10.7 ("SEGMENT ARRIVES"), in its order of checks, with
 * the protections of RFC 5961 (resets and SYNs must hit RCV.NXT exactly or draw a challenge ACK; ACKs must lie
 * within the window the peer may have seen), PAWS (RFC 7323 section 5), and the sender's side of every ACK:
 * round-trip timing (RFC 6298), congestion control, and loss detection: RACK over the SACK scoreboard (RFC 2018,
 * RFC 8985, RFC 6675) with PRR (RFC 9937) in recovery, or duplicate ACKs without SACK (RFC 5681 section 3.2,
 * RFC 6582).
 *
 * <p>One instance per layer; it keeps no state of its own between segments.
 */
final class TcpInput
{
    /** RFC 5681 section 3.2: DupThresh. */
    static final int DUP_THRESH = 3;
    /**
     * How many ticks a TSval may lag TS.Recent and still pass PAWS: Linux's TCP_PAWS_WINDOW. Linux senders stamp
     * paced new data with its departure time, so a retransmission sent a moment later can carry a TSval one tick
     * older than data already received; PAWS exists against wrapped sequence numbers, minutes apart, not that.
     */
    private static final int PAWS_WINDOW = 1;
    /** RFC 7323 section 5.5: TS.Recent is invalid after 24 days of idleness. */
    private static final long PAWS_IDLE_NANOS = 24L * 24 * 3600 * 1_000_000_000L;
    /** RFC 6298 section 5.7: the RTO once data flows, when the SYN had to be retransmitted and nothing was timed. */
    private static final long SYN_LOSS_RTO_NANOS = 3_000_000_000L;
    /** How long after sending a cookie a listener accepts cookie ACKs (two counter periods, like Linux). */
    private static final long COOKIE_WINDOW_NANOS = 120_000_000_000L;

    private final TcpLayer layer;
    private final TcpCounters counters;

    TcpInput(final TcpLayer layer)
    {
        this.layer = layer;
        this.counters = layer.counters;
    }

    private TcpOutput out()
    {
        return layer.output;
    }

    // ------------------------------------------------------------------------------------------------------------
    // LISTEN (RFC 9293 section 3.10.7.2).

    void listenArrives(final TcpSocket listener, final Segment seg)
    {
        if (seg.rst())
        {
            // "An incoming RST segment could not be valid since it could not have been sent in response to anything
            // sent by this incarnation of the connection. An incoming RST should be ignored."
            return;
        }
        if (seg.hasAck())
        {
            if (!seg.syn() && cookieArrives(listener, seg))
            {
                return;
            }
            // "Any acknowledgment is bad if it arrives on a connection still in the LISTEN state."
            out().sendResetReply(seg);
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
        // Like Linux: a full accept queue drops SYNs (the peer retries), cookies or not.
        if (listener.acceptCount > listener.backlog)
        {
            counters.synDropped++;
            return;
        }
        if (listener.synQueueCount >= layer.config.synBacklog)
        {
            if (layer.config.synCookies)
            {
                // RFC 4987 section 3.6: answer without keeping state.
                listener.lastCookieNanos = layer.time.nanos();
                out().sendCookieSynAck(listener, seg);
            }
            else
            {
                counters.synDropped++;
            }
            return;
        }
        final TcpSocket child = newChild(listener, seg);
        listener.synQueueCount++;
        child.initialiseReceive(seg.seq);
        child.initialiseSequences(layer.isn(child.localAddress, child.localPort, child.remoteAddress,
            child.remotePort));
        negotiate(child, seg);
        // RFC 7323 section 2.2: the window in a SYN is never scaled.
        child.sndWnd = seg.window;
        child.maxSndWnd = child.sndWnd;
        child.sndWl1 = seg.seq;
        child.sndWl2 = child.iss;
        child.state = TcpState.SYN_RECEIVED;
        counters.passiveOpens++;
        // Data in the SYN is not queued: without TCP Fast Open it is neither acknowledged nor kept, and the peer
        // sends it again once the handshake completes (as Linux does).
        out().sendSyn(child, true, false);
    }

    private TcpSocket newChild(final TcpSocket listener, final Segment seg)
    {
        final TcpSocket child = new TcpSocket(layer);
        child.parent = listener;
        child.localAddress = seg.destination;
        child.localPort = seg.destinationPort;
        child.remoteAddress = seg.source;
        child.remotePort = seg.sourcePort;
        child.everConnected = true;
        child.noDelay = listener.noDelay;
        child.keepAlive = listener.keepAlive;
        child.keepIdleNanos = listener.keepIdleNanos;
        child.keepIntervalNanos = listener.keepIntervalNanos;
        child.keepCount = listener.keepCount;
        child.lingerSeconds = listener.lingerSeconds;
        child.sendBufferSize = listener.sendBufferSize;
        child.receiveBufferSize = listener.receiveBufferSize;
        child.receiveCapacity = listener.receiveBufferSize;
        child.tos = listener.tos;
        child.ttl = listener.ttl;
        child.tsOffset = layer.timestampOffset(child.localAddress, child.localPort, child.remoteAddress,
            child.remotePort);
        child.lastReceiveNanos = layer.time.nanos();
        layer.connections.insert(child);
        child.inConnectionTable = true;
        return child;
    }

    /** Options of a SYN answered from LISTEN: ours are offered only where the peer offered its own. */
    private void negotiate(final TcpSocket s, final Segment seg)
    {
        final TcpConfig config = layer.config;
        s.peerMss = seg.hasMss ? Math.max(TcpOptions.MIN_PEER_MSS, seg.mss) : 536;
        s.receiveMss = ourMss(s);
        s.windowScalingOk = config.windowScaling && seg.hasWindowScale;
        s.sndWscale = s.windowScalingOk ? seg.windowScale : 0;
        s.rcvWscale = s.windowScalingOk ? config.offeredWindowScale() : 0;
        s.timestampsOk = config.timestamps && seg.hasTimestamp;
        if (s.timestampsOk)
        {
            s.tsRecent = seg.tsVal;
            s.tsRecentNanos = layer.time.nanos();
        }
        s.sackOk = config.sack && seg.sackPermitted;
        out().updateSendMss(s);
    }

    /** The MSS we announce: the route's MTU less the IPv4 and TCP headers (RFC 9293 section 3.7.1, RFC 6691). */
    int ourMss(final TcpSocket s)
    {
        final int mtu = layer.ip.pathMtu(s.remoteAddress);
        return Math.max(TcpOptions.MIN_PEER_MSS, (mtu == 0 ? 576 : mtu) - 40);
    }

    /** An ACK to a listener: the end of a handshake answered with a SYN cookie, or nothing. */
    private boolean cookieArrives(final TcpSocket listener, final Segment seg)
    {
        final long now = layer.time.nanos();
        if (!layer.config.synCookies || listener.lastCookieNanos == Long.MIN_VALUE
            || now - listener.lastCookieNanos > COOKIE_WINDOW_NANOS || seg.fin())
        {
            return false;
        }
        final int index = layer.cookies.decode(seg.destination, seg.destinationPort, seg.source, seg.sourcePort,
            seg.ack - 1, seg.seq - 1, now);
        if (index < 0)
        {
            counters.cookiesRejected++;
            return false;
        }
        if (listener.acceptCount > listener.backlog)
        {
            // The peer believes it is connected; it will retransmit its data (or its ACK) and try again later.
            counters.listenOverflows++;
            return true;
        }
        final TcpSocket child = newChild(listener, seg);
        counters.cookiesValidated++;
        counters.passiveOpens++;
        child.initialiseReceive(seg.seq - 1);
        child.iss = seg.ack - 1;
        child.initialiseSequences(child.iss);
        child.sndUna = seg.ack;
        child.sndNxt = seg.ack;
        child.peerMss = SynCookies.MSS_TABLE[index];
        child.receiveMss = ourMss(child);
        final TcpConfig config = layer.config;
        if (seg.hasTimestamp && seg.tsEcr != 0 && config.timestamps)
        {
            child.timestampsOk = true;
            child.tsRecent = seg.tsVal;
            child.tsRecentNanos = now;
            final int ws = SynCookies.windowScale(seg.tsEcr);
            child.windowScalingOk = ws >= 0 && config.windowScaling;
            child.sndWscale = child.windowScalingOk ? ws : 0;
            child.rcvWscale = child.windowScalingOk ? config.offeredWindowScale() : 0;
            child.sackOk = config.sack && SynCookies.sack(seg.tsEcr);
        }
        out().updateSendMss(child);
        child.sndWnd = seg.window << child.sndWscale;
        child.maxSndWnd = child.sndWnd;
        child.sndWl1 = seg.seq;
        child.sndWl2 = seg.ack;
        // The SYN-ACK advertised an unscaled window of at most 64 KiB from the listener's buffer.
        child.rcvAdv = child.rcvNxt + Math.min(child.receiveCapacity, 65535);
        establish(child);
        layer.enqueueAccepted(listener, child);
        // The ACK may carry data: process it as any segment of the new connection.
        segmentArrives(child, seg);
        return true;
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
            if (Seq.le(seg.ack, s.iss) || Seq.gt(seg.ack, s.sndNxt))
            {
                if (!seg.rst())
                {
                    counters.ackOfUnsentData++;
                    out().sendResetReply(seg);
                }
                return;
            }
            ackOk = Seq.lt(s.sndUna, seg.ack);
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
        final TcpConfig config = layer.config;
        s.peerMss = seg.hasMss ? Math.max(TcpOptions.MIN_PEER_MSS, seg.mss) : 536;
        // RFC 7323 section 2.2: scaling only if both sides sent the option; section 3.2: timestamps likewise.
        s.windowScalingOk = s.windowScalingOk && seg.hasWindowScale;
        s.sndWscale = s.windowScalingOk ? seg.windowScale : 0;
        s.rcvWscale = s.windowScalingOk ? s.rcvWscale : 0;
        s.timestampsOk = s.timestampsOk && seg.hasTimestamp;
        s.sackOk = s.sackOk && seg.sackPermitted && config.sack;
        if (s.timestampsOk)
        {
            s.tsRecent = seg.tsVal;
            s.tsRecentNanos = layer.time.nanos();
        }
        out().updateSendMss(s);
        s.initialiseReceive(seg.seq);
        s.sndWnd = seg.window;
        s.maxSndWnd = s.sndWnd;
        s.sndWl1 = seg.seq;
        s.sndWl2 = seg.ack;
        if (ackOk)
        {
            s.sndUna = seg.ack;
            takeRttSample(s, seg.ack);
            layer.timers.cancel(s.retransmitTimer);
            s.retries = 0;
            establish(s);
            s.lastReceiveNanos = layer.time.nanos();
            // RFC 9293: "form an ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send it"; data or a FIN in
            // the SYN-ACK is processed as in ESTABLISHED.
            s.ackNow = true;
            if (seg.payloadLength > 0 || seg.fin())
            {
                segmentText(s, seg, seg.seq + 1, seg.payloadOffset, seg.payloadLength, seg.fin());
            }
            s.notifyReadiness();
            return;
        }
        // Simultaneous open (RFC 9293 section 3.5, figure 8): SYN-RECEIVED, and our SYN again with an ACK.
        s.state = TcpState.SYN_RECEIVED;
        s.retries = 0;
        out().sendSyn(s, true, true);
    }

    /** RFC 9293 section 3.10.7.4, for SYN-RECEIVED and every synchronized state. */
    private void synchronizedArrives(final TcpSocket s, final Segment seg)
    {
        final long now = layer.time.nanos();
        int seq = seg.seq;
        boolean syn = seg.syn();
        if (s.state == TcpState.SYN_RECEIVED && syn && seq == s.irs)
        {
            if (!seg.hasAck())
            {
                // The peer did not get our SYN-ACK and sent its SYN again: answer it again (Linux's tcp_check_req).
                if (!seg.rst())
                {
                    out().sendSyn(s, true, true);
                }
                return;
            }
            if (seg.ack == s.sndNxt)
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
        if (s.timestampsOk && !seg.hasTimestamp && !rst)
        {
            counters.missingTimestamp++;
            return;
        }
        // RFC 7323 section 5.3, R1: PAWS. A reset is exempt (as in Linux), and so is a SYN, which draws a
        // challenge ACK anyway.
        if (s.timestampsOk && seg.hasTimestamp && !rst && s.tsRecent - seg.tsVal > PAWS_WINDOW)
        {
            if (now - s.tsRecentNanos > PAWS_IDLE_NANOS)
            {
                // Section 5.5: after 24 days idle, TS.Recent is stale; take the new value.
                s.tsRecent = seg.tsVal;
                s.tsRecentNanos = now;
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
                out().sendChallengeAck(s);
                return;
            }
            if (payload > 0 && Seq.le(seq + payload, s.rcvNxt))
            {
                // A whole duplicate: report it as a D-SACK (RFC 2883 section 4) in the ACK we owe anyway.
                counters.duplicateSegments++;
                if (s.sackOk)
                {
                    s.dsackPending = true;
                    s.dsackStart = seq;
                    s.dsackEnd = seq + payload;
                }
            }
            else
            {
                counters.outOfWindow++;
            }
            if (s.state == TcpState.TIME_WAIT && seg.fin())
            {
                // "The only thing that can arrive in this state is a retransmission of the remote FIN. Acknowledge
                // it, and restart the 2 MSL timeout."
                layer.timers.schedule(s.keepTimer, now + 2 * layer.config.mslNanos);
            }
            outOfWindowAck(s, segLen, now);
            return;
        }

        // Second: the RST bit (RFC 5961 section 3.2).
        if (rst)
        {
            if (seq != s.rcvNxt)
            {
                out().sendChallengeAck(s);
                return;
            }
            resetArrives(s);
            return;
        }

        // Fourth: the SYN bit (RFC 5961 section 4.2): in a synchronized state it draws a challenge ACK.
        if (syn)
        {
            out().sendChallengeAck(s);
            return;
        }

        // Fifth: the ACK field.
        if (!seg.hasAck())
        {
            return;
        }
        if (s.state == TcpState.SYN_RECEIVED)
        {
            if (!(Seq.lt(s.sndUna, seg.ack) && Seq.le(seg.ack, s.sndNxt)))
            {
                // "If the segment acknowledgment is not acceptable, form a reset segment <SEQ=SEG.ACK><CTL=RST>."
                out().sendResetReply(seg);
                return;
            }
            if (!completePassiveOpen(s))
            {
                return;
            }
            s.sndWnd = seg.window << s.sndWscale;
            s.maxSndWnd = Math.max(s.maxSndWnd, s.sndWnd);
            s.sndWl1 = seq;
            s.sndWl2 = seg.ack;
        }
        if (Seq.gt(seg.ack, s.sndNxt))
        {
            // RFC 9293: an ACK of something not yet sent draws an ACK and is dropped. Rate-limited like a
            // challenge ACK, so that two confused peers cannot ping-pong at line rate (RFC 5961 section 5.2).
            counters.ackOfUnsentData++;
            out().sendChallengeAck(s);
            return;
        }
        if (Seq.lt(seg.ack, s.sndUna - s.maxSndWnd))
        {
            // RFC 5961 section 5.2: an ACK older than any window the peer could have seen.
            counters.ackTooOld++;
            out().sendChallengeAck(s);
            return;
        }
        s.lastReceiveNanos = now;
        s.keepProbes = 0;
        if (s.timestampsOk && seg.hasTimestamp && Seq.ge(seg.tsVal, s.tsRecent) && Seq.le(seq, s.lastAckSent))
        {
            // RFC 7323 section 4.3 (2): remember the timestamp to echo.
            s.tsRecent = seg.tsVal;
            s.tsRecentNanos = now;
        }
        ackArrives(s, seg, seq, now);
        if (s.state == TcpState.CLOSED)
        {
            return;
        }
        if (s.finQueued && Seq.gt(s.sndUna, s.finSeq))
        {
            // Our FIN is acknowledged.
            switch (s.state)
            {
                case FIN_WAIT_1:
                    s.state = TcpState.FIN_WAIT_2;
                    if (s.closed)
                    {
                        out().startFinWait2Timer(s);
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
                    if (s.closed && payload > 0 && Seq.gt(seq + payload, s.rcvNxt))
                    {
                        // RFC 1122 section 4.2.2.13, RFC 2525 section 2.17: data for a socket the application has
                        // closed cannot be delivered; reset, so the peer learns at once.
                        counters.resetsAfterClose++;
                        out().sendResetFor(s);
                        layer.destroy(s);
                        return;
                    }
                    segmentText(s, seg, seq, seg.payloadOffset, payload, seg.fin());
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
        final int wnd = Math.max(0, s.rcvAdv - s.rcvNxt);
        if (wnd == 0)
        {
            return seq == s.rcvNxt;
        }
        if (segLen == 0)
        {
            return Seq.inRange(seq, s.rcvNxt, s.rcvNxt + wnd);
        }
        return Seq.inRange(seq, s.rcvNxt, s.rcvNxt + wnd) || Seq.inRange(seq + segLen - 1, s.rcvNxt, s.rcvNxt + wnd);
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
            if (now - s.lastInvalidAckNanos < layer.config.invalidAckIntervalNanos
                && s.lastInvalidAckNanos != Long.MIN_VALUE)
            {
                return;
            }
            s.lastInvalidAckNanos = now;
        }
        out().sendAck(s);
    }

    /** A reset that hit RCV.NXT exactly (RFC 9293 section 3.10.7.4, second check; RFC 5961 section 3.2). */
    private void resetArrives(final TcpSocket s)
    {
        switch (s.state)
        {
            case SYN_RECEIVED:
                counters.resetsReceived++;
                if (s.parent != null)
                {
                    // Passive open: back to LISTEN, which for us means forgetting the half-open child.
                    s.closed = true;
                    layer.destroy(s);
                }
                else
                {
                    counters.attemptFails++;
                    fail(s, Errno.ECONNREFUSED);
                }
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
            case TIME_WAIT:
            default:
                // RFC 1337: a reset must not end TIME-WAIT early (TIME-WAIT assassination).
                counters.resetsIgnored++;
                break;
        }
    }

    /**
     * The handshake's last ACK reached a passively opened child: it becomes ESTABLISHED and joins its listener's
     * accept queue.
     *
     * @return false when the accept queue is full: the ACK is dropped and the SYN-ACK will be sent again, as Linux
     *         does without tcp_abort_on_overflow
     */
    private boolean completePassiveOpen(final TcpSocket s)
    {
        final TcpSocket listener = s.parent;
        if (listener != null)
        {
            if (listener.state != TcpState.LISTEN)
            {
                s.closed = true;
                layer.destroy(s);
                return false;
            }
            if (listener.acceptCount > listener.backlog)
            {
                counters.listenOverflows++;
                return false;
            }
            listener.synQueueCount--;
        }
        takeRttSample(s, s.iss + 1);
        layer.timers.cancel(s.retransmitTimer);
        s.retries = 0;
        establish(s);
        if (listener != null)
        {
            layer.enqueueAccepted(listener, s);
        }
        else
        {
            s.notifyReadiness();
        }
        return true;
    }

    /** Enters ESTABLISHED: buffers, the initial window, keepalive. */
    private void establish(final TcpSocket s)
    {
        s.allocateBuffers();
        s.state = TcpState.ESTABLISHED;
        counters.established++;
        s.cc.init(s.sendMss, layer.config.initialCwndSegments);
        s.initialiseRecovery();
        s.quickAcks = layer.config.quickAckSegments;
        if (s.synRetransmitted && !s.rtt.hasSample())
        {
            s.rtt.fallback(SYN_LOSS_RTO_NANOS);
        }
        s.lastReceiveNanos = layer.time.nanos();
        out().updateKeepalive(s);
        if (s.finQueued && s.state == TcpState.ESTABLISHED)
        {
            // close() or shutdownOutput() in SYN-RECEIVED: the FIN goes now (RFC 9293 section 3.10.4).
            s.state = TcpState.FIN_WAIT_1;
        }
    }

    private void takeRttSample(final TcpSocket s, final int ack)
    {
        if (s.rttTiming && Seq.gt(ack, s.rttSeq))
        {
            s.rtt.sample(layer.time.nanos() - s.rttStartNanos);
            s.rttTiming = false;
        }
    }

    /** The connection failed: record the error for the application and close the connection. */
    void fail(final TcpSocket s, final int errno)
    {
        s.error = errno;
        layer.destroy(s);
    }

    // ------------------------------------------------------------------------------------------------------------
    // The sender's side of an ACK.

    private void ackArrives(final TcpSocket s, final Segment seg, final int seq, final long now)
    {
        final int ack = seg.ack;
        final int oldWnd = s.sndWnd;
        final int priorUna = s.sndUna;
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
        if (Seq.ge(ack, s.sndUna) && (Seq.lt(s.sndWl1, seq) || (s.sndWl1 == seq && Seq.le(s.sndWl2, ack))))
        {
            s.sndWnd = seg.window << s.sndWscale;
            s.sndWl1 = seq;
            s.sndWl2 = ack;
            if (s.sndWnd > s.maxSndWnd)
            {
                s.maxSndWnd = s.sndWnd;
            }
        }
        final boolean windowChanged = s.sndWnd != oldWnd;
        if (s.persisting && s.sndWnd > 0)
        {
            out().leavePersist(s, ack);
        }
        else if (s.persisting)
        {
            // The peer answered our probe: it is alive (RFC 1122 section 4.2.2.17 keeps probing indefinitely).
            s.retries = 0;
        }

        int delivered = sacked;
        if (Seq.gt(ack, s.sndUna))
        {
            delivered += newDataAcked(s, ack, now);
        }
        else if (ack == s.sndUna && s.sndNxt != s.sndUna && seg.payloadLength == 0 && !seg.fin()
            && (sacked > 0 || (!windowChanged && seg.sackBlocks == 0)))
        {
            // RFC 5681 section 2 (DUPLICATE ACKNOWLEDGMENT), RFC 6675 section 2 (DupAck: new SACK information).
            duplicateAck(s, now);
        }
        if (sack)
        {
            detectLoss(s, delivered, Seq.gt(s.sndUna, priorUna), now);
        }
    }

    /** Set by {@link #sackArrives}: the ACK carried a D-SACK (RFC 2883). */
    private boolean dsackSeen;

    /**
     * Processes SACK blocks (RFC 2018 section 4, RFC 2883) into the scoreboard.
     *
     * @return the bytes newly SACKed
     */
    private int sackArrives(final TcpSocket s, final Segment seg, final int ack, final long now)
    {
        int newly = 0;
        final int una = Seq.max(ack, s.sndUna);
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
            if (Seq.le(end, una) || Seq.gt(end, s.sndNxt) || Seq.lt(start, s.sndUna))
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
        if (!s.undoPossible || Seq.lt(start, s.undoStart) || Seq.gt(end, s.undoEnd))
        {
            return;
        }
        if (--s.undoRetransmits <= 0)
        {
            s.undoPossible = false;
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
        final int acked = ack - s.sndUna;
        final int flightBefore = s.sndNxt - s.sndUna;
        final int dataEnd = s.sndBufSeq + s.sendUsed;
        final int dataAcked = Seq.min(ack, dataEnd) - s.sndBufSeq;
        if (dataAcked > 0)
        {
            s.sendRing.skip(dataAcked);
            s.sndBufSeq += dataAcked;
            s.sendUsed -= dataAcked;
        }
        s.sndUna = ack;
        takeRttSample(s, ack);
        int delivered = 0;
        if (s.sackRecovery())
        {
            delivered = s.scoreboard.acknowledge(ack, s.rack, now, s.rtt.minRtt());
        }
        else if (Seq.lt(s.highRxt, ack))
        {
            s.highRxt = ack;
        }
        s.retries = 0;
        if (s.inRecovery)
        {
            if (Seq.ge(ack, s.recoveryPoint))
            {
                // Full acknowledgment: recovery ends. RFC 6582 section 3.2 step 6 (first option) for NewReno;
                // RFC 9937 section 4 (PRR) leaves cwnd at ssthresh.
                s.endRecovery();
                s.dupAcks = 0;
                if (!s.sackRecovery())
                {
                    final int flight = s.sndNxt - s.sndUna;
                    s.cc.cwnd = Math.min(s.cc.ssthresh, Math.max(flight, s.sendMss) + s.sendMss);
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
                out().retransmitFirst(s);
                s.cc.cwnd = Math.max(s.sendMss, s.cc.cwnd - acked + (acked >= s.sendMss ? s.sendMss : 0));
                if (!s.partialAckSeen)
                {
                    // The "Impatient" variant (section 4.1): restart the timer on the first partial ACK only.
                    s.partialAckSeen = true;
                    out().restartRetransmitTimer(s);
                }
            }
        }
        else
        {
            if (s.inLoss && Seq.ge(ack, s.recoveryPoint))
            {
                s.endRecovery();
            }
            s.dupAcks = 0;
            // RFC 7661 section 4.3: grow only when the window, not the application, limited the flight.
            final boolean cwndLimited = s.cc.inSlowStart() ? 2 * flightBefore >= s.cc.cwnd
                : flightBefore + s.sendMss >= s.cc.cwnd;
            s.cc.onAck(Math.max(dataAcked, 0), s.sendMss, cwndLimited, now, s.rtt.srtt());
        }
        if (!s.sackRecovery())
        {
            s.tlpOutstanding = false;
        }
        // RFC 6298 section 5.2 and 5.3: stop the timer when everything is acknowledged, else restart it.
        if (s.sndUna == s.sndNxt)
        {
            if (!s.persisting)
            {
                layer.timers.cancel(s.retransmitTimer);
            }
        }
        else
        {
            out().restartRetransmitTimer(s);
        }
        if (dataAcked > 0 && !s.closed)
        {
            s.notifyReadiness();
        }
        return delivered;
    }

    private void duplicateAck(final TcpSocket s, final long now)
    {
        s.dupAcks++;
        if (s.sackRecovery())
        {
            // RACK decides what is lost (detectLoss), not the count of duplicate ACKs (RFC 8985 section 6).
            return;
        }
        if (s.inRecovery)
        {
            // RFC 5681 section 3.2 step 4 (RFC 6582 section 3.2 step 4): inflate by one SMSS per dup ACK.
            s.cc.cwnd = Math.min(CongestionControl.MAX_CWND, s.cc.cwnd + s.sendMss);
            return;
        }
        if (s.inLoss)
        {
            return;
        }
        if (s.dupAcks >= out().dupThresh(s))
        {
            // RFC 6582 section 3.2 step 2: only when the ACK covers more than "recover", the highest sequence
            // number sent when the last recovery began (our recoveryPoint is one past it), so that one window's
            // losses cut the window once.
            if (Seq.ge(s.sndUna, s.recoveryPoint))
            {
                enterRecovery(s, now);
            }
        }
        // Below DupThresh, RFC 3042 limited transmit lets output() send new data beyond cwnd (by dupAcks SMSS).
    }

    /**
     * The loss detection of a SACK connection after each ACK (RFC 8985 section 6.2 step 5 and section 7.4, RFC 9937
     * section 4): RACK marks what is lost and arms its timer for what may soon be; a first loss starts fast
     * recovery; a tail loss probe's outcome is judged; in recovery, PRR sets the window.
     *
     * @param delivered   bytes this ACK newly delivered, cumulatively or by SACK (RFC 9937's DeliveredData)
     * @param unaAdvanced whether SND.UNA moved
     */
    private void detectLoss(final TcpSocket s, final int delivered, final boolean unaAdvanced, final long now)
    {
        final Scoreboard sb = s.scoreboard;
        final Rack rack = s.rack;
        if (dsackSeen)
        {
            rack.dsackArrived(s.sndUna, s.sndNxt);
        }
        final long markedBefore = counters.rackLost;
        final long reoWnd = rack.reoWnd(s.inRecovery || s.inLoss, sb.sackedSegments(), s.rtt.minRtt(),
            s.rtt.srtt());
        final long timeout = rack.detectLoss(sb, now, reoWnd, counters);
        final boolean newlyLost = counters.rackLost != markedBefore;
        if (s.tlpOutstanding)
        {
            tailLossProbeAcknowledged(s, unaAdvanced, delivered > 0, now);
            if (!s.tlpOutstanding)
            {
                out().probeAllowedAgain(s);
            }
        }
        if (sb.lostBytes() > 0 && !s.inRecovery && !s.inLoss)
        {
            enterRecovery(s, now);
        }
        if (s.inRecovery)
        {
            proportionalRateReduction(s, delivered, unaAdvanced && !newlyLost);
        }
        if (timeout > 0)
        {
            out().armRackTimer(s, timeout);
        }
    }

    /**
     * RFC 8985 section 7.4: the ACKs after a tail loss probe tell whether it repaired a loss. The episode ends when
     * SND.UNA reaches the probe's end: with no loss if the probe was new data, if a D-SACK shows the original
     * arrived as well, or if a pure duplicate ACK answers it; with a loss (and a window reduction, section 7.4.2,
     * as for fast recovery) if the ACK moves past it without a D-SACK. Entering recovery ends it too.
     */
    private void tailLossProbeAcknowledged(final TcpSocket s, final boolean unaAdvanced, final boolean delivered,
        final long now)
    {
        if (Seq.lt(s.sndUna, s.tlpHighSeq))
        {
            return;
        }
        if (!s.tlpRetransmission || dsackSeen)
        {
            s.tlpOutstanding = false;
        }
        else if (Seq.gt(s.sndUna, s.tlpHighSeq))
        {
            s.tlpOutstanding = false;
            if (s.sackRecovery() && s.scoreboard.lostBytes() == 0 && !s.inRecovery && !s.inLoss)
            {
                counters.tailLossProbeRecoveries++;
                startUndo(s);
                s.cc.onCongestion(s.sendMss, s.sndNxt - s.sndUna, now);
            }
        }
        else if (!unaAdvanced && !delivered)
        {
            s.tlpOutstanding = false;
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
        if (delivered <= 0 && s.prrOut > 0)
        {
            // RFC 9937 section 6.2: an ACK that delivers nothing changes nothing.
            return;
        }
        s.prrDelivered += Math.max(0, delivered);
        final int mss = s.sendMss;
        final int pipe = s.scoreboard.pipe();
        final long ssthresh = s.cc.ssthresh;
        long sndcnt;
        if (pipe > ssthresh)
        {
            sndcnt = (s.prrDelivered * ssthresh + s.recoverFs - 1) / s.recoverFs - s.prrOut;
        }
        else
        {
            long limit = Math.max(s.prrDelivered - s.prrOut, delivered);
            if (safeAck)
            {
                limit += mss;
            }
            sndcnt = Math.min(ssthresh - pipe, limit);
        }
        if (s.prrOut == 0 && sndcnt < mss)
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
        s.timerMode = TcpSocket.TIMER_RTO;
        if (!s.sackRecovery() || s.sndUna == s.sndNxt)
        {
            return;
        }
        counters.rackTimeouts++;
        final Scoreboard sb = s.scoreboard;
        final long reoWnd = s.rack.reoWnd(s.inRecovery || s.inLoss, sb.sackedSegments(), s.rtt.minRtt(),
            s.rtt.srtt());
        final long timeout = s.rack.detectLoss(sb, now, reoWnd, counters);
        if (sb.lostBytes() > 0 && !s.inRecovery && !s.inLoss)
        {
            enterRecovery(s, now);
            proportionalRateReduction(s, 0, false);
        }
        out().output(s);
        if (timeout > 0)
        {
            out().armRackTimer(s, timeout);
        }
        else if (!s.retransmitTimer.isScheduled() || s.timerMode == TcpSocket.TIMER_RACK)
        {
            out().restartRetransmitTimer(s);
        }
    }

    /** Arms the undo of the congestion response about to be made (see {@link #dsackArrives}). */
    static void startUndo(final TcpSocket s)
    {
        s.cc.saveForUndo();
        s.undoPossible = s.sackOk;
        s.undoRetransmits = 0;
        s.undoStart = s.sndUna;
        s.undoEnd = s.sndNxt;
    }

    /**
     * Fast retransmit and the start of fast recovery: RFC 5681 section 3.2, RFC 6582 (NewReno), RFC 6675 section 5
     * with RACK (RFC 8985) and PRR (RFC 9937) on a SACK connection.
     */
    private void enterRecovery(final TcpSocket s, final long now)
    {
        counters.fastRecoveries++;
        s.recoveryCount++;
        final int flight = s.sndNxt - s.sndUna;
        startUndo(s);
        s.cc.onCongestion(s.sendMss, flight, now);
        s.endRecovery();
        s.recoveryPoint = s.sndNxt;
        s.inRecovery = true;
        s.partialAckSeen = false;
        s.highRxt = s.sndUna;
        s.tlpOutstanding = false;
        if (s.sackRecovery())
        {
            // RFC 9937 section 4: RecoverFS is what may still be delivered: the flight less what is SACKed.
            s.recoverFs = Math.max(1, flight - s.scoreboard.sackedBytes());
            s.prrDelivered = 0;
            s.prrOut = 0;
            return;
        }
        // RFC 6582 section 3.2 step 3: cwnd = ssthresh + 3 SMSS, for the segments that left the network.
        s.cc.cwnd = s.cc.ssthresh + DUP_THRESH * s.sendMss;
        out().retransmitFirst(s);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Segment text (RFC 9293 section 3.10.7.4, seventh and eighth).

    /**
     * Places the payload in the receive buffer (in order, or at its offset as out-of-order data), then processes a
     * FIN that follows it in order, and decides how soon to acknowledge.
     */
    private void segmentText(final TcpSocket s, final Segment seg, final int seqIn, final int offsetIn,
        final int lengthIn, final boolean finIn)
    {
        int seq = seqIn;
        int offset = offsetIn;
        int length = lengthIn;
        boolean fin = finIn;
        // Trim what was received before.
        if (Seq.lt(seq, s.rcvNxt))
        {
            final int dup = Math.min(s.rcvNxt - seq, length);
            if (dup > 0 && s.sackOk)
            {
                s.dsackPending = true;
                s.dsackStart = seq;
                s.dsackEnd = seq + dup;
            }
            seq += dup;
            offset += dup;
            length -= dup;
            s.ackNow = true;
            if (Seq.lt(seq, s.rcvNxt))
            {
                // Only a FIN already received was left.
                return;
            }
        }
        // Trim what lies beyond the window (RFC 9293: "trim any portion that lies outside the window").
        if (Seq.gt(seq + length, s.rcvAdv))
        {
            length = Math.max(0, s.rcvAdv - seq);
            fin = false;
            s.ackNow = true;
        }
        if (length > 0)
        {
            if (seq == s.rcvNxt)
            {
                inOrderData(s, seg, offset, length);
            }
            else
            {
                outOfOrderData(s, seg, seq, offset, length);
            }
        }
        if (fin)
        {
            final int finAt = seq + length;
            if (finAt == s.rcvNxt)
            {
                finArrives(s);
            }
            else if (Seq.gt(finAt, s.rcvNxt))
            {
                s.peerFinPending = true;
                s.peerFinSeq = finAt;
                s.ackNow = true;
            }
        }
        if (s.peerFinPending && !s.peerFinReceived && s.rcvNxt == s.peerFinSeq)
        {
            finArrives(s);
        }
        if (s.state == TcpState.TIME_WAIT || s.state == TcpState.CLOSED)
        {
            // The FIN's ACK went out on the way in.
            return;
        }
        scheduleAck(s);
    }

    private void inOrderData(final TcpSocket s, final Segment seg, final int offset, final int length)
    {
        if (s.inputShutdown)
        {
            // shutdownInput(): acknowledge and discard, so the peer is not stalled.
            s.rcvNxt += length;
            s.recvRing.skip(length);
            s.readSeq = s.rcvNxt;
        }
        else
        {
            s.recvRing.write(s.rcvNxt - s.readSeq, seg.memory, offset, length);
            s.rcvNxt += length;
        }
        counters.bytesIn += length;
        s.unackedSegments++;
        if (!s.outOfOrder.isEmpty())
        {
            // RFC 5681 section 4.2: a segment that fills (part of) a gap is acknowledged at once.
            s.ackNow = true;
            while (!s.outOfOrder.isEmpty() && Seq.le(s.outOfOrder.start(0), s.rcvNxt))
            {
                final int end = s.outOfOrder.end(0);
                if (Seq.gt(end, s.rcvNxt))
                {
                    counters.bytesIn += end - s.rcvNxt;
                    if (s.inputShutdown)
                    {
                        s.recvRing.skip(end - s.rcvNxt);
                        s.readSeq = end;
                    }
                    s.rcvNxt = end;
                }
                s.outOfOrder.removeFirst();
            }
            pruneSackOrder(s);
        }
        if (!s.inputShutdown)
        {
            s.notifyReadiness();
        }
    }

    private void outOfOrderData(final TcpSocket s, final Segment seg, final int seq, final int offset,
        final int length)
    {
        // RFC 5681 section 4.2: an out-of-order segment is acknowledged at once (a duplicate ACK with SACK).
        s.ackNow = true;
        if (s.inputShutdown)
        {
            return;
        }
        if (s.outOfOrder.add(seq, seq + length) < 0)
        {
            counters.outOfOrderDropped++;
            return;
        }
        counters.outOfOrderSegments++;
        s.recvRing.write(seq - s.readSeq, seg.memory, offset, length);
        // RFC 2018 section 4: the first SACK block reports the most recent segment; remember recency.
        int keep = Math.min(s.sackOrderCount, s.sackOrder.length - 1);
        System.arraycopy(s.sackOrder, 0, s.sackOrder, 1, keep);
        s.sackOrder[0] = seq;
        s.sackOrderCount = keep + 1;
    }

    private static void pruneSackOrder(final TcpSocket s)
    {
        int w = 0;
        for (int i = 0; i < s.sackOrderCount; i++)
        {
            if (Seq.ge(s.sackOrder[i], s.rcvNxt))
            {
                s.sackOrder[w++] = s.sackOrder[i];
            }
        }
        s.sackOrderCount = w;
    }

    /** The peer's FIN, in order (RFC 9293 section 3.10.7.4, eighth). */
    private void finArrives(final TcpSocket s)
    {
        s.rcvNxt++;
        s.peerFinReceived = true;
        s.peerFinPending = false;
        s.ackNow = true;
        switch (s.state)
        {
            case SYN_RECEIVED:
            case ESTABLISHED:
                s.state = TcpState.CLOSE_WAIT;
                break;
            case FIN_WAIT_1:
                if (s.finQueued && Seq.gt(s.sndUna, s.finSeq))
                {
                    timeWait(s);
                }
                else
                {
                    // Simultaneous close (RFC 9293 section 3.6, figure 13).
                    s.state = TcpState.CLOSING;
                }
                break;
            case FIN_WAIT_2:
                timeWait(s);
                break;
            default:
                break;
        }
        s.notifyReadiness();
    }

    /** The ACK of the peer's FIN goes out now, since TIME_WAIT may be skipped (timeWaitLimit) and then no one would. */
    private void timeWait(final TcpSocket s)
    {
        out().sendAck(s);
        layer.enterTimeWait(s);
    }

    /**
     * Delayed ACKs (RFC 9293 section 3.8.6.3, RFC 5681 section 4.2, RFC 1122 section 4.2.3.2): at once when asked
     * for, during the quick-ACK start of a connection, and for every second segment; otherwise within the
     * delayed-ACK timeout.
     */
    private void scheduleAck(final TcpSocket s)
    {
        if (s.ackNow)
        {
            return;
        }
        if (s.quickAcks > 0)
        {
            s.quickAcks--;
            s.ackNow = true;
            return;
        }
        if (s.unackedSegments >= 2)
        {
            s.ackNow = true;
            return;
        }
        if (s.rcvNxt != s.lastAckSent)
        {
            layer.timers.scheduleNoLaterThan(s.delayedAckTimer, layer.time.nanos() + layer.config.delayedAckNanos);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // TIME_WAIT reuse and ICMP.

    /**
     * RFC 6191 section 2: a SYN for a connection in TIME_WAIT may start a new incarnation when its timestamp is
     * newer than the last one seen (or, without timestamps, its sequence number lies beyond RCV.NXT, RFC 9293
     * appendix B / RFC 1122 section 4.2.2.13).
     */
    boolean timeWaitAllowsNewConnection(final TcpSocket s, final Segment seg)
    {
        if (!seg.syn() || seg.hasAck() || seg.rst() || seg.fin())
        {
            return false;
        }
        if (layer.ports.findListener(seg.destination, seg.destinationPort) == null)
        {
            return false;
        }
        if (s.timestampsOk && seg.hasTimestamp)
        {
            return Seq.gt(seg.tsVal, s.tsRecent);
        }
        return !s.timestampsOk && Seq.gt(seg.seq, s.rcvNxt);
    }

    /**
     * An ICMP error about one of our segments (RFC 1122 section 4.2.3.9, RFC 5927): checked against the window so
     * that a blind attacker cannot forge one (RFC 5927 section 4.1); "fragmentation needed" lowers the MSS
     * (RFC 1191); hard errors end a connection that is still opening; the rest are remembered as soft errors.
     */
    void icmpError(final TcpSocket s, final int type, final int code, final int info, final int seq)
    {
        if (s.state == TcpState.SYN_SENT || s.state == TcpState.SYN_RECEIVED)
        {
            if (seq != s.iss)
            {
                return;
            }
        }
        else if (!Seq.inRange(seq, s.sndUna, s.sndNxt))
        {
            return;
        }
        counters.icmpErrors++;
        if (type == 3 && code == 4)
        {
            final int mtu = info & 0xFFFF;
            out().pathMtuChanged(s, mtu);
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
        if (hard && (s.state == TcpState.SYN_SENT || s.state == TcpState.SYN_RECEIVED && s.parent == null))
        {
            counters.attemptFails++;
            fail(s, errno);
            return;
        }
        if (hard && s.state == TcpState.SYN_RECEIVED)
        {
            s.closed = true;
            layer.destroy(s);
            return;
        }
        s.softError = errno;
    }
}
