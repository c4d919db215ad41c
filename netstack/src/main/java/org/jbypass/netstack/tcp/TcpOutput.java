package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.ip.Ipv4Output;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.TcpHeader;

/**
 * What TCP sends and when: the output decision (RFC 9293 section 3.8.6.2.1's sender-side silly-window avoidance,
 * Nagle's algorithm of section 3.7.4, the congestion window of RFC 5681 with limited transmit per RFC 3042, and the
 * SACK-based NextSeg() and pipe of RFC 6675 during recovery), the building of segments into pool buffers, and the
 * connection timers: retransmission (RFC 6298), persist (RFC 9293 section 3.8.6.1), delayed ACK, keepalive
 * (RFC 1122 section 4.2.3.6), FIN_WAIT_2 and TIME_WAIT.
 *
 * <p>Segments are built by copying from the send ring into a buffer from the pool; nothing is allocated. When the
 * pool is empty the connection backs off on a short timer and tries again; its state is only advanced for segments
 * actually built, so nothing is lost.
 */
final class TcpOutput
{
    /** How long a connection waits before retrying when the packet pool was empty. */
    private static final long POOL_RETRY_NANOS = 1_000_000L;
    /** Linux's floor for a learned path MTU (ip_rt_min_pmtu), against forged tiny MTUs. */
    private static final int MIN_PATH_MTU = 552;

    private final TcpLayer layer;
    private final TcpCounters counters;
    private final TcpConfig config;
    private final TimerQueue timers;
    private final TcpHeader header = new TcpHeader();
    private final int[] sackStarts = new int[Segment.MAX_SACK_BLOCKS];
    private final int[] sackEnds = new int[Segment.MAX_SACK_BLOCKS];

    TcpOutput(final TcpLayer layer)
    {
        this.layer = layer;
        this.counters = layer.counters;
        this.config = layer.config;
        this.timers = layer.timers;
    }

    // ------------------------------------------------------------------------------------------------------------
    // The output decision.

    /** Sends whatever the windows, Nagle and silly-window avoidance allow, and an ACK if one is owed now. */
    void output(final TcpSocket s)
    {
        if (!canSendData(s))
        {
            // TIME_WAIT too: the ACK of the FIN that brought us there.
            if (s.ackNow && s.state.isSynchronized())
            {
                sendAck(s);
            }
            return;
        }
        final long now = layer.time.nanos();
        if (s.sndUna == s.sndNxt && s.lastSendNanos != 0 && now - s.lastSendNanos > s.rtt.rto())
        {
            // RFC 5681 section 4.1: after an idle period longer than the RTO, restart from the initial window.
            s.cc.cwnd = Math.min(s.cc.cwnd, config.initialCwndSegments * s.sendMss);
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
        if (result >= 0 && s.ackNow && s.state != TcpState.CLOSED)
        {
            sendAck(s);
        }
        if (sent == 0 && result == 0 && s.sndUna == s.sndNxt && hasUnsent(s) && !s.persisting)
        {
            // Nothing in flight and nothing sendable: the window is closed (or too small to use without silly
            // windows). The persist timer probes it (RFC 9293 section 3.8.6.1) and, for a small open window, is the
            // override timeout of section 3.8.6.2.1.
            enterPersist(s, now);
        }
    }

    private static boolean canSendData(final TcpSocket s)
    {
        switch (s.state)
        {
            case ESTABLISHED:
            case CLOSE_WAIT:
            case FIN_WAIT_1:
            case CLOSING:
            case LAST_ACK:
                return s.sendRing != null;
            default:
                return false;
        }
    }

    private static boolean finPending(final TcpSocket s)
    {
        return s.finQueued && Seq.le(s.sndNxt, s.finSeq)
            && (s.state == TcpState.FIN_WAIT_1 || s.state == TcpState.CLOSING || s.state == TcpState.LAST_ACK);
    }

    private static boolean hasUnsent(final TcpSocket s)
    {
        return Seq.lt(s.sndNxt, s.sndBufSeq + s.sendUsed) || finPending(s);
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
            if (s.inRecovery || s.inLoss)
            {
                return sendSackRecovery(s, now);
            }
            // RFC 6675 section 5 (and Linux): what is in flight is pipe, not SND.NXT - SND.UNA, as soon as
            // anything is SACKed; this subsumes limited transmit (RFC 3042).
            return sendNew(s, s.cc.cwnd - s.scoreboard.pipe(), now);
        }
        if (s.inLoss)
        {
            return sendGoBackN(s, now);
        }
        int cwnd = s.cc.cwnd;
        if (!s.inRecovery && s.dupAcks > 0 && s.dupAcks < TcpInput.DUP_THRESH)
        {
            // RFC 3042: limited transmit, one new segment per duplicate ACK beyond cwnd.
            cwnd += s.dupAcks * s.sendMss;
        }
        // Outside recovery, and in NewReno's recovery with its inflated cwnd (RFC 6582 section 3.2 step 4).
        return sendNew(s, s.sndUna + cwnd - s.sndNxt, now);
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
        final int mss = dataRoom(s);
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
            return retransmitRecord(s, lost, mss, now);
        }
        // sendNew keeps a window-limited piece smaller than a segment back (silly-window avoidance).
        return sendNew(s, room, now);
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
        final int room = s.cc.cwnd - pipe(s);
        if (room <= 0)
        {
            return 0;
        }
        final int from = Seq.max(s.highRxt, s.sndUna);
        if (Seq.lt(from, s.recoveryPoint) && Seq.lt(from, s.sndNxt))
        {
            final int len = Math.min(Math.min(dataRoom(s), room), s.recoveryPoint - from);
            final int r = retransmitRange(s, from, len);
            if (r > 0)
            {
                s.highRxt = from + len;
            }
            return r;
        }
        return sendNew(s, room, now);
    }

    /**
     * Sends new data from SND.NXT, subject to the peer's window, {@code cwndRoom}, Nagle and silly-window
     * avoidance.
     */
    private int sendNew(final TcpSocket s, final int cwndRoom, final long now)
    {
        final int nxt = s.sndNxt;
        final int dataEnd = s.sndBufSeq + s.sendUsed;
        final int unsent = Math.max(0, dataEnd - nxt);
        final boolean finPending = finPending(s);
        if (unsent == 0 && !finPending)
        {
            return 0;
        }
        final int mss = dataRoom(s);
        final int peerRoom = s.sndUna + s.sndWnd - nxt;
        final int room = Math.min(cwndRoom, peerRoom);
        final int len = Math.max(0, Math.min(unsent, Math.min(mss, room)));
        final boolean fin = finPending && nxt + len == s.finSeq;
        if (len == 0 && !fin)
        {
            return 0;
        }
        if (len < mss && len < unsent)
        {
            // RFC 9293 section 3.8.6.2.1: a window-limited piece smaller than a full segment goes only if it is at
            // least half the largest window the peer has offered (else wait: more window, or the override timer).
            if (len < s.maxSndWnd / 2 || len == 0)
            {
                return 0;
            }
        }
        else if (len < mss && len == unsent && !fin && !s.noDelay && s.sndUna != nxt)
        {
            // RFC 9293 section 3.7.4, Nagle: a short segment waits while data is unacknowledged.
            return 0;
        }
        if (s.scoreboard != null && !s.scoreboard.canAppend())
        {
            // The scoreboard is full of small segments: wait for ACKs (see Scoreboard).
            return 0;
        }
        final int r = emitData(s, nxt, len, fin);
        if (r < 0)
        {
            return -1;
        }
        final int used = len + (fin ? 1 : 0);
        s.sndNxt = nxt + used;
        recordNew(s, nxt, used, now);
        if (!s.rttTiming && len > 0)
        {
            s.rttTiming = true;
            s.rttSeq = nxt;
            s.rttStartNanos = now;
        }
        startRetransmitTimer(s);
        return 1;
    }

    /** New sequence space {@code [seq, seq + length)} went out: the scoreboard and PRR's prr_out learn of it. */
    private static void recordNew(final TcpSocket s, final int seq, final int length, final long now)
    {
        if (s.scoreboard != null)
        {
            s.scoreboard.append(seq, length, now);
        }
        if (s.inRecovery)
        {
            s.prrOut += length;
        }
    }

    /** Sends {@code [seq, seq + len)} of sequence space again (data, and the FIN if the range holds it). */
    private int retransmitRange(final TcpSocket s, final int seq, final int len)
    {
        final int dataEnd = s.sndBufSeq + s.sendUsed;
        final int dataLen = Math.max(0, Seq.min(seq + len, dataEnd) - seq);
        final boolean fin = s.finQueued && Seq.le(seq, s.finSeq) && Seq.gt(seq + len, s.finSeq);
        if (dataLen == 0 && !fin)
        {
            return 0;
        }
        if (emitData(s, seq, dataLen, fin) < 0)
        {
            return -1;
        }
        counters.retransmittedSegments++;
        counters.retransmittedBytes += dataLen;
        s.retransmittedSegments++;
        if (s.inRecovery)
        {
            // RFC 6937: prr_out counts every byte sent during recovery.
            s.prrOut += dataLen + (fin ? 1 : 0);
        }
        if (s.undoPossible)
        {
            s.undoRetransmits++;
        }
        if (s.rttTiming && Seq.le(seq, s.rttSeq))
        {
            // Karn's algorithm (RFC 6298 section 3): no sample from a segment sent more than once.
            s.rttTiming = false;
        }
        startRetransmitTimer(s);
        return 1;
    }

    /** Retransmits the first unacknowledged segment: fast retransmit (RFC 5681 section 3.2, step 2), NewReno. */
    void retransmitFirst(final TcpSocket s)
    {
        final int len = Math.min(dataRoom(s), s.sndNxt - s.sndUna);
        if (len > 0 && retransmitRange(s, s.sndUna, len) > 0 && Seq.gt(s.sndUna + len, s.highRxt))
        {
            s.highRxt = s.sndUna + len;
        }
    }

    /**
     * DupThresh for NewReno: 3 (RFC 5681 section 3.2), lowered by Early Retransmit (RFC 5827 section 3.1) to one
     * less than the segments outstanding when fewer than four are and no new data can go, since a small flight
     * cannot produce three duplicate ACKs and would otherwise wait for the retransmission timer. SACK connections
     * use RACK instead, which subsumes both (RFC 8985 section 6).
     */
    int dupThresh(final TcpSocket s)
    {
        final int mss = Math.max(1, s.sendMss);
        final int outstanding = (s.sndNxt - s.sndUna + mss - 1) / mss;
        if (outstanding < 4 && !hasUnsent(s))
        {
            return Math.max(1, outstanding - 1);
        }
        return TcpInput.DUP_THRESH;
    }

    /**
     * RFC 6675 section 4, SetPipe(), from the scoreboard on a SACK connection. Without SACK: the flight, or after a
     * timeout only what has been sent again.
     */
    int pipe(final TcpSocket s)
    {
        if (s.sackRecovery())
        {
            return s.scoreboard.pipe();
        }
        final int una = s.sndUna;
        final int nxt = s.sndNxt;
        if (una == nxt)
        {
            return 0;
        }
        return s.inLoss ? Math.max(0, s.highRxt - una) : nxt - una;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Building segments.

    /** Payload bytes a data segment may carry now: the MSS less SACK blocks that would ride along. */
    private int dataRoom(final TcpSocket s)
    {
        int room = s.sendMss;
        if (s.sackOk)
        {
            final int blocks = sackBlockCount(s);
            if (blocks > 0)
            {
                room -= 4 + 8 * blocks;
            }
        }
        final int poolRoom = layer.ip.pool().bufferSize() - Ipv4Output.L4_OFFSET - TcpHeader.MAX_LENGTH;
        return Math.max(1, Math.min(room, poolRoom));
    }

    private int sackBlockCount(final TcpSocket s)
    {
        final int max = s.timestampsOk ? 3 : 4;
        final int n = (s.dsackPending ? 1 : 0) + s.outOfOrder.count();
        return Math.min(max, n);
    }

    /** Chooses the SACK blocks of the next ACK into the scratch arrays (RFC 2018 section 4, RFC 2883). */
    private int chooseSackBlocks(final TcpSocket s)
    {
        final int max = s.timestampsOk ? 3 : 4;
        int n = 0;
        if (s.dsackPending)
        {
            sackStarts[n] = s.dsackStart;
            sackEnds[n] = s.dsackEnd;
            n++;
        }
        final RangeSet ooo = s.outOfOrder;
        // Most recently changed blocks first, then the rest in order.
        for (int i = 0; i < s.sackOrderCount && n < max; i++)
        {
            final int index = ooo.find(s.sackOrder[i]);
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
        final int limit = s.readSeq + s.receiveCapacity;
        final int avail = Math.max(0, limit - s.rcvNxt);
        final int cur = Math.max(0, s.rcvAdv - s.rcvNxt);
        int w = avail;
        if (w - cur < Math.min(s.receiveCapacity / 2, s.receiveMss))
        {
            w = cur;
        }
        final int field;
        if (syn)
        {
            field = Math.min(w, 65535);
            final int edge = s.rcvNxt + field;
            if (Seq.gt(edge, s.rcvAdv))
            {
                s.rcvAdv = edge;
            }
            return field;
        }
        final int shift = s.windowScalingOk ? s.rcvWscale : 0;
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
        final int edge = s.rcvNxt + (field << shift);
        if (Seq.gt(edge, s.rcvAdv))
        {
            s.rcvAdv = edge;
        }
        return field;
    }

    /** Builds and sends a segment of the connection with data from the send ring at {@code seq}. */
    private int emitData(final TcpSocket s, final int seq, final int dataLen, final boolean fin)
    {
        int flags = TcpHeader.ACK;
        if (fin)
        {
            flags |= TcpHeader.FIN;
        }
        if (dataLen > 0 && seq + dataLen == s.sndBufSeq + s.sendUsed)
        {
            flags |= TcpHeader.PSH;
        }
        return emit(s, seq, flags, dataLen);
    }

    private int emit(final TcpSocket s, final int seq, final int flags, final int dataLen)
    {
        final PacketPool pool = layer.ip.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.poolExhausted++;
            timers.scheduleNoLaterThan(s.outputTimer, layer.time.nanos() + POOL_RETRY_NANOS);
            return -1;
        }
        final ByteBuffer m = pool.memory();
        final int base = pool.offset(buffer) + Ipv4Output.L4_OFFSET;
        final boolean ack = (flags & TcpHeader.ACK) != 0;
        int at = base + TcpHeader.MIN_LENGTH;
        if (s.timestampsOk)
        {
            // RFC 7323 section 3.2: TSecr is only meaningful with ACK set, and must be zero otherwise.
            at = TcpOptions.writeTimestamp(m, at, s.tsNow(), ack ? s.tsRecent : 0);
        }
        if (s.sackOk && ack && (s.dsackPending || !s.outOfOrder.isEmpty()))
        {
            final int n = chooseSackBlocks(s);
            s.dsackPending = false;
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
        if (dataLen > 0)
        {
            s.sendRing.read(seq - s.sndBufSeq, m, base + headerLength, dataLen);
        }
        header.wrap(m, base, headerLength + dataLen)
            .write(s.localPort, s.remotePort, seq, ack ? s.rcvNxt : 0, headerLength, flags, window)
            .computeChecksum(s.localAddress, s.remoteAddress);
        if (ack)
        {
            s.lastAckSent = s.rcvNxt;
            s.ackNow = false;
            s.unackedSegments = 0;
            timers.cancel(s.delayedAckTimer);
        }
        s.lastSendNanos = layer.time.nanos();
        counters.bytesOut += dataLen;
        transmit(s, buffer, headerLength + dataLen);
        return 0;
    }

    private void transmit(final TcpSocket s, final int buffer, final int length)
    {
        counters.segmentsOut++;
        final int r = layer.ip.send(buffer, length, s.localAddress, s.remoteAddress, Ipv4Header.PROTOCOL_TCP, s.tos,
            s.ttl, true);
        if (r < 0)
        {
            // The segment is lost as if the network dropped it; retransmission recovers. A datagram too big for
            // the route means the path MTU shrank under us (RFC 1191).
            counters.sendErrors++;
            if (r == -Errno.EMSGSIZE)
            {
                pathMtuChanged(s, layer.ip.pathMtu(s.remoteAddress));
            }
        }
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
            final int base = pool.offset(buffer) + Ipv4Output.L4_OFFSET;
            final int at = writeSynOptions(m, base + TcpHeader.MIN_LENGTH, s.receiveMss, s.timestampsOk, s.tsNow(),
                synAck ? s.tsRecent : 0, s.windowScalingOk ? s.rcvWscale : -1, s.sackOk);
            final int headerLength = at - base;
            final int window = windowField(s, true);
            header.wrap(m, base, headerLength)
                .write(s.localPort, s.remotePort, s.iss, synAck ? s.rcvNxt : 0, headerLength,
                    synAck ? TcpHeader.SYN | TcpHeader.ACK : TcpHeader.SYN, window)
                .computeChecksum(s.localAddress, s.remoteAddress);
            if (synAck)
            {
                s.lastAckSent = s.rcvNxt;
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
            s.sndNxt = s.iss + 1;
            s.rttTiming = true;
            s.rttSeq = s.iss;
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
        final int mtu = layer.ip.pathMtu(remote);
        final int ourMss = Math.max(TcpOptions.MIN_PEER_MSS, (mtu == 0 ? 576 : mtu) - 40);
        final int peerMss = seg.hasMss ? seg.mss : 536;
        final int index = SynCookies.mssIndex(Math.min(peerMss, ourMss));
        final int isn = layer.cookies.encode(local, seg.destinationPort, remote, seg.sourcePort, seg.seq, index, now);
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
        final int tsNow = (int)(now / 1_000_000L)
            + layer.timestampOffset(local, seg.destinationPort, remote, seg.sourcePort);
        final int tsVal = SynCookies.encodeTimestamp(tsNow, ws ? seg.windowScale : -1, sack);
        final ByteBuffer m = pool.memory();
        final int base = pool.offset(buffer) + Ipv4Output.L4_OFFSET;
        final int at = writeSynOptions(m, base + TcpHeader.MIN_LENGTH, ourMss, ts, tsVal, seg.tsVal,
            ws ? config.offeredWindowScale() : -1, sack);
        final int headerLength = at - base;
        header.wrap(m, base, headerLength)
            .write(seg.destinationPort, seg.sourcePort, isn, seg.seq + 1, headerLength, TcpHeader.SYN | TcpHeader.ACK,
                Math.min(listener.receiveBufferSize, 65535))
            .computeChecksum(local, remote);
        counters.cookiesSent++;
        sendRaw(buffer, headerLength, local, remote, seg.tos);
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
        emit(s, s.sndNxt, TcpHeader.ACK, 0);
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
        final PacketPool pool = layer.ip.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.poolExhausted++;
            return;
        }
        final ByteBuffer m = pool.memory();
        final int base = pool.offset(buffer) + Ipv4Output.L4_OFFSET;
        header.wrap(m, base, TcpHeader.MIN_LENGTH)
            .write(s.localPort, s.remotePort, s.sndNxt, s.rcvNxt, TcpHeader.MIN_LENGTH, TcpHeader.RST | TcpHeader.ACK,
                0)
            .computeChecksum(s.localAddress, s.remoteAddress);
        counters.resetsSent++;
        counters.segmentsOut++;
        final int r = layer.ip.send(buffer, TcpHeader.MIN_LENGTH, s.localAddress, s.remoteAddress,
            Ipv4Header.PROTOCOL_TCP, s.tos, s.ttl, true);
        if (r < 0)
        {
            counters.sendErrors++;
        }
    }

    /**
     * The reset answering a segment that has no connection, or that no state accepts (RFC 9293 sections 3.10.7.1
     * to 3.10.7.4): <SEQ=SEG.ACK><CTL=RST> if it had an ACK, else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
     */
    void sendResetReply(final Segment seg)
    {
        final PacketPool pool = layer.ip.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.poolExhausted++;
            return;
        }
        final ByteBuffer m = pool.memory();
        final int base = pool.offset(buffer) + Ipv4Output.L4_OFFSET;
        final int seq;
        final int ack;
        final int flags;
        if (seg.hasAck())
        {
            seq = seg.ack;
            ack = 0;
            flags = TcpHeader.RST;
        }
        else
        {
            seq = 0;
            ack = seg.seq + seg.length();
            flags = TcpHeader.RST | TcpHeader.ACK;
        }
        header.wrap(m, base, TcpHeader.MIN_LENGTH)
            .write(seg.destinationPort, seg.sourcePort, seq, ack, TcpHeader.MIN_LENGTH, flags, 0)
            .computeChecksum(seg.destination, seg.source);
        counters.resetsSent++;
        sendRaw(buffer, TcpHeader.MIN_LENGTH, seg.destination, seg.source, seg.tos);
    }

    private void sendRaw(final int buffer, final int length, final int source, final int destination, final int tos)
    {
        counters.segmentsOut++;
        final int r = layer.ip.send(buffer, length, source, destination, Ipv4Header.PROTOCOL_TCP, tos,
            config.defaultTtl, true);
        if (r < 0)
        {
            counters.sendErrors++;
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
     * After the application read: tell the peer at once when the window can open a lot, so a sender stopped by a
     * full buffer does not wait for its persist timer. "A lot" is BSD's (two segments, or half the buffer) or
     * Linux's (at least double the window now advertised, when that is at most half the buffer); never less than
     * RFC 9293 section 3.8.6.2.2 lets the right edge move (min(buffer / 2, MSS)).
     */
    void afterRead(final TcpSocket s)
    {
        if (!s.state.isSynchronized() || s.state == TcpState.TIME_WAIT || s.peerFinReceived)
        {
            return;
        }
        final int cur = Math.max(0, s.rcvAdv - s.rcvNxt);
        final int potential = s.readSeq + s.receiveCapacity - s.rcvNxt;
        final int gain = potential - cur;
        if (gain < Math.min(s.receiveCapacity / 2, s.receiveMss))
        {
            return;
        }
        if (gain >= 2 * s.receiveMss || gain >= s.receiveCapacity / 2
            || (2 * cur <= s.receiveCapacity && potential >= 2 * cur))
        {
            sendAck(s);
        }
    }

    /** After close(): the FIN goes out (or is queued); an orphan in FIN_WAIT_2 gets its timeout. */
    void afterClose(final TcpSocket s)
    {
        if (s.state == TcpState.FIN_WAIT_2)
        {
            startFinWait2Timer(s);
        }
        else if (s.state == TcpState.TIME_WAIT)
        {
            s.releaseBuffers();
        }
        if (s.keepMode == TcpSocket.KEEP_ALIVE && !s.keepAlive)
        {
            timers.cancel(s.keepTimer);
        }
    }

    void startFinWait2Timer(final TcpSocket s)
    {
        s.keepMode = TcpSocket.KEEP_FIN_WAIT_2;
        timers.schedule(s.keepTimer, layer.time.nanos() + config.finTimeoutNanos);
    }

    void updateKeepalive(final TcpSocket s)
    {
        if (s.keepAlive && (s.state == TcpState.ESTABLISHED || s.state == TcpState.CLOSE_WAIT))
        {
            s.keepMode = TcpSocket.KEEP_ALIVE;
            timers.schedule(s.keepTimer, Math.max(layer.time.nanos(), s.lastReceiveNanos + s.keepIdleNanos));
        }
        else if (s.keepMode == TcpSocket.KEEP_ALIVE)
        {
            timers.cancel(s.keepTimer);
            s.keepMode = TcpSocket.KEEP_NONE;
        }
    }

    /** The effective send MSS: the peer's MSS and the path MTU, less the timestamp option (RFC 6691). */
    void updateSendMss(final TcpSocket s)
    {
        int mtu = layer.ip.pathMtu(s.remoteAddress);
        if (mtu == 0)
        {
            mtu = 576;
        }
        if (s.pathMtu > 0)
        {
            mtu = Math.min(mtu, s.pathMtu);
        }
        final int mss = Math.min(s.peerMss, mtu - 40);
        s.sendMss = Math.max(TcpOptions.MIN_PEER_MSS - TcpOptions.TIMESTAMP_BLOCK,
            mss - (s.timestampsOk ? TcpOptions.TIMESTAMP_BLOCK : 0));
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
        final int clamped = Math.max(MIN_PATH_MTU, mtu);
        if (s.pathMtu != 0 && clamped >= s.pathMtu)
        {
            return;
        }
        final int before = s.sendMss;
        s.pathMtu = clamped;
        updateSendMss(s);
        if (s.sendMss < before)
        {
            counters.pmtuUpdates++;
            if (s.sndUna != s.sndNxt && s.state.isSynchronized())
            {
                s.endRecovery();
                s.inLoss = true;
                s.recoveryPoint = s.sndNxt;
                s.highRxt = s.sndUna;
                if (s.scoreboard != null)
                {
                    s.scoreboard.markAllLost();
                }
                output(s);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Timers.

    /**
     * After a transmission: starts the retransmission timer if it is not running (RFC 6298 section 5.1), and
     * restarts a probe timer, since the PTO counts from the last transmission (RFC 8985 section 7.2). A pending
     * RACK timer stays: it fires sooner than either.
     */
    private void startRetransmitTimer(final TcpSocket s)
    {
        if ((!s.retransmitTimer.isScheduled() || s.timerMode == TcpSocket.TIMER_PROBE) && !s.persisting)
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
    private void armRetransmitTimer(final TcpSocket s)
    {
        final long now = layer.time.nanos();
        final long rto = s.rtt.rto();
        if (tailLossProbeAllowed(s))
        {
            final long extra = s.sndNxt - s.sndUna <= s.sendMss ? config.minRtoNanos : 2_000_000L;
            s.timerMode = TcpSocket.TIMER_PROBE;
            timers.schedule(s.retransmitTimer, now + Math.min(rto, 2 * s.rtt.srtt() + extra));
            return;
        }
        s.timerMode = TcpSocket.TIMER_RTO;
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
        s.timerMode = TcpSocket.TIMER_RACK;
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
        return s.sackRecovery() && !s.tlpOutstanding && !s.inLoss && s.rtt.hasSample() && canSendData(s);
    }

    /** A tail loss probe episode just ended: the timer armed for the RTO while it lasted becomes a PTO again. */
    void probeAllowedAgain(final TcpSocket s)
    {
        if (s.timerMode == TcpSocket.TIMER_RTO && s.retransmitTimer.isScheduled() && s.sndUna != s.sndNxt)
        {
            restartRetransmitTimer(s);
        }
    }

    /**
     * The probe timer fired with no ACK since: send one tail loss probe (RFC 8985 section 7.3), new data if the
     * peer's window takes it, else the last segment not SACKed again, so that a loss at the tail of a flight is
     * reported by SACK and repaired by recovery instead of waiting for the RTO.
     */
    private void tailLossProbe(final TcpSocket s, final long now)
    {
        s.timerMode = TcpSocket.TIMER_RTO;
        if (!canSendData(s) || s.sndUna == s.sndNxt)
        {
            return;
        }
        int sent = 0;
        if (Seq.lt(s.sndNxt, s.sndBufSeq + s.sendUsed) && Seq.lt(s.sndNxt, s.sndUna + s.sndWnd))
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
                final int mss = dataRoom(s);
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
            s.tlpOutstanding = true;
            s.tlpHighSeq = s.sndNxt;
            // In recovery the window is already reduced: a repaired loss needs no second response.
            s.tlpRetransmission = retransmission && !s.inRecovery;
        }
        armRetransmitTimer(s);
    }

    private void enterPersist(final TcpSocket s, final long now)
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
            if (Seq.lt(ack, s.sndNxt) && s.sndNxt == s.sndUna + 1)
            {
                s.sndNxt = s.sndUna;
                if (s.scoreboard != null)
                {
                    s.scoreboard.truncate(s.sndNxt);
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
        if (s.timerMode == TcpSocket.TIMER_PROBE)
        {
            tailLossProbe(s, now);
            return;
        }
        if (s.timerMode == TcpSocket.TIMER_RACK)
        {
            layer.input.rackTimeout(s, now);
            return;
        }
        switch (s.state)
        {
            case SYN_SENT:
                if (++s.retries > config.synRetries)
                {
                    counters.attemptFails++;
                    counters.connectionTimeouts++;
                    layer.input.fail(s, s.softError != 0 ? s.softError : Errno.ETIMEDOUT);
                    return;
                }
                s.rtt.backOff();
                sendSyn(s, false, true);
                s.timerMode = TcpSocket.TIMER_RTO;
                timers.schedule(s.retransmitTimer, now + s.rtt.rto());
                return;
            case SYN_RECEIVED:
                if (++s.retries > config.synAckRetries)
                {
                    if (s.parent != null)
                    {
                        // A half-open connection that never completed: forget it quietly (as Linux does).
                        s.closed = true;
                        layer.destroy(s);
                    }
                    else
                    {
                        counters.attemptFails++;
                        counters.connectionTimeouts++;
                        layer.input.fail(s, s.softError != 0 ? s.softError : Errno.ETIMEDOUT);
                    }
                    return;
                }
                s.rtt.backOff();
                sendSyn(s, true, true);
                timers.schedule(s.retransmitTimer, now + s.rtt.rto());
                return;
            case CLOSED:
            case LISTEN:
            case TIME_WAIT:
                return;
            default:
                break;
        }
        if (s.sndUna == s.sndNxt)
        {
            return;
        }
        if (++s.retries > config.dataRetries)
        {
            counters.connectionTimeouts++;
            layer.input.fail(s, s.softError != 0 ? s.softError : Errno.ETIMEDOUT);
            return;
        }
        counters.retransmitTimeouts++;
        s.rtoCount++;
        // RFC 6298 section 5.5: back off.
        s.rtt.backOff();
        final int flight = s.sndNxt - s.sndUna;
        if (s.retries == 1)
        {
            // RFC 5681 section 3.1: ssthresh from the first timeout of a series; cwnd to the loss window.
            TcpInput.startUndo(s);
            s.cc.onTimeout(s.sendMss, flight, now);
        }
        else
        {
            // A second timeout: the first retransmission was surely needed.
            s.undoPossible = false;
            s.cc.cwnd = s.sendMss;
        }
        // RFC 6675 section 5.1, RFC 8985 section 6.3: everything outstanding is lost; retransmit from SND.UNA up,
        // skipping SACKed data (unless the peer reneged).
        s.endRecovery();
        s.inLoss = true;
        s.recoveryPoint = s.sndNxt;
        s.highRxt = s.sndUna;
        s.dupAcks = 0;
        s.rttTiming = false;
        s.tlpOutstanding = false;
        if (s.scoreboard != null && s.scoreboard.markAllLost())
        {
            counters.sackReneging++;
        }
        // RFC 6298 section 5.4: retransmit the earliest unacknowledged segment; 5.6: restart the timer.
        timers.cancel(s.retransmitTimer);
        output(s);
        if (!s.retransmitTimer.isScheduled())
        {
            s.timerMode = TcpSocket.TIMER_RTO;
            timers.schedule(s.retransmitTimer, now + s.rtt.rto());
        }
    }

    private void persistTimeout(final TcpSocket s, final long now)
    {
        if (!canSendData(s) || !hasUnsent(s) && !s.probeOutstanding)
        {
            s.persisting = false;
            return;
        }
        if (s.sndWnd > 0 && !s.probeOutstanding)
        {
            // The override timeout (RFC 9293 section 3.8.6.2.1 (4)): send what the small window takes.
            s.persisting = false;
            final int unsent = s.sndBufSeq + s.sendUsed - s.sndNxt;
            final int len = Math.min(Math.min(unsent, s.sndWnd - (s.sndNxt - s.sndUna)), dataRoom(s));
            if (len > 0 && emitData(s, s.sndNxt, len, false) == 0)
            {
                recordNew(s, s.sndNxt, len, now);
                s.sndNxt += len;
                startRetransmitTimer(s);
            }
            else
            {
                output(s);
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
        if (s.sendUsed > 0)
        {
            final boolean fin = s.finQueued && s.sndUna + 1 == s.finSeq && Seq.le(s.sndNxt, s.finSeq);
            if (emitData(s, s.sndUna, 1, fin) == 0 && s.sndNxt == s.sndUna)
            {
                s.sndNxt = s.sndUna + 1 + (fin ? 1 : 0);
                recordNew(s, s.sndUna, s.sndNxt - s.sndUna, now);
                s.probeOutstanding = true;
            }
        }
        s.persistBackoff++;
        timers.schedule(s.retransmitTimer, now + persistInterval(s));
    }

    void onDelayedAckTimer(final TcpSocket s)
    {
        if (s.state.isSynchronized() && s.state != TcpState.TIME_WAIT && s.rcvNxt != s.lastAckSent)
        {
            sendAck(s);
        }
    }

    void onOutputTimer(final TcpSocket s)
    {
        if (s.state != TcpState.CLOSED)
        {
            output(s);
        }
    }

    void onKeepTimer(final TcpSocket s, final long now)
    {
        switch (s.keepMode)
        {
            case TcpSocket.KEEP_TIME_WAIT:
                if (s.state == TcpState.TIME_WAIT)
                {
                    layer.destroy(s);
                }
                return;
            case TcpSocket.KEEP_FIN_WAIT_2:
                if (s.state == TcpState.FIN_WAIT_2)
                {
                    // tcp_fin_timeout: an orphan whose peer never closes is reset and forgotten.
                    sendResetFor(s);
                    layer.destroy(s);
                }
                return;
            case TcpSocket.KEEP_ALIVE:
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
            s.keepMode = TcpSocket.KEEP_NONE;
            return;
        }
        if (s.sndUna != s.sndNxt || s.sendUsed > 0)
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
            sendResetFor(s);
            layer.input.fail(s, s.softError != 0 ? s.softError : Errno.ETIMEDOUT);
            return;
        }
        // The probe carries SEG.SEQ = SND.NXT - 1 and no data: outside the peer's window, so it must answer with
        // an ACK (RFC 1122 section 4.2.3.6).
        s.keepProbes++;
        counters.keepaliveProbes++;
        emit(s, s.sndNxt - 1, TcpHeader.ACK, 0);
        timers.schedule(s.keepTimer, now + s.keepIntervalNanos);
    }
}
