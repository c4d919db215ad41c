package org.jbypass.netstack.util;

/**
 * A timer that a {@link TimerQueue} fires once its deadline has passed. Intrusive: the queue keeps its position in
 * the timer itself, so scheduling, rescheduling and cancelling allocate nothing.
 */
public abstract class Timer
{
    long deadline;
    int heapIndex = -1;

    /** Called by {@link TimerQueue#expire} on the stack's thread once the deadline is reached. */
    protected abstract void onExpiry(long nowNanos);

    /** Whether the timer is scheduled. */
    public final boolean isScheduled()
    {
        return heapIndex >= 0;
    }

    /** The deadline, valid while scheduled. */
    public final long deadline()
    {
        return deadline;
    }
}
