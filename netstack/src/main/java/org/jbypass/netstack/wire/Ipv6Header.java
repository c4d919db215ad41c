package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over the fixed IPv6 header (RFC 8200 section 3).
 *
 * <pre>
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Source Address (128)                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                      Destination Address (128)                |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * There is no header checksum: the upper layers' checksums cover a pseudo-header instead
 * ({@link Checksum#pseudoHeader6}). {@link #validate()} names the first reason to drop a received packet; after it
 * returned {@link #VALID} every accessor reads inside the packet.
 */
public final class Ipv6Header
{
    public static final int LENGTH = 40;
    /** The smallest MTU of any IPv6 link (RFC 8200 section 5). */
    public static final int MIN_MTU = 1280;
    /** The largest payload a header without a jumbo payload option can describe. */
    public static final int MAX_PAYLOAD = 65535;

    public static final int NEXT_HOP_BY_HOP = 0;
    public static final int NEXT_TCP = 6;
    public static final int NEXT_UDP = 17;
    public static final int NEXT_ROUTING = 43;
    public static final int NEXT_FRAGMENT = 44;
    public static final int NEXT_ESP = 50;
    public static final int NEXT_AH = 51;
    public static final int NEXT_ICMPV6 = 58;
    public static final int NEXT_NONE = 59;
    public static final int NEXT_DESTINATION_OPTIONS = 60;

    /** {@link #validate} results: valid, or the reason a packet is dropped. */
    public static final int VALID = 0;
    public static final int TOO_SHORT = 1;
    public static final int BAD_VERSION = 2;
    /** The payload length runs past the frame. */
    public static final int BAD_PAYLOAD_LENGTH = 3;
    /** A multicast source (RFC 4291 section 2.7), loopback (2.5.3) or IPv4-mapped (2.5.5.2) address on the wire. */
    public static final int BAD_SOURCE = 4;
    /** The loopback, unspecified or IPv4-mapped address as a destination, or a multicast one of scope 0. */
    public static final int BAD_DESTINATION = 5;

    /** Offsets of the fields, for parameter problem pointers (RFC 4443 section 3.4). */
    public static final int PAYLOAD_LENGTH = 4;
    public static final int NEXT_HEADER = 6;
    public static final int HOP_LIMIT = 7;
    public static final int SOURCE = 8;
    public static final int DESTINATION = 24;

    private ByteBuffer buffer;
    private int offset;
    private int available;

    /**
     * @param available the bytes the frame holds from {@code offset} (may exceed the packet: Ethernet padding)
     */
    public Ipv6Header wrap(final ByteBuffer buffer, final int offset, final int available)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.available = available;
        return this;
    }

    /** Validates a received header (RFC 8200 section 3, RFC 4291's address rules); see the result constants. */
    public int validate()
    {
        if (available < LENGTH)
        {
            return TOO_SHORT;
        }
        if (version() != 6)
        {
            return BAD_VERSION;
        }
        if (payloadLength() > available - LENGTH)
        {
            return BAD_PAYLOAD_LENGTH;
        }
        final long sourceHi = sourceHi();
        final long sourceLo = sourceLo();
        if (Ipv6Address.isMulticast(sourceHi) || Ipv6Address.isLoopback(sourceHi, sourceLo)
            || Ipv6Address.isV4Mapped(sourceHi, sourceLo))
        {
            return BAD_SOURCE;
        }
        final long destinationHi = destinationHi();
        final long destinationLo = destinationLo();
        if (Ipv6Address.isUnspecified(destinationHi, destinationLo)
            || Ipv6Address.isLoopback(destinationHi, destinationLo)
            || Ipv6Address.isV4Mapped(destinationHi, destinationLo)
            || Ipv6Address.isMulticast(destinationHi) && Ipv6Address.multicastScope(destinationHi) == 0)
        {
            return BAD_DESTINATION;
        }
        return VALID;
    }

    public int version()
    {
        return (buffer.get(offset) & 0xFF) >>> 4;
    }

    public int trafficClass()
    {
        return (buffer.getShort(offset) >>> 4) & 0xFF;
    }

    public int flowLabel()
    {
        return buffer.getInt(offset) & 0xF_FFFF;
    }

    public int payloadLength()
    {
        return buffer.getShort(offset + PAYLOAD_LENGTH) & 0xFFFF;
    }

    public int nextHeader()
    {
        return buffer.get(offset + NEXT_HEADER) & 0xFF;
    }

    public int hopLimit()
    {
        return buffer.get(offset + HOP_LIMIT) & 0xFF;
    }

    public long sourceHi()
    {
        return buffer.getLong(offset + SOURCE);
    }

    public long sourceLo()
    {
        return buffer.getLong(offset + SOURCE + 8);
    }

    public long destinationHi()
    {
        return buffer.getLong(offset + DESTINATION);
    }

    public long destinationLo()
    {
        return buffer.getLong(offset + DESTINATION + 8);
    }

    /** Where the payload (the first extension header, or the upper-layer header) starts. */
    public int payloadOffset()
    {
        return offset + LENGTH;
    }

    public Ipv6Header payloadLength(final int length)
    {
        buffer.putShort(offset + PAYLOAD_LENGTH, (short)length);
        return this;
    }

    public Ipv6Header nextHeader(final int nextHeader)
    {
        buffer.put(offset + NEXT_HEADER, (byte)nextHeader);
        return this;
    }

    /**
     * Writes a whole header.
     *
     * @param flowLabel the 20-bit flow label (RFC 6437), 0 for none
     */
    public Ipv6Header write(final int trafficClass, final int flowLabel, final int payloadLength,
        final int nextHeader, final int hopLimit, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo)
    {
        buffer.putInt(offset, (6 << 28) | ((trafficClass & 0xFF) << 20) | (flowLabel & 0xF_FFFF));
        buffer.putShort(offset + PAYLOAD_LENGTH, (short)payloadLength);
        buffer.put(offset + NEXT_HEADER, (byte)nextHeader);
        buffer.put(offset + HOP_LIMIT, (byte)hopLimit);
        Ipv6Address.write(buffer, offset + SOURCE, sourceHi, sourceLo);
        Ipv6Address.write(buffer, offset + DESTINATION, destinationHi, destinationLo);
        return this;
    }
}
