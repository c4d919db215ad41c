package org.jbypass.netstack.tcp;

/**
 * The sender's scoreboard on a SACK connection: one record per segment in flight, in sequence order, tiling
 * [SND.UNA, SND.NXT) without gaps, each with the time it was last sent and whether it is SACKed, deemed lost, or
 * retransmitted (RFC 6675 section 3's scoreboard, with the per-segment transmission times RACK needs, RFC 8985
 * section 5.2). Linux keeps the same facts on the skbs of its retransmission queue.
 *
 * <p>Byte counts are kept as records change flags, so that RFC 6675's pipe is O(1):
 * {@code pipe = outstanding - SACKed - lost + retransmitted}, where a lost segment whose retransmission is in
 * flight counts once and a segment sent again without having been deemed lost (a tail loss probe) counts twice, as
 * in Linux's {@code tcp_packets_in_flight}.
 *
 * <p>Records live in a ring of arrays, empty until the connection first sends (an idle connection holds none), that
 * starts at {@value #FIRST_CAPACITY} records (a request/response connection has a segment or two in flight: a short
 * connection then costs about 100 bytes here, not the 900 of a 64-record ring) and doubles up to a bound set by the
 * send buffer, at least {@value #INITIAL_CAPACITY}; growth happens while a connection ramps up, never in its steady
 * state. When the ring is full a new
 * segment is merged into the last record if that one is plainly in flight, or refused (the sender waits for ACKs),
 * so hostile or tiny segments cannot grow memory. A SACK block or a retransmission that covers part of a record
 * splits it; when that is impossible (full) the information is dropped, which only costs a retransmission.
 */
final class Scoreboard
{
    /** The segment was SACKed (RFC 2018). */
    static final int SACKED = 1;
    /** The segment is deemed lost (RACK, or everything after a timeout) and not SACKed. */
    static final int LOST = 2;
    /** A retransmission of the segment is in flight (counts in pipe). */
    static final int RETRANSMITTED = 4;
    /** The segment was sent more than once: an ACK of it is ambiguous (RFC 8985 section 6.2 step 2). */
    static final int EVER_RETRANSMITTED = 8;

    /** The least bound of the ring, whatever the send buffer. */
    static final int INITIAL_CAPACITY = 64;
    /** The ring's size when the connection first sends. */
    static final int FIRST_CAPACITY = 4;
    private static final int[] NO_STARTS = new int[0];
    private static final long[] NO_TIMES = new long[0];
    private static final byte[] NO_FLAGS = new byte[0];

    private final int maxCapacity;
    private int[] starts;
    private long[] sentNanos;
    private byte[] flags;
    private int mask;
    private int head;
    private int count;
    /** The end of the last record: SND.NXT as far as segments go. */
    private int end;

    private int sackedBytes;
    private int sackedSegments;
    private int lostBytes;
    private int retransmittedBytes;
    /** No record that starts below this is lost and waiting to be retransmitted. */
    private int lostHint;
    /**
     * No record that starts below this is a candidate for RACK (every one is SACKed, or lost and not yet sent
     * again), so {@link Rack#detectLoss} starts its walk here instead of at SND.UNA.
     */
    private int candidateHint;
    /** The last transmission time given out (see {@link #stamp}). */
    private long lastStamp;
    /** Whether anything was stamped yet ({@link #lastStamp} means nothing before). */
    private boolean stamped;

    Scoreboard(final int maxCapacity)
    {
        this.maxCapacity = Math.max(INITIAL_CAPACITY, Integer.highestOneBit(Math.max(1, maxCapacity - 1)) << 1);
        // Empty until the first segment is sent: an idle connection (most of them, at scale) holds no records.
        starts = NO_STARTS;
        sentNanos = NO_TIMES;
        flags = NO_FLAGS;
        mask = -1;
    }

    /** Forgets everything: the flight is empty and the next segment starts at {@code seq}. */
    void reset(final int seq)
    {
        head = 0;
        count = 0;
        end = seq;
        sackedBytes = 0;
        sackedSegments = 0;
        lostBytes = 0;
        retransmittedBytes = 0;
        lostHint = seq;
        candidateHint = seq;
    }

    int count()
    {
        return count;
    }

    int capacity()
    {
        return mask + 1;
    }

    int start(final int i)
    {
        return starts[(head + i) & mask];
    }

    int end(final int i)
    {
        return i + 1 < count ? starts[(head + i + 1) & mask] : end;
    }

    long sentNanos(final int i)
    {
        return sentNanos[(head + i) & mask];
    }

    int flags(final int i)
    {
        return flags[(head + i) & mask];
    }

    /** The end of the last record (SND.NXT). */
    int end()
    {
        return end;
    }

    int sackedBytes()
    {
        return sackedBytes;
    }

    int sackedSegments()
    {
        return sackedSegments;
    }

    int lostBytes()
    {
        return lostBytes;
    }

    int retransmittedBytes()
    {
        return retransmittedBytes;
    }

    /** RFC 6675 section 4, SetPipe(), in bytes. */
    int pipe()
    {
        if (count == 0)
        {
            return 0;
        }
        return Math.max(0, end - starts[head] - sackedBytes - lostBytes + retransmittedBytes);
    }

    /** The index of the record holding {@code seq}, or -1 when it lies outside [first start, end). */
    int indexOf(final int seq)
    {
        if (count == 0)
        {
            return -1;
        }
        final int base = starts[head];
        final int offset = seq - base;
        if (offset < 0 || offset >= end - base)
        {
            return -1;
        }
        int lo = 0;
        int hi = count - 1;
        while (lo < hi)
        {
            final int mid = (lo + hi + 1) >>> 1;
            if (starts[(head + mid) & mask] - base <= offset)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * The time to record for a transmission at {@code nowNanos}: the stack's clock moves once per poll, so every
     * segment sent in one poll would share a time, and a retransmission sent after new data in the same poll would
     * look older than it (RACK's tie-break by sequence number assumes sequence order is sending order). Each
     * transmission is stamped at least a nanosecond after the previous one instead, which keeps sending order
     * exact (Linux stamps each skb with a microsecond clock for the same reason).
     */
    private long stamp(final long nowNanos)
    {
        // The first stamp is the time itself: compared with an initial Long.MIN_VALUE, the difference would
        // overflow for any positive time and every stamp would become MIN_VALUE + n, times nothing could be
        // subtracted from (RACK's RTT, TSO deferral's age of the flight).
        final long t = stamped && nowNanos - lastStamp <= 0 ? lastStamp + 1 : nowNanos;
        stamped = true;
        lastStamp = t;
        return t;
    }

    /** Whether a new segment can be recorded now (see the class comment on a full ring). */
    boolean canAppend()
    {
        return count < capacity() || capacity() < maxCapacity || (flags(count - 1) == 0);
    }

    /**
     * Records a segment sent for the first time: {@code [seq, seq + length)} of sequence space (the FIN included),
     * which must start at the end of the last record.
     */
    void append(final int seq, final int length, final long nowNanos)
    {
        if (length <= 0)
        {
            return;
        }
        if (count == 0)
        {
            end = seq;
            lostHint = seq;
        }
        if (count == capacity())
        {
            if (capacity() < maxCapacity)
            {
                grow();
            }
            else
            {
                // canAppend() held: the last record is plainly in flight. Merging keeps the later time, so the
                // earlier part can only be deemed lost later than it could have been, never sooner.
                sentNanos[(head + count - 1) & mask] = stamp(nowNanos);
                end = seq + length;
                return;
            }
        }
        final int at = (head + count) & mask;
        starts[at] = seq;
        sentNanos[at] = stamp(nowNanos);
        flags[at] = 0;
        count++;
        end = seq + length;
    }

    private void grow()
    {
        final int capacity = Math.max(FIRST_CAPACITY, capacity() * 2);
        final int[] newStarts = new int[capacity];
        final long[] newSent = new long[capacity];
        final byte[] newFlags = new byte[capacity];
        for (int i = 0; i < count; i++)
        {
            final int from = (head + i) & mask;
            newStarts[i] = starts[from];
            newSent[i] = sentNanos[from];
            newFlags[i] = flags[from];
        }
        starts = newStarts;
        sentNanos = newSent;
        flags = newFlags;
        mask = capacity - 1;
        head = 0;
    }

    /**
     * Splits record {@code i} at {@code seq} (strictly inside it): both halves keep its time and flags. The ring
     * may grow, which moves every record to another slot: callers keep record indices across a split, never slots.
     *
     * @return false when the ring is full and cannot grow (nothing changed)
     */
    boolean split(final int i, final int seq)
    {
        if (count == capacity())
        {
            if (capacity() >= maxCapacity)
            {
                return false;
            }
            grow();
        }
        for (int j = count; j > i + 1; j--)
        {
            final int to = (head + j) & mask;
            final int from = (head + j - 1) & mask;
            starts[to] = starts[from];
            sentNanos[to] = sentNanos[from];
            flags[to] = flags[from];
        }
        final int from = (head + i) & mask;
        final int to = (head + i + 1) & mask;
        starts[to] = seq;
        sentNanos[to] = sentNanos[from];
        flags[to] = flags[from];
        if ((flags[from] & SACKED) != 0)
        {
            sackedSegments++;
        }
        count++;
        return true;
    }

    /** Subtracts {@code length} bytes of a record with {@code f} from the counts. */
    private void uncount(final int f, final int length)
    {
        if ((f & SACKED) != 0)
        {
            sackedBytes -= length;
        }
        if ((f & LOST) != 0)
        {
            lostBytes -= length;
        }
        if ((f & RETRANSMITTED) != 0)
        {
            retransmittedBytes -= length;
        }
    }

    /**
     * The cumulative ACK reached {@code una}: forgets the records below it and tells RACK about each one delivered
     * by this ACK (those not SACKed before).
     *
     * @return the bytes newly delivered (RFC 6937's DeliveredData, less what SACKs of this ACK delivered)
     */
    int acknowledge(final int una, final Rack rack, final long nowNanos, final long minRttNanos)
    {
        int delivered = 0;
        while (count > 0)
        {
            final int at = head;
            final int start = starts[at];
            final int recordEnd = end(0);
            if (Seq.le(una, start))
            {
                break;
            }
            final int f = flags[at];
            final boolean whole = Seq.le(recordEnd, una);
            final int length = (whole ? recordEnd : una) - start;
            if ((f & SACKED) == 0)
            {
                delivered += length;
                rack.delivered(start, start + length, sentNanos[at], (f & EVER_RETRANSMITTED) != 0, nowNanos,
                    minRttNanos);
            }
            uncount(f, length);
            if (!whole)
            {
                starts[at] = una;
                break;
            }
            if ((f & SACKED) != 0)
            {
                sackedSegments--;
            }
            head = (head + 1) & mask;
            count--;
        }
        if (count == 0 && Seq.gt(una, end))
        {
            end = una;
        }
        if (Seq.lt(lostHint, una))
        {
            lostHint = una;
        }
        if (Seq.lt(candidateHint, una))
        {
            candidateHint = una;
        }
        return delivered;
    }

    /**
     * A SACK block {@code [from, to)} (within [SND.UNA, SND.NXT)): marks the records it covers, splitting those it
     * covers in part, and tells RACK about each one newly SACKed.
     *
     * @return the bytes newly SACKed
     */
    int sack(final int from, final int to, final Rack rack, final long nowNanos, final long minRttNanos)
    {
        int i = indexOf(from);
        if (i < 0)
        {
            return 0;
        }
        if (start(i) != from)
        {
            // The block starts inside record i: split it so its SACKed part can be marked. If the ring is full the
            // part stays unSACKed, which at worst costs a needless retransmission.
            if ((flags(i) & SACKED) == 0)
            {
                split(i, from);
            }
            i++;
        }
        int newly = 0;
        while (i < count && Seq.lt(start(i), to))
        {
            if ((flags(i) & SACKED) == 0)
            {
                if (Seq.gt(end(i), to) && !split(i, to))
                {
                    break;
                }
                // The slot is found only now: a split that grows the ring moves every record to a new slot.
                final int at = (head + i) & mask;
                final int f = flags[at];
                final int start = starts[at];
                final int length = end(i) - start;
                uncount(f, length);
                flags[at] = (byte)((f & EVER_RETRANSMITTED) | SACKED);
                sackedBytes += length;
                sackedSegments++;
                newly += length;
                rack.delivered(start, start + length, sentNanos[at], (f & EVER_RETRANSMITTED) != 0, nowNanos,
                    minRttNanos);
            }
            i++;
        }
        return newly;
    }

    /**
     * Marks record {@code i} lost (RACK or a timeout). A retransmission of it that was in flight is lost too.
     *
     * @return whether a retransmission was found lost
     */
    boolean markLost(final int i)
    {
        final int at = (head + i) & mask;
        final int f = flags[at];
        if ((f & SACKED) != 0)
        {
            return false;
        }
        final int length = end(i) - starts[at];
        int g = f;
        if ((f & RETRANSMITTED) != 0)
        {
            retransmittedBytes -= length;
            g &= ~RETRANSMITTED;
        }
        if ((f & LOST) == 0)
        {
            lostBytes += length;
            g |= LOST;
        }
        flags[at] = (byte)g;
        if (Seq.lt(starts[at], lostHint))
        {
            lostHint = starts[at];
        }
        return (f & RETRANSMITTED) != 0;
    }

    /** Record {@code i} was sent again now. */
    void retransmitted(final int i, final long nowNanos)
    {
        final int at = (head + i) & mask;
        final int f = flags[at];
        if ((f & RETRANSMITTED) == 0)
        {
            retransmittedBytes += end(i) - starts[at];
        }
        flags[at] = (byte)(f | RETRANSMITTED | EVER_RETRANSMITTED);
        sentNanos[at] = stamp(nowNanos);
        if (Seq.lt(starts[at], candidateHint))
        {
            candidateHint = starts[at];
        }
    }

    /** Where RACK's walk may start (see {@link #candidateHint}). */
    int candidateHint()
    {
        return candidateHint;
    }

    /** RACK found no candidate below {@code seq}. */
    void candidateHint(final int seq)
    {
        if (Seq.gt(seq, candidateHint))
        {
            candidateHint = seq;
        }
    }

    /** The first record deemed lost and not yet sent again (RFC 6675 NextSeg() rule 1), or -1. */
    int nextLost()
    {
        if (lostBytes == 0)
        {
            return -1;
        }
        int i = indexOf(lostHint);
        if (i < 0)
        {
            i = 0;
        }
        for (; i < count; i++)
        {
            final int f = flags(i);
            if ((f & (LOST | RETRANSMITTED | SACKED)) == LOST)
            {
                lostHint = start(i);
                return i;
            }
        }
        lostHint = end;
        return -1;
    }

    /**
     * After a retransmission timeout everything not SACKed is lost (RFC 6675 section 5.1, RFC 8985 section 6.3).
     * When the first record is SACKed the receiver must have dropped data it had SACKed (reneging, RFC 2018
     * section 8): every SACK is forgotten, as Linux does.
     *
     * @return whether the peer reneged
     */
    boolean markAllLost()
    {
        if (count == 0)
        {
            return false;
        }
        final boolean reneged = (flags[head] & SACKED) != 0;
        lostBytes = 0;
        retransmittedBytes = 0;
        if (reneged)
        {
            sackedBytes = 0;
            sackedSegments = 0;
        }
        for (int i = 0; i < count; i++)
        {
            final int at = (head + i) & mask;
            int f = flags[at];
            if (reneged)
            {
                f &= ~SACKED;
            }
            if ((f & SACKED) == 0)
            {
                f = (f & EVER_RETRANSMITTED) | LOST;
                lostBytes += end(i) - starts[at];
            }
            flags[at] = (byte)f;
        }
        lostHint = starts[head];
        candidateHint = starts[head];
        return reneged;
    }

    /** SND.NXT moved back to {@code seq} (a zero-window probe withdrawn): forgets what lies beyond it. */
    void truncate(final int seq)
    {
        while (count > 0 && Seq.ge(start(count - 1), seq))
        {
            final int f = flags(count - 1);
            uncount(f, end - start(count - 1));
            if ((f & SACKED) != 0)
            {
                sackedSegments--;
            }
            end = start(count - 1);
            count--;
        }
        if (count > 0 && Seq.gt(end, seq))
        {
            uncount(flags(count - 1), end - seq);
        }
        end = seq;
        if (Seq.gt(lostHint, seq))
        {
            lostHint = seq;
        }
        if (Seq.gt(candidateHint, seq))
        {
            candidateHint = seq;
        }
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("Scoreboard{pipe=").append(pipe()).append(" sacked=")
            .append(sackedBytes).append(" lost=").append(lostBytes).append(" retransmitted=")
            .append(retransmittedBytes).append(" [");
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                sb.append(", ");
            }
            final int f = flags(i);
            sb.append(Integer.toUnsignedString(start(i))).append('-').append(Integer.toUnsignedString(end(i)));
            if ((f & SACKED) != 0)
            {
                sb.append('S');
            }
            if ((f & LOST) != 0)
            {
                sb.append('L');
            }
            if ((f & RETRANSMITTED) != 0)
            {
                sb.append('R');
            }
            if ((f & EVER_RETRANSMITTED) != 0)
            {
                sb.append('e');
            }
        }
        return sb.append("]}").toString();
    }
}
