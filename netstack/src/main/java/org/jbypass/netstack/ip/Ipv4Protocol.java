package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.link.FrameChain;

/** A transport protocol as IPv4 sees it: where it delivers datagrams and the ICMP errors about them. */
public interface Ipv4Protocol
{
    /**
     * {@link #receive}'s answer when IPv4 has nothing more to do with the datagram: the protocol took it, or dropped
     * it and counted why.
     */
    int CONSUMED = -1;

    /**
     * A datagram addressed to one of the stack's addresses (or broadcast). The bytes belong to IPv4 and are only
     * valid during the call: the protocol copies what it keeps.
     *
     * <p>The protocol does not answer the datagram with an ICMP error itself: it returns the verdict, and IPv4,
     * which holds the datagram's header, sends the error when RFC 1122 section 3.2.2 allows one.
     *
     * @param memory      the buffer holding the datagram (a pool buffer, or reassembly memory)
     * @param offset      where the transport header starts in {@code memory}
     * @param length      the transport header and payload's length, per the IP header
     * @param rxFlags     the link's {@code PacketBurst.RX_*} flags for the frame (0 for reassembled datagrams)
     * @return {@link #CONSUMED}, or the code of the ICMP destination unreachable (RFC 792) to answer the datagram
     *         with: port unreachable when no socket wants it (RFC 1122 section 4.1.3.1)
     */
    int receive(ByteBuffer memory, int offset, int length, int source, int destination, int tos, int ttl,
        int rxFlags);

    /**
     * {@link #receiveChain}'s answer when the protocol wants the datagram's bytes in one piece: IPv4 then gathers
     * the chain into contiguous memory (counted in {@code IpCounters.superFramesGathered}) and calls
     * {@link #receive}.
     */
    int CONTIGUOUS = -2;

    /**
     * A unicast datagram that arrived as a chain of buffers (a super-frame, see {@code PacketBurst}), offered in
     * place so that the protocol can copy what it keeps straight out of the chain. The IP header lies in the
     * chain's first buffer, and so does whatever of the transport header that buffer holds from {@code offset} on
     * (at most {@code chain.firstLength() - frameOffset} bytes); the rest of the datagram is read through
     * {@code chain}. Everything is valid only during the call. The default asks for contiguous bytes.
     *
     * @param chain       the frame, wrapped
     * @param frameOffset where the transport header starts in the frame, as {@code chain} counts offsets
     * @param memory      the memory of the chain's first buffer
     * @param offset      where the transport header starts in {@code memory}
     * @param length      the transport header and payload's length, per the IP header
     * @return as {@link #receive}, or {@link #CONTIGUOUS}
     */
    default int receiveChain(final FrameChain chain, final int frameOffset, final ByteBuffer memory, final int offset,
        final int length, final int source, final int destination, final int tos, final int ttl, final int rxFlags)
    {
        return CONTIGUOUS;
    }

    /**
     * A datagram addressed to a multicast group that its interface has joined, and that the interface's source
     * filter lets in (RFC 3376 section 3.2); as {@link #receive} otherwise. Multicast datagrams are never answered
     * with an ICMP error (RFC 1122 section 3.2.2), whatever the verdict.
     *
     * @param group          the datagram's destination
     * @param interfaceIndex the interface it arrived on (memberships are per interface)
     */
    default int receiveMulticast(final ByteBuffer memory, final int offset, final int length, final int source,
        final int group, final int tos, final int ttl, final int rxFlags, final int interfaceIndex)
    {
        return receive(memory, offset, length, source, group, tos, ttl, rxFlags);
    }

    /**
     * A burst of received frames begins: the datagrams {@link #receive} gets until {@link #burstEnd()} arrived
     * together, and what the protocol would send in answer to each may wait for the end of the burst. Told only to
     * a protocol whose {@link #hearsBursts()} says so.
     */
    default void burstStart()
    {
    }

    /** The burst ends: the protocol sends what it held back during it. */
    default void burstEnd()
    {
    }

    /**
     * Whether the protocol acts on {@link #burstStart()} and {@link #burstEnd()} (it overrides them): IPv4 tells
     * only those, so that a burst costs no call to the empty defaults of the others. Called once, at registration.
     */
    default boolean hearsBursts()
    {
        return false;
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
