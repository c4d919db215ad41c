package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * IPv6 addresses carried as two {@code long}s so that nothing on the fast path allocates: {@code hi} holds bytes 0-7
 * and {@code lo} bytes 8-15, each big-endian (the first byte on the wire is the most significant of {@code hi}).
 * Every method that takes an address takes the pair; every layer that stores one stores the pair.
 *
 * <p>An IPv4 address seen through a dual-stack socket is the IPv4-mapped address {@code ::ffff:a.b.c.d} (RFC 4291
 * section 2.5.5.2), as the JDK and Linux report it: {@code hi == 0} and {@code lo == 0x0000_FFFF_xxxx_xxxxL}.
 *
 * <p>A link-local address names a node only together with its link (RFC 4007 section 6): fe80::1 on one
 * interface and fe80::1 on another are two nodes. Above IPv6, the stack carries the link in the address itself, as
 * the KAME stack of the BSDs does: the second 16-bit word of a link-local address, which RFC 4291 section 2.5.6
 * fixes at zero on the wire (fe80::/64), holds the scope, the stack interface's index + 1 ({@link #withScope}, 0:
 * none). So the transports' tables tell the two nodes apart without a field more, IPv6 sends a scoped address out
 * of the interface it names, and every checksum and header sees the wire form ({@link #withoutScope};
 * {@link Checksum#pseudoHeader6} takes either).
 */
public final class Ipv6Address
{
    /** The high half of {@code ::ffff:0:0/96}'s addresses. */
    public static final long V4_MAPPED_HI = 0L;
    /** The bits {@code lo} carries above the IPv4 address in {@code ::ffff:0:0/96}. */
    public static final long V4_MAPPED_LO_PREFIX = 0x0000_FFFF_0000_0000L;
    /** The high half of the all-nodes group ff02::1 (RFC 4291 section 2.7.1). */
    public static final long ALL_NODES_HI = 0xFF02_0000_0000_0000L;
    /** The low half of ff02::1. */
    public static final long ALL_NODES_LO = 1L;
    /** The high half of the link-local prefix fe80::/64 (RFC 4291 section 2.5.6). */
    public static final long LINK_LOCAL_HI = 0xFE80_0000_0000_0000L;

    private Ipv6Address()
    {
    }

    /** Whether the address is :: (RFC 4291 section 2.5.2). */
    public static boolean isUnspecified(final long hi, final long lo)
    {
        return hi == 0 && lo == 0;
    }

    /** Whether the address is ::1 (RFC 4291 section 2.5.3). */
    public static boolean isLoopback(final long hi, final long lo)
    {
        return hi == 0 && lo == 1;
    }

    /** ff00::/8 (RFC 4291 section 2.7). */
    public static boolean isMulticast(final long hi)
    {
        return (hi >>> 56) == 0xFF;
    }

    /** fe80::/10 (RFC 4291 section 2.5.6). */
    public static boolean isLinkLocal(final long hi)
    {
        return (hi & 0xFFC0_0000_0000_0000L) == LINK_LOCAL_HI;
    }

    /** The bits of {@code hi} that carry a link-local address's scope inside the stack: its second 16-bit word. */
    public static final long SCOPE_MASK = 0x0000_FFFF_0000_0000L;

    /** The most scopes (stack interfaces) an address can name. */
    public static final int MAX_SCOPE = 0xFFFF;

    /**
     * The scope a link-local address carries inside the stack: the index + 1 of the stack interface whose link it
     * is on, or 0 (unscoped, or not link-local).
     */
    public static int scope(final long hi)
    {
        return isLinkLocal(hi) ? (int)((hi & SCOPE_MASK) >>> 32) : 0;
    }

    /** A link-local address's {@code hi} carrying {@code scope} (0..65535); any other address's unchanged. */
    public static long withScope(final long hi, final int scope)
    {
        return isLinkLocal(hi) ? (hi & ~SCOPE_MASK) | ((long)(scope & MAX_SCOPE) << 32) : hi;
    }

    /** The wire form of {@code hi}: a link-local address without the scope the stack carries in it. */
    public static long withoutScope(final long hi)
    {
        return isLinkLocal(hi) ? hi & ~SCOPE_MASK : hi;
    }

    /**
     * Whether a link-local address as received is well formed: in fe80::/64, the 54 bits after fe80::/10 zero (RFC
     * 4291 section 2.5.6). The stack drops the others, whose bits it could not tell from a scope.
     */
    public static boolean isWellFormedLinkLocal(final long hi)
    {
        return (hi & 0x003F_FFFF_FFFF_FFFFL) == 0;
    }

    /** ::ffff:0:0/96, an IPv4 address in IPv6 clothes (RFC 4291 section 2.5.5.2). */
    public static boolean isV4Mapped(final long hi, final long lo)
    {
        return hi == 0 && (lo >>> 32) == 0xFFFFL;
    }

    /** The low half of the IPv4-mapped address of {@code ipv4} (its high half is 0). */
    public static long v4MappedLo(final int ipv4)
    {
        return V4_MAPPED_LO_PREFIX | (ipv4 & 0xFFFF_FFFFL);
    }

    /** The IPv4 address inside an IPv4-mapped address's low half. */
    public static int v4FromMapped(final long lo)
    {
        return (int)lo;
    }

    /** The high half of the solicited-node group ff02::1:ffXX:XXXX of an address (RFC 4291 section 2.7.1). */
    public static long solicitedNodeHi()
    {
        return 0xFF02_0000_0000_0000L;
    }

    /** The low half of the solicited-node group of an address whose low half is {@code lo}. */
    public static long solicitedNodeLo(final long lo)
    {
        return 0x0000_0001_FF00_0000L | (lo & 0x00FF_FFFFL);
    }

    /** Whether {@code hi:lo} lies in {@code networkHi:networkLo/prefixLength}. */
    public static boolean inPrefix(final long hi, final long lo, final long networkHi, final long networkLo,
        final int prefixLength)
    {
        if (prefixLength <= 0)
        {
            return true;
        }
        if (prefixLength <= 64)
        {
            final long mask = -1L << (64 - prefixLength);
            return ((hi ^ networkHi) & mask) == 0;
        }
        final long mask = prefixLength >= 128 ? -1L : -1L << (128 - prefixLength);
        return hi == networkHi && ((lo ^ networkLo) & mask) == 0;
    }

    /**
     * The low half of the modified EUI-64 interface identifier of a MAC (RFC 4291 appendix A): the MAC split by
         * ff:fe, its universal/local bit inverted. With {@link #LINK_LOCAL_HI} it is the link-local address Linux
         * derives (addr_gen_mode eui64).
     */
    public static long eui64(final long mac)
    {
        final long upper = (mac >>> 24) & 0xFF_FFFFL;
        final long lower = mac & 0xFF_FFFFL;
        return ((upper ^ 0x02_0000L) << 40) | (0xFFFEL << 24) | lower;
    }

    /** The Ethernet address of an IPv6 multicast group: 33:33 and the group's low 32 bits (RFC 2464 section 7). */
    public static long multicastMac(final long lo)
    {
        return 0x3333_0000_0000L | (lo & 0xFFFF_FFFFL);
    }

    /** The multicast scope of a multicast address (RFC 4291 section 2.7): 1 interface, 2 link, 5 site, 14 global. */
    public static int multicastScope(final long hi)
    {
        return (int)(hi >>> 48) & 0xF;
    }

    /**
     * Parses an IPv6 address in any RFC 4291 section 2.2 form (hexadecimal groups, one {@code ::}, a dotted IPv4
     * tail); no zone, no brackets, no prefix. For configuration and tests: it allocates.
     *
     * @return {hi, lo}
     * @throws IllegalArgumentException naming the text when it is not an IPv6 address
     */
    public static long[] parse(final String text)
    {
        final String t = text.trim();
        final int[] groups = new int[8];
        final int doubleColon = t.indexOf("::");
        if (t.isEmpty() || t.length() > 45 || doubleColon >= 0 && t.indexOf("::", doubleColon + 1) >= 0)
        {
            throw new IllegalArgumentException("not an IPv6 address: '" + text + "'");
        }
        final String head = doubleColon >= 0 ? t.substring(0, doubleColon) : t;
        final String tail = doubleColon >= 0 ? t.substring(doubleColon + 2) : "";
        final int[] headGroups = groups(head, text, doubleColon < 0);
        final int[] tailGroups = doubleColon >= 0 ? groups(tail, text, true) : new int[0];
        final int total = headGroups.length + tailGroups.length;
        if (doubleColon < 0 ? total != 8 : total > 7)
        {
            throw new IllegalArgumentException("not an IPv6 address: '" + text + "'");
        }
        System.arraycopy(headGroups, 0, groups, 0, headGroups.length);
        System.arraycopy(tailGroups, 0, groups, 8 - tailGroups.length, tailGroups.length);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++)
        {
            hi = (hi << 16) | groups[i];
            lo = (lo << 16) | groups[4 + i];
        }
        return new long[] {hi, lo};
    }

    /** The 16-bit groups of one side of an address; a dotted IPv4 tail counts two, and only at the very end. */
    private static int[] groups(final String part, final String text, final boolean mayEndInIpv4)
    {
        if (part.isEmpty())
        {
            return new int[0];
        }
        final String[] fields = part.split(":", -1);
        final int last = fields.length - 1;
        final boolean ipv4Tail = mayEndInIpv4 && fields[last].indexOf('.') >= 0;
        final int[] result = new int[fields.length + (ipv4Tail ? 1 : 0)];
        for (int i = 0; i < fields.length; i++)
        {
            final String field = fields[i];
            if (i == last && ipv4Tail)
            {
                final int v4;
                try
                {
                    v4 = Ipv4Address.parse(field);
                }
                catch (final IllegalArgumentException e)
                {
                    throw new IllegalArgumentException("not an IPv6 address: '" + text + "'");
                }
                result[i] = v4 >>> 16;
                result[i + 1] = v4 & 0xFFFF;
                continue;
            }
            if (field.isEmpty() || field.length() > 4)
            {
                throw new IllegalArgumentException("not an IPv6 address: '" + text + "'");
            }
            int value = 0;
            for (int c = 0; c < field.length(); c++)
            {
                final int digit = Character.digit(field.charAt(c), 16);
                if (digit < 0 || field.charAt(c) > 'f')
                {
                    throw new IllegalArgumentException("not an IPv6 address: '" + text + "'");
                }
                value = (value << 4) | digit;
            }
            result[i] = value;
        }
        return result;
    }

    /** The high half of an address at {@code offset} of {@code memory} (network order). */
    public static long readHi(final ByteBuffer memory, final int offset)
    {
        return memory.getLong(offset);
    }

    /** The low half of an address at {@code offset} of {@code memory} (network order). */
    public static long readLo(final ByteBuffer memory, final int offset)
    {
        return memory.getLong(offset + 8);
    }

    /** Writes an address at {@code offset} of {@code memory} (network order). */
    public static void write(final ByteBuffer memory, final int offset, final long hi, final long lo)
    {
        memory.putLong(offset, hi);
        memory.putLong(offset + 8, lo);
    }

    /** The address as the sixteen bytes of {@link java.net.InetAddress#getByAddress(byte[])}. */
    public static byte[] toBytes(final long hi, final long lo)
    {
        final byte[] bytes = new byte[16];
        for (int i = 0; i < 8; i++)
        {
            bytes[i] = (byte)(hi >>> (56 - 8 * i));
            bytes[8 + i] = (byte)(lo >>> (56 - 8 * i));
        }
        return bytes;
    }

    /** The high half of an address given as sixteen bytes in network order. */
    public static long hiFromBytes(final byte[] bytes)
    {
        return half(bytes, 0);
    }

    /** The low half of an address given as sixteen bytes in network order. */
    public static long loFromBytes(final byte[] bytes)
    {
        return half(bytes, 8);
    }

    private static long half(final byte[] bytes, final int from)
    {
        if (bytes.length != 16)
        {
            throw new IllegalArgumentException("an IPv6 address has 16 bytes, not " + bytes.length);
        }
        long half = 0;
        for (int i = from; i < from + 8; i++)
        {
            half = (half << 8) | (bytes[i] & 0xFF);
        }
        return half;
    }

    /**
     * The address in RFC 5952's canonical text: lower case, leading zeros dropped, the longest run of two or more
     * zero groups (the first of equal runs) written {@code ::}, and IPv4-mapped addresses as {@code ::ffff:a.b.c.d}.
     */
    public static String toString(final long hi, final long lo)
    {
        if (isV4Mapped(hi, lo))
        {
            return "::ffff:" + Ipv4Address.toString(v4FromMapped(lo));
        }
        final int[] groups = new int[8];
        for (int i = 0; i < 4; i++)
        {
            groups[i] = (int)(hi >>> (48 - 16 * i)) & 0xFFFF;
            groups[4 + i] = (int)(lo >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++)
        {
            int j = i;
            while (j < 8 && groups[j] == 0)
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        final StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':')
            {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
