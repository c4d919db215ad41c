package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over an IGMP message: the queries of all three versions, the version 1 and 2 reports and leave (RFC 1112
 * appendix I, RFC 2236 section 2) and the version 3 report (RFC 3376 section 4).
 *
 * <pre>
 *  Query (v1: 8 bytes, max resp 0; v2: 8 bytes; v3: 12 + 4N bytes)      v1/v2 report, v2 leave (8 bytes)
 *  +------+---------+----------+                                         +------+-------+----------+
 *  | 0x11 |max resp | checksum |                                         | type |   0   | checksum |
 *  +------+---------+----------+                                         +------+-------+----------+
 *  |       group address       |                                         |       group address     |
 *  +----+-+---+-----+----------+                                         +-------------------------+
 *  |resv|S|QRV| QQIC| sources N|   (v3 only)
 *  +----+-+---+-----+----------+
 *  |  source address [0..N-1]  |
 *  +---------------------------+
 *
 *  Version 3 report: a header, then M group records
 *  +------+------+----------+            +--------+---------+-----------+
 *  | 0x22 |  0   | checksum |            | record | aux len | sources N |
 *  +------+------+----------+            +--------+---------+-----------+
 *  |    0   |  records M    |            |        multicast address     |
 *  +--------+---------------+            +------------------------------+
 *                                        |   source address [0..N-1]    |
 *                                        +------------------------------+
 * </pre>
 */
public final class IgmpHeader
{
    /** The shortest IGMP message: every version's query, report and leave start with these 8 bytes. */
    public static final int MIN_LENGTH = 8;
    /** The fixed part of a version 3 query, before its sources. */
    public static final int V3_QUERY_LENGTH = 12;
    /** The fixed part of a version 3 report, before its records. */
    public static final int V3_REPORT_HEADER = 8;
    /** The fixed part of a group record, before its sources. */
    public static final int RECORD_HEADER = 8;

    public static final int TYPE_QUERY = 0x11;
    public static final int TYPE_V1_REPORT = 0x12;
    public static final int TYPE_V2_REPORT = 0x16;
    public static final int TYPE_V2_LEAVE = 0x17;
    public static final int TYPE_V3_REPORT = 0x22;

    /** Group record types (RFC 3376 section 4.2.12): current state, filter mode change, source list change. */
    public static final int MODE_IS_INCLUDE = 1;
    public static final int MODE_IS_EXCLUDE = 2;
    public static final int CHANGE_TO_INCLUDE = 3;
    public static final int CHANGE_TO_EXCLUDE = 4;
    public static final int ALLOW_NEW_SOURCES = 5;
    public static final int BLOCK_OLD_SOURCES = 6;

    private static final int TYPE = 0;
    private static final int MAX_RESP = 1;
    private static final int CHECKSUM = 2;
    private static final int GROUP = 4;
    private static final int QRV = 8;
    private static final int QQIC = 9;
    private static final int SOURCE_COUNT = 10;
    private static final int SOURCES = 12;
    private static final int RECORD_COUNT = 6;

    private ByteBuffer buffer;
    private int offset;
    private int length;

    /** @param length the message's bytes (the IP payload) */
    public IgmpHeader wrap(final ByteBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    public int length()
    {
        return length;
    }

    /** Whether the checksum over the whole message is right (RFC 3376 section 4.1.2). */
    public boolean checksumOk()
    {
        return Checksum.compute(buffer, offset, length) == 0;
    }

    public int type()
    {
        return buffer.get(offset + TYPE) & 0xFF;
    }

    /** The query's Max Resp Code (v2, v3), 0 in a v1 query. */
    public int maxRespCode()
    {
        return buffer.get(offset + MAX_RESP) & 0xFF;
    }

    /** The group address: 0 in a general query. */
    public int group()
    {
        return buffer.getInt(offset + GROUP);
    }

    /** A v3 query's Querier's Robustness Variable (0: the querier's exceeds 7, keep ours). */
    public int qrv()
    {
        return buffer.get(offset + QRV) & 0x07;
    }

    /** A v3 query's Querier's Query Interval Code. */
    public int qqic()
    {
        return buffer.get(offset + QQIC) & 0xFF;
    }

    /** A v3 query's number of sources. */
    public int sourceCount()
    {
        return buffer.getShort(offset + SOURCE_COUNT) & 0xFFFF;
    }

    /** Whether a v3 query's sources all lie within the message. */
    public boolean sourcesFit()
    {
        return V3_QUERY_LENGTH + 4L * sourceCount() <= length;
    }

    /** A v3 query's {@code i}th source. */
    public int source(final int i)
    {
        return buffer.getInt(offset + SOURCES + 4 * i);
    }

    /**
     * Decodes a v3 Max Resp Code or QQIC (RFC 3376 sections 4.1.1 and 4.1.7): below 128 the value itself, else a
     * floating point number, mantissa (4 bits, with an implied 1) shifted by exponent + 3.
     */
    public static int decodeCode(final int code)
    {
        if (code < 128)
        {
            return code;
        }
        final int mantissa = code & 0x0F;
        final int exponent = (code >>> 4) & 0x07;
        return (mantissa | 0x10) << (exponent + 3);
    }

    /** Writes an 8-byte v1/v2 report or v2 leave and its checksum. */
    public IgmpHeader writeShort(final int type, final int group)
    {
        buffer.put(offset + TYPE, (byte)type);
        buffer.put(offset + MAX_RESP, (byte)0);
        buffer.putShort(offset + CHECKSUM, (short)0);
        buffer.putInt(offset + GROUP, group);
        buffer.putShort(offset + CHECKSUM, (short)Checksum.compute(buffer, offset, MIN_LENGTH));
        return this;
    }

    /** Writes a v3 report's header for {@code records} group records; the checksum comes after the records. */
    public IgmpHeader writeV3ReportHeader(final int records)
    {
        buffer.putInt(offset, TYPE_V3_REPORT << 24);
        buffer.putShort(offset + 4, (short)0);
        buffer.putShort(offset + RECORD_COUNT, (short)records);
        return this;
    }

    /** Writes a group record at {@code at} (an absolute offset). @return the record's length */
    public static int writeRecord(final ByteBuffer buffer, final int at, final int recordType, final int group,
        final int[] sources, final int count)
    {
        buffer.put(at, (byte)recordType);
        buffer.put(at + 1, (byte)0);
        buffer.putShort(at + 2, (short)count);
        buffer.putInt(at + 4, group);
        for (int i = 0; i < count; i++)
        {
            buffer.putInt(at + RECORD_HEADER + 4 * i, sources[i]);
        }
        return RECORD_HEADER + 4 * count;
    }

    /** Computes the checksum over the whole message, as wrapped. */
    public IgmpHeader computeChecksum()
    {
        buffer.putShort(offset + CHECKSUM, (short)0);
        buffer.putShort(offset + CHECKSUM, (short)Checksum.compute(buffer, offset, length));
        return this;
    }

    /** A v3 report's number of records. */
    public int recordCount()
    {
        return buffer.getShort(offset + RECORD_COUNT) & 0xFFFF;
    }
}
