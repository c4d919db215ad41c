package org.jbypass.netstack.tcp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jbypass.netstack.wire.TcpHeader;

/**
 * A TCP segment template for scripted tests, in the manner of packetimpact's layers: every field is optional.
 * Injected, an unset field takes the connection's value (ports, SEQ, ACK, timestamps) or a default; expected, only
 * the fields set are compared with what the stack sent, each mismatch reported as "got ..., want ...".
 */
final class Tcp
{
    static final int FIN = TcpHeader.FIN;
    static final int SYN = TcpHeader.SYN;
    static final int RST = TcpHeader.RST;
    static final int PSH = TcpHeader.PSH;
    static final int ACK = TcpHeader.ACK;
    static final int URG = TcpHeader.URG;

    Integer flags;
    Integer seq;
    Integer ack;
    Integer window;
    Integer sourcePort;
    Integer destinationPort;
    Integer mss;
    Integer windowScale;
    Boolean sackPermitted;
    Integer tsVal;
    Integer tsEcr;
    /** For injection: leave the timestamp option out even on a connection that negotiated it. */
    boolean noTimestamp;
    /** Expected: the segment carries no options at all. */
    boolean noOptions;
    int[][] sack;
    Boolean hasSack;
    byte[] payload;
    Integer payloadLength;
    /** Raw option bytes to send instead of the ones built from the fields (malformed-option tests). */
    byte[] rawOptions;
    boolean corruptChecksum;
    Integer dataOffsetWords;

    static Tcp tcp(final int flags)
    {
        final Tcp t = new Tcp();
        t.flags = flags;
        return t;
    }

    static Tcp tcp()
    {
        return new Tcp();
    }

    Tcp seq(final int value)
    {
        seq = value;
        return this;
    }

    Tcp ack(final int value)
    {
        ack = value;
        return this;
    }

    Tcp window(final int value)
    {
        window = value;
        return this;
    }

    Tcp ports(final int source, final int destination)
    {
        sourcePort = source;
        destinationPort = destination;
        return this;
    }

    Tcp sourcePort(final int value)
    {
        sourcePort = value;
        return this;
    }

    Tcp destinationPort(final int value)
    {
        destinationPort = value;
        return this;
    }

    Tcp mss(final int value)
    {
        mss = value;
        return this;
    }

    Tcp ws(final int value)
    {
        windowScale = value;
        return this;
    }

    Tcp sackPermitted()
    {
        sackPermitted = true;
        return this;
    }

    Tcp noSackPermitted()
    {
        sackPermitted = false;
        return this;
    }

    Tcp ts(final int value, final int echo)
    {
        tsVal = value;
        tsEcr = echo;
        return this;
    }

    Tcp tsEcr(final int echo)
    {
        tsEcr = echo;
        return this;
    }

    Tcp noTimestamp()
    {
        noTimestamp = true;
        return this;
    }

    Tcp noOptions()
    {
        noOptions = true;
        return this;
    }

    /** SACK blocks as {start, end} pairs. */
    Tcp sack(final int... edges)
    {
        sack = new int[edges.length / 2][];
        for (int i = 0; i < sack.length; i++)
        {
            sack[i] = new int[] {edges[2 * i], edges[2 * i + 1]};
        }
        hasSack = true;
        return this;
    }

    Tcp noSack()
    {
        hasSack = false;
        return this;
    }

    Tcp payload(final byte[] bytes)
    {
        payload = bytes;
        payloadLength = bytes.length;
        return this;
    }

    Tcp payload(final String text)
    {
        return payload(text.getBytes(StandardCharsets.US_ASCII));
    }

    Tcp payloadLength(final int length)
    {
        payloadLength = length;
        return this;
    }

    Tcp rawOptions(final int... bytes)
    {
        rawOptions = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++)
        {
            rawOptions[i] = (byte)bytes[i];
        }
        return this;
    }

    Tcp corruptChecksum()
    {
        corruptChecksum = true;
        return this;
    }

    Tcp dataOffsetWords(final int words)
    {
        dataOffsetWords = words;
        return this;
    }

    /** The differences between a segment the stack sent and this template, empty when it matches. */
    List<String> mismatches(final Captured got)
    {
        final List<String> out = new ArrayList<>();
        if (flags != null && got.flags != flags)
        {
            out.add("flags: got " + TcpOptions.describeFlags(got.flags) + ", want " + TcpOptions.describeFlags(flags));
        }
        compare(out, "seq", got.seq, seq);
        compare(out, "ack", got.ack, ack);
        compare(out, "window", got.window, window);
        compare(out, "source port", got.sourcePort, sourcePort);
        compare(out, "destination port", got.destinationPort, destinationPort);
        compare(out, "MSS option", got.mss, mss);
        compare(out, "window scale option", got.windowScale, windowScale);
        if (sackPermitted != null && got.sackPermitted != sackPermitted)
        {
            out.add("SACK-permitted: got " + got.sackPermitted + ", want " + sackPermitted);
        }
        compare(out, "TSval", got.tsVal, tsVal);
        compare(out, "TSecr", got.tsEcr, tsEcr);
        if (noTimestamp && got.tsVal != null)
        {
            out.add("timestamp option: got one, want none");
        }
        if (noOptions && got.optionsLength != 0)
        {
            out.add("options: got " + got.optionsLength + " bytes, want none");
        }
        if (hasSack != null && hasSack != (got.sack != null))
        {
            out.add("SACK option: got " + (got.sack == null ? "none" : Arrays.deepToString(got.sack)) + ", want "
                + (hasSack ? "one" : "none"));
        }
        if (sack != null && got.sack != null && !Arrays.deepEquals(unsigned(sack), unsigned(got.sack)))
        {
            out.add("SACK blocks: got " + Arrays.deepToString(unsigned(got.sack)) + ", want "
                + Arrays.deepToString(unsigned(sack)));
        }
        compare(out, "payload length", got.payload.length, payloadLength);
        if (payload != null && !Arrays.equals(payload, got.payload))
        {
            out.add("payload: got " + Arrays.toString(Arrays.copyOf(got.payload, Math.min(32, got.payload.length)))
                + ", want " + Arrays.toString(Arrays.copyOf(payload, Math.min(32, payload.length))));
        }
        return out;
    }

    private static long[][] unsigned(final int[][] blocks)
    {
        final long[][] out = new long[blocks.length][];
        for (int i = 0; i < blocks.length; i++)
        {
            out[i] = new long[] {blocks[i][0] & 0xFFFFFFFFL, blocks[i][1] & 0xFFFFFFFFL};
        }
        return out;
    }

    private static void compare(final List<String> out, final String name, final Integer got, final Integer want)
    {
        if (want != null && !want.equals(got))
        {
            out.add(name + ": got " + (got == null ? "none" : Integer.toUnsignedString(got)) + ", want "
                + Integer.toUnsignedString(want));
        }
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("Tcp{");
        if (flags != null)
        {
            sb.append(TcpOptions.describeFlags(flags));
        }
        if (seq != null)
        {
            sb.append(" seq=").append(Integer.toUnsignedString(seq));
        }
        if (ack != null)
        {
            sb.append(" ack=").append(Integer.toUnsignedString(ack));
        }
        if (window != null)
        {
            sb.append(" win=").append(window);
        }
        if (payloadLength != null)
        {
            sb.append(" len=").append(payloadLength);
        }
        return sb.append('}').toString();
    }
}
