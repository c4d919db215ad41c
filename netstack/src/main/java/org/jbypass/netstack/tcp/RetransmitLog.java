package org.jbypass.netstack.tcp;

/**
 * The retransmissions of the current recovery episode on a SACK connection, in the order they were sent.
 *
 * <p>RFC 6675 counts a retransmission as in flight until it is acknowledged, so a retransmission that is itself
 * lost is only repaired by the retransmission timer, after a whole RTO. This log repairs it sooner with the idea
 * behind RACK (RFC 8985 section 6.2): a segment sent earlier than one already delivered was lost, if it has not
 * been delivered itself. A retransmission is declared lost when a later retransmission has been delivered, or when
 * data first sent after it has been SACKed; its range then becomes eligible for NextSeg() again. Ranges still in
 * flight are skipped by NextSeg(), and their bytes are what SetPipe() counts twice (RFC 6675 section 4).
 *
 * <p>Bounded: when full, the oldest entry is forgotten (its range may then be retransmitted once more than needed).
 */
final class RetransmitLog
{
    private static final int CAPACITY = 128;

    private final int[] starts = new int[CAPACITY];
    private final int[] ends = new int[CAPACITY];
    /** SND.NXT when the range was retransmitted: data at or beyond it was first sent later. */
    private final int[] highData = new int[CAPACITY];
    private final long[] orders = new long[CAPACITY];
    private int count;
    private long nextOrder;

    int count()
    {
        return count;
    }

    void clear()
    {
        count = 0;
    }

    void add(final int start, final int end, final int sndNxt)
    {
        if (count == CAPACITY)
        {
            remove(0);
        }
        starts[count] = start;
        ends[count] = end;
        highData[count] = sndNxt;
        orders[count] = ++nextOrder;
        count++;
    }

    private void remove(final int i)
    {
        final int tail = count - i - 1;
        System.arraycopy(starts, i + 1, starts, i, tail);
        System.arraycopy(ends, i + 1, ends, i, tail);
        System.arraycopy(highData, i + 1, highData, i, tail);
        System.arraycopy(orders, i + 1, orders, i, tail);
        count--;
    }

    /** The end of the in-flight retransmission holding {@code seq}, or {@code seq} itself when none does. */
    int skipInFlight(final int seq)
    {
        int x = seq;
        boolean moved = true;
        while (moved)
        {
            moved = false;
            for (int i = 0; i < count; i++)
            {
                if (Seq.inRange(x, starts[i], ends[i]))
                {
                    x = ends[i];
                    moved = true;
                }
            }
        }
        return x;
    }

    /** Bytes of retransmissions still in flight at or above SND.UNA. */
    long inFlightBytes(final int una)
    {
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            final int from = Seq.max(starts[i], una);
            if (Seq.lt(from, ends[i]))
            {
                total += ends[i] - from;
            }
        }
        return total;
    }

    /**
     * Settles the log after an ACK: forgets what was delivered (cumulatively acknowledged or SACKed) and declares
     * lost what was sent before something delivered.
     *
     * @return how many retransmissions were found lost
     */
    int update(final int una, final RangeSet sacked)
    {
        long deliveredOrder = 0;
        for (int i = count - 1; i >= 0; i--)
        {
            if (Seq.le(ends[i], una) || sacked.covers(Seq.max(starts[i], una), ends[i]))
            {
                deliveredOrder = Math.max(deliveredOrder, orders[i]);
                remove(i);
            }
        }
        final int highestSacked = sacked.isEmpty() ? una : sacked.highestEnd();
        int lost = 0;
        for (int i = count - 1; i >= 0; i--)
        {
            if (orders[i] < deliveredOrder || Seq.gt(highestSacked, highData[i]))
            {
                remove(i);
                lost++;
            }
        }
        return lost;
    }
}
