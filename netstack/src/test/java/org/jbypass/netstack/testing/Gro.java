package org.jbypass.netstack.testing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Header;

/**
 * What Linux's GRO does to a run of frames, for tests: consecutive in-order TCP segments of one flow, with the same
 * header but for the sequence number, checksum and PSH (tcp_gro_receive()), become one super-frame of up to 64 KiB,
 * whose IPv4 total length covers it all, marked {@link PacketBurst#GSO_TCPV4} with the first segment's payload
 * length as the segment size. Its TCP checksum is either left partial (the frame then carries
 * {@link PacketBurst#RX_L4_CHECKSUM_OK} and {@link PacketBurst#RX_L4_CHECKSUM_PARTIAL}, as the kernel hands a
 * veth's super-frames over) or computed over the whole (no checksum flag: the stack checks it). Every other frame
 * passes unchanged.
 */
public final class Gro
{
    /** A frame and the flags of its first descriptor. */
    public record Frame(byte[] bytes, int flags)
    {
    }

    private Gro()
    {
    }

    /**
     * Merges what can be merged.
     *
     * @param partial whether merged frames keep a partial checksum (flagged), or get a full one (no flag)
     */
    public static List<Frame> merge(final List<byte[]> frames, final boolean partial)
    {
        final List<Frame> out = new ArrayList<>();
        int i = 0;
        while (i < frames.size())
        {
            int end = i + 1;
            int total = payloadOf(frames.get(i));
            while (total >= 0 && end < frames.size() && mergeable(frames.get(end - 1), frames.get(end))
                && 20 + tcpHeaderLength(frames.get(i)) + total + payloadOf(frames.get(end)) <= 65535)
            {
                total += payloadOf(frames.get(end));
                end++;
            }
            if (end - i == 1)
            {
                out.add(new Frame(frames.get(i), 0));
            }
            else
            {
                out.add(build(frames.subList(i, end), total, partial));
            }
            i = end;
        }
        return out;
    }

    /** The TCP payload length of an IPv4/TCP data frame without SYN, FIN, RST or URG; -1 for anything else. */
    private static int payloadOf(final byte[] frame)
    {
        if (frame.length < 54 || (frame[12] & 0xFF) != 0x08 || frame[13] != 0 || frame[14] != 0x45
            || (frame[23] & 0xFF) != Ipv4Header.PROTOCOL_TCP)
        {
            return -1;
        }
        final int ipTotal = ((frame[16] & 0xFF) << 8) | (frame[17] & 0xFF);
        final int flags = frame[47] & 0xFF;
        if ((flags & (0x01 | 0x02 | 0x04 | 0x20)) != 0 || (flags & 0x10) == 0)
        {
            return -1;
        }
        final int payload = ipTotal - 20 - tcpHeaderLength(frame);
        return payload > 0 ? payload : -1;
    }

    private static int tcpHeaderLength(final byte[] frame)
    {
        return ((frame[46] & 0xF0) >>> 4) * 4;
    }

    private static boolean mergeable(final byte[] previous, final byte[] next)
    {
        final int a = payloadOf(previous);
        final int b = payloadOf(next);
        if (a < 0 || b < 0 || tcpHeaderLength(previous) != tcpHeaderLength(next) || (previous[47] & 0x08) != 0)
        {
            return false; // a PSH ends a GRO run
        }
        // The same addresses, ports, ACK, window and options; the next sequence number is the previous one's end.
        for (int i = 26; i < 34 + tcpHeaderLength(next); i++)
        {
            final boolean sequence = i >= 38 && i < 42;
            final boolean checksum = i == 50 || i == 51;
            final boolean flags = i == 47;
            if (!sequence && !checksum && !flags && previous[i] != next[i])
            {
                return false;
            }
        }
        return ByteBuffer.wrap(previous).getInt(38) + a == ByteBuffer.wrap(next).getInt(38);
    }

    private static Frame build(final List<byte[]> run, final int payload, final boolean partial)
    {
        final byte[] first = run.get(0);
        final int header = 20 + tcpHeaderLength(first);
        final byte[] merged = new byte[EthernetHeader.LENGTH + header + payload];
        System.arraycopy(first, 0, merged, 0, EthernetHeader.LENGTH + header);
        int at = EthernetHeader.LENGTH + header;
        for (final byte[] frame : run)
        {
            final int length = payloadOf(frame);
            System.arraycopy(frame, EthernetHeader.LENGTH + header, merged, at, length);
            at += length;
        }
        merged[47] |= run.get(run.size() - 1)[47] & 0x08;
        final ByteBuffer b = ByteBuffer.wrap(merged);
        b.putShort(16, (short)(header + payload));
        b.putShort(24, (short)0);
        b.putShort(24, (short)Checksum.compute(b, 14, 20));
        final int l4Length = header - 20 + payload;
        final int pseudo = Checksum.pseudoHeader(b.getInt(26), b.getInt(30), Ipv4Header.PROTOCOL_TCP, l4Length);
        b.putShort(50, (short)0);
        final int gso = PacketBurst.gso(PacketBurst.GSO_TCPV4, payloadOf(first));
        if (partial)
        {
            // CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, not complemented (what the kernel
            // leaves for the device to finish).
            b.putShort(50, (short)~Checksum.fold(pseudo));
            return new Frame(merged, gso | PacketBurst.RX_L4_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_PARTIAL);
        }
        b.putShort(50, (short)Checksum.fold(Checksum.sum(b, 34, l4Length, pseudo)));
        return new Frame(merged, gso);
    }
}
