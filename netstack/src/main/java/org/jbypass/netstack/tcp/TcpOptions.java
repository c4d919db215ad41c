package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;

import org.jbypass.netstack.wire.TcpHeader;

/**
 * TCP options (RFC 9293 section 3.2): parsing into a {@link Segment} and writing into an outgoing header.
 *
 * <pre>
 *   kind 0  End of option list          1 byte
 *   kind 1  No-operation                1 byte
 *   kind 2  Maximum segment size        len 4   RFC 9293 section 3.7.1
 *   kind 3  Window scale                len 3   RFC 7323 section 2
 *   kind 4  SACK permitted              len 2   RFC 2018 section 2
 *   kind 5  SACK                        len 2 + 8n, n = 1..4   RFC 2018 section 3
 *   kind 8  Timestamps                  len 10  RFC 7323 section 3
 * </pre>
 */
final class TcpOptions
{
    static final int EOL = 0;
    static final int NOP = 1;
    static final int MSS = 2;
    static final int WINDOW_SCALE = 3;
    static final int SACK_PERMITTED = 4;
    static final int SACK = 5;
    static final int TIMESTAMP = 8;

    /** Bytes of a NOP-NOP-timestamp block as sent on every segment once timestamps are on. */
    static final int TIMESTAMP_BLOCK = 12;
    /** RFC 7323 section 2.3: the largest shift. */
    static final int MAX_WINDOW_SCALE = 14;
    /**
     * The smallest MSS accepted from a peer: a tiny MSS makes every byte cost a segment, which an attacker uses to
     * exhaust resources (Linux's tcp_min_snd_mss, 48, after CVE-2019-11479).
     */
    static final int MIN_PEER_MSS = 48;

    private TcpOptions()
    {
    }

    /**
     * Parses the options of a header into {@code segment}.
     *
     * @return false when an option's length is impossible: zero or one, running past the header, or wrong for a
     *         known kind. RFC 9293 section 3.1 (MUST-7) requires us to be prepared for that; such a segment is
     *         dropped, since acting on half-parsed options is how stacks get confused.
     */
    static boolean parse(final ByteBuffer buffer, final int offset, final int length, final Segment segment)
    {
        segment.clearOptions();
        int i = offset;
        final int end = offset + length;
        while (i < end)
        {
            final int kind = buffer.get(i) & 0xFF;
            if (kind == EOL)
            {
                break;
            }
            if (kind == NOP)
            {
                i++;
                continue;
            }
            if (end - i < 2)
            {
                return false;
            }
            final int len = buffer.get(i + 1) & 0xFF;
            if (len < 2 || len > end - i)
            {
                return false;
            }
            switch (kind)
            {
                case MSS:
                    if (len != 4)
                    {
                        return false;
                    }
                    segment.hasMss = true;
                    segment.mss = buffer.getShort(i + 2) & 0xFFFF;
                    break;
                case WINDOW_SCALE:
                    if (len != 3)
                    {
                        return false;
                    }
                    segment.hasWindowScale = true;
                    // RFC 7323 section 2.3: a shift above 14 is used as 14.
                    segment.windowScale = Math.min(buffer.get(i + 2) & 0xFF, MAX_WINDOW_SCALE);
                    break;
                case SACK_PERMITTED:
                    if (len != 2)
                    {
                        return false;
                    }
                    segment.sackPermitted = true;
                    break;
                case SACK:
                    if ((len - 2) % 8 != 0 || len < 10 || len > 2 + 8 * Segment.MAX_SACK_BLOCKS)
                    {
                        return false;
                    }
                    final int blocks = (len - 2) / 8;
                    for (int b = 0; b < blocks; b++)
                    {
                        segment.sackStart[b] = buffer.getInt(i + 2 + 8 * b);
                        segment.sackEnd[b] = buffer.getInt(i + 6 + 8 * b);
                    }
                    segment.sackBlocks = blocks;
                    break;
                case TIMESTAMP:
                    if (len != 10)
                    {
                        return false;
                    }
                    segment.hasTimestamp = true;
                    segment.tsVal = buffer.getInt(i + 2);
                    segment.tsEcr = buffer.getInt(i + 6);
                    break;
                default:
                    // Unknown options are skipped by their length (RFC 9293 section 3.2, MUST-6).
                    break;
            }
            i += len;
        }
        return true;
    }

    /** Writes NOP, NOP, timestamps; returns the next offset. */
    static int writeTimestamp(final ByteBuffer buffer, final int at, final int tsVal, final int tsEcr)
    {
        buffer.putInt(at, (NOP << 24) | (NOP << 16) | (TIMESTAMP << 8) | 10);
        buffer.putInt(at + 4, tsVal);
        buffer.putInt(at + 8, tsEcr);
        return at + 12;
    }

    /** Flags as letters, for messages: "SYN|ACK". */
    static String describeFlags(final int flags)
    {
        final StringBuilder sb = new StringBuilder();
        append(sb, flags, TcpHeader.SYN, "SYN");
        append(sb, flags, TcpHeader.FIN, "FIN");
        append(sb, flags, TcpHeader.RST, "RST");
        append(sb, flags, TcpHeader.PSH, "PSH");
        append(sb, flags, TcpHeader.ACK, "ACK");
        append(sb, flags, TcpHeader.URG, "URG");
        append(sb, flags, TcpHeader.ECE, "ECE");
        append(sb, flags, TcpHeader.CWR, "CWR");
        return sb.length() == 0 ? "none" : sb.toString();
    }

    private static void append(final StringBuilder sb, final int flags, final int flag, final String name)
    {
        if ((flags & flag) != 0)
        {
            if (sb.length() > 0)
            {
                sb.append('|');
            }
            sb.append(name);
        }
    }
}
