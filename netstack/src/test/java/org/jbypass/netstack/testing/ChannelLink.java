package org.jbypass.netstack.testing;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.PacketBurst;

/**
 * A link for tests, after gVisor's channel endpoint: the test injects frames for the stack to receive and takes the
 * frames the stack transmitted. Single-threaded. Frames are copied to and from heap arrays, which is fine for tests
 * and keeps assertions simple.
 */
public final class ChannelLink extends AbstractTestLink
{
    private final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
    /** Per inbound frame: its flags, or -1 for the link's {@link #rxFlags}. */
    private final ArrayDeque<Integer> inboundFlags = new ArrayDeque<>();
    private boolean chains;
    /** With chains: the bytes the first buffer of a chain holds (0 for a full buffer), to place its boundaries. */
    private int chainHead;
    private final ArrayDeque<byte[]> outbound = new ArrayDeque<>();
    /** Transmitted frames a test set aside (see {@link #setAside}): they are counted but not taken. */
    private java.util.function.Predicate<byte[]> asideFilter;
    /** The frames set aside, for a test that wants to look at them after all. */
    public final java.util.List<byte[]> aside = new java.util.ArrayList<>();
    private int rxFlags;
    private int txCapacity = Integer.MAX_VALUE;
    private boolean closed;

    public ChannelLink(final PacketPool pool, final long mac, final int mtu)
    {
        super("channel", pool, mac, mtu);
    }

    /** Queues a frame for the stack to receive. */
    public void inject(final byte[] frame)
    {
        inject(frame, -1);
    }

    /**
     * Queues a frame for the stack to receive with these flags for its first descriptor (the {@code RX_*} bits,
     * a GSO type and size); -1 for the link's {@link #rxFlags}.
     */
    public void inject(final byte[] frame, final int flags)
    {
        inbound.add(frame.clone());
        inboundFlags.add(flags);
    }

    /**
     * Delivers a frame longer than a buffer as a chain of consecutive armed slots (see {@link PacketBurst}), as a
     * driver with super-frames does, rather than cutting it to a buffer.
     */
    public void chains(final boolean on)
    {
        chains = on;
    }

    /**
     * Sets aside the transmitted frames a predicate matches, so that {@link #take} skips them: a test of one protocol
     * keeps another's periodic messages (MLD reports, say) out of its way, and can still read them in {@link #aside}.
     */
    public void setAside(final java.util.function.Predicate<byte[]> filter)
    {
        asideFilter = filter;
    }

    /**
     * Delivers chains whose first buffer holds only {@code bytes} (0: a full buffer), and every frame longer than
     * that as a chain: a boundary inside the headers, or at an odd offset of the payload.
     */
    public void chainHead(final int bytes)
    {
        chainHead = bytes;
    }

    /** The next frame the stack transmitted, or null. */
    public byte[] take()
    {
        return outbound.poll();
    }

    /** How many transmitted frames wait to be taken. */
    public int transmitted()
    {
        return outbound.size();
    }

    /** Drops every transmitted frame not yet taken. */
    public void drain()
    {
        outbound.clear();
    }

    /** The flags received frames are marked with (e.g. checksum offload). */
    public void rxFlags(final int flags)
    {
        rxFlags = flags;
    }

    /** Makes transmit accept at most this many frames per call, to simulate a full ring. */
    public void txCapacity(final int frames)
    {
        txCapacity = frames;
    }

    /** The multicast MACs the stack asked the link to accept, in the order asked, with removals applied. */
    public final java.util.List<Long> multicastMacs = new java.util.ArrayList<>();

    @Override
    public int addMulticast(final long mac)
    {
        if (multicastMacs.contains(mac))
        {
            throw new IllegalStateException("MAC added twice");
        }
        multicastMacs.add(mac);
        return 0;
    }

    @Override
    public int removeMulticast(final long mac)
    {
        if (!multicastMacs.remove((Long)mac))
        {
            throw new IllegalStateException("MAC removed but never added");
        }
        return 0;
    }

    public boolean isClosed()
    {
        return closed;
    }

    @Override
    public int receive(final int queue, final PacketBurst burst)
    {
        int n = 0;
        final ByteBuffer memory = pool.memory();
        while (n < burst.capacity() && !inbound.isEmpty() && burst.buffer(n) != PacketPool.NO_BUFFER)
        {
            final byte[] frame = inbound.peek();
            final int given = inboundFlags.peek();
            final int flags = given == -1 ? rxFlags : given;
            final int size = pool.bufferSize();
            final int head = chainHead > 0 ? Math.min(chainHead, size) : size;
            if (chains && frame.length > head)
            {
                final int slots = 1 + (frame.length - head + size - 1) / size;
                boolean room = n + slots <= burst.capacity();
                for (int i = n; room && i < n + slots; i++)
                {
                    room = burst.buffer(i) != PacketPool.NO_BUFFER;
                }
                if (!room)
                {
                    break; // the chain waits for the next burst, as in a driver's ring
                }
                for (int i = 0; i < slots; i++)
                {
                    final int from = i == 0 ? 0 : head + (i - 1) * size;
                    final int length = Math.min(i == 0 ? head : size, frame.length - from);
                    final int buffer = burst.buffer(n + i);
                    memory.put(pool.offset(buffer), frame, from, length);
                    final boolean last = i == slots - 1;
                    burst.set(n + i, buffer, length, (i == 0 ? flags : 0) | (last ? 0 : PacketBurst.CONTINUES));
                }
                n += slots;
            }
            else
            {
                final int buffer = burst.buffer(n);
                final int length = Math.min(frame.length, size);
                memory.put(pool.offset(buffer), frame, 0, length);
                burst.set(n, buffer, length, flags);
                n++;
            }
            inbound.poll();
            inboundFlags.poll();
            counters.rxPackets++;
            counters.rxBytes += frame.length;
        }
        burst.count(n);
        return n;
    }

    @Override
    public int transmit(final int queue, final PacketBurst burst)
    {
        final int accepted = Math.min(burst.count(), txCapacity);
        final ByteBuffer memory = pool.memory();
        for (int i = 0; i < accepted; i++)
        {
            final int buffer = burst.buffer(i);
            final byte[] frame = new byte[burst.length(i)];
            memory.get(pool.offset(buffer), frame);
            if (asideFilter != null && asideFilter.test(frame))
            {
                aside.add(frame);
            }
            else
            {
                outbound.add(frame);
            }
            pool.free(buffer);
            counters.txPackets++;
            counters.txBytes += frame.length;
        }
        burst.retainUnaccepted(accepted);
        return accepted;
    }

    @Override
    public void close()
    {
        closed = true;
    }
}
