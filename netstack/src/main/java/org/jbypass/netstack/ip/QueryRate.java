package org.jbypass.netstack.ip;

/**
 * The token bucket that bounds how many multicast queries (IGMP's and MLD's) a host takes: {@link #RATE} a second,
 * and {@link #BURST} at once after a quiet spell. A querier floods no more reports out of the stack than this, and
 * nothing it sends grows any state. Time comes from the caller ({@code poll(now)}); nothing allocates.
 */
final class QueryRate
{
    /** Queries taken per second; more are counted and dropped by the caller. */
    static final int RATE = 20;
    static final int BURST = 40;

    private long tokens = BURST;
    private long lastRefill = Long.MIN_VALUE;

    /** Whether a query arriving at {@code now} may be taken (and takes its token). */
    boolean take(final long now)
    {
        if (lastRefill == Long.MIN_VALUE)
        {
            lastRefill = now;
        }
        final long earned = (now - lastRefill) * RATE / 1_000_000_000L;
        if (earned > 0)
        {
            tokens = Math.min(BURST, tokens + earned);
            lastRefill += earned * 1_000_000_000L / RATE;
        }
        if (tokens == 0)
        {
            return false;
        }
        tokens--;
        return true;
    }
}
