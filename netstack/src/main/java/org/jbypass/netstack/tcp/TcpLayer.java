package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.jbypass.netstack.ip.Ipv4Output;
import org.jbypass.netstack.ip.Ipv4Protocol;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.transport.EventQueue;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.TcpHeader;

/**
 * TCP for one stack: receives segments from IPv4, finds their connection or listener, answers the rest with resets,
 * and owns what connections share: the port and connection tables, the secrets behind initial sequence numbers
 * (RFC 6528) and SYN cookies (RFC 4987), the counters, and the memory behind socket buffers ({@code TcpMemory}).
 *
 * <p>Single-threaded, like the rest of netstack: the stack's thread calls {@link #receive} and fires the timers;
 * an application thread holding the stack's lock calls the sockets. Nothing here reads a clock: time is
 * {@link StackTime#nanos()}.
 */
public final class TcpLayer implements Ipv4Protocol
{
    final Ipv4Output ip;
    final TimerQueue timers;
    final StackTime time;
    final EventQueue events;
    final TcpConfig config;
    final TcpCounters counters = new TcpCounters();
    final ConnectionTable connections;
    final PortTable ports;
    final TcpMemory memory;
    final TcpInput input;
    final TcpHandshake handshake;
    final TcpReceive receive;
    final TcpAck ack;
    final TcpRecovery recovery;
    final TcpOutput output;
    final SegmentBuilder segments;
    final TcpTimers timeouts;
    final SynCookies cookies;

    private final SipHash isnHash;
    private final SipHash timestampHash;
    /** The secret behind ephemeral port selection for connect (RFC 6056 section 3.3.4). */
    private final SipHash portHash;
    private final SplittableRandom random;
    private final Segment segment = new Segment();
    private final TcpHeader header = new TcpHeader();

    int timeWaitCount;
    /** Connections whose output waits for the end of the receive burst; bounded, see {@link #afterInput}. */
    private final TcpSocket[] deferredOutput = new TcpSocket[DEFERRED_OUTPUT];
    private int deferredCount;
    private boolean inBurst;
    private long challengeAckSecond = Long.MIN_VALUE;
    private int challengeAcksThisSecond;

    /**
     * @param seed the source of the layer's secrets (ISN and cookie keys, timestamp offsets) and of its port
     *             randomness; a fixed seed makes a run repeatable, so production passes a random one
     */
    public TcpLayer(final Ipv4Output ip, final TimerQueue timers, final StackTime time, final EventQueue events,
        final TcpConfig config, final long seed)
    {
        this.ip = ip;
        this.timers = timers;
        this.time = time;
        this.events = events;
        this.config = config;
        this.random = new SplittableRandom(seed);
        this.isnHash = new SipHash(random.nextLong(), random.nextLong());
        this.timestampHash = new SipHash(random.nextLong(), random.nextLong());
        this.cookies = new SynCookies(new SipHash(random.nextLong(), random.nextLong()),
            new SipHash(random.nextLong(), random.nextLong()));
        this.connections = new ConnectionTable(random.nextLong());
        this.portHash = new SipHash(random.nextLong(), random.nextLong());
        this.ports = new PortTable(this);
        this.memory = new TcpMemory(config.memoryLow, config.memoryPressure, config.memoryLimit, counters);
        this.input = new TcpInput(this);
        this.handshake = new TcpHandshake(this);
        this.receive = new TcpReceive(this);
        this.ack = new TcpAck(this);
        this.recovery = new TcpRecovery(this);
        this.output = new TcpOutput(this);
        this.segments = new SegmentBuilder(this);
        this.timeouts = new TcpTimers(this);
    }

    /** A new, unbound socket. */
    public TcpSocket open()
    {
        return new TcpSocket(this);
    }

    /** Bytes of socket buffer memory charged now (whole chunks), as Linux's tcp_mem usage. */
    public long memoryInUse()
    {
        return memory.bytesInUse();
    }

    /** Whether the layer is under memory pressure (see {@link TcpConfig#memoryPressure()}). */
    public boolean underMemoryPressure()
    {
        return memory.underPressure();
    }

    public TcpConfig config()
    {
        return config;
    }

    public TcpCounters counters()
    {
        return counters;
    }

    /** Connections known by 4-tuple: open ones, half-open ones, orphans and TIME_WAIT. */
    public int connectionCount()
    {
        return connections.size();
    }

    /** Connections in TIME_WAIT. */
    public int timeWaitCount()
    {
        return timeWaitCount;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Receive.

    private static final System.Logger LOG = System.getLogger("org.jbypass.netstack.tcp");
    /** Contained failures logged with their stack trace before only every thousandth is. */
    private static final int FAILURES_LOGGED_IN_FULL = 10;

    /** Connections of one burst whose output may wait for its end; past that, output goes at once. */
    private static final int DEFERRED_OUTPUT = 64;

    @Override
    public void burstStart()
    {
        inBurst = true;
    }

    /**
     * What a connection sends after a segment arrived: at once, or, for an established connection receiving in
     * order within a burst, at the end of the burst, once for all its segments. The ACK then covers every segment
     * of the burst, as Linux's does for the segments GRO merges (RFC 5681 section 4.2 and RFC 9293 section
     * 3.8.6.3 ask for one every second full-sized segment as a SHOULD; the ACK is not delayed, it goes out in the
     * same poll), and data the ACKs let out goes in one pass of the output decision. Out-of-order data, recovery
     * and every other state answer each segment at once: a sender counts duplicate ACKs (RFC 5681 section 3.2).
     */
    void afterInput(final TcpSocket s)
    {
        if (inBurst && s.state == TcpState.ESTABLISHED && !s.recovery.inRecovery && !s.recovery.inLoss
            && s.rcv.outOfOrder.count() == 0)
        {
            if (s.outputDeferred)
            {
                return;
            }
            if (deferredCount < DEFERRED_OUTPUT)
            {
                s.outputDeferred = true;
                deferredOutput[deferredCount++] = s;
                return;
            }
        }
        // A connection deferred earlier in the burst answers this segment now, and once more at its end.
        output.afterInput(s);
    }

    @Override
    public void burstEnd()
    {
        inBurst = false;
        for (int i = 0; i < deferredCount; i++)
        {
            final TcpSocket s = deferredOutput[i];
            deferredOutput[i] = null;
            s.outputDeferred = false;
            if (s.state != TcpState.CLOSED)
            {
                try
                {
                    output.afterInput(s);
                }
                catch (final RuntimeException | OutOfMemoryError | StackOverflowError e)
                {
                    contain(s, e);
                }
            }
        }
        deferredCount = 0;
    }

    @Override
    public int receive(final ByteBuffer memory, final int offset, final int length, final int source,
        final int destination, final int tos, final int ttl, final int rxFlags)
    {
        return input(memory, offset, length, source, destination, tos, rxFlags, null, 0);
    }

    /**
     * A super-segment in a chain of buffers, taken in place: the header and its options are read from the first
     * buffer, the checksum (when the link did not verify it) is summed over the chain, and the payload is copied
     * out of the chain straight into the socket's ring. A header that does not lie wholly in the first buffer (no
     * link builds one) is left to IPv4 to gather.
     */
    @Override
    public int receiveChain(final FrameChain chain, final int frameOffset, final ByteBuffer memory, final int offset,
        final int length, final int source, final int destination, final int tos, final int ttl, final int rxFlags)
    {
        final int inFirst = chain.firstLength() - frameOffset;
        if (inFirst < TcpHeader.MIN_LENGTH || inFirst < header.wrap(memory, offset, length).headerLength())
        {
            return CONTIGUOUS;
        }
        return input(memory, offset, length, source, destination, tos, rxFlags, chain, frameOffset);
    }

    /**
     * Parses and dispatches one segment; its header is at {@code offset} in {@code memory}, and its payload follows
     * it there, or, when {@code chain} is not null, in the chain from frame offset {@code frameOffset} on.
     */
    private int input(final ByteBuffer memory, final int offset, final int length, final int source,
        final int destination, final int tos, final int rxFlags, final FrameChain chain, final int frameOffset)
    {
        counters.segmentsIn++;
        final TcpHeader h = header.wrap(memory, offset, length);
        if (!h.isValid())
        {
            counters.malformed++;
            return CONSUMED;
        }
        // RFC 1122 section 4.2.3.10: segments to or from broadcast or multicast addresses (a subnet's broadcast too,
        // which only IP knows) are silently dropped.
        if (ip.isBroadcastOrMulticast(destination) || ip.isBroadcastOrMulticast(source) || source == 0)
        {
            counters.notUnicast++;
            return CONSUMED;
        }
        if ((rxFlags & PacketBurst.RX_L4_CHECKSUM_OK) == 0 && !(chain == null ? h.checksumOk(source, destination)
            : Checksum.fold(chain.sum(frameOffset, length, Checksum.pseudoHeader(source, destination,
                Ipv4Header.PROTOCOL_TCP, length))) == 0))
        {
            counters.badChecksums++;
            return CONSUMED;
        }
        final Segment seg = segment;
        if (!TcpOptions.parse(memory, h.optionsOffset(), h.optionsLength(), seg))
        {
            counters.badOptions++;
            return CONSUMED;
        }
        seg.source = source;
        seg.destination = destination;
        seg.sourcePort = h.sourcePort();
        seg.destinationPort = h.destinationPort();
        seg.tos = tos;
        seg.seq = h.sequence();
        seg.ack = h.acknowledgment();
        seg.flags = h.flags();
        seg.window = h.window();
        seg.memory = memory;
        seg.chain = chain;
        seg.payloadOffset = chain == null ? h.payloadOffset() : frameOffset + h.headerLength();
        seg.payloadLength = h.payloadLength();
        seg.segmentSize = PacketBurst.gsoType(rxFlags) == PacketBurst.GSO_TCPV4 ? PacketBurst.gsoSize(rxFlags) : 0;
        if (seg.destinationPort == 0 || seg.sourcePort == 0)
        {
            seg.chain = null;
            counters.malformed++;
            return CONSUMED;
        }
        dispatch(seg);
        // The holder never keeps a chain past its call: a path that fills it without one reads its own memory.
        seg.chain = null;
        return CONSUMED;
    }

    private void dispatch(final Segment seg)
    {
        final TcpSocket s = connections.find(seg.destination, seg.destinationPort, seg.source, seg.sourcePort);
        if (s != null)
        {
            if (s.state == TcpState.TIME_WAIT && input.timeWaitAllowsNewConnection(s, seg))
            {
                // RFC 6191: a new SYN may end TIME_WAIT early and go to the listener.
                destroy(s);
            }
            else
            {
                try
                {
                    input.segmentArrives(s, seg);
                }
                catch (final RuntimeException | OutOfMemoryError | StackOverflowError e)
                {
                    contain(s, e);
                }
                return;
            }
        }
        final TcpSocket listener = ports.findListener(seg.destination, seg.destinationPort);
        if (listener != null)
        {
            try
            {
                handshake.listenArrives(listener, seg);
            }
            catch (final RuntimeException | OutOfMemoryError | StackOverflowError e)
            {
                // The listener stays; the SYN (or cookie ACK) is dropped and the peer retries.
                contain(listener, e);
            }
            return;
        }
        counters.noSocket++;
        // RFC 9293 section 3.10.7.1: CLOSED answers everything but a reset with a reset.
        if (!seg.rst())
        {
            segments.sendResetReply(seg);
        }
    }

    @Override
    public void icmpError(final int type, final int code, final int info, final int source, final int destination,
        final ByteBuffer memory, final int quotedOffset, final int quotedLength)
    {
        if (quotedLength < 8)
        {
            return;
        }
        final int sourcePort = memory.getShort(quotedOffset) & 0xFFFF;
        final int destinationPort = memory.getShort(quotedOffset + 2) & 0xFFFF;
        final int seq = memory.getInt(quotedOffset + 4);
        final TcpSocket s = connections.find(source, sourcePort, destination, destinationPort);
        if (s == null)
        {
            return;
        }
        input.icmpError(s, type, code, info, seq);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Secrets and randomness.

    /**
     * RFC 6528 section 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a timer ticking every
     * 4 microseconds, F a keyed PRF (SipHash-2-4).
     */
    int isn(final int localAddress, final int localPort, final int remoteAddress, final int remotePort)
    {
        final int m = (int)(time.nanos() / 4000L);
        final int f = (int)isnHash.hash(SipHash.addresses(localAddress, remoteAddress),
            SipHash.portsAnd(localPort, remotePort, 0));
        return m + f;
    }

    /**
     * The connection's TSval offset (RFC 7323 section 5.4 recommends a random offset per connection, so that
     * timestamps reveal neither uptime nor other connections). Derived from the 4-tuple with a secret, so that a
     * connection opened by a SYN cookie gets the same offset its SYN-ACK used.
     */
    int timestampOffset(final int localAddress, final int localPort, final int remoteAddress, final int remotePort)
    {
        return (int)timestampHash.hash(SipHash.addresses(localAddress, remoteAddress),
            SipHash.portsAnd(localPort, remotePort, 1));
    }

    /** A secret hash of a connection's addresses, for the choice of its ephemeral port. */
    long portHash(final int localAddress, final int remoteAddress, final int remotePort)
    {
        return portHash.hash(((long) localAddress << 32) | (remoteAddress & 0xFFFFFFFFL), remotePort);
    }

    int randomInt(final int bound)
    {
        return random.nextInt(bound);
    }

    /**
     * RFC 5961 section 7: at most challengeAckLimit challenge ACKs per second, stack-wide.
     *
     * @return whether one may be sent now
     */
    boolean allowChallengeAck()
    {
        final long second = time.nanos() / 1_000_000_000L;
        if (second != challengeAckSecond)
        {
            challengeAckSecond = second;
            challengeAcksThisSecond = 0;
        }
        if (challengeAcksThisSecond >= config.challengeAckLimit)
        {
            counters.challengeAcksSuppressed++;
            return false;
        }
        challengeAcksThisSecond++;
        return true;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Lifecycle of sockets.

    /**
     * Whether connect() may take over a 4-tuple held by {@code existing}: only a TIME_WAIT connection protected by
     * timestamps that has lasted a second, when timeWaitReuse is on (Linux's tcp_tw_reuse; our TSvals keep rising
     * across the two incarnations, so PAWS at the peer tells old duplicates from new segments, RFC 7323 section 5.8).
     */
    boolean reuseTimeWait(final TcpSocket existing)
    {
        if (existing.state != TcpState.TIME_WAIT || !config.timeWaitReuse || !existing.opt.timestampsOk
            || time.nanos() - existing.lastReceiveNanos < 1_000_000_000L)
        {
            return false;
        }
        destroy(existing);
        return true;
    }

    /**
     * A failure while processing one socket (a bug, a refused allocation, the application's callback): that
     * connection is reset and forgotten, counted and logged, and the rest of the stack goes on. A listener keeps
     * listening (only the segment is lost). Nothing here may throw again.
     */
    void contain(final TcpSocket s, final Throwable e)
    {
        counters.socketFailures++;
        if (counters.socketFailures <= FAILURES_LOGGED_IN_FULL || counters.socketFailures % 1000 == 0)
        {
            LOG.log(System.Logger.Level.WARNING, "jbypass TCP: failure on " + s + " ("
                + counters.socketFailures + " so far); the connection is reset, the stack goes on", e);
        }
        if (s.state == TcpState.LISTEN || s.state == TcpState.CLOSED)
        {
            return;
        }
        try
        {
            segments.sendResetFor(s);
        }
        catch (final RuntimeException | OutOfMemoryError | StackOverflowError ignored)
        {
            // The reset is lost; the peer's next segment meets no connection and is answered with one.
        }
        try
        {
            s.error = Errno.ECONNRESET;
            counters.connectionResets++;
            destroy(s);
        }
        catch (final RuntimeException | OutOfMemoryError | StackOverflowError ignored)
        {
            // Half-destroyed: it stays CLOSED and forgotten by what destroy() reached.
            s.state = TcpState.CLOSED;
        }
    }

    /** Moves a connection to CLOSED: forgets it by 4-tuple, stops its timers, frees what it no longer needs. */
    void destroy(final TcpSocket s)
    {
        if (s.state == TcpState.TIME_WAIT)
        {
            timeWaitCount--;
        }
        if (s.state == TcpState.SYN_RECEIVED && s.parent != null && !s.inAcceptQueue)
        {
            s.parent.accepts.halfOpenRemoved();
        }
        s.state = TcpState.CLOSED;
        s.connectPending = s.connectPending && s.error != 0;
        if (s.inConnectionTable)
        {
            connections.remove(s);
            s.inConnectionTable = false;
        }
        timers.cancel(s.retransmitTimer);
        timers.cancel(s.delayedAckTimer);
        timers.cancel(s.keepTimer);
        timers.cancel(s.outputTimer);
        if (s.closed || s.parent != null)
        {
            // Nobody will read or write it again.
            if (s.inAcceptQueue)
            {
                removeFromAcceptQueue(s);
            }
            s.parent = null;
            s.releaseBuffers();
            ports.unbind(s);
        }
        else
        {
            // The application still holds it: keep what it has not read, drop what it can no longer send.
            if (s.snd.ring != null)
            {
                s.snd.ring.clear();
                s.snd.ring = null;
                s.snd.buffered = 0;
            }
            if (!s.explicitBind)
            {
                ports.unbind(s);
            }
        }
        s.notifyReadiness();
    }

    /** Releases a socket that never connected (close() of a bound or fresh socket). */
    void release(final TcpSocket s)
    {
        s.releaseBuffers();
        ports.unbind(s);
    }

    /** Enters TIME_WAIT for 2 x MSL (RFC 9293 section 3.10.7.4), unless timeWaitLimit says otherwise. */
    void enterTimeWait(final TcpSocket s)
    {
        timers.cancel(s.retransmitTimer);
        timers.cancel(s.delayedAckTimer);
        timers.cancel(s.outputTimer);
        if (timeWaitCount >= config.timeWaitLimit || config.mslNanos == 0)
        {
            if (config.mslNanos != 0)
            {
                counters.timeWaitOverflows++;
            }
            destroy(s);
            return;
        }
        s.state = TcpState.TIME_WAIT;
        timeWaitCount++;
        if (s.closed)
        {
            // TIME_WAIT needs only the sequence numbers; give the buffers back now.
            s.releaseBuffers();
        }
        timeouts.startTimeWaitTimer(s);
        s.notifyReadiness();
    }

    void closeListener(final TcpSocket listener)
    {
        ports.unlisten(listener);
        // Connections that completed the handshake but were never accepted are reset (as Linux does); half-open
        // ones are dropped with the reset too.
        while (listener.accepts.count() > 0)
        {
            final TcpSocket child = listener.accept();
            child.closed = true;
            segments.sendResetFor(child);
            destroy(child);
        }
        if (listener.accepts.halfOpen() > 0)
        {
            final TcpSocket l = listener;
            final java.util.ArrayList<TcpSocket> halfOpen = new java.util.ArrayList<>();
            connections.forEach(c ->
            {
                if (c.parent == l)
                {
                    halfOpen.add(c);
                }
            });
            for (final TcpSocket child : halfOpen)
            {
                child.closed = true;
                segments.sendResetFor(child);
                destroy(child);
            }
        }
        listener.state = TcpState.CLOSED;
        listener.accepts = null;
        ports.unbind(listener);
    }

    void enqueueAccepted(final TcpSocket listener, final TcpSocket child)
    {
        listener.accepts.add(child);
        listener.notifyReadiness();
    }

    private void removeFromAcceptQueue(final TcpSocket child)
    {
        final TcpSocket listener = child.parent;
        if (listener == null || listener.accepts == null)
        {
            child.inAcceptQueue = false;
            return;
        }
        listener.accepts.remove(child);
        listener.notifyReadiness();
    }

    static String format(final int address)
    {
        return ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
            + (address & 0xFF);
    }
}
