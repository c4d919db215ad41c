package org.jbypass.netstack.ip;

/**
 * The byte ranges of one datagram received so far as fragments, for IPv4's and IPv6's reassembly alike: RFC 815's
 * hole list kept as its complement, the list of ranges that arrived, sorted by offset, of at most
 * {@code maxFragments} entries.
 *
 * <p>A range that overlaps one already received makes {@link #insert} answer {@link #OVERLAP}, and the caller drops
 * the whole datagram (RFC 5722 for IPv6, and in its spirit for IPv4: overlaps have no legitimate use and are the
 * tool of attacks that smuggle different bytes past a filter); an exact duplicate, which a network may produce
 * honestly, is {@link #DUPLICATE} and ignored. A last fragment that disagrees with the length already known, or a
 * fragment past it, is {@link #INCONSISTENT}. Allocation-free once built.
 */
final class FragmentRanges
{
    static final int ADDED = 0;
    static final int DUPLICATE = 1;
    static final int OVERLAP = 2;
    static final int INCONSISTENT = 3;
    static final int TOO_MANY = 4;

    private final int[] starts;
    private final int[] ends;
    private int count;
    private int received;
    private int totalLength;

    FragmentRanges(final int maxFragments)
    {
        this.starts = new int[maxFragments];
        this.ends = new int[maxFragments];
        clear();
    }

    /** Forgets every range, for the next datagram. */
    void clear()
    {
        count = 0;
        received = 0;
        totalLength = -1;
    }

    /**
     * Records the range [start, end), keeping the list sorted; {@code last} when it is the final fragment (no more
     * fragments), whose end is the datagram's length.
     *
     * @return {@link #ADDED}, or why not: {@link #DUPLICATE}, {@link #OVERLAP}, {@link #INCONSISTENT},
     *         {@link #TOO_MANY}
     */
    int insert(final int start, final int end, final boolean last)
    {
        if (last)
        {
            if (totalLength >= 0 && totalLength != end || count > 0 && ends[count - 1] > end)
            {
                return INCONSISTENT;
            }
        }
        else if (totalLength >= 0 && end > totalLength)
        {
            return INCONSISTENT;
        }
        int i = 0;
        while (i < count && starts[i] < start)
        {
            i++;
        }
        if (i < count && starts[i] == start && ends[i] == end)
        {
            return DUPLICATE;
        }
        if (i > 0 && ends[i - 1] > start || i < count && starts[i] < end)
        {
            return OVERLAP;
        }
        if (count == starts.length)
        {
            return TOO_MANY;
        }
        System.arraycopy(starts, i, starts, i + 1, count - i);
        System.arraycopy(ends, i, ends, i + 1, count - i);
        starts[i] = start;
        ends[i] = end;
        count++;
        received += end - start;
        if (last)
        {
            totalLength = end;
        }
        return ADDED;
    }

    /** Whether the last fragment arrived and every byte before it. */
    boolean isComplete()
    {
        return totalLength >= 0 && received == totalLength;
    }

    /** The datagram's length as its last fragment gave it, or -1 before it arrived. */
    int totalLength()
    {
        return totalLength;
    }

    /** How many bytes from offset 0 have arrived contiguously. */
    int firstEndOfData()
    {
        return count > 0 && starts[0] == 0 ? ends[0] : 0;
    }
}
