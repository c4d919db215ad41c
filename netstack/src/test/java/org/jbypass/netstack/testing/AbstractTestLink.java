package org.jbypass.netstack.testing;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCounters;

/**
 * What every test link has in common: a name, a MAC address, an MTU, a pool, its counters; one queue each way, no
 * offloads, a wait that returns at once and a wakeup that does nothing (the test polls the stack itself, on one
 * thread), and nothing to close. A subclass says how frames come and go ({@link #receive}, {@link #transmit}) and
 * overrides only what it does differently.
 */
public abstract class AbstractTestLink implements Link
{
    protected final PacketPool pool;
    protected final LinkCounters counters = new LinkCounters();
    private final String name;
    private final long mac;
    private final int mtu;

    protected AbstractTestLink(final String name, final PacketPool pool, final long mac, final int mtu)
    {
        this.name = name;
        this.pool = pool;
        this.mac = mac;
        this.mtu = mtu;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public long macAddress()
    {
        return mac;
    }

    @Override
    public int mtu()
    {
        return mtu;
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
    public void awaitReceive(final long timeoutNanos)
    {
    }

    @Override
    public void wakeup()
    {
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
