package org.jbypass.netstack.tcp;

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
    private final TcpLayer layer;
    private final TcpCounters counters;

    TcpReceive(final TcpLayer layer)
    {
        this.layer = layer;
        this.counters = layer.counters;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Segment text (RFC 9293 section 3.10.7.4, seventh and eighth).

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
}
