package org.jbypass.provider.engine;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.ip.NetInterface;

/**
 * The thread that drives one receive queue of one interface: it takes the stack lock once per burst, receives and
 * processes the burst (running the stack's timers too when they are due), releases the lock, and idles by its
 * strategy when there was nothing to do.
 *
 * <p>A platform daemon thread: the driver's JNI calls would pin a virtual thread's carrier anyway.
 *
 * <p>Wake-ups follow {@link IdleGate}: the deadline the poller idles until is published under the lock, and an
 * application thread whose operation made the stack's deadline earlier wakes it once per idle period.
 */
final class Poller implements Runnable
{
    private final StackEngine engine;
    private final NetInterface nif;
    private final int queue;
    private final IdleStrategy idle;
    private final Thread thread;
    private final IdleGate gate = new IdleGate();
    private volatile boolean running = true;

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
            engine.lock().lockForPoll();
            try
            {
                final long due = stack.nextDeadline();
                if (due != Long.MAX_VALUE && due - now <= 0)
                {
                    final long next = stack.poll(now, queue);
                    worked = stack.lastWork() > 0 || next == now;
                    deadline = next;
                }
                else
                {
                    worked = stack.pollQueue(nif, queue, now) > 0;
                    deadline = stack.nextDeadline();
                }
                final long elsewhere = stack.pendingTransmitQueues() & ~(1L << (queue & 63));
                if (elsewhere != 0)
                {
                    // Frames this poll kept on their flow's queue (the link still holds the flow's last frame
                    // there): that queue's poller hands them to the link.
                    engine.lock().wakePollersOf(elsewhere);
                }
                if (worked)
                {
                    gate.running();
                }
                else
                {
                    gate.idleUntil(deadline);
                }
            }
            catch (final RuntimeException | Error e)
            {
                // Contained: the stack contains what it can to one socket; what escapes it loses this burst only.
                engine.pollFailed(this, e);
                continue;
            }
            finally
            {
                engine.lock().unlockAfterPoll();
            }
            engine.lock().kickLinks();
            engine.housekeeping(now);
            if (worked)
            {
                idle.reset();
            }
            else
            {
                idle.idle(deadline, now);
                gate.running();
            }
        }
    }

    /**
     * Called with the stack lock held, after an application operation: wakes the poller if it idles past
     * {@code deadline} (or at all, when {@code now} is true).
     */
    void wakeIfIdlingPast(final long deadline, final boolean now)
    {
        if (gate.claimWake(deadline, now))
        {
            idle.wake();
        }
    }

    /** The receive queue this poller serves (and, modulo the link's transmit queues, the queue it sends on). */
    int queue()
    {
        return queue;
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

    @Override
    public String toString()
    {
        return thread.getName();
    }
}
