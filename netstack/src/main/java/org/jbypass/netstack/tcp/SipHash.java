package org.jbypass.netstack.tcp;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012) of exactly two 64-bit words: the keyed pseudo-random function behind
 * initial sequence numbers (RFC 6528 section 3 asks for a PRF keyed with a secret, and names SipHash among the
 * suitable ones in its successor drafts; Linux uses it for the same purpose) and SYN cookies (RFC 4987 section 3.6).
 * Allocation-free and fixed-length, which is all TCP needs: an IPv4 4-tuple and a counter fit in 16 bytes, an IPv6
 * one and a counter in 40 ({@link #hash(long, long, long, long, long)}).
 */
final class SipHash
{
    private final long k0;
    private final long k1;

    SipHash(final long k0, final long k1)
    {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** The 64-bit SipHash-2-4 of the 16 bytes m0 (little-endian first word) then m1. */
    long hash(final long m0, final long m1)
    {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;

        long m = m0;
        v3 ^= m;
        for (int i = 0; i < 2; i++)
        {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= m;

        m = m1;
        v3 ^= m;
        for (int i = 0; i < 2; i++)
        {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= m;

        // The final block holds only the message length (16) in its top byte.
        m = 16L << 56;
        v3 ^= m;
        for (int i = 0; i < 2; i++)
        {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= m;

        v2 ^= 0xff;
        for (int i = 0; i < 4; i++)
        {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /**
     * The 64-bit SipHash-2-4 of the 40 bytes m0 to m4 (each little-endian): an IPv6 4-tuple's two addresses and
     * its ports with a counter, so that every bit of the tuple reaches the PRF (RFC 6528 section 3).
     */
    long hash(final long m0, final long m1, final long m2, final long m3, final long m4)
    {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        for (int w = 0; w < 6; w++)
        {
            // The sixth block holds only the message length (40) in its top byte.
            final long m = w == 0 ? m0 : w == 1 ? m1 : w == 2 ? m2 : w == 3 ? m3 : w == 4 ? m4 : 40L << 56;
            v3 ^= m;
            for (int i = 0; i < 2; i++)
            {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xff;
        for (int i = 0; i < 4; i++)
        {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /** The 4-tuple as the first word, in a fixed layout: local address, remote address. */
    static long addresses(final int localAddress, final int remoteAddress)
    {
        return ((long)localAddress << 32) | (remoteAddress & 0xFFFFFFFFL);
    }

    /** The ports and an extra 32-bit value (a counter, or 0) as the second word. */
    static long portsAnd(final int localPort, final int remotePort, final int extra)
    {
        return ((long)((localPort << 16) | (remotePort & 0xFFFF)) << 32) | (extra & 0xFFFFFFFFL);
    }
}
