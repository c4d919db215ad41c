package org.jbypass.netstack.link.virtual;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;

/**
 * The transmit completions of one {@link MemoryWire} port: the buffers of its pool that a receiving port has copied
 * out of and gives back, as a NIC's send completion queue says which descriptors' buffers its DMA has read.
 *
 * <p>A port that transmits a unicast frame to one port hands the receiver's queue a reference to its own buffer
 * instead of a copy ({@link FrameRing#offerReference}); the receiver copies the frame straight from that buffer into
 * the one its stack armed, the frame's only copy, and then returns the buffer here. Receivers run on any thread, so
 * this is a bounded queue of buffer indices with many producers and one consumer (Vyukov's algorithm, as
 * {@link FrameRing}): a receiver claims the positions of a whole receive burst's buffers with one CAS, and the
 * port's own thread frees them into its pool when it next transmits or receives ({@link #drain}), so that the pool,
 * which is not thread safe, is only ever touched by the thread that drives its stack. Its capacity is at least the
 * pool's, and a buffer is returned once per transmit, so it is never full.
 *
 * <p>Closing: once the port is closed its thread drains no more, and a buffer still in another port's queue comes
 * back later. {@link #close} marks the queue closed and drains it under its lock; a receiver that returns buffers
 * after pushing them looks at the mark (a full fence between, so that either the closer's drain sees the push or
 * the receiver sees the mark) and drains under the same lock itself. Every buffer so comes back to the pool, whatever
 * the order in which the ports close.
 */
final class TransmitCompletions
{
    private static final VarHandle SEQUENCE = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TAIL;

    static
    {
        try
        {
            TAIL = MethodHandles.lookup().findVarHandle(TransmitCompletions.class, "tail", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PacketPool pool;
    private final ByteBuffer memory;
    private final int mask;
    private final long[] sequences;
    private final int[] buffers;
    /** The next position to claim; receivers CAS it. */
    @SuppressWarnings("unused")
    private volatile long tail;
    /** The next position to free; the owning port's thread's (or, once closed, whoever holds the lock). */
    private long head;
    private volatile boolean closed;

    TransmitCompletions(final PacketPool pool)
    {
        this.pool = pool;
        this.memory = pool.memory();
        final int capacity = Math.max(2, Integer.highestOneBit(Math.max(1, pool.capacity() - 1)) << 1);
        this.mask = capacity - 1;
        this.sequences = new long[capacity];
        this.buffers = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            sequences[i] = i;
        }
    }

    /** The memory of the pool whose buffers these are: where a receiver copies a referenced frame from. */
    ByteBuffer memory()
    {
        return memory;
    }

    /** The offset of one of the pool's buffers in {@link #memory()}. */
    int offset(final int buffer)
    {
        return pool.offset(buffer);
    }

    /**
     * A receiver: gives back {@code count} buffers, {@code returned[0..count-1]}, which it has copied out of.
     * Callable from any thread.
     */
    void push(final int[] returned, final int count)
    {
        long position = (long)TAIL.getVolatile(this);
        while (true)
        {
            final long last = position + count - 1;
            final long difference = (long)SEQUENCE.getAcquire(sequences, (int)last & mask) - last;
            if (difference == 0 && TAIL.compareAndSet(this, position, position + count))
            {
                break;
            }
            if (difference < 0 && (long)TAIL.getVolatile(this) == position)
            {
                // Never: a buffer is returned once per transmit and the queue holds the whole pool.
                throw new IllegalStateException("transmit completions full: a buffer returned twice");
            }
            position = (long)TAIL.getVolatile(this);
        }
        for (int k = 0; k < count; k++)
        {
            final int slot = (int)(position + k) & mask;
            buffers[slot] = returned[k];
            SEQUENCE.setRelease(sequences, slot, position + k + 1);
        }
        // Against close(): our publication before our read of its mark, its mark before its drain.
        VarHandle.fullFence();
        if (closed)
        {
            synchronized (this)
            {
                drainReturned();
            }
        }
    }

    /**
     * The owning port's thread: frees every buffer returned so far into the pool; returns how many. Once closed,
     * {@link #close} and late receivers drain instead.
     */
    int drain()
    {
        return closed ? 0 : drainReturned();
    }

    private int drainReturned()
    {
        int freed = 0;
        long position = head;
        while (true)
        {
            final int slot = (int)position & mask;
            if ((long)SEQUENCE.getAcquire(sequences, slot) != position + 1)
            {
                break;
            }
            pool.free(buffers[slot]);
            SEQUENCE.setRelease(sequences, slot, position + mask + 1);
            position++;
            freed++;
        }
        head = position;
        return freed;
    }

    /**
     * The owning port's thread, closing: frees what was returned, and from now on each receiver that returns a
     * buffer frees it (under this queue's lock).
     */
    void close()
    {
        synchronized (this)
        {
            closed = true;
            VarHandle.fullFence();
            drainReturned();
        }
    }
}
