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
 * The stack lock's wait queue, which replaced a {@code Condition} so that waits allocate nothing: a thread waits
 * in the queue for a flag set under the lock, linking its (reused, per-thread) node before it releases the lock and
 * parking; another thread sets the flag and signals the queue under the lock, racing with the waiter's linking,
 * unlock and park. The waiter must always wake: a signal between its unlock and its park leaves the permit that
 * makes the park return, and a signal before it linked its node is seen as the flag when it looks under the lock.
 * The signaller's unpark comes after it released the lock ({@code StackLock.release}), as every signal's does.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the signal woke the waiter")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: the waiter parked with the flag set")
@State
public class WaitQueueHandoffTest
{
    private final StackLock lock = StackFixture.engine().lock();
    private final StackLock.WaitQueue queue = new StackLock.WaitQueue(lock);
    /** Guarded by the stack lock, as a socket's readiness is. */
    private boolean ready;

    @Actor
    public void await() throws InterruptedException
    {
        enter();
        try
        {
            while (!ready)
            {
                lock.await(queue, Long.MAX_VALUE);
            }
        }
        finally
        {
            lock.exit();
        }
    }

    @Signal
    public void signal()
    {
        enter();
        try
        {
            ready = true;
            if (queue.hasWaiters())
            {
                queue.signalAll();
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
