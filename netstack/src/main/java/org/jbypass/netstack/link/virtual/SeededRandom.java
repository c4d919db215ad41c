package org.jbypass.netstack.link.virtual;

/**
 * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): a tiny,
 * fully specified generator, so that a seed gives the same decisions on every JDK (java.util's generators are not
 * promised to stay the same) and drawing a number allocates nothing.
 */
final class SeededRandom
{
    private static final long GOLDEN_GAMMA = 0x9E37_79B9_7F4A_7C15L;

    private long state;

    SeededRandom(final long seed)
    {
        this.state = seed;
    }

    long nextLong()
    {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /** Uniform in [0, 1), with 53 random bits. */
    double nextDouble()
    {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound) for a bound of at least 1 (a bias below 2^-31 for the bounds used here). */
    int nextInt(final int bound)
    {
        return (int)((nextLong() >>> 1) % bound);
    }

    /** SplitMix64's finaliser: a bijective scramble of 64 bits, also used to derive independent seeds. */
    static long mix(long z)
    {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** A seed for stream {@code stream} derived from {@code seed}, independent of the other streams. */
    static long derive(final long seed, final long stream)
    {
        return mix(seed + GOLDEN_GAMMA * (stream + 1)) ^ mix(stream * 0xD6E8_FEB8_6659_FD93L);
    }
}
