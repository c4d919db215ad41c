package org.jbypass.netstack.link.virtual;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCounters;
import org.jbypass.netstack.link.PacketBurst;

/**
 * A link for tests that controls what a real one cannot be made to do on demand: it accepts at most
 * {@link #acceptLimit} frames per transmit (a full ring) and delivers frames queued by the test. It keeps the
 * contracts exactly, so decorators can be checked against it: accepted frames are copied out and their buffers
 * freed, refused ones move to the front of the burst.
 */
public final class ScriptedLink implements Link
{
    private final PacketPool pool;
    private final long mac;
    private final LinkCounters counters = new LinkCounters();
    private final ArrayDeque<byte[]> toReceive = new ArrayDeque<>();
    private final List<byte[]> transmitted = new ArrayList<>();
    /** How many frames the next transmits accept at most, each. */
    public int acceptLimit = Integer.MAX_VALUE;
    public int transmitCalls;
    public int receiveCalls;
    public int awaitCalls;
    public boolean closed;

    public ScriptedLink(final PacketPool pool, final long mac)
    {
        this.pool = pool;
        this.mac = mac;
    }

    /** Queues a frame for a later receive. */
    public void inject(final byte[] frame)
    {
        toReceive.add(frame.clone());
    }

    /** The frames accepted by transmit so far, in order. */
    public List<byte[]> transmitted()
    {
        return transmitted;
    }

    @Override
    public String name()
    {
        return "scripted";
    }

    @Override
    public long macAddress()
    {
        return mac;
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
        receiveCalls++;
        int received = 0;
        while (received < burst.capacity() && burst.buffer(received) != PacketPool.NO_BUFFER && !toReceive.isEmpty())
        {
            final byte[] frame = toReceive.poll();
            final int buffer = burst.buffer(received);
            pool.memory().put(pool.offset(buffer), frame);
            burst.set(received, buffer, frame.length, 0);
            received++;
            counters.rxPackets++;
        }
        burst.count(received);
        return received;
    }

    @Override
    public int transmit(final int queue, final PacketBurst burst)
    {
        transmitCalls++;
        final int accepted = Math.min(burst.count(), acceptLimit);
        for (int i = 0; i < accepted; i++)
        {
            transmitted.add(TestFrames.copy(pool, burst.buffer(i), burst.length(i)));
            pool.free(burst.buffer(i));
            counters.txPackets++;
        }
        Bursts.removeAccepted(burst, accepted);
        return accepted;
    }

    @Override
    public void awaitReceive(final long timeoutNanos)
    {
        awaitCalls++;
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
        closed = true;
    }
}
