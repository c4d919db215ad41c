package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.transport.SocketListener;
import org.jbypass.netstack.transport.StackSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.provider.engine.RingWait;
import org.jbypass.provider.engine.StackEngine;
import org.jbypass.provider.engine.StackLock;

/**
 * What every stack-backed backing shares: its socket's opening, options and close, the stack lock's condition its
 * blocked threads wait on, the volatile snapshot of its socket's readiness that selectors read without the lock,
 * and the socket listener that keeps both current.
 *
 * <p>The listener runs on whichever thread holds the stack lock (a poller, or an application thread in
 * {@code flush}), once per socket per poll however many packets changed it. It signals waiters (only if there are
 * any) and, when the readiness bits changed, tells the channel's selector keys, which queue themselves without a
 * lock and wake their selectors. It never calls back into the stack. Operations refresh the snapshot too, before
 * they release the lock, because an operation changes readiness (a read that empties the buffer) without an event.
 *
 * <p>Every operation runs as an {@link Attempt} on the stack's socket, with the stack lock held: once
 * ({@link #once}), or, in blocking mode, until it can return ({@link #block}). {@link #block} is the one place where
 * an application thread waits for the stack, between {@code begin()} and {@code end()} of its channel.
 */
abstract class StackBacking<S extends StackSocket> implements StackLock.Waiter
{
    /**
     * One try at an operation on the stack's socket, with the stack lock held: a result (a count, or an error as
     * {@code -errno}), or {@code -EAGAIN} when it cannot be done yet.
     *
     * @param <A> what the operation works on (a buffer); passed, not captured, so that each backing makes its
     *            attempts once and an operation allocates nothing
     */
    @FunctionalInterface
    interface Attempt<A>
    {
        int attempt(A arg) throws IOException;

        /** Whether the operation made progress that completes it even when it stops for a close (a write). */
        default boolean progressed()
        {
            return false;
        }
    }

    final StackEngine engine;
    final StackLock lock;
    final ChannelCore<?> core;
    private final ChannelKeys keys;
    /** This backing's socket listener. */
    private final Readiness readiness;
    private final StackLock.WaitQueue changed;
    /** Set, under the stack lock, by the backing's close; blocked threads see it when the close wakes them. */
    volatile boolean closed;
    /** The socket's local address once bound; written under the stack lock. */
    volatile InetSocketAddress local;
    /** Threads driving the stack while they wait ({@link StackLock#pollWhileWaiting}); guarded by the stack lock. */
    private int spinners;
    /** Bumped under the stack lock, while threads spin, whenever they must look again; read by them without it. */
    private volatile int changeCount;
    /**
     * The thread waiting on a ring for this socket ({@link StackLock#waitOnRing}), which a change made on another
     * thread must wake, and the ring's interface; guarded by the stack lock.
     */
    private Thread ringWaiter;
    private int ringInterface;
    /**
     * Whether the last change that a thread waiting on this socket was told of came from another application
     * thread of this JVM ({@link StackLock#changedByApplication()}: a local delivery) rather than from a poll of a
     * link or the timers; guarded by the stack lock. Sticky between waits: see {@link #localPeer()}.
     */
    private boolean localPeer;
    /** The socket's {@link org.jbypass.netstack.transport.Readiness} bits; written under the stack lock. */
    volatile int readyOps;

    StackBacking(final ChannelCore<?> core, final StackEngine engine)
    {
        this.readiness = new Readiness(this);
        this.engine = engine;
        this.lock = engine.lock();
        this.changed = new StackLock.WaitQueue(lock);
        this.core = core;
        this.keys = core.keys();
    }

    /**
     * Opens the backing's socket under the stack lock and adopts it ({@link #adopt}); in the subclass's constructor.
     */
    final S open(final Function<Stack, S> opener) throws IOException
    {
        lock.enter();
        try
        {
            return adopt(opener.apply(lock.stack()));
        }
        finally
        {
            lock.exit();
        }
    }

    /**
     * With the stack lock held: makes this backing the socket's listener (and its channel the attachment) before
     * any readiness change can be missed, and publishes its readiness.
     */
    final S adopt(final S socket)
    {
        socket.attach(core.channel());
        socket.listener(readiness);
        refresh(socket);
        return socket;
    }

    /** The stack's socket behind this backing. */
    abstract S stackSocket();

    /** The options the socket serves. */
    abstract OptionTable<S> options();

    /** With the stack lock held, once: closes the stack's socket (the backing is then marked closed). */
    abstract void closeSocket();

    public final SocketAddress localAddress()
    {
        return local;
    }

    public final Set<SocketOption<?>> supportedOptions()
    {
        return options().names();
    }

    public final void configureBlocking(final boolean block)
    {
        // Blocking is decided per operation from the channel's mode; the stack socket itself never blocks.
    }

    public final SelectableChannel platformChannel()
    {
        return null;
    }

    /** Closes the socket, once; threads blocked on it wake and see the close. */
    public final void close() throws IOException
    {
        lock.enter();
        try
        {
            if (!closed)
            {
                closeSocket();
                closed();
            }
        }
        finally
        {
            lock.exit();
        }
    }

    final void ensureOpen() throws ClosedChannelException
    {
        if (closed)
        {
            throw new ClosedChannelException();
        }
    }

    /** What {@link #getOwnOption} returns for an option of the table's. */
    static final Object NOT_OWN = new Object();

    /**
     * With the stack lock held: writes an option whose value the socket alone cannot give (IP_MULTICAST_IF, whose
     * NetworkInterface the engine maps), listed in the table for its name and check. The table's otherwise.
     *
     * @return whether the backing served it
     */
    <T> boolean setOwnOption(final SocketOption<T> name, final T value) throws IOException
    {
        return false;
    }

    /** With the stack lock held: reads an option the backing serves itself, or {@link #NOT_OWN}. */
    Object getOwnOption(final SocketOption<?> name)
    {
        return NOT_OWN;
    }

    /** Sets an option: checked as the JDK checks it, then written under the stack lock. */
    public final <T> void setOption(final SocketOption<T> name, final T value) throws IOException
    {
        final OptionTable<S> options = options();
        options.checkValue(name, value);
        lock.enter();
        try
        {
            ensureOpen();
            if (!setOwnOption(name, value))
            {
                options.set(stackSocket(), name, value);
            }
            refresh(stackSocket());
        }
        finally
        {
            lock.exit();
        }
    }

    /** Reads an option, under the stack lock. */
    public final <T> T getOption(final SocketOption<T> name) throws IOException
    {
        final OptionTable<S> options = options();
        options.checkName(name);
        lock.enter();
        try
        {
            ensureOpen();
            final Object own = getOwnOption(name);
            @SuppressWarnings("unchecked")
            final T value = own != NOT_OWN ? (T)own : options.get(stackSocket(), name);
            return value;
        }
        finally
        {
            lock.exit();
        }
    }

    /**
     * The listener every backing gives its stack socket: one class for every kind of socket, so that the stack's
     * dispatch of readiness changes ({@code EventQueue.dispatch}, run after every operation and poll) calls one
     * receiver type. With the backings themselves as listeners, the JIT compiled that call for the connected
     * sockets it had seen, and each accepted connection's event from a listening socket was an uncommon trap
     * (class_check) that deoptimised the operation's whole compiled path, until it was compiled again (seen 4 times
     * in a warm HTTP download server, each one connection).
     */
    private static final class Readiness implements SocketListener
    {
        private final StackBacking<?> backing;

        Readiness(final StackBacking<?> backing)
        {
            this.backing = backing;
        }

        @Override
        public void onReadinessChange(final StackSocket socket)
        {
            backing.onReadinessChange(socket);
        }
    }

    /** With the stack lock held: the socket's readiness may have changed (see {@link Readiness}). */
    final void onReadinessChange(final StackSocket socket)
    {
        if (spinners > 0 || changed.hasWaiters())
        {
            // Only while a thread waits: then the change is another thread's (or the waiter's own poll of a link),
            // never a side effect of the waiter's own operation, which would make every socket look local.
            localPeer = lock.changedByApplication();
        }
        // A thread that spins is told by the count, one that parked by the signal: neither pays for the other.
        if (spinners > 0)
        {
            changeCount++;
            wakeRingWaiter();
        }
        if (changed.hasWaiters())
        {
            changed.signalAll();
        }
        refresh(socket);
    }

    /** With the stack lock held, after a change: a thread waiting on a ring for this socket, if not this one, looks. */
    private void wakeRingWaiter()
    {
        final Thread waiter = ringWaiter;
        if (waiter != null && waiter != Thread.currentThread())
        {
            lock.wakeRing(ringInterface);
        }
    }

    @Override
    public final int changes()
    {
        return changeCount;
    }

    /**
     * Whether this socket's peer is a thread of this JVM, as the last change a waiter of it saw tells: how its next
     * busy wait counts for {@code poller.busy-wait-yield = auto}. A conversation keeps its peer, so the last one
     * answers for the next; a socket that never waited counts as having its peer outside.
     */
    @Override
    public final boolean localPeer()
    {
        return localPeer;
    }

    /** With the stack lock held: publishes the socket's readiness, telling selectors if it changed. */
    final void refresh(final StackSocket socket)
    {
        final int ops = socket.readyOps();
        if (ops != readyOps)
        {
            readyOps = ops;
            keys.readinessChanged();
        }
    }

    /** Makes one attempt under the stack lock, publishing the socket's readiness after it. */
    final <A> int once(final Attempt<A> operation, final A arg) throws IOException
    {
        lock.enter();
        try
        {
            return operation.attempt(arg);
        }
        finally
        {
            refresh(stackSocket());
            lock.exit();
        }
    }

    /**
     * Runs a blocking operation: attempts it under the stack lock until it returns something other than
     * {@code -EAGAIN}, the backing is closed or the timeout passes, waiting for the socket's readiness to change
     * between attempts. The channel's {@code begin()} and {@code end()} bracket it, so that an interrupt or an
     * asynchronous close ends it with the JDK's exceptions.
     *
     * @param timeoutNanos the longest wait, {@link Long#MAX_VALUE} for none
     * @return the last attempt's result; {@code -EAGAIN} when the timeout passed
     */
    final <A> int block(final Attempt<A> operation, final A arg, final long timeoutNanos) throws IOException
    {
        int result = -Errno.EAGAIN;
        boolean completed = false;
        core.beginBlocking();
        boolean interrupted = false;
        try
        {
            lock.enter();
            try
            {
                long remaining = timeoutNanos;
                boolean spinChecked = false;
                long spinUntil = 0;
                while (!closed)
                {
                    result = operation.attempt(arg);
                    if (result != -Errno.EAGAIN || remaining <= 0)
                    {
                        break;
                    }
                    if (!spinChecked)
                    {
                        // The budget is per operation, from its first wait, as EF_POLL_USEC's is per blocking call.
                        spinChecked = true;
                        final long budget = Math.min(lock.busyWaitNanos(servedBy()), remaining);
                        spinUntil = budget > 0 ? System.nanoTime() + budget : 0;
                    }
                    if (spinUntil != 0 && System.nanoTime() - spinUntil >= 0)
                    {
                        spinUntil = 0;
                    }
                    if (!interrupted && lock.ringWaitable(servedBy()) && RingWait.mayWait())
                    {
                        // Spins on the ring for what is left of the budget, then waits on it, holding it throughout.
                        // Without a timeout (a plain blocking receive) the clock is not read for it.
                        final boolean timed = remaining != Long.MAX_VALUE;
                        final long start = timed ? System.nanoTime() : 0;
                        if (waitOnRing(spinUntil, timed ? start + remaining : Long.MAX_VALUE))
                        {
                            if (timed)
                            {
                                remaining -= System.nanoTime() - start;
                            }
                            continue;
                        }
                    }
                    if (spinUntil != 0)
                    {
                        // Without the ring (another reader holds it, or there is none to hold): spin, then park.
                        final long start = System.nanoTime();
                        spinWhileWaiting(spinUntil);
                        if (remaining != Long.MAX_VALUE)
                        {
                            remaining -= System.nanoTime() - start;
                        }
                        continue;
                    }
                    try
                    {
                        remaining = awaitChange(remaining);
                    }
                    catch (final InterruptedException e)
                    {
                        // Keep waiting: the interrupt closes the channel (begin() registered its interruptor) and the
                        // close wakes us; end() then throws ClosedByInterruptException. Leaving now could beat the
                        // interrupter to end() (JDK 21+ sets the status before it looks for the blocker).
                        interrupted = true;
                    }
                }
            }
            finally
            {
                refresh(stackSocket());
                if (interrupted)
                {
                    Thread.currentThread().interrupt();
                }
                lock.exit();
            }
            completed = result != -Errno.EAGAIN || operation.progressed();
        }
        finally
        {
            core.endBlocking(completed);
        }
        return result;
    }

    /** With the stack lock held: the interface whose queues serve the socket, -1 for any (see StackLock). */
    private int servedBy()
    {
        return lock.interfaceOf(stackSocket());
    }

    /**
     * With the stack lock held: drives the stack until the socket's readiness changes, it closes or {@code until}
     * passes, releasing the lock between polls. Its changes reach the spinning thread through {@link #changes()},
     * without a signal.
     */
    private void spinWhileWaiting(final long until)
    {
        spinners++;
        try
        {
            lock.pollWhileWaiting(servedBy(), this, changeCount, until);
        }
        finally
        {
            spinners--;
        }
    }

    /**
     * With the stack lock held: holds the ring of the interface that serves the socket, spinning on it until
     * {@code spinUntil} (0: not at all) and then waiting on it in the poller's place, until the socket's readiness
     * changes, it closes or {@code until} passes ({@link StackLock#waitOnRing}): the kernel wakes this thread for a
     * frame, rather than the poller, which would then have to wake it.
     *
     * @return false when another thread waits on the ring (or on one for this socket): the caller parks instead
     */
    private boolean waitOnRing(final long spinUntil, final long until)
    {
        if (ringWaiter != null)
        {
            return false;
        }
        final int iface = servedBy();
        spinners++;
        ringWaiter = Thread.currentThread();
        ringInterface = iface;
        try
        {
            return lock.waitOnRing(iface, this, changeCount, spinUntil, until);
        }
        finally
        {
            ringWaiter = null;
            spinners--;
        }
    }

    /**
     * With the stack lock held: waits for a readiness change, a close or the timeout, releasing the lock meanwhile.
     * The only wait of an application thread on the stack: a thread that is to drive the stack itself while it
     * waits does so here.
     *
     * @param nanos the longest wait, {@link Long#MAX_VALUE} for none
     * @return the nanoseconds left
     */
    private long awaitChange(final long nanos) throws InterruptedException
    {
        return lock.await(changed, nanos);
    }

    /**
     * With the stack lock held, in the backing's close: marks it closed, forgets its readiness and wakes every
     * thread waiting on it.
     */
    final void closed()
    {
        closed = true;
        readyOps = 0;
        if (spinners > 0)
        {
            changeCount++;
            wakeRingWaiter();
        }
        if (changed.hasWaiters())
        {
            changed.signalAll();
        }
    }

    /** The timeout of an adaptor's blocking operation: 0 is none. */
    static long timeoutNanos(final int timeoutMillis)
    {
        return timeoutMillis == 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }
}
