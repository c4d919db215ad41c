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
 * queue as a poller would, for every socket of the interface. Only one thread holds a ring at a time: the first
 * reader that finds the ring free; others park as before (or, busy waiting, spin on their own socket's changes
 * without touching the ring), woken by whoever polls. A busy-waiting reader ({@code poller.busy-wait-ns}) holds the
 * ring while it spins too, and goes from spinning to waiting on the ring without letting go: exactly one thread
 * polls a ring, and the poller neither waits on it nor spins beside it.
 *
 * <p>The protocol, by compare-and-set on one state ({@link #FREE}, {@link #POLLER}, {@link #WAITER}):
 * <ul>
 *   <li>A reader about to spin or park, with the stack lock held, counts its demand and claims the ring
 *       ({@code FREE -> WAITER}); it spins on it or waits on it until its socket changes (a poll of its own, or the
 *       listener's {@link Link#wakeup()} when another thread changed it), then frees it. If the poller holds the
 *       ring, the reader wakes it and takes the ring as the poller lets go ({@link #takeFromPoller}).</li>
 *   <li>The poller, about to block, claims the ring ({@code FREE -> POLLER}) and blocks in
 *       {@link Link#awaitReceive}, unless a reader holds it or asked for it since the poller last looked: then
 *       it naps in {@link java.util.concurrent.locks.LockSupport#parkNanos} for a lease (or until the stack's
 *       deadline, or a wake), and looks again.</li>
 * </ul>
 * At most one thread is ever in a ring's wait. Frames that arrive while the reader is away from the ring (doing
 * what it read the data for) wait until it comes back, or until the poller's nap ends.
 *
 * <h2>The lease</h2>
 * The nap is the poller's only cost while a reader holds the ring: one wakeup per nap. It starts at
 * {@value #LEASE_NANOS} ns, and doubles, up to {@value #MAX_LEASE_NANOS} ns, each time the poller wakes to find a
 * reader on the ring again (the reader keeps coming back, and frames that arrive meanwhile reach it); it falls back
 * to {@value #LEASE_NANOS} ns when the poller takes the ring over, or when a second reader found the ring held (that
 * reader parks, and the frames for it wait for the holder's polls or the poller's). As an interrupt moderation timer
 * adapts to its traffic: the UDP echo of UdpEchoLatencyTest paid 0.26 poller wakeups per round trip with a fixed
 * 500 us lease, and 0.03 with the doubling. The cost: a frame for another socket that arrives just after the
 * holder leaves the ring for good waits up to {@value #MAX_LEASE_NANOS} ns, once. Timers stay the poller's, which
 * wakes for them whatever the lease. jcstress: RingWaitTakeoverTest, RingWaitTwoReadersTest,
 * RingWaitTwoSpinnersTest.
 *
 * <p>The protocol's methods are public for the jcstress tests, which drive it over their own link.
 */
public final class RingWait
{
    /** Nobody waits on the ring. */
    static final int FREE = 0;
    /** The poller blocks in {@link Link#awaitReceive}. */
    static final int POLLER = 1;
    /** An application thread holds the ring: it spins on it or blocks in {@link Link#awaitReceiveShared}. */
    static final int WAITER = 2;
    /**
     * How long the poller first naps while readers use the ring before it looks again: the longest a frame that
     * arrives while no reader waits can wait, until the lease grows.
     */
    static final long LEASE_NANOS = 500_000;
    /** The longest lease (see the class comment): 8 x {@link #LEASE_NANOS}. */
    static final long MAX_LEASE_NANOS = 4_000_000;
    /** How long a reader waits for the poller to let go of the ring ({@link #takeFromPoller}). */
    static final long TAKE_NANOS = 2_000_000;

    /** {@code Thread.isVirtual()} on JDK 21 and later (JEP 444), null before: no virtual threads there. */
    private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

    private final Link link;
    private final AtomicInteger state = new AtomicInteger(FREE);
    /** Bumped by every reader that wants the ring, under the stack lock; read by the poller without it. */
    private volatile int demand;
    /** Set by a reader that found another reader holding the ring; read and cleared by the poller. */
    private volatile boolean contended;
    /** The demand the poller saw when it last looked; the poller's own. */
    private int demandSeen;
    /** The poller's current lease; the poller's own. */
    private long lease = LEASE_NANOS;

    /** For the engine, and for the jcstress tests of the protocol. */
    public RingWait(final Link link)
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
    public boolean claim()
    {
        demand++;
        if (state.compareAndSet(FREE, WAITER))
        {
            return true;
        }
        if (state.get() == WAITER)
        {
            contended = true;
        }
        return false;
    }

    /**
     * Reader, with the stack lock held, when {@link #claim()} failed: if the poller is the one waiting on the ring,
     * wakes it and takes the ring as the poller lets go of it, which it does on waking, before it needs the stack
     * lock ({@code BlockingIdleStrategy}); its next look sees the demand {@link #claim()} raised and leaves the ring
     * to the reader. Without this, a reader that comes while the poller idles on the ring would park as before and,
     * on a link whose poller cannot deliver (or until the poller's next frame), wait without the ring. A ring that
     * the poller left between the claim and this is taken at once. Spins, then yields, for at most
     * {@link #TAKE_NANOS}; no wake is lost, since the link's wakeup persists until the poller's next wait
     * (jcstress/RingWaitTakeoverTest).
     *
     * @return whether the reader now holds the ring
     */
    public boolean takeFromPoller()
    {
        final int s = state.get();
        if (s == WAITER)
        {
            return false;
        }
        if (s == FREE && state.compareAndSet(FREE, WAITER))
        {
            return true;
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

    /** Reader: done with the ring. */
    public void release()
    {
        state.set(FREE);
    }

    /** Whether a reader holds the ring now (spinning on it or waiting on it); from any thread. */
    public boolean heldByReader()
    {
        return state.get() == WAITER;
    }

    /**
     * Poller, about to block: whether it may wait on the ring (then {@link #pollerDone()} after); false while a
     * reader holds it or asked for it since the poller last looked. Taking the ring ends the lease's growth.
     */
    public boolean pollerClaim()
    {
        final int d = demand;
        if (d != demandSeen)
        {
            demandSeen = d;
            return false;
        }
        if (state.compareAndSet(FREE, POLLER))
        {
            lease = LEASE_NANOS;
            return true;
        }
        return false;
    }

    /** Poller: its wait on the ring is over. */
    public void pollerDone()
    {
        state.set(FREE);
    }

    /** Poller, about to nap beside a reader: how long (see the class comment, "The lease"). */
    long lease()
    {
        if (contended)
        {
            contended = false;
            lease = LEASE_NANOS;
        }
        return lease;
    }

    /** Poller, after a nap that found a reader on the ring: the reader keeps the ring, so the next nap is longer. */
    void leaseHeld()
    {
        lease = Math.min(MAX_LEASE_NANOS, lease * 2);
    }
}
