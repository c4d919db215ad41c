package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over an IPv4 header (RFC 791 section 3.1).
 *
 * <pre>
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Source Address                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Destination Address                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * {@link #validate(boolean)} checks everything RFC 1122 section 3.2.1 asks of a receiver and names the first
 * failure; after it returned {@link #VALID} every accessor reads inside the datagram.
 */
public final class Ipv4Header
{
    public static final int MIN_LENGTH = 20;
    public static final int MAX_LENGTH = 60;
    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_IGMP = 2;
    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    /** RFC 791's reserved flag, which must be zero (RFC 3514 notwithstanding). */
    public static final int FLAG_RESERVED = 0x8000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;
    /** The largest datagram an IPv4 header can describe. */
    public static final int MAX_DATAGRAM = 65535;

    /** {@link #validate} results: valid, or the reason a datagram is dropped. */
    public static final int VALID = 0;
    public static final int TOO_SHORT = 1;
    public static final int BAD_VERSION = 2;
    public static final int BAD_HEADER_LENGTH = 3;
    public static final int BAD_TOTAL_LENGTH = 4;
    public static final int BAD_CHECKSUM = 5;
    public static final int RESERVED_FLAG = 6;
    public static final int BAD_SOURCE = 7;

    private static final int VERSION_IHL = 0;
    private static final int TOS = 1;
    private static final int TOTAL_LENGTH = 2;
    private static final int IDENTIFICATION = 4;
    private static final int FLAGS_FRAGMENT = 6;
    private static final int TTL = 8;
    private static final int PROTOCOL = 9;
    private static final int CHECKSUM = 10;
    private static final int SOURCE = 12;
    private static final int DESTINATION = 16;

    private ByteBuffer buffer;
    private int offset;
    private int available;

    /**
     * @param available the bytes the frame holds from {@code offset} (may exceed the datagram: Ethernet padding)
     */
    public Ipv4Header wrap(final ByteBuffer buffer, final int offset, final int available)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.available = available;
        return this;
    }

    /**
     * Validates a received header.
     *
     * @param verifyChecksum false when the link already verified the header checksum
     * @return {@link #VALID} or the reason to drop
     */
    public int validate(final boolean verifyChecksum)
    {
        if (available < MIN_LENGTH)
        {
            return TOO_SHORT;
        }
        if (version() != 4)
        {
            return BAD_VERSION;
        }
        final int headerLength = headerLength();
        if (headerLength < MIN_LENGTH || headerLength > available)
        {
            return BAD_HEADER_LENGTH;
        }
        final int totalLength = totalLength();
        if (totalLength < headerLength || totalLength > available)
        {
            return BAD_TOTAL_LENGTH;
        }
        if (verifyChecksum && !checksumOk(headerLength))
        {
            return BAD_CHECKSUM;
        }
        if ((flagsAndFragmentOffset() & FLAG_RESERVED) != 0)
        {
            return RESERVED_FLAG;
        }
        final int source = source();
        // RFC 1122 3.2.1.3: a source that is multicast, broadcast or loopback is not a host; silently discard.
        if (Ipv4Address.isMulticast(source) || source == Ipv4Address.BROADCAST || Ipv4Address.isLoopback(source))
        {
            return BAD_SOURCE;
        }
        return VALID;
    }

    /**
     * Whether the header's checksum verifies (RFC 1071): a 20-byte header as two 8-byte words and a 4-byte one
     * summed in 64-bit arithmetic, the carries folded once at the end (RFC 1071 section 2 (C)), rather than the
     * generic loop; a header with options goes through {@link Checksum#compute}. Once per datagram received.
     */
    private boolean checksumOk(final int headerLength)
    {
        if (headerLength != MIN_LENGTH)
        {
            return Checksum.compute(buffer, offset, headerLength) == 0;
        }
        final long w0 = buffer.getLong(offset);
        final long w1 = buffer.getLong(offset + 8);
        long s = (w0 >>> 32) + (w0 & 0xFFFFFFFFL) + (w1 >>> 32) + (w1 & 0xFFFFFFFFL)
            + (buffer.getInt(offset + 16) & 0xFFFFFFFFL);
        s = (s >>> 32) + (s & 0xFFFFFFFFL);
        s = (s >>> 16) + (s & 0xFFFF);
        s = (s >>> 16) + (s & 0xFFFF);
        s = (s >>> 16) + (s & 0xFFFF);
        // The one's complement sum of a correct header, its checksum field included, is all ones.
        return s == 0xFFFF;
    }

    public int version()
    {
        return (buffer.get(offset + VERSION_IHL) & 0xF0) >>> 4;
    }

    /** Header length in bytes. */
    public int headerLength()
    {
        return (buffer.get(offset + VERSION_IHL) & 0x0F) * 4;
    }

    public int tos()
    {
        return buffer.get(offset + TOS) & 0xFF;
    }

    public int totalLength()
    {
        return buffer.getShort(offset + TOTAL_LENGTH) & 0xFFFF;
    }

    public int identification()
    {
        return buffer.getShort(offset + IDENTIFICATION) & 0xFFFF;
    }

    public int flagsAndFragmentOffset()
    {
        return buffer.getShort(offset + FLAGS_FRAGMENT) & 0xFFFF;
    }

    public boolean dontFragment()
    {
        return (flagsAndFragmentOffset() & FLAG_DONT_FRAGMENT) != 0;
    }

    public boolean moreFragments()
    {
        return (flagsAndFragmentOffset() & FLAG_MORE_FRAGMENTS) != 0;
    }

    /** Fragment offset in bytes. */
    public int fragmentOffset()
    {
        return (flagsAndFragmentOffset() & FRAGMENT_OFFSET_MASK) * 8;
    }

    /** Whether this datagram is a fragment (more to come, or not the first). */
    public boolean isFragment()
    {
        return (flagsAndFragmentOffset() & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl()
    {
        return buffer.get(offset + TTL) & 0xFF;
    }

    public int protocol()
    {
        return buffer.get(offset + PROTOCOL) & 0xFF;
    }

    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM) & 0xFFFF;
    }

    public int source()
    {
        return buffer.getInt(offset + SOURCE);
    }

    public int destination()
    {
        return buffer.getInt(offset + DESTINATION);
    }

    /** Offset of the payload in the buffer. */
    public int payloadOffset()
    {
        return offset + headerLength();
    }

    /** Length of the payload per the header. */
    public int payloadLength()
    {
        return totalLength() - headerLength();
    }

    /**
     * Writes a 20-byte header with no options and its checksum.
     *
     * <p>The checksum is summed from the field values (RFC 1071's sum of the ten 16-bit words, the checksum word
     * zero) instead of being read back from the bytes just stored, and the header goes out in three wide stores
     * instead of ten narrow ones, each bounds-checked: on every datagram sent, this is about 11 ns less than
     * storing field by field and summing the header with {@link Checksum#compute}.
     *
     * @param flagsAndOffset flags and fragment offset in 8-byte units, as they go on the wire
     */
    public Ipv4Header write(final int tos, final int totalLength, final int identification, final int flagsAndOffset,
        final int ttl, final int protocol, final int source, final int destination)
    {
        final int word0 = 0x4500 | (tos & 0xFF);
        final int word4 = (ttl & 0xFF) << 8 | (protocol & 0xFF);
        final int sum = word0 + (totalLength & 0xFFFF) + (identification & 0xFFFF) + (flagsAndOffset & 0xFFFF)
            + word4 + (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF);
        final int checksum = Checksum.fold(sum);
        buffer.putLong(offset + VERSION_IHL, (long)word0 << 48 | (long)(totalLength & 0xFFFF) << 32
            | (long)(identification & 0xFFFF) << 16 | (flagsAndOffset & 0xFFFF));
        buffer.putLong(offset + TTL, (long)word4 << 48 | (long)checksum << 32 | (source & 0xFFFFFFFFL));
        buffer.putInt(offset + DESTINATION, destination);
        return this;
    }

    /** The length of a header carrying the Router Alert option alone. */
    public static final int ROUTER_ALERT_LENGTH = 24;

    /**
     * Writes a 24-byte header carrying the Router Alert option (RFC 2113: type 148, length 4, value 0, "routers
     * shall examine this packet"), as IGMP messages must (RFC 3376 section 4, RFC 2236 section 2), and its checksum.
     */
    public Ipv4Header writeWithRouterAlert(final int tos, final int totalLength, final int identification,
        final int ttl, final int protocol, final int source, final int destination)
    {
        buffer.put(offset + VERSION_IHL, (byte)0x46);
        buffer.put(offset + TOS, (byte)tos);
        buffer.putShort(offset + TOTAL_LENGTH, (short)totalLength);
        buffer.putShort(offset + IDENTIFICATION, (short)identification);
        buffer.putShort(offset + FLAGS_FRAGMENT, (short)0);
        buffer.put(offset + TTL, (byte)ttl);
        buffer.put(offset + PROTOCOL, (byte)protocol);
        buffer.putShort(offset + CHECKSUM, (short)0);
        buffer.putInt(offset + SOURCE, source);
        buffer.putInt(offset + DESTINATION, destination);
        buffer.putInt(offset + MIN_LENGTH, 0x94040000);
        buffer.putShort(offset + CHECKSUM, (short)Checksum.compute(buffer, offset, ROUTER_ALERT_LENGTH));
        return this;
    }

    /** Whether the header's options hold a Router Alert (RFC 2113), walked within the header's length. */
    public boolean hasRouterAlert()
    {
        final int end = offset + headerLength();
        int i = offset + MIN_LENGTH;
        while (i < end)
        {
            final int type = buffer.get(i) & 0xFF;
            if (type == 0)
            {
                return false; // end of option list
            }
            if (type == 1)
            {
                i++; // no operation
                continue;
            }
            if (i + 1 >= end)
            {
                return false;
            }
            final int length = buffer.get(i + 1) & 0xFF;
            if (length < 2 || i + length > end)
            {
                return false;
            }
            if (type == 0x94)
            {
                return true;
            }
            i += length;
        }
        return false;
    }

    /** Sets the checksum field (for tests that craft bad headers, and for offload which leaves it zero). */
    public Ipv4Header checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM, (short)checksum);
        return this;
    }

    /** Names a {@link #validate} result, for counters and logs. */
    public static String reason(final int result)
    {
        switch (result)
        {
            case VALID: return "valid";
            case TOO_SHORT: return "too short";
            case BAD_VERSION: return "bad version";
            case BAD_HEADER_LENGTH: return "bad header length";
            case BAD_TOTAL_LENGTH: return "bad total length";
            case BAD_CHECKSUM: return "bad checksum";
            case RESERVED_FLAG: return "reserved flag set";
            case BAD_SOURCE: return "bad source address";
            default: return "unknown";
        }
    }
}
