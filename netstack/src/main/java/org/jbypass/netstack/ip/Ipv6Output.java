package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.wire.EthernetHeader;

/**
 * What a transport protocol needs from IPv6 to send, as {@link Ipv4Output} is for IPv4. Addresses travel as the
 * {@code hi}/{@code lo} pairs of {@link org.jbypass.netstack.wire.Ipv6Address}, so nothing allocates.
 *
 * <p>A transport writes its header and payload at {@link #L4_OFFSET} of a pool buffer and calls {@link #send}; IPv6
 * writes the fixed header (RFC 8200 section 3) and the Ethernet header in front, resolves the next hop by neighbour
 * discovery (RFC 4861 section 7.2), inserts a fragment header when the packet exceeds the path MTU (RFC 8200
 * section 4.5: only the source fragments), and queues the frame.
 */
public interface Ipv6Output
{
    /** The fixed IPv6 header's length (RFC 8200 section 3). */
    int HEADER_LENGTH = 40;

    /** Where the transport header starts in a buffer: after the Ethernet header and the fixed IPv6 header. */
    int L4_OFFSET = EthernetHeader.LENGTH + HEADER_LENGTH;

    /** The pool to allocate transmit buffers from. */
    PacketPool pool();

    /**
     * Chooses the source address towards a destination (RFC 6724 section 5, in the subset the stack needs: the
     * interface's address of the same scope), and reports whether there is a route.
     *
     * @return false when there is no route to the destination; otherwise the choice is in {@link #sourceHi()} and
     *         {@link #sourceLo()} until the next call on this thread
     */
    boolean selectSource(long destinationHi, long destinationLo);

    /** The high half of the address the last {@link #selectSource} chose. */
    long sourceHi();

    /** The low half of the address the last {@link #selectSource} chose. */
    long sourceLo();

    /** The path MTU towards a destination (1280 at least, RFC 8200 section 5), or 0 when there is no route. */
    int pathMtu(long destinationHi, long destinationLo);

    /**
     * The longest IPv6 packet (fixed header included) towards a destination that may leave as one TCP super-segment
     * for the link to segment (see {@link #sendChain}), or 0 when the route's link cannot segment, the destination
     * is local or multicast, or its next hop is not resolved yet (then segments go one by one, through neighbour
     * discovery's queue), as {@link Ipv4Output#segmentationLimit}.
     */
    default int segmentationLimit(final long destinationHi, final long destinationLo)
    {
        return 0;
    }

    /**
     * Sends a TCP super-segment built as a chain of pool buffers, as {@link Ipv4Output#sendChain} does over IPv4:
     * the TCP header at {@link #L4_OFFSET} of the first, its checksum field holding the IPv6 pseudo-header sum
     * (RFC 8200 section 8.1) over the whole length, not complemented (Linux's __tcp_v6_send_check() for
     * CHECKSUM_PARTIAL); IPv6 writes the fixed header (the payload length over the chain, no extension header) and
     * the Ethernet header, and queues the chain with {@link org.jbypass.netstack.link.PacketBurst#GSO_TCPV6} and
     * {@code segmentSize}. Never fragmented: only the link cuts it, into segments that each fit the path MTU. Takes
     * every buffer of the chain, whatever the outcome, and empties it.
     *
     * @return 0, or -errno: EMSGSIZE when the packet exceeds {@link #segmentationLimit} (which may have shrunk) or
     *         the next hop is no longer resolved, ENETUNREACH without a route, ENOBUFS when the transmit queue is full,
     *         ENOMEM when the pool had no buffers for the chain's slices (nothing went out)
     */
    default int sendChain(final BufferChain chain, final int l4Length, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo, final int trafficClass, final int hopLimit,
        final int segmentSize)
    {
        chain.free(pool());
        return -org.jbypass.netstack.util.Errno.EMSGSIZE;
    }

    /**
     * Tells neighbour discovery that the path to a destination works, as an upper layer's forward progress shows
     * (RFC 4861 section 7.3.1: new data acknowledged, or new data received in order, is a reachability
     * confirmation; Linux's dst_confirm_neigh): the next hop becomes REACHABLE again without a probe. Cheap:
     * one route lookup and one cache lookup; does nothing for a local destination or a next hop not in the cache.
     */
    default void confirmReachable(final long destinationHi, final long destinationLo)
    {
    }

    /** Whether the address is one of the stack's own IPv6 addresses (a tentative address is not, RFC 4862 5.4). */
    boolean isLocalAddress(long hi, long lo);

    /** The hop limit of packets the stack originates, for sockets that set none (RFC 4861's CurHopLimit, 64). */
    int defaultHopLimit();

    /**
     * Sends a transport packet. Takes the buffer whatever the outcome.
     *
     * @param buffer     a pool buffer holding the transport header and payload at {@link #L4_OFFSET}
     * @param l4Length   the transport header and payload's length
     * @param nextHeader the transport's protocol number (6 TCP, 17 UDP, 58 ICMPv6)
     * @return 0, or -errno: ENETUNREACH without a route, ENOBUFS when out of buffers or when the neighbour's queue
     *         is full, EINVAL for a multicast or unspecified source
     */
    int send(int buffer, int l4Length, long sourceHi, long sourceLo, long destinationHi, long destinationLo,
        int nextHeader, int trafficClass, int hopLimit);

    /**
     * {@link #send}s a TCP or UDP packet whose checksum field holds only the folded IPv6 pseudo-header sum (RFC 8200
     * section 8.1), not complemented, as {@link Ipv4Output#sendPartial} does over IPv4: IPv6 completes the checksum
     * where it costs least. A packet that leaves in one frame to one neighbour on a link with
     * {@link org.jbypass.netstack.link.LinkCapabilities#TX_L4_CHECKSUM} goes with
     * {@link org.jbypass.netstack.link.PacketBurst#TX_L4_CHECKSUM} for the link to complete (the partial sum stays
     * while it waits for neighbour discovery); one to the stack's own address goes as it is (looped-back packets
     * are taken as verified); any other (no capability, a group, a packet to fragment) is completed in software
     * first (Linux's skb_checksum_help()). Takes the buffer whatever the outcome.
     *
     * @param checksumAt the checksum field's offset in the transport header: 6 for UDP, 16 for TCP
     */
    default int sendPartial(final int buffer, final int l4Length, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo, final int nextHeader, final int trafficClass,
        final int hopLimit, final int checksumAt)
    {
        Ipv4Output.completeChecksum(pool().memory(), pool().offset(buffer) + L4_OFFSET, l4Length, nextHeader,
            checksumAt);
        return send(buffer, l4Length, sourceHi, sourceLo, destinationHi, destinationLo, nextHeader, trafficClass,
            hopLimit);
    }

    /**
     * Sends a transport packet held in any memory (longer than a pool buffer, or a received one being answered),
     * copying it into pool buffers and fragmenting it above the path MTU (RFC 8200 section 4.5).
     *
     * @return as {@link #send}, and EMSGSIZE above 65,535 bytes of payload
     */
    int sendFromMemory(ByteBuffer memory, int l4Offset, int l4Length, long sourceHi, long sourceLo,
        long destinationHi, long destinationLo, int nextHeader, int trafficClass, int hopLimit);
}
