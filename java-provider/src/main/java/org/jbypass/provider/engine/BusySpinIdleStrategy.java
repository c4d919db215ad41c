package org.jbypass.provider.engine;

/** Polls again at once: the lowest latency, one core per poller. */
public final class BusySpinIdleStrategy implements IdleStrategy
{
    @Override
    public void idle(final long deadlineNanos, final long nowNanos)
    {
        Thread.onSpinWait();
    }

    @Override
    public void reset()
    {
    }

    @Override
    public void wake()
    {
        // A spinning poller looks again within nanoseconds.
    }
}
