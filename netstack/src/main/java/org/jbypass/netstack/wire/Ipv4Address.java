package org.jbypass.netstack.wire;

/** IPv4 addresses carried as {@code int}s in host arithmetic, first octet most significant. */
public final class Ipv4Address
{
    /** 0.0.0.0 */
    public static final int ANY = 0;
    /** 255.255.255.255 */
    public static final int BROADCAST = 0xFFFF_FFFF;

    private Ipv4Address()
    {
    }

    /** The netmask of a prefix length, e.g. 24 gives 255.255.255.0. */
    public static int mask(final int prefixLength)
    {
        if (prefixLength < 0 || prefixLength > 32)
        {
            throw new IllegalArgumentException("IPv4 prefix length must be 0..32: " + prefixLength);
        }
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** Whether an address lies in network/prefixLength. */
    public static boolean inSubnet(final int address, final int network, final int prefixLength)
    {
        final int mask = mask(prefixLength);
        return (address & mask) == (network & mask);
    }

    /** 224.0.0.0/4 (RFC 5771). */
    public static boolean isMulticast(final int address)
    {
        return (address & 0xF000_0000) == 0xE000_0000;
    }

    /** 127.0.0.0/8 (RFC 1122 section 3.2.1.3). */
    public static boolean isLoopback(final int address)
    {
        return (address >>> 24) == 127;
    }

    /**
     * Parses a dotted quad of decimal ASCII digits.
     *
     * @throws IllegalArgumentException naming the text when it is not an IPv4 address
     */
    public static int parse(final String text)
    {
        final String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4)
        {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        int address = 0;
        for (final String part : parts)
        {
            // ASCII digits only: Character.isDigit and Integer.parseInt would also take other scripts' digits.
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9'))
            {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            final int octet = Integer.parseInt(part);
            if (octet > 255)
            {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            address = (address << 8) | octet;
        }
        return address;
    }

    public static String toString(final int address)
    {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }

    /** The address as the four bytes of {@link java.net.InetAddress#getByAddress(byte[])}. */
    public static byte[] toBytes(final int address)
    {
        return new byte[] {(byte)(address >>> 24), (byte)(address >>> 16), (byte)(address >>> 8), (byte)address};
    }

    /** The address from four bytes in network order. */
    public static int fromBytes(final byte[] bytes)
    {
        if (bytes.length != 4)
        {
            throw new IllegalArgumentException("an IPv4 address has 4 bytes, not " + bytes.length);
        }
        return ((bytes[0] & 0xFF) << 24) | ((bytes[1] & 0xFF) << 16) | ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF);
    }
}
