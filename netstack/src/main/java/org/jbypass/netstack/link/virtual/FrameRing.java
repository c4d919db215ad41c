package org.jbypass.netstack.link.virtual;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.PacketBurst;

/**
 * A bounded queue of frame copies with any number of producer threads and one consumer thread: the receive queue
 * of a {@link MemoryWire} port.
 *
 * <p>The algorithm is Dmitry Vyukov's bounded MPMC queue, used here with a single consumer. Each slot has a
 * sequence number: a producer claims position {@code p} by a CAS on {@code tail} when slot {@code p % capacity}
 * carries sequence {@code p} (free for this lap), copies the frame into the slot's bytes and publishes it by
 * storing {@code p + 1} with release semantics; the consumer takes the frame at {@code head} when the slot's
 * sequence, read with acquire semantics, is {@code head + 1}, and frees the slot for the next lap by storing
 * {@code head + capacity}. A slot whose sequence is still a lap behind means the queue is full: the producer drops
 * the frame and counts an overrun, as a NIC drops frames when its receive ring is full. No lock is taken, no object
 * is allocated, and frames from one producer leave in the order it put them in.
 *
 * <p>Frame bytes live off-heap in one direct buffer of {@code capacity} slots, each as large as the largest frame.
 * Only absolute accessors touch it, so producers writing different slots never interfere; the release store of a
 * slot's sequence orders the producer's copy before the consumer's read of it.
 *
 * <p>A frame longer than a slot (a super-frame, {@link #offerChain}) takes consecutive slots, as a chain of burst
 * descriptors does: each slot has descriptor flags, every slot of the frame but the last carries
 * {@link PacketBurst#CONTINUES}, and the first carries the frame's metadata. A producer claims all its slots with
 * one CAS of {@code tail} (the last being free for this lap means every one before it is, since the consumer frees
 * them in order), and the consumer takes such a frame only once every slot is published ({@link #readyAtHead}).
 *
 * <p>A slot may instead hold a reference to a frame in the sending port's pool ({@link #offerReference}), which the
 * consumer copies straight into its destination, the frame's only copy on the wire, and gives back to the sender's
 * {@link TransmitCompletions}: batched, one CAS per receive burst ({@link #flushCompletions}, which the consumer
 * calls after each burst and before it drops frames), as a NIC writes send completions once its DMA has read the
 * buffers.
 */
final class FrameRing
{
    private static final VarHandle SEQUENCE = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle SOURCE = MethodHandles.arrayElementVarHandle(TransmitCompletions[].class);
    private static final VarHandle TAIL;
    private static final VarHandle OVERRUNS;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(FrameRing.class, "tail", long.class);
            OVERRUNS = lookup.findVarHandle(FrameRing.class, "overruns", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ByteBuffer slots;
    private final int slotSize;
    private final int capacity;
    private final int mask;
    private final long[] sequences;
    /** Frame lengths, written by the producer before the release store of the slot's sequence. */
    private final int[] lengths;
    /** Descriptor flags of each slot (the frame's metadata, CONTINUES), written as the lengths are. */
    private final int[] flags;

    /** The next position to claim; producers CAS it. */
    @SuppressWarnings("unused")
    private volatile long tail;
    /** Frames dropped because the queue was full; producers add to it. */
    @SuppressWarnings("unused")
    private volatile long overruns;
    /** The next position to take; the consumer's alone. */
    private long head;
    /** Consumer: the flags of the frame {@link #poll} moved last. */
    private int polledFlags;
    /** Per slot: the completions of the port whose buffer holds the frame, or null when the slot holds a copy. */
    private final TransmitCompletions[] sources;
    /** Per slot with a source: the buffer of the source's pool that holds the frame. */
    private final int[] sourceBuffers;
    /** Consumer: buffers copied out of and not yet given back, all of {@link #batchSource}. */
    private final int[] batch = new int[64];
    private int batchCount;
    private TransmitCompletions batchSource;
    /** Set by the consumer when its port closes: references offered from then on go back to their senders. */
    private volatile boolean closed;

    /**
     * @param capacity the number of frames the queue holds, a power of two of at least 2 (the algorithm needs two
     *                 slots to tell a full queue from an empty one)
     * @param slotSize the largest frame in bytes
     */
    FrameRing(final int capacity, final int slotSize)
    {
        if (capacity < 2 || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("frame queue capacity must be a power of two of at least 2: " + capacity);
        }
        if (slotSize < 1 || (long)capacity * slotSize > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("frame queue of " + capacity + " x " + slotSize + " bytes is too large");
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.slotSize = slotSize;
        this.slots = ByteBuffer.allocateDirect(capacity * slotSize).order(ByteOrder.BIG_ENDIAN);
        this.sequences = new long[capacity];
        this.lengths = new int[capacity];
        this.flags = new int[capacity];
        this.sources = new TransmitCompletions[capacity];
        this.sourceBuffers = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            sequences[i] = i;
        }
    }

    int capacity()
    {
        return capacity;
    }

    int slotSize()
    {
        return slotSize;
    }

    /**
     * Producer: copies a frame into the queue. Callable from any thread.
     *
     * @return false when the queue is full; the frame was dropped and counted as an overrun
     */
    boolean offer(final ByteBuffer source, final int offset, final int length)
    {
        return offer(source, offset, length, 0);
    }

    /** Producer: {@link #offer(ByteBuffer, int, int)} with descriptor flags for the consumer (no CONTINUES). */
    boolean offer(final ByteBuffer source, final int offset, final int length, final int frameFlags)
    {
        final long position = claim(1);
        if (position < 0)
        {
            return false;
        }
        final int slot = (int)position & mask;
        slots.put(slot * slotSize, source, offset, length);
        lengths[slot] = length;
        flags[slot] = frameFlags;
        SEQUENCE.setRelease(sequences, slot, position + 1);
        return true;
    }

    /**
     * Producer: queues a reference to a frame in a buffer of the sending port's pool, which stays the wire's until
     * the consumer has copied it out and given it back through {@code source}. Callable from any thread. A producer
     * that offered references checks {@link #isClosed()} after a full fence once its burst is queued and takes back
     * ({@link #takeBack}) what it offered to a queue closed meanwhile, which {@link #close()} may have cleared before
     * the frames were published.
     *
     * @return the frame's position, or -1 when the queue is full: the frame was dropped and counted as an overrun,
     *         and the buffer is still the caller's
     */
    long offerReference(final TransmitCompletions source, final int buffer, final int length, final int frameFlags)
    {
        final long position = claim(1);
        if (position < 0)
        {
            return -1;
        }
        final int slot = (int)position & mask;
        sources[slot] = source;
        sourceBuffers[slot] = buffer;
        lengths[slot] = length;
        flags[slot] = frameFlags;
        SEQUENCE.setRelease(sequences, slot, position + 1);
        return position;
    }

    /** Whether the consumer closed the queue ({@link #close()}). */
    boolean isClosed()
    {
        return closed;
    }

    /**
     * Producer, after a full fence, of a closed queue: takes back the reference it offered at {@code position},
     * unless the consumer took it first (then it comes back through {@code source}). Returns the buffer, now the
     * caller's again, or -1.
     */
    int takeBack(final long position, final TransmitCompletions source)
    {
        final int slot = (int)position & mask;
        return SOURCE.compareAndSet(sources, slot, source, null) ? sourceBuffers[slot] : -1;
    }

    /**
     * Producer: copies a frame held by a chain of buffers into as many consecutive slots as it needs, every slot
     * full but the last, the first with {@code frameFlags}, all but the last with {@link PacketBurst#CONTINUES}.
     * Callable from any thread.
     *
     * @return false when the queue has not that many free slots; the frame was dropped and counted as an overrun
     */
    boolean offerChain(final FrameChain chain, final int frameFlags)
    {
        final int length = chain.length();
        final int n = Math.max(1, (length + slotSize - 1) / slotSize);
        final long position = n <= capacity ? claim(n) : -1;
        if (position < 0)
        {
            if (n > capacity)
            {
                OVERRUNS.getAndAdd(this, 1L);
            }
            return false;
        }
        for (int k = 0; k < n; k++)
        {
            final int slot = (int)(position + k) & mask;
            final int from = k * slotSize;
            final int bytes = Math.min(slotSize, length - from);
            chain.copyOut(from, slots, slot * slotSize, bytes);
            lengths[slot] = bytes;
            flags[slot] = (k == 0 ? frameFlags : 0) | (k < n - 1 ? PacketBurst.CONTINUES : 0);
            SEQUENCE.setRelease(sequences, slot, position + k + 1);
        }
        return true;
    }

    /** Claims {@code n} consecutive positions (1..capacity); returns the first, or -1 (counted) when full. */
    private long claim(final int n)
    {
        long position = (long)TAIL.getVolatile(this);
        while (true)
        {
            final long last = position + n - 1;
            final long difference = (long)SEQUENCE.getAcquire(sequences, (int)last & mask) - last;
            if (difference == 0)
            {
                if (TAIL.compareAndSet(this, position, position + n))
                {
                    return position;
                }
                position = (long)TAIL.getVolatile(this);
            }
            else if (difference < 0)
            {
                // The last slot still holds a frame of the previous lap: the queue has not n free slots.
                OVERRUNS.getAndAdd(this, 1L);
                return -1;
            }
            else
            {
                // Another producer claimed this position first.
                position = (long)TAIL.getVolatile(this);
            }
        }
    }

    /**
     * Consumer: how many slots the frame at the head takes, once every one is published (1 for a frame in one
     * slot); 0 when no frame is ready or a producer is still writing the one at the head.
     */
    int readyAtHead()
    {
        long position = head;
        for (int n = 1; n <= capacity; n++, position++)
        {
            final int slot = (int)position & mask;
            if ((long)SEQUENCE.getAcquire(sequences, slot) != position + 1)
            {
                return 0;
            }
            if ((flags[slot] & PacketBurst.CONTINUES) == 0)
            {
                return n;
            }
        }
        return 0;
    }

    /** Consumer: the descriptor flags of the slot at the head, which {@link #readyAtHead()} said is ready. */
    int headFlags()
    {
        return flags[(int)head & mask];
    }

    /**
     * Consumer: moves the oldest frame into {@code destination} at {@code offset}.
     *
     * @return the frame's length, or -1 when no frame is ready
     */
    int poll(final ByteBuffer destination, final int offset)
    {
        final long position = head;
        final int slot = (int)position & mask;
        if ((long)SEQUENCE.getAcquire(sequences, slot) != position + 1)
        {
            return -1;
        }
        final int length = lengths[slot];
        polledFlags = flags[slot];
        final TransmitCompletions source = sources[slot];
        if (source == null)
        {
            destination.put(offset, slots, slot * slotSize, length);
        }
        else
        {
            final int buffer = sourceBuffers[slot];
            destination.put(offset, source.memory(), source.offset(buffer), length);
            sources[slot] = null;
            complete(source, buffer);
        }
        SEQUENCE.setRelease(sequences, slot, position + capacity);
        head = position + 1;
        return length;
    }

    /** Consumer: the referenced frame in {@code slot} is copied out (or dropped); its buffer goes back in a batch. */
    private void complete(final TransmitCompletions source, final int buffer)
    {
        if (source != batchSource || batchCount == batch.length)
        {
            flushCompletions();
            batchSource = source;
        }
        batch[batchCount++] = buffer;
    }

    /** Consumer: gives back the buffers copied out of since the last flush, to their ports, one CAS per port. */
    void flushCompletions()
    {
        if (batchCount > 0)
        {
            batchSource.push(batch, batchCount);
            batchCount = 0;
        }
        batchSource = null;
    }

    /** Consumer: the descriptor flags the frame the last successful {@link #poll} moved was offered with. */
    int polledFlags()
    {
        return polledFlags;
    }

    /** Consumer: the length of the oldest frame, or -1 when no frame is ready. */
    int peekLength()
    {
        final int slot = (int)head & mask;
        return (long)SEQUENCE.getAcquire(sequences, slot) == head + 1 ? lengths[slot] : -1;
    }

    /** Consumer: drops the oldest frame, which {@link #peekLength()} said is ready. */
    void skip()
    {
        final int slot = (int)head & mask;
        final TransmitCompletions source = (TransmitCompletions)SOURCE.getAndSet(sources, slot, null);
        if (source != null)
        {
            complete(source, sourceBuffers[slot]);
        }
        SEQUENCE.setRelease(sequences, slot, head + capacity);
        head++;
    }

    /**
     * Consumer: whether a frame may be waiting, claimed by a producer if perhaps not yet published. A volatile read
     * of the claim counter: a consumer that announced itself as a waiter before this check and a producer that
     * claims a slot before checking for waiters cannot miss each other (the volatile accesses are totally ordered).
     */
    boolean mayHaveFrames()
    {
        return (long)TAIL.getVolatile(this) != head;
    }

    /** Frames dropped because the queue was full, so far. */
    long overruns()
    {
        return (long)OVERRUNS.getVolatile(this);
    }

    /**
     * Consumer, closing its port: drops every frame that is ready and gives referenced ones back; references
     * offered later go back at once ({@link #offerReference}).
     */
    void close()
    {
        closed = true;
        VarHandle.fullFence();
        clear();
    }

    /** Consumer: drops every frame that is ready. */
    void clear()
    {
        while (peekLength() >= 0)
        {
            skip();
        }
        flushCompletions();
    }
}
