package org.jbypass.netstack.link.virtual;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.EthernetHeader;

/**
 * TCP segmentation in software (GSO), as Linux does it for a device without TSO (tcp_gso_segment() under
 * inet_gso_segment(), net/ipv4/tcp_offload.c and af_inet.c): a TCP super-segment, a chain of pool buffers with
 * {@link PacketBurst#GSO_TCPV4} and a segment size, is cut into frames of at most that many payload bytes, each with
 * the super-segment's headers made its own:
 * <ul>
 *   <li>IPv4: the total length of the segment, the identification of the first plus the segment's index (the
 *       kernel's rule without SKB_GSO_TCP_FIXEDID), the header checksum computed again;</li>
 *   <li>TCP: the sequence number advanced by the payload before it; CWR on the first segment only (RFC 3168
 *       section 6.1.2: once per window), FIN and PSH on the last only; the checksum computed from scratch over the
 *       pseudo-header and the segment, whatever partial sum the field held.</li>
 * </ul>
 * A super-segment whose headers do not say exactly its chain (not IPv4 TCP, a fragment, a total length other than
 * the chain's, headers beyond the first buffer, a segment that would not fit {@code maxFrame}) is refused whole, and
 * so is one without {@link PacketBurst#TX_L4_CHECKSUM} (a partial checksum), as the afpacket driver refuses it and
 * Linux asks it of every GSO packet: a super-segment whose checksum is already complete (one {@link ImpairedLink}
 * damaged) would have its damage hidden by the checksums computed here.
 * Each segment is built in one scratch buffer and handed to a {@link Sink} before the next overwrites it: nothing
 * is allocated per frame.
 */
final class TcpSegmenter
{
    /** Takes each segment, valid until it returns. */
    interface Sink
    {
        void segment(ByteBuffer frame, int length);
    }

    private static final int TCP_FLAG_FIN = 0x01;
    private static final int TCP_FLAG_PSH = 0x08;
    private static final int TCP_FLAG_CWR = 0x80;
    private static final int IPV4_MORE_FRAGMENTS_AND_OFFSET = 0x3FFF;

    private final FrameChain chain = new FrameChain();
    private final ChecksumOffload checksums = new ChecksumOffload();
    private final ByteBuffer scratch;
    private final int maxFrame;

    /** @param maxFrame the longest frame a segment may be, Ethernet header included (the MTU + 14) */
    TcpSegmenter(final int maxFrame)
    {
        this.maxFrame = maxFrame;
        this.scratch = ByteBuffer.allocateDirect(maxFrame);
    }

    /**
     * Cuts the super-segment whose chain starts at {@code slot} of the burst into segments, handed to the sink in
     * order. Returns how many, or -1 when the super-segment is malformed (nothing was handed over).
     */
    int segment(final PacketPool pool, final PacketBurst burst, final int slot, final Sink sink)
    {
        if (!chain.wrap(pool, burst, slot) || PacketBurst.gsoType(chain.flags()) != PacketBurst.GSO_TCPV4
            || (chain.flags() & PacketBurst.TX_L4_CHECKSUM) == 0)
        {
            return -1;
        }
        final int mss = PacketBurst.gsoSize(chain.flags());
        final ByteBuffer memory = pool.memory();
        final int base = chain.firstOffset();
        final int first = chain.firstLength();
        final int ipOffset = EthernetHeader.LENGTH;
        if (mss <= 0 || first < ipOffset + 20 || (memory.getShort(base + 12) & 0xFFFF) != EthernetHeader.TYPE_IPV4)
        {
            return -1;
        }
        final int versionAndLength = memory.get(base + ipOffset) & 0xFF;
        final int ihl = (versionAndLength & 0x0F) * 4;
        if (versionAndLength >>> 4 != 4 || ihl < 20 || ipOffset + ihl + 20 > first
            || (memory.get(base + ipOffset + 9) & 0xFF) != 6
            || (memory.getShort(base + ipOffset + 6) & IPV4_MORE_FRAGMENTS_AND_OFFSET) != 0
            || ipOffset + (memory.getShort(base + ipOffset + 2) & 0xFFFF) != chain.length())
        {
            return -1;
        }
        final int tcpOffset = ipOffset + ihl;
        final int doff = ((memory.get(base + tcpOffset + 12) & 0xFF) >>> 4) * 4;
        final int headers = tcpOffset + doff;
        if (doff < 20 || headers > first || headers + mss > maxFrame)
        {
            return -1;
        }
        final int payload = chain.length() - headers;
        final int segments = Math.max(1, (payload + mss - 1) / mss);
        final int id = memory.getShort(base + ipOffset + 4) & 0xFFFF;
        final int sequence = memory.getInt(base + tcpOffset + 4);
        final int tcpFlags = memory.get(base + tcpOffset + 13) & 0xFF;
        for (int k = 0; k < segments; k++)
        {
            final int from = k * mss;
            final int length = Math.min(mss, payload - from);
            scratch.put(0, memory, base, headers);
            chain.copyOut(headers + from, scratch, headers, length);
            scratch.putShort(ipOffset + 2, (short)(ihl + doff + length));
            scratch.putShort(ipOffset + 4, (short)(id + k));
            scratch.putInt(tcpOffset + 4, sequence + from);
            int flags = tcpFlags;
            if (k > 0)
            {
                flags &= ~TCP_FLAG_CWR;
            }
            if (k < segments - 1)
            {
                flags &= ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
            }
            scratch.put(tcpOffset + 13, (byte)flags);
            checksums.complete(scratch, 0, headers + length, PacketBurst.TX_L3_CHECKSUM | PacketBurst.TX_L4_CHECKSUM);
            sink.segment(scratch, headers + length);
        }
        return segments;
    }
}
