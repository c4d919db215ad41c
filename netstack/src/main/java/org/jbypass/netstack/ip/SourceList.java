package org.jbypass.netstack.ip;

import java.util.Arrays;

/**
 * Source lists of multicast filters (RFC 3376 section 2) as sorted arrays of distinct IPv4 addresses, and the set
 * operations the RFC merges and reports them with. Lists change only when an application joins, leaves, blocks or
 * unblocks (or a query asks about sources): they are built anew then, and the receive path only looks them up
 * ({@link #contains}, a binary search that allocates nothing).
 */
final class SourceList
{
    static final int[] EMPTY = new int[0];

    private SourceList()
    {
    }

    static boolean contains(final int[] list, final int source)
    {
        return Arrays.binarySearch(list, source) >= 0;
    }

    static int[] with(final int[] list, final int source)
    {
        if (contains(list, source))
        {
            return list;
        }
        final int[] out = Arrays.copyOf(list, list.length + 1);
        out[list.length] = source;
        Arrays.sort(out);
        return out;
    }

    static int[] without(final int[] list, final int source)
    {
        final int i = Arrays.binarySearch(list, source);
        if (i < 0)
        {
            return list;
        }
        final int[] out = new int[list.length - 1];
        System.arraycopy(list, 0, out, 0, i);
        System.arraycopy(list, i + 1, out, i, list.length - i - 1);
        return out;
    }

    static int[] union(final int[] a, final int[] b)
    {
        return Arrays.stream(concat(a, b)).distinct().sorted().toArray();
    }

    static int[] intersection(final int[] a, final int[] b)
    {
        return Arrays.stream(a).filter(x -> contains(b, x)).toArray();
    }

    /** a - b. */
    static int[] minus(final int[] a, final int[] b)
    {
        return Arrays.stream(a).filter(x -> !contains(b, x)).toArray();
    }

    private static int[] concat(final int[] a, final int[] b)
    {
        final int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
