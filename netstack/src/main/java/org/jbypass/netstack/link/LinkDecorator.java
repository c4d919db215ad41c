package org.jbypass.netstack.link;

import org.jbypass.netstack.buffer.PacketPool;

/**
 * A link that wraps another and passes through everything it does not change: the base of the decorators (such as
 * {@code link.virtual}'s {@code ImpairedLink} and {@code PcapLink}), after gVisor's {@code nested.Endpoint}. A
 * decorator overrides receive, transmit and close (and whatever else it alters) and owns the link it wraps.
 */
public abstract class LinkDecorator implements Link
{
    /** The decorated link. */
    protected final Link inner;

    protected LinkDecorator(final Link inner)
    {
        this.inner = inner;
    }

    /** The link this one decorates. */
    public final Link inner()
    {
        return inner;
    }

    /** The decorated link's name behind this decorator's kind, e.g. "pcap:afpacket:jbp0". */
    protected abstract String kind();

    @Override
    public String name()
    {
        return kind() + ":" + inner.name();
    }

    @Override
    public long macAddress()
    {
        return inner.macAddress();
    }

    @Override
    public int mtu()
    {
        return inner.mtu();
    }

    @Override
    public int rxQueueCount()
    {
        return inner.rxQueueCount();
    }

    @Override
    public int txQueueCount()
    {
        return inner.txQueueCount();
    }

    @Override
    public int maxSuperFrameLength()
    {
        return inner.maxSuperFrameLength();
    }

    @Override
    public long transmitDone(final int queue)
    {
        return inner.transmitDone(queue);
    }

    @Override
    public int capabilities()
    {
        // Not a shared receive wait: a decorator may hold frames (delayed, reordered) that no ring wakes a waiter for.
        // No gathered transmit: a decorator sees (and may hold, drop or copy) frames only as pool buffers.
        return inner.capabilities() & ~(LinkCapabilities.RX_AWAIT_SHARED | LinkCapabilities.TX_GATHER);
    }

    @Override
    public PacketPool pool()
    {
        return inner.pool();
    }

    @Override
    public void awaitReceive(final long timeoutNanos)
    {
        inner.awaitReceive(timeoutNanos);
    }

    @Override
    public void wakeup()
    {
        inner.wakeup();
    }

    @Override
    public boolean receiveReady(final int queue)
    {
        return inner.receiveReady(queue);
    }

    @Override
    public boolean deferTransmit()
    {
        return inner.deferTransmit();
    }

    @Override
    public void kick()
    {
        inner.kick();
    }

    @Override
    public int addMulticast(final long mac)
    {
        return inner.addMulticast(mac);
    }

    @Override
    public int removeMulticast(final long mac)
    {
        return inner.removeMulticast(mac);
    }

    @Override
    public LinkCounters counters()
    {
        return inner.counters();
    }
}
