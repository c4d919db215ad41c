package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Header;

/** A segment the stack sent, copied out of its pool buffer and parsed, options and all. */
final class Captured
{
    final int source;
    final int destination;
    final int tos;
    final int ttl;
    final boolean dontFragment;
    final int sourcePort;
    final int destinationPort;
    final int seq;
    final int ack;
    final int flags;
    final int window;
    final int optionsLength;
    final boolean checksumOk;
    Integer mss;
    Integer windowScale;
    boolean sackPermitted;
    Integer tsVal;
    Integer tsEcr;
    int[][] sack;
    /** For a super-segment (TSO), the payload bytes per segment the link was asked to cut; 0 for a segment. */
    int segmentSize;
    final byte[] payload;
    final byte[] bytes;

    Captured(final byte[] bytes, final int source, final int destination, final int tos, final int ttl,
        final boolean dontFragment)
    {
        this.bytes = bytes;
        this.source = source;
        this.destination = destination;
        this.tos = tos;
        this.ttl = ttl;
        this.dontFragment = dontFragment;
        final ByteBuffer b = ByteBuffer.wrap(bytes);
        sourcePort = b.getShort(0) & 0xFFFF;
        destinationPort = b.getShort(2) & 0xFFFF;
        seq = b.getInt(4);
        ack = b.getInt(8);
        final int headerLength = ((b.get(12) & 0xF0) >>> 4) * 4;
        flags = b.get(13) & 0xFF;
        window = b.getShort(14) & 0xFFFF;
        optionsLength = headerLength - 20;
        checksumOk = Checksum.fold(Checksum.sum(b, 0, bytes.length,
            Checksum.pseudoHeader(source, destination, Ipv4Header.PROTOCOL_TCP, bytes.length))) == 0;
        int i = 20;
        while (i < headerLength)
        {
            final int kind = b.get(i) & 0xFF;
            if (kind == 0)
            {
                break;
            }
            if (kind == 1)
            {
                i++;
                continue;
            }
            final int len = b.get(i + 1) & 0xFF;
            switch (kind)
            {
                case 2:
                    mss = b.getShort(i + 2) & 0xFFFF;
                    break;
                case 3:
                    windowScale = b.get(i + 2) & 0xFF;
                    break;
                case 4:
                    sackPermitted = true;
                    break;
                case 5:
                    sack = new int[(len - 2) / 8][];
                    for (int k = 0; k < sack.length; k++)
                    {
                        sack[k] = new int[] {b.getInt(i + 2 + 8 * k), b.getInt(i + 6 + 8 * k)};
                    }
                    break;
                case 8:
                    tsVal = b.getInt(i + 2);
                    tsEcr = b.getInt(i + 6);
                    break;
                default:
                    break;
            }
            i += Math.max(len, 2);
        }
        payload = Arrays.copyOfRange(bytes, headerLength, bytes.length);
    }

    boolean has(final int flag)
    {
        return (flags & flag) == flag;
    }

    /** The sequence space the segment occupies. */
    int length()
    {
        return payload.length + (has(Tcp.SYN) ? 1 : 0) + (has(Tcp.FIN) ? 1 : 0);
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(sourcePort).append(" > ").append(destinationPort).append(' ').append(TcpOptions.describeFlags(flags))
            .append(" seq ").append(Integer.toUnsignedString(seq)).append(" ack ").append(Integer.toUnsignedString(ack))
            .append(" win ").append(window).append(" len ").append(payload.length);
        if (mss != null)
        {
            sb.append(" mss ").append(mss);
        }
        if (windowScale != null)
        {
            sb.append(" wscale ").append(windowScale);
        }
        if (sackPermitted)
        {
            sb.append(" sackOK");
        }
        if (tsVal != null)
        {
            sb.append(" TS val ").append(Integer.toUnsignedString(tsVal)).append(" ecr ")
                .append(Integer.toUnsignedString(tsEcr));
        }
        if (sack != null)
        {
            sb.append(" sack");
            for (final int[] block : sack)
            {
                sb.append(' ').append(Integer.toUnsignedString(block[0])).append(':')
                    .append(Integer.toUnsignedString(block[1]));
            }
        }
        return sb.toString();
    }
}
