package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over an ICMPv4 message header (RFC 792).
 *
 * <pre>
 *   0     1     2         4                 8
 *   +-----+-----+---------+-----------------+
 *   |type |code | csum    | rest of header  |   echo: identifier (2), sequence (2)
 *   +-----+-----+---------+-----------------+   errors: unused or next-hop MTU, then the offending header
 * </pre>
 */
public final class IcmpHeader
{
    public static final int LENGTH = 8;
    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;
    public static final int CODE_NET_UNREACHABLE = 0;
    public static final int CODE_HOST_UNREACHABLE = 1;
    public static final int CODE_PROTOCOL_UNREACHABLE = 2;
    public static final int CODE_PORT_UNREACHABLE = 3;
    public static final int CODE_FRAGMENTATION_NEEDED = 4;
    public static final int CODE_REASSEMBLY_TIME_EXCEEDED = 1;

    private static final int TYPE = 0;
    private static final int CODE = 1;
    private static final int CHECKSUM = 2;
    private static final int REST = 4;

    private ByteBuffer buffer;
    private int offset;
    private int length;

    /** @param length the bytes of the ICMP message (the IP payload) */
    public IcmpHeader wrap(final ByteBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    public boolean isLongEnough()
    {
        return length >= LENGTH;
    }

    /** Whether the checksum over the whole message is right. */
    public boolean checksumOk()
    {
        return Checksum.compute(buffer, offset, length) == 0;
    }

    public int type()
    {
        return buffer.get(offset + TYPE) & 0xFF;
    }

    public int code()
    {
        return buffer.get(offset + CODE) & 0xFF;
    }

    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM) & 0xFFFF;
    }

    /** The 32 bits after the checksum. */
    public int rest()
    {
        return buffer.getInt(offset + REST);
    }

    public int identifier()
    {
        return buffer.getShort(offset + REST) & 0xFFFF;
    }

    public int sequence()
    {
        return buffer.getShort(offset + REST + 2) & 0xFFFF;
    }

    /** For "fragmentation needed": the next-hop MTU (RFC 1191 section 4). */
    public int nextHopMtu()
    {
        return buffer.getShort(offset + REST + 2) & 0xFFFF;
    }

    public int payloadOffset()
    {
        return offset + LENGTH;
    }

    public int payloadLength()
    {
        return length - LENGTH;
    }

    public IcmpHeader type(final int type)
    {
        buffer.put(offset + TYPE, (byte)type);
        return this;
    }

    public IcmpHeader code(final int code)
    {
        buffer.put(offset + CODE, (byte)code);
        return this;
    }

    public IcmpHeader rest(final int rest)
    {
        buffer.putInt(offset + REST, rest);
        return this;
    }

    public IcmpHeader checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM, (short)checksum);
        return this;
    }

    /** Computes and stores the checksum over the whole message of {@code length} bytes given at wrap. */
    public IcmpHeader computeChecksum()
    {
        checksum(0);
        return checksum(Checksum.compute(buffer, offset, length));
    }
}
