package org.jbypass.jcstress;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCounters;
import org.jbypass.netstack.link.PacketBurst;

/**
 * A link whose only behaviour is its wait and its wakeup, kept exactly: {@link #wakeup()} leaves a permit that ends
 * the current wait, or the next one if none waits (as an eventfd's count does for the afpacket driver), and a wait
 * ends only on a permit or its timeout. {@link #awaitWoken} says which, so that a stress test can tell a wakeup
 * that was lost from one that came. No frames, no pool: {@link NullLink} adds them.
 */
class WakeLink implements Link
{
    private final AtomicBoolean permit = new AtomicBoolean();
    private final LinkCounters counters = new LinkCounters();
    private volatile Thread waiter;

    /** Waits for a wakeup, at most {@code timeoutNanos}; whether a wakeup ended it (consuming it). */
    boolean awaitWoken(final long timeoutNanos)
    {
        waiter = Thread.currentThread();
        try
        {
            final long deadline = System.nanoTime() + timeoutNanos;
            while (!permit.compareAndSet(true, false))
            {
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    return false;
                }
                LockSupport.parkNanos(this, left);
            }
            return true;
        }
        finally
        {
            waiter = null;
        }
    }

    @Override
    public void awaitReceive(final long timeoutNanos)
    {
        awaitWoken(timeoutNanos);
    }

    @Override
    public void wakeup()
    {
        permit.set(true);
        final Thread t = waiter;
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }

    @Override
    public String name()
    {
        return "wake";
    }

    @Override
    public long macAddress()
    {
        return 0x0200_0000_0002L;
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
        throw new UnsupportedOperationException("no frames");
    }

    @Override
    public int receive(final int queue, final PacketBurst burst)
    {
        return 0;
    }

    @Override
    public int transmit(final int queue, final PacketBurst burst)
    {
        return 0;
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
