package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;

import org.jbypass.netstack.ip.Ipv6Output;
import org.jbypass.netstack.transport.LinkScope;
import org.jbypass.netstack.transport.Readiness;
import org.jbypass.netstack.transport.StackSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.Timer;
import org.jbypass.netstack.wire.Ipv6Address;

/**
 * The application's TCP socket: the user calls of RFC 9293 section 3.9.1 (OPEN as connect and listen, SEND as write,
 * RECEIVE as read, CLOSE, ABORT, STATUS as info) and the socket options, on a connection or a listener. Every
 * operation is non-blocking and returns a count or {@code -errno}; none throws on a data path. The provider drives it
 * under the stack's lock and waits on {@link #readyOps()} and the listener.
 *
 * <p>Behind the handle is the connection's control block (RFC 9293 section 3.3.1): the fields here (identity,
 * ownership, options, timers) and the state classes the processing classes share ({@link SendSequence},
 * {@link ReceiveSequence}, {@link NegotiatedOptions}, {@link RecoveryState}, {@link AcceptQueue}). The protocol's
 * decisions are made by those classes ({@link TcpInput}, {@link TcpAck}, {@link TcpRecovery}, {@link TcpOutput},
 * {@link TcpTimers} and the rest; see the package essay), never here. Send and receive data live in
 * {@link ByteRing}s sized by the socket's buffer sizes, addressed in sequence space.
 *
 * <p>Lifecycle: a socket belongs to the application until {@link #close()}; after that it is an orphan that the
 * layer keeps until the connection reaches CLOSED (after FIN_WAIT_2, LAST_ACK or TIME_WAIT), then forgets.
 */
public final class TcpSocket extends StackSocket
{
    /** The send ring's reach when the connection opens; it grows toward SO_SNDBUF as the application writes. */
    private static final int INITIAL_SEND_REACH = 64 * 1024;

    final TcpLayer layer;
    final TcpConfig config;
    final TcpCounters counters;

    TcpState state = TcpState.CLOSED;

    // Addressing. As Linux's sock_common keeps skc_daddr beside skc_v6_daddr, an IPv4 connection uses the int
    // addresses and an IPv6 one the hi/lo pairs (wire.Ipv6Address), so the IPv4 path reads what it always read.
    int localAddress;
    int localPort;
    int remoteAddress;
    int remotePort;
    /**
     * The socket's addresses are IPv6 ones: it is bound to an IPv6 address or to {@code ::}, or its connection
     * runs over IPv6. An IPv6 socket that connects to (or is bound to) an IPv4-mapped address, or that a dual-stack
     * listener accepted from an IPv4 peer, is an IPv4 one on the wire and has this false (Linux's tcp_v6_connect
     * hands mapped destinations to tcp_v4_connect).
     */
    boolean v6;
    /** When the connection last confirmed its neighbour's reachability ({@link TcpLayer#confirmReachable}). */
    long neighborConfirmedAt = Long.MIN_VALUE / 2;
    long localHi;
    long localLo;
    long remoteHi;
    long remoteLo;
    /** Opened as an IPv6 socket (AF_INET6): it may bind {@code ::} and connect to IPv6 addresses. */
    boolean family6;
    /** IPV6_V6ONLY (RFC 3493 section 5.3): bound to {@code ::}, it serves IPv6 only; otherwise IPv4 too. */
    boolean v6Only;
    boolean bound;
    /**
     * Bound by bind() or listen() (kept until close), not picked by connect() (released when the connection ends);
     * set by {@link PortTable}, which counts such sockets per port.
     */
    boolean explicitBind;
    /** The port's bind list, doubly linked so that a connection leaves it in O(1) however many share the port. */
    TcpSocket bindNext;
    TcpSocket bindPrev;
    TcpSocket listenNext;
    boolean inConnectionTable;
    /** Its 4-tuple's hash in the connection table, computed once at insertion ({@code ConnectionTable}). */
    int tableHash;

    // Ownership.
    boolean closed;
    boolean everConnected;
    boolean connectPending;
    /** A pending error, as a positive errno, or 0 (like sk_err). */
    int error;
    /** The last ICMP error, reported if the connection then times out (RFC 1122 section 4.2.3.9). */
    int softError;

    // Options.
    boolean noDelay;
    boolean keepAlive;
    long keepIdleNanos;
    long keepIntervalNanos;
    int keepCount;
    int lingerSeconds = -1;
    int sendBufferSize;
    int receiveBufferSize;
    /** SO_RCVBUF / SO_SNDBUF were set: auto-tuning leaves that buffer alone (Linux's SOCK_RCVBUF_LOCK, SNDBUF_LOCK). */
    boolean receiveBufferLocked;
    boolean sendBufferLocked;
    int tos;
    int ttl;
    boolean reuseAddress;

    // Listener.
    /** A listener's queues; null unless listening. */
    AcceptQueue accepts;
    /** For a child not yet accepted: its listener. */
    TcpSocket parent;
    boolean inAcceptQueue;

    // The control block's shared state: sequence spaces, negotiated options, loss recovery.
    final SendSequence snd = new SendSequence();
    final ReceiveSequence rcv;
    final NegotiatedOptions opt = new NegotiatedOptions();
    final RecoveryState recovery = new RecoveryState();
    boolean inputShutdown;
    boolean outputShutdown;

    /** Its writer waits for the layer's memory ({@link TcpMemory#awaitMemory}), chained by memoryWaitNext. */
    boolean memoryWaiting;
    TcpSocket memoryWaitNext;

    /** Its output waits for the end of the receive burst ({@link TcpLayer#afterInput}). */
    boolean outputDeferred;
    long lastInvalidAckNanos = Long.MIN_VALUE;

    // Round-trip timing (RFC 6298).
    final RttEstimator rtt;
    boolean rttTiming;
    int rttSeq;
    long rttStartNanos;

    // Retransmission and recovery.
    final CongestionControl cc;
    /** SACK connections: the segments in flight (RFC 6675 scoreboard, RFC 8985 times); null without SACK. */
    Scoreboard scoreboard;
    /** SACK connections: RACK loss detection (RFC 8985); null without SACK. */
    Rack rack;
    int retries;
    boolean persisting;
    /** What the retransmission timer is armed for: {@code TcpTimers.TIMER_*}. */
    int timerMode;
    int persistBackoff;
    boolean probeOutstanding;
    boolean synRetransmitted;
    long lastSendNanos;
    long lastReceiveNanos;
    int keepProbes;
    int keepMode;

    // Statistics.
    long retransmittedSegments;
    long rtoCount;
    long recoveryCount;

    final Timer retransmitTimer = new Timer()
    {
        @Override
        protected void onExpiry(final long nowNanos)
        {
            try
            {
                layer.timeouts.onRetransmitTimer(TcpSocket.this, nowNanos);
            }
            catch (final RuntimeException | OutOfMemoryError | StackOverflowError e)
            {
                layer.contain(TcpSocket.this, e);
            }
        }
    };

    final Timer delayedAckTimer = new Timer()
    {
        @Override
        protected void onExpiry(final long nowNanos)
        {
            try
            {
                layer.timeouts.onDelayedAckTimer(TcpSocket.this);
            }
            catch (final RuntimeException | OutOfMemoryError | StackOverflowError e)
            {
                layer.contain(TcpSocket.this, e);
            }
        }
    };

    final Timer keepTimer = new Timer()
    {
        @Override
        protected void onExpiry(final long nowNanos)
        {
            try
            {
                layer.timeouts.onKeepTimer(TcpSocket.this, nowNanos);
            }
            catch (final RuntimeException | OutOfMemoryError | StackOverflowError e)
            {
                layer.contain(TcpSocket.this, e);
            }
        }
    };

    final Timer outputTimer = new Timer()
    {
        @Override
        protected void onExpiry(final long nowNanos)
        {
            try
            {
                layer.timeouts.onOutputTimer(TcpSocket.this);
            }
            catch (final RuntimeException | OutOfMemoryError | StackOverflowError e)
            {
                layer.contain(TcpSocket.this, e);
            }
        }
    };

    TcpSocket(final TcpLayer layer)
    {
        super(layer.events);
        this.layer = layer;
        this.config = layer.config;
        this.counters = layer.counters;
        this.noDelay = false;
        this.keepIdleNanos = config.keepaliveIdleNanos;
        this.keepIntervalNanos = config.keepaliveIntervalNanos;
        this.keepCount = config.keepaliveCount;
        this.sendBufferSize = config.sendBufferSize;
        this.receiveBufferSize = config.receiveBufferSize;
        this.ttl = config.defaultTtl;
        this.rcv = new ReceiveSequence(config.outOfOrderRanges);
        this.rtt = new RttEstimator(config.initialRtoNanos, config.minRtoNanos, config.maxRtoNanos);
        this.cc = CongestionControl.create(config.congestionControl);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Binding, connecting, listening.

    /**
     * Binds the socket to a local address and port.
     *
     * @param address an address of the stack's, or 0 for any
     * @param port    1..65535, or 0 for an ephemeral port
     * @return 0, or -EADDRINUSE, -EADDRNOTAVAIL (not our address), -EINVAL (already bound, bad port), -EBADF
     */
    public int bind(final int address, final int port)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (bound || state != TcpState.CLOSED || port < 0 || port > 65535)
        {
            return -Errno.EINVAL;
        }
        if (address != 0 && !layer.ip.isLocalAddress(address))
        {
            return -Errno.EADDRNOTAVAIL;
        }
        final int result = layer.ports.bind(this, address, port);
        // PortTable marks the socket as bound explicitly.
        return result;
    }

    /**
     * Binds an IPv6 socket ({@link TcpLayer#open6}) to a local address and port: an IPv6 address of the stack's,
     * {@code ::} for any (IPv4 included unless IPV6_V6ONLY), or an IPv4-mapped address, which binds the IPv4
     * address (the socket then serves IPv4 only, as Linux's inet6_bind).
     *
     * @return as {@link #bind}; -EAFNOSUPPORT on an IPv4 socket; -EINVAL for a mapped address with IPV6_V6ONLY
     */
    public int bind6(final long hi, final long lo, final int port)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (!family6)
        {
            return -Errno.EAFNOSUPPORT;
        }
        if (bound || state != TcpState.CLOSED || port < 0 || port > 65535)
        {
            return -Errno.EINVAL;
        }
        if (Ipv6Address.isV4Mapped(hi, lo))
        {
            return v6Only ? -Errno.EINVAL : bind(Ipv6Address.v4FromMapped(lo), port);
        }
        if (LinkScope.lacksScope(hi))
        {
            return -Errno.EINVAL;
        }
        if (!Ipv6Address.isUnspecified(hi, lo) && (layer.ip6 == null || !layer.ip6.isLocalAddress(hi, lo)))
        {
            return -Errno.EADDRNOTAVAIL;
        }
        final int result = layer.ports.bind6(this, hi, lo, port);
        // PortTable marks the socket as bound explicitly.
        return result;
    }

    /**
     * Starts listening. Binds an ephemeral port first if the socket is not bound.
     *
     * @param backlog connections that may wait in the accept queue (clamped to 0..maxBacklog; like Linux, the queue
     *                holds one more than this)
     * @return 0, or -EINVAL (connected or connecting), -EADDRINUSE (another listener has the address), -EBADF
     */
    public int listen(final int backlog)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (state != TcpState.CLOSED && state != TcpState.LISTEN)
        {
            return -Errno.EINVAL;
        }
        if (state == TcpState.CLOSED && everConnected)
        {
            return -Errno.EINVAL;
        }
        final int clamped = Math.max(0, Math.min(backlog, config.maxBacklog));
        if (state == TcpState.LISTEN)
        {
            accepts.resize(clamped);
            return 0;
        }
        if (!bound)
        {
            final int result = family6 ? layer.ports.bind6(this, 0, 0, 0) : layer.ports.bind(this, 0, 0);
            if (result < 0)
            {
                return result;
            }
        }
        final int result = layer.ports.listen(this);
        if (result < 0)
        {
            return result;
        }
        accepts = new AcceptQueue(clamped);
        state = TcpState.LISTEN;
        return 0;
    }

    /** The next established connection, or null when none is waiting (or the socket is not listening). */
    public TcpSocket accept()
    {
        if (state != TcpState.LISTEN || accepts.count() == 0)
        {
            return null;
        }
        final TcpSocket child = accepts.poll();
        signal();
        return child;
    }

    /**
     * Opens a connection: binds an ephemeral port if needed and sends a SYN.
     *
     * @return -EINPROGRESS when the SYN is on its way; or -EALREADY (a connect is pending), -EISCONN, -EINVAL (a
     *         listener, port 0), -ENETUNREACH (no route), -EADDRNOTAVAIL (no free port, or the 4-tuple is in use),
     *         -EBADF
     */
    public int connect(final int address, final int port)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (state == TcpState.LISTEN)
        {
            return -Errno.EINVAL;
        }
        if (connectPending && (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED))
        {
            return -Errno.EALREADY;
        }
        if (everConnected || state != TcpState.CLOSED)
        {
            return -Errno.EISCONN;
        }
        if (port <= 0 || port > 65535)
        {
            return -Errno.EINVAL;
        }
        if (address == 0 || layer.ip.isBroadcastOrMulticast(address))
        {
            return -Errno.ENETUNREACH;
        }
        if (bound && v6 && !PortTable.covers4(this))
        {
            // Bound to an IPv6 address (or :: with IPV6_V6ONLY): no IPv4 packet can leave from it.
            return -Errno.ENETUNREACH;
        }
        final int source = layer.ip.sourceAddress(address);
        if (source == 0)
        {
            return -Errno.ENETUNREACH;
        }
        if (!layer.memory.admitsConnection())
        {
            // The layer's memory limit (tcp_mem[2]): as Linux's connect() failing with ENOBUFS.
            counters.memoryConnectionRefusals++;
            return -Errno.ENOBUFS;
        }
        final int mtu = layer.ip.pathMtu(address);
        final int result = layer.ports.connect(this, localAddress != 0 ? localAddress : source, address, port);
        if (result < 0)
        {
            return result;
        }
        v6 = false;
        remoteAddress = address;
        remotePort = port;
        // A 4-tuple taken over from TIME_WAIT (timeWaitReuse) starts past the old incarnation's sequence numbers.
        startConnect(mtu - 40, layer.timeWait.takeOver(localAddress, localPort, remoteAddress, remotePort));
        return -Errno.EINPROGRESS;
    }

    /**
     * Opens a connection from an IPv6 socket ({@link TcpLayer#open6}). To an IPv4-mapped address the connection
     * runs over IPv4 ({@link #connect}), as Linux's tcp_v6_connect hands it to tcp_v4_connect, unless the socket is
     * IPV6_V6ONLY.
     *
     * @return as {@link #connect}; -EAFNOSUPPORT on an IPv4 socket
     */
    public int connect6(final long peerHi, final long lo, final int port)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (!family6)
        {
            return -Errno.EAFNOSUPPORT;
        }
        if (Ipv6Address.isV4Mapped(peerHi, lo))
        {
            return v6Only ? -Errno.ENETUNREACH : connect(Ipv6Address.v4FromMapped(lo), port);
        }
        if (state == TcpState.LISTEN)
        {
            return -Errno.EINVAL;
        }
        if (connectPending && (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED))
        {
            return -Errno.EALREADY;
        }
        if (everConnected || state != TcpState.CLOSED)
        {
            return -Errno.EISCONN;
        }
        if (port <= 0 || port > 65535)
        {
            return -Errno.EINVAL;
        }
        // A link-local peer is reached on its link: the scope given, or the bound address's (RFC 4007).
        final long hi = LinkScope.peerHi(peerHi, bound ? localHi : 0, true);
        if (hi == LinkScope.INVALID)
        {
            return -Errno.EINVAL;
        }
        if (Ipv6Address.isUnspecified(hi, lo) || Ipv6Address.isMulticast(hi) || layer.ip6 == null)
        {
            return -Errno.ENETUNREACH;
        }
        if (bound && !v6)
        {
            // Bound to an IPv4(-mapped) address: no IPv6 packet can leave from it.
            return -Errno.ENETUNREACH;
        }
        final Ipv6Output ip6 = layer.ip6;
        if (!ip6.selectSource(hi, lo))
        {
            return -Errno.ENETUNREACH;
        }
        final long sourceHi = bound && !Ipv6Address.isUnspecified(localHi, localLo) ? localHi : ip6.sourceHi();
        final long sourceLo = bound && !Ipv6Address.isUnspecified(localHi, localLo) ? localLo : ip6.sourceLo();
        if (!layer.memory.admitsConnection())
        {
            counters.memoryConnectionRefusals++;
            return -Errno.ENOBUFS;
        }
        final int mtu = ip6.pathMtu(hi, lo);
        final int result = layer.ports.connect6(this, sourceHi, sourceLo, hi, lo, port);
        if (result < 0)
        {
            return result;
        }
        remoteHi = hi;
        remoteLo = lo;
        remotePort = port;
        startConnect((mtu == 0 ? TcpLayer.IPV6_MIN_MTU : mtu) - TcpLayer.IPV6_HEADERS,
            layer.timeWait.takeOver6(localHi, localLo, localPort, remoteHi, remoteLo, remotePort));
        return -Errno.EINPROGRESS;
    }

    /**
     * The rest of an active open once the 4-tuple is chosen: RFC 9293 section 3.10.1, OPEN in CLOSED.
     *
     * @param reusedIsn the ISN a 4-tuple taken over from TIME_WAIT must start at, or 0
     */
    private void startConnect(final int mtuMss, final int reusedIsn)
    {
        layer.connections.insert(this);
        inConnectionTable = true;
        everConnected = true;
        connectPending = true;
        error = 0;
        softError = 0;
        allocateBuffers();
        // One PRF evaluation gives both the ISN and the TSval offset (TcpLayer.secrets).
        final long secrets = layer.secrets(this);
        initialiseSequences(reusedIsn != 0 ? reusedIsn : layer.isnOf(secrets));
        opt.receiveMss = Math.max(TcpOptions.MIN_PEER_MSS, mtuMss);
        opt.timestampsOk = config.timestamps;
        opt.sackOk = config.sack;
        opt.windowScalingOk = config.windowScaling;
        opt.rcvWscale = config.windowScaling ? config.offeredWindowScale() : 0;
        opt.tsOffset = TcpLayer.timestampOffsetOf(secrets);
        state = TcpState.SYN_SENT;
        counters.activeOpens++;
        layer.segments.sendSyn(this, false, false);
    }

    /**
     * Completes a connect.
     *
     * @return 0 when connected, -EINPROGRESS while the handshake runs, or the error that ended it (-ECONNREFUSED,
     *         -ETIMEDOUT, -ECONNRESET, -EHOSTUNREACH, ...); -ENOTCONN when no connect was made
     */
    public int finishConnect()
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (connectPending)
        {
            if (state.isSynchronized())
            {
                connectPending = false;
                signal();
                return 0;
            }
            if (error != 0)
            {
                connectPending = false;
                signal();
                return -error;
            }
            return -Errno.EINPROGRESS;
        }
        if (everConnected && (state.isSynchronized() || error == 0))
        {
            return 0;
        }
        return error != 0 ? -error : -Errno.ENOTCONN;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Data.

    /** Bytes the application can read now. */
    public int available()
    {
        if (rcv.ring == null || inputShutdown)
        {
            return 0;
        }
        return rcv.dataEnd() - rcv.readSeq;
    }

    /**
     * Reads into {@code dst} (from its position, advancing it).
     *
     * @return bytes read; -EAGAIN when nothing is there yet; {@link Errno#END_OF_STREAM} after the peer's FIN (or
     *         shutdownInput); the connection's error (-ECONNRESET, -ETIMEDOUT) once the data before it has been read;
     *         -ENOTCONN, -EBADF
     */
    public int read(final ByteBuffer dst)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (inputShutdown)
        {
            return Errno.END_OF_STREAM;
        }
        final int avail = available();
        if (avail > 0)
        {
            final int n = Math.min(avail, dst.remaining());
            if (n == 0)
            {
                return 0;
            }
            consumeReceived(dst, n);
            layer.receive.spaceAdjust(this);
            if (rcv.readSeq == rcv.nxt && rcv.outOfOrder.isEmpty())
            {
                // Drained: the chunks go back, so an idle connection holds no buffer memory.
                rcv.ring.clear();
            }
            layer.output.afterRead(this);
            return n;
        }
        if (error != 0)
        {
            return -error;
        }
        if (rcv.finReceived)
        {
            return Errno.END_OF_STREAM;
        }
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED || state.isSynchronized())
        {
            return -Errno.EAGAIN;
        }
        return everConnected ? Errno.END_OF_STREAM : -Errno.ENOTCONN;
    }

    /**
     * Queues bytes from {@code src} (from its position, advancing it) for sending.
     *
     * @return bytes queued (fewer than offered when the send buffer fills); -EAGAIN when the buffer is full or the
     *         connection is still opening; -EPIPE after shutdownOutput or the end of the connection; the connection's
     *         error (-ECONNRESET, -ETIMEDOUT); -ENOTCONN, -EBADF
     */
    public int write(final ByteBuffer src)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (error != 0)
        {
            return -error;
        }
        if (outputShutdown)
        {
            return -Errno.EPIPE;
        }
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED)
        {
            return -Errno.EAGAIN;
        }
        if (state != TcpState.ESTABLISHED && state != TcpState.CLOSE_WAIT)
        {
            return everConnected ? -Errno.EPIPE : -Errno.ENOTCONN;
        }
        if (!sendBufferLocked)
        {
            // The send buffer grows with the congestion window (Linux's tcp_sndbuf_expand): room for two windows,
            // so the application can keep a growing window full; memory is charged only for what is written.
            final long want = Math.min(config.maxSendBufferSize, 2L * cc.cwnd);
            if (want > sendBufferSize)
            {
                sendBufferSize = (int) want;
            }
        }
        final int free = sendBufferSize - snd.buffered;
        final int n = Math.min(free, src.remaining());
        if (n <= 0)
        {
            return src.remaining() == 0 ? 0 : -Errno.EAGAIN;
        }
        if (snd.buffered + n > snd.ring.capacity())
        {
            snd.ring.capacity(sendBufferSize);
        }
        // Memory is charged as bytes are written; at the layer's limit what fits in the chunks obtained is taken.
        final int room = snd.ring.reservePrefix(snd.buffered, n);
        if (room == 0)
        {
            // The layer's memory limit: the writer is told when memory is given back.
            layer.memory.awaitMemory(this);
            return -Errno.EAGAIN;
        }
        snd.ring.writeFrom(snd.buffered, src, room);
        snd.buffered += room;
        layer.output.output(this);
        return room;
    }

    /** Bytes written but not yet acknowledged by the peer (queued or in flight). */
    public int unacknowledged()
    {
        return snd.buffered;
    }

    /**
     * Half-closes: sends a FIN after the queued data (RFC 9293 section 3.10.4). Reading goes on.
     *
     * @return 0, or -ENOTCONN, -EBADF
     */
    public int shutdownOutput()
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (!state.isSynchronized() && state != TcpState.SYN_RECEIVED)
        {
            return state == TcpState.SYN_SENT ? -Errno.ENOTCONN : (everConnected ? 0 : -Errno.ENOTCONN);
        }
        if (outputShutdown)
        {
            return 0;
        }
        outputShutdown = true;
        queueFin();
        signal();
        return 0;
    }

    /**
     * Stops reading: what is buffered and what arrives from now on is discarded (and acknowledged, so the peer is
     * not stalled), and reads return end of stream.
     *
     * @return 0, or -ENOTCONN, -EBADF
     */
    public int shutdownInput()
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (!everConnected)
        {
            return -Errno.ENOTCONN;
        }
        if (!inputShutdown)
        {
            discardReceived();
            inputShutdown = true;
            signal();
        }
        return 0;
    }

    /**
     * Closes the socket. A connection is closed gracefully with a FIN after the queued data, unless data is left
     * unread or linger is 0, in which case it is reset (RFC 2525 section 2.17, RFC 9293 section 3.10.4); the
     * connection then finishes on its own, without the application. A listener resets the connections waiting in
     * its queues.
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        listener(null);
        switch (state)
        {
            case LISTEN:
                layer.closeListener(this);
                break;
            case CLOSED:
                layer.release(this);
                break;
            case SYN_SENT:
                // RFC 9293 section 3.10.4: CLOSE in SYN-SENT deletes the TCB.
                layer.destroy(this);
                break;
            default:
                if (lingerSeconds == 0 || (available() > 0 && !inputShutdown))
                {
                    if (available() > 0)
                    {
                        counters.resetsAfterClose++;
                    }
                    layer.segments.sendResetFor(this);
                    layer.destroy(this);
                }
                else
                {
                    discardReceived();
                    outputShutdown = true;
                    queueFin();
                    layer.timeouts.afterClose(this);
                }
                break;
        }
    }

    /** Resets the connection at once (RFC 9293 section 3.10.5, ABORT) and closes the socket. */
    public void abort()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        listener(null);
        if (state == TcpState.LISTEN)
        {
            layer.closeListener(this);
            return;
        }
        if (state == TcpState.SYN_RECEIVED || state.isSynchronized() && state != TcpState.TIME_WAIT)
        {
            layer.segments.sendResetFor(this);
        }
        if (state == TcpState.CLOSED)
        {
            layer.release(this);
        }
        else
        {
            layer.destroy(this);
        }
    }

    private void queueFin()
    {
        if (snd.finQueued)
        {
            return;
        }
        snd.finQueued = true;
        snd.finSeq = snd.dataEnd();
        switch (state)
        {
            case SYN_RECEIVED:
            case ESTABLISHED:
                // In SYN-RECEIVED the FIN waits for ESTABLISHED (RFC 9293 section 3.10.4); output() knows.
                if (state == TcpState.ESTABLISHED)
                {
                    state = TcpState.FIN_WAIT_1;
                }
                break;
            case CLOSE_WAIT:
                state = TcpState.LAST_ACK;
                break;
            default:
                break;
        }
        layer.output.output(this);
    }

    /**
     * Consumes {@code n} bytes of in-order data from the read point, copying them into {@code dst} (or discarding
     * them when it is null): from the ring, and from the lent buffers where their ranges begin ({@link LentPayload},
     * holes in the ring's sequence space that the ring's head skips).
     */
    private void consumeReceived(final ByteBuffer dst, final int n)
    {
        final LentPayload lent = rcv.lent;
        int left = n;
        while (left > 0)
        {
            int k;
            if (lent != null && !lent.isEmpty() && lent.firstSeq() == rcv.readSeq)
            {
                k = dst != null ? lent.readInto(dst, left) : lent.skip(left);
                rcv.ring.skip(k);
            }
            else
            {
                k = lent != null && !lent.isEmpty() ? Math.min(left, lent.firstSeq() - rcv.readSeq) : left;
                if (dst != null)
                {
                    rcv.ring.readInto(dst, k);
                }
                else
                {
                    rcv.ring.skip(k);
                }
            }
            rcv.readSeq += k;
            left -= k;
        }
    }

    private void discardReceived()
    {
        if (rcv.ring != null)
        {
            final int avail = rcv.dataEnd() - rcv.readSeq;
            if (avail > 0)
            {
                consumeReceived(null, avail);
            }
            if (rcv.readSeq == rcv.nxt && rcv.outOfOrder.isEmpty())
            {
                rcv.ring.clear();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Queries.

    public TcpState state()
    {
        return state;
    }

    public boolean isConnected()
    {
        return everConnected && state.isSynchronized() && !connectPending;
    }

    public boolean isConnectionPending()
    {
        return connectPending;
    }

    public boolean isListening()
    {
        return state == TcpState.LISTEN;
    }

    public boolean isInputShutdown()
    {
        return inputShutdown;
    }

    public boolean isOutputShutdown()
    {
        return outputShutdown;
    }

    @Override
    public boolean isClosed()
    {
        return closed;
    }

    @Override
    public int localAddress()
    {
        return localAddress;
    }

    public int localPort()
    {
        return localPort;
    }

    /**
     * Whether the socket's addresses are IPv6 ones ({@link #localHi()} and the rest): bound to an IPv6 address or
     * {@code ::}, or connected over IPv6. False for IPv4 sockets and for an IPv6 socket's IPv4 connections, whose
     * addresses are the int ones (the JDK reports them as {@code Inet4Address}es).
     */
    @Override
    public boolean isIpv6()
    {
        return v6;
    }

    /** Whether it was opened as an IPv6 socket ({@link TcpLayer#open6}). */
    public boolean isFamily6()
    {
        return family6;
    }

    /** IPV6_V6ONLY, as given to {@link TcpLayer#open6}. */
    public boolean v6Only()
    {
        return v6Only;
    }

    @Override
    public long localHi()
    {
        return localHi;
    }

    @Override
    public long localLo()
    {
        return localLo;
    }

    public long remoteHi()
    {
        return remoteHi;
    }

    public long remoteLo()
    {
        return remoteLo;
    }

    public int remoteAddress()
    {
        return remoteAddress;
    }

    public int remotePort()
    {
        return remotePort;
    }

    /** The pending error as a positive errno, or 0; like SO_ERROR, but not cleared. */
    public int pendingError()
    {
        return error;
    }

    /** A snapshot of the connection's state (allocates; for diagnostics). */
    public TcpInfo info()
    {
        return new TcpInfo(this);
    }

    /**
     * The readiness bits: READ when data, end of stream or an error can be read (ACCEPT for a listener with a
     * connection waiting); WRITE when connected with room in the send buffer, or when a write would fail at once;
     * CONNECT when a pending connect has finished, either way.
     */
    @Override
    public int readyOps()
    {
        if (closed)
        {
            return 0;
        }
        if (state == TcpState.LISTEN)
        {
            return accepts.count() > 0 ? Readiness.ACCEPT : 0;
        }
        int ops = 0;
        if (connectPending)
        {
            if (state.isSynchronized() || error != 0)
            {
                ops |= Readiness.CONNECT;
            }
            return ops;
        }
        if (available() > 0 || rcv.finReceived || inputShutdown || error != 0
            || (everConnected && state == TcpState.CLOSED))
        {
            ops |= Readiness.READ;
        }
        if (error != 0 || outputShutdown || (everConnected && state == TcpState.CLOSED))
        {
            ops |= Readiness.WRITE;
        }
        else if ((state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT) && isWritable())
        {
            ops |= Readiness.WRITE;
        }
        return ops;
    }

    /**
     * Writable when at least a third of the send buffer is free: waking a writer for every few bytes freed would
     * cost more than it moves (Linux uses a similar low-water mark, sk_stream_min_wspace); and when a byte written
     * now would find memory: a chunk the ring holds, or the layer below its limit (Linux's sk_stream_memory_free
     * under tcp_mem). Found without memory, the socket waits for it ({@link TcpMemory#awaitMemory}, as Linux sets
     * SOCK_NOSPACE in tcp_poll) and is signalled when memory is given back, so a selector or a blocked writer that
     * saw it not writable is woken.
     */
    private boolean isWritable()
    {
        final int free = sendBufferSize - snd.buffered;
        if (free <= 0 || free < sendBufferSize / 3)
        {
            return false;
        }
        if (snd.ring == null || layer.memory.writable() || snd.ring.holdsChunkAt(snd.buffered))
        {
            return true;
        }
        layer.memory.awaitMemory(this);
        return false;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Options.

    /** TCP_NODELAY: turns Nagle's algorithm (RFC 9293 section 3.7.4) off. */
    public void noDelay(final boolean on)
    {
        noDelay = on;
        if (on && state.isSynchronized())
        {
            layer.output.output(this);
        }
    }

    public boolean noDelay()
    {
        return noDelay;
    }

    /** SO_KEEPALIVE (RFC 1122 section 4.2.3.6). */
    public void keepAlive(final boolean on)
    {
        keepAlive = on;
        layer.timeouts.updateKeepalive(this);
    }

    public boolean keepAlive()
    {
        return keepAlive;
    }

    /** TCP_KEEPIDLE, in seconds (1..32767). @return 0 or -EINVAL */
    public int keepAliveIdle(final int seconds)
    {
        if (seconds < 1 || seconds > 32767)
        {
            return -Errno.EINVAL;
        }
        keepIdleNanos = seconds * 1_000_000_000L;
        layer.timeouts.updateKeepalive(this);
        return 0;
    }

    public int keepAliveIdle()
    {
        return (int)(keepIdleNanos / 1_000_000_000L);
    }

    /** TCP_KEEPINTVL, in seconds (1..32767). @return 0 or -EINVAL */
    public int keepAliveInterval(final int seconds)
    {
        if (seconds < 1 || seconds > 32767)
        {
            return -Errno.EINVAL;
        }
        keepIntervalNanos = seconds * 1_000_000_000L;
        return 0;
    }

    public int keepAliveInterval()
    {
        return (int)(keepIntervalNanos / 1_000_000_000L);
    }

    /** TCP_KEEPCNT (1..127). @return 0 or -EINVAL */
    public int keepAliveCount(final int count)
    {
        if (count < 1 || count > 127)
        {
            return -Errno.EINVAL;
        }
        keepCount = count;
        return 0;
    }

    public int keepAliveCount()
    {
        return keepCount;
    }

    /**
     * SO_LINGER: -1 turns it off; 0 makes close() reset the connection; a positive value is kept for the provider,
     * which blocks close() that long while the connection drains (the stack itself never blocks).
     */
    public void linger(final int seconds)
    {
        lingerSeconds = seconds < 0 ? -1 : seconds;
    }

    public int linger()
    {
        return lingerSeconds;
    }

    /** SO_SNDBUF: clamped to minSendBufferSize..maxSendBufferSize; never below what is queued now. */
    public void sendBufferSize(final int size)
    {
        sendBufferSize = Math.max(config.minSendBufferSize, Math.min(size, config.maxSendBufferSize));
        sendBufferLocked = true;
        signal();
    }

    public int sendBufferSize()
    {
        return sendBufferSize;
    }

    /**
     * SO_RCVBUF: clamped to minReceiveBufferSize..maxReceiveBufferSize. Before the connection opens it sets the buffer;
     * on an open connection it may only grow the buffer, since the window already advertised must stay backed by
     * real space (RFC 9293 section 3.8.6, SHLD-14).
     */
    public void receiveBufferSize(final int size)
    {
        final int clamped = Math.max(config.minReceiveBufferSize, Math.min(size, config.maxReceiveBufferSize));
        receiveBufferLocked = true;
        if (rcv.ring == null)
        {
            receiveBufferSize = clamped;
            return;
        }
        if (clamped > rcv.capacity)
        {
            receiveBufferSize = clamped;
            rcv.ring.capacity(clamped);
            rcv.capacity = clamped;
            layer.output.afterRead(this);
        }
    }

    public int receiveBufferSize()
    {
        return receiveBufferSize;
    }

    /** IP_TOS for the connection's segments. */
    public void tos(final int value)
    {
        tos = value & 0xFF;
    }

    public int tos()
    {
        return tos;
    }

    /** IP_TTL for the connection's segments (1..255). */
    public void ttl(final int value)
    {
        ttl = Math.max(1, Math.min(255, value));
    }

    public int ttl()
    {
        return ttl;
    }

    /** SO_REUSEADDR: bind may share a port with connections in TIME_WAIT, and with other reusing sockets. */
    public void reuseAddress(final boolean on)
    {
        reuseAddress = on;
    }

    public boolean reuseAddress()
    {
        return reuseAddress;
    }

    /** A connection accepted by a listener starts with the listener's socket options, as in Linux. */
    void inheritOptions(final TcpSocket listener)
    {
        noDelay = listener.noDelay;
        keepAlive = listener.keepAlive;
        keepIdleNanos = listener.keepIdleNanos;
        keepIntervalNanos = listener.keepIntervalNanos;
        keepCount = listener.keepCount;
        lingerSeconds = listener.lingerSeconds;
        sendBufferSize = listener.sendBufferSize;
        receiveBufferSize = listener.receiveBufferSize;
        sendBufferLocked = listener.sendBufferLocked;
        receiveBufferLocked = listener.receiveBufferLocked;
        rcv.capacity = listener.receiveBufferSize;
        tos = listener.tos;
        ttl = listener.ttl;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals shared with the processing classes and TcpLayer.

    /** The application's listener failed on this socket: the connection is reset, the stack goes on. */
    @Override
    protected void listenerFailed(final RuntimeException e)
    {
        if (state != TcpState.CLOSED)
        {
            // Once reset, a callback that fails again (told of the reset) is only counted by the event queue.
            layer.contain(this, e);
        }
    }

    /** Readiness may have changed; see {@link StackSocket#signal()}. */
    void notifyReadiness()
    {
        signal();
    }

    /**
     * Gives the connection its rings: empty, holding no memory until bytes arrive or are written (chunks come from
     * the layer's {@code TcpMemory}). The receive ring addresses the receive buffer; the send ring starts small and
     * grows its reach toward SO_SNDBUF as the application writes.
     */
    void allocateBuffers()
    {
        if (rcv.ring == null)
        {
            if (rcv.capacity == 0)
            {
                rcv.capacity = receiveBufferSize;
            }
            rcv.ring = new ByteRing(layer.memory, rcv.capacity);
        }
        if (snd.ring == null)
        {
            snd.ring = new ByteRing(layer.memory, Math.min(sendBufferSize, INITIAL_SEND_REACH));
        }
    }

    /** Gives the rings' memory back; the connection can no longer send or receive data. */
    void releaseBuffers()
    {
        if (rcv.ring != null)
        {
            rcv.ring.clear();
            rcv.ring = null;
        }
        if (rcv.lent != null)
        {
            layer.dropLentPayload(rcv.lent);
            rcv.lent = null;
        }
        if (snd.ring != null)
        {
            snd.ring.clear();
            snd.ring = null;
        }
        snd.buffered = 0;
        rcv.outOfOrder.clear();
        if (scoreboard != null)
        {
            scoreboard.reset(snd.una);
        }
    }

    void initialiseSequences(final int isn)
    {
        snd.initialise(isn);
        recovery.recoveryPoint = isn;
        recovery.highRxt = isn;
    }

    /** Sets RCV.NXT and the read point from the peer's SYN. */
    void initialiseReceive(final int peerIsn)
    {
        rcv.initialise(peerIsn, config.quickAckSegments);
    }

    /**
     * Entering ESTABLISHED: a SACK connection gets its scoreboard and RACK state, sized so that a full send buffer
     * of segments no smaller than a quarter of the MSS fits.
     */
    void initialiseRecovery()
    {
        if (opt.sackOk && scoreboard == null)
        {
            scoreboard = new Scoreboard(config.maxSendBufferSize / Math.max(64, opt.sendMss / 4));
            rack = new Rack();
        }
        if (scoreboard != null)
        {
            scoreboard.reset(snd.nxt);
            rack.reset(snd.nxt);
        }
    }

    /** Whether loss recovery uses the scoreboard, RACK and PRR (a SACK connection), not NewReno. */
    boolean sackRecovery()
    {
        return scoreboard != null;
    }

    /** Ends loss recovery of either kind. */
    void endRecovery()
    {
        if ((recovery.inRecovery || recovery.inLoss) && rack != null)
        {
            rack.recoveryEnded();
        }
        recovery.inRecovery = false;
        recovery.inLoss = false;
    }

    /** The TSval clock: milliseconds of stack time plus this connection's offset (RFC 7323 section 5.4). */
    int tsNow()
    {
        return (int)(layer.time.nanos() / 1_000_000L) + opt.tsOffset;
    }

    @Override
    public String toString()
    {
        if (v6)
        {
            return "TcpSocket{" + state + " [" + Ipv6Address.toString(localHi, localLo) + "]:" + localPort + " -> ["
                + Ipv6Address.toString(remoteHi, remoteLo) + "]:" + remotePort + '}';
        }
        return "TcpSocket{" + state + ' ' + TcpLayer.format(localAddress) + ':' + localPort + " -> "
            + TcpLayer.format(remoteAddress) + ':' + remotePort + '}';
    }
}
