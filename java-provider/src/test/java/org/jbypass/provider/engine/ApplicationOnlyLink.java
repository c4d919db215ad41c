package org.jbypass.provider.engine;

import java.util.concurrent.locks.LockSupport;

import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.LinkDecorator;
import org.jbypass.netstack.link.PacketBurst;

/**
 * A link whose frames only application threads receive: its poller finds it empty, always. So only a waiting
 * thread's own polls (busy waiting, or waiting on the ring) can deliver anything, which is what the tests of those
 * show. With {@code shared}, it keeps the wrapped link's shared receive wait ({@link LinkCapabilities#RX_AWAIT_SHARED},
 * which a decorator otherwise hides), so that application threads may wait on its ring.
 */
final class ApplicationOnlyLink extends LinkDecorator
{
    private final boolean shared;

    ApplicationOnlyLink(final Link inner, final boolean shared)
    {
        super(inner);
        this.shared = shared;
    }

    @Override
    protected String kind()
    {
        return "application-only";
    }

    @Override
    public int capabilities()
    {
        return super.capabilities() | (shared ? inner.capabilities() & LinkCapabilities.RX_AWAIT_SHARED : 0);
    }

    @Override
    public void awaitReceiveShared(final long timeoutNanos)
    {
        inner.awaitReceiveShared(timeoutNanos);
    }

    /**
     * The poller's idle wait: the wrapped link's returns at once while its ring holds frames, which the poller is
     * not given here, so the poller would loop on the stack's lock without pause and keep the waiting thread, whose
     * polls alone deliver, from taking it (under load for seconds: the client's address resolution then gave up and
     * its datagram was lost). It naps instead, at most a millisecond, so that timers and wakeups still come soon.
     */
    @Override
    public void awaitReceive(final long timeoutNanos)
    {
        if (isPoller())
        {
            LockSupport.parkNanos(Math.min(timeoutNanos, 1_000_000L));
        }
        else
        {
            inner.awaitReceive(timeoutNanos);
        }
    }

    private static boolean isPoller()
    {
        return Thread.currentThread().getName().startsWith("jbypass-poller");
    }

    @Override
    public int receive(final int queue, final PacketBurst burst)
    {
        return isPoller() ? 0 : inner.receive(queue, burst);
    }

    @Override
    public int transmit(final int queue, final PacketBurst burst)
    {
        return inner.transmit(queue, burst);
    }

    @Override
    public void close()
    {
        inner.close();
    }
}
