package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.link.FrameChain;

/**
 * A transport protocol as IPv6 sees it, as {@link Ipv4Protocol} is for IPv4: where it delivers packets, and the
 * ICMPv6 errors about the packets it sent. A transport that serves both families implements both interfaces.
 */
public interface Ipv6Protocol
{
    /** {@link #receive6}'s answer when IPv6 has nothing more to do with the packet. */
    int CONSUMED = Ipv4Protocol.CONSUMED;

    /**
     * A packet addressed to one of the stack's IPv6 addresses, after IPv6 walked its extension headers and
     * reassembled it. The bytes belong to IPv6 and are only valid during the call.
     *
     * @param offset  where the transport header starts in {@code memory}
     * @param length  the transport header and payload's length
     * @param rxFlags the link's {@code PacketBurst.RX_*} flags for the frame (0 for reassembled packets)
     * @return {@link #CONSUMED}, or the code of the ICMPv6 destination unreachable (RFC 4443 section 3.1) to answer
     *         with: 4, port unreachable, when no socket wants it
     */
    int receive6(ByteBuffer memory, int offset, int length, long sourceHi, long sourceLo, long destinationHi,
        long destinationLo, int trafficClass, int hopLimit, int rxFlags);

    /**
     * {@link #receiveChain6}'s answer when the protocol wants the packet's bytes in one piece: IPv6 then gathers the
     * chain (counted in {@code IpCounters.superFramesGathered}) and calls {@link #receive6}.
     */
    int CONTIGUOUS = Ipv4Protocol.CONTIGUOUS;

    /**
     * A unicast packet with the transport header right after the fixed IPv6 header (no extension header: what a
     * GSO_TCPV6 super-frame is) that arrived as a chain of buffers, offered in place as
     * {@link Ipv4Protocol#receiveChain} offers an IPv4 datagram: the IPv6 header lies in the chain's first buffer, and
     * so does whatever of the transport header that buffer holds from {@code offset} on; the rest is read through
     * {@code chain}. Everything is valid only during the call. The default asks for contiguous bytes.
     *
     * @param frameOffset where the transport header starts in the frame, as {@code chain} counts offsets
     * @param memory      the memory of the chain's first buffer
     * @param offset      where the transport header starts in {@code memory}
     * @param length      the transport header and payload's length, per the IPv6 header
     * @return as {@link #receive6}, or {@link #CONTIGUOUS}
     */
    default int receiveChain6(final FrameChain chain, final int frameOffset, final ByteBuffer memory,
        final int offset, final int length, final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo, final int trafficClass, final int hopLimit, final int rxFlags)
    {
        return CONTIGUOUS;
    }

    /**
     * A packet to a multicast group the interface listens to, whose merged source filter lets the source in (RFC
     * 3810 section 4.2); never answered with an ICMPv6 error (RFC 4443 section 2.4 (e)). A link-local source carries
     * the arrival interface's scope, as {@link #receive6}'s; source filters hold the wire form. The default hands
     * it to {@link #receive6} and drops its verdict, for transports without multicast.
     *
     * @param interfaceIndex the stack's index of the interface it arrived on
     */
    default void receiveMulticast6(final ByteBuffer memory, final int offset, final int length, final long sourceHi,
        final long sourceLo, final long groupHi, final long groupLo, final int trafficClass, final int hopLimit,
        final int rxFlags, final int interfaceIndex)
    {
        receive6(memory, offset, length, sourceHi, sourceLo, groupHi, groupLo, trafficClass, hopLimit, rxFlags);
    }

    /**
     * An ICMPv6 error (destination unreachable, packet too big, time exceeded, parameter problem; RFC 4443 section
     * 3) about a packet this protocol sent.
     *
     * @param info         the 32 bits after the ICMPv6 checksum (the MTU for packet too big)
     * @param quotedOffset where the quoted transport header starts
     * @param quotedLength how many of its bytes the error carries, at least 8
     */
    void icmp6Error(int type, int code, int info, long sourceHi, long sourceLo, long destinationHi,
        long destinationLo, ByteBuffer memory, int quotedOffset, int quotedLength);
}
