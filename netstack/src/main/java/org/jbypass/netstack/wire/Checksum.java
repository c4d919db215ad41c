package org.jbypass.netstack.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum.
 *
 * <p>Sums are carried as {@code int}s with deferred carries: {@link #sum}, {@link #add16} and {@link #add32}
 * accumulate, and {@link #fold} folds the carries and complements. The incremental update follows RFC 1624 eqn. 3,
 * which (unlike RFC 1141) never yields 0x0000 in place of 0xFFFF.
 */
public final class Checksum
{
    /** Little-endian views of a buffer's bytes, whatever the buffer's own order: see {@link #sum}. */
    private static final VarHandle LONG_LE = MethodHandles.byteBufferViewVarHandle(long[].class,
        ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteBufferViewVarHandle(int[].class,
        ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE = MethodHandles.byteBufferViewVarHandle(short[].class,
        ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ARRAY_LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
        ByteOrder.LITTLE_ENDIAN);

    private Checksum()
    {
    }

    /**
     * Sums at least this long run out of line, in {@link #sumLong}: a TCP segment's or a large datagram's payload.
     * Shorter ones (headers, small datagrams) stay inlined in their callers, where a call would cost more than the
     * loop.
     */
    static final int OUT_OF_LINE = 256;

    /**
     * Adds {@code length} bytes starting at {@code offset} to a running sum.
     *
     * <p>The bytes are read as little-endian words, 32 bytes per step into two accumulators, whatever the buffer's
     * byte order: the one's complement sum is byte-order independent (RFC 1071 section 2 (B)), so the sum of the
     * byte-swapped words, folded to 16 bits, is the byte-swapped sum, and one swap of the folded result replaces a
     * swap per load on a little-endian CPU. Each 64-bit word is added as its two 32-bit halves, so an accumulator
     * gains under 2^35 per step and cannot overflow for any length a buffer can have.
     */
    public static int sum(final ByteBuffer buffer, final int offset, final int length, final int initial)
    {
        if (length >= OUT_OF_LINE)
        {
            return sumLong(buffer, offset, length, initial);
        }
        long a = 0;
        long b = 0;
        final int end = offset + length;
        // "k < steps" with a stride of 1 is a counted loop for C2: its safepoint poll hoisted, unrolled. A
        // "while (end - i >= 32)" test is not one (a bounds check and a poll at every step).
        final int steps = length >>> 5;
        for (int k = 0; k < steps; k++)
        {
            final int at = offset + (k << 5);
            final long w0 = (long)LONG_LE.get(buffer, at);
            final long w1 = (long)LONG_LE.get(buffer, at + 8);
            final long w2 = (long)LONG_LE.get(buffer, at + 16);
            final long w3 = (long)LONG_LE.get(buffer, at + 24);
            a += (w0 >>> 32) + (w0 & 0xFFFFFFFFL) + (w2 >>> 32) + (w2 & 0xFFFFFFFFL);
            b += (w1 >>> 32) + (w1 & 0xFFFFFFFFL) + (w3 >>> 32) + (w3 & 0xFFFFFFFFL);
        }
        return tail(buffer, offset + (steps << 5), end, a, b, initial);
    }

    /**
     * {@link #sum} of a long range (at least {@link #OUT_OF_LINE} bytes), the same way.
     *
     * <p>Kept out of its callers on purpose: its bytecode is larger than HotSpot C2 inlines at a hot call site
     * (FreqInlineSize, 325 bytes), so the loop is compiled once, on its own, and runs the same whoever calls it.
     * Inlined, the loop's machine code depended on the caller it landed in: the same 1,448-byte TCP sum ran 35%
     * slower inside an {@code Ipv4Layer.send} grown by a few tests (async-profiler samples, docs/PERFORMANCE.md (c),
     * third round), while the call costs a few nanoseconds against its 100 or more.
     */
    private static int sumLong(final ByteBuffer buffer, final int offset, final int length, final int initial)
    {
        long a = 0;
        long b = 0;
        final int steps = length >>> 5;
        for (int k = 0; k < steps; k++)
        {
            final int at = offset + (k << 5);
            final long w0 = (long)LONG_LE.get(buffer, at);
            final long w1 = (long)LONG_LE.get(buffer, at + 8);
            final long w2 = (long)LONG_LE.get(buffer, at + 16);
            final long w3 = (long)LONG_LE.get(buffer, at + 24);
            a += (w0 >>> 32) + (w0 & 0xFFFFFFFFL) + (w2 >>> 32) + (w2 & 0xFFFFFFFFL);
            b += (w1 >>> 32) + (w1 & 0xFFFFFFFFL) + (w3 >>> 32) + (w3 & 0xFFFFFFFFL);
        }
        // The rest and the fold as tail() and fromLittleEndian() do them, written out rather than called so that
        // this method stays too large to inline (see above).
        final int end = offset + length;
        int i = offset + (steps << 5);
        final int last8 = end - 8;
        for (; i <= last8; i += 8)
        {
            final long w = (long)LONG_LE.get(buffer, i);
            a += (w >>> 32) + (w & 0xFFFFFFFFL);
        }
        if (end - i >= 4)
        {
            b += (int)INT_LE.get(buffer, i) & 0xFFFFFFFFL;
            i += 4;
        }
        if (end - i >= 2)
        {
            a += (short)SHORT_LE.get(buffer, i) & 0xFFFF;
            i += 2;
        }
        if (i < end)
        {
            b += buffer.get(i) & 0xFF;
        }
        long sum = (a & 0xFFFFFFFFL) + (a >>> 32) + (b & 0xFFFFFFFFL) + (b >>> 32);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (initial & 0xFFFFFFFFL) + ((sum & 0xFF) << 8 | sum >>> 8);
        sum = (sum & 0xFFFFFFFFL) + (sum >>> 32);
        sum = (sum & 0xFFFFFFFFL) + (sum >>> 32);
        return (int)((sum & 0xFFFF) + (sum >>> 16));
    }

    /** Adds the bytes from {@code from} to {@code end} (under 32) to the accumulators and folds them. */
    private static int tail(final ByteBuffer buffer, final int from, final int end, final long sumA, final long sumB,
        final int initial)
    {
        long a = sumA;
        long b = sumB;
        int i = from;
        final int last8 = end - 8;
        for (; i <= last8; i += 8)
        {
            final long w = (long)LONG_LE.get(buffer, i);
            a += (w >>> 32) + (w & 0xFFFFFFFFL);
        }
        if (end - i >= 4)
        {
            b += (int)INT_LE.get(buffer, i) & 0xFFFFFFFFL;
            i += 4;
        }
        if (end - i >= 2)
        {
            a += (short)SHORT_LE.get(buffer, i) & 0xFFFF;
            i += 2;
        }
        if (i < end)
        {
            // An odd trailing byte is padded with a zero byte on the right (RFC 1071 section 1): in a little-endian
            // word it is the low byte.
            b += buffer.get(i) & 0xFF;
        }
        return fromLittleEndian(a, b, initial);
    }

    /**
     * Adds {@code length} bytes of a heap array to a running sum (used when the payload comes from the heap), the
     * way {@link #sum(ByteBuffer, int, int, int)} does.
     */
    public static int sum(final byte[] bytes, final int offset, final int length, final int initial)
    {
        long a = 0;
        long b = 0;
        final int end = offset + length;
        final int last16 = end - 16;
        int i = offset;
        for (; i <= last16; i += 16)
        {
            final long w0 = (long)ARRAY_LONG_LE.get(bytes, i);
            final long w1 = (long)ARRAY_LONG_LE.get(bytes, i + 8);
            a += (w0 >>> 32) + (w0 & 0xFFFFFFFFL);
            b += (w1 >>> 32) + (w1 & 0xFFFFFFFFL);
        }
        while (end - i >= 2)
        {
            a += (bytes[i] & 0xFF) | (bytes[i + 1] & 0xFF) << 8;
            i += 2;
        }
        if (i < end)
        {
            b += bytes[i] & 0xFF;
        }
        return fromLittleEndian(a, b, initial);
    }

    /**
     * Folds two accumulators of little-endian words to 16 bits, swaps the result into network order and adds it to
     * a running sum.
     */
    private static int fromLittleEndian(final long a, final long b, final int initial)
    {
        // a + b < 2^63 for any buffer's length; fold the halves until 16 bits remain (end-around carries).
        long s = (a & 0xFFFFFFFFL) + (a >>> 32) + (b & 0xFFFFFFFFL) + (b >>> 32);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        final long swapped = (s & 0xFF) << 8 | s >>> 8;
        return foldToInt((initial & 0xFFFFFFFFL) + swapped);
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
