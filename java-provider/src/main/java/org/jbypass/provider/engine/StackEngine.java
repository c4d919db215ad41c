package org.jbypass.provider.engine;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.Link;
import org.jbypass.provider.config.BypassConfig;
import org.jbypass.provider.config.IdleStrategyKind;
import org.jbypass.provider.config.InterfaceAddress6;
import org.jbypass.provider.config.InterfaceConfig;
import org.jbypass.provider.config.PollerConfig;
import org.jbypass.provider.config.Route6Config;
import org.jbypass.provider.config.RouteConfig;
import org.jbypass.provider.config.StackInterfaces;
import org.jbypass.provider.driver.RdmaLink;

/**
 * A running stack: the {@link Stack} built from a configuration, its {@link StackLock}, its links and the pollers
 * that drive it. Channels take the lock ({@link #lock()}) for every operation; the engine starts and stops the rest.
 */
public final class StackEngine implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("org.jbypass.provider");
    /** How often a poller checks the links' health for the log, outside the data path. */
    private static final long HOUSEKEEPING_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Stack stack;
    private final StackLock lock;
    private final StackInterfaces interfaces;
    private final List<Poller> pollers = new ArrayList<>();
    private final StackMonitor monitor;
    private final AtomicLong nextHousekeeping;
    private final AtomicLong pollFailures = new AtomicLong();

    private StackEngine(final Stack stack, final StackInterfaces interfaces)
    {
        this.stack = stack;
        this.interfaces = interfaces;
        this.lock = new StackLock(stack);
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
            .tcp(config.tcp())
            .build();
        final Stack stack = new Stack(stackConfig, System.nanoTime());
        final StackEngine engine = new StackEngine(stack, new StackInterfaces(config.interfaces()));
        final List<Link> opened = new ArrayList<>();
        final List<NetInterface> nifs = new ArrayList<>();
        final long[] busyWait = new long[config.interfaces().size()];
        final RingWait[] ringWaits = new RingWait[config.interfaces().size()];
        try
        {
            for (final InterfaceConfig iface : config.interfaces())
            {
                final Link link = links.open(config, iface, stack.pool(), stack.time());
                opened.add(link);
                link.deferTransmit();
                final NetInterface nif = stack.addInterface(iface.name(), link, iface.address(),
                    iface.prefixLength(), iface.gateway());
                nif.gro(iface.booleanOption(InterfaceConfig.GRO, true));
                // The link-local address first: the stack derives one from the MAC only when none is given.
                for (final InterfaceAddress6 a : iface.addresses6())
                {
                    if (a.isLinkLocal())
                    {
                        stack.addAddress6(nif, a.hi(), a.lo(), a.prefixLength());
                    }
                }
                for (final InterfaceAddress6 a : iface.addresses6())
                {
                    if (!a.isLinkLocal())
                    {
                        stack.addAddress6(nif, a.hi(), a.lo(), a.prefixLength());
                    }
                }
                if (!iface.addresses6().isEmpty())
                {
                    stack.ipv6().acceptRouterAdvertisements(nif, iface.booleanOption(InterfaceConfig.ACCEPT_RA, true));
                }
                busyWait[nifs.size()] = config.busyWaitOf(iface);
                final RingWait ringWait = config.poller().ringWait() && config.idleOf(iface) == IdleStrategyKind.BLOCK
                    && RingWait.supports(link) ? new RingWait(link) : null;
                ringWaits[nifs.size()] = ringWait;
                nifs.add(nif);
                for (int q = 0; q < link.rxQueueCount(); q++)
                {
                    engine.pollers.add(new Poller(engine, nif, q, idleStrategy(config, iface, link, q, ringWait)));
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
            for (final Route6Config route : config.routes6())
            {
                NetInterface via = null;
                for (final NetInterface nif : stack.interfaces())
                {
                    if (nif.name().equals(route.interfaceName()))
                    {
                        via = nif;
                    }
                }
                stack.addRoute6(route.networkHi(), route.networkLo(), route.prefixLength(), via, route.gatewayHi(),
                    route.gatewayLo());
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
        engine.lock.attach(opened.toArray(new Link[0]), engine.pollers.toArray(new Poller[0]));
        engine.lock.onPollFailure(e -> engine.pollFailed("an application thread's poll", e));
        engine.lock.busyWait(nifs.toArray(new NetInterface[0]), busyWait, ringWaits);
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
        final int queue, final RingWait ringWait)
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
                return new BlockingIdleStrategy(link, queue, p.busyPollNanos(), ringWait);
        }
    }

    /** How NetworkInterfaces name the stack's interfaces. */
    public StackInterfaces interfaces()
    {
        return interfaces;
    }

    /** The stack; drive it only with the lock held. */
    public Stack stack()
    {
        return stack;
    }

    /** The lock that guards the stack. */
    public StackLock lock()
    {
        return lock;
    }

    /**
     * Runs {@code action} on the stack under its lock, for monitoring and diagnostics (never on the data path).
     */
    public <T> T withLock(final Function<Stack, T> action)
    {
        return lock.withLock(action);
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

    /**
     * A poll threw past the stack's own containment (which resets the one socket at fault): the burst is lost,
     * counted and logged, and the poller goes on. Only the stack's owner closes it (issue 13: one failure must not
     * end every connection). Logged in full for the first few, then every thousandth.
     */
    void pollFailed(final Poller poller, final Throwable e)
    {
        pollFailed("poller " + poller, e);
    }

    /** A poll that threw past the stack's containment, by a poller or a waiting application thread. */
    void pollFailed(final String who, final Throwable e)
    {
        final long n = pollFailures.incrementAndGet();
        if (n <= 10 || n % 1000 == 0)
        {
            LOG.log(System.Logger.Level.ERROR, "jbypass " + who + " failed (" + n
                + " so far); the burst is dropped, the stack goes on", e);
        }
    }

    /** Polls that threw past the stack's containment (see {@link #pollFailed}). */
    public long pollFailures()
    {
        return pollFailures.get();
    }

    public boolean isClosed()
    {
        return lock.isClosed();
    }

    /** Stops the pollers and closes the stack and its links. */
    @Override
    public void close()
    {
        if (lock.isClosed() && pollers.isEmpty())
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
        if (!lock.isClosed())
        {
            // The per-queue counters of rdma ports, once, for the log of a run (scripts/rdma-bringup.sh reads them).
            withLock(stack ->
            {
                for (final NetInterface nif : stack.interfaces())
                {
                    final RdmaLink rdma = StackMonitor.rdmaOf(nif.link());
                    if (rdma != null)
                    {
                        LOG.log(System.Logger.Level.INFO, "jbypass interface " + nif.name() + " counters at close:\n"
                            + rdma.describeCounters());
                    }
                }
                return null;
            });
        }
        lock.closeStack();
        monitor.unregister();
    }
}
