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
     * A thread other than the one that drives a receive queue may block in {@link Link#awaitReceiveShared} while
     * the driving thread does not wait, and is woken by frames on the ring or {@link Link#wakeup()} (a link with
     * one receive queue whose wait is a poll(2) on a descriptor: afpacket).
     */
    public static final int RX_AWAIT_SHARED = 1 << 7;

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
        if ((capabilities & RX_AWAIT_SHARED) != 0) sb.append("rx-await-shared ");
        return sb.length() == 0 ? "none" : sb.toString().trim();
    }
}
