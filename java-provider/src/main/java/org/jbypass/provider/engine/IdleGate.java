package org.jbypass.provider.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The handoff between a poller going idle and an application thread that gave the stack earlier work: the poller
 * publishes, with the stack lock held, the deadline it will idle until; an application thread ending an operation
 * under the lock reads it, and if the stack's new deadline is earlier (or work is pending) claims the wake with a
 * compare-and-set, so that exactly one thread pays for it per idle period.
 *
 * <p>Why no wake is lost: the deadline is published under the lock, so an operation either sees it or happened
 * before the poll that computed it (and that poll saw the operation's timers). A wake claimed between the poller's
 * unlock and its wait is not lost either, because every {@link IdleStrategy#wake()} persists until the next wait.
 * jcstress/PollerWakeupTest checks the protocol.
 */
public final class IdleGate
{
    /** While the poller is not idling: nobody needs to wake it. */
    public static final long RUNNING = Long.MIN_VALUE;

    private static final VarHandle UNTIL;

    static
    {
        try
        {
            UNTIL = MethodHandles.lookup().findVarHandle(IdleGate.class, "until", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through UNTIL
    private volatile long until = RUNNING;

    /** Poller, with the stack lock held: it is about to idle until the deadline ({@link Long#MAX_VALUE}: none). */
    public void idleUntil(final long deadline)
    {
        until = deadline;
    }

    /** Poller: it is running again (woken, or its wait ended). */
    public void running()
    {
        until = RUNNING;
    }

    /**
     * Application thread, with the stack lock held, after an operation: whether it must wake the poller, claiming
     * the wake if so.
     *
     * @param deadline the stack's deadline now
     * @param now      whether work is pending that only a poll will do
     */
    public boolean claimWake(final long deadline, final boolean now)
    {
        final long u = until;
        if (u == RUNNING)
        {
            return false;
        }
        return (now || isEarlier(deadline, u)) && UNTIL.compareAndSet(this, u, RUNNING);
    }

    /** Whether deadline a comes before b, both on the nanoTime scale, {@link Long#MAX_VALUE} meaning never. */
    public static boolean isEarlier(final long a, final long b)
    {
        if (a == Long.MAX_VALUE)
        {
            return false;
        }
        return b == Long.MAX_VALUE || a - b < 0;
    }
}
