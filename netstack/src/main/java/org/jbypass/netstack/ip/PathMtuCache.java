package org.jbypass.netstack.ip;

import org.jbypass.netstack.wire.Ipv6Header;

/**
 * Path MTUs learnt from ICMPv6 packet-too-big messages (RFC 8201), per destination, below the link's MTU.
 *
 * <p>Bounded and allocation-free: a table of {@code entries} rounded up to a power of two, each destination probed
 * in a window of {@link #WINDOW} slots from its hash; a new destination takes an empty or aged slot of the window,
 * or else the oldest entry of it. An entry older than the configured age is forgotten, so that a larger MTU is
 * tried again (section 4: "no less than 5 minutes, recommended 10"). A forged message can lower one destination's
 * MTU to 1280 at most (section 4 and RFC 8200 section 5), never below.
 */
final class PathMtuCache
{
    static final int WINDOW = 8;

    private final long[] hi;
    private final long[] lo;
    private final int[] mtus;
    private final long[] learnedAt;
    private final int mask;
    private final long ageNanos;
    private final IpCounters counters;

    PathMtuCache(final int entries, final long ageNanos, final IpCounters counters)
    {
        final int capacity = Math.max(WINDOW, Integer.highestOneBit(entries - 1) << 1);
        this.hi = new long[capacity];
        this.lo = new long[capacity];
        this.mtus = new int[capacity];
        this.learnedAt = new long[capacity];
        this.mask = capacity - 1;
        this.ageNanos = ageNanos;
        this.counters = counters;
    }

    /** The path MTU learnt for a destination, or {@code linkMtu} when none is (or it aged out). */
    int mtu(final long destinationHi, final long destinationLo, final int linkMtu, final long now)
    {
        final int home = hash(destinationHi, destinationLo);
        for (int i = 0; i < WINDOW; i++)
        {
            final int slot = (home + i) & mask;
            if (mtus[slot] != 0 && lo[slot] == destinationLo && hi[slot] == destinationHi)
            {
                if (now - learnedAt[slot] >= ageNanos)
                {
                    mtus[slot] = 0;
                    counters.pmtuExpired++;
                    return linkMtu;
                }
                return Math.min(mtus[slot], linkMtu);
            }
        }
        return linkMtu;
    }

    /**
     * Records a packet-too-big's MTU for a destination if it lowers what is known.
     *
     * @return the destination's path MTU now
     */
    int learn(final long destinationHi, final long destinationLo, final int reported, final int linkMtu,
        final long now)
    {
        final int mtu = Math.max(Ipv6Header.MIN_MTU, Math.min(reported, linkMtu));
        final int current = mtu(destinationHi, destinationLo, linkMtu, now);
        if (mtu >= current)
        {
            return current;
        }
        final int home = hash(destinationHi, destinationLo);
        int victim = -1;
        for (int i = 0; i < WINDOW && victim < 0; i++)
        {
            final int slot = (home + i) & mask;
            if (mtus[slot] != 0 && lo[slot] == destinationLo && hi[slot] == destinationHi)
            {
                victim = slot;
            }
        }
        for (int i = 0; i < WINDOW && victim < 0; i++)
        {
            final int slot = (home + i) & mask;
            if (mtus[slot] == 0 || now - learnedAt[slot] >= ageNanos)
            {
                victim = slot;
            }
        }
        if (victim < 0)
        {
            victim = home;
            for (int i = 1; i < WINDOW; i++)
            {
                final int slot = (home + i) & mask;
                if (learnedAt[slot] - learnedAt[victim] < 0)
                {
                    victim = slot;
                }
            }
        }
        hi[victim] = destinationHi;
        lo[victim] = destinationLo;
        mtus[victim] = mtu;
        learnedAt[victim] = now;
        counters.pmtuLearned++;
        return mtu;
    }

    /** The destinations with a learnt MTU, aged ones included, for tests and diagnostics. */
    int size()
    {
        int n = 0;
        for (final int mtu : mtus)
        {
            if (mtu != 0)
            {
                n++;
            }
        }
        return n;
    }

    private int hash(final long h, final long l)
    {
        final long x = (l ^ (h * 0x9E3779B97F4A7C15L)) * 0xBF58476D1CE4E5B9L;
        return (int)(x ^ (x >>> 31)) & mask;
    }
}
