package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.jbypass.provider.engine.StackLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * The stack lock unparks the threads a holder signalled only once it is released (StackLock.release, as Linux's
 * wake_q). A holder that signals a waiter and then waits itself releases the lock inside its own wait: that release
 * must unpark the waiter it signalled, or both would wait for ever (the signalled one for its unpark, the signaller
 * for the answer only the signalled one gives). Here the waiter, once woken, answers the signaller through a second
 * queue; the signaller's own wait must then end too.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the signalled thread woke and answered")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "a deferred unpark was lost when its signaller began to wait")
@State
public class DeferredWakeBeforeWaitTest
{
    private final StackLock lock = StackFixture.engine().lock();
    private final StackLock.WaitQueue asked = new StackLock.WaitQueue(lock);
    private final StackLock.WaitQueue answered = new StackLock.WaitQueue(lock);
    /** Guarded by the stack lock, as sockets' readiness is. */
    private boolean question;
    private boolean answer;

    @Actor
    public void answerer() throws InterruptedException
    {
        enter();
        try
        {
            while (!question)
            {
                lock.await(asked, Long.MAX_VALUE);
            }
            answer = true;
            if (answered.hasWaiters())
            {
                answered.signalAll();
            }
        }
        finally
        {
            lock.exit();
        }
    }

    @Signal
    public void askThenWait() throws InterruptedException
    {
        enter();
        try
        {
            question = true;
            if (asked.hasWaiters())
            {
                asked.signalAll();
            }
            while (!answer)
            {
                lock.await(answered, Long.MAX_VALUE);
            }
        }
        finally
        {
            lock.exit();
        }
    }

    private void enter()
    {
        try
        {
            lock.enter();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
