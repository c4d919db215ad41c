package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

/**
 * What a transport that speaks multicast (UDP) needs of IPv6 besides {@link Ipv6Output}, as {@link
 * Ipv4MulticastOutput} is for IPv4: the memberships (RFC 3810 section 2's IPv6MulticastListen) and sending to a
 * group out of a chosen interface. Addresses are {@link org.jbypass.netstack.wire.Ipv6Address}'s {@code hi}/{@code
 * lo} pairs; interfaces are the stack's indexes, the same as IPv4's.
 */
public interface Ipv6MulticastOutput extends Ipv6Output
{
    /**
     * The interface datagrams to a group leave by when their socket names none (IPV6_MULTICAST_IF unset): the one
     * an IPv6 route to the group leads to, else the first interface with IPv6; -1 when the stack has none.
     */
    int defaultMulticastInterface6(long groupHi, long groupLo);

    /**
     * Chooses the source of a datagram to a group out of an interface (RFC 6724 section 5 among that interface's
     * preferred addresses: a link-local one for a link-scope group).
     *
     * @return false when the interface has no preferred IPv6 address; otherwise the choice is in {@link #sourceHi()}
     *         and {@link #sourceLo()} until the next call on this thread
     */
    boolean selectMulticastSource(int interfaceIndex, long groupHi, long groupLo);

    /**
     * Sets a socket's reception filter for an IPv6 group on an interface (RFC 3810 section 2): the stack merges it
     * with the other sockets' and the interface's own into the interface's, filters frames by the group's MAC
     * (RFC 2464 section 7) and reports the change with MLD. INCLUDE with no sources ends the membership; EXCLUDE
     * with none is an any-source join. On error the membership is unchanged.
     *
     * @param sources the filter's sources as {@code hi, lo} pairs, in any order
     * @return 0, or -errno: ENODEV (no such interface, or no IPv6 on it), ENOBUFS (a table or a source list
     *         full), EINVAL (an IPv4 membership), or the link's error
     */
    int multicastListen6(MulticastMembership membership, boolean exclude, long[] sources);

    /**
     * Sends a transport packet to a multicast group out of one interface, fragmenting it above the link's MTU
     * (RFC 8200 section 4.5); with {@code loop}, and if the interface listens to the group, a copy of each packet is
     * delivered to the stack's own members too (IPV6_MULTICAST_LOOP). A hop limit of 0 sends nothing out (only the
     * looped copy is delivered), as Linux's.
     *
     * @return 0, or -errno: ENETUNREACH (no such interface, or no IPv6 on it), EMSGSIZE, ENOBUFS, EINVAL (a
     *         multicast or unspecified source)
     */
    int sendMulticast6(ByteBuffer memory, int l4Offset, int l4Length, long sourceHi, long sourceLo, long groupHi,
        long groupLo, int nextHeader, int trafficClass, int hopLimit, int interfaceIndex, boolean loop);
}
