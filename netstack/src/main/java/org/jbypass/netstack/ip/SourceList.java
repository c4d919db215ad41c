package org.jbypass.netstack.ip;

import java.util.Arrays;

import org.jbypass.netstack.wire.Ipv6Address;

/**
 * Source lists of multicast filters (RFC 3376 section 2, RFC 3810 section 2) and the set operations the RFCs merge
 * and report them with, for both families: a list is a sorted array of distinct addresses, each two {@code long}s
 * ({@code hi}, {@code lo} of {@link Ipv6Address}); an IPv4 source is held as its IPv4-mapped IPv6 address
 * ({@code ::ffff:a.b.c.d}), so that IGMP and MLD share one implementation. Lists change only when an application
 * joins, leaves, blocks or unblocks (or a query asks about sources): they are built anew then, and the receive path
 * only looks them up ({@link #contains}, a binary search that allocates nothing).
 */
final class SourceList
{
    static final long[] EMPTY = new long[0];

    private SourceList()
    {
    }

    /** The number of addresses in a list. */
    static int size(final long[] list)
    {
        return list.length >> 1;
    }

    static boolean contains(final long[] list, final long hi, final long lo)
    {
        return indexOf(list, hi, lo) >= 0;
    }

    /** Whether an IPv4 source (as an int) is in the list; allocates nothing. */
    static boolean contains4(final long[] list, final int source)
    {
        return indexOf(list, Ipv6Address.V4_MAPPED_HI, Ipv6Address.v4MappedLo(source)) >= 0;
    }

    /** The pair index of an address, or -(insertion point) - 1. */
    private static int indexOf(final long[] list, final long hi, final long lo)
    {
        int low = 0;
        int high = size(list) - 1;
        while (low <= high)
        {
            final int mid = (low + high) >>> 1;
            final int c = compare(list[2 * mid], list[2 * mid + 1], hi, lo);
            if (c < 0)
            {
                low = mid + 1;
            }
            else if (c > 0)
            {
                high = mid - 1;
            }
            else
            {
                return mid;
            }
        }
        return -(low + 1);
    }

    private static int compare(final long aHi, final long aLo, final long bHi, final long bLo)
    {
        final int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    /** A list of the given pairs, sorted and without repeats. */
    static long[] of(final long[] pairs)
    {
        long[] out = EMPTY;
        for (int i = 0; i + 1 < pairs.length; i += 2)
        {
            out = with(out, pairs[i], pairs[i + 1]);
        }
        return out;
    }

    /** A list of IPv4 sources, as IPv4-mapped addresses. */
    static long[] ofIpv4(final int[] sources)
    {
        long[] out = EMPTY;
        for (final int s : sources)
        {
            out = with(out, Ipv6Address.V4_MAPPED_HI, Ipv6Address.v4MappedLo(s));
        }
        return out;
    }

    /** The IPv4 sources of a list of IPv4-mapped addresses, in order. */
    static int[] toIpv4(final long[] list)
    {
        final int[] out = new int[size(list)];
        for (int i = 0; i < out.length; i++)
        {
            out[i] = Ipv6Address.v4FromMapped(list[2 * i + 1]);
        }
        // Sorted as ints, as IGMP's callers compare them.
        Arrays.sort(out);
        return out;
    }

    static long[] with(final long[] list, final long hi, final long lo)
    {
        final int i = indexOf(list, hi, lo);
        if (i >= 0)
        {
            return list;
        }
        final int at = -(i + 1);
        final long[] out = new long[list.length + 2];
        System.arraycopy(list, 0, out, 0, 2 * at);
        out[2 * at] = hi;
        out[2 * at + 1] = lo;
        System.arraycopy(list, 2 * at, out, 2 * at + 2, list.length - 2 * at);
        return out;
    }

    static long[] without(final long[] list, final long hi, final long lo)
    {
        final int i = indexOf(list, hi, lo);
        if (i < 0)
        {
            return list;
        }
        final long[] out = new long[list.length - 2];
        System.arraycopy(list, 0, out, 0, 2 * i);
        System.arraycopy(list, 2 * i + 2, out, 2 * i, list.length - 2 * i - 2);
        return out;
    }

    static long[] union(final long[] a, final long[] b)
    {
        long[] out = a;
        for (int i = 0; i < b.length; i += 2)
        {
            out = with(out, b[i], b[i + 1]);
        }
        return out;
    }

    static long[] intersection(final long[] a, final long[] b)
    {
        return filter(a, b, true);
    }

    /** a - b. */
    static long[] minus(final long[] a, final long[] b)
    {
        return filter(a, b, false);
    }

    private static long[] filter(final long[] a, final long[] b, final boolean keepCommon)
    {
        final long[] out = new long[a.length];
        int n = 0;
        for (int i = 0; i < a.length; i += 2)
        {
            if (contains(b, a[i], a[i + 1]) == keepCommon)
            {
                out[n++] = a[i];
                out[n++] = a[i + 1];
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }
}
