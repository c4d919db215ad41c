package org.jbypass.provider.engine;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.transport.StackSocket;
import org.jbypass.provider.config.BusyWaitYield;

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
 *   <li>Threads that must wait (a blocking read) wait in a {@link WaitQueue} of this lock ({@link #await}), which a
 *       socket's listener signals; the listener runs on the thread that holds the lock and never calls back into
 *       the stack.</li>
 * </ul>
 *
 * j.u.c locks, not monitors, so that virtual threads park without pinning their carrier on JDK 17 to 23.
 *
 * <h2>Lock order</h2>
 * A channel's own locks (its registration and close locks, its read and write locks) come before the stack lock;
 * the stack lock comes before nothing: with it held, code only signals wait queues of this lock, queues selector
 * keys (lock-free) and wakes selectors and pollers (which take no lock of ours). Selectors' monitors are never
 * taken with the stack lock held.
 *
 * <h2>Deferred transmit</h2>
 * Links whose transmit ends in a system call defer it ({@link Link#deferTransmit()}): under the lock frames only
 * enter the link's ring, and whoever released the lock kicks the links ({@link Link#kick()}), so that no other
 * thread waits on the lock for the system call (and, over a veth, for the receiving kernel's work within it).
 *
 * <h2>Busy waiting</h2>
 * A thread about to wait may first drive the stack itself ({@link #pollWhileWaiting}), as OpenOnload's EF_POLL_USEC
 * and Linux's busy_read make the waiting thread poll the NIC: it releases the lock, and until what it waits for
 * changes (a {@link Waiter}'s count, which the socket's listener bumps under the lock) or its budget ends, it takes
 * the lock when the ring has frames and nobody else wants the lock, polls its interface's queues (everything, timers
 * included, when timers are due), flushes, releases, and kicks what it queued, as a poller does. A reply then goes
 * from the ring to the thread that wants it without the poller's wakeup and the handoff. Why no change is missed:
 * the waiter reads the count under the lock after its attempt failed, and every change after that is made under the
 * lock after it was released, so the waiter reads a different count. Two threads may poll one ring, one at a time:
 * the ring is only read under the lock (jcstress/BusyWaitTwoPollersTest).
 *
 * <h2>Waiting on the ring</h2>
 * A thread that would then park may instead wait on its interface's receive ring in the poller's place
 * ({@link #waitOnRing}, {@link RingWait}): the kernel wakes it for a frame, and it polls the queue under the lock,
 * so a frame for a blocked reader costs one wakeup, not the poller's and then the reader's.
 *
 * <h2>Deferred unparks</h2>
 * Signals made under the lock mark their waiters at once and unpark them when the lock is released
 * ({@link #release()}), so that a woken thread does not wake to find the lock still held by its waker.
 */
public final class StackLock
{
    /** On links that cannot tell whether they have frames, a waiting thread polls once per this many turns. */
    private static final int BLIND_TURNS = 256;

    /**
     * How long a thread that finds the lock held spins for it before it queues: {@link ReentrantLock#lock()}
     * allocates a queue node (AQS's {@code ExclusiveNode}) whenever it does not get the lock at once, and a thread
     * woken from a wait nearly always finds its waker still holding the lock for the rest of its short operation.
     * Holders keep it for one operation or one poll burst (microseconds), so a short spin usually gets it without
     * the node; a holder that keeps it longer (descheduled on a loaded machine) is given the CPU by yielding
     * ({@link #ACQUIRE_YIELDS} times, as Agrona's backoff does) before the thread queues, with the node. Never a
     * timed park instead: Linux's timer slack (50 us by default) turns a 20 us park into about 70 us, which the UDP
     * round trip through an echo on the stack showed (p50 66 us against 54 us).
     */
    private static final long ACQUIRE_SPIN_NANOS = 20_000;
    /** After the spin, how many times a thread yields and tries again before it queues. */
    private static final int ACQUIRE_YIELDS = 64;
    /** How many woken threads a holder unparks after it releases the lock; more are unparked at once. */
    private static final int DEFERRED_WAKES = 16;

    private final ReentrantLock lock = new ReentrantLock();
    private final Stack stack;
    /** The links, each asked to defer its transmit system call until it is kicked, after the lock is released. */
    private volatile Link[] links = new Link[0];
    /** The pollers to wake when an operation makes the stack's deadline earlier; set before any operation. */
    private volatile Poller[] pollers = new Poller[0];
    /** Told of a poll by an application thread that failed past the stack's containment, as a poller's is. */
    private volatile Consumer<Throwable> pollFailed = e -> { };
    /** The stack's interfaces, and how long a thread waiting on a socket of each drives the stack; set once. */
    private volatile NetInterface[] interfaces = new NetInterface[0];
    private volatile long[] busyWaitNanos = new long[0];
    /** Per interface, who waits on its ring, or null where application threads never do; set once. */
    private volatile RingWait[] ringWaits = new RingWait[0];
    /**
     * The threads of this JVM busy-waiting on a stack now whose awaited change last came from another application
     * thread of this JVM (a local delivery: {@link Waiter#localPeer()}), for {@link BusyWaitYield#AUTO}.
     */
    private static final AtomicInteger SPINNING_LOCAL = new AtomicInteger();
    /** The other threads of this JVM busy-waiting on a stack now (their peer is outside it, or unknown). */
    private static final AtomicInteger SPINNING_OTHER = new AtomicInteger();
    /** The cores this JVM may use, read once (as the JDK's own spin decisions do). */
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    /** Whether busy-waiting threads yield their core between looks ({@code poller.busy-wait-yield}). */
    private volatile BusyWaitYield yieldMode = BusyWaitYield.AUTO;
    /** Whether every link tells cheaply whether it has frames ({@link LinkCapabilities#RX_READY}). */
    private volatile boolean ringsTell;
    /**
     * The stack's count of frames handed to links when the current holder of the lock took it (or took it back in
     * {@link #await}); guarded by the lock. A holder whose operation handed frames over must kick them itself.
     */
    private long transmittedAtLock;
    /**
     * Whether the holder of the lock is polling a link's frames or the timers (a poller, a thread waiting on a ring,
     * a busy-waiting thread's poll), rather than making an application operation; guarded by the lock. A change a
     * socket's listener sees while it is false was made by an application thread of this JVM
     * ({@link #changedByApplication()}).
     */
    private boolean polling;
    private volatile boolean closed;
    private volatile Throwable failure;
    /**
     * Threads that signals under the lock have woken, to unpark once the lock is released (see {@link #release()});
     * guarded by the lock. Beyond its length, a signal unparks at once.
     */
    private final Thread[] wakes = new Thread[DEFERRED_WAKES];
    private int wakeCount;
    /** The interfaces (bits, the first 64) whose ring's waiter to wake once the lock is released; guarded by it. */
    private long ringWakes;
    /** Each releasing thread's copy of {@link #wakes}, unparked after the unlock. */
    private static final ThreadLocal<Thread[]> WAKING = ThreadLocal.withInitial(() -> new Thread[DEFERRED_WAKES]);

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

    /** Once: where a failed poll of an application thread (waiting on a ring, or busy waiting) is reported. */
    void onPollFailure(final Consumer<Throwable> report)
    {
        this.pollFailed = report;
    }

    /**
     * Once the stack is built: how long a thread waiting on a socket of each interface drives the stack before it
     * parks ({@code poller.busy-wait-ns}, {@code interface.NAME.busy-wait-ns}), and whether it may then wait on the
     * interface's ring ({@code poller.ring-wait}; null entries where not).
     */
    void busyWait(final NetInterface[] nifs, final long[] nanos, final RingWait[] rings)
    {
        this.ringWaits = rings.clone();
        boolean tell = true;
        for (final NetInterface nif : nifs)
        {
            tell &= (nif.link().capabilities() & LinkCapabilities.RX_READY) != 0;
        }
        this.ringsTell = tell;
        this.busyWaitNanos = nanos.clone();
        this.interfaces = nifs.clone();
    }

    /** Once the stack is built: whether busy-waiting threads yield their core ({@code poller.busy-wait-yield}). */
    void busyWaitYield(final BusyWaitYield mode)
    {
        this.yieldMode = mode;
    }

    /**
     * A thread begins to busy-wait on the stack (then {@link #endSpin}); counted for {@link BusyWaitYield#AUTO}.
     *
     * @param localPeer whether what it waits for comes from another application thread of this JVM
     *                  ({@link Waiter#localPeer()})
     */
    public static void beginSpin(final boolean localPeer)
    {
        (localPeer ? SPINNING_LOCAL : SPINNING_OTHER).incrementAndGet();
    }

    /** A thread ends its busy wait; {@code localPeer} as it began it. */
    public static void endSpin(final boolean localPeer)
    {
        (localPeer ? SPINNING_LOCAL : SPINNING_OTHER).decrementAndGet();
    }

    /**
     * One pause of a busy-waiting thread between looks: {@link Thread#yield()} when its core is better given to
     * another thread ({@link BusyWaitYield#autoYields}), {@link Thread#onSpinWait()} otherwise.
     */
    public void spinPause()
    {
        if (yieldsNow())
        {
            Thread.yield();
        }
        else
        {
            Thread.onSpinWait();
        }
    }

    private boolean yieldsNow()
    {
        final BusyWaitYield mode = yieldMode;
        if (mode != BusyWaitYield.AUTO)
        {
            return mode == BusyWaitYield.TRUE;
        }
        final int local = SPINNING_LOCAL.get();
        final int other = SPINNING_OTHER.get();
        // The machine's runnable threads matter only while every spinner converses inside this JVM.
        return BusyWaitYield.autoYields(CORES, local, other,
            other == 0 ? RunnableThreads.machine().count(System.nanoTime()) : -1);
    }

    /**
     * With the lock held, by a socket's listener: whether the change it is told of was made by an application
     * thread's operation (the local delivery of what it wrote to a socket of this stack, a close) rather than by a
     * poll of a link's frames or of the timers. A thread waiting for that change then converses with a thread of
     * this JVM ({@link Waiter#localPeer()}).
     */
    public boolean changedByApplication()
    {
        return !polling;
    }

    /** A thread about to wait: what it waits for changes when its count does. */
    public interface Waiter
    {
        /** A count that changes, under the lock, whenever what the waiter waits for may have happened. */
        int changes();

        /**
         * With the lock held: whether the last change the waiter was woken or stopped spinning for was made by
         * another application thread of this JVM ({@link #changedByApplication()}): its peer is then a thread of
         * this JVM, which, when it busy-waits too, needs no core but its own ({@link BusyWaitYield#autoYields}).
         */
        default boolean localPeer()
        {
            return false;
        }
    }

    /**
     * The interface that serves a socket bound to {@code localAddress}: its index, or -1 when the socket is bound
     * to no address of the stack's (unbound, or the wildcard) and any interface may serve it. A stack of one
     * interface serves every socket from it, the wildcard's too: an unmodified {@code MulticastSocket} is bound to
     * the wildcard and joined on the interface, and counted as "any" its blocked receive parked and each datagram
     * cost two wakeups, the poller's and then the reader's (docs/PERFORMANCE.md, "Multicast receive").
     */
    public int interfaceOf(final StackSocket socket)
    {
        if (interfaces.length == 1)
        {
            return 0;
        }
        if (!socket.isIpv6())
        {
            return interfaceOf(socket.localAddress());
        }
        // Bound on the IPv6 side: to one of an interface's IPv6 addresses, or to :: (any interface). Without this,
        // every IPv6 socket counted as "any", never waited on its ring, and paid the poller's wakeup per message.
        final long hi = socket.localHi();
        final long lo = socket.localLo();
        final NetInterface[] nifs = interfaces;
        for (int i = 0; (hi | lo) != 0 && i < nifs.length; i++)
        {
            if (nifs[i].hasAddress6(hi, lo))
            {
                return i;
            }
        }
        return -1;
    }

    /** {@link #interfaceOf(StackSocket)} for an IPv4 address. */
    public int interfaceOf(final int localAddress)
    {
        final NetInterface[] nifs = interfaces;
        for (int i = 0; localAddress != 0 && i < nifs.length; i++)
        {
            if (nifs[i].address() == localAddress)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * How long a thread waiting on a socket of an interface drives the stack before it parks; for -1 (any
     * interface), the longest of them. 0: it parks at once.
     */
    public long busyWaitNanos(final int iface)
    {
        final long[] nanos = busyWaitNanos;
        if (iface >= 0)
        {
            return nanos[iface];
        }
        long most = 0;
        for (int i = 0; i < nanos.length; i++)
        {
            most = Math.max(most, nanos[i]);
        }
        return most;
    }

    /**
     * With the lock held (between {@link #enter()} and {@link #exit()}), by a thread whose attempt found nothing to
     * do: drives the stack until the waiter's count differs from {@code seen}, {@code until} passes or the stack
     * closes, then returns with the lock held again and time advanced. Allocates nothing.
     *
     * <p>On an interface whose ring a reader may hold ({@link #ringWaitable}), the thread that calls this did not get
     * the ring ({@link #waitOnRing} refused it): another reader holds it and polls it for every socket. This thread
     * then spins on its own count alone, without looking at the ring (exactly one thread polls a ring), and returns
     * as soon as the ring has no reader, so that its caller claims it.
     *
     * @param iface the interface whose queues to poll, -1 for all
     * @param seen  the waiter's count, read under the lock after the attempt
     * @param until when to give up, on the nanoTime scale
     */
    public void pollWhileWaiting(final int iface, final Waiter waiter, final int seen, final long until)
    {
        final RingWait ring = ringWaitable(iface) && RingWait.mayWait() ? ringWaits[iface] : null;
        final boolean local = waiter.localPeer();
        afterOperation();
        release();
        beginSpin(local);
        try
        {
            kickLinks();
            int turn = 0;
            while (waiter.changes() == seen && !closed)
            {
                if (System.nanoTime() - until >= 0)
                {
                    break;
                }
                if (ring != null)
                {
                    if (!ring.heldByReader())
                    {
                        break;
                    }
                    spinPause();
                }
                else if (!tryPoll(iface, ++turn))
                {
                    spinPause();
                }
            }
        }
        finally
        {
            endSpin(local);
            acquire(lock);
            retaken();
        }
    }

    /** Whether a thread waiting on a socket of the interface may wait on its ring ({@link #waitOnRing}). */
    public boolean ringWaitable(final int iface)
    {
        final RingWait[] rings = ringWaits;
        return iface >= 0 && iface < rings.length && rings[iface] != null;
    }

    /**
     * With the lock held (between {@link #enter()} and {@link #exit()}), by a thread whose attempt found nothing to
     * do and that would now spin or park: takes the interface's receive ring, if no other reader holds it (see
     * {@link RingWait}), and until the waiter's count differs from {@code seen}, {@code until} passes or the stack
     * closes, first spins on the ring until {@code spinUntil} (polling the interface's queue under the lock
     * whenever the ring has frames, {@code poller.busy-wait-ns}), then waits on it in the poller's place and polls
     * whenever it wakes. The ring stays this thread's from the spin to the wait: exactly one thread polls it, and
     * the poller neither waits on it nor spins beside it meanwhile. Returns with the lock held again and time
     * advanced. A change that another thread makes (a local delivery, a close) must reach the ring's holder: the
     * caller's listener bumps its count and calls {@link #wakeRing} for it. Allocates nothing.
     *
     * @param iface     an interface for which {@link #ringWaitable} holds
     * @param seen      the waiter's count, read under the lock after the attempt
     * @param spinUntil when to stop spinning and wait on the ring, on the nanoTime scale; 0 not to spin
     * @param until     when to give up, on the nanoTime scale; {@link Long#MAX_VALUE} for never
     * @return false, having done nothing, when another thread holds the ring (the caller parks, or spins on its
     *         count, instead)
     */
    public boolean waitOnRing(final int iface, final Waiter waiter, final int seen, final long spinUntil,
        final long until)
    {
        final RingWait ring = ringWaits[iface];
        if (!ring.claim() && !ring.takeFromPoller())
        {
            return false;
        }
        final NetInterface nif = interfaces[iface];
        final Link link = ring.link();
        final boolean tells = (link.capabilities() & LinkCapabilities.RX_READY) != 0;
        final boolean local = waiter.localPeer();
        boolean held = true;
        try
        {
            afterOperation();
            release();
            held = false;
            kickLinks();
            if (spinUntil != 0)
            {
                beginSpin(local);
                try
                {
                    int turn = 0;
                    while (waiter.changes() == seen && !closed)
                    {
                        final long now = System.nanoTime();
                        if (now - spinUntil >= 0 || now - until >= 0)
                        {
                            break;
                        }
                        turn++;
                        if ((tells ? !link.receiveReady(0) : turn % BLIND_TURNS != 0) || lock.hasQueuedThreads()
                            || !lock.tryLock())
                        {
                            spinPause();
                            continue;
                        }
                        held = true;
                        if (pollRing(nif, waiter, seen, now))
                        {
                            ring.release();
                            return true;
                        }
                        held = false;
                    }
                }
                finally
                {
                    endSpin(local);
                }
            }
            while (waiter.changes() == seen && !closed)
            {
                // Bounded as every idle wait is, timed or not: a wakeup the ring missed costs at most this.
                final long left = until == Long.MAX_VALUE ? IdleStrategy.MAX_WAIT_NANOS
                    : Math.min(IdleStrategy.MAX_WAIT_NANOS, until - System.nanoTime());
                if (left <= 0)
                {
                    break;
                }
                link.awaitReceiveShared(left);
                if (waiter.changes() != seen)
                {
                    break;
                }
                acquire(lock);
                held = true;
                if (pollRing(nif, waiter, seen, System.nanoTime()))
                {
                    ring.release();
                    return true;
                }
                held = false;
            }
            ring.release();
            acquire(lock);
            held = true;
            retaken();
            return true;
        }
        catch (final RuntimeException | Error e)
        {
            ring.release();
            if (!held)
            {
                acquire(lock);
                retaken();
            }
            throw e;
        }
    }

    /**
     * With the lock just taken by the ring's holder: polls the interface's queue (everything, when timers are due;
     * contained as a poller's poll is, {@link #pollContained}). If that made the waiter's change (or the stack
     * closed), keeps the lock for the caller's attempt and returns true: what the poll queued is this holder's to
     * kick (on exit, or before it waits again). Otherwise flushes, releases and kicks, as a poller's burst ends, and
     * returns false.
     *
     * @param now the clock read once for this wakeup (or spin turn), just before the lock was taken: the poll and
     *            the caller's attempt after it share it, as an operation's {@link #enter()} reads it once (the
     *            clock is read a few times per message, and each read costs as much as a field's cache miss)
     */
    private boolean pollRing(final NetInterface nif, final Waiter waiter, final int seen, final long now)
    {
        final long transmitted = stack.ipCounters().framesTransmitted;
        if (!closed)
        {
            pollContained(nif, now);
        }
        if (waiter.changes() != seen || closed)
        {
            stack.time().advance(now);
            transmittedAtLock = transmitted;
            return true;
        }
        afterOperation();
        release();
        kickLinks();
        return false;
    }

    /**
     * With the lock held, by a thread waiting on an interface's ring: runs the timers when due, else polls the ring's
     * queue. A failure that escapes the stack's own containment costs this burst, as a poller's does, and is
     * reported; it never reaches the application whose operation was waiting.
     */
    private void pollContained(final NetInterface nif, final long now)
    {
        polling = true;
        try
        {
            final long due = stack.nextDeadline();
            if (due != Long.MAX_VALUE && due - now <= 0)
            {
                stack.poll(now);
            }
            else
            {
                stack.pollQueue(nif, 0, now);
            }
        }
        catch (final RuntimeException | Error e)
        {
            pollFailed.accept(e);
        }
        finally
        {
            polling = false;
        }
    }

    /**
     * With the lock held, by a socket's listener on a thread other than the one waiting on the interface's ring for
     * that socket: makes that wait return ({@link Link#wakeup()}, once the lock is released, as a signal's unpark).
     */
    public void wakeRing(final int iface)
    {
        if (iface < Long.SIZE)
        {
            ringWakes |= 1L << iface;
        }
        else
        {
            ringWaits[iface].link().wakeup();
        }
    }

    /**
     * One turn of a thread that drives the stack while it waits (a blocked operation, a selection): polls the
     * queues of an interface (all for -1), or everything when timers are due, then flushes, releases and kicks, as
     * a poller's burst ends. Only when there is something to take: a ring has frames (or, on links that cannot
     * tell, every {@value #BLIND_TURNS}th turn); and only if the lock is free and nobody queues for it (a writer
     * or the poller has work for the stack: let it in rather than barge, its flush delivers what we may be waiting
     * for). Taking the lock on every turn would make every other thread that wants it park on it, which costs
     * them a wakeup each: the very thing the spinning is to save. Timers are the pollers' (which wake for them);
     * they run here only when due at a poll. Allocates nothing.
     *
     * @param turn a count the caller increments per turn
     * @return whether it polled
     */
    public boolean tryPoll(final int iface, final int turn)
    {
        if ((ringsTell ? !ringReady(iface) : turn % BLIND_TURNS != 0) || lock.hasQueuedThreads() || !lock.tryLock())
        {
            return false;
        }
        try
        {
            if (closed)
            {
                return true;
            }
            final long now = System.nanoTime();
            polling = true;
            try
            {
                final long due = stack.nextDeadline();
                if (due != Long.MAX_VALUE && due - now <= 0)
                {
                    stack.poll(now);
                }
                else
                {
                    final NetInterface[] nifs = interfaces;
                    for (int i = 0; i < nifs.length; i++)
                    {
                        if (iface < 0 || iface == i)
                        {
                            final int queues = nifs[i].link().rxQueueCount();
                            for (int q = 0; q < queues; q++)
                            {
                                stack.pollQueue(nifs[i], q, now);
                            }
                        }
                    }
                }
            }
            catch (final RuntimeException | Error e)
            {
                // As a poller's: the burst is lost, the waiting thread goes on (issue 13).
                pollFailed.accept(e);
            }
            finally
            {
                polling = false;
            }
            afterOperation();
        }
        finally
        {
            release();
        }
        kickLinks();
        return true;
    }

    /** Whether a receive queue of the interface (any, for -1) has frames, by a look at its ring. */
    private boolean ringReady(final int iface)
    {
        final NetInterface[] nifs = interfaces;
        for (int i = 0; i < nifs.length; i++)
        {
            if (iface < 0 || iface == i)
            {
                final Link link = nifs[i].link();
                final int queues = link.rxQueueCount();
                for (int q = 0; q < queues; q++)
                {
                    if (link.receiveReady(q))
                    {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Begins an application operation: takes the lock and advances the stack's time.
     *
     * @throws IOException when the stack has been closed or a poller failed
     */
    public void enter() throws IOException
    {
        acquire(lock);
        if (closed)
        {
            release();
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
            releaseThenKick();
        }
    }

    /**
     * Within an operation (between {@link #enter()} and {@link #exit()}): transmits what it queued so far and
     * dispatches readiness events now, as {@link #exit()} will, so that the operation sees at once what local
     * delivery made of it (a connect to the stack's own address completes its handshake here) instead of taking the
     * lock again to look. What went to a deferring link is still kicked after the lock is released.
     */
    public void flushWithin()
    {
        afterOperation();
    }

    /**
     * Waits in a queue of the lock, which the caller holds (between {@link #enter()} and {@link #exit()}): flushes
     * first, as {@link #exit()} would, and advances time after. The one place where application threads wait for
     * the stack. Like {@link java.util.concurrent.locks.Condition#awaitNanos}, it may return without a signal (the
     * caller looks again), and throws {@link InterruptedException} with the interrupt status cleared; unlike it, it
     * allocates nothing (see {@link WaitQueue}).
     *
     * @param nanos how long to wait at most; {@link Long#MAX_VALUE} for no limit
     * @return the nanoseconds left, as {@link java.util.concurrent.locks.Condition#awaitNanos}
     */
    public long await(final WaitQueue queue, final long nanos) throws InterruptedException
    {
        // The thread is linked before the flush: a change the flush itself makes to what it waits for (local
        // delivery to the stack's own addresses: the peer's ACK that frees room for a blocked write, the reply of a
        // local exchange) signals it as a change made after the release would. Linked after, that signal would
        // find no waiter and the thread would sleep until the socket's next change (AwaitOwnFlushTest).
        queue.link();
        try
        {
            afterOperation();
        }
        catch (final RuntimeException | Error e)
        {
            queue.unlinkIfQueued();
            throw e;
        }
        if (stack.ipCounters().framesTransmitted != transmittedAtLock)
        {
            queue.unlinkIfQueued();
            // This operation handed frames to a deferring link: send them before waiting, without the lock; the wait
            // it was to be is then a spurious wakeup, after which the caller looks again (as after a Condition's)
            // and, having sent nothing more, waits. Frames that pollers or other operations handed over are theirs
            // to kick: waiting here never spins on them.
            release();
            try
            {
                kickLinks();
            }
            finally
            {
                acquire(lock);
                retaken();
            }
            return nanos;
        }
        try
        {
            return queue.await(nanos);
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
        final long deadline = stack.nextDeadlineAfterFlush(pending);
        final Poller[] ps = pollers;
        for (int i = 0; i < ps.length; i++)
        {
            ps[i].wakeIfIdlingPast(deadline, pending);
        }
    }

    /**
     * With the lock held, by a poller whose poll left frames for other transmit queues ({@code queues}, bits as
     * {@link Stack#pendingTransmitQueues()}): wakes the pollers of those queues, each once per idle period.
     */
    void wakePollersOf(final long queues)
    {
        final Poller[] ps = pollers;
        for (int i = 0; i < ps.length; i++)
        {
            if ((queues & 1L << (ps[i].queue() & 63)) != 0)
            {
                ps[i].wakeIfIdlingPast(Long.MAX_VALUE, true);
            }
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

    /**
     * Releases the lock, then unparks the threads that signals woke while it was held, as Linux's wake_q wakes the
     * tasks a lock holder queued only after it dropped the lock (include/linux/sched/wake_q.h): a thread unparked
     * while the lock is held wakes to find it held for the rest of the holder's operation or poll, and spins for
     * it (on this VM, the profile of in-JVM TCP request/response showed 81% of all CPU samples in that spin).
     * Every release of the lock goes through here (or {@link #releaseThenKick()}), so a signal's unpark is never
     * left behind.
     */
    private void release()
    {
        if (wakeCount == 0 && ringWakes == 0)
        {
            lock.unlock();
            return;
        }
        final Thread[] waking = WAKING.get();
        final int n = takeWakes(waking);
        final long rings = ringWakes;
        ringWakes = 0;
        lock.unlock();
        wakeRings(rings);
        unpark(n, waking);
    }

    /**
     * The end of an application operation: releases the lock, kicks the links, and only then unparks the threads
     * the operation's signals woke. The operation's own frames (a reply) go to the wire first: a futex wake or an
     * eventfd write before the kick would delay them by its system call, while the woken thread, which pays a
     * wakeup's latency of its own anyway, loses only the kick's.
     */
    private void releaseThenKick()
    {
        if (wakeCount == 0 && ringWakes == 0)
        {
            lock.unlock();
            kickLinks();
            return;
        }
        final Thread[] waking = WAKING.get();
        final int n = takeWakes(waking);
        final long rings = ringWakes;
        ringWakes = 0;
        lock.unlock();
        try
        {
            kickLinks();
        }
        finally
        {
            wakeRings(rings);
            unpark(n, waking);
        }
    }

    /** With the lock held: moves the threads to wake into {@code waking}; how many. */
    private int takeWakes(final Thread[] waking)
    {
        final int n = wakeCount;
        if (n != 0)
        {
            System.arraycopy(wakes, 0, waking, 0, n);
            Arrays.fill(wakes, 0, n, null);
            wakeCount = 0;
        }
        return n;
    }

    private void wakeRings(final long rings)
    {
        if (rings != 0)
        {
            final RingWait[] waits = ringWaits;
            for (long bits = rings; bits != 0; bits &= bits - 1)
            {
                waits[Long.numberOfTrailingZeros(bits)].link().wakeup();
            }
        }
    }

    private static void unpark(final int n, final Thread[] waking)
    {
        for (int i = 0; i < n; i++)
        {
            LockSupport.unpark(waking[i]);
            waking[i] = null;
        }
    }

    /** With the lock held: unparks {@code thread} once the lock is released. */
    private void wakeAfterRelease(final Thread thread)
    {
        if (wakeCount < wakes.length)
        {
            wakes[wakeCount++] = thread;
        }
        else
        {
            LockSupport.unpark(thread);
        }
    }

    void lockForPoll()
    {
        acquire(lock);
        polling = true;
    }

    /** Takes {@code lock}, spinning for it a little before queueing (see {@link #ACQUIRE_SPIN_NANOS}). */
    static void acquire(final ReentrantLock lock)
    {
        if (lock.tryLock())
        {
            return;
        }
        final long until = System.nanoTime() + ACQUIRE_SPIN_NANOS;
        do
        {
            Thread.onSpinWait();
            if (!lock.isLocked() && lock.tryLock())
            {
                return;
            }
        }
        while (System.nanoTime() - until < 0);
        for (int i = 0; i < ACQUIRE_YIELDS; i++)
        {
            Thread.yield();
            if (!lock.isLocked() && lock.tryLock())
            {
                return;
            }
        }
        lock.lock();
    }

    void unlockAfterPoll()
    {
        polling = false;
        release();
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
            release();
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
            release();
        }
    }

    boolean isClosed()
    {
        return closed;
    }

    /**
     * Threads waiting, under a {@link StackLock}, for one socket's state to change: what a
     * {@link java.util.concurrent.locks.Condition} of the lock would be, without its allocation per wait (AQS makes
     * a node for each {@code await}). Each thread has one waiter node, made the first time it waits and reused, since
     * a thread waits in one queue at a time; the queue links the nodes of the threads in it. All of it is guarded by
     * the stack lock except the node's {@code signalled} flag, which the woken thread reads without it.
     *
     * <p>No wakeup is lost: a waiter links its node before the flush that precedes its wait, so a change made under
     * the lock after that, by the flush or by another holder, finds it; {@link #signalAll} marks and unparks it, and
     * a thread unparked before it parks does not park ({@link LockSupport#unpark}'s permit). A waiter that returns without a signal (timeout, interrupt, a
     * stale permit) unlinks its own node once it holds the lock again (jcstress/WaitQueueHandoffTest).
     */
    public static final class WaitQueue
    {
        /** Each thread's node; a thread waits in one queue at a time, so one node serves all its waits. */
        private static final ThreadLocal<Node> NODES = ThreadLocal.withInitial(Node::new);

        /** The lock whose holders signal this queue, and which unparks the threads they woke when released. */
        private final StackLock owner;
        /** The first waiting thread's node; guarded by the stack lock. */
        private Node head;

        public WaitQueue(final StackLock owner)
        {
            this.owner = owner;
        }

        /** Whether a thread waits; with the stack lock held. */
        public boolean hasWaiters()
        {
            return head != null;
        }

        /**
         * With the stack lock held: wakes every waiting thread and empties the queue. The threads are marked at
         * once and unparked when the lock is released ({@link StackLock#release()}).
         */
        public void signalAll()
        {
            Node node = head;
            head = null;
            while (node != null)
            {
                final Node next = node.next;
                node.next = null;
                node.queued = false;
                node.signalled = true;
                owner.wakeAfterRelease(node.thread);
                node = next;
            }
        }

        /**
         * With the owner's lock held: links the calling thread's node, so that a signal from now on marks it.
         *
         * @throws InterruptedException if the thread was interrupted (its status cleared), without linking it
         */
        void link() throws InterruptedException
        {
            if (Thread.interrupted())
            {
                throw new InterruptedException();
            }
            final Node node = NODES.get();
            node.thread = Thread.currentThread();
            node.signalled = false;
            node.queued = true;
            node.next = head;
            head = node;
        }

        /** With the owner's lock held: takes the calling thread's node out of the queue unless a signal did. */
        void unlinkIfQueued()
        {
            final Node node = NODES.get();
            if (node.queued)
            {
                unlink(node);
            }
        }

        /**
         * With the owner's lock held and the calling thread {@linkplain #link() linked}: releases the lock
         * (unparking the threads its holder woke) until a signal, which may have come already, an interrupt or the
         * timeout, and takes it back.
         */
        long await(final long nanos) throws InterruptedException
        {
            final Node node = NODES.get();
            final long deadline = nanos == Long.MAX_VALUE ? 0 : System.nanoTime() + nanos;
            long left = nanos;
            boolean interrupted = false;
            owner.release();
            try
            {
                // A stale permit (an unpark meant for an earlier wait) or a spurious return parks again: only a
                // signal, an interrupt or the deadline ends the wait.
                while (!node.signalled)
                {
                    if (nanos == Long.MAX_VALUE)
                    {
                        LockSupport.park(this);
                    }
                    else
                    {
                        left = deadline - System.nanoTime();
                        if (left <= 0)
                        {
                            break;
                        }
                        LockSupport.parkNanos(this, left);
                    }
                    if (Thread.interrupted())
                    {
                        interrupted = true;
                        break;
                    }
                }
            }
            finally
            {
                acquire(owner.lock);
                if (node.queued)
                {
                    unlink(node);
                }
            }
            if (interrupted)
            {
                throw new InterruptedException();
            }
            return nanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
        }

        private void unlink(final Node node)
        {
            if (head == node)
            {
                head = node.next;
            }
            else
            {
                Node prev = head;
                while (prev.next != node)
                {
                    prev = prev.next;
                }
                prev.next = node.next;
            }
            node.next = null;
            node.queued = false;
        }

        /** One thread's place in a queue. */
        private static final class Node
        {
            /** The thread; guarded by the stack lock. */
            Thread thread;
            /** The next waiting thread's node; guarded by the stack lock. */
            Node next;
            /** Whether the node is linked in a queue; guarded by the stack lock. */
            boolean queued;
            /** Set by the signaller under the lock, read by the parked thread without it. */
            volatile boolean signalled;
        }
    }
}
