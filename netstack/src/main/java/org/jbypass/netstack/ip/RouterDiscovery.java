package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.NdpOptions;

/**
 * What one interface learns from router advertisements, as a host (RFC 4861 section 6.3.4): the default router
 * list, each router with its lifetime; the on-link prefixes of Prefix Information options with the L flag, each
 * with its valid lifetime; and the link MTU of an MTU option. The stack sends no router solicitation (it hears the
 * routers' periodic advertisements), generates no address (no SLAAC, RFC 4862 section 5.5), and takes neither the
 * advertised hop limit nor the reachable and retransmit times: its configuration's stay.
 *
 * <p>Both lists are bounded ({@link #MAX_ROUTERS}, {@link #MAX_PREFIXES}): a router or prefix more is refused and
 * counted, as section 6.3.4 lets a host cap them. Lifetimes are kept as deadlines and tested where the lists are
 * read, so nothing here needs a timer. An advertisement is taken only when section 6.1.2 holds: hop limit 255 (no
 * router off the link can forge one), a link-local source (routers are named by their link-local addresses), code
 * 0, 16 bytes at least, well-formed options; anything else is dropped and counted in
 * {@link IpCounters#ndpInBadRouterAdverts}. With {@link #accept} off (Linux's accept_ra = 0) advertisements are
 * ignored.
 *
 * <p>IPv6 consults the lists only for what its routes do not cover ({@link Ipv6Layer}): a configured route more
 * specific than ::/0 wins, then a learnt on-link prefix, then a configured default route, then a learnt default
 * router. Allocation-free: preallocated arrays scanned linearly.
 */
final class RouterDiscovery
{
    /** The most default routers one interface remembers. */
    static final int MAX_ROUTERS = 8;
    /** The most on-link prefixes one interface remembers. */
    static final int MAX_PREFIXES = 16;
    /**
     * The fixed part of a router advertisement after its first 8 bytes (type, code, checksum, hop limit, flags,
     * router lifetime): reachable time and retrans timer; 16 bytes in all before the options (section 4.2).
     */
    private static final int FIXED_LENGTH = 8;
    /** A Prefix Information option is 32 bytes (length 4, RFC 4861 section 4.6.2). */
    private static final int PREFIX_OPTION_LENGTH = 32;
    private static final int PREFIX_FLAG_ON_LINK = 0x80;
    private static final long INFINITE = 0xFFFF_FFFFL;

    private final Ipv6Interface v6;
    private final IpCounters counters;
    private final NdpOptions options = new NdpOptions();
    /** The default router list: each router's link-local address (length 128) and the end of its lifetime. */
    private final Lifetimes routers = new Lifetimes(MAX_ROUTERS);
    /** The on-link prefixes, each with the end of its valid lifetime. */
    private final Lifetimes prefixes = new Lifetimes(MAX_PREFIXES);
    /** The link MTU an advertisement gave (section 6.3.4: within 1280 and the link's), 0 for none. */
    private int mtu;
    /** Whether advertisements are taken (Linux's accept_ra). */
    boolean accept = true;

    RouterDiscovery(final Ipv6Interface v6, final IpCounters counters)
    {
        this.v6 = v6;
        this.counters = counters;
    }

    /**
     * A router advertisement, its ICMPv6 checksum already verified.
     *
     * @param offset where its ICMPv6 header starts; {@code length} runs to the end of the IPv6 payload
     */
    void advertisement(final ByteBuffer packet, final int offset, final int length, final int code,
        final long sourceHi, final long sourceLo, final int hopLimit, final long now)
    {
        if (hopLimit != Ndp.NDP_HOP_LIMIT || !Ipv6Address.isLinkLocal(sourceHi) || code != 0
            || length < Icmpv6Header.LENGTH + FIXED_LENGTH
            || !options.parse(packet, offset + Icmpv6Header.LENGTH + FIXED_LENGTH,
                length - Icmpv6Header.LENGTH - FIXED_LENGTH))
        {
            counters.ndpInBadRouterAdverts++;
            return;
        }
        if (!accept)
        {
            counters.ndpInRouterMessagesIgnored++;
            return;
        }
        counters.ndpInRouterAdverts++;
        // Section 6.3.4: the source link-layer address option updates the router's neighbour entry.
        if (options.sourceLinkLayer() != NdpOptions.NONE)
        {
            v6.ndp.learn(sourceHi, sourceLo, options.sourceLinkLayer(), now);
        }
        final int lifetimeSeconds = packet.getShort(offset + 6) & 0xFFFF;
        router(sourceHi, sourceLo, lifetimeSeconds, now);
        final int end = offset + length;
        for (int at = offset + Icmpv6Header.LENGTH + FIXED_LENGTH; at + 2 <= end; )
        {
            final int type = packet.get(at) & 0xFF;
            final int optionLength = (packet.get(at + 1) & 0xFF) * 8;
            if (type == NdpOptions.PREFIX_INFORMATION && optionLength == PREFIX_OPTION_LENGTH)
            {
                prefix(packet, at, now);
            }
            else if (type == NdpOptions.MTU && optionLength == 8)
            {
                linkMtu(packet.getInt(at + 4) & 0xFFFF_FFFFL);
            }
            at += optionLength;
        }
    }

    /** Section 6.3.4: a lifetime of 0 removes the router; otherwise it is added or its lifetime renewed. */
    private void router(final long hi, final long lo, final int lifetimeSeconds, final long now)
    {
        if (!routers.update(hi, lo, 128, lifetimeSeconds == 0 ? 0 : now + lifetimeSeconds * 1_000_000_000L, now))
        {
            counters.ndpRouterListFull++;
        }
    }

    /**
     * Section 6.3.4, Prefix Information: with the on-link flag, a prefix that is not the link-local one is added
     * (or its lifetime renewed, or removed with a valid lifetime of 0). The autonomous flag is not acted on.
     */
    private void prefix(final ByteBuffer packet, final int at, final long now)
    {
        final int length = packet.get(at + 2) & 0xFF;
        final int flags = packet.get(at + 3) & 0xFF;
        final long valid = packet.getInt(at + 4) & 0xFFFF_FFFFL;
        final long hi = Ipv6Address.readHi(packet, at + 16);
        final long lo = Ipv6Address.readLo(packet, at + 16);
        if ((flags & PREFIX_FLAG_ON_LINK) == 0 || length > 128 || Ipv6Address.isLinkLocal(hi)
            || Ipv6Address.isMulticast(hi))
        {
            return;
        }
        final long networkHi = length == 0 ? 0 : length >= 64 ? hi : hi & (-1L << (64 - length));
        final long networkLo = length <= 64 ? 0 : length == 128 ? lo : lo & (-1L << (128 - length));
        final long expiry = valid == 0 ? 0 : valid == INFINITE ? Long.MAX_VALUE : now + valid * 1_000_000_000L;
        if (!prefixes.update(networkHi, networkLo, length, expiry, now))
        {
            counters.ndpRouterListFull++;
        }
    }

    /** Section 6.3.4, MTU option: taken within 1280 (RFC 8200 section 5) and the link's own MTU. */
    private void linkMtu(final long value)
    {
        if (value >= Ipv6Header.MIN_MTU && value <= v6.nif.mtu())
        {
            mtu = (int)value;
        }
        else
        {
            counters.ndpRouterMtuIgnored++;
        }
    }

    /** The interface's IPv6 MTU: the link's, or lower as an advertisement said. */
    int mtu()
    {
        return mtu == 0 ? v6.nif.mtu() : mtu;
    }

    /** The length of the longest live on-link prefix that holds a destination, or -1. */
    int onLink(final long hi, final long lo, final long now)
    {
        int best = -1;
        for (int i = 0; i < prefixes.count; i++)
        {
            final int length = prefixes.length[i];
            if (prefixes.expiry[i] - now > 0 && length > best
                && Ipv6Address.inPrefix(hi, lo, prefixes.hi[i], prefixes.lo[i], length))
            {
                best = length;
            }
        }
        return best;
    }

    /** The first live default router, or -1; its address is {@link #routerHi(int)}, {@link #routerLo(int)}. */
    int defaultRouter(final long now)
    {
        for (int i = 0; i < routers.count; i++)
        {
            if (routers.expiry[i] - now > 0)
            {
                return i;
            }
        }
        return -1;
    }

    long routerHi(final int router)
    {
        return routers.hi[router];
    }

    long routerLo(final int router)
    {
        return routers.lo[router];
    }

    /** The live default routers, for tests and diagnostics. */
    int routerCount(final long now)
    {
        return routers.live(now);
    }

    /** The live on-link prefixes, for tests and diagnostics. */
    int prefixCount(final long now)
    {
        return prefixes.live(now);
    }

    /** A bounded list of addresses or prefixes, each with the deadline its lifetime ends at. */
    private static final class Lifetimes
    {
        final long[] hi;
        final long[] lo;
        final int[] length;
        final long[] expiry;
        int count;

        Lifetimes(final int capacity)
        {
            hi = new long[capacity];
            lo = new long[capacity];
            length = new int[capacity];
            expiry = new long[capacity];
        }

        /**
         * Renews an entry's lifetime, adds it, or with an expiry of 0 removes it; expired entries make room first.
         *
         * @return false when the entry is new and the list is full of live ones
         */
        boolean update(final long entryHi, final long entryLo, final int entryLength, final long deadline,
            final long now)
        {
            for (int i = 0; i < count; i++)
            {
                if (hi[i] == entryHi && lo[i] == entryLo && length[i] == entryLength)
                {
                    if (deadline == 0)
                    {
                        removeAt(i);
                    }
                    else
                    {
                        expiry[i] = deadline;
                    }
                    return true;
                }
            }
            if (deadline == 0)
            {
                return true;
            }
            for (int i = count - 1; i >= 0; i--)
            {
                if (expiry[i] - now <= 0)
                {
                    removeAt(i);
                }
            }
            if (count == hi.length)
            {
                return false;
            }
            hi[count] = entryHi;
            lo[count] = entryLo;
            length[count] = entryLength;
            expiry[count] = deadline;
            count++;
            return true;
        }

        int live(final long now)
        {
            int n = 0;
            for (int i = 0; i < count; i++)
            {
                n += expiry[i] - now > 0 ? 1 : 0;
            }
            return n;
        }

        /** Removes entry {@code i} by moving the last into its place. */
        private void removeAt(final int i)
        {
            count--;
            hi[i] = hi[count];
            lo[i] = lo[count];
            length[i] = length[count];
            expiry[i] = expiry[count];
        }
    }
}
