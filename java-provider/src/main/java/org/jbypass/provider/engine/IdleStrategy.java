package org.jbypass.provider.engine;

/**
 * What a poller does between polls that found no work. Implementations belong to one poller thread; only
 * {@link #wake()} is called from other threads.
 */
public interface IdleStrategy
{
    /**
     * Idles once: spins, yields, parks or blocks, returning when frames may have arrived, when {@link #wake()} was
     * called, or by the deadline. Spurious returns are allowed.
     *
     * @param deadlineNanos when the stack must run again ({@link System#nanoTime()} scale), or
     *                      {@link Long#MAX_VALUE} for never
     * @param nowNanos      the time the poll that found no work was made
     */
    void idle(long deadlineNanos, long nowNanos);

    /** The last poll found work: start over from the cheapest way of idling. */
    void reset();

    /** Makes a current or the next {@link #idle} return at once; callable from any thread. */
    void wake();

    /** The longest a blocking wait lasts when the stack has no deadline at all. */
    long MAX_WAIT_NANOS = 1_000_000_000L;

    /** Nanoseconds from now to the deadline, clamped to 0..{@link #MAX_WAIT_NANOS}. */
    static long untilDeadline(final long deadlineNanos, final long nowNanos)
    {
        if (deadlineNanos == Long.MAX_VALUE)
        {
            return MAX_WAIT_NANOS;
        }
        final long nanos = deadlineNanos - nowNanos;
        return nanos <= 0 ? 0 : Math.min(nanos, MAX_WAIT_NANOS);
    }
}
