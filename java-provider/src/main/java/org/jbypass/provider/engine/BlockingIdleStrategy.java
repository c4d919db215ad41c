package org.jbypass.provider.engine;

import org.jbypass.netstack.link.Link;

/**
 * Blocks in the link's own wait ({@link Link#awaitReceive}: poll(2) on an AF_PACKET socket, a completion channel
 * for rdma) until frames arrive, the deadline passes or {@link #wake()} calls {@link Link#wakeup()}, whose effect
 * persists until the next wait so that a wake is never lost. No CPU while idle; a system call's latency to wake.
 */
public final class BlockingIdleStrategy implements IdleStrategy
{
    private final Link link;

    public BlockingIdleStrategy(final Link link)
    {
        this.link = link;
    }

    @Override
    public void idle(final long deadlineNanos, final long nowNanos)
    {
        final long nanos = IdleStrategy.untilDeadline(deadlineNanos, nowNanos);
        if (nanos > 0)
        {
            link.awaitReceive(nanos);
        }
    }

    @Override
    public void reset()
    {
    }

    @Override
    public void wake()
    {
        link.wakeup();
    }
}
