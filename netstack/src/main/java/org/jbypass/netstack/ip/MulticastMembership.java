package org.jbypass.netstack.ip;

import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv6Address;

/**
 * One socket's reception state for one group on one interface (RFC 3376 section 2 and RFC 3810 section 2, "socket
 * state"): a filter mode and a source list. EXCLUDE with no sources is an any-source join; INCLUDE with sources a
 * source-specific one; INCLUDE with none is no membership at all. A transport creates one per group and interface
 * its socket joins and changes it only through {@link Ipv4MulticastOutput#multicastListen} (an IPv4 group) or
 * {@link Ipv6MulticastOutput#multicastListen6} (an IPv6 one), which merge it into the interface's state.
 *
 * <p>Both families are held alike, as IPv6 addresses (the {@code hi}/{@code lo} pairs of {@link Ipv6Address}): an
 * IPv4 group and its sources as IPv4-mapped addresses, so that IGMP and MLD share their state machines.
 */
public final class MulticastMembership
{
    private final int interfaceIndex;
    private final long groupHi;
    private final long groupLo;
    private final boolean ipv6;
    boolean exclude;
    /** The filter's sources: a {@link SourceList}. */
    long[] sources = SourceList.EMPTY;
    /** Whether the membership is in its group's list (its filter is not INCLUDE {}). */
    boolean listed;

    /** A membership of an IPv4 group. */
    public MulticastMembership(final int interfaceIndex, final int group)
    {
        if (!Ipv4Address.isMulticast(group))
        {
            throw new IllegalArgumentException(Ipv4Address.toString(group) + " is not a multicast group");
        }
        this.interfaceIndex = interfaceIndex;
        this.groupHi = Ipv6Address.V4_MAPPED_HI;
        this.groupLo = Ipv6Address.v4MappedLo(group);
        this.ipv6 = false;
    }

    /** A membership of an IPv6 group ({@code ff00::/8}). */
    public MulticastMembership(final int interfaceIndex, final long groupHi, final long groupLo)
    {
        if (!Ipv6Address.isMulticast(groupHi))
        {
            throw new IllegalArgumentException(Ipv6Address.toString(groupHi, groupLo) + " is not a multicast group");
        }
        this.interfaceIndex = interfaceIndex;
        this.groupHi = groupHi;
        this.groupLo = groupLo;
        this.ipv6 = true;
    }

    public int interfaceIndex()
    {
        return interfaceIndex;
    }

    /** Whether the group is an IPv6 one. */
    public boolean isIpv6()
    {
        return ipv6;
    }

    /** An IPv4 group's address. */
    public int group()
    {
        return Ipv6Address.v4FromMapped(groupLo);
    }

    /** The group's high half (0 for an IPv4 group, held IPv4-mapped). */
    public long groupHi()
    {
        return groupHi;
    }

    public long groupLo()
    {
        return groupLo;
    }

    /** Whether this is the membership of a group (as IPv6, an IPv4 group mapped) on an interface. */
    public boolean is(final long hi, final long lo, final int index)
    {
        return groupLo == lo && groupHi == hi && interfaceIndex == index;
    }

    /** Whether the filter is EXCLUDE (else INCLUDE). */
    public boolean isExclude()
    {
        return exclude;
    }

    /** An IPv4 group's filter sources (a copy). */
    public int[] sources()
    {
        return SourceList.toIpv4(sources);
    }

    /** The filter's sources as {@code hi, lo} pairs, sorted (a copy). */
    public long[] sources6()
    {
        return sources.clone();
    }

    /** Whether the filter is anything but INCLUDE {}: the socket receives something of the group. */
    public boolean isMember()
    {
        return exclude || sources.length > 0;
    }

    /** Whether an IPv4 datagram from {@code source} passes the filter; allocates nothing. */
    public boolean accepts(final int source)
    {
        return SourceList.contains4(sources, source) != exclude;
    }

    /** Whether an IPv6 datagram from {@code hi:lo} passes the filter; allocates nothing. */
    public boolean accepts(final long hi, final long lo)
    {
        return SourceList.contains(sources, hi, lo) != exclude;
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder(ipv6 ? Ipv6Address.toString(groupHi, groupLo)
            : Ipv4Address.toString(group()));
        sb.append(" on interface ").append(interfaceIndex).append(exclude ? " EXCLUDE [" : " INCLUDE [");
        for (int i = 0; i < sources.length; i += 2)
        {
            sb.append(i == 0 ? "" : ", ").append(ipv6 ? Ipv6Address.toString(sources[i], sources[i + 1])
                : Ipv4Address.toString(Ipv6Address.v4FromMapped(sources[i + 1])));
        }
        return sb.append(']').toString();
    }
}
