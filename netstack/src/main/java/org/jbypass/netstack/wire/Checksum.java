package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum.
 *
 * <p>Sums are carried as {@code int}s with deferred carries: {@link #sum}, {@link #add16} and {@link #add32}
 * accumulate, and {@link #fold} folds the carries and complements. The incremental update follows RFC 1624 eqn. 3,
 * which (unlike RFC 1141) never yields 0x0000 in place of 0xFFFF.
 */
public final class Checksum
{
    private Checksum()
    {
    }

    /**
     * Adds {@code length} bytes starting at {@code offset} to a running sum. Reads 8 bytes at a time where it can;
     * a running sum of at most 2^31 stays exact because each long step folds before it can overflow.
     */
    public static int sum(final ByteBuffer buffer, final int offset, final int length, final int initial)
    {
        long sum = initial & 0xFFFFFFFFL;
        int i = offset;
        final int end = offset + length;
        while (end - i >= 8)
        {
            final long word = buffer.getLong(i);
            sum += (word >>> 32) + (word & 0xFFFFFFFFL);
            i += 8;
        }
        while (end - i >= 2)
        {
            sum += buffer.getShort(i) & 0xFFFF;
            i += 2;
        }
        if (i < end)
        {
            // An odd trailing byte is padded with a zero byte on the right (RFC 1071 section 1).
            sum += (buffer.get(i) & 0xFF) << 8;
        }
        return foldToInt(sum);
    }

    /** Adds {@code length} bytes of a heap array to a running sum (used when the payload comes from the heap). */
    public static int sum(final byte[] bytes, final int offset, final int length, final int initial)
    {
        long sum = initial & 0xFFFFFFFFL;
        int i = offset;
        final int end = offset + length;
        while (end - i >= 2)
        {
            sum += ((bytes[i] & 0xFF) << 8) | (bytes[i + 1] & 0xFF);
            i += 2;
        }
        if (i < end)
        {
            sum += (bytes[i] & 0xFF) << 8;
        }
        return foldToInt(sum);
    }

    /** Adds a 16-bit value to a running sum. */
    public static int add16(final int sum, final int value)
    {
        return foldToInt((sum & 0xFFFFFFFFL) + (value & 0xFFFF));
    }

    /** Adds a 32-bit value (two 16-bit words) to a running sum. */
    public static int add32(final int sum, final int value)
    {
        return foldToInt((sum & 0xFFFFFFFFL) + (value >>> 16) + (value & 0xFFFF));
    }

    /**
     * The sum of the IPv4 pseudo-header that TCP and UDP checksums cover (RFC 9293 section 3.1, RFC 768).
     *
     * @param l4Length the length of the TCP or UDP header and payload
     */
    public static int pseudoHeader(final int source, final int destination, final int protocol, final int l4Length)
    {
        int sum = add32(0, source);
        sum = add32(sum, destination);
        sum = add16(sum, protocol);
        return add16(sum, l4Length);
    }

    /**
     * The sum of the IPv6 pseudo-header that upper-layer checksums cover (RFC 8200 section 8.1): source and
     * destination addresses, the upper-layer packet length as 32 bits, and the next header value. A link-local
     * address may carry the stack's scope ({@link Ipv6Address#withScope}): the sum is over its wire form.
     *
     * @param upperLength the length of the upper-layer header and payload
     */
    public static int pseudoHeader6(final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo, final int nextHeader, final int upperLength)
    {
        int sum = add64(0, Ipv6Address.withoutScope(sourceHi));
        sum = add64(sum, sourceLo);
        sum = add64(sum, Ipv6Address.withoutScope(destinationHi));
        sum = add64(sum, destinationLo);
        sum = add32(sum, upperLength);
        return add16(sum, nextHeader);
    }

    /** Adds a 64-bit value (four 16-bit words) to a running sum. */
    public static int add64(final int sum, final long value)
    {
        return foldToInt((sum & 0xFFFFFFFFL) + (value >>> 32) + (value & 0xFFFFFFFFL));
    }

    /** Folds a running sum to 16 bits and complements it: the value to put in a checksum field. */
    public static int fold(final int sum)
    {
        long s = sum & 0xFFFFFFFFL;
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        return (int)(~s & 0xFFFF);
    }

    /** Computes the checksum of a range in one go. */
    public static int compute(final ByteBuffer buffer, final int offset, final int length)
    {
        return fold(sum(buffer, offset, length, 0));
    }

    /**
     * Updates a checksum after a 16-bit field changed from {@code oldValue} to {@code newValue}, per RFC 1624
     * eqn. 3: HC' = ~(~HC + ~m + m').
     */
    public static int update16(final int checksum, final int oldValue, final int newValue)
    {
        long sum = (~checksum & 0xFFFF) + (~oldValue & 0xFFFF) + (newValue & 0xFFFF);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int)(~sum & 0xFFFF);
    }

    /** Updates a checksum after a 32-bit field (an address) changed. */
    public static int update32(final int checksum, final int oldValue, final int newValue)
    {
        final int partial = update16(checksum, oldValue >>> 16, newValue >>> 16);
        return update16(partial, oldValue & 0xFFFF, newValue & 0xFFFF);
    }

    private static int foldToInt(long sum)
    {
        // Keep the running sum below 2^32 without changing its value modulo 0xFFFF.
        while ((sum >>> 32) != 0)
        {
            sum = (sum & 0xFFFFFFFFL) + (sum >>> 32);
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int)sum;
    }
}
