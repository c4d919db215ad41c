package org.jbypass.netstack.buffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The packet-buffer pool: one off-heap region cut into fixed-size buffers, named by their index.
 *
 * <p>Every frame the stack receives or transmits lives in one of these buffers. A buffer belongs to exactly one
 * owner at a time: the pool (free), a driver ring, the stack (being processed, queued for ARP, held for
 * reassembly), or a link in flight. The pool records which buffers are free, so a double free or the release of a
 * buffer that was never allocated is caught at once, and {@link #inUse()} makes leaks visible: tests assert that it
 * returns to its starting value after every run, as lwIP does with its pool statistics.
 *
 * <p>The region is one direct {@link ByteBuffer}, page aligned, in network byte order, so that drivers can hand
 * its address to the kernel or register it with a NIC once (an ibverbs memory region), and flyweights read it
 * with absolute accessors. Frames start at the beginning of their buffer.
 *
 * <p>Not thread safe: a pool is used by the single thread that currently drives its stack (the stack's lock
 * makes that so in the provider).
 */
public final class PacketPool
{
    /** The value that stands for "no buffer" wherever a buffer index is expected. */
    public static final int NO_BUFFER = -1;

    private static final int PAGE_SIZE = 4096;

    private final ByteBuffer memory;
    private final int bufferSize;
    private final int capacity;
    private final int[] freeStack;
    private final boolean[] free;
    private int freeCount;
    private long allocationFailures;

    /**
     * Whether a pool of {@code capacity} buffers of {@code bufferSize} bytes fits in one direct buffer (2 GiB), for
     * configurations to check before they build one.
     */
    public static boolean fits(final int capacity, final int bufferSize)
    {
        // alignedSlice rounds the start up and the end down to a page: allocate whole pages plus one, so the
        // aligned slice holds every buffer wherever the allocation starts.
        final long pages = ((long)capacity * bufferSize + PAGE_SIZE - 1) / PAGE_SIZE;
        return (pages + 1) * PAGE_SIZE <= Integer.MAX_VALUE;
    }

    /**
     * @param capacity   the number of buffers, at least 1
     * @param bufferSize the size of each buffer in bytes: a multiple of 64 (a cache line), at least 128
     */
    public PacketPool(final int capacity, final int bufferSize)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("packet pool capacity must be at least 1: " + capacity);
        }
        if (bufferSize < 128 || (bufferSize & 63) != 0)
        {
            throw new IllegalArgumentException("packet buffer size must be a multiple of 64, at least 128: " + bufferSize);
        }
        if (!fits(capacity, bufferSize))
        {
            throw new IllegalArgumentException("packet pool of " + capacity + " x " + bufferSize + " bytes exceeds 2 GiB");
        }
        final long bytes = (long)capacity * bufferSize;
        final long pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
        this.capacity = capacity;
        this.bufferSize = bufferSize;
        this.memory = ByteBuffer.allocateDirect((int)((pages + 1) * PAGE_SIZE))
            .alignedSlice(PAGE_SIZE)
            .limit((int)bytes)
            .slice()
            .order(ByteOrder.BIG_ENDIAN);
        this.freeStack = new int[capacity];
        this.free = new boolean[capacity];
        // Hand out low indices first: they are the ones most recently touched, so most likely in cache.
        for (int i = 0; i < capacity; i++)
        {
            freeStack[i] = capacity - 1 - i;
            free[i] = true;
        }
        this.freeCount = capacity;
    }

    /** The whole region, big-endian; frames are read and written through absolute accessors at {@link #offset}. */
    public ByteBuffer memory()
    {
        return memory;
    }

    /** The size of each buffer in bytes. */
    public int bufferSize()
    {
        return bufferSize;
    }

    /** The number of buffers in the pool. */
    public int capacity()
    {
        return capacity;
    }

    /** The byte offset of a buffer within {@link #memory()}. */
    public int offset(final int buffer)
    {
        return buffer * bufferSize;
    }

    /** Takes a free buffer, or returns {@link #NO_BUFFER} (and counts a failure) when none is left. */
    public int allocate()
    {
        if (freeCount == 0)
        {
            allocationFailures++;
            return NO_BUFFER;
        }
        final int buffer = freeStack[--freeCount];
        free[buffer] = false;
        return buffer;
    }

    /**
     * Returns a buffer to the pool.
     *
     * @throws IllegalStateException if the buffer is out of range or already free: an ownership bug, which must
     *                               never be papered over because it would hand one buffer to two owners.
     */
    public void free(final int buffer)
    {
        if (buffer < 0 || buffer >= capacity || free[buffer])
        {
            throw new IllegalStateException("packet buffer " + buffer + " freed twice or never allocated");
        }
        free[buffer] = true;
        freeStack[freeCount++] = buffer;
    }

    /** Whether a buffer is currently free. */
    public boolean isFree(final int buffer)
    {
        return free[buffer];
    }

    /** How many buffers are free now. */
    public int available()
    {
        return freeCount;
    }

    /** How many buffers are owned by someone other than the pool now. */
    public int inUse()
    {
        return capacity - freeCount;
    }

    /** How many allocations failed because the pool was empty. */
    public long allocationFailures()
    {
        return allocationFailures;
    }

    /** Copies {@code length} bytes from one buffer to another, from the start of each. */
    public void copy(final int from, final int to, final int length)
    {
        memory.put(offset(to), memory, offset(from), length);
    }

    @Override
    public String toString()
    {
        return "PacketPool{capacity=" + capacity + ", bufferSize=" + bufferSize + ", free=" + freeCount + '}';
    }
}
