package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * The layout of MLD messages inside ICMPv6 (RFC 2710 section 3, RFC 3810 sections 5.1 and 5.2), read and written in
 * place at an ICMPv6 message's offset, and the hop-by-hop header with the Router Alert option every MLD message
 * travels behind (RFC 2711, value 0: "Multicast Listener Discovery message").
 *
 * <pre>
 *  Query (v1: 24 bytes; v2: 28 + 16N bytes)             v1 report, v1 done (24 bytes)
 *  +------+------+----------+                          +------+------+----------+
 *  | 130  |  0   | checksum |                          | type |  0   | checksum |
 *  +------+------+----------+                          +------+------+----------+
 *  | max resp code| reserved|                          |   0         | reserved |
 *  +--------------+---------+                          +-------------+----------+
 *  |  multicast address (16) |                         |  multicast address (16) |
 *  +----+-+---+-----+--------+                          +------------------------+
 *  |resv|S|QRV| QQIC|sources N|   (v2 only)
 *  +----+-+---+-----+--------+
 *  |  source address [0..N-1] |
 *
 *  Version 2 report (type 143): a header, then M records
 *  +------+------+----------+            +--------+---------+-----------+
 *  | 143  |  0   | checksum |            | record | aux len | sources N |
 *  +------+------+----------+            +--------+---------+-----------+
 *  |    0   |  records M    |            |     multicast address (16)   |
 *  +--------+---------------+            +------------------------------+
 * </pre>
 */
public final class MldMessage
{
    public static final int TYPE_QUERY = 130;
    public static final int TYPE_V1_REPORT = 131;
    public static final int TYPE_V1_DONE = 132;
    public static final int TYPE_V2_REPORT = 143;

    /** Every version 1 message, and the fixed part every query starts with. */
    public static final int V1_LENGTH = 24;
    /** The fixed part of a version 2 query, before its sources. */
    public static final int V2_QUERY_HEADER = 28;
    /** The fixed part of a version 2 report, before its records. */
    public static final int V2_REPORT_HEADER = 8;
    /** A record with no sources and no auxiliary data. */
    public static final int RECORD_LENGTH = 20;

    // Record types (RFC 3810 section 5.2.12).
    public static final int MODE_IS_INCLUDE = 1;
    public static final int MODE_IS_EXCLUDE = 2;
    public static final int CHANGE_TO_INCLUDE = 3;
    public static final int CHANGE_TO_EXCLUDE = 4;
    public static final int ALLOW_NEW_SOURCES = 5;
    public static final int BLOCK_OLD_SOURCES = 6;

    /** The hop-by-hop header carrying Router Alert: next header, length 0, option 5 of 2 bytes, PadN of 0. */
    public static final int ROUTER_ALERT_HEADER_LENGTH = 8;

    private MldMessage()
    {
    }

    public static long groupHi(final ByteBuffer b, final int icmp)
    {
        return b.getLong(icmp + 8);
    }

    public static long groupLo(final ByteBuffer b, final int icmp)
    {
        return b.getLong(icmp + 16);
    }

    /** A version 2 query's Number of Sources. */
    public static int sourceCount(final ByteBuffer b, final int icmp)
    {
        return b.getShort(icmp + 26) & 0xFFFF;
    }

    /** A version 2 query's Querier's Robustness Variable (section 5.1.8). */
    public static int qrv(final ByteBuffer b, final int icmp)
    {
        return b.get(icmp + 24) & 0x7;
    }

    /** A version 2 query's Querier's Query Interval (section 5.1.9), in nanoseconds. */
    public static long queryIntervalNanos(final ByteBuffer b, final int icmp)
    {
        final int code = b.get(icmp + 25) & 0xFF;
        final long seconds = code < 128 ? code : (long)((code & 0xF) | 0x10) << (((code >> 4) & 0x7) + 3);
        return seconds * 1_000_000_000L;
    }

    /**
     * The Maximum Response Delay in nanoseconds: milliseconds in version 1 (RFC 2710 section 3.4), the exponential
     * code of RFC 3810 section 5.1.3 in version 2.
     */
    public static long maxResponseDelayNanos(final ByteBuffer b, final int icmp, final int version)
    {
        final int code = b.getShort(icmp + 4) & 0xFFFF;
        final long millis = version == 1 || code < 32768 ? code
            : (long)((code & 0xFFF) | 0x1000) << (((code >> 12) & 0x7) + 3);
        return millis * 1_000_000L;
    }

    /** Writes a version 2 report's header (type, code, zeroed checksum and reserved field, record count). */
    public static void writeV2ReportHeader(final ByteBuffer b, final int icmp, final int records)
    {
        b.putInt(icmp, TYPE_V2_REPORT << 24);
        b.putShort(icmp + 4, (short)0);
        b.putShort(icmp + 6, (short)records);
    }

    /**
     * Writes a record without auxiliary data.
     *
     * @param sources the sources as {@code hi, lo} pairs
     */
    public static void writeRecord(final ByteBuffer b, final int at, final int type, final long groupHi,
        final long groupLo, final long[] sources)
    {
        b.putInt(at, type << 24 | (sources.length >> 1));
        b.putLong(at + 4, groupHi);
        b.putLong(at + 12, groupLo);
        for (int i = 0; i < sources.length; i++)
        {
            b.putLong(at + RECORD_LENGTH + 8 * i, sources[i]);
        }
    }

    /** A record's type, at {@code at}. */
    public static int recordType(final ByteBuffer b, final int at)
    {
        return b.get(at) & 0xFF;
    }

    /** A record's Number of Sources. */
    public static int recordSourceCount(final ByteBuffer b, final int at)
    {
        return b.getShort(at + 2) & 0xFFFF;
    }

    /** A version 2 report's Number of Multicast Address Records. */
    public static int recordCount(final ByteBuffer b, final int icmp)
    {
        return b.getShort(icmp + 6) & 0xFFFF;
    }

    /** Writes a version 1 report or Done (zeroed checksum). */
    public static void writeV1(final ByteBuffer b, final int icmp, final int type, final long groupHi,
        final long groupLo)
    {
        b.putInt(icmp, type << 24);
        b.putInt(icmp + 4, 0);
        b.putLong(icmp + 8, groupHi);
        b.putLong(icmp + 16, groupLo);
    }

    /** Writes the hop-by-hop header with Router Alert (value 0, MLD) and ICMPv6 next. */
    public static void writeRouterAlert(final ByteBuffer b, final int at)
    {
        b.put(at, (byte)Ipv6Header.NEXT_ICMPV6);
        b.put(at + 1, (byte)0);
        b.put(at + 2, (byte)5);
        b.put(at + 3, (byte)2);
        b.putShort(at + 4, (short)0);
        b.put(at + 6, (byte)1); // PadN of no data bytes
        b.put(at + 7, (byte)0);
    }
}
