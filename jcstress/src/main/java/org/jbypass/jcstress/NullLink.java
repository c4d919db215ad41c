package org.jbypass.jcstress;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.PacketBurst;

/**
 * A link to nowhere: nothing arrives, everything sent is dropped at once. The stress tests only use traffic the
 * stack delivers to itself (its own addresses), so the link only has to keep the pool's accounting and let its
 * poller block and be woken the way a real driver does, which is {@link WakeLink}'s wait and wakeup.
 */
final class NullLink extends WakeLink
{
    private final PacketPool pool;

    NullLink(final PacketPool pool)
    {
        this.pool = pool;
    }

    @Override
    public String name()
    {
        return "null";
    }

    @Override
    public PacketPool pool()
    {
        return pool;
    }

    @Override
    public int receive(final int queue, final PacketBurst burst)
    {
        burst.count(0);
        return 0;
    }

    @Override
    public int transmit(final int queue, final PacketBurst burst)
    {
        final int n = burst.count();
        for (int i = 0; i < n; i++)
        {
            pool.free(burst.buffer(i));
            counters().txDropped++;
        }
        burst.retainUnaccepted(n);
        return n;
    }
}
