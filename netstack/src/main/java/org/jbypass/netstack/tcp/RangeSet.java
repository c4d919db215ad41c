package org.jbypass.netstack.tcp;

/**
 * A bounded set of disjoint, non-adjacent ranges {@code [start, end)} of sequence space, kept sorted: the receiver's
 * out-of-order map and the sender's SACK scoreboard. All ranges lie within one window of each other, so sequence
 * comparison (RFC 9293 section 3.4) orders them. Fixed capacity, taken in full the first time a range is added (a
 * connection that never sees data out of order, most of them, holds no arrays); no allocation after that.
 */
final class RangeSet
{
    private static final int[] NONE = new int[0];

    private final int capacity;
    private int[] starts = NONE;
    private int[] ends = NONE;
    private int count;

    RangeSet(final int capacity)
    {
        this.capacity = capacity;
    }

    int count()
    {
        return count;
    }

    int capacity()
    {
        return capacity;
    }

    boolean isEmpty()
    {
        return count == 0;
    }

    int start(final int index)
    {
        return starts[index];
    }

    int end(final int index)
    {
        return ends[index];
    }

    /** The highest end, valid when not empty. */
    int highestEnd()
    {
        return ends[count - 1];
    }

    void clear()
    {
        count = 0;
    }

    /** The sum of the ranges' lengths. */
    long totalBytes()
    {
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            total += ends[i] - starts[i];
        }
        return total;
    }

    /** The index of the range holding {@code seq}, or -1. */
    int find(final int seq)
    {
        for (int i = 0; i < count; i++)
        {
            if (Seq.lt(seq, starts[i]))
            {
                return -1;
            }
            if (Seq.lt(seq, ends[i]))
            {
                return i;
            }
        }
        return -1;
    }

    boolean contains(final int seq)
    {
        return find(seq) >= 0;
    }

    /** Whether {@code [start, end)} lies wholly inside one range. */
    boolean covers(final int start, final int end)
    {
        final int i = find(start);
        return i >= 0 && Seq.le(end, ends[i]);
    }

    /**
     * Adds {@code [start, end)}, merging it with the ranges it overlaps or touches.
     *
     * @return the index of the range that now holds it, or -1 when it touches none and the set is full (nothing
     *         changed)
     */
    int add(final int start, final int end)
    {
        if (Seq.ge(start, end))
        {
            return find(start);
        }
        // First range whose end reaches start (overlapping or adjacent).
        int first = 0;
        while (first < count && Seq.lt(ends[first], start))
        {
            first++;
        }
        // Ranges first..last-1 overlap or touch [start, end).
        int last = first;
        while (last < count && Seq.le(starts[last], end))
        {
            last++;
        }
        if (first == last)
        {
            if (count == capacity)
            {
                return -1;
            }
            if (starts.length == 0)
            {
                starts = new int[capacity];
                ends = new int[capacity];
            }
            System.arraycopy(starts, first, starts, first + 1, count - first);
            System.arraycopy(ends, first, ends, first + 1, count - first);
            starts[first] = start;
            ends[first] = end;
            count++;
            return first;
        }
        final int mergedStart = Seq.min(start, starts[first]);
        final int mergedEnd = Seq.max(end, ends[last - 1]);
        starts[first] = mergedStart;
        ends[first] = mergedEnd;
        final int removed = last - first - 1;
        if (removed > 0)
        {
            System.arraycopy(starts, last, starts, first + 1, count - last);
            System.arraycopy(ends, last, ends, first + 1, count - last);
            count -= removed;
        }
        return first;
    }

    /** Forgets everything below {@code seq}, trimming a range that straddles it. */
    void removeBelow(final int seq)
    {
        int drop = 0;
        while (drop < count && Seq.le(ends[drop], seq))
        {
            drop++;
        }
        if (drop > 0)
        {
            System.arraycopy(starts, drop, starts, 0, count - drop);
            System.arraycopy(ends, drop, ends, 0, count - drop);
            count -= drop;
        }
        if (count > 0 && Seq.lt(starts[0], seq))
        {
            starts[0] = seq;
        }
    }

    /** Removes the first range. */
    void removeFirst()
    {
        System.arraycopy(starts, 1, starts, 0, count - 1);
        System.arraycopy(ends, 1, ends, 0, count - 1);
        count--;
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                sb.append(", ");
            }
            sb.append(Integer.toUnsignedString(starts[i])).append('-').append(Integer.toUnsignedString(ends[i]));
        }
        return sb.append(']').toString();
    }
}
