package org.jbypass.provider.engine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicInteger;

import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;

/**
 * Who waits on the receive ring of an interface with one queue: its poller, or an application thread that would
 * otherwise park until the poller had processed a frame for it and woken it ({@code poller.ring-wait}).
 *
 * <p>Why: with a blocking poller, a frame for a blocked reader costs two wakeups in a row, the poller's (by the
 * kernel) and then the reader's (by the poller, a futex). The kernel's own sockets cost one, since the kernel's
 * receive path runs in softirq and wakes the reader. So the reader waits on the ring itself
 * ({@link Link#awaitReceiveShared}), and the kernel wakes it directly; it then takes the stack lock and polls the
 * queue as a poller would, for every socket of the interface. Only one thread waits on a ring at a time: the first
 * reader that finds the ring free; others park as before, woken by whoever polls.
 *
 * <p>The protocol, by compare-and-set on one state ({@link #FREE}, {@link #POLLER}, {@link #WAITER}):
 * <ul>
 *   <li>A reader about to park, with the stack lock held, counts its demand and claims the ring
 *       ({@code FREE -> WAITER}); it waits on it until its socket changes (a poll of its own, or the listener's
 *       {@link Link#wakeup()} when another thread changed it), then frees it.</li>
 *   <li>The poller, about to block, claims the ring ({@code FREE -> POLLER}) and blocks in
 *       {@link Link#awaitReceive}, unless a reader waits on it or asked for it since the poller last looked: then
 *       it naps in {@link java.util.concurrent.locks.LockSupport#parkNanos} for at most {@link #LEASE_NANOS} (or
 *       until the stack's deadline, or a wake), and looks again. A reader that found the poller on the ring parks
 *       as before this once; the poller, which wakes for the frame, sees the demand and leaves the ring to it.</li>
 * </ul>
 * At most one thread is ever in a ring's wait. Frames that arrive while the reader is away from the ring (doing
 * what it read the data for) wait until it comes back, or until the poller's nap ends: at most
 * {@value #LEASE_NANOS} ns plus the timer slack. Timers stay the poller's, which wakes for them. jcstress:
 * RingWaitTest.
 */
public final class RingWait
{
    /** Nobody waits on the ring. */
    static final int FREE = 0;
    /** The poller blocks in {@link Link#awaitReceive}. */
    static final int POLLER = 1;
    /** An application thread blocks in {@link Link#awaitReceiveShared}. */
    static final int WAITER = 2;
    /**
     * How long the poller naps while readers use the ring before it looks again: the longest a frame that arrives
     * while no reader waits can wait, and, while a reader waits with no traffic, the poller's wakeups (2,000 a
     * second, each a few microseconds of CPU).
     */
    static final long LEASE_NANOS = 500_000;
    /** How long a reader waits for the poller to let go of the ring ({@link #takeFromPoller}). */
    static final long TAKE_NANOS = 2_000_000;

    /** {@code Thread.isVirtual()} on JDK 21 and later (JEP 444), null before: no virtual threads there. */
    private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

    private final Link link;
    private final AtomicInteger state = new AtomicInteger(FREE);
    /** Bumped by every reader that wants the ring, under the stack lock; read by the poller without it. */
    private volatile int demand;
    /** The demand the poller saw when it last looked; the poller's own. */
    private int demandSeen;

    RingWait(final Link link)
    {
        this.link = link;
    }

    /** Whether a link's ring can be waited on by readers: one receive queue and a shared wait. */
    static boolean supports(final Link link)
    {
        return link.rxQueueCount() == 1 && (link.capabilities() & LinkCapabilities.RX_AWAIT_SHARED) != 0;
    }

    /**
     * Whether the calling thread may wait on a ring: not a virtual thread, whose wait in a driver's native poll(2)
     * would pin its carrier for as long as it waits (it parks in the stack lock's wait queue instead, which
     * unmounts it).
     */
    public static boolean mayWait()
    {
        if (IS_VIRTUAL == null)
        {
            return true;
        }
        try
        {
            return !(boolean)IS_VIRTUAL.invokeExact(Thread.currentThread());
        }
        catch (final Throwable e)
        {
            return false;
        }
    }

    private static MethodHandle isVirtualHandle()
    {
        try
        {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                MethodType.methodType(boolean.class));
        }
        catch (final NoSuchMethodException | IllegalAccessException e)
        {
            return null;
        }
    }

    /** The link whose ring this is. */
    Link link()
    {
        return link;
    }

    /** Reader, with the stack lock held: asks for the ring; whether it got it (then {@link #release()} after). */
    boolean claim()
    {
        demand++;
        return state.compareAndSet(FREE, WAITER);
    }

    /**
     * Reader, with the stack lock held, when {@link #claim()} failed: if the poller is the one waiting on the ring,
     * wakes it and takes the ring as the poller lets go of it, which it does on waking, before it needs the stack
     * lock ({@code BlockingIdleStrategy}); its next look sees the demand {@link #claim()} raised and leaves the ring
     * to the reader. Without this, a reader that comes while the poller idles on the ring would park as before and,
     * on a link whose poller cannot deliver (or until the poller's next frame), wait without the ring. Spins, then
     * yields, for at most {@link #TAKE_NANOS}.
     *
     * @return whether the reader now holds the ring
     */
    boolean takeFromPoller()
    {
        if (state.get() != POLLER)
        {
            return false;
        }
        link.wakeup();
        final long deadline = System.nanoTime() + TAKE_NANOS;
        for (int spins = 0; ; spins++)
        {
            if (state.compareAndSet(FREE, WAITER))
            {
                return true;
            }
            if (state.get() == WAITER || System.nanoTime() - deadline > 0)
            {
                return false;
            }
            if (spins < 64)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield();
            }
        }
    }

    /** Reader: done waiting on the ring. */
    void release()
    {
        state.set(FREE);
    }

    /**
     * Poller, about to block: whether it may wait on the ring (then {@link #pollerDone()} after); false while a
     * reader waits on it or asked for it since the poller last looked.
     */
    boolean pollerClaim()
    {
        final int d = demand;
        if (d != demandSeen)
        {
            demandSeen = d;
            return false;
        }
        return state.compareAndSet(FREE, POLLER);
    }

    /** Poller: its wait on the ring is over. */
    void pollerDone()
    {
        state.set(FREE);
    }
}
