package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.ip.BufferChain;
import org.jbypass.netstack.ip.Ipv4Output;
import org.jbypass.netstack.ip.Ipv6Output;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.TcpHeader;

/**
 * Building TCP segments into pool buffers and handing them to IPv4: data segments with the options a connection
 * negotiated (timestamps per RFC 7323, SACK blocks per RFC 2018 and RFC 2883), the window field (RFC 9293 section
 * 3.8.6.2.2, RFC 7323 section 2.3), SYNs and SYN-ACKs (RFC 9293 section 3.7.1), SYN cookies (RFC 4987), pure and
 * challenge ACKs (RFC 5961), and resets (RFC 9293 section 3.10). How much payload a segment may carry is decided
 * here alone: {@link #dataRoom} for one segment on the wire, {@link #sizeGoal} for what one send may hand the link
 * when it segments (TSO).
 *
 * <p>Segments are built by copying from the send ring into a buffer from the pool; nothing is allocated. When the
 * pool is empty the connection retries on a short timer. A super-segment (more payload than one segment) is built as
 * a chain: a pool buffer with the headers and the first payload bytes, then the rest of the payload as slices of the
 * send ring's chunks, which a gathering link copies straight from there ({@link BufferChain}); its checksum field
 * holds the pseudo-header sum over its whole length (Linux's CHECKSUM_PARTIAL), and it leaves through {@link Ipv4Output#sendChain} or
 * {@link Ipv6Output#sendChain} with the segment size the link cuts it into: every segment it becomes carries the
 * same header and options, with its own sequence number.
 */
final class SegmentBuilder
{
    /** How long a connection waits before retrying when the packet pool was empty. */
    private static final long POOL_RETRY_NANOS = 1_000_000L;

    private final TcpLayer layer;
    private final TcpCounters counters;
    private final TcpConfig config;
    private final TimerQueue timers;
    private final TcpHeader header = new TcpHeader();
    private final int[] sackStarts = new int[Segment.MAX_SACK_BLOCKS];
    private final int[] sackEnds = new int[Segment.MAX_SACK_BLOCKS];
    /** The buffers of the super-segment being built; made when the first one is. */
    private BufferChain chain;

    SegmentBuilder(final TcpLayer layer)
    {
        this.layer = layer;
        this.counters = layer.counters;
        this.config = layer.config;
        this.timers = layer.timers;
    }

    /** Payload bytes a data segment may carry now: the MSS less SACK blocks that would ride along. */
    int dataRoom(final TcpSocket s)
    {
        int room = s.opt.sendMss;
        if (s.opt.sackOk)
        {
            final int blocks = sackBlockCount(s);
            if (blocks > 0)
            {
                room -= 4 + 8 * blocks;
            }
        }
        final int poolRoom = layer.ip.pool().bufferSize() - l4Offset(s.v6) - TcpHeader.MAX_LENGTH;
        return Math.max(1, Math.min(room, poolRoom));
    }

    /**
     * Payload bytes one send may carry now: {@code mss} (from {@link #dataRoom}) when the route's link cannot
     * segment; otherwise Linux's tcp_tso_autosize() (net/ipv4/tcp_output.c): about a millisecond of the
     * connection's rate (its pacing rate, cwnd / SRTT at 200% in slow start and 120% after,
     * sysctl_tcp_pacing_ss_ratio and _ca_ratio, shifted by sk_pacing_shift 10), plus gso_max_size shifted right by
     * the minimum RTT in units of 512 us (sysctl_tcp_tso_rtt_log 9, so that short paths get full-size frames), at
     * most the link's limit, at least two segments (sysctl_tcp_min_tso_segs), in whole segments; and, as
     * tcp_bound_to_half_wnd(), at most half the largest window the peer offered (once it exceeds TCP_MSS_DEFAULT,
     * 536).
     */
    int sizeGoal(final TcpSocket s, final int mss)
    {
        final int limit = s.v6 ? layer.ip6.segmentationLimit(s.remoteHi, s.remoteLo)
            : layer.ip.segmentationLimit(s.remoteAddress);
        if (limit == 0)
        {
            return mss;
        }
        final int maxPayload = limit - (s.v6 ? Ipv6Output.HEADER_LENGTH : Ipv4Header.MIN_LENGTH)
            - TcpHeader.MAX_LENGTH;
        final long srtt = s.rtt.srtt();
        long bytes;
        if (srtt <= 0)
        {
            // tcp_update_pacing_rate() without an RTT sample leaves the rate undivided: unbounded.
            bytes = maxPayload;
        }
        else
        {
            final long ratio = s.cc.cwnd < s.cc.ssthresh ? 200 : 120;
            // Bytes per second; cwnd below 2^31 keeps the product below 2^63.
            final long rate = (long)s.cc.cwnd * ratio / 100 * 1_000_000_000L / srtt;
            bytes = rate >> 10;
            final long minRttMicros = s.rtt.minRtt() / 1_000L;
            // 64 KB >> (min RTT / 512 us), 0 from a shift of 17 on; without a branch, which the JIT compiled for
            // short RTTs only and threw away at the first RTT of 16 ms on a loaded machine (an uncommon trap).
            bytes += 65_536L >> Math.min(minRttMicros >> 9, 63L);
        }
        bytes = Math.min(bytes, maxPayload);
        int goal = (int)Math.max(2L * mss, bytes / mss * mss);
        goal = Math.min(goal, maxPayload / mss * mss);
        if (s.snd.maxWnd > 536)
        {
            goal = Math.min(goal, Math.max(mss, (s.snd.maxWnd >>> 1) / mss * mss));
        }
        return Math.max(mss, goal);
    }

    private int sackBlockCount(final TcpSocket s)
    {
        final int max = s.opt.timestampsOk ? 3 : 4;
        final int n = (s.rcv.dsackPending ? 1 : 0) + s.rcv.outOfOrder.count();
        return Math.min(max, n);
    }

    /** Chooses the SACK blocks of the next ACK into the scratch arrays (RFC 2018 section 4, RFC 2883). */
    private int chooseSackBlocks(final TcpSocket s)
    {
        final int max = s.opt.timestampsOk ? 3 : 4;
        int n = 0;
        if (s.rcv.dsackPending)
        {
            sackStarts[n] = s.rcv.dsackStart;
            sackEnds[n] = s.rcv.dsackEnd;
            n++;
        }
        final RangeSet ooo = s.rcv.outOfOrder;
        // Most recently changed blocks first, then the rest in order.
        for (int i = 0; i < s.rcv.sackOrderCount && n < max; i++)
        {
            final int index = ooo.find(s.rcv.sackOrder[i]);
            if (index >= 0)
            {
                n = addBlock(n, ooo.start(index), ooo.end(index));
            }
        }
        for (int i = 0; i < ooo.count() && n < max; i++)
        {
            n = addBlock(n, ooo.start(i), ooo.end(i));
        }
        return n;
    }

    private int addBlock(final int n, final int start, final int end)
    {
        for (int i = 0; i < n; i++)
        {
            if (sackStarts[i] == start && sackEnds[i] == end)
            {
                return n;
            }
        }
        sackStarts[n] = start;
        sackEnds[n] = end;
        return n + 1;
    }

    /**
     * The window field to send, per RFC 9293 section 3.8.6.2.2 (the right edge moves only by at least
     * min(buffer / 2, MSS), receiver-side silly-window avoidance) and RFC 7323 section 2.3 (scaled, unless a SYN).
     * The advertised edge never passes the free space of the receive buffer, and never retreats except by the
     * rounding of the scale when the buffer is full.
     */
    int windowField(final TcpSocket s, final boolean syn)
    {
        int limit = s.rcv.readSeq + s.rcv.capacity;
        if (layer.memory.underPressure())
        {
            // Under memory pressure the right edge stops growing past four segments beyond RCV.NXT (as Linux clamps
            // rcv_ssthresh to 4 * advmss), and never retreats (RFC 9293 section 3.8.6.2.2).
            final int clamp = Seq.max(s.rcv.adv, s.rcv.nxt + 4 * s.opt.receiveMss);
            if (Seq.lt(clamp, limit))
            {
                limit = clamp;
            }
        }
        final int avail = Math.max(0, limit - s.rcv.nxt);
        final int cur = Math.max(0, s.rcv.adv - s.rcv.nxt);
        int w = avail;
        if (w - cur < Math.min(s.rcv.capacity / 2, s.opt.receiveMss))
        {
            w = cur;
        }
        final int field;
        if (syn)
        {
            field = Math.min(w, 65535);
            final int edge = s.rcv.nxt + field;
            if (Seq.gt(edge, s.rcv.adv))
            {
                s.rcv.adv = edge;
            }
            return field;
        }
        final int shift = s.opt.windowScalingOk ? s.opt.rcvWscale : 0;
        int f = w >>> shift;
        if ((f << shift) < cur)
        {
            final int up = (cur + (1 << shift) - 1) >>> shift;
            if ((long)(up << shift) <= avail)
            {
                f = up;
            }
        }
        field = Math.min(f, 65535);
        final int edge = s.rcv.nxt + (field << shift);
        if (Seq.gt(edge, s.rcv.adv))
        {
            s.rcv.adv = edge;
        }
        return field;
    }

    /** Builds and sends a segment of the connection with data from the send ring at {@code seq}. */
    int emitData(final TcpSocket s, final int seq, final int dataLen, final boolean fin)
    {
        int flags = TcpHeader.ACK;
        if (fin)
        {
            flags |= TcpHeader.FIN;
        }
        if (dataLen > 0 && seq + dataLen == s.snd.dataEnd())
        {
            flags |= TcpHeader.PSH;
        }
        return emit(s, seq, flags, dataLen);
    }

    int emit(final TcpSocket s, final int seq, final int flags, final int dataLen)
    {
        final PacketPool pool = layer.ip.pool();
        final int segmentSize = dataLen > 0 ? dataRoom(s) : 0;
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.poolExhausted++;
            timers.scheduleNoLaterThan(s.outputTimer, layer.time.nanos() + POOL_RETRY_NANOS);
            return -1;
        }
        final ByteBuffer m = pool.memory();
        final int base = pool.offset(buffer) + l4Offset(s.v6);
        final boolean ack = (flags & TcpHeader.ACK) != 0;
        int at = base + TcpHeader.MIN_LENGTH;
        if (s.opt.timestampsOk)
        {
            // RFC 7323 section 3.2: TSecr is only meaningful with ACK set, and must be zero otherwise.
            at = TcpOptions.writeTimestamp(m, at, s.tsNow(), ack ? s.opt.tsRecent : 0);
        }
        if (s.opt.sackOk && ack && (s.rcv.dsackPending || !s.rcv.outOfOrder.isEmpty()))
        {
            final int n = chooseSackBlocks(s);
            s.rcv.dsackPending = false;
            if (n > 0)
            {
                m.putInt(at, (TcpOptions.NOP << 24) | (TcpOptions.NOP << 16) | (TcpOptions.SACK << 8) | (2 + 8 * n));
                at += 4;
                for (int i = 0; i < n; i++)
                {
                    m.putInt(at, sackStarts[i]);
                    m.putInt(at + 4, sackEnds[i]);
                    at += 8;
                }
            }
        }
        final int headerLength = at - base;
        final int window = (flags & TcpHeader.RST) != 0 && !ack ? 0 : windowField(s, false);
        if (dataLen > segmentSize)
        {
            return emitSuper(s, seq, flags, dataLen, buffer, headerLength, window, segmentSize);
        }
        if (dataLen > 0)
        {
            s.snd.ring.read(seq - s.snd.bufSeq, m, base + headerLength, dataLen);
        }
        header.wrap(m, base, headerLength + dataLen)
            .write(s.localPort, s.remotePort, seq, ack ? s.rcv.nxt : 0, headerLength, flags, window);
        checksum(s);
        if (ack)
        {
            s.rcv.lastAckSent = s.rcv.nxt;
            s.rcv.ackNow = false;
            s.rcv.unackedSegments = 0;
            timers.cancel(s.delayedAckTimer);
        }
        s.lastSendNanos = layer.time.nanos();
        counters.bytesOut += dataLen;
        transmit(s, buffer, headerLength + dataLen);
        return 0;
    }

    /**
     * The rest of {@link #emit} for a super-segment: the options are written in {@code buffer}, which the payload
     * fills; the rest of the payload is described where it lies, as slices of the send buffer's chunks
     * ({@link BufferChain#addSlice}), which the interface hands to a gathering link (the kernel copies them into its
     * skb: the only copy after the application's into the send buffer) or copies into pool buffers itself.
     */
    private int emitSuper(final TcpSocket s, final int seq, final int flags, final int dataLen, final int buffer,
        final int headerLength, final int window, final int segmentSize)
    {
        final PacketPool pool = layer.ip.pool();
        final ByteBuffer m = pool.memory();
        final int bufferSize = pool.bufferSize();
        if (chain == null)
        {
            chain = new BufferChain(PacketBurst.MAX_FRAME_LENGTH / bufferSize + 2,
                PacketBurst.MAX_FRAME_LENGTH / TcpMemory.CHUNK_SIZE + 2);
        }
        final int firstHeaders = l4Offset(s.v6) + headerLength;
        final int firstData = Math.min(dataLen, bufferSize - firstHeaders);
        chain.add(buffer, firstHeaders + firstData);
        final int base = pool.offset(buffer) + l4Offset(s.v6);
        final int ringOffset = seq - s.snd.bufSeq;
        s.snd.ring.read(ringOffset, m, base + headerLength, firstData);
        s.snd.ring.slices(ringOffset + firstData, dataLen - firstData, chain);
        final int l4Length = headerLength + dataLen;
        // Linux's __tcp_v4_send_check() and __tcp_v6_send_check() for CHECKSUM_PARTIAL: the field holds the folded
        // pseudo-header sum over the whole length, not complemented, which tcp_gso_segment() adjusts for each
        // segment's length before the payload is summed.
        final int pseudoHeader = s.v6
            ? Checksum.pseudoHeader6(s.localHi, s.localLo, s.remoteHi, s.remoteLo, Ipv4Header.PROTOCOL_TCP, l4Length)
            : Checksum.pseudoHeader(s.localAddress, s.remoteAddress, Ipv4Header.PROTOCOL_TCP, l4Length);
        header.wrap(m, base, l4Length)
            .write(s.localPort, s.remotePort, seq, s.rcv.nxt, headerLength, flags, window)
            .checksum(~Checksum.fold(pseudoHeader) & 0xFFFF);
        final int r = s.v6
            ? layer.ip6.sendChain(chain, l4Length, s.localHi, s.localLo, s.remoteHi, s.remoteLo, s.tos, s.ttl,
                segmentSize)
            : layer.ip.sendChain(chain, l4Length, s.localAddress, s.remoteAddress, s.tos, s.ttl, segmentSize);
        if (r == -Errno.ENOMEM || (r == -Errno.EAGAIN && !busyTooLong(s)))
        {
            // Nothing went out: no pool buffers for the payload, or the link's queue is full (Linux's TCP stops at
            // a busy device queue too, TSQ). The next ACK sends again, and the output timer if none comes.
            if (r == -Errno.ENOMEM)
            {
                counters.poolExhausted++;
            }
            else
            {
                counters.linkBusy++;
            }
            timers.scheduleNoLaterThan(s.outputTimer, layer.time.nanos() + POOL_RETRY_NANOS);
            return -1;
        }
        s.snd.linkBusySince = 0;
        s.rcv.lastAckSent = s.rcv.nxt;
        s.rcv.ackNow = false;
        s.rcv.unackedSegments = 0;
        timers.cancel(s.delayedAckTimer);
        s.lastSendNanos = layer.time.nanos();
        counters.bytesOut += dataLen;
        counters.segmentsOut += (dataLen + segmentSize - 1) / segmentSize;
        counters.superSegmentsOut++;
        if (r < 0)
        {
            // Lost as if the network dropped it (the link lost the capability, or its queue was full); the next
            // send asks sizeGoal again and retransmission recovers.
            counters.sendErrors++;
        }
        return 0;
    }

    /**
     * Whether the link has refused this connection's super-segments for longer than an RTO: then the refusal counts
     * as a loss (sent, dropped by the link: the retransmission timer and its backoff take over, up to the
     * connection's timeout), so that a link that never drains cannot hold a connection forever with nothing in
     * flight and no timer but the retry.
     */
    private boolean busyTooLong(final TcpSocket s)
    {
        final long now = layer.time.nanos();
        if (s.snd.linkBusySince == 0)
        {
            s.snd.linkBusySince = now;
            return false;
        }
        return now - s.snd.linkBusySince > s.rtt.rto();
    }

    private void transmit(final TcpSocket s, final int buffer, final int length)
    {
        counters.segmentsOut++;
        final int r = s.v6
            ? layer.ip6.sendPartial(buffer, length, s.localHi, s.localLo, s.remoteHi, s.remoteLo,
                Ipv4Header.PROTOCOL_TCP, s.tos, s.ttl, TcpHeader.CHECKSUM_OFFSET)
            : layer.ip.sendPartial(buffer, length, s.localAddress, s.remoteAddress, Ipv4Header.PROTOCOL_TCP, s.tos,
                s.ttl, true, TcpHeader.CHECKSUM_OFFSET);
        if (r < 0)
        {
            // The segment is lost as if the network dropped it; retransmission recovers. A datagram too big for
            // the route means the path MTU shrank under us (RFC 1191).
            counters.sendErrors++;
            if (r == -Errno.EMSGSIZE)
            {
                layer.output.pathMtuChanged(s, layer.pathMtu(s));
            }
        }
    }

    /** Where the TCP header goes in a transmit buffer: after the Ethernet and the family's IP header. */
    static int l4Offset(final boolean v6)
    {
        return v6 ? Ipv6Output.L4_OFFSET : Ipv4Output.L4_OFFSET;
    }

    /**
     * The checksum of the segment {@link #header} wraps, over its connection's pseudo-header: only the
     * pseudo-header's part, for IP to complete where it costs least ({@link Ipv4Output#sendPartial} and
     * {@link Ipv6Output#sendPartial}, which {@link #transmit} calls).
     */
    private void checksum(final TcpSocket s)
    {
        final int pseudoHeader = s.v6
            ? Checksum.pseudoHeader6(s.localHi, s.localLo, s.remoteHi, s.remoteLo, Ipv4Header.PROTOCOL_TCP,
                header.segmentLength())
            : Checksum.pseudoHeader(s.localAddress, s.remoteAddress, Ipv4Header.PROTOCOL_TCP, header.segmentLength());
        header.checksum(~Checksum.fold(pseudoHeader) & 0xFFFF);
    }

    /** A SYN (active open) or SYN-ACK, with the options RFC 9293 section 3.7.1, RFC 7323 and RFC 2018 define. */
    void sendSyn(final TcpSocket s, final boolean synAck, final boolean retransmission)
    {
        final PacketPool pool = layer.ip.pool();
        final long now = layer.time.nanos();
        final int buffer = pool.allocate();
        if (buffer != PacketPool.NO_BUFFER)
        {
            final ByteBuffer m = pool.memory();
            final int base = pool.offset(buffer) + l4Offset(s.v6);
            final int at = writeSynOptions(m, base + TcpHeader.MIN_LENGTH, s.opt.receiveMss, s.opt.timestampsOk,
                s.tsNow(), synAck ? s.opt.tsRecent : 0, s.opt.windowScalingOk ? s.opt.rcvWscale : -1, s.opt.sackOk);
            final int headerLength = at - base;
            final int window = windowField(s, true);
            header.wrap(m, base, headerLength)
                .write(s.localPort, s.remotePort, s.snd.iss, synAck ? s.rcv.nxt : 0, headerLength,
                    synAck ? TcpHeader.SYN | TcpHeader.ACK : TcpHeader.SYN, window);
            checksum(s);
            if (synAck)
            {
                s.rcv.lastAckSent = s.rcv.nxt;
            }
            s.lastSendNanos = now;
            transmit(s, buffer, headerLength);
        }
        else
        {
            counters.poolExhausted++;
        }
        if (retransmission)
        {
            counters.retransmittedSegments++;
            s.retransmittedSegments++;
            s.synRetransmitted = true;
            s.rttTiming = false;
        }
        else
        {
            s.snd.nxt = s.snd.iss + 1;
            s.rttTiming = true;
            s.rttSeq = s.snd.iss;
            s.rttStartNanos = now;
        }
        if (!s.retransmitTimer.isScheduled())
        {
            timers.schedule(s.retransmitTimer, now + s.rtt.rto());
        }
    }

    /**
     * SYN options in Linux's order, which fits all four in 20 bytes: MSS; SACK-permitted and timestamps (or NOP,
     * NOP, timestamps); NOP and window scale; NOP, NOP and SACK-permitted when there are no timestamps.
     */
    private static int writeSynOptions(final ByteBuffer m, final int start, final int mss, final boolean timestamps,
        final int tsVal, final int tsEcr, final int windowScale, final boolean sack)
    {
        int at = start;
        m.putInt(at, (TcpOptions.MSS << 24) | (4 << 16) | (mss & 0xFFFF));
        at += 4;
        if (timestamps)
        {
            if (sack)
            {
                m.putShort(at, (short)((TcpOptions.SACK_PERMITTED << 8) | 2));
                m.putShort(at + 2, (short)((TcpOptions.TIMESTAMP << 8) | 10));
                m.putInt(at + 4, tsVal);
                m.putInt(at + 8, tsEcr);
                at += 12;
            }
            else
            {
                at = TcpOptions.writeTimestamp(m, at, tsVal, tsEcr);
            }
        }
        if (windowScale >= 0)
        {
            m.putInt(at, (TcpOptions.NOP << 24) | (TcpOptions.WINDOW_SCALE << 16) | (3 << 8) | windowScale);
            at += 4;
        }
        if (sack && !timestamps)
        {
            m.putInt(at, (TcpOptions.NOP << 24) | (TcpOptions.NOP << 16) | (TcpOptions.SACK_PERMITTED << 8) | 2);
            at += 4;
        }
        return at;
    }

    /**
     * A SYN-ACK for a listener whose SYN queue is full, carrying a SYN cookie (RFC 4987 section 3.6) and keeping
     * nothing. Window scaling and SACK are offered only with timestamps, which carry them back.
     */
    void sendCookieSynAck(final TcpSocket listener, final Segment seg)
    {
        final long now = layer.time.nanos();
        final int local = seg.destination;
        final int remote = seg.source;
        final int ourMss;
        final int index;
        final int isn;
        final int peerMss = seg.hasMss ? seg.mss : 536;
        if (seg.v6)
        {
            final int mtu = layer.ip6.pathMtu(seg.sourceHi, seg.sourceLo);
            ourMss = Math.max(TcpOptions.MIN_PEER_MSS,
                (mtu == 0 ? TcpLayer.IPV6_MIN_MTU : mtu) - TcpLayer.IPV6_HEADERS);
            index = SynCookies.mssIndex(SynCookies.MSS_TABLE6, Math.min(peerMss, ourMss));
            isn = layer.cookies.encode6(seg.destinationHi, seg.destinationLo, seg.destinationPort, seg.sourceHi,
                seg.sourceLo, seg.sourcePort, seg.seq, index, now);
        }
        else
        {
            final int mtu = layer.ip.pathMtu(remote);
            ourMss = Math.max(TcpOptions.MIN_PEER_MSS, (mtu == 0 ? 576 : mtu) - 40);
            index = SynCookies.mssIndex(Math.min(peerMss, ourMss));
            isn = layer.cookies.encode(local, seg.destinationPort, remote, seg.sourcePort, seg.seq, index, now);
        }
        final boolean ts = config.timestamps && seg.hasTimestamp;
        final boolean ws = ts && config.windowScaling && seg.hasWindowScale;
        final boolean sack = ts && config.sack && seg.sackPermitted;
        final PacketPool pool = layer.ip.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.poolExhausted++;
            return;
        }
        final int tsNow = (int)(now / 1_000_000L) + (seg.v6
            ? layer.timestampOffset6(seg.destinationHi, seg.destinationLo, seg.destinationPort, seg.sourceHi,
                seg.sourceLo, seg.sourcePort)
            : layer.timestampOffset(local, seg.destinationPort, remote, seg.sourcePort));
        final int tsVal = SynCookies.encodeTimestamp(tsNow, ws ? seg.windowScale : -1, sack);
        final ByteBuffer m = pool.memory();
        final int base = pool.offset(buffer) + l4Offset(seg.v6);
        final int at = writeSynOptions(m, base + TcpHeader.MIN_LENGTH, ourMss, ts, tsVal, seg.tsVal,
            ws ? config.offeredWindowScale() : -1, sack);
        final int headerLength = at - base;
        header.wrap(m, base, headerLength)
            .write(seg.destinationPort, seg.sourcePort, isn, seg.seq + 1, headerLength, TcpHeader.SYN | TcpHeader.ACK,
                Math.min(listener.receiveBufferSize, 65535));
        counters.cookiesSent++;
        if (seg.v6)
        {
            header.computeChecksum6(seg.destinationHi, seg.destinationLo, seg.sourceHi, seg.sourceLo);
            sendRaw6(buffer, headerLength, seg.destinationHi, seg.destinationLo, seg.sourceHi, seg.sourceLo, seg.tos,
                config.defaultTtl);
            return;
        }
        header.computeChecksum(local, remote);
        sendRaw(buffer, headerLength, local, remote, seg.tos, config.defaultTtl);
    }

    /**
     * The SYN-ACK of a half-open connection, from its record: <SEQ=ISS><ACK=IRS+1><CTL=SYN,ACK> with the options both
     * sides offered (RFC 9293 section 3.10.7.2, RFC 7323, RFC 2018).
     */
    void sendRequestSynAck(final SynRequest r, final boolean retransmission)
    {
        if (retransmission)
        {
            counters.retransmittedSegments++;
        }
        final PacketPool pool = layer.ip.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.poolExhausted++;
            return;
        }
        final ByteBuffer m = pool.memory();
        final int base = pool.offset(buffer) + l4Offset(r.v6);
        final int at = writeSynOptions(m, base + TcpHeader.MIN_LENGTH, r.receiveMss, r.timestamps(),
            r.tsNow(layer.time.nanos()), r.tsRecent, r.windowScaling() ? r.rcvWscale : -1, r.sack());
        final int headerLength = at - base;
        header.wrap(m, base, headerLength)
            .write(r.localPort, r.remotePort, r.iss, r.irs + 1, headerLength, TcpHeader.SYN | TcpHeader.ACK,
                r.window);
        final TcpSocket listener = r.listener;
        if (r.v6)
        {
            header.computeChecksum6(r.localHi, r.localLo, r.remoteHi, r.remoteLo);
            sendRaw6(buffer, headerLength, r.localHi, r.localLo, r.remoteHi, r.remoteLo, listener.tos, listener.ttl);
            return;
        }
        header.computeChecksum(r.localAddress, r.remoteAddress);
        sendRaw(buffer, headerLength, r.localAddress, r.remoteAddress, listener.tos, listener.ttl);
    }

    /** Resets a half-open connection whose listener closes: <SEQ=ISS+1><ACK=IRS+1><CTL=RST,ACK>. */
    void sendRequestReset(final SynRequest r)
    {
        final TcpSocket listener = r.listener;
        if (r.v6)
        {
            sendReset6(r.localHi, r.localLo, r.localPort, r.remoteHi, r.remoteLo, r.remotePort, r.iss + 1, r.irs + 1,
                TcpHeader.RST | TcpHeader.ACK, listener.tos, listener.ttl);
            return;
        }
        sendReset(r.localAddress, r.localPort, r.remoteAddress, r.remotePort, r.iss + 1, r.irs + 1,
            TcpHeader.RST | TcpHeader.ACK, listener.tos, listener.ttl);
    }

    /** A pure ACK: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
    void sendAck(final TcpSocket s)
    {
        if (s.state == TcpState.CLOSED || s.state == TcpState.SYN_SENT || s.state == TcpState.LISTEN)
        {
            return;
        }
        if (s.state == TcpState.SYN_RECEIVED)
        {
            // Before the handshake completes, our only acknowledgment is the SYN-ACK.
            sendSyn(s, true, true);
            return;
        }
        emit(s, s.snd.nxt, TcpHeader.ACK, 0);
    }

    /**
     * The ACK a TIME_WAIT record answers with (Linux's tcp_v4_timewait_ack() and tcp_v6_timewait_ack()), over the
     * record's family: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, the window last advertised, and timestamps when the
     * connection had them (TSval from our clock and offset, TSecr = TS.Recent).
     */
    void sendTimeWaitAck(final TimeWaitTable table, final int r, final int nowMillis)
    {
        final PacketPool pool = layer.ip.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.poolExhausted++;
            return;
        }
        final boolean v6 = table.v6(r);
        final ByteBuffer m = pool.memory();
        final int base = pool.offset(buffer) + l4Offset(v6);
        int at = base + TcpHeader.MIN_LENGTH;
        if (table.timestamps(r))
        {
            at = TcpOptions.writeTimestamp(m, at, nowMillis + table.tsOffset(r), table.tsRecent(r));
        }
        final int headerLength = at - base;
        header.wrap(m, base, headerLength)
            .write(table.localPort(r), table.remotePort(r), table.sndNxt(r), table.rcvNxt(r), headerLength,
                TcpHeader.ACK, table.window(r));
        if (v6)
        {
            // RFC 8200 section 8.1: the checksum over IPv6's pseudo-header; traffic class and hop limit as the
            // connection had them.
            final long localHi = table.localHi(r);
            final long localLo = table.localLo(r);
            final long remoteHi = table.remoteHi(r);
            final long remoteLo = table.remoteLo(r);
            header.computeChecksum6(localHi, localLo, remoteHi, remoteLo);
            sendRaw6(buffer, headerLength, localHi, localLo, remoteHi, remoteLo, table.tos(r), table.ttl(r));
            return;
        }
        final int local = table.localAddress(r);
        final int remote = table.remoteAddress(r);
        header.computeChecksum(local, remote);
        sendRaw(buffer, headerLength, local, remote, table.tos(r), table.ttl(r));
    }

    /** A challenge ACK (RFC 5961 sections 3.2, 4.2, 5.2), subject to the stack-wide rate limit. */
    void sendChallengeAck(final TcpSocket s)
    {
        if (layer.allowChallengeAck())
        {
            counters.challengeAcks++;
            sendAck(s);
        }
    }

    /** Resets a connection we are aborting: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> (RFC 9293 section 3.10.5). */
    void sendResetFor(final TcpSocket s)
    {
        if (s.state == TcpState.CLOSED || s.state == TcpState.LISTEN || s.state == TcpState.SYN_SENT)
        {
            return;
        }
        if (s.v6)
        {
            sendReset6(s.localHi, s.localLo, s.localPort, s.remoteHi, s.remoteLo, s.remotePort, s.snd.nxt, s.rcv.nxt,
                TcpHeader.RST | TcpHeader.ACK, s.tos, s.ttl);
            return;
        }
        sendReset(s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.snd.nxt, s.rcv.nxt,
            TcpHeader.RST | TcpHeader.ACK, s.tos, s.ttl);
    }

    /**
     * The reset answering a segment that has no connection, or that no state accepts (RFC 9293 sections 3.10.7.1
     * to 3.10.7.4): <SEQ=SEG.ACK><CTL=RST> if it had an ACK, else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
     */
    void sendResetReply(final Segment seg)
    {
        if (seg.v6)
        {
            final boolean ack = seg.hasAck();
            sendReset6(seg.destinationHi, seg.destinationLo, seg.destinationPort, seg.sourceHi, seg.sourceLo,
                seg.sourcePort, ack ? seg.ack : 0, ack ? 0 : seg.seq + seg.length(),
                ack ? TcpHeader.RST : TcpHeader.RST | TcpHeader.ACK, seg.tos, config.defaultTtl);
            return;
        }
        if (seg.hasAck())
        {
            sendReset(seg.destination, seg.destinationPort, seg.source, seg.sourcePort, seg.ack, 0, TcpHeader.RST,
                seg.tos, config.defaultTtl);
        }
        else
        {
            sendReset(seg.destination, seg.destinationPort, seg.source, seg.sourcePort, 0, seg.seq + seg.length(),
                TcpHeader.RST | TcpHeader.ACK, seg.tos, config.defaultTtl);
        }
    }

    private void sendReset(final int local, final int localPort, final int remote, final int remotePort, final int seq,
        final int ack, final int flags, final int tos, final int ttl)
    {
        final PacketPool pool = layer.ip.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.poolExhausted++;
            return;
        }
        header.wrap(pool.memory(), pool.offset(buffer) + Ipv4Output.L4_OFFSET, TcpHeader.MIN_LENGTH)
            .write(localPort, remotePort, seq, ack, TcpHeader.MIN_LENGTH, flags, 0)
            .computeChecksum(local, remote);
        counters.resetsSent++;
        sendRaw(buffer, TcpHeader.MIN_LENGTH, local, remote, tos, ttl);
    }

    private void sendReset6(final long localHi, final long localLo, final int localPort, final long remoteHi,
        final long remoteLo, final int remotePort, final int seq, final int ack, final int flags, final int tclass,
        final int hopLimit)
    {
        final PacketPool pool = layer.ip.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.poolExhausted++;
            return;
        }
        header.wrap(pool.memory(), pool.offset(buffer) + Ipv6Output.L4_OFFSET, TcpHeader.MIN_LENGTH)
            .write(localPort, remotePort, seq, ack, TcpHeader.MIN_LENGTH, flags, 0)
            .computeChecksum6(localHi, localLo, remoteHi, remoteLo);
        counters.resetsSent++;
        sendRaw6(buffer, TcpHeader.MIN_LENGTH, localHi, localLo, remoteHi, remoteLo, tclass, hopLimit);
    }

    /** Hands a segment outside any connection's state to IPv6. */
    private void sendRaw6(final int buffer, final int length, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo, final int tclass, final int hopLimit)
    {
        counters.segmentsOut++;
        final int r = layer.ip6.send(buffer, length, sourceHi, sourceLo, destinationHi, destinationLo,
            Ipv4Header.PROTOCOL_TCP, tclass, hopLimit);
        if (r < 0)
        {
            counters.sendErrors++;
        }
    }

    /** Hands a segment outside any connection's state (a reset, a cookie SYN-ACK) to IPv4. */
    private void sendRaw(final int buffer, final int length, final int source, final int destination, final int tos,
        final int ttl)
    {
        counters.segmentsOut++;
        final int r = layer.ip.send(buffer, length, source, destination, Ipv4Header.PROTOCOL_TCP, tos, ttl, true);
        if (r < 0)
        {
            counters.sendErrors++;
        }
    }
}
