package org.jbypass.netstack.tcp;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;

/**
 * The receiver's side of an acceptable segment (RFC 9293 section 3.10.7.4, seventh and eighth): its text placed in
 * the receive ring in order or at its offset as out-of-order data (remembered for SACK, RFC 2018), the peer's FIN,
 * and how soon to acknowledge (delayed ACKs, RFC 9293 section 3.8.6.3, RFC 5681 section 4.2, RFC 1122 section
 * 4.2.3.2).
 *
 * <p>One instance per layer; it keeps no state of its own between segments.
 */
final class TcpReceive
{
    /** The round trip dynamic right-sizing assumes before the connection has measured one (RFC 6298's 1 s is long). */
    private static final long DEFAULT_SPACE_RTT_NANOS = 100_000_000L;

    private final TcpLayer layer;
    private final TcpCounters counters;

    TcpReceive(final TcpLayer layer)
    {
        this.layer = layer;
        this.counters = layer.counters;
    }

    /**
     * Places the payload in the receive buffer (in order, or at its offset as out-of-order data), then processes a
     * FIN that follows it in order, and decides how soon to acknowledge.
     */
    void segmentText(final TcpSocket s, final Segment seg, final int seqIn, final int offsetIn,
        final int lengthIn, final boolean finIn)
    {
        int seq = seqIn;
        int offset = offsetIn;
        int length = lengthIn;
        boolean fin = finIn;
        // Trim what was received before.
        if (Seq.lt(seq, s.rcv.nxt))
        {
            final int dup = Math.min(s.rcv.nxt - seq, length);
            if (dup > 0 && s.opt.sackOk)
            {
                s.rcv.dsackPending = true;
                s.rcv.dsackStart = seq;
                s.rcv.dsackEnd = seq + dup;
            }
            seq += dup;
            offset += dup;
            length -= dup;
            s.rcv.ackNow = true;
            if (Seq.lt(seq, s.rcv.nxt))
            {
                // Only a FIN already received was left.
                return;
            }
        }
        // Trim what lies beyond the window (RFC 9293: "trim any portion that lies outside the window").
        if (Seq.gt(seq + length, s.rcv.adv))
        {
            length = Math.max(0, s.rcv.adv - seq);
            fin = false;
            s.rcv.ackNow = true;
        }
        if (length > 0)
        {
            if (seq == s.rcv.nxt)
            {
                if (!inOrderData(s, seg, offset, length))
                {
                    return;
                }
            }
            else
            {
                outOfOrderData(s, seg, seq, offset, length);
            }
        }
        if (fin)
        {
            final int finAt = seq + length;
            if (finAt == s.rcv.nxt)
            {
                finArrives(s);
            }
            else if (Seq.gt(finAt, s.rcv.nxt))
            {
                s.rcv.finPending = true;
                s.rcv.finSeq = finAt;
                s.rcv.ackNow = true;
            }
        }
        if (s.rcv.finPending && !s.rcv.finReceived && s.rcv.nxt == s.rcv.finSeq)
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

    /**
     * How many of the peer's segments {@code length} bytes of in-order data stand for, with the estimate of its
     * segment size kept as Linux's tcp_measure_rcv_mss() keeps it: from the segment size of a super-segment
     * (gso_size), else from the segment's length when it is at least the estimate, never above the MSS we
     * advertised; first guessed (tcp_initialize_rcv_mss()) as the smaller of the MSS each side announced. A
     * super-segment of many segments thus counts as many, and Linux's __tcp_ack_snd_check() rule, an ACK once more
     * than one segment's worth is unacknowledged, holds for it as for segments that arrive one by one.
     */
    static int segmentsIn(final TcpSocket s, final Segment seg, final int length)
    {
        int mss = s.rcv.mss;
        if (mss == 0)
        {
            mss = Math.max(TcpOptions.MIN_PEER_MSS, Math.min(s.opt.receiveMss, s.opt.sendMss));
        }
        final int len = seg.segmentSize != 0 ? seg.segmentSize : length;
        if (len >= mss)
        {
            mss = Math.max(TcpOptions.MIN_PEER_MSS, Math.min(len, s.opt.receiveMss));
        }
        s.rcv.mss = mss;
        return Math.max(1, (length + mss - 1) / mss);
    }

    /** @return false when the text was dropped for want of memory (nothing changed but the ACK owed) */
    private boolean inOrderData(final TcpSocket s, final Segment seg, final int offset, final int length)
    {
        if (s.inputShutdown)
        {
            // shutdownInput(): acknowledge and discard, so the peer is not stalled.
            s.rcv.nxt += length;
            s.rcv.ring.skip(length);
            s.rcv.readSeq = s.rcv.nxt;
        }
        else
        {
            final int at = s.rcv.nxt - s.rcv.readSeq;
            final int lent = seg.chain != null && layer.config.lendReceiveBuffers
                ? lendPayload(s, seg.chain, offset, length, at) : NOT_LENT;
            if (lent == NOT_LENT)
            {
                if (!reserve(s, at, length))
                {
                    return memoryDrop(s);
                }
                seg.copyPayload(offset, s.rcv.ring, at, length);
            }
            else if (lent == REFUSED)
            {
                return memoryDrop(s);
            }
            s.rcv.nxt += length;
        }
        counters.bytesIn += length;
        // New data in order: the path from the peer works (RFC 4861 section 7.3.1).
        layer.confirmReachable(s, layer.time.nanos());
        s.rcv.unackedSegments += segmentsIn(s, seg, length);
        if (!s.rcv.outOfOrder.isEmpty())
        {
            // RFC 5681 section 4.2: a segment that fills (part of) a gap is acknowledged at once.
            s.rcv.ackNow = true;
            while (!s.rcv.outOfOrder.isEmpty() && Seq.le(s.rcv.outOfOrder.start(0), s.rcv.nxt))
            {
                final int end = s.rcv.outOfOrder.end(0);
                if (Seq.gt(end, s.rcv.nxt))
                {
                    counters.bytesIn += end - s.rcv.nxt;
                    if (s.inputShutdown)
                    {
                        s.rcv.ring.skip(end - s.rcv.nxt);
                        s.rcv.readSeq = end;
                    }
                    s.rcv.nxt = end;
                }
                s.rcv.outOfOrder.removeFirst();
            }
            pruneSackOrder(s);
        }
        if (!s.inputShutdown)
        {
            s.notifyReadiness();
        }
        return true;
    }

    /** Takes the ring's chunks for {@code length} bytes at {@code at}, discarding out-of-order data if need be. */
    private boolean reserve(final TcpSocket s, final int at, final int length)
    {
        return s.rcv.ring.reserve(at, length) || pruneOutOfOrder(s) && s.rcv.ring.reserve(at, length);
    }

    /** The layer's memory limit: the text is dropped, as Linux's TCPRcvQDrop; the peer retransmits it. */
    private boolean memoryDrop(final TcpSocket s)
    {
        counters.memoryDrops++;
        s.rcv.ackNow = true;
        return false;
    }

    private static final int NOT_LENT = -1;
    private static final int REFUSED = 0;
    private static final int PLACED = 1;

    /**
     * Places in-order text that arrived as a chain partly by keeping the chain's own buffers ({@link LentPayload}):
     * the buffers after the first (which holds the headers) that hold nothing but this text are taken from the
     * burst, and only the bytes before and after them (the first buffer's share, a trimmed end) are copied into the
     * ring. Nothing is lent when the chain cannot lend (software GRO's pieces), out-of-order data is held (the ring
     * then keeps every byte in order: simpler, and rare), the connection's bound is reached, or lending would leave
     * the pool less than half free.
     *
     * @param offset the text's first byte in the chain's frame
     * @param at     its offset in the ring (from the read point)
     * @return {@link #NOT_LENT} (nothing changed: copy it all), {@link #REFUSED} (memory for the copied bytes was
     *         refused; nothing changed) or {@link #PLACED}
     */
    private int lendPayload(final TcpSocket s, final FrameChain chain, final int offset, final int length,
        final int at)
    {
        if (!chain.lendable() || !s.rcv.outOfOrder.isEmpty() || at + length > s.rcv.ring.capacity())
        {
            return NOT_LENT;
        }
        // The run of pieces wholly inside [offset, offset + length), after the first.
        final int end = offset + length;
        int first = -1;
        int last = -1;
        int lentStart = 0;
        int lentEnd = 0;
        int pieceStart = 0;
        for (int i = 0; i < chain.descriptors() && pieceStart < end; i++)
        {
            final int pieceEnd = pieceStart + chain.pieceBytes(i);
            if (i >= 1 && pieceStart >= offset && pieceEnd <= end)
            {
                if (first < 0)
                {
                    first = i;
                    lentStart = pieceStart;
                }
                last = i;
                lentEnd = pieceEnd;
            }
            pieceStart = pieceEnd;
        }
        if (first < 0)
        {
            return NOT_LENT;
        }
        final int pieces = last - first + 1;
        final PacketPool pool = chain.pool();
        if (s.rcv.lent == null)
        {
            s.rcv.lent = layer.newLentPayload(pool);
        }
        final LentPayload lentPayload = s.rcv.lent;
        if (lentPayload.pool() != pool || !lentPayload.hasRoom(pieces)
            || pool.available() - pieces < pool.capacity() / 2)
        {
            return NOT_LENT;
        }
        final int headLength = lentStart - offset;
        final int tailLength = end - lentEnd;
        final int tailAt = at + (lentEnd - offset);
        if (!reserve(s, at, headLength) || !reserve(s, tailAt, tailLength))
        {
            return REFUSED;
        }
        // Every read of the frame before the first lend: a lent piece leaves the view.
        if (headLength > 0)
        {
            s.rcv.ring.write(at, chain, offset, headLength);
        }
        if (tailLength > 0)
        {
            s.rcv.ring.write(tailAt, chain, lentEnd, tailLength);
        }
        int seq = s.rcv.nxt + headLength;
        for (int i = first; i <= last; i++)
        {
            final int bytes = chain.pieceBytes(i);
            final int buffer = chain.lend(i);
            if (buffer == PacketPool.NO_BUFFER)
            {
                // Cannot happen: the pool had more than enough free a moment ago, under the same lock.
                throw new IllegalStateException("the pool ran dry while lending " + pieces + " buffers");
            }
            lentPayload.add(buffer, pool.offset(buffer), bytes, seq);
            seq += bytes;
        }
        counters.payloadBuffersLent += pieces;
        return PLACED;
    }

    private void outOfOrderData(final TcpSocket s, final Segment seg, final int seq, final int offset,
        final int length)
    {
        // RFC 5681 section 4.2: an out-of-order segment is acknowledged at once (a duplicate ACK with SACK).
        s.rcv.ackNow = true;
        if (s.inputShutdown)
        {
            return;
        }
        final int at = seq - s.rcv.readSeq;
        if (layer.memory.underPressure())
        {
            // Under pressure out-of-order data is not kept (and what is kept goes), as tcp_prune_ofo_queue.
            pruneOutOfOrder(s);
            counters.memoryDrops++;
            return;
        }
        if (!s.rcv.ring.reserve(at, length))
        {
            counters.memoryDrops++;
            return;
        }
        if (s.rcv.outOfOrder.add(seq, seq + length) < 0)
        {
            counters.outOfOrderDropped++;
            return;
        }
        counters.outOfOrderSegments++;
        seg.copyPayload(offset, s.rcv.ring, at, length);
        // RFC 2018 section 4: the first SACK block reports the most recent segment; remember recency.
        int keep = Math.min(s.rcv.sackOrderCount, s.rcv.sackOrder.length - 1);
        System.arraycopy(s.rcv.sackOrder, 0, s.rcv.sackOrder, 1, keep);
        s.rcv.sackOrder[0] = seq;
        s.rcv.sackOrderCount = keep + 1;
    }

    /**
     * Discards the connection's out-of-order data and gives its memory back (Linux's tcp_prune_ofo_queue), under
     * memory pressure or when in-order data needs the memory. SACKed data may be discarded (reneging, RFC 2018
     * section 8): the sender keeps it until it is cumulatively acknowledged.
     *
     * @return whether anything was discarded
     */
    private boolean pruneOutOfOrder(final TcpSocket s)
    {
        if (s.rcv.outOfOrder.isEmpty())
        {
            return false;
        }
        counters.outOfOrderPruned += s.rcv.outOfOrder.count();
        s.rcv.outOfOrder.clear();
        s.rcv.sackOrderCount = 0;
        s.rcv.finPending = false;
        s.rcv.ring.trimAfter(s.rcv.nxt - s.rcv.readSeq);
        return true;
    }

    private static void pruneSackOrder(final TcpSocket s)
    {
        int w = 0;
        for (int i = 0; i < s.rcv.sackOrderCount; i++)
        {
            if (Seq.ge(s.rcv.sackOrder[i], s.rcv.nxt))
            {
                s.rcv.sackOrder[w++] = s.rcv.sackOrder[i];
            }
        }
        s.rcv.sackOrderCount = w;
    }

    /**
     * Receive-buffer auto-tuning, as Linux's tcp_rcv_space_adjust (dynamic right-sizing): once a round trip, what the
     * application read in it is measured; when that is more than ever before, the buffer's reach grows to twice it
     * plus sixteen segments (the sender's window may double in a round trip of slow start), up to the layer's
     * maximum. Only while the peer scales windows (RFC 7323 section 2), the application has not set SO_RCVBUF, and
     * the layer is not under memory pressure; memory itself is still charged only as data arrives.
     */
    void spaceAdjust(final TcpSocket s)
    {
        final long now = layer.time.nanos();
        final long rtt = s.rtt.srtt() > 0 ? s.rtt.srtt() : DEFAULT_SPACE_RTT_NANOS;
        if (s.rcv.spaceNanos == 0)
        {
            s.rcv.spaceNanos = now;
            return;
        }
        if (now - s.rcv.spaceNanos < rtt)
        {
            return;
        }
        final int copied = s.rcv.readSeq - s.rcv.spaceSeq;
        s.rcv.spaceSeq = s.rcv.readSeq;
        s.rcv.spaceNanos = now;
        if (copied <= s.rcv.space)
        {
            return;
        }
        s.rcv.space = copied;
        if (s.receiveBufferLocked || !s.opt.windowScalingOk || layer.memory.underPressure())
        {
            return;
        }
        final long target = Math.min(layer.config.maxReceiveBufferSize, 2L * copied + 16L * s.opt.receiveMss);
        if (target > s.rcv.capacity)
        {
            s.rcv.ring.capacity((int) target);
            s.rcv.capacity = (int) target;
            s.receiveBufferSize = (int) target;
            counters.receiveBufferGrowths++;
        }
    }

    /** The peer's FIN, in order (RFC 9293 section 3.10.7.4, eighth). */
    private void finArrives(final TcpSocket s)
    {
        s.rcv.nxt++;
        s.rcv.finReceived = true;
        s.rcv.finPending = false;
        switch (s.state)
        {
            case SYN_RECEIVED:
            case ESTABLISHED:
                // The ACK of a FIN that leaves us in CLOSE_WAIT is delayed (RFC 1122 section 4.2.3.2 allows it, as
                // Linux's tcp_fin does): an application that closes on reading the end of the stream sends its FIN
                // within the delay, and the FIN carries the ACK (4 segments per connection, not 5).
                s.state = TcpState.CLOSE_WAIT;
                s.rcv.finAckDeferred = true;
                break;
            case FIN_WAIT_1:
                s.rcv.ackNow = true;
                if (s.snd.finQueued && Seq.gt(s.snd.una, s.snd.finSeq))
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
                s.rcv.ackNow = true;
                timeWait(s);
                break;
            default:
                s.rcv.ackNow = true;
                break;
        }
        s.notifyReadiness();
    }

    /** The ACK of the peer's FIN goes out now, since TIME_WAIT may be skipped (timeWaitLimit) and then no one would. */
    private void timeWait(final TcpSocket s)
    {
        layer.segments.sendAck(s);
        layer.enterTimeWait(s);
    }

    /**
     * Delayed ACKs (RFC 9293 section 3.8.6.3, RFC 5681 section 4.2, RFC 1122 section 4.2.3.2): at once when asked
     * for, during the quick-ACK start of a connection, and for every second segment; otherwise within the
     * delayed-ACK timeout.
     */
    private void scheduleAck(final TcpSocket s)
    {
        if (s.rcv.ackNow)
        {
            s.rcv.finAckDeferred = false;
            return;
        }
        if (s.rcv.finAckDeferred)
        {
            // The FIN's ACK waits for the application's close (or the delayed-ACK timeout), quick ACKs or not.
            s.rcv.finAckDeferred = false;
            layer.timers.scheduleNoLaterThan(s.delayedAckTimer, layer.time.nanos() + layer.config.delayedAckNanos);
            return;
        }
        if (s.rcv.quickAcks > 0)
        {
            s.rcv.quickAcks--;
            s.rcv.ackNow = true;
            return;
        }
        if (s.rcv.unackedSegments >= 2)
        {
            s.rcv.ackNow = true;
            return;
        }
        if (s.rcv.nxt != s.rcv.lastAckSent)
        {
            layer.timers.scheduleNoLaterThan(s.delayedAckTimer, layer.time.nanos() + layer.config.delayedAckNanos);
        }
    }
}
