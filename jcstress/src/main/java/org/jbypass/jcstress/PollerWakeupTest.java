package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import org.jbypass.provider.engine.IdleGate;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JZ_Result;

/**
 * A poller going idle while an application operation arms an earlier timer. The poller computes its deadline
 * under the stack lock, publishes it through the {@link IdleGate} and releases the lock before it would block
 * (its wake flag persists until that wait, so the arbiter reads it); the application, under the lock, arms the timer and wakes the
 * poller if the gate says so. The poller must either have seen the new timer or be woken: never sleep past it.
 * Result: (the deadline the poller would idle until, whether it was woken).
 */
@JCStressTest
@Outcome(id = "5, false", expect = ACCEPTABLE, desc = "the poll came after the operation and saw its timer")
@Outcome(id = "5, true", expect = ACCEPTABLE, desc = "saw the timer, and an extra wake: harmless")
@Outcome(id = "9223372036854775807, true", expect = ACCEPTABLE, desc = "idled without it, but was woken")
@Outcome(id = "9223372036854775807, false", expect = FORBIDDEN, desc = "lost wake: would sleep past the timer")
@State
public class PollerWakeupTest
{
    private final ReentrantLock stackLock = new ReentrantLock();
    private final IdleGate gate = new IdleGate();
    private final AtomicBoolean wake = new AtomicBoolean();
    /** The stack's next deadline, guarded by the lock. */
    private long stackDeadline = Long.MAX_VALUE;

    @Actor
    public void poller(final JZ_Result r)
    {
        final long deadline;
        stackLock.lock();
        try
        {
            deadline = stackDeadline;
            gate.idleUntil(deadline);
        }
        finally
        {
            stackLock.unlock();
        }
        r.r1 = deadline;
    }

    @Actor
    public void application()
    {
        stackLock.lock();
        try
        {
            stackDeadline = 5;
            if (gate.claimWake(stackDeadline, false))
            {
                wake.set(true);
            }
        }
        finally
        {
            stackLock.unlock();
        }
    }

    /** The wake persists until the poller's next wait (an eventfd, an unpark permit), so read it at the end. */
    @Arbiter
    public void arbiter(final JZ_Result r)
    {
        r.r2 = wake.get();
    }
}
