package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;

/**
 * What a transport protocol needs from IPv4 to send: buffers, routes, the class of an address, and the send itself.
 *
 * <p>A transport allocates a buffer from {@link #pool()}, writes its header and payload at {@link #L4_OFFSET} and
 * calls {@link #send}; IPv4 writes its own header and the Ethernet header in front, resolves the next hop (ARP),
 * fragments when the datagram exceeds the MTU and DF is clear, and queues the frame for transmission.
 */
public interface Ipv4Output
{
    /** Where the transport header starts in a buffer: after the Ethernet header and a 20-byte IPv4 header. */
    int L4_OFFSET = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;

    /** The pool to allocate transmit buffers from. */
    PacketPool pool();

    /** The source address to use towards {@code destination}, or 0 when there is no route to it. */
    int sourceAddress(int destination);

    /** The MTU towards {@code destination} (the largest IP datagram, 576 at least), or 0 when there is no route. */
    int pathMtu(int destination);

    /**
     * The longest IP datagram towards {@code destination} that may leave as one TCP super-segment for the link to
     * segment (see {@link #sendChain}), or 0 when the route's link cannot segment, the destination is local, or its
     * next hop is not resolved yet (then segments go one by one, through ARP's queue).
     */
    default int segmentationLimit(final int destination)
    {
        return 0;
    }

    /**
     * Sends a TCP super-segment built as a chain of pool buffers: the TCP header at {@link #L4_OFFSET} of the first,
     * with its checksum field holding the pseudo-header sum over the whole length (as Linux's CHECKSUM_PARTIAL and a
     * virtio_net_hdr's NEEDS_CSUM); IPv4 writes its header (total length over the chain, DF set, never fragmented)
     * and the Ethernet header, and queues the chain with {@link org.jbypass.netstack.link.PacketBurst#GSO_TCPV4}
     * and {@code segmentSize} for the link to cut into segments of that many payload bytes. Takes every buffer of
     * the chain, whatever the outcome, and empties it.
     *
     * @return 0, or -errno: EMSGSIZE when the datagram exceeds {@link #segmentationLimit} (which may have shrunk),
     *         ENETUNREACH without a route, ENOBUFS when the transmit queue is full,
     *         ENOMEM when the pool had no buffers for the chain's slices (nothing went out)
     */
    default int sendChain(final BufferChain chain, final int l4Length, final int source, final int destination,
        final int tos, final int ttl, final int segmentSize)
    {
        chain.free(pool());
        return -org.jbypass.netstack.util.Errno.EMSGSIZE;
    }

    /** Whether {@code address} is one of the stack's own addresses. */
    boolean isLocalAddress(int address);

    /**
     * Whether {@code address} is a broadcast address: the limited broadcast 255.255.255.255, or the directed
     * broadcast of one of the stack's subnets (RFC 919, RFC 1122 section 3.2.1.3). Only IPv4 knows the subnets, so
     * this is the one test every layer asks.
     */
    boolean isBroadcast(int address);

    /**
     * Whether {@code address} is a broadcast address or a multicast group (224.0.0.0/4): an address that names no
     * single host, which may never be a datagram's source (RFC 1122 section 3.2.1.3) and to which no TCP
     * connection can be made (section 4.2.3.10).
     */
    default boolean isBroadcastOrMulticast(final int address)
    {
        return Ipv4Address.isMulticast(address) || isBroadcast(address);
    }

    /** The TTL of datagrams the stack originates, for transports whose socket sets none. */
    int defaultTtl();

    /**
     * Sends a transport datagram. Takes the buffer whatever the outcome.
     *
     * @param buffer       a pool buffer holding the transport header and payload at {@link #L4_OFFSET}
     * @param l4Length     the transport header and payload's length
     * @param dontFragment sets DF (TCP does, for path MTU discovery per RFC 1191)
     * @return 0, or -errno: ENETUNREACH without a route, EMSGSIZE when too big with DF, ENOBUFS when out of buffers
     *         or when the next hop's ARP queue is full, EINVAL for a broadcast or multicast source (as Linux's
     *         route lookup)
     */
    int send(int buffer, int l4Length, int source, int destination, int protocol, int tos, int ttl,
        boolean dontFragment);

    /**
     * {@link #send}s a TCP or UDP datagram whose checksum field holds only the folded pseudo-header sum, not
     * complemented (Linux's CHECKSUM_PARTIAL, a virtio_net_hdr's NEEDS_CSUM): IPv4 completes the checksum where it
     * costs least. A datagram that leaves in one frame on a link that computes checksums on transmit
     * ({@link org.jbypass.netstack.link.LinkCapabilities#TX_L4_CHECKSUM}) goes with
     * {@link org.jbypass.netstack.link.PacketBurst#TX_L4_CHECKSUM} for the link to complete (a ConnectX does it in
     * hardware); one to the stack's own address goes as it is (looped-back datagrams are taken as verified, as
     * Linux's loopback does); any other is completed in software here, before it is fragmented or sent. Takes the
     * buffer whatever the outcome.
     *
     * @param checksumAt the checksum field's offset in the transport header: 6 for UDP (RFC 768), 16 for TCP
     *                   (RFC 9293 section 3.1)
     */
    default int sendPartial(final int buffer, final int l4Length, final int source, final int destination,
        final int protocol, final int tos, final int ttl, final boolean dontFragment, final int checksumAt)
    {
        completeChecksum(pool().memory(), pool().offset(buffer) + L4_OFFSET, l4Length, protocol, checksumAt);
        return send(buffer, l4Length, source, destination, protocol, tos, ttl, dontFragment);
    }

    /**
     * Completes a partial checksum ({@link #sendPartial}) in software: the sum over the transport header and
     * payload, the partial field included, is the pseudo-header's and the datagram's together (Linux's
     * skb_checksum_help()). A UDP checksum that comes out zero is sent as all ones (RFC 768).
     */
    static void completeChecksum(final ByteBuffer memory, final int l4, final int l4Length, final int protocol,
        final int checksumAt)
    {
        final int value = org.jbypass.netstack.wire.Checksum.fold(
            org.jbypass.netstack.wire.Checksum.sum(memory, l4, l4Length, 0));
        memory.putShort(l4 + checksumAt, (short)(value == 0 && protocol == Ipv4Header.PROTOCOL_UDP ? 0xFFFF
            : value));
    }

    /**
     * Sends a transport datagram held in any memory (a datagram larger than a pool buffer, or a received one being
     * answered): copies it into pool buffers, fragmenting it when it exceeds the MTU (RFC 791 section 3.2). DF is
     * clear.
     *
     * @return as {@link #send}, and EMSGSIZE for a datagram longer than IPv4 allows
     */
    int sendFromMemory(ByteBuffer memory, int l4Offset, int l4Length, int source, int destination, int protocol,
        int tos, int ttl);
}
