package org.jbypass.netstack.tcp;

/**
 * The memory behind every socket buffer of a layer, as Linux's tcp_mem: fixed-size chunks handed to
 * {@link ByteRing}s as bytes arrive or are written and given back as they drain, under three levels. Below
 * {@code low} nothing is constrained; above {@code pressure} the layer is under memory pressure until use falls back
 * to {@code low} (receive windows stop growing and out-of-order data is pruned, as tcp_under_memory_pressure and
 * tcp_prune_ofo_queue); at {@code high} no chunk is handed out (data is dropped, writes wait, new connections are
 * refused), so the heap is never exhausted by connections.
 *
 * <p>Chunks given back are kept for reuse up to the {@code low} level, so a steady state allocates nothing; past it
 * they are left to the garbage collector, so a burst does not hold its memory forever. The free list grows by
 * doubling while the layer ramps up.
 */
final class TcpMemory
{
    /** log2 of the chunk size: 4 KiB, a page, so a small message costs one chunk and a full segment at most two. */
    static final int CHUNK_SHIFT = 12;
    static final int CHUNK_SIZE = 1 << CHUNK_SHIFT;
    static final int CHUNK_MASK = CHUNK_SIZE - 1;

    private final long lowChunks;
    private final long pressureChunks;
    private final long highChunks;
    private final TcpCounters counters;
    private byte[][] free = new byte[64][];
    private int freeCount;
    private long inUse;
    private boolean pressure;
    /** How far below {@code high} use must fall before waiting writers are told ({@link #awaitMemory}). */
    private final long writeMargin;
    /** Sockets whose writers wait for memory, chained through {@code TcpSocket.memoryWaitNext}. */
    private TcpSocket waiters;

    /** Levels in bytes; rounded down to whole chunks, at least one. */
    TcpMemory(final long low, final long pressure, final long high, final TcpCounters counters)
    {
        this.lowChunks = Math.max(1, low >>> CHUNK_SHIFT);
        this.pressureChunks = Math.max(1, pressure >>> CHUNK_SHIFT);
        this.highChunks = Math.max(1, high >>> CHUNK_SHIFT);
        this.writeMargin = Math.max(1, Math.min(256, highChunks >>> 6));
        this.counters = counters;
    }

    /** A chunk of {@link #CHUNK_SIZE} bytes (content unspecified), or null at the high level. */
    byte[] take()
    {
        if (inUse >= highChunks)
        {
            counters.memoryRefusals++;
            return null;
        }
        inUse++;
        if (!pressure && inUse > pressureChunks)
        {
            pressure = true;
            counters.memoryPressureEntered++;
        }
        if (freeCount > 0)
        {
            final byte[] c = free[--freeCount];
            free[freeCount] = null;
            return c;
        }
        return new byte[CHUNK_SIZE];
    }

    /** Gives a chunk back. */
    void give(final byte[] chunk)
    {
        inUse--;
        if (pressure && inUse <= lowChunks)
        {
            pressure = false;
        }
        if (waiters != null && inUse + writeMargin <= highChunks)
        {
            wakeWriters();
        }
        if (freeCount + inUse >= lowChunks && freeCount > 0)
        {
            // Past the low level the chunk goes to the garbage collector.
            return;
        }
        if (freeCount == free.length)
        {
            final byte[][] bigger = new byte[(int) Math.min(Integer.MAX_VALUE - 8, free.length * 2L)][];
            System.arraycopy(free, 0, bigger, 0, freeCount);
            free = bigger;
        }
        free[freeCount++] = chunk;
    }

    /**
     * Whether writers may be told they can write: use lies at least a small margin below {@code high}, so that one
     * chunk given back does not wake every waiting writer for one of them to take it (as sk_stream_write_space waits
     * for a third of a socket's buffer).
     */
    boolean writable()
    {
        return inUse + writeMargin <= highChunks;
    }

    /**
     * A socket cannot write for want of memory (Linux's SOCK_NOSPACE): its readiness is signalled once
     * {@link #writable()} holds again. A socket waits at most once; the list empties at each wake-up.
     */
    void awaitMemory(final TcpSocket s)
    {
        if (!s.memoryWaiting)
        {
            s.memoryWaiting = true;
            s.memoryWaitNext = waiters;
            waiters = s;
            counters.memoryWriteWaits++;
        }
    }

    private void wakeWriters()
    {
        TcpSocket s = waiters;
        waiters = null;
        while (s != null)
        {
            final TcpSocket next = s.memoryWaitNext;
            s.memoryWaitNext = null;
            s.memoryWaiting = false;
            s.notifyReadiness();
            s = next;
        }
    }

    /** Whether the layer is under memory pressure (between crossing {@code pressure} and falling to {@code low}). */
    boolean underPressure()
    {
        return pressure;
    }

    /** Whether a new connection may be taken on: use is below {@code high} less a small margin for its first data. */
    boolean admitsConnection()
    {
        return inUse + 2 < highChunks;
    }

    /** Bytes charged to socket buffers now. */
    long bytesInUse()
    {
        return inUse << CHUNK_SHIFT;
    }

    /** Bytes kept for reuse. */
    long bytesCached()
    {
        return (long) freeCount << CHUNK_SHIFT;
    }
}
