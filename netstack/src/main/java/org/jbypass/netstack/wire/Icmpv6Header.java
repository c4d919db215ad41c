package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over an ICMPv6 message (RFC 4443 section 2.1), with the fields of the neighbour discovery messages the
 * stack speaks (RFC 4861 sections 4.3 and 4.4).
 *
 * <pre>
 *   0     1     2         4                 8
 *   +-----+-----+---------+-----------------+
 *   |type |code | csum    | rest of header  |   echo: identifier (2), sequence (2); packet too big: MTU;
 *   +-----+-----+---------+-----------------+   parameter problem: pointer; NA: R|S|O flags and reserved
 *   | NS, NA: target address (16)           |
 *   +---------------------------------------+
 *   | NS, NA: options (RFC 4861 4.6)  ...   |
 *   +---------------------------------------+
 * </pre>
 *
 * The checksum covers the IPv6 pseudo-header (RFC 4443 section 2.3), so the addresses are arguments.
 */
public final class Icmpv6Header
{
    public static final int LENGTH = 8;
    /** A neighbour solicitation or advertisement without options: header, target. */
    public static final int NEIGHBOR_MESSAGE_LENGTH = 24;

    public static final int TYPE_DESTINATION_UNREACHABLE = 1;
    public static final int TYPE_PACKET_TOO_BIG = 2;
    public static final int TYPE_TIME_EXCEEDED = 3;
    public static final int TYPE_PARAMETER_PROBLEM = 4;
    /** Types below this are errors (RFC 4443 section 2.1). */
    public static final int FIRST_INFORMATIONAL = 128;
    public static final int TYPE_ECHO_REQUEST = 128;
    public static final int TYPE_ECHO_REPLY = 129;
    public static final int TYPE_ROUTER_SOLICITATION = 133;
    public static final int TYPE_ROUTER_ADVERTISEMENT = 134;
    public static final int TYPE_NEIGHBOR_SOLICITATION = 135;
    public static final int TYPE_NEIGHBOR_ADVERTISEMENT = 136;
    public static final int TYPE_REDIRECT = 137;

    public static final int CODE_NO_ROUTE = 0;
    public static final int CODE_ADDRESS_UNREACHABLE = 3;
    public static final int CODE_PORT_UNREACHABLE = 4;
    public static final int CODE_HOP_LIMIT_EXCEEDED = 0;
    public static final int CODE_REASSEMBLY_TIME_EXCEEDED = 1;
    public static final int CODE_ERRONEOUS_HEADER = 0;
    public static final int CODE_UNRECOGNIZED_NEXT_HEADER = 1;
    public static final int CODE_UNRECOGNIZED_OPTION = 2;
    /** RFC 7112 section 5: the first fragment does not hold the whole header chain. */
    public static final int CODE_INCOMPLETE_CHAIN = 3;

    /** Neighbour advertisement flags, in {@link #rest()} (RFC 4861 section 4.4). */
    public static final int NA_ROUTER = 0x8000_0000;
    public static final int NA_SOLICITED = 0x4000_0000;
    public static final int NA_OVERRIDE = 0x2000_0000;

    private static final int TYPE = 0;
    private static final int CODE = 1;
    private static final int CHECKSUM = 2;
    private static final int REST = 4;
    private static final int TARGET = 8;

    private ByteBuffer buffer;
    private int offset;
    private int length;

    /** @param length the bytes of the message (the upper-layer length) */
    public Icmpv6Header wrap(final ByteBuffer buffer, final int offset, final int length)
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

    public int length()
    {
        return length;
    }

    /** Whether the checksum over the pseudo-header and the whole message is right. */
    public boolean checksumOk(final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo)
    {
        final int pseudo = Checksum.pseudoHeader6(sourceHi, sourceLo, destinationHi, destinationLo,
            Ipv6Header.NEXT_ICMPV6, length);
        return Checksum.fold(Checksum.sum(buffer, offset, length, pseudo)) == 0;
    }

    /** Computes and writes the checksum over the pseudo-header and the message. */
    public Icmpv6Header computeChecksum(final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo)
    {
        buffer.putShort(offset + CHECKSUM, (short)0);
        final int pseudo = Checksum.pseudoHeader6(sourceHi, sourceLo, destinationHi, destinationLo,
            Ipv6Header.NEXT_ICMPV6, length);
        buffer.putShort(offset + CHECKSUM, (short)Checksum.fold(Checksum.sum(buffer, offset, length, pseudo)));
        return this;
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

    /** The target address of a neighbour solicitation or advertisement; only when {@link #length()} is 24 or more. */
    public long targetHi()
    {
        return buffer.getLong(offset + TARGET);
    }

    public long targetLo()
    {
        return buffer.getLong(offset + TARGET + 8);
    }

    /** Where what follows the 8-byte header starts: the invoking packet of an error, an echo's data. */
    public int payloadOffset()
    {
        return offset + LENGTH;
    }

    public int payloadLength()
    {
        return length - LENGTH;
    }

    /** Where a neighbour message's options start. */
    public int neighborOptionsOffset()
    {
        return offset + NEIGHBOR_MESSAGE_LENGTH;
    }

    public Icmpv6Header type(final int type)
    {
        buffer.put(offset + TYPE, (byte)type);
        return this;
    }

    public Icmpv6Header code(final int code)
    {
        buffer.put(offset + CODE, (byte)code);
        return this;
    }

    public Icmpv6Header checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM, (short)checksum);
        return this;
    }

    public Icmpv6Header rest(final int rest)
    {
        buffer.putInt(offset + REST, rest);
        return this;
    }

    public Icmpv6Header target(final long hi, final long lo)
    {
        Ipv6Address.write(buffer, offset + TARGET, hi, lo);
        return this;
    }
}
