package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

/** A transport protocol as IPv4 sees it: where it delivers datagrams and the ICMP errors about them. */
public interface Ipv4Protocol
{
    /**
     * A datagram addressed to one of the stack's addresses (or broadcast). The bytes belong to IPv4 and are only
     * valid during the call: the protocol copies what it keeps.
     *
     * @param memory      the buffer holding the datagram (a pool buffer, or reassembly memory)
     * @param offset      where the transport header starts in {@code memory}
     * @param length      the transport header and payload's length, per the IP header
     * @param rxFlags     the link's {@code PacketBurst.RX_*} flags for the frame (0 for reassembled datagrams)
     */
    void receive(ByteBuffer memory, int offset, int length, int source, int destination, int tos, int ttl,
        int rxFlags);

    /**
     * A burst of received frames begins: the datagrams {@link #receive} gets until {@link #burstEnd()} arrived
     * together, and what the protocol would send in answer to each may wait for the end of the burst.
     */
    default void burstStart()
    {
    }

    /** The burst ends: the protocol sends what it held back during it. */
    default void burstEnd()
    {
    }

    /**
     * An ICMP error (destination unreachable, time exceeded, parameter problem) about a datagram this protocol sent.
     *
     * @param info         the 32 bits after the ICMP checksum (the next-hop MTU for "fragmentation needed")
     * @param source       the quoted datagram's source: one of our addresses
     * @param destination  the quoted datagram's destination
     * @param quotedOffset where the quoted transport header starts
     * @param quotedLength how many of its bytes the error carries, at least 8
     */
    void icmpError(int type, int code, int info, int source, int destination, ByteBuffer memory, int quotedOffset,
        int quotedLength);
}
