package org.jbypass.netstack.ip;

import org.jbypass.netstack.wire.Ipv4Address;

/**
 * One socket's reception state for one group on one interface (RFC 3376 section 2, "socket state"): a filter mode
 * and a source list. EXCLUDE with no sources is an any-source join; INCLUDE with sources a source-specific one;
 * INCLUDE with none is no membership at all. A transport creates one per group and interface its socket joins and
 * changes it only through {@link Ipv4Output#multicastListen}, which merges it into the interface's state.
 */
public final class MulticastMembership
{
    private final int interfaceIndex;
    private final int group;
    boolean exclude;
    int[] sources = SourceList.EMPTY;
    /** Whether the membership is in its group's list (its filter is not INCLUDE {}). */
    boolean listed;

    public MulticastMembership(final int interfaceIndex, final int group)
    {
        if (!Ipv4Address.isMulticast(group))
        {
            throw new IllegalArgumentException(Ipv4Address.toString(group) + " is not a multicast group");
        }
        this.interfaceIndex = interfaceIndex;
        this.group = group;
    }

    public int interfaceIndex()
    {
        return interfaceIndex;
    }

    public int group()
    {
        return group;
    }

    /** Whether the filter is EXCLUDE (else INCLUDE). */
    public boolean isExclude()
    {
        return exclude;
    }

    /** The filter's sources (a copy). */
    public int[] sources()
    {
        return sources.clone();
    }

    /** Whether the filter is anything but INCLUDE {}: the socket receives something of the group. */
    public boolean isMember()
    {
        return exclude || sources.length > 0;
    }

    /** Whether a datagram from {@code source} passes the filter; allocates nothing. */
    public boolean accepts(final int source)
    {
        return SourceList.contains(sources, source) != exclude;
    }

    @Override
    public String toString()
    {
        return Ipv4Address.toString(group) + " on interface " + interfaceIndex + (exclude ? " EXCLUDE " : " INCLUDE ")
            + java.util.Arrays.stream(sources).mapToObj(Ipv4Address::toString).toList();
    }
}
