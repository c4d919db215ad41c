package org.jbypass.provider.engine;

import java.util.concurrent.locks.LockSupport;

/**
 * Spins, then yields, then parks for exponentially longer, up to a limit (as Agrona's BackoffIdleStrategy): close
 * to busy-spinning under load, a few microseconds of CPU per millisecond when idle. Never parks past the stack's
 * deadline; {@link #wake()} unparks the poller.
 */
public final class BackoffIdleStrategy implements IdleStrategy
{
    private final int maxSpins;
    private final int maxYields;
    private final long minParkNanos;
    private final long maxParkNanos;
    private volatile Thread owner;
    private int spins;
    private int yields;
    private long parkNanos;

    public BackoffIdleStrategy(final int maxSpins, final int maxYields, final long minParkNanos,
        final long maxParkNanos)
    {
        this.maxSpins = maxSpins;
        this.maxYields = maxYields;
        this.minParkNanos = minParkNanos;
        this.maxParkNanos = maxParkNanos;
        this.parkNanos = minParkNanos;
    }

    @Override
    public void idle(final long deadlineNanos, final long nowNanos)
    {
        if (spins < maxSpins)
        {
            spins++;
            Thread.onSpinWait();
        }
        else if (yields < maxYields)
        {
            yields++;
            Thread.yield();
        }
        else
        {
            owner = Thread.currentThread();
            final long nanos = Math.min(parkNanos, IdleStrategy.untilDeadline(deadlineNanos, nowNanos));
            if (nanos > 0)
            {
                LockSupport.parkNanos(this, nanos);
            }
            parkNanos = Math.min(parkNanos * 2, maxParkNanos);
        }
    }

    @Override
    public void reset()
    {
        spins = 0;
        yields = 0;
        parkNanos = minParkNanos;
    }

    @Override
    public void wake()
    {
        final Thread t = owner;
        if (t != null)
        {
            // The permit makes a park that has not started yet return at once, so a wake is never lost.
            LockSupport.unpark(t);
        }
    }
}
