package org.jbypass.netstack.link.virtual;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.testing.AbstractTestLink;
import org.jbypass.netstack.link.PacketBurst;

/**
 * A link for tests that controls what a real one cannot be made to do on demand: it accepts at most
 * {@link #acceptLimit} frames per transmit (a full ring) and delivers frames queued by the test. It keeps the
 * contracts exactly, so decorators can be checked against it: accepted frames are copied out and their buffers
 * freed, refused ones move to the front of the burst. It may have several queues each way: frames are injected into
 * a receive queue, and the transmit queue of every accepted frame is recorded.
 */
public final class ScriptedLink extends AbstractTestLink
{
    private final int rxQueues;
    private final int txQueues;
    private final ArrayDeque<byte[]>[] toReceive;
    private final List<byte[]> transmitted = new ArrayList<>();
    private final List<Integer> transmittedQueues = new ArrayList<>();
    /** How many frames the next transmits accept at most, each. */
    public int acceptLimit = Integer.MAX_VALUE;
    /**
     * Whether accepted frames stay the link's until {@link #complete(int)} (a NIC's send queue before its
     * completion), rather than being done at once; see {@link Link#transmitDone}.
     */
    public boolean holdCompletions;
    private final long[] accepted;
    private final long[] done;
    public int transmitCalls;
    public int receiveCalls;
    public int awaitCalls;
    public boolean closed;

    public ScriptedLink(final PacketPool pool, final long mac)
    {
        this(pool, mac, 1, 1);
    }

    @SuppressWarnings("unchecked")
    public ScriptedLink(final PacketPool pool, final long mac, final int rxQueues, final int txQueues)
    {
        super("scripted", pool, mac, 1500);
        this.rxQueues = rxQueues;
        this.txQueues = txQueues;
        this.accepted = new long[txQueues];
        this.done = new long[txQueues];
        this.toReceive = (ArrayDeque<byte[]>[])new ArrayDeque<?>[rxQueues];
        for (int q = 0; q < rxQueues; q++)
        {
            toReceive[q] = new ArrayDeque<>();
        }
    }

    /** Queues a frame for a later receive from queue 0. */
    public void inject(final byte[] frame)
    {
        inject(0, frame);
    }

    /** Queues a frame for a later receive from {@code queue}. */
    public void inject(final int queue, final byte[] frame)
    {
        toReceive[queue].add(frame.clone());
    }

    /** The link is done with everything {@code queue} accepted so far (its completions came). */
    public void complete(final int queue)
    {
        done[queue] = accepted[queue];
    }

    @Override
    public long transmitDone(final int queue)
    {
        return holdCompletions ? done[queue] : accepted[queue];
    }

    /** The transmit queue of each frame in {@link #transmitted()}. */
    public List<Integer> transmittedQueues()
    {
        return transmittedQueues;
    }

    /** The frames accepted by transmit so far, in order. */
    public List<byte[]> transmitted()
    {
        return transmitted;
    }

    @Override
    public int rxQueueCount()
    {
        return rxQueues;
    }

    @Override
    public int txQueueCount()
    {
        return txQueues;
    }

    @Override
    public int receive(final int queue, final PacketBurst burst)
    {
        if (queue < 0 || queue >= rxQueues)
        {
            throw new IllegalArgumentException("no receive queue " + queue);
        }
        receiveCalls++;
        final ArrayDeque<byte[]> from = toReceive[queue];
        int received = 0;
        while (received < burst.capacity() && burst.buffer(received) != PacketPool.NO_BUFFER && !from.isEmpty())
        {
            final byte[] frame = from.poll();
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
        if (queue < 0 || queue >= txQueues)
        {
            throw new IllegalArgumentException("no transmit queue " + queue);
        }
        transmitCalls++;
        final int accepted = Math.min(burst.count(), acceptLimit);
        for (int i = 0; i < accepted; i++)
        {
            transmitted.add(TestFrames.copy(pool, burst.buffer(i), burst.length(i)));
            transmittedQueues.add(queue);
            pool.free(burst.buffer(i));
            counters.txPackets++;
        }
        Bursts.removeAccepted(burst, accepted);
        this.accepted[queue] += accepted;
        return accepted;
    }

    @Override
    public void awaitReceive(final long timeoutNanos)
    {
        awaitCalls++;
    }

    @Override
    public void close()
    {
        closed = true;
    }
}
