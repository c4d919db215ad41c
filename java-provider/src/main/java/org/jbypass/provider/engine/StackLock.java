package org.jbypass.provider.engine;

import java.io.IOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.link.Link;

/**
 * The lock that guards one {@link Stack}: whoever holds it may drive the stack, and it owns the conditions that
 * application threads wait on. What a holder does on taking and releasing it is here too, because it is the same
 * for every holder of a kind.
 *
 * <ul>
 *   <li>Pollers take it once per burst ({@link #lockForPoll()}, {@link #unlockAfterPoll()}), then kick the links
 *       ({@link #kickLinks()}) without it.</li>
 *   <li>Application threads take it once per operation: {@link #enter()} locks and advances the stack's time;
 *       {@link #exit()} flushes (transmits what the operation queued and dispatches readiness events), wakes a
 *       poller whose idle would outlast the stack's new deadline, unlocks, and kicks the links.</li>
 *   <li>Threads that must wait (a blocking read) wait on a {@link Condition} of this lock ({@link #await}), which a
 *       socket's listener signals; the listener runs on the thread that holds the lock and never calls back into
 *       the stack.</li>
 * </ul>
 *
 * j.u.c locks, not monitors, so that virtual threads park without pinning their carrier on JDK 17 to 23.
 *
 * <h2>Lock order</h2>
 * A channel's own locks (its registration and close locks, its read and write locks) come before the stack lock;
 * the stack lock comes before nothing: with it held, code only signals conditions of this lock, queues selector
 * keys (lock-free) and wakes selectors and pollers (which take no lock of ours). Selectors' monitors are never
 * taken with the stack lock held.
 *
 * <h2>Deferred transmit</h2>
 * Links whose transmit ends in a system call defer it ({@link Link#deferTransmit()}): under the lock frames only
 * enter the link's ring, and whoever released the lock kicks the links ({@link Link#kick()}), so that no other
 * thread waits on the lock for the system call (and, over a veth, for the receiving kernel's work within it).
 */
public final class StackLock
{
    private final ReentrantLock lock = new ReentrantLock();
    private final Stack stack;
    /** The links, each asked to defer its transmit system call until it is kicked, after the lock is released. */
    private volatile Link[] links = new Link[0];
    /** The pollers to wake when an operation makes the stack's deadline earlier; set before any operation. */
    private volatile Poller[] pollers = new Poller[0];
    /**
     * The stack's count of frames handed to links when the current holder of the lock took it (or took it back in
     * {@link #await}); guarded by the lock. A holder whose operation handed frames over must kick them itself.
     */
    private long transmittedAtLock;
    private volatile boolean closed;
    private volatile Throwable failure;

    StackLock(final Stack stack)
    {
        this.stack = stack;
    }

    /** The stack; touch it only while holding the lock. */
    public Stack stack()
    {
        return stack;
    }

    /** Once the stack is built: the links to kick and the pollers to wake. */
    void attach(final Link[] links, final Poller[] pollers)
    {
        this.links = links.clone();
        this.pollers = pollers.clone();
    }

    /** A condition of the stack lock, for threads waiting on one socket. */
    public Condition newCondition()
    {
        return lock.newCondition();
    }

    /**
     * Begins an application operation: takes the lock and advances the stack's time.
     *
     * @throws IOException when the stack has been closed or a poller failed
     */
    public void enter() throws IOException
    {
        lock.lock();
        if (closed)
        {
            lock.unlock();
            throw new IOException("jbypass stack is closed" + (failure != null ? ": " + failure : ""), failure);
        }
        stack.time().advance(System.nanoTime());
        transmittedAtLock = stack.ipCounters().framesTransmitted;
    }

    /**
     * Ends an application operation: transmits what it queued, dispatches readiness events, wakes a poller whose
     * idle would outlast the stack's new deadline, releases the lock and kicks the links.
     */
    public void exit()
    {
        try
        {
            afterOperation();
        }
        finally
        {
            lock.unlock();
        }
        kickLinks();
    }

    /**
     * Waits on a condition of the lock, which the caller holds (between {@link #enter()} and {@link #exit()}):
     * flushes first, as {@link #exit()} would, and advances time after. The one place where application threads
     * wait for the stack.
     *
     * @param nanos how long to wait at most; {@link Long#MAX_VALUE} for no limit
     * @return the nanoseconds left, as {@link Condition#awaitNanos}
     */
    public long await(final Condition condition, final long nanos) throws InterruptedException
    {
        afterOperation();
        if (stack.ipCounters().framesTransmitted != transmittedAtLock)
        {
            // This operation handed frames to a deferring link: send them before waiting, without the lock; the wait
            // it was to be is then a spurious wakeup, after which the caller looks again (Condition allows them)
            // and, having sent nothing more, waits. Frames that pollers or other operations handed over are theirs
            // to kick: waiting here never spins on them.
            lock.unlock();
            try
            {
                kickLinks();
            }
            finally
            {
                lock.lock();
                retaken();
            }
            return nanos;
        }
        try
        {
            if (nanos == Long.MAX_VALUE)
            {
                condition.await();
                return Long.MAX_VALUE;
            }
            return condition.awaitNanos(nanos);
        }
        finally
        {
            retaken();
        }
    }

    /** With the lock taken back after a wait: the stack's time moved on, and nothing is this holder's to kick. */
    private void retaken()
    {
        stack.time().advance(System.nanoTime());
        transmittedAtLock = stack.ipCounters().framesTransmitted;
    }

    private void afterOperation()
    {
        if (closed)
        {
            return;
        }
        final boolean pending = stack.flush();
        final long deadline = stack.nextDeadline();
        final Poller[] ps = pollers;
        for (int i = 0; i < ps.length; i++)
        {
            ps[i].wakeIfIdlingPast(deadline, pending);
        }
    }

    /**
     * Hands the frames that pollers and operations queued to the wire, after the lock is released: the system call
     * (and, over a veth, the receiver's processing that the kernel runs in it) then holds no other thread up.
     */
    void kickLinks()
    {
        final Link[] ls = links;
        for (int i = 0; i < ls.length; i++)
        {
            ls[i].kick();
        }
    }

    void lockForPoll()
    {
        lock.lock();
    }

    void unlockAfterPoll()
    {
        lock.unlock();
    }

    /** Runs {@code action} on the stack under the lock, for monitoring and diagnostics (never on the data path). */
    <T> T withLock(final Function<Stack, T> action)
    {
        lock.lock();
        try
        {
            return action.apply(stack);
        }
        finally
        {
            lock.unlock();
        }
    }

    /** A poller failed: every operation fails from now on, naming the failure. */
    void fail(final Throwable e)
    {
        failure = e;
        closed = true;
    }

    /** Closes the stack under the lock; operations fail from now on. */
    void closeStack()
    {
        lock.lock();
        try
        {
            closed = true;
            stack.close();
        }
        finally
        {
            lock.unlock();
        }
    }

    boolean isClosed()
    {
        return closed;
    }
}
