package org.jbypass.netstack.tcp;

/**
 * Opening connections passively: a SYN to a listener makes a half-open connection (RFC 9293 section 3.10.7.2), a
 * compact {@link SynRequest} with the options both sides offered (RFC 7323, RFC 2018, RFC 9293 section 3.7.1) that
 * sends and retransmits the SYN-ACK; the handshake's last ACK makes the connection's socket from it and puts that on
 * the listener's accept queue, as an ACK completing a handshake answered with a SYN cookie (RFC 4987 section 3.6)
 * does; and every open, passive or active, ends in {@link #establish}.
 *
 * <p>One instance per layer; it keeps no state of its own between segments.
 */
final class TcpHandshake
{
    /** RFC 6298 section 5.7: the RTO once data flows, when the SYN had to be retransmitted and nothing was timed. */
    private static final long SYN_LOSS_RTO_NANOS = 3_000_000_000L;
    /** How long after sending a cookie a listener accepts cookie ACKs (two counter periods, like Linux). */
    private static final long COOKIE_WINDOW_NANOS = 120_000_000_000L;

    private final TcpLayer layer;
    private final TcpCounters counters;
    private final TcpConfig config;

    TcpHandshake(final TcpLayer layer)
    {
        this.layer = layer;
        this.counters = layer.counters;
        this.config = layer.config;
    }

    // ------------------------------------------------------------------------------------------------------------
    // LISTEN (RFC 9293 section 3.10.7.2).

    /**
     * @param isn the initial sequence number for the connection, or 0 to choose one (RFC 6528); a SYN that ended a
     *            TIME_WAIT record brings one past the old incarnation's (RFC 1122 section 4.2.2.13)
     */
    void listenArrives(final TcpSocket listener, final Segment seg, final int isn)
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
            layer.segments.sendResetReply(seg);
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
        if (listener.accepts.isFull())
        {
            counters.synDropped++;
            return;
        }
        if (!layer.memory.admitsConnection())
        {
            // At the memory limit a new connection is delayed: the SYN is dropped and the peer retries it.
            counters.memoryConnectionRefusals++;
            return;
        }
        if (listener.accepts.halfOpen() >= config.synBacklog)
        {
            if (config.synCookies)
            {
                // RFC 4987 section 3.6: answer without keeping state.
                listener.accepts.cookieSent(layer.time.nanos());
                layer.segments.sendCookieSynAck(listener, seg);
            }
            else
            {
                counters.synDropped++;
            }
            return;
        }
        final long now = layer.time.nanos();
        final SynRequest r = layer.requests.acquire();
        r.listener = listener;
        r.v6 = seg.v6;
        r.localAddress = seg.destination;
        r.localPort = seg.destinationPort;
        r.remoteAddress = seg.source;
        r.remotePort = seg.sourcePort;
        r.localHi = seg.destinationHi;
        r.localLo = seg.destinationLo;
        r.remoteHi = seg.sourceHi;
        r.remoteLo = seg.sourceLo;
        r.irs = seg.seq;
        // One PRF evaluation gives both the ISN and the TSval offset (TcpLayer.secrets).
        final long secrets = seg.v6
            ? layer.secrets6(r.localHi, r.localLo, r.localPort, r.remoteHi, r.remoteLo, r.remotePort)
            : layer.secrets(r.localAddress, r.localPort, r.remoteAddress, r.remotePort);
        r.iss = isn != 0 ? isn : layer.isnOf(secrets);
        negotiate(r, seg);
        r.tsOffset = TcpLayer.timestampOffsetOf(secrets);
        // The window our SYN-ACK offers, unscaled (RFC 7323 section 2.2); under memory pressure four segments, as
        // an established connection's window is clamped.
        int window = Math.min(listener.receiveBufferSize, 65535);
        if (layer.memory.underPressure())
        {
            window = Math.min(window, 4 * r.receiveMss);
        }
        r.window = window;
        r.retries = 0;
        r.sentNanos = now;
        layer.requests.insert(r);
        listener.accepts.halfOpenAdded();
        counters.passiveOpens++;
        // Data in the SYN is not queued: without TCP Fast Open it is neither acknowledged nor kept, and the peer
        // sends it again once the handshake completes (as Linux does).
        layer.segments.sendRequestSynAck(r, false);
        layer.timers.schedule(r, now + config.initialRtoNanos);
    }

    // ------------------------------------------------------------------------------------------------------------
    // SYN-RECEIVED, as a record (RFC 9293 section 3.10.7.4; Linux's tcp_check_req).

    /**
     * A segment for a half-open connection: the handshake's last ACK makes the connection's socket and puts it on
     * the accept queue; the peer's SYN again draws the SYN-ACK again; a reset at RCV.NXT forgets the record.
     */
    void requestArrives(final SynRequest r, final Segment seg)
    {
        if (seg.rst())
        {
            // RFC 5961 section 3.2: only a reset at RCV.NXT exactly is honoured; in SYN-RECEIVED there is no data
            // to challenge for, so any other is ignored.
            if (seg.seq == r.irs + 1)
            {
                counters.resetsReceived++;
                dropRequest(r);
            }
            else
            {
                counters.resetsIgnored++;
            }
            return;
        }
        if (seg.syn())
        {
            // The peer did not get our SYN-ACK and sent its SYN again: answer it again. Any other SYN (RFC 5961
            // section 4.2) draws the same SYN-ACK, rate-limited like a challenge ACK, as Linux's tcp_check_req.
            if (seg.seq == r.irs && !seg.hasAck())
            {
                layer.segments.sendRequestSynAck(r, true);
            }
            else if (layer.allowChallengeAck())
            {
                counters.challengeAcks++;
                layer.segments.sendRequestSynAck(r, true);
            }
            return;
        }
        if (!seg.hasAck())
        {
            return;
        }
        if (seg.ack != r.iss + 1)
        {
            // "If the segment acknowledgment is not acceptable, form a reset segment <SEQ=SEG.ACK><CTL=RST>."
            layer.segments.sendResetReply(seg);
            return;
        }
        if (r.timestamps() && !seg.hasTimestamp)
        {
            // RFC 7323 section 3.2: once timestamps were agreed, a segment without them is dropped.
            counters.missingTimestamp++;
            return;
        }
        if (Integer.compareUnsigned(seg.seq - (r.irs + 1), r.window) > 0)
        {
            // Not within the window the SYN-ACK offered (RFC 9293 section 3.10.7.4, first check).
            counters.requestSegmentsDropped++;
            return;
        }
        final TcpSocket listener = r.listener;
        if (listener.accepts.isFull())
        {
            // The ACK is dropped and the SYN-ACK will be sent again, as Linux does without tcp_abort_on_overflow.
            counters.listenOverflows++;
            return;
        }
        if (!layer.memory.admitsConnection())
        {
            counters.memoryConnectionRefusals++;
            return;
        }
        TcpSocket child = null;
        try
        {
            child = newChild(listener, r.v6, r.localAddress, r.localPort, r.remoteAddress, r.remotePort, r.localHi,
                r.localLo, r.remoteHi, r.remoteLo);
            child.opt.tsOffset = r.tsOffset;
            child.initialiseReceive(r.irs);
            child.initialiseSequences(r.iss);
            child.snd.una = r.iss + 1;
            child.snd.nxt = r.iss + 1;
            child.opt.peerMss = r.peerMss;
            child.opt.receiveMss = r.receiveMss;
            child.opt.windowScalingOk = r.windowScaling();
            child.opt.sndWscale = r.sndWscale;
            child.opt.rcvWscale = r.rcvWscale;
            child.opt.timestampsOk = r.timestamps();
            if (child.opt.timestampsOk)
            {
                child.opt.tsRecent = r.tsRecent;
                child.opt.tsRecentNanos = layer.time.nanos();
            }
            child.opt.sackOk = r.sack();
            layer.output.updateSendMss(child);
            child.snd.wnd = seg.window << child.opt.sndWscale;
            child.snd.maxWnd = child.snd.wnd;
            child.snd.wl1 = seg.seq;
            child.snd.wl2 = seg.ack;
            child.rcv.adv = child.rcv.nxt + r.window;
            child.rcv.lastAckSent = child.rcv.nxt;
            if (r.retries == 0)
            {
                // Karn's algorithm: only a SYN-ACK sent once times the round trip.
                child.rttTiming = true;
                child.rttSeq = r.iss;
                child.rttStartNanos = r.sentNanos;
            }
            else
            {
                child.synRetransmitted = true;
                child.retransmittedSegments = r.retries;
            }
            layer.ack.takeRttSample(child, r.iss + 1);
            establish(child);
            publish(listener, child);
        }
        catch (final RuntimeException | OutOfMemoryError | StackOverflowError e)
        {
            // Nothing refers to the half-built socket: it goes, and so does the record, the peer told by a reset
            // (as Linux's tcp_check_req with tcp_abort_on_overflow: the peer believes it is connected).
            childFailed(listener, child, e);
            forget(r);
            resetPeer(r, null);
            layer.requests.release(r);
            return;
        }
        forget(r);
        layer.requests.release(r);
        // The ACK may carry data or a FIN: process it as any segment of the new connection.
        segmentOfNewChild(child, seg);
    }

    /**
     * Publishes a connection whose socket is built: into the connection table, then onto the listener's accept
     * queue. Until this, nothing but the handshake refers to the socket, so a failure while it was built leaves no
     * entry anywhere ({@link #childFailed}). The caller checked that the accept queue has room.
     */
    private void publish(final TcpSocket listener, final TcpSocket child)
    {
        layer.childBuilt(child);
        layer.connections.insert(child);
        child.inConnectionTable = true;
        layer.enqueueAccepted(listener, child);
    }

    /**
     * A failure while the socket of a completed handshake was built (an exception, memory refused): counted and
     * logged; what the socket took (timers, buffers) is given back. It is in no table: it was never published.
     */
    private void childFailed(final TcpSocket listener, final TcpSocket child, final Throwable e)
    {
        counters.childFailures++;
        if (child != null)
        {
            try
            {
                if (child.inConnectionTable)
                {
                    // publish() failed after the insert (the accept queue refused): take it out again.
                    layer.connections.remove(child);
                    child.inConnectionTable = false;
                }
                child.closed = true;
                layer.destroy(child);
            }
            catch (final RuntimeException | OutOfMemoryError | StackOverflowError ignored)
            {
                child.state = TcpState.CLOSED;
            }
        }
        try
        {
            // Last, and guarded: the message itself may not find the memory the socket did not.
            layer.logFailure("building the socket of a connection to " + listener, counters.childFailures,
                "the connection is reset, the listener goes on", e);
        }
        catch (final RuntimeException | OutOfMemoryError | StackOverflowError ignored)
        {
            // Counted all the same.
        }
    }

    /**
     * Resets the peer of a connection whose socket could not be built: from its record, or in reply to its cookie's
     * ACK. Nothing is kept whether or not the reset goes: without it, the peer's next segment meets no connection
     * and is answered with one.
     */
    private void resetPeer(final SynRequest r, final Segment seg)
    {
        try
        {
            if (r != null)
            {
                layer.segments.sendRequestReset(r);
            }
            else
            {
                layer.segments.sendResetReply(seg);
            }
        }
        catch (final RuntimeException | OutOfMemoryError | StackOverflowError ignored)
        {
            // The reset is lost; the peer learns of it at its next segment.
        }
    }

    /** The handshake's last segment, processed for the connection it made; a failure is the child's alone. */
    private void segmentOfNewChild(final TcpSocket child, final Segment seg)
    {
        try
        {
            layer.input.segmentArrives(child, seg);
        }
        catch (final RuntimeException | OutOfMemoryError | StackOverflowError e)
        {
            layer.contain(child, e);
        }
    }

    /** The SYN-ACK's retransmission timer (RFC 6298 section 5.5: back off each time), or giving up. */
    void requestTimeout(final SynRequest r, final long now)
    {
        if (++r.retries > config.synAckRetries)
        {
            // A half-open connection that never completed: forget it quietly (as Linux does).
            counters.requestsTimedOut++;
            dropRequest(r);
            return;
        }
        layer.segments.sendRequestSynAck(r, true);
        final long rto = r.retries >= 30 ? config.maxRtoNanos
            : Math.min(config.maxRtoNanos, config.initialRtoNanos << r.retries);
        layer.timers.schedule(r, now + rto);
    }

    /** A hard ICMP error about our SYN-ACK (RFC 5927 section 4.1: it must quote our ISN): the record goes. */
    void requestIcmpError(final SynRequest r, final int type, final int code, final int seq)
    {
        if (seq != r.iss || type != 3)
        {
            return;
        }
        if (code == 2 || code == 3 || code == 9 || code == 10 || code == 13)
        {
            counters.icmpErrors++;
            dropRequest(r);
        }
    }

    /** The listener closes: each half-open connection is reset, as Linux's inet_csk_listen_stop. */
    void abortRequest(final SynRequest r)
    {
        layer.segments.sendRequestReset(r);
        layer.timers.cancel(r);
        r.listener.accepts.halfOpenRemoved();
        layer.requests.release(r);
    }

    private void dropRequest(final SynRequest r)
    {
        forget(r);
        layer.requests.release(r);
    }

    /** Takes a record out of the table, its listener's count and the timers; it is not yet back in the pool. */
    private void forget(final SynRequest r)
    {
        layer.requests.remove(r);
        layer.timers.cancel(r);
        r.listener.accepts.halfOpenRemoved();
    }

    private TcpSocket newChild(final TcpSocket listener, final Segment seg)
    {
        return newChild(listener, seg.v6, seg.destination, seg.destinationPort, seg.source, seg.sourcePort,
            seg.destinationHi, seg.destinationLo, seg.sourceHi, seg.sourceLo);
    }

    private TcpSocket newChild(final TcpSocket listener, final boolean v6, final int localAddress,
        final int localPort, final int remoteAddress, final int remotePort, final long localHi, final long localLo,
        final long remoteHi, final long remoteLo)
    {
        final TcpSocket child = new TcpSocket(layer);
        child.parent = listener;
        child.localAddress = localAddress;
        child.localPort = localPort;
        child.remoteAddress = remoteAddress;
        child.remotePort = remotePort;
        // A dual-stack listener's child from an IPv4 peer is an IPv4 connection of an IPv6 socket (v6 false).
        child.family6 = listener.family6;
        child.v6 = v6;
        child.localHi = localHi;
        child.localLo = localLo;
        child.remoteHi = remoteHi;
        child.remoteLo = remoteLo;
        child.everConnected = true;
        child.inheritOptions(listener);
        child.lastReceiveNanos = layer.time.nanos();
        return child;
    }

    /** Options of a SYN answered from LISTEN: ours are offered only where the peer offered its own. */
    private void negotiate(final SynRequest r, final Segment seg)
    {
        r.peerMss = seg.hasMss ? Math.max(TcpOptions.MIN_PEER_MSS, seg.mss) : 536;
        r.receiveMss = r.v6 ? ourMss6(r.remoteHi, r.remoteLo) : ourMss(r.remoteAddress);
        final boolean windowScaling = config.windowScaling && seg.hasWindowScale;
        r.sndWscale = (byte)(windowScaling ? seg.windowScale : 0);
        r.rcvWscale = (byte)(windowScaling ? config.offeredWindowScale() : 0);
        final boolean timestamps = config.timestamps && seg.hasTimestamp;
        r.tsRecent = timestamps ? seg.tsVal : 0;
        final boolean sack = config.sack && seg.sackPermitted;
        r.options = (timestamps ? SynRequest.TIMESTAMPS : 0) | (windowScaling ? SynRequest.WINDOW_SCALING : 0)
            | (sack ? SynRequest.SACK : 0);
    }

    /**
     * The MSS we announce: the route's MTU less the IP and TCP headers (RFC 9293 section 3.7.1, RFC 6691), 40 bytes
     * over IPv4 and 60 over IPv6 (RFC 8200 section 8.3), whose minimum MTU is 1280.
     */
    int ourMss(final TcpSocket s)
    {
        return s.v6 ? ourMss6(s.remoteHi, s.remoteLo) : ourMss(s.remoteAddress);
    }

    private int ourMss(final int remoteAddress)
    {
        final int mtu = layer.ip.pathMtu(remoteAddress);
        return Math.max(TcpOptions.MIN_PEER_MSS, (mtu == 0 ? 576 : mtu) - 40);
    }

    private int ourMss6(final long remoteHi, final long remoteLo)
    {
        final int mtu = layer.ip6 == null ? 0 : layer.ip6.pathMtu(remoteHi, remoteLo);
        return Math.max(TcpOptions.MIN_PEER_MSS, (mtu == 0 ? TcpLayer.IPV6_MIN_MTU : mtu) - TcpLayer.IPV6_HEADERS);
    }

    /** An ACK to a listener: the end of a handshake answered with a SYN cookie, or nothing. */
    private boolean cookieArrives(final TcpSocket listener, final Segment seg)
    {
        final long now = layer.time.nanos();
        if (!config.synCookies || listener.accepts.lastCookieNanos() == Long.MIN_VALUE
            || now - listener.accepts.lastCookieNanos() > COOKIE_WINDOW_NANOS || seg.fin())
        {
            return false;
        }
        final int index = seg.v6
            ? layer.cookies.decode6(seg.destinationHi, seg.destinationLo, seg.destinationPort, seg.sourceHi,
                seg.sourceLo, seg.sourcePort, seg.ack - 1, seg.seq - 1, now)
            : layer.cookies.decode(seg.destination, seg.destinationPort, seg.source, seg.sourcePort, seg.ack - 1,
                seg.seq - 1, now);
        if (index < 0)
        {
            counters.cookiesRejected++;
            return false;
        }
        if (listener.accepts.isFull())
        {
            // The peer believes it is connected; it will retransmit its data (or its ACK) and try again later.
            counters.listenOverflows++;
            return true;
        }
        if (!layer.memory.admitsConnection())
        {
            counters.memoryConnectionRefusals++;
            return true;
        }
        TcpSocket child = null;
        try
        {
            child = newChild(listener, seg);
            // The offset the cookie's SYN-ACK used: a record keeps its own, a cookie derives it again.
            child.opt.tsOffset = layer.timestampOffset(child);
            child.initialiseReceive(seg.seq - 1);
            child.snd.iss = seg.ack - 1;
            child.initialiseSequences(child.snd.iss);
            child.snd.una = seg.ack;
            child.snd.nxt = seg.ack;
            child.opt.peerMss = (seg.v6 ? SynCookies.MSS_TABLE6 : SynCookies.MSS_TABLE)[index];
            child.opt.receiveMss = ourMss(child);
            if (seg.hasTimestamp && seg.tsEcr != 0 && config.timestamps)
            {
                child.opt.timestampsOk = true;
                child.opt.tsRecent = seg.tsVal;
                child.opt.tsRecentNanos = now;
                final int ws = SynCookies.windowScale(seg.tsEcr);
                child.opt.windowScalingOk = ws >= 0 && config.windowScaling;
                child.opt.sndWscale = child.opt.windowScalingOk ? ws : 0;
                child.opt.rcvWscale = child.opt.windowScalingOk ? config.offeredWindowScale() : 0;
                child.opt.sackOk = config.sack && SynCookies.sack(seg.tsEcr);
            }
            layer.output.updateSendMss(child);
            child.snd.wnd = seg.window << child.opt.sndWscale;
            child.snd.maxWnd = child.snd.wnd;
            child.snd.wl1 = seg.seq;
            child.snd.wl2 = seg.ack;
            // The SYN-ACK advertised an unscaled window of at most 64 KiB from the listener's buffer.
            child.rcv.adv = child.rcv.nxt + Math.min(child.rcv.capacity, 65535);
            establish(child);
            publish(listener, child);
        }
        catch (final RuntimeException | OutOfMemoryError | StackOverflowError e)
        {
            // As for a record: nothing stays, and the peer, which believes it is connected, is reset.
            childFailed(listener, child, e);
            resetPeer(null, seg);
            return true;
        }
        counters.cookiesValidated++;
        counters.passiveOpens++;
        // The ACK may carry data: process it as any segment of the new connection.
        segmentOfNewChild(child, seg);
        return true;
    }

    /**
     * The ACK of our SYN-ACK in a simultaneous open (RFC 9293 section 3.5, figure 8), the only SYN-RECEIVED a socket
     * is in: a passive open is a {@link SynRequest} until its last ACK.
     */
    void completeSimultaneousOpen(final TcpSocket s)
    {
        layer.ack.takeRttSample(s, s.snd.iss + 1);
        layer.timers.cancel(s.retransmitTimer);
        s.retries = 0;
        establish(s);
        s.notifyReadiness();
    }

    /** Enters ESTABLISHED: buffers, the initial window, keepalive. */
    void establish(final TcpSocket s)
    {
        s.allocateBuffers();
        s.state = TcpState.ESTABLISHED;
        counters.established++;
        s.cc.init(s.opt.sendMss, config.initialCwndSegments);
        s.initialiseRecovery();
        s.rcv.quickAcks = config.quickAckSegments;
        if (s.synRetransmitted && !s.rtt.hasSample())
        {
            s.rtt.fallback(SYN_LOSS_RTO_NANOS);
        }
        s.lastReceiveNanos = layer.time.nanos();
        // The peer answered our SYN or SYN-ACK: its path works (RFC 4861 section 7.3.1; Linux's FLAG_SYN_ACKED).
        layer.confirmReachable(s, s.lastReceiveNanos);
        layer.timeouts.updateKeepalive(s);
        if (s.snd.finQueued && s.state == TcpState.ESTABLISHED)
        {
            // close() or shutdownOutput() in SYN-RECEIVED: the FIN goes now (RFC 9293 section 3.10.4).
            s.state = TcpState.FIN_WAIT_1;
        }
    }
}
