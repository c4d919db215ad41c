package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over a UDP header (RFC 768).
 *
 * <pre>
 *   0       2       4       6       8
 *   +-------+-------+-------+-------+
 *   | sport | dport | length| csum  |
 *   +-------+-------+-------+-------+
 * </pre>
 */
public final class UdpHeader
{
    public static final int LENGTH = 8;

    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int UDP_LENGTH = 4;
    private static final int CHECKSUM = 6;
    /** Where the checksum field is in the header (RFC 768). */
    public static final int CHECKSUM_OFFSET = CHECKSUM;

    private ByteBuffer buffer;
    private int offset;
    private int available;

    /** @param available the bytes of the IP payload */
    public UdpHeader wrap(final ByteBuffer buffer, final int offset, final int available)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.available = available;
        return this;
    }

    /** Whether the header fits and its length field is consistent with the IP payload (RFC 768, RFC 1122 4.1.3.4). */
    public boolean isValid()
    {
        if (available < LENGTH)
        {
            return false;
        }
        final int length = length();
        return length >= LENGTH && length <= available;
    }

    public int sourcePort()
    {
        return buffer.getShort(offset + SOURCE_PORT) & 0xFFFF;
    }

    public int destinationPort()
    {
        return buffer.getShort(offset + DESTINATION_PORT) & 0xFFFF;
    }

    /** Length of header and payload. */
    public int length()
    {
        return buffer.getShort(offset + UDP_LENGTH) & 0xFFFF;
    }

    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM) & 0xFFFF;
    }

    public int payloadOffset()
    {
        return offset + LENGTH;
    }

    public int payloadLength()
    {
        return length() - LENGTH;
    }

    /**
     * Verifies the checksum against the pseudo-header. A zero checksum means the sender computed none, which
     * RFC 768 allows over IPv4.
     */
    public boolean checksumOk(final int source, final int destination)
    {
        if (checksum() == 0)
        {
            return true;
        }
        final int length = length();
        final int sum = Checksum.sum(buffer, offset, length,
            Checksum.pseudoHeader(source, destination, Ipv4Header.PROTOCOL_UDP, length));
        return Checksum.fold(sum) == 0;
    }

    /**
     * Verifies the checksum against IPv6's pseudo-header. Over IPv6 the checksum is mandatory (RFC 8200 section
     * 8.1): a zero checksum fails, and the receiver drops the datagram.
     */
    public boolean checksumOk6(final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo)
    {
        if (checksum() == 0)
        {
            return false;
        }
        final int length = length();
        final int sum = Checksum.sum(buffer, offset, length, Checksum.pseudoHeader6(sourceHi, sourceLo,
            destinationHi, destinationLo, Ipv4Header.PROTOCOL_UDP, length));
        return Checksum.fold(sum) == 0;
    }

    public UdpHeader write(final int sourcePort, final int destinationPort, final int length)
    {
        // One 8-byte store for the four fields (the checksum zero), not four bounds-checked 2-byte ones.
        buffer.putLong(offset + SOURCE_PORT, (long)(sourcePort & 0xFFFF) << 48 | (long)(destinationPort & 0xFFFF) << 32
            | (long)(length & 0xFFFF) << 16);
        return this;
    }

    public UdpHeader checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM, (short)checksum);
        return this;
    }

    /**
     * Computes and stores the checksum over the header and payload already in the buffer. A computed zero is sent
     * as 0xFFFF (RFC 768), since zero means "no checksum".
     */
    public UdpHeader computeChecksum(final int source, final int destination)
    {
        final int length = length();
        checksum(0);
        final int value = Checksum.fold(Checksum.sum(buffer, offset, length,
            Checksum.pseudoHeader(source, destination, Ipv4Header.PROTOCOL_UDP, length)));
        return checksum(value == 0 ? 0xFFFF : value);
    }

    /**
     * Writes the header in one 8-byte store with a partial checksum: the folded pseudo-header sum, not complemented
     * (Linux's CHECKSUM_PARTIAL), for whoever sends the datagram to complete over its bytes.
     */
    public UdpHeader writePartial(final int sourcePort, final int destinationPort, final int length, final int source,
        final int destination)
    {
        final int partial = ~Checksum.fold(Checksum.pseudoHeader(source, destination, Ipv4Header.PROTOCOL_UDP, length))
            & 0xFFFF;
        buffer.putLong(offset + SOURCE_PORT, (long)(sourcePort & 0xFFFF) << 48 | (long)(destinationPort & 0xFFFF) << 32
            | (long)(length & 0xFFFF) << 16 | partial);
        return this;
    }

    /** {@link #writePartial} over IPv6's pseudo-header (RFC 8200 section 8.1). */
    public UdpHeader writePartial6(final int sourcePort, final int destinationPort, final int length,
        final long sourceHi, final long sourceLo, final long destinationHi, final long destinationLo)
    {
        final int partial = ~Checksum.fold(Checksum.pseudoHeader6(sourceHi, sourceLo, destinationHi, destinationLo,
            Ipv4Header.PROTOCOL_UDP, length)) & 0xFFFF;
        buffer.putLong(offset + SOURCE_PORT, (long)(sourcePort & 0xFFFF) << 48 | (long)(destinationPort & 0xFFFF) << 32
            | (long)(length & 0xFFFF) << 16 | partial);
        return this;
    }

    /** {@link #computeChecksum(int, int)} over IPv6's pseudo-header; a computed zero is sent as 0xFFFF. */
    public UdpHeader computeChecksum6(final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo)
    {
        final int length = length();
        checksum(0);
        final int value = Checksum.fold(Checksum.sum(buffer, offset, length, Checksum.pseudoHeader6(sourceHi,
            sourceLo, destinationHi, destinationLo, Ipv4Header.PROTOCOL_UDP, length)));
        return checksum(value == 0 ? 0xFFFF : value);
    }
}
