package org.jbypass.netstack.tcp;

/**
 * Opening connections passively: a SYN to a listener makes a half-open child (RFC 9293 section 3.10.7.2) with the
 * options both sides offered (RFC 7323, RFC 2018, RFC 9293 section 3.7.1), an ACK may complete a handshake answered
 * with a SYN cookie (RFC 4987 section 3.6), the handshake's last ACK moves a child to its listener's accept queue;
 * and every open, passive or active, ends in {@link #establish}.
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
        final TcpSocket child = newChild(listener, seg);
        listener.accepts.halfOpenAdded();
        child.initialiseReceive(seg.seq);
        child.initialiseSequences(isn != 0 ? isn
            : layer.isn(child));
        negotiate(child, seg);
        // RFC 7323 section 2.2: the window in a SYN is never scaled.
        child.snd.wnd = seg.window;
        child.snd.maxWnd = child.snd.wnd;
        child.snd.wl1 = seg.seq;
        child.snd.wl2 = child.snd.iss;
        child.state = TcpState.SYN_RECEIVED;
        counters.passiveOpens++;
        // Data in the SYN is not queued: without TCP Fast Open it is neither acknowledged nor kept, and the peer
        // sends it again once the handshake completes (as Linux does).
        layer.segments.sendSyn(child, true, false);
    }

    private TcpSocket newChild(final TcpSocket listener, final Segment seg)
    {
        final TcpSocket child = new TcpSocket(layer);
        child.parent = listener;
        child.localAddress = seg.destination;
        child.localPort = seg.destinationPort;
        child.remoteAddress = seg.source;
        child.remotePort = seg.sourcePort;
        // A dual-stack listener's child from an IPv4 peer is an IPv4 connection of an IPv6 socket (v6 false).
        child.family6 = listener.family6;
        child.v6 = seg.v6;
        child.localHi = seg.destinationHi;
        child.localLo = seg.destinationLo;
        child.remoteHi = seg.sourceHi;
        child.remoteLo = seg.sourceLo;
        child.everConnected = true;
        child.inheritOptions(listener);
        child.opt.tsOffset = layer.timestampOffset(child);
        child.lastReceiveNanos = layer.time.nanos();
        layer.connections.insert(child);
        child.inConnectionTable = true;
        return child;
    }

    /** Options of a SYN answered from LISTEN: ours are offered only where the peer offered its own. */
    private void negotiate(final TcpSocket s, final Segment seg)
    {
        s.opt.peerMss = seg.hasMss ? Math.max(TcpOptions.MIN_PEER_MSS, seg.mss) : 536;
        s.opt.receiveMss = ourMss(s);
        s.opt.windowScalingOk = config.windowScaling && seg.hasWindowScale;
        s.opt.sndWscale = s.opt.windowScalingOk ? seg.windowScale : 0;
        s.opt.rcvWscale = s.opt.windowScalingOk ? config.offeredWindowScale() : 0;
        s.opt.timestampsOk = config.timestamps && seg.hasTimestamp;
        if (s.opt.timestampsOk)
        {
            s.opt.tsRecent = seg.tsVal;
            s.opt.tsRecentNanos = layer.time.nanos();
        }
        s.opt.sackOk = config.sack && seg.sackPermitted;
        layer.output.updateSendMss(s);
    }

    /**
     * The MSS we announce: the route's MTU less the IP and TCP headers (RFC 9293 section 3.7.1, RFC 6691), 40 bytes
     * over IPv4 and 60 over IPv6 (RFC 8200 section 8.3), whose minimum MTU is 1280.
     */
    int ourMss(final TcpSocket s)
    {
        if (s.v6)
        {
            final int mtu = layer.ip6 == null ? 0 : layer.ip6.pathMtu(s.remoteHi, s.remoteLo);
            return Math.max(TcpOptions.MIN_PEER_MSS, (mtu == 0 ? TcpLayer.IPV6_MIN_MTU : mtu) - TcpLayer.IPV6_HEADERS);
        }
        final int mtu = layer.ip.pathMtu(s.remoteAddress);
        return Math.max(TcpOptions.MIN_PEER_MSS, (mtu == 0 ? 576 : mtu) - 40);
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
        final TcpSocket child = newChild(listener, seg);
        counters.cookiesValidated++;
        counters.passiveOpens++;
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
        layer.enqueueAccepted(listener, child);
        // The ACK may carry data: process it as any segment of the new connection.
        layer.input.segmentArrives(child, seg);
        return true;
    }

    /**
     * The handshake's last ACK reached a passively opened child: it becomes ESTABLISHED and joins its listener's
     * accept queue.
     *
     * @return false when the accept queue is full: the ACK is dropped and the SYN-ACK will be sent again, as Linux
     *         does without tcp_abort_on_overflow
     */
    boolean completePassiveOpen(final TcpSocket s)
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
            if (listener.accepts.isFull())
            {
                counters.listenOverflows++;
                return false;
            }
            listener.accepts.halfOpenRemoved();
        }
        layer.ack.takeRttSample(s, s.snd.iss + 1);
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
        layer.timeouts.updateKeepalive(s);
        if (s.snd.finQueued && s.state == TcpState.ESTABLISHED)
        {
            // close() or shutdownOutput() in SYN-RECEIVED: the FIN goes now (RFC 9293 section 3.10.4).
            s.state = TcpState.FIN_WAIT_1;
        }
    }
}
