package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Header;

/**
 * Walks the extension headers of a received IPv6 packet (RFC 8200 section 4) up to the upper-layer header, a
 * fragment header, or a reason to drop the packet. The walk is bounded: at most {@link #MAX_HEADERS} headers, each
 * checked to lie inside the packet before a byte of it is read, and options checked to lie inside their header.
 *
 * <ul>
 *   <li>Hop-by-hop options only first (section 4.3; elsewhere: parameter problem, code 1, section 4.1).</li>
 *   <li>Hop-by-hop and destination options: Pad1 and PadN skipped, router alert skipped; any other option acted on
 *       by its type's two high bits (section 4.2): skip, discard, discard and send a parameter problem (code 2),
 *       or discard and send one only if the destination was not multicast.</li>
 *   <li>Routing headers: a host executes none. With segments left 0 the header is ignored; otherwise the packet is
 *       discarded with a parameter problem pointing at the routing type (section 4.4), which is what RFC 5095
 *       section 3 asks for type 0 in particular.</li>
 *   <li>Fragment headers end the walk: the caller reassembles, or processes an atomic fragment (offset 0, M clear)
 *       on its own (RFC 6946) by walking on from {@link #offset()}.</li>
 *   <li>No next header (59): the packet carries nothing more.</li>
 * </ul>
 *
 * A flyweight: reused for every packet, allocates nothing. Results are valid until the next walk.
 */
final class Ipv6ExtensionHeaders
{
    /** The most extension headers walked in one packet; Linux does not bound them, but no real packet has more. */
    static final int MAX_HEADERS = 8;

    /** Walk results. */
    static final int UPPER_LAYER = 0;
    static final int FRAGMENT = 1;
    /** Dropped silently; the reason is counted. */
    static final int DROP = 2;
    /** Dropped with a parameter problem: {@link #problemCode()} at {@link #problemPointer()}. */
    static final int PARAMETER_PROBLEM = 3;

    private static final int OPTION_PAD1 = 0;
    private static final int OPTION_PADN = 1;
    private static final int OPTION_ROUTER_ALERT = 5;

    private final IpCounters counters;
    private int offset;
    private int nextHeader;
    private int nextHeaderField;
    private int problemCode;
    private int problemPointer;
    private boolean truncated;

    Ipv6ExtensionHeaders(final IpCounters counters)
    {
        this.counters = counters;
    }

    /**
     * Walks from {@code start} to {@code end}.
     *
     * @param ipOffset        where the IPv6 header is (parameter problem pointers count from it)
     * @param start           where the first header after the fixed header is
     * @param nextHeader      the value that names it
     * @param nextHeaderField where that value is (for a pointer to it)
     * @param multicast       whether the destination was multicast (section 4.2's fourth action)
     * @return {@link #UPPER_LAYER} (the upper-layer header at {@link #offset()}, named by {@link #nextHeader()}),
     *         {@link #FRAGMENT} (the fragment header at {@link #offset()}), {@link #DROP} or
     *         {@link #PARAMETER_PROBLEM}
     */
    int walk(final ByteBuffer memory, final int ipOffset, final int start, final int end, final int nextHeader,
        final int nextHeaderField, final boolean multicast)
    {
        int at = start;
        int type = nextHeader;
        int field = nextHeaderField;
        truncated = false;
        for (int headers = 0; ; headers++)
        {
            this.offset = at;
            this.nextHeader = type;
            this.nextHeaderField = field;
            switch (type)
            {
                case Ipv6Header.NEXT_HOP_BY_HOP, Ipv6Header.NEXT_DESTINATION_OPTIONS, Ipv6Header.NEXT_ROUTING,
                    Ipv6Header.NEXT_FRAGMENT ->
                {
                }
                case Ipv6Header.NEXT_NONE ->
                {
                    counters.ip6InNoNextHeader++;
                    return DROP;
                }
                default ->
                {
                    return UPPER_LAYER;
                }
            }
            if (headers == MAX_HEADERS)
            {
                counters.ip6InTooManyHeaders++;
                return DROP;
            }
            if (type == Ipv6Header.NEXT_HOP_BY_HOP && at != ipOffset + Ipv6Header.LENGTH)
            {
                counters.ip6InHopByHopNotFirst++;
                return problem(Icmpv6Header.CODE_UNRECOGNIZED_NEXT_HEADER, field - ipOffset);
            }
            if (end - at < 8)
            {
                return truncated();
            }
            if (type == Ipv6Header.NEXT_FRAGMENT)
            {
                return FRAGMENT;
            }
            final int length = ((memory.get(at + 1) & 0xFF) + 1) * 8;
            if (length > end - at)
            {
                return truncated();
            }
            if (type == Ipv6Header.NEXT_ROUTING)
            {
                if ((memory.get(at + 3) & 0xFF) != 0)
                {
                    counters.ip6InRoutingHeaders++;
                    return problem(Icmpv6Header.CODE_ERRONEOUS_HEADER, at + 2 - ipOffset);
                }
            }
            else
            {
                final int verdict = options(memory, ipOffset, at + 2, at + length, multicast);
                if (verdict != UPPER_LAYER)
                {
                    return verdict;
                }
            }
            field = at;
            type = memory.get(at) & 0xFF;
            at += length;
        }
    }

    /** Processes the options of a hop-by-hop or destination options header, in {@code [from, to)}. */
    private int options(final ByteBuffer memory, final int ipOffset, final int from, final int to,
        final boolean multicast)
    {
        int at = from;
        while (at < to)
        {
            final int type = memory.get(at) & 0xFF;
            if (type == OPTION_PAD1)
            {
                at++;
                continue;
            }
            if (to - at < 2)
            {
                return truncated();
            }
            final int length = 2 + (memory.get(at + 1) & 0xFF);
            if (length > to - at)
            {
                return truncated();
            }
            if (type != OPTION_PADN && type != OPTION_ROUTER_ALERT)
            {
                switch (type >>> 6)
                {
                    case 0 ->
                    {
                    }
                    case 1 ->
                    {
                        counters.ip6InUnknownOptions++;
                        return DROP;
                    }
                    case 2 ->
                    {
                        counters.ip6InUnknownOptions++;
                        return problem(Icmpv6Header.CODE_UNRECOGNIZED_OPTION, at - ipOffset);
                    }
                    default ->
                    {
                        counters.ip6InUnknownOptions++;
                        return multicast ? DROP : problem(Icmpv6Header.CODE_UNRECOGNIZED_OPTION, at - ipOffset);
                    }
                }
            }
            at += length;
        }
        return UPPER_LAYER;
    }

    private int truncated()
    {
        counters.ip6InTruncated++;
        truncated = true;
        return DROP;
    }

    /** Whether the last walk dropped the packet because a header or option ran past its end. */
    boolean wasTruncated()
    {
        return truncated;
    }

    private int problem(final int code, final int pointer)
    {
        problemCode = code;
        problemPointer = pointer;
        return PARAMETER_PROBLEM;
    }

    /** Where the upper-layer header, or the fragment header, starts. */
    int offset()
    {
        return offset;
    }

    /** The value that named the header at {@link #offset()}. */
    int nextHeader()
    {
        return nextHeader;
    }

    /** Where the field holding {@link #nextHeader()} is (in the fixed header or the previous extension header). */
    int nextHeaderField()
    {
        return nextHeaderField;
    }

    int problemCode()
    {
        return problemCode;
    }

    /** The offending octet's offset from the start of the IPv6 header (RFC 4443 section 3.4). */
    int problemPointer()
    {
        return problemPointer;
    }
}
