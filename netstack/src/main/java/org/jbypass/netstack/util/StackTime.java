package org.jbypass.netstack.util;

/**
 * The stack's notion of now: the time given to the last {@code poll(nowNanos)} or operation, never read from a
 * clock. Shared by the layers so that a protocol acting on an application's call (a write) stamps its segments with
 * the same time the provider handed in. Values follow {@link System#nanoTime()}'s rules: only differences mean
 * anything, and they are compared by subtraction.
 */
public final class StackTime
{
    private long nanos;

    public long nanos()
    {
        return nanos;
    }

    /** Moves time to {@code nowNanos}; time never goes backwards, so an older value is ignored. */
    public void advance(final long nowNanos)
    {
        if (nowNanos - nanos > 0)
        {
            nanos = nowNanos;
        }
    }

    /** Sets the starting time; used once when a stack is created. */
    public void reset(final long nowNanos)
    {
        nanos = nowNanos;
    }
}
