package org.jbypass.netstack.link.virtual;

import java.nio.ByteBuffer;

import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.TcpHeader;
import org.jbypass.netstack.wire.UdpHeader;

/**
 * Checksum offloads done in software, as a NIC does them in hardware: so that an in-memory link can offer the same
 * capabilities as a ConnectX port and the stack's offload paths are tested without one.
 *
 * <p>On transmit, the IPv4 header checksum and the TCP or UDP checksum (pseudo-header included, over IPv4 or an IPv6
 * packet without extension headers) are computed from
 * scratch, whatever the stack left in the field (a NIC's or Linux's partial-checksum convention is not assumed).
 * Fragments get no L4 checksum: a NIC cannot compute one over a datagram it sees only a piece of. On receive, the
 * flags say what was verified and found right; a bad checksum is reported by the absence of the flag, as mlx5's
 * CQE does, so the stack verifies such a frame itself and drops it with its own counter.
 *
 * <p>Frames are parsed with the same bounds checks as the stack's: anything malformed is left alone.
 */
final class ChecksumOffload
{
    /** The fixed IPv6 header's length (RFC 8200 section 3). */
    private static final int IPV6_HEADER = 40;

    private final Ipv4Header ip = new Ipv4Header();
    private final TcpHeader tcp = new TcpHeader();
    private final UdpHeader udp = new UdpHeader();

    /**
     * Computes the checksums that {@code txFlags} ask for ({@link PacketBurst#TX_L3_CHECKSUM},
     * {@link PacketBurst#TX_L4_CHECKSUM}) in the frame at {@code offset}.
     */
    void complete(final ByteBuffer memory, final int offset, final int length, final int txFlags)
    {
        if ((txFlags & (PacketBurst.TX_L3_CHECKSUM | PacketBurst.TX_L4_CHECKSUM)) == 0)
        {
            return;
        }
        if ((txFlags & PacketBurst.TX_L4_CHECKSUM) != 0 && length >= EthernetHeader.LENGTH + IPV6_HEADER
            && (memory.getShort(offset + 12) & 0xFFFF) == EthernetHeader.TYPE_IPV6)
        {
            complete6(memory, offset, length);
            return;
        }
        if (!wrapIpv4(memory, offset, length))
        {
            return;
        }
        final int ipOffset = offset + EthernetHeader.LENGTH;
        final int headerLength = ip.headerLength();
        if ((txFlags & PacketBurst.TX_L3_CHECKSUM) != 0)
        {
            ip.checksum(0);
            ip.checksum(Checksum.compute(memory, ipOffset, headerLength));
        }
        if ((txFlags & PacketBurst.TX_L4_CHECKSUM) != 0 && !ip.isFragment())
        {
            final int l4Offset = ipOffset + headerLength;
            final int l4Length = ip.totalLength() - headerLength;
            if (ip.protocol() == Ipv4Header.PROTOCOL_TCP && tcp.wrap(memory, l4Offset, l4Length).isValid())
            {
                tcp.computeChecksum(ip.source(), ip.destination());
            }
            else if (ip.protocol() == Ipv4Header.PROTOCOL_UDP && udp.wrap(memory, l4Offset, l4Length).isValid())
            {
                udp.computeChecksum(ip.source(), ip.destination());
            }
        }
    }

    /**
     * The TCP or UDP checksum of an IPv6 frame whose transport header follows the fixed header (RFC 8200 section
     * 8.1's pseudo-header); a packet with extension headers, or malformed, is left alone.
     */
    private void complete6(final ByteBuffer memory, final int offset, final int length)
    {
        final int ip = offset + EthernetHeader.LENGTH;
        final int l4Length = memory.getShort(ip + 4) & 0xFFFF;
        final int nextHeader = memory.get(ip + 6) & 0xFF;
        if ((memory.get(ip) & 0xF0) != 0x60 || EthernetHeader.LENGTH + IPV6_HEADER + l4Length > length)
        {
            return;
        }
        final long sourceHi = memory.getLong(ip + 8);
        final long sourceLo = memory.getLong(ip + 16);
        final long destinationHi = memory.getLong(ip + 24);
        final long destinationLo = memory.getLong(ip + 32);
        final int l4 = ip + IPV6_HEADER;
        if (nextHeader == Ipv4Header.PROTOCOL_TCP && tcp.wrap(memory, l4, l4Length).isValid())
        {
            tcp.computeChecksum6(sourceHi, sourceLo, destinationHi, destinationLo);
        }
        else if (nextHeader == Ipv4Header.PROTOCOL_UDP && udp.wrap(memory, l4, l4Length).isValid())
        {
            udp.computeChecksum6(sourceHi, sourceLo, destinationHi, destinationLo);
        }
    }

    /**
     * Writes complete checksums into a chained frame (a super-segment, {@link FrameChain} wrapped over it) whose
     * headers are all in its first buffer, at {@code offset} of {@code memory}: the IPv4 header checksum, and the
     * TCP or UDP checksum over the pseudo-header and every byte of the chain, whatever the field held (a partial
     * sum, a stale value). What {@link ImpairedLink} does before it damages a super-frame, so that the damage is
     * one a receiver's checksum catches, as on a wire.
     *
     * @return false when the frame is not an IPv4 TCP or UDP datagram (or an IPv6 TCP or UDP packet without
     *         extension headers) that the chain holds exactly (left alone)
     */
    boolean completeChain(final FrameChain chain, final ByteBuffer memory, final int offset)
    {
        final int first = chain.firstLength();
        if (first >= EthernetHeader.LENGTH + IPV6_HEADER
            && (memory.getShort(offset + 12) & 0xFFFF) == EthernetHeader.TYPE_IPV6)
        {
            return completeChain6(chain, memory, offset);
        }
        if (first < EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH
            || (memory.getShort(offset + 12) & 0xFFFF) != EthernetHeader.TYPE_IPV4)
        {
            return false;
        }
        final int ipOffset = offset + EthernetHeader.LENGTH;
        ip.wrap(memory, ipOffset, first - EthernetHeader.LENGTH);
        final int headerLength = ip.headerLength();
        final int totalLength = ip.totalLength();
        if (ip.version() != 4 || headerLength < Ipv4Header.MIN_LENGTH || EthernetHeader.LENGTH + headerLength > first
            || totalLength != chain.length() - EthernetHeader.LENGTH || ip.isFragment())
        {
            return false;
        }
        final int l4Length = totalLength - headerLength;
        final int l4 = EthernetHeader.LENGTH + headerLength;
        final int checksumAt;
        if (ip.protocol() == Ipv4Header.PROTOCOL_TCP && l4 + TcpHeader.MIN_LENGTH <= first)
        {
            checksumAt = l4 + 16; // RFC 9293 section 3.1
        }
        else if (ip.protocol() == Ipv4Header.PROTOCOL_UDP && l4 + UdpHeader.LENGTH <= first)
        {
            checksumAt = l4 + 6; // RFC 768
        }
        else
        {
            return false;
        }
        ip.checksum(0);
        ip.checksum(Checksum.compute(memory, ipOffset, headerLength));
        memory.putShort(offset + checksumAt, (short)0);
        final int sum = chain.sum(l4, l4Length, Checksum.pseudoHeader(ip.source(), ip.destination(), ip.protocol(),
            l4Length));
        int checksum = Checksum.fold(sum);
        if (checksum == 0 && ip.protocol() == Ipv4Header.PROTOCOL_UDP)
        {
            checksum = 0xFFFF; // RFC 768: 0 means no checksum
        }
        memory.putShort(offset + checksumAt, (short)checksum);
        return true;
    }

    /**
     * {@link #completeChain} for an IPv6 TCP or UDP packet without extension headers (as Linux's GSO makes them):
     * the L4 checksum over RFC 8200 section 8.1's pseudo-header and the chain.
     */
    private boolean completeChain6(final FrameChain chain, final ByteBuffer memory, final int offset)
    {
        final int ip = offset + EthernetHeader.LENGTH;
        final int nextHeader = memory.get(ip + 6) & 0xFF;
        final int l4Length = memory.getShort(ip + 4) & 0xFFFF;
        final int l4 = EthernetHeader.LENGTH + IPV6_HEADER;
        if ((memory.get(ip) & 0xF0) != 0x60 || l4 + l4Length != chain.length())
        {
            return false;
        }
        final int checksumAt;
        if (nextHeader == Ipv4Header.PROTOCOL_TCP && l4 + TcpHeader.MIN_LENGTH <= chain.firstLength())
        {
            checksumAt = l4 + 16; // RFC 9293 section 3.1
        }
        else if (nextHeader == Ipv4Header.PROTOCOL_UDP && l4 + UdpHeader.LENGTH <= chain.firstLength())
        {
            checksumAt = l4 + 6; // RFC 768
        }
        else
        {
            return false;
        }
        memory.putShort(offset + checksumAt, (short)0);
        final int sum = chain.sum(l4, l4Length, Checksum.pseudoHeader6(memory.getLong(ip + 8),
            memory.getLong(ip + 16), memory.getLong(ip + 24), memory.getLong(ip + 32), nextHeader, l4Length));
        int checksum = Checksum.fold(sum);
        if (checksum == 0 && nextHeader == Ipv4Header.PROTOCOL_UDP)
        {
            checksum = 0xFFFF; // RFC 8200 section 8.1: a UDP checksum of 0 is sent as all ones
        }
        memory.putShort(offset + checksumAt, (short)checksum);
        return true;
    }

    /**
     * Verifies the checksums of a received frame.
     *
     * @return {@link PacketBurst#RX_L3_CHECKSUM_OK} and {@link PacketBurst#RX_L4_CHECKSUM_OK} for what was verified
     *         and right, limited to {@code rxCapabilities}; 0 for frames that are not IPv4
     */
    int verify(final ByteBuffer memory, final int offset, final int length, final int rxCapabilities)
    {
        if ((rxCapabilities & (LinkCapabilities.RX_L3_CHECKSUM | LinkCapabilities.RX_L4_CHECKSUM)) == 0
            || !wrapIpv4(memory, offset, length))
        {
            return 0;
        }
        final int ipOffset = offset + EthernetHeader.LENGTH;
        final int headerLength = ip.headerLength();
        if (Checksum.compute(memory, ipOffset, headerLength) != 0)
        {
            return 0;
        }
        int flags = (rxCapabilities & LinkCapabilities.RX_L3_CHECKSUM) != 0 ? PacketBurst.RX_L3_CHECKSUM_OK : 0;
        if ((rxCapabilities & LinkCapabilities.RX_L4_CHECKSUM) != 0 && !ip.isFragment())
        {
            final int l4Offset = ipOffset + headerLength;
            final int l4Length = ip.totalLength() - headerLength;
            final boolean ok;
            if (ip.protocol() == Ipv4Header.PROTOCOL_TCP)
            {
                ok = tcp.wrap(memory, l4Offset, l4Length).isValid() && tcp.checksumOk(ip.source(), ip.destination());
            }
            else if (ip.protocol() == Ipv4Header.PROTOCOL_UDP)
            {
                ok = udp.wrap(memory, l4Offset, l4Length).isValid() && udp.checksumOk(ip.source(), ip.destination());
            }
            else
            {
                ok = false;
            }
            if (ok)
            {
                flags |= PacketBurst.RX_L4_CHECKSUM_OK;
            }
        }
        return flags;
    }

    /** Points {@link #ip} at the frame's IPv4 header if the frame holds a well-formed one. */
    private boolean wrapIpv4(final ByteBuffer memory, final int offset, final int length)
    {
        if (length < EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH
            || (memory.getShort(offset + 12) & 0xFFFF) != EthernetHeader.TYPE_IPV4)
        {
            return false;
        }
        final int available = length - EthernetHeader.LENGTH;
        ip.wrap(memory, offset + EthernetHeader.LENGTH, available);
        final int headerLength = ip.headerLength();
        final int totalLength = ip.totalLength();
        return ip.version() == 4 && headerLength >= Ipv4Header.MIN_LENGTH && headerLength <= available
            && totalLength >= headerLength && totalLength <= available;
    }
}
