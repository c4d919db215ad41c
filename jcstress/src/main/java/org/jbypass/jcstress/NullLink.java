package org.jbypass.jcstress;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCounters;
import org.jbypass.netstack.link.PacketBurst;

/**
 * A link to nowhere: nothing arrives, everything sent is dropped at once. The stress tests only use traffic the
 * stack delivers to itself (its own addresses), so the link only has to keep the pool's accounting and let its
 * poller block and be woken the way a real driver does (a wake that comes first makes the next wait return).
 */
final class NullLink implements Link
{
    private final PacketPool pool;
    private final LinkCounters counters = new LinkCounters();
    private final AtomicBoolean woken = new AtomicBoolean();
    private volatile Thread waiter;

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
    public long macAddress()
    {
        return 0x0200_0000_0001L;
    }

    @Override
    public int mtu()
    {
        return 1500;
    }

    @Override
    public int rxQueueCount()
    {
        return 1;
    }

    @Override
    public int txQueueCount()
    {
        return 1;
    }

    @Override
    public int capabilities()
    {
        return 0;
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
            counters.txDropped++;
        }
        burst.retainUnaccepted(n);
        return n;
    }

    @Override
    public void awaitReceive(final long timeoutNanos)
    {
        waiter = Thread.currentThread();
        if (!woken.getAndSet(false))
        {
            LockSupport.parkNanos(this, timeoutNanos);
            woken.set(false);
        }
        waiter = null;
    }

    @Override
    public void wakeup()
    {
        woken.set(true);
        final Thread t = waiter;
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }

    @Override
    public LinkCounters counters()
    {
        return counters;
    }

    @Override
    public void close()
    {
    }
}
