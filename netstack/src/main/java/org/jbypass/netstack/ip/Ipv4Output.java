package org.jbypass.netstack.ip;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Header;

/**
 * What a transport protocol needs from IPv4 to send: buffers, routes, and the send itself.
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

    /** Whether {@code address} is one of the stack's own addresses. */
    boolean isLocalAddress(int address);

    /**
     * Sends a transport datagram. Takes the buffer whatever the outcome.
     *
     * @param buffer       a pool buffer holding the transport header and payload at {@link #L4_OFFSET}
     * @param l4Length     the transport header and payload's length
     * @param dontFragment sets DF (TCP does, for path MTU discovery per RFC 1191)
     * @return 0, or -errno: ENETUNREACH without a route, EMSGSIZE when too big with DF, ENOBUFS when out of buffers
     *         or when the next hop's ARP queue is full
     */
    int send(int buffer, int l4Length, int source, int destination, int protocol, int tos, int ttl,
        boolean dontFragment);
}
