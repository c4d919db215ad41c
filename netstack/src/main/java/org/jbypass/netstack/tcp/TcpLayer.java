package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.jbypass.netstack.ip.Ipv4Output;
import org.jbypass.netstack.ip.Ipv4Protocol;
import org.jbypass.netstack.ip.Ipv6Output;
import org.jbypass.netstack.ip.Ipv6Protocol;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.transport.EventQueue;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.TcpHeader;

/**
 * TCP for one stack: receives segments from IPv4 and IPv6, finds their connection or listener, answers the rest with
 * resets, and owns what connections share: the port and connection tables, the secrets behind initial sequence
 * numbers (RFC 6528) and SYN cookies (RFC 4987), the counters, and the memory behind socket buffers
 * ({@code TcpMemory}).
 *
 * <p>Single-threaded, like the rest of netstack: the stack's thread calls {@link #receive} and fires the timers;
 * an application thread holding the stack's lock calls the sockets. Nothing here reads a clock: time is
 * {@link StackTime#nanos()}.
 *
 * <p>IPv6 (RFC 8200 section 8) changes the pseudo-header, the headers' length (MSS = MTU - 60), the MSS values SYN
 * cookies carry and the ICMP that reports errors, and nothing of the state machine: a connection's family is a
 * flag and two pairs of longs beside the IPv4 addresses, as Linux keeps skc_v6_daddr beside skc_daddr.
 */
public final class TcpLayer implements Ipv4Protocol, Ipv6Protocol
{
    /** Both protocol interfaces name it (the same value); this one is what the layer returns. */
    private static final int CONSUMED = Ipv4Protocol.CONSUMED;
    private static final int CONTIGUOUS = Ipv4Protocol.CONTIGUOUS;
    /** IPv6's minimum link MTU (RFC 8200 section 5). */
    static final int IPV6_MIN_MTU = 1280;
    /** The IPv6 and TCP headers without options (RFC 8200 section 8.3: MSS = MTU - 60). */
    static final int IPV6_HEADERS = 60;

    final Ipv4Output ip;
    /** IPv6, once the stack has it ({@link #attachIpv6}); null means IPv6 sockets cannot bind or connect. */
    Ipv6Output ip6;
    final TimerQueue timers;
    final StackTime time;
    final EventQueue events;
    final TcpConfig config;
    final TcpCounters counters = new TcpCounters();
    final ConnectionTable connections;
    /** Every connection's {@link LentPayload} (see {@link #newLentPayload}). */
    private LentPayload[] lentPayloads = new LentPayload[16];
    private int lentPayloadCount;
    /** Half-open passive connections, as records (TcpHandshake). */
    final RequestTable requests;
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
    final TcpTimeWait timeWait;
    final SynCookies cookies;

    /** The PRF of a connection's ISN and TSval offset ({@link #secrets}). */
    private final SipHash secretHash;
    /** The secret behind ephemeral port selection for connect (RFC 6056 section 3.3.4). */
    private final SipHash portHash;
    private final SplittableRandom random;
    private final Segment segment = new Segment();
    private final TcpHeader header = new TcpHeader();

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
        this.secretHash = new SipHash(random.nextLong(), random.nextLong());
        // Two draws keyed a timestamp PRF of its own before the ISN and the offset shared one: still drawn, so that
        // the keys after them, and what tests seeded by them expect (ports chosen, cookies), stay what they were.
        random.nextLong();
        random.nextLong();
        this.cookies = new SynCookies(new SipHash(random.nextLong(), random.nextLong()),
            new SipHash(random.nextLong(), random.nextLong()));
        this.connections = new ConnectionTable(random.nextLong());
        this.portHash = new SipHash(random.nextLong(), random.nextLong());
        this.ports = new PortTable(this);
        this.memory = new TcpMemory(config.memoryLow, config.memoryPressure, config.memoryLimit, counters);
        this.input = new TcpInput(this);
        this.handshake = new TcpHandshake(this);
        this.requests = new RequestTable(random.nextLong(), config.synBacklog, handshake);
        this.receive = new TcpReceive(this);
        this.ack = new TcpAck(this);
        this.recovery = new TcpRecovery(this);
        this.output = new TcpOutput(this);
        this.segments = new SegmentBuilder(this);
        this.timeouts = new TcpTimers(this);
        this.timeWait = new TcpTimeWait(this, random.nextLong());
    }

    /** A new, unbound socket. */
    public TcpSocket open()
    {
        return new TcpSocket(this);
    }

    /**
     * A new, unbound IPv6 socket (AF_INET6), dual-stack unless {@code v6Only}: bound to {@code ::} it serves IPv4
     * peers too, and it may connect to IPv4-mapped addresses (RFC 4291 section 2.5.5.2), over IPv4.
     */
    public TcpSocket open6(final boolean v6Only)
    {
        final TcpSocket s = new TcpSocket(this);
        s.family6 = true;
        s.v6Only = v6Only;
        return s;
    }

    /** Gives TCP the IPv6 layer to send through; the stack calls it once, when it has IPv6. */
    public void attachIpv6(final Ipv6Output ipv6)
    {
        this.ip6 = ipv6;
    }

    /**
     * How often one connection tells neighbour discovery that its path works, at most: once a second is well within
     * ReachableTime (15 to 45 s), and spares the route and cache lookups of every other ACK.
     */
    static final long NEIGHBOR_CONFIRM_INTERVAL_NANOS = 1_000_000_000L;

    /**
     * A connection's forward progress confirms its next hop's reachability (RFC 4861 section 7.3.1, Linux's
     * dst_confirm on an ACK that acknowledges new data), so that a busy connection's neighbour stays REACHABLE
     * instead of being probed with a unicast solicitation every ReachableTime. IPv6 only: ARP has no such state.
     */
    void confirmReachable(final TcpSocket s, final long now)
    {
        if (s.v6 && ip6 != null && now - s.neighborConfirmedAt >= NEIGHBOR_CONFIRM_INTERVAL_NANOS)
        {
            s.neighborConfirmedAt = now;
            ip6.confirmReachable(s.remoteHi, s.remoteLo);
        }
    }

    /** Whether IPv6 sockets can bind and connect. */
    public boolean hasIpv6()
    {
        return ip6 != null;
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

    /** Connections known by 4-tuple: open ones, half-open ones, orphans and TIME_WAIT records. */
    public int connectionCount()
    {
        return connections.size() + requests.size() + timeWait.table.size();
    }

    /** Half-open passive connections (records, see {@code SynRequest}). */
    public int halfOpenCount()
    {
        return requests.size();
    }

    /** Bytes of heap the half-open records take now, pooled ones and the table included. */
    public long halfOpenFootprint()
    {
        return requests.footprintBytes();
    }

    /** Connections in TIME_WAIT (records, see {@code TimeWaitTable}). */
    public int timeWaitCount()
    {
        return timeWait.table.size();
    }

    /** Of {@link #timeWaitCount()}, the IPv6 connections. */
    public int timeWaitCount6()
    {
        return timeWait.table.size6();
    }

    /** Bytes of heap the TIME_WAIT records take now, arrays included (for the measure of a record's cost). */
    public long timeWaitFootprint()
    {
        return timeWait.table.footprintBytes();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Receive.

    private static final System.Logger LOG = System.getLogger("org.jbypass.netstack.tcp");
    /** Contained failures logged with their stack trace before only every thousandth is. */
    private static final int FAILURES_LOGGED_IN_FULL = 10;

    /** Connections of one burst whose output may wait for its end; past that, output goes at once. */
    private static final int DEFERRED_OUTPUT = 64;

    @Override
    public boolean hearsBursts()
    {
        return true;
    }

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
        seg.v6 = false;
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
        final TcpSocket s = seg.v6
            ? connections.find6(seg.destinationHi, seg.destinationLo, seg.destinationPort, seg.sourceHi, seg.sourceLo,
                seg.sourcePort)
            : connections.find(seg.destination, seg.destinationPort, seg.source, seg.sourcePort);
        if (s != null)
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
        // RFC 1122 section 4.2.3.10: segments to or from broadcast or multicast addresses (a subnet's broadcast too,
        // which only IP knows) are silently dropped. Asked only here: a connection's 4-tuple is unicast at both ends
        // (connect and the handshake refuse anything else), so a segment that found one needs no test, and every
        // other table (requests, TIME_WAIT records, listeners) and the reset come after this.
        if (!seg.v6 && (ip.isBroadcastOrMulticast(seg.destination) || ip.isBroadcastOrMulticast(seg.source)
            || seg.source == 0))
        {
            counters.notUnicast++;
            return;
        }
        final SynRequest r = seg.v6
            ? requests.find6(seg.destinationHi, seg.destinationLo, seg.destinationPort, seg.sourceHi, seg.sourceLo,
                seg.sourcePort)
            : requests.find(seg.destination, seg.destinationPort, seg.source, seg.sourcePort);
        if (r != null)
        {
            final TcpSocket listener = r.listener;
            try
            {
                handshake.requestArrives(r, seg);
            }
            catch (final RuntimeException | OutOfMemoryError | StackOverflowError e)
            {
                // The listener stays; the segment is lost and the handshake retried or abandoned by its timer.
                contain(listener, e);
            }
            return;
        }
        int isn = 0;
        final int tw = seg.v6
            ? timeWait.table.find6(seg.destinationHi, seg.destinationLo, seg.destinationPort, seg.sourceHi,
                seg.sourceLo, seg.sourcePort)
            : timeWait.table.find(seg.destination, seg.destinationPort, seg.source, seg.sourcePort);
        if (tw != TimeWaitTable.NONE)
        {
            // TIME_WAIT answers, unless a SYN opens a new incarnation (RFC 6191) with an ISN past the old one's.
            isn = timeWait.arrives(tw, seg);
            if (isn == TcpTimeWait.CONSUMED)
            {
                return;
            }
        }
        final TcpSocket listener = seg.v6
            ? ports.findListener6(seg.destinationHi, seg.destinationLo, seg.destinationPort)
            : ports.findListener(seg.destination, seg.destinationPort);
        if (listener != null)
        {
            try
            {
                handshake.listenArrives(listener, seg, isn);
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
            final SynRequest r = requests.find(source, sourcePort, destination, destinationPort);
            if (r != null)
            {
                handshake.requestIcmpError(r, type, code, seq);
            }
            return;
        }
        input.icmpError(s, type, code, info, seq);
    }

    @Override
    public int receive6(final ByteBuffer memory, final int offset, final int length, final long sourceHi,
        final long sourceLo, final long destinationHi, final long destinationLo, final int trafficClass,
        final int hopLimit, final int rxFlags)
    {
        return input6(memory, offset, length, sourceHi, sourceLo, destinationHi, destinationLo, trafficClass, rxFlags,
            null, 0);
    }

    /** An IPv6 super-segment in a chain of buffers, taken in place as {@link #receiveChain} takes an IPv4 one. */
    @Override
    public int receiveChain6(final FrameChain chain, final int frameOffset, final ByteBuffer memory,
        final int offset, final int length, final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo, final int trafficClass, final int hopLimit, final int rxFlags)
    {
        final int inFirst = chain.firstLength() - frameOffset;
        if (inFirst < TcpHeader.MIN_LENGTH || inFirst < header.wrap(memory, offset, length).headerLength())
        {
            return CONTIGUOUS;
        }
        return input6(memory, offset, length, sourceHi, sourceLo, destinationHi, destinationLo, trafficClass, rxFlags,
            chain, frameOffset);
    }

    /** As {@link #input}, over IPv6. */
    private int input6(final ByteBuffer memory, final int offset, final int length, final long sourceHi,
        final long sourceLo, final long destinationHi, final long destinationLo, final int trafficClass,
        final int rxFlags, final FrameChain chain, final int frameOffset)
    {
        counters.segmentsIn++;
        final TcpHeader h = header.wrap(memory, offset, length);
        if (!h.isValid())
        {
            counters.malformed++;
            return CONSUMED;
        }
        // RFC 1122 section 4.2.3.10 carried over: no connection has a multicast end; :: is never a source of one
        // (RFC 4291 section 2.5.2), and a v4-mapped address never appears on the wire (RFC 4291 section 2.5.5.2).
        if (Ipv6Address.isMulticast(destinationHi) || Ipv6Address.isMulticast(sourceHi)
            || Ipv6Address.isUnspecified(sourceHi, sourceLo) || Ipv6Address.isV4Mapped(sourceHi, sourceLo)
            || Ipv6Address.isV4Mapped(destinationHi, destinationLo))
        {
            counters.notUnicast++;
            return CONSUMED;
        }
        if ((rxFlags & PacketBurst.RX_L4_CHECKSUM_OK) == 0 && !(chain == null
            ? h.checksumOk6(sourceHi, sourceLo, destinationHi, destinationLo)
            : Checksum.fold(chain.sum(frameOffset, length, Checksum.pseudoHeader6(sourceHi, sourceLo, destinationHi,
                destinationLo, Ipv4Header.PROTOCOL_TCP, length))) == 0))
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
        seg.v6 = true;
        seg.source = 0;
        seg.destination = 0;
        seg.sourceHi = sourceHi;
        seg.sourceLo = sourceLo;
        seg.destinationHi = destinationHi;
        seg.destinationLo = destinationLo;
        seg.sourcePort = h.sourcePort();
        seg.destinationPort = h.destinationPort();
        seg.tos = trafficClass;
        seg.seq = h.sequence();
        seg.ack = h.acknowledgment();
        seg.flags = h.flags();
        seg.window = h.window();
        seg.memory = memory;
        seg.chain = chain;
        seg.payloadOffset = chain == null ? h.payloadOffset() : frameOffset + h.headerLength();
        seg.payloadLength = h.payloadLength();
        // A super-segment (GSO_TCPV6: the kernel's TSO segments over a veth, handed over whole) counts as the
        // segments it holds for the ACK decisions, as over IPv4.
        seg.segmentSize = PacketBurst.gsoType(rxFlags) == PacketBurst.GSO_TCPV6 ? PacketBurst.gsoSize(rxFlags) : 0;
        if (seg.destinationPort == 0 || seg.sourcePort == 0)
        {
            seg.chain = null;
            counters.malformed++;
            return CONSUMED;
        }
        dispatch(seg);
        seg.chain = null;
        return CONSUMED;
    }

    /**
     * ICMPv6 errors (RFC 4443 section 3) as the ICMP errors {@link TcpInput#icmpError} knows, so one decision serves
     * both families (Linux's icmpv6_err_convert): no route (code 0) as net unreachable; administratively
     * prohibited (1), a source address failing policy (5) and a rejected route (6) as the hard "communication
     * administratively prohibited"; beyond the source's scope (2) and address unreachable (3) as host unreachable; port
     * unreachable (4) as port unreachable, which refuses a connection being opened; packet too big (RFC 8201) as
     * fragmentation needed with its MTU (never below 1280); time exceeded and parameter problem as soft errors.
     */
    @Override
    public void icmp6Error(final int type, final int code, final int info, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo, final ByteBuffer memory, final int quotedOffset,
        final int quotedLength)
    {
        if (quotedLength < 8)
        {
            return;
        }
        final int sourcePort = memory.getShort(quotedOffset) & 0xFFFF;
        final int destinationPort = memory.getShort(quotedOffset + 2) & 0xFFFF;
        final int seq = memory.getInt(quotedOffset + 4);
        final TcpSocket s = connections.find6(sourceHi, sourceLo, sourcePort, destinationHi, destinationLo,
            destinationPort);
        final SynRequest r = s != null ? null
            : requests.find6(sourceHi, sourceLo, sourcePort, destinationHi, destinationLo, destinationPort);
        if (s == null && r == null)
        {
            return;
        }
        int type4 = 3;
        int code4;
        int info4 = 0;
        switch (type)
        {
            case 1:
                code4 = code == 0 ? 0 : code == 2 || code == 3 ? 1 : code == 4 ? 3 : 13;
                break;
            case 2:
                code4 = 4;
                info4 = (int)Math.min(65535L, Math.max(IPV6_MIN_MTU, info & 0xFFFF_FFFFL));
                break;
            case 3:
                type4 = 11;
                code4 = 0;
                break;
            case 4:
                type4 = 12;
                code4 = 0;
                break;
            default:
                return;
        }
        if (s == null)
        {
            handshake.requestIcmpError(r, type4, code4, seq);
            return;
        }
        input.icmpError(s, type4, code4, info4, seq);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Secrets and randomness.

    /**
     * A connection's two secrets from its 4-tuple, in one evaluation of a keyed PRF (SipHash-2-4): in the low 32
     * bits F of its ISN (RFC 6528 section 3), in the high 32 bits its TSval offset (RFC 7323 section 5.4 recommends a
     * random offset per connection, so that timestamps reveal neither uptime nor other connections). The halves of a
     * PRF's output are as independent of each other as the outputs of two PRFs with two keys (Linux keys
     * secure_tcp_seq and secure_tcp_ts_off apart), and every open needs both: one evaluation instead of two. Derived
     * from the 4-tuple, so that a connection opened by a SYN cookie gets the offset its SYN-ACK used.
     */
    long secrets(final int localAddress, final int localPort, final int remoteAddress, final int remotePort)
    {
        return secretHash.hash(SipHash.addresses(localAddress, remoteAddress),
            SipHash.portsAnd(localPort, remotePort, 0));
    }

    /** {@link #secrets} of an IPv6 4-tuple. */
    long secrets6(final long localHi, final long localLo, final int localPort, final long remoteHi,
        final long remoteLo, final int remotePort)
    {
        return secretHash.hash(localHi, localLo, remoteHi, remoteLo, SipHash.portsAnd(localPort, remotePort, 0));
    }

    /** {@link #secrets} of a connection of either family. */
    long secrets(final TcpSocket s)
    {
        return s.v6 ? secrets6(s.localHi, s.localLo, s.localPort, s.remoteHi, s.remoteLo, s.remotePort)
            : secrets(s.localAddress, s.localPort, s.remoteAddress, s.remotePort);
    }

    /**
     * RFC 6528 section 3: ISN = M + F(4-tuple, secret), M a timer ticking every 4 microseconds, F from
     * {@link #secrets}.
     */
    int isnOf(final long secrets)
    {
        return (int)(time.nanos() / 4000L) + (int)secrets;
    }

    /** The TSval offset in {@link #secrets}. */
    static int timestampOffsetOf(final long secrets)
    {
        return (int)(secrets >>> 32);
    }

    /** The ISN of a new connection on an IPv4 4-tuple ({@link #isnOf}). */
    int isn(final int localAddress, final int localPort, final int remoteAddress, final int remotePort)
    {
        return isnOf(secrets(localAddress, localPort, remoteAddress, remotePort));
    }

    /** The TSval offset of a connection on an IPv4 4-tuple ({@link #secrets}). */
    int timestampOffset(final int localAddress, final int localPort, final int remoteAddress, final int remotePort)
    {
        return timestampOffsetOf(secrets(localAddress, localPort, remoteAddress, remotePort));
    }

    /** {@link #timestampOffset} of an IPv6 4-tuple. */
    int timestampOffset6(final long localHi, final long localLo, final int localPort, final long remoteHi,
        final long remoteLo, final int remotePort)
    {
        return timestampOffsetOf(secrets6(localHi, localLo, localPort, remoteHi, remoteLo, remotePort));
    }

    /** {@link #timestampOffset} of a connection of either family. */
    int timestampOffset(final TcpSocket s)
    {
        return timestampOffsetOf(secrets(s));
    }

    /** A secret hash of an IPv6 connection's addresses, for the choice of its ephemeral port (RFC 6056 3.3.4). */
    long portHash6(final long localHi, final long localLo, final long remoteHi, final long remoteLo,
        final int remotePort)
    {
        return portHash.hash(localHi, localLo, remoteHi, remoteLo, remotePort);
    }

    /** The path MTU towards a connection's peer, in its family; 0 without a route. */
    int pathMtu(final TcpSocket s)
    {
        if (s.v6)
        {
            return ip6 == null ? 0 : ip6.pathMtu(s.remoteHi, s.remoteLo);
        }
        return ip.pathMtu(s.remoteAddress);
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
     * Whether connect() may open a 4-tuple: no connection has it, and TIME_WAIT holds it not or lets it go
     * ({@link TcpTimeWait#allowsConnect}, Linux's tcp_tw_reuse).
     */
    boolean fourTupleFree(final int local, final int localPort, final int remote, final int remotePort)
    {
        return connections.find(local, localPort, remote, remotePort) == null
            && requests.find(local, localPort, remote, remotePort) == null
            && timeWait.allowsConnect(local, localPort, remote, remotePort);
    }

    /** {@link #fourTupleFree} for an IPv6 4-tuple. */
    boolean fourTupleFree6(final long localHi, final long localLo, final int localPort, final long remoteHi,
        final long remoteLo, final int remotePort)
    {
        return connections.find6(localHi, localLo, localPort, remoteHi, remoteLo, remotePort) == null
            && requests.find6(localHi, localLo, localPort, remoteHi, remoteLo, remotePort) == null
            && timeWait.allowsConnect6(localHi, localLo, localPort, remoteHi, remoteLo, remotePort);
    }

    /**
     * A failure while processing one socket (a bug, a refused allocation, the application's callback): that
     * connection is reset and forgotten, counted and logged, and the rest of the stack goes on. A listener keeps
     * listening (only the segment is lost). Nothing here may throw again.
     */
    void contain(final TcpSocket s, final Throwable e)
    {
        counters.socketFailures++;
        logFailure("on " + s, counters.socketFailures, "the connection is reset, the stack goes on", e);
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

    /** Logs a contained failure: the first few in full, then one in a thousand, so that a storm cannot flood. */
    static void logFailure(final String where, final long count, final String outcome, final Throwable e)
    {
        if (count <= FAILURES_LOGGED_IN_FULL || count % 1000 == 0)
        {
            LOG.log(System.Logger.Level.WARNING, "jbypass TCP: failure " + where + " (" + count + " so far); "
                + outcome, e);
        }
    }

    /**
     * Tests only: called with each socket that a completed handshake built, just before it is published (into the
     * connection table and the accept queue); it may throw, as an allocation refused there would. Null otherwise.
     */
    Consumer<TcpSocket> childFault;

    /** A passive open's socket is built; a fault that tests inject strikes here ({@link #childFault}). */
    void childBuilt(final TcpSocket child)
    {
        final Consumer<TcpSocket> fault = childFault;
        if (fault != null)
        {
            fault.accept(child);
        }
    }

    /** Moves a connection to CLOSED: forgets it by 4-tuple, stops its timers, frees what it no longer needs. */
    void destroy(final TcpSocket s)
    {
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

    /**
     * Enters TIME_WAIT for 2 x MSL (RFC 9293 section 3.10.7.4) as a record (unless timeWaitLimit is reached), and
     * is done with the socket, as Linux's tcp_time_wait() then tcp_done(): an application still holding it reads
     * what is left and then the end of stream, and its writes fail with EPIPE.
     */
    void enterTimeWait(final TcpSocket s)
    {
        timeWait.enter(s);
        destroy(s);
    }

    /**
     * A connection's {@link LentPayload}, made on its first lent super-segment and registered, so that
     * {@link #releaseLentPayloads} finds it even once the connection left the tables (closed with data unread that the
     * application still holds).
     */
    LentPayload newLentPayload(final org.jbypass.netstack.buffer.PacketPool pool)
    {
        if (lentPayloadCount == lentPayloads.length)
        {
            lentPayloads = java.util.Arrays.copyOf(lentPayloads, lentPayloadCount * 2);
        }
        final LentPayload lent = new LentPayload(pool, lentPayloadCount);
        lentPayloads[lentPayloadCount++] = lent;
        return lent;
    }

    /** Gives a connection's lent buffers back and forgets its {@link LentPayload}. */
    void dropLentPayload(final LentPayload lent)
    {
        lent.clear();
        final int i = lent.index;
        final LentPayload last = lentPayloads[--lentPayloadCount];
        lentPayloads[i] = last;
        last.index = i;
        lentPayloads[lentPayloadCount] = null;
    }

    /**
     * Gives every packet buffer that connections hold for their readers back to the pool ({@link LentPayload}): when
     * the stack closes, so that its pool is whole again. The connections' unread data is gone.
     */
    public void releaseLentPayloads()
    {
        for (int i = 0; i < lentPayloadCount; i++)
        {
            lentPayloads[i].clear();
        }
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
            requests.removeAll(listener, handshake::abortRequest);
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
