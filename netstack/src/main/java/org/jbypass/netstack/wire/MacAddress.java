package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/** MAC addresses carried as the low 48 bits of a {@code long}, first octet most significant. */
public final class MacAddress
{
    /** ff:ff:ff:ff:ff:ff */
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    /** 00:00:00:00:00:00, "unknown" in ARP requests. */
    public static final long ZERO = 0L;

    private MacAddress()
    {
    }

    public static long read(final ByteBuffer buffer, final int offset)
    {
        return ((buffer.getShort(offset) & 0xFFFFL) << 32) | (buffer.getInt(offset + 2) & 0xFFFF_FFFFL);
    }

    public static void write(final ByteBuffer buffer, final int offset, final long mac)
    {
        buffer.putShort(offset, (short)(mac >>> 32));
        buffer.putInt(offset + 2, (int)mac);
    }

    /** Whether the group bit (the low bit of the first octet) is set: multicast or broadcast (IEEE 802-2014 8.2). */
    public static boolean isMulticast(final long mac)
    {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    /** Whether the locally-administered bit (bit 1 of the first octet) is set. */
    public static boolean isLocallyAdministered(final long mac)
    {
        return (mac & 0x0200_0000_0000L) != 0;
    }

    /** A locally administered unicast address made from 48 random bits (as VPP and Linux do for random MACs). */
    public static long randomLocal(final long randomBits)
    {
        return (randomBits & 0xFCFF_FFFF_FFFFL) | 0x0200_0000_0000L;
    }

    /**
     * Parses "aa:bb:cc:dd:ee:ff" (or with '-'): six pairs of ASCII hex digits and five separators, nothing else.
     *
     * @throws IllegalArgumentException naming the text when it is not a MAC address
     */
    public static long parse(final String text)
    {
        final String t = text.trim();
        if (t.length() != 17)
        {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'");
        }
        long mac = 0;
        for (int i = 0; i < 17; i++)
        {
            final char c = t.charAt(i);
            if (i % 3 == 2)
            {
                if (c != ':' && c != '-')
                {
                    throw new IllegalArgumentException("not a MAC address: '" + text + "'");
                }
                continue;
            }
            final int digit = hexDigit(c);
            if (digit < 0)
            {
                throw new IllegalArgumentException("not a MAC address: '" + text + "'");
            }
            mac = (mac << 4) | digit;
        }
        return mac;
    }

    /** The value of an ASCII hex digit, or -1 (Character.digit would also take other scripts' digits). */
    private static int hexDigit(final char c)
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }
        return -1;
    }

    public static String toString(final long mac)
    {
        final StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            final int octet = (int)(mac >>> shift) & 0xFF;
            sb.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
            if (shift != 0)
            {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
