package org.jbypass.netstack.link;

/** The capability bits a {@link Link} reports through {@link Link#capabilities()}. */
public final class LinkCapabilities
{
    /** The link verifies IPv4 header checksums on receive and says so with {@link PacketBurst#RX_L3_CHECKSUM_OK}. */
    public static final int RX_L3_CHECKSUM = 1;
    /** The link verifies TCP and UDP checksums on receive ({@link PacketBurst#RX_L4_CHECKSUM_OK}). */
    public static final int RX_L4_CHECKSUM = 1 << 1;
    /** The link computes IPv4 header checksums on transmit when asked ({@link PacketBurst#TX_L3_CHECKSUM}). */
    public static final int TX_L3_CHECKSUM = 1 << 2;
    /** The link computes TCP and UDP checksums on transmit when asked ({@link PacketBurst#TX_L4_CHECKSUM}). */
    public static final int TX_L4_CHECKSUM = 1 << 3;
    /** The link computes an RSS hash on receive ({@link PacketBurst#RX_HASH_VALID}). */
    public static final int RX_HASH = 1 << 4;
    /** The link tells cheaply whether a receive queue holds frames ({@link Link#receiveReady}). */
    public static final int RX_READY = 1 << 5;
    /**
     * The link takes TCP super-segments on transmit ({@link PacketBurst#GSO_TCPV4} chains with a partial checksum,
     * {@link PacketBurst#TX_L4_CHECKSUM}) of up to {@link Link#maxSuperFrameLength()} bytes and segments them, or
     * passes them whole to a peer that takes them (a veth): Linux's NETIF_F_TSO.
     */
    public static final int TX_TCP_SEGMENTATION = 1 << 6;
    /**
     * The same for IPv6 TCP super-segments ({@link PacketBurst#GSO_TCPV6} chains: the TCP header right after the
     * fixed IPv6 header): Linux's NETIF_F_TSO6, a capability of its own because a link may segment one family and
     * not the other (a NIC whose driver builds LSO work requests for IPv4 headers only).
     */
    public static final int TX_TCP6_SEGMENTATION = 1 << 8;

    /**
     * A thread other than the one that drives a receive queue may block in {@link Link#awaitReceiveShared} while
     * the driving thread does not wait, and is woken by frames on the ring or {@link Link#wakeup()} (a link with
     * one receive queue whose wait is a poll(2) on a descriptor: afpacket).
     */
    public static final int RX_AWAIT_SHARED = 1 << 7;

    /**
     * The link takes a super-frame whose payload lies in heap arrays ({@link Link#transmitGather}) and is done with
     * those bytes when the call returns: it copies them into the wire's memory in the call (afpacket: the kernel's
     * copy into the skb of a sendmsg(2) whose iovecs point at them). The stack then skips its own copy of a TCP
     * super-segment's payload from the send buffer into pool buffers. Decorators never pass it on.
     */
    public static final int TX_GATHER = 1 << 9;

    private LinkCapabilities()
    {
    }

    /** The capabilities as words, for logs. */
    public static String describe(final int capabilities)
    {
        final StringBuilder sb = new StringBuilder();
        if ((capabilities & RX_L3_CHECKSUM) != 0) sb.append("rx-l3-csum ");
        if ((capabilities & RX_L4_CHECKSUM) != 0) sb.append("rx-l4-csum ");
        if ((capabilities & TX_L3_CHECKSUM) != 0) sb.append("tx-l3-csum ");
        if ((capabilities & TX_L4_CHECKSUM) != 0) sb.append("tx-l4-csum ");
        if ((capabilities & RX_HASH) != 0) sb.append("rx-hash ");
        if ((capabilities & RX_READY) != 0) sb.append("rx-ready ");
        if ((capabilities & TX_TCP_SEGMENTATION) != 0) sb.append("tso ");
        if ((capabilities & TX_TCP6_SEGMENTATION) != 0) sb.append("tso6 ");
        if ((capabilities & RX_AWAIT_SHARED) != 0) sb.append("rx-await-shared ");
        if ((capabilities & TX_GATHER) != 0) sb.append("tx-gather ");
        return sb.length() == 0 ? "none" : sb.toString().trim();
    }
}
