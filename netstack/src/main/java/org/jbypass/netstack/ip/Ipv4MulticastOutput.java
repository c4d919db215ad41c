package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

/**
 * What a transport that speaks multicast (UDP) needs of IPv4 besides {@link Ipv4Output}: the interfaces by index,
 * the memberships (RFC 3376 section 2's IPMulticastListen) and sending to a group out of a chosen interface. Apart
 * from {@link Ipv4Output} so that transports without multicast (TCP) and their test doubles need none of it.
 */
public interface Ipv4MulticastOutput extends Ipv4Output
{
    /** The index of the interface whose address is {@code address}, or -1 when none is. */
    int interfaceIndexOf(int address);

    /** The address of the interface at {@code index}, or 0 when there is no such interface. */
    int interfaceAddress(int index);

    /**
     * The interface datagrams to {@code group} leave by when their socket names none (IP_MULTICAST_IF unset): the
     * one a route to the group leads to, as Linux's route lookup, else the first; -1 when the stack has none.
     */
    int defaultMulticastInterface(int group);

    /**
     * Sets a socket's reception filter for a group on an interface (RFC 3376 section 2, IPMulticastListen): the
     * stack merges it with the other sockets' into the interface's, filters frames by the group's MAC and reports
     * the change with IGMP. INCLUDE with no sources ({@code exclude} false, none) ends the membership; EXCLUDE with
     * none is an any-source join. On error the membership is unchanged.
     *
     * @return 0, or -errno: ENODEV (no such interface), ENOBUFS (a table or a source list full), or the link's error
     */
    int multicastListen(MulticastMembership membership, boolean exclude, int[] sources);

    /**
     * Sends a transport datagram to a multicast group out of one interface (RFC 1112 section 6.1), fragmenting it
     * when it exceeds the MTU; with {@code loop}, and if the interface has joined the group, a copy of each frame is
     * delivered to the stack's own members too (IP_MULTICAST_LOOP). DF is clear.
     *
     * @return 0, or -errno: ENETUNREACH (no such interface), EMSGSIZE, ENOBUFS, EINVAL (a multicast or broadcast
     *         source)
     */
    int sendMulticast(ByteBuffer memory, int l4Offset, int l4Length, int source, int group, int protocol, int tos,
        int ttl, int interfaceIndex, boolean loop);
}
