package org.jbypass.provider.engine;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.Link;
import org.jbypass.provider.config.BypassConfig;
import org.jbypass.provider.config.IdleStrategyKind;
import org.jbypass.provider.config.InterfaceConfig;
import org.jbypass.provider.config.PollerConfig;
import org.jbypass.provider.config.RouteConfig;

/**
 * A running stack: the {@link Stack}, the lock that guards it, and the pollers that drive it.
 *
 * <h2>The stack lock</h2>
 * One {@link ReentrantLock} per stack; whoever holds it may drive the stack. Pollers take it once per burst;
 * application threads take it once per operation ({@link #enter()}: lock and advance the stack's time; operate;
 * {@link #exit()}: flush, wake a poller if needed, unlock). Threads that must wait (a blocking read) wait on a
 * {@link Condition} of this lock ({@link #await}), which the socket's listener signals; the listener runs on the
 * thread that holds the lock and never calls back into the stack. j.u.c locks, not monitors, so that virtual
 * threads park without pinning their carrier on JDK 17 to 23.
 *
 * <h2>Lock order</h2>
 * A channel's own locks (its registration and close locks, its read and write locks) come before the stack lock;
 * the stack lock comes before nothing: with it held, code only signals conditions of this lock, queues selector
 * keys (lock-free) and wakes selectors and pollers (which take no lock of ours). Selectors' monitors are never
 * taken with the stack lock held.
 */
public final class StackEngine implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("org.jbypass.provider");
    /** How often a poller checks the links' health for the log, outside the data path. */
    private static final long HOUSEKEEPING_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ReentrantLock lock = new ReentrantLock();
    private final Stack stack;
    private final List<Poller> pollers = new ArrayList<>();
    /** The links, each asked to defer its transmit system call until it is kicked, after the lock is released. */
    private volatile Link[] links = new Link[0];
    /**
     * The stack's count of frames handed to links when the current holder of the lock took it (or took it back in
     * {@link #await}); guarded by the lock. A holder whose operation handed frames over must kick them itself.
     */
    private long transmittedAtLock;
    private final StackMonitor monitor;
    private final AtomicLong nextHousekeeping;
    private volatile boolean closed;
    private volatile Throwable failure;

    private StackEngine(final Stack stack)
    {
        this.stack = stack;
        this.monitor = new StackMonitor(this);
        this.nextHousekeeping = new AtomicLong(System.nanoTime() + HOUSEKEEPING_NANOS);
    }

    /**
     * Builds the stack of a configuration, opens its links and starts its pollers.
     *
     * @throws IOException when a link cannot be opened; links already opened are closed again
     */
    public static StackEngine start(final BypassConfig config, final LinkFactory links) throws IOException
    {
        final long seed = config.stack().seed() != null ? config.stack().seed() : new SecureRandom().nextLong();
        final StackConfig stackConfig = StackConfig.builder()
            .poolBuffers(config.stack().buffers())
            .bufferSize(config.stack().bufferSize())
            .seed(seed)
            .build();
        final Stack stack = new Stack(stackConfig, System.nanoTime());
        final StackEngine engine = new StackEngine(stack);
        final List<Link> opened = new ArrayList<>();
        try
        {
            for (final InterfaceConfig iface : config.interfaces())
            {
                final Link link = links.open(config, iface, stack.pool(), stack.time());
                opened.add(link);
                link.deferTransmit();
                final NetInterface nif = stack.addInterface(iface.name(), link, iface.address(),
                    iface.prefixLength(), iface.gateway());
                for (int q = 0; q < link.rxQueueCount(); q++)
                {
                    engine.pollers.add(new Poller(engine, nif, q, idleStrategy(config, iface, link, q)));
                }
            }
            for (final RouteConfig route : config.routes())
            {
                NetInterface via = null;
                for (final NetInterface nif : stack.interfaces())
                {
                    if (nif.name().equals(route.interfaceName()))
                    {
                        via = nif;
                    }
                }
                stack.addRoute(route.network(), route.prefixLength(), via, route.gateway());
            }
        }
        catch (final IOException | RuntimeException e)
        {
            for (final Link link : opened)
            {
                try
                {
                    link.close();
                }
                catch (final RuntimeException suppressed)
                {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        engine.links = opened.toArray(new Link[0]);
        for (final Poller poller : engine.pollers)
        {
            poller.start();
        }
        engine.monitor.register();
        LOG.log(System.Logger.Level.INFO, () -> "jbypass stack started: " + stack.interfaces() + ", "
            + engine.pollers.size() + " poller(s)");
        return engine;
    }

    private static IdleStrategy idleStrategy(final BypassConfig config, final InterfaceConfig iface, final Link link,
        final int queue)
    {
        final IdleStrategyKind kind = config.idleOf(iface);
        final PollerConfig p = config.poller();
        switch (kind)
        {
            case BUSY_SPIN:
                return new BusySpinIdleStrategy();
            case BACKOFF:
                return new BackoffIdleStrategy(p.spins(), p.yields(), p.minParkNanos(), p.maxParkNanos());
            case BLOCK:
            default:
                return new BlockingIdleStrategy(link, queue, p.busyPollNanos());
        }
    }

    /** The stack; touch it only while holding the lock ({@link #enter()}). */
    public Stack stack()
    {
        return stack;
    }

    /**
     * Runs {@code action} on the stack under its lock, for monitoring and diagnostics (never on the data path).
     */
    public <T> T withLock(final Function<Stack, T> action)
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

    /**
     * Called by pollers outside the lock after each poll: one of them, every {@link #HOUSEKEEPING_NANOS}, checks
     * the links' health for the log. A compare-and-set decides which, so the check costs the others one read.
     */
    void housekeeping(final long now)
    {
        final long due = nextHousekeeping.get();
        if (now - due >= 0 && nextHousekeeping.compareAndSet(due, now + HOUSEKEEPING_NANOS))
        {
            monitor.checkHealth();
        }
    }

    /** A condition of the stack lock, for threads waiting on one socket. */
    public Condition newCondition()
    {
        return lock.newCondition();
    }

    /**
     * Begins an application operation: takes the stack lock and advances the stack's time.
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
     * idle would outlast the stack's new deadline, and releases the lock.
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
     * Waits on a condition of the stack lock, which the caller holds (between {@link #enter()} and
     * {@link #exit()}): flushes first, as {@link #exit()} would, and advances time after.
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
                stack.time().advance(System.nanoTime());
                transmittedAtLock = stack.ipCounters().framesTransmitted;
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
            stack.time().advance(System.nanoTime());
            transmittedAtLock = stack.ipCounters().framesTransmitted;
        }
    }

    private void afterOperation()
    {
        if (closed)
        {
            return;
        }
        final boolean pending = stack.flush();
        final long deadline = stack.nextDeadline();
        for (int i = 0; i < pollers.size(); i++)
        {
            pollers.get(i).wakeIfIdlingPast(deadline, pending);
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

    void pollerFailed(final Poller poller, final Throwable e)
    {
        // A bug in the stack: better to fail every operation loudly than to leave sockets hanging.
        failure = e;
        LOG.log(System.Logger.Level.ERROR, "jbypass poller " + poller + " failed; the stack is closed", e);
        closed = true;
        for (final Poller other : pollers)
        {
            other.stop();
        }
    }

    public boolean isClosed()
    {
        return closed;
    }

    /** Stops the pollers and closes the stack and its links. */
    @Override
    public void close()
    {
        if (closed && pollers.isEmpty())
        {
            return;
        }
        for (final Poller poller : pollers)
        {
            poller.stop();
        }
        for (final Poller poller : pollers)
        {
            try
            {
                if (poller.thread() != Thread.currentThread())
                {
                    poller.join(TimeUnit.SECONDS.toMillis(5));
                }
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
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
        monitor.unregister();
    }
}
