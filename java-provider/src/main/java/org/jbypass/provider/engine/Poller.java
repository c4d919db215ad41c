package org.jbypass.provider.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.ip.NetInterface;

/**
 * The thread that drives one receive queue of one interface: it takes the stack lock once per burst, receives and
 * processes the burst (running the stack's timers too when they are due), releases the lock, and idles by its
 * strategy when there was nothing to do.
 *
 * <p>A platform daemon thread: the driver's JNI calls would pin a virtual thread's carrier anyway.
 *
 * <p>Wake-ups: before releasing the lock after an idle poll, the poller publishes the deadline it will idle until
 * ({@link #waitingUntil}). An application thread that ends an operation under the lock with an earlier deadline
 * (a retransmission timer armed by a write) or with work only a poll can finish wakes it, exactly once per idle
 * period (the compare-and-set to {@link #RUNNING}). Because the deadline is published under the lock, an
 * operation either sees it or happens before the poll that computed it; and every strategy's wake persists until
 * its next wait (an unpark permit, the link's eventfd), so a wake between the unlock and the wait is not lost.
 */
final class Poller implements Runnable
{
    /** {@link #waitingUntil} while the poller is not idling: nobody needs to wake it. */
    static final long RUNNING = Long.MIN_VALUE;

    private static final VarHandle WAITING_UNTIL;

    static
    {
        try
        {
            WAITING_UNTIL = MethodHandles.lookup().findVarHandle(Poller.class, "waitingUntil", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final StackEngine engine;
    private final NetInterface nif;
    private final int queue;
    private final IdleStrategy idle;
    private final Thread thread;
    private volatile long waitingUntil = RUNNING;
    private volatile boolean running = true;
    private long polls;
    private long idlePolls;

    Poller(final StackEngine engine, final NetInterface nif, final int queue, final IdleStrategy idle)
    {
        this.engine = engine;
        this.nif = nif;
        this.queue = queue;
        this.idle = idle;
        this.thread = new Thread(this, "jbypass-poller-" + nif.name() + "-" + queue);
        this.thread.setDaemon(true);
    }

    void start()
    {
        thread.start();
    }

    @Override
    public void run()
    {
        final Stack stack = engine.stack();
        while (running)
        {
            final long now = System.nanoTime();
            final boolean worked;
            final long deadline;
            engine.lockForPoll();
            try
            {
                final long due = stack.nextDeadline();
                if (due != Long.MAX_VALUE && due - now <= 0)
                {
                    final long next = stack.poll(now);
                    worked = stack.lastWork() > 0 || next == now;
                    deadline = next;
                }
                else
                {
                    worked = stack.pollQueue(nif, queue, now) > 0;
                    deadline = stack.nextDeadline();
                }
                polls++;
                waitingUntil = worked ? RUNNING : deadline;
            }
            catch (final RuntimeException | Error e)
            {
                engine.pollerFailed(this, e);
                return;
            }
            finally
            {
                engine.unlockAfterPoll();
            }
            if (worked)
            {
                idle.reset();
            }
            else
            {
                idlePolls++;
                idle.idle(deadline, now);
                waitingUntil = RUNNING;
            }
        }
    }

    /**
     * Called with the stack lock held, after an application operation: wakes the poller if it idles past
     * {@code deadline} (or whatever it idles until, when {@code now} is true).
     */
    void wakeIfIdlingPast(final long deadline, final boolean now)
    {
        final long until = waitingUntil;
        if (until == RUNNING)
        {
            return;
        }
        if ((now || isEarlier(deadline, until)) && WAITING_UNTIL.compareAndSet(this, until, RUNNING))
        {
            idle.wake();
        }
    }

    /** Whether deadline a comes before b, both on the nanoTime scale, {@link Long#MAX_VALUE} meaning never. */
    static boolean isEarlier(final long a, final long b)
    {
        if (a == Long.MAX_VALUE)
        {
            return false;
        }
        return b == Long.MAX_VALUE || a - b < 0;
    }

    void stop()
    {
        running = false;
        idle.wake();
    }

    void join(final long millis) throws InterruptedException
    {
        thread.join(millis);
    }

    Thread thread()
    {
        return thread;
    }

    /** Polls made, for diagnostics (read racily). */
    long polls()
    {
        return polls;
    }

    /** Polls that found nothing to do. */
    long idlePolls()
    {
        return idlePolls;
    }

    @Override
    public String toString()
    {
        return thread.getName();
    }
}
