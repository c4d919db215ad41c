package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over a TCP header (RFC 9293 section 3.1).
 *
 * <pre>
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        Sequence Number                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Acknowledgment Number                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *   |       |       |R|E|G|K|H|T|N|N|                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * After {@link #isValid()} passed, the fixed fields and the option bytes ({@link #optionsOffset()} for
 * {@link #optionsLength()} bytes) lie inside the segment.
 */
public final class TcpHeader
{
    public static final int MIN_LENGTH = 20;
    public static final int MAX_LENGTH = 60;
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int SEQUENCE = 4;
    private static final int ACKNOWLEDGMENT = 8;
    private static final int DATA_OFFSET = 12;
    private static final int FLAGS = 13;
    private static final int WINDOW = 14;
    private static final int CHECKSUM = 16;
    /** Where the checksum field is in the header (RFC 9293 section 3.1). */
    public static final int CHECKSUM_OFFSET = CHECKSUM;
    private static final int URGENT = 18;

    private ByteBuffer buffer;
    private int offset;
    private int segmentLength;

    /** @param segmentLength the bytes of the segment: header, options and data (the IP payload) */
    public TcpHeader wrap(final ByteBuffer buffer, final int offset, final int segmentLength)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.segmentLength = segmentLength;
        return this;
    }

    /** Whether the fixed header fits and the data offset lies within 20..60 and within the segment. */
    public boolean isValid()
    {
        if (segmentLength < MIN_LENGTH)
        {
            return false;
        }
        final int headerLength = headerLength();
        return headerLength >= MIN_LENGTH && headerLength <= segmentLength;
    }

    /** Verifies the checksum over the pseudo-header and the whole segment. */
    public boolean checksumOk(final int source, final int destination)
    {
        final int sum = Checksum.sum(buffer, offset, segmentLength,
            Checksum.pseudoHeader(source, destination, Ipv4Header.PROTOCOL_TCP, segmentLength));
        return Checksum.fold(sum) == 0;
    }

    /** {@link #checksumOk(int, int)} over IPv6's pseudo-header (RFC 8200 section 8.1). */
    public boolean checksumOk6(final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo)
    {
        final int sum = Checksum.sum(buffer, offset, segmentLength, Checksum.pseudoHeader6(sourceHi, sourceLo,
            destinationHi, destinationLo, Ipv4Header.PROTOCOL_TCP, segmentLength));
        return Checksum.fold(sum) == 0;
    }

    public int sourcePort()
    {
        return buffer.getShort(offset + SOURCE_PORT) & 0xFFFF;
    }

    public int destinationPort()
    {
        return buffer.getShort(offset + DESTINATION_PORT) & 0xFFFF;
    }

    public int sequence()
    {
        return buffer.getInt(offset + SEQUENCE);
    }

    public int acknowledgment()
    {
        return buffer.getInt(offset + ACKNOWLEDGMENT);
    }

    /** Header length including options, in bytes. */
    public int headerLength()
    {
        return ((buffer.get(offset + DATA_OFFSET) & 0xF0) >>> 4) * 4;
    }

    /** The eight flag bits, CWR to FIN. */
    public int flags()
    {
        return buffer.get(offset + FLAGS) & 0xFF;
    }

    public boolean hasFlags(final int mask)
    {
        return (flags() & mask) == mask;
    }

    /** The window as sent, before any scaling. */
    public int window()
    {
        return buffer.getShort(offset + WINDOW) & 0xFFFF;
    }

    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM) & 0xFFFF;
    }

    public int urgentPointer()
    {
        return buffer.getShort(offset + URGENT) & 0xFFFF;
    }

    public int optionsOffset()
    {
        return offset + MIN_LENGTH;
    }

    public int optionsLength()
    {
        return headerLength() - MIN_LENGTH;
    }

    public int payloadOffset()
    {
        return offset + headerLength();
    }

    public int payloadLength()
    {
        return segmentLength - headerLength();
    }

    /** The buffer the flyweight reads, for option parsing. */
    public ByteBuffer buffer()
    {
        return buffer;
    }

    /**
     * Writes the fixed header; the checksum is left zero and the options are for the caller to write.
     *
     * @param headerLength 20 plus the options, a multiple of 4
     */
    public TcpHeader write(final int sourcePort, final int destinationPort, final int sequence,
        final int acknowledgment, final int headerLength, final int flags, final int window)
    {
        buffer.putShort(offset + SOURCE_PORT, (short)sourcePort);
        buffer.putShort(offset + DESTINATION_PORT, (short)destinationPort);
        buffer.putInt(offset + SEQUENCE, sequence);
        buffer.putInt(offset + ACKNOWLEDGMENT, acknowledgment);
        buffer.put(offset + DATA_OFFSET, (byte)((headerLength / 4) << 4));
        buffer.put(offset + FLAGS, (byte)flags);
        buffer.putShort(offset + WINDOW, (short)window);
        buffer.putShort(offset + CHECKSUM, (short)0);
        buffer.putShort(offset + URGENT, (short)0);
        return this;
    }

    /** The bytes of the segment given at wrap: header, options and data. */
    public int segmentLength()
    {
        return segmentLength;
    }

    public TcpHeader checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM, (short)checksum);
        return this;
    }

    /** Computes and stores the checksum over the pseudo-header and the {@code segmentLength} bytes given at wrap. */
    public TcpHeader computeChecksum(final int source, final int destination)
    {
        checksum(0);
        return checksum(Checksum.fold(Checksum.sum(buffer, offset, segmentLength,
            Checksum.pseudoHeader(source, destination, Ipv4Header.PROTOCOL_TCP, segmentLength))));
    }

    /** {@link #computeChecksum(int, int)} over IPv6's pseudo-header (RFC 8200 section 8.1). */
    public TcpHeader computeChecksum6(final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo)
    {
        checksum(0);
        return checksum(Checksum.fold(Checksum.sum(buffer, offset, segmentLength, Checksum.pseudoHeader6(sourceHi,
            sourceLo, destinationHi, destinationLo, Ipv4Header.PROTOCOL_TCP, segmentLength))));
    }
}
