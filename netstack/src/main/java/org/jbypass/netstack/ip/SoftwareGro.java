package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.TcpHeader;

/**
 * Software generic receive offload for links that do not merge (the memory wire, rdma without LRO): within one
 * received burst, in-order TCP segments of one flow are coalesced into a super-segment, so that TCP takes them as
 * one segment of many MSS with one ACK decision, as it takes a super-frame that a veth delivers after Linux's GRO.
 *
 * <p>One instance serves one family. The rules are Linux's (net/core/gro.c dev_gro_receive, net/ipv4/af_inet.c
 * inet_gro_receive, net/ipv6/ip6_offload.c ipv6_gro_receive, net/ipv4/tcp_offload.c tcp_gro_receive):
 * <ul>
 *   <li>only IPv4 without options (version and IHL byte 0x45), not a fragment, unicast to us; or IPv6 with TCP
 *       right after the fixed header (no extension header), unicast to us;</li>
 *   <li>a flow is the addresses and the ports; a segment joins its flow's held segment when the TTL, the TOS and
 *       the DF bit are the same (over IPv6: the hop limit, the traffic class and the flow label), the
 *       acknowledgment number is the same, the 32-bit word of data offset, flags and window is the same but for
 *       CWR, FIN and PSH, the options are byte for byte the same (timestamps included), its sequence number is
 *       where the held one ends, its payload is not longer than the first's (the MSS), and the whole stays within
 *       64 KiB (skb_gro_receive's limit) and {@link #MAX_SEGMENTS} segments;</li>
 *   <li>a segment that joins carries its PSH and FIN into the super-segment's header; one with PSH, FIN or URG,
 *       or shorter than the MSS, ends it: the super-segment goes up at once;</li>
 *   <li>a segment with no payload, or SYN, RST, URG or CWR, is never held; nor is one whose checksum fails (GRO
 *       checks it when the link did not, as tcp4_gro_receive does): each goes up alone, after what its flow held,
 *       so TCP sees its flow in order;</li>
 *   <li>at most {@link #MAX_FLOWS} flows are held at once (MAX_GRO_SKBS); a new one pushes the oldest up;</li>
 *   <li>everything held goes up at the end of the burst (napi_gro_flush at the end of a NAPI poll).</li>
 * </ul>
 *
 * <p>Nothing is copied or allocated: a held segment stays in its receive buffer, which the burst keeps until it
 * ends, and a super-segment is a {@link FrameChain} over pieces of pool memory (the first segment from its TCP
 * header on, then each later segment's payload), which TCP copies straight into the socket's ring. The per-flow
 * arrays are made once. Segments that went up alone are delivered as IP would have delivered them, with the
 * checksum GRO verified marked as verified.
 */
final class SoftwareGro
{
    /** Flows held at once, as Linux's MAX_GRO_SKBS. */
    static final int MAX_FLOWS = 8;
    /** Segments in one super-segment at most (64 KiB holds 45 of 1448 bytes; small segments stop here). */
    static final int MAX_SEGMENTS = 64;

    /** The word of data offset, flags and window (offset 12) but CWR, FIN and PSH: what must match to merge. */
    private static final int FLAG_WORD_MASK = ~((TcpHeader.FIN | TcpHeader.PSH | 0x80) << 16);
    /** Flags that keep a segment out of GRO: SYN, RST, URG, CWR (tcp_gro_receive flushes on them). */
    private static final int NEVER_HELD = TcpHeader.SYN | TcpHeader.RST | TcpHeader.URG | 0x80;
    /** Flags that end a super-segment once the segment that carries them joined. */
    private static final int ENDS = TcpHeader.PSH | TcpHeader.FIN | TcpHeader.URG;
    private static final int TCP_FLAGS = 13;

    private final IpCounters counters;
    /** Whether this instance holds IPv6 flows (else IPv4 ones). */
    private final boolean v6;
    private final FrameChain chain = new FrameChain();
    private final TcpHeader tcp = new TcpHeader();
    private ByteBuffer memory;

    // Per held flow (index 0 .. held-1, oldest first).
    private int held;
    private final int[] source = new int[MAX_FLOWS];
    private final int[] destination = new int[MAX_FLOWS];
    private final long[] sourceHi = new long[MAX_FLOWS];
    private final long[] sourceLo = new long[MAX_FLOWS];
    private final long[] destinationHi = new long[MAX_FLOWS];
    private final long[] destinationLo = new long[MAX_FLOWS];
    private final int[] ports = new int[MAX_FLOWS];
    /**
     * TTL, TOS and the DF bit of the first segment, packed; over IPv6, the hop limit and the first word of the
     * header (version, traffic class, flow label).
     */
    private final long[] ipKey = new long[MAX_FLOWS];
    private final int[] ack = new int[MAX_FLOWS];
    private final int[] flagWord = new int[MAX_FLOWS];
    private final int[] tcpOffset = new int[MAX_FLOWS];
    private final int[] tcpHeaderLength = new int[MAX_FLOWS];
    private final int[] nextSeq = new int[MAX_FLOWS];
    private final int[] mss = new int[MAX_FLOWS];
    private final int[] payload = new int[MAX_FLOWS];
    private final int[] segments = new int[MAX_FLOWS];
    private final int[] rxFlags = new int[MAX_FLOWS];
    private final int[][] pieceOffsets = new int[MAX_FLOWS][MAX_SEGMENTS];
    private final int[][] pieceLengths = new int[MAX_FLOWS][MAX_SEGMENTS];

    // The segment being offered: its addresses (one family's), for the steps both families share.
    private int segSource;
    private int segDestination;
    private long segSourceHi;
    private long segSourceLo;
    private long segDestinationHi;
    private long segDestinationLo;
    private Ipv4Protocol tcp4;
    private Ipv6Protocol tcp6;

    SoftwareGro(final IpCounters counters, final boolean v6)
    {
        this.counters = counters;
        this.v6 = v6;
    }

    /**
     * Offers a validated unicast TCP datagram without IP options, received in one buffer of the current burst.
     * Returns true when GRO took it (held, or merged into what its flow held; it goes up later, at the latest at
     * {@link #flush}); false when the caller delivers it itself, as it is, after GRO pushed up what its flow held.
     *
     * @param ip    the datagram's header, wrapped and validated
     * @param flags the link's {@code RX_*} flags for the frame
     * @param tcpLayer the TCP handler, for what goes up now
     */
    boolean offer(final ByteBuffer memory, final Ipv4Header ip, final int ipOffset, final int flags,
        final Ipv4Protocol tcpLayer)
    {
        useMemory(memory);
        tcp4 = tcpLayer;
        final int l4Offset = ipOffset + Ipv4Header.MIN_LENGTH;
        final int l4Length = ip.payloadLength();
        segSource = ip.source();
        segDestination = ip.destination();
        if (l4Length < TcpHeader.MIN_LENGTH)
        {
            return false;
        }
        final int portWord = memory.getInt(l4Offset);
        final int flow = find(portWord);
        tcp.wrap(memory, l4Offset, l4Length);
        final boolean checksumOk = (flags & PacketBurst.RX_L4_CHECKSUM_OK) != 0
            || tcp.checksumOk(segSource, segDestination);
        final long key = ip.ttl() << 16 | ip.tos() << 8 | ((ip.flagsAndFragmentOffset()
            & Ipv4Header.FLAG_DONT_FRAGMENT) != 0 ? 1 : 0);
        return offerSegment(flow, portWord, l4Offset, l4Length, Ipv4Header.MIN_LENGTH, key, checksumOk, flags);
    }

    /**
     * Offers a validated unicast IPv6 packet whose next header is TCP, received in one buffer of the current burst;
     * as {@link #offer} for IPv4.
     *
     * @param ip    the packet's header, wrapped and validated
     * @param scope the scope of the arrival interface, which link-local addresses carry inside the stack
     */
    boolean offer6(final ByteBuffer memory, final Ipv6Header ip, final int ipOffset, final int flags,
        final Ipv6Protocol tcpLayer, final int scope)
    {
        useMemory(memory);
        tcp6 = tcpLayer;
        final int l4Offset = ipOffset + Ipv6Header.LENGTH;
        final int l4Length = ip.payloadLength();
        // TCP sees link-local addresses scoped to the arrival interface, as IPv6 delivers them.
        segSourceHi = Ipv6Address.withScope(ip.sourceHi(), scope);
        segSourceLo = ip.sourceLo();
        segDestinationHi = Ipv6Address.withScope(ip.destinationHi(), scope);
        segDestinationLo = ip.destinationLo();
        if (l4Length < TcpHeader.MIN_LENGTH)
        {
            return false;
        }
        final int portWord = memory.getInt(l4Offset);
        final int flow = find(portWord);
        tcp.wrap(memory, l4Offset, l4Length);
        final boolean checksumOk = (flags & PacketBurst.RX_L4_CHECKSUM_OK) != 0
            || tcp.checksumOk6(segSourceHi, segSourceLo, segDestinationHi, segDestinationLo);
        // ipv6_gro_receive: the same first word (version, traffic class, flow label) and hop limit.
        final long key = (long)ip.hopLimit() << 32 | memory.getInt(ipOffset) & 0xFFFFFFFFL;
        return offerSegment(flow, portWord, l4Offset, l4Length, Ipv6Header.LENGTH, key, checksumOk, flags);
    }

    private void useMemory(final ByteBuffer memory)
    {
        if (this.memory != memory)
        {
            if (held > 0)
            {
                flush();
            }
            this.memory = memory;
        }
    }

    /** The steps both families share, for the segment whose addresses the seg* fields hold and {@link #tcp} wraps. */
    private boolean offerSegment(final int flow, final int portWord, final int l4Offset, final int l4Length,
        final int ipHeaderLength, final long key, final boolean checksumOk, final int flags)
    {
        final int headerLength = tcp.headerLength();
        final int tcpFlags = memory.get(l4Offset + TCP_FLAGS) & 0xFF;
        final int length = l4Length - headerLength;
        if (headerLength < TcpHeader.MIN_LENGTH || length <= 0 || (tcpFlags & NEVER_HELD) != 0 || !checksumOk)
        {
            if (flow >= 0)
            {
                flushFlow(flow);
            }
            return false;
        }
        final int seq = tcp.sequence();
        final int word = memory.getInt(l4Offset + 12);
        if (flow >= 0)
        {
            if (mergeable(flow, key, seq, tcp.acknowledgment(), word, l4Offset, ipHeaderLength + headerLength,
                length))
            {
                final int n = segments[flow];
                pieceOffsets[flow][n] = l4Offset + headerLength;
                pieceLengths[flow][n] = length;
                segments[flow] = n + 1;
                payload[flow] += length;
                nextSeq[flow] = seq + length;
                // tcp_gro_receive: the super-segment's header takes the PSH and FIN of what joined it.
                final int at = tcpOffset[flow] + TCP_FLAGS;
                memory.put(at, (byte)(memory.get(at) | tcpFlags & (TcpHeader.PSH | TcpHeader.FIN)));
                if (length < mss[flow] || (tcpFlags & ENDS) != 0)
                {
                    flushFlow(flow);
                }
                return true;
            }
            flushFlow(flow);
        }
        if ((tcpFlags & ENDS) != 0)
        {
            // Alone and final: nothing could join it, so it goes up now (tcp_gro_receive's out_check_final).
            deliverAlone(l4Offset, l4Length, key, flags, segSource, segDestination, segSourceHi, segSourceLo,
                segDestinationHi, segDestinationLo);
            return true;
        }
        if (held == MAX_FLOWS)
        {
            flushFlow(0);
        }
        final int f = held++;
        source[f] = segSource;
        destination[f] = segDestination;
        sourceHi[f] = segSourceHi;
        sourceLo[f] = segSourceLo;
        destinationHi[f] = segDestinationHi;
        destinationLo[f] = segDestinationLo;
        ports[f] = portWord;
        ipKey[f] = key;
        ack[f] = tcp.acknowledgment();
        flagWord[f] = word;
        tcpOffset[f] = l4Offset;
        tcpHeaderLength[f] = headerLength;
        nextSeq[f] = seq + length;
        mss[f] = length;
        payload[f] = length;
        segments[f] = 1;
        rxFlags[f] = flags & ~(PacketBurst.GSO_TYPE_MASK | 0xFFFF << PacketBurst.GSO_SIZE_SHIFT)
            | PacketBurst.RX_L4_CHECKSUM_OK;
        pieceOffsets[f][0] = l4Offset;
        pieceLengths[f][0] = headerLength + length;
        return true;
    }

    /** @param headersLength the IP and TCP headers' length */
    private boolean mergeable(final int flow, final long key, final int seq, final int acknowledgment,
        final int word, final int l4Offset, final int headersLength, final int length)
    {
        if (key != ipKey[flow] || acknowledgment != ack[flow] || ((word ^ flagWord[flow]) & FLAG_WORD_MASK) != 0
            || seq != nextSeq[flow] || length > mss[flow] || segments[flow] == MAX_SEGMENTS
            || headersLength + payload[flow] + length > Ipv4Header.MAX_DATAGRAM)
        {
            return false;
        }
        // The same data offset (it is in the word), so the same option length: compare the option bytes.
        final int held = tcpOffset[flow];
        final int headerLength = tcpHeaderLength[flow];
        for (int i = TcpHeader.MIN_LENGTH; i < headerLength; i += 4)
        {
            if (memory.getInt(held + i) != memory.getInt(l4Offset + i))
            {
                return false;
            }
        }
        return true;
    }

    /** The held flow of the segment being offered (its addresses in the seg* fields), or -1. */
    private int find(final int portWord)
    {
        for (int f = 0; f < held; f++)
        {
            if (ports[f] == portWord && (v6
                ? sourceLo[f] == segSourceLo && destinationLo[f] == segDestinationLo && sourceHi[f] == segSourceHi
                    && destinationHi[f] == segDestinationHi
                : source[f] == segSource && destination[f] == segDestination))
            {
                return f;
            }
        }
        return -1;
    }

    /** Sends up everything held, oldest first: at the end of a burst. */
    void flush()
    {
        while (held > 0)
        {
            flushFlow(0);
        }
    }

    /** Whether segments are held. */
    boolean isHolding()
    {
        return held > 0;
    }

    private void flushFlow(final int flow)
    {
        final int n = segments[flow];
        final int l4Length = tcpHeaderLength[flow] + payload[flow];
        final long key = ipKey[flow];
        final int flags = rxFlags[flow];
        final int offset = tcpOffset[flow];
        final int src = source[flow];
        final int dst = destination[flow];
        final long srcHi = sourceHi[flow];
        final long srcLo = sourceLo[flow];
        final long dstHi = destinationHi[flow];
        final long dstLo = destinationLo[flow];
        // Take the flow out first: what TCP does on delivery (a reset, say) never sees it held.
        removeFlow(flow);
        if (n == 1)
        {
            deliverAlone(offset, l4Length, key, flags, src, dst, srcHi, srcLo, dstHi, dstLo);
            return;
        }
        counters.groSuperSegments++;
        counters.groSegmentsCoalesced += n;
        // TCP answers no datagram with an ICMP error (it resets), so the verdict has nothing for IP to do.
        if (v6)
        {
            counters.ip6InDelivers++;
            chain.wrapPieces(memory, pieceOffsets[held], pieceLengths[held], n,
                flags | PacketBurst.gso(PacketBurst.GSO_TCPV6, mss[held]));
            tcp6.receiveChain6(chain, 0, memory, offset, l4Length, srcHi, srcLo, dstHi, dstLo,
                (int)(key >>> 20) & 0xFF, (int)(key >>> 32), chain.flags());
        }
        else
        {
            counters.ipInDelivers++;
            chain.wrapPieces(memory, pieceOffsets[held], pieceLengths[held], n,
                flags | PacketBurst.gso(PacketBurst.GSO_TCPV4, mss[held]));
            tcp4.receiveChain(chain, 0, memory, offset, l4Length, src, dst, (int)(key >>> 8) & 0xFF,
                (int)(key >>> 16), chain.flags());
        }
    }

    /**
     * Moves the flow to the end (past the live ones, where {@link #flushFlow} still reads its pieces and MSS) and
     * closes the gap, keeping the others oldest first.
     */
    private void removeFlow(final int flow)
    {
        final int last = held - 1;
        final int[] offsets = pieceOffsets[flow];
        final int[] lengths = pieceLengths[flow];
        final int itsMss = mss[flow];
        for (int f = flow; f < last; f++)
        {
            source[f] = source[f + 1];
            destination[f] = destination[f + 1];
            sourceHi[f] = sourceHi[f + 1];
            sourceLo[f] = sourceLo[f + 1];
            destinationHi[f] = destinationHi[f + 1];
            destinationLo[f] = destinationLo[f + 1];
            ports[f] = ports[f + 1];
            ipKey[f] = ipKey[f + 1];
            ack[f] = ack[f + 1];
            flagWord[f] = flagWord[f + 1];
            tcpOffset[f] = tcpOffset[f + 1];
            tcpHeaderLength[f] = tcpHeaderLength[f + 1];
            nextSeq[f] = nextSeq[f + 1];
            mss[f] = mss[f + 1];
            payload[f] = payload[f + 1];
            segments[f] = segments[f + 1];
            rxFlags[f] = rxFlags[f + 1];
            pieceOffsets[f] = pieceOffsets[f + 1];
            pieceLengths[f] = pieceLengths[f + 1];
        }
        pieceOffsets[last] = offsets;
        pieceLengths[last] = lengths;
        mss[last] = itsMss;
        held = last;
    }

    private void deliverAlone(final int offset, final int l4Length, final long key, final int flags, final int src,
        final int dst, final long srcHi, final long srcLo, final long dstHi, final long dstLo)
    {
        if (v6)
        {
            counters.ip6InDelivers++;
            tcp6.receive6(memory, offset, l4Length, srcHi, srcLo, dstHi, dstLo, (int)(key >>> 20) & 0xFF,
                (int)(key >>> 32), flags | PacketBurst.RX_L4_CHECKSUM_OK);
        }
        else
        {
            counters.ipInDelivers++;
            tcp4.receive(memory, offset, l4Length, src, dst, (int)(key >>> 8) & 0xFF, (int)(key >>> 16),
                flags | PacketBurst.RX_L4_CHECKSUM_OK);
        }
    }
}
