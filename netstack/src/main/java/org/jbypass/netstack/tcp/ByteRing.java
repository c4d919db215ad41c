package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;

import org.jbypass.netstack.ip.BufferChain;
import org.jbypass.netstack.link.FrameChain;

/**
 * A socket's send or receive buffer: a ring of fixed-size chunks addressed by offset from its head, each chunk taken
 * from the layer's {@link TcpMemory} when a byte is first written into it and given back when the head moves past it
 * (or when its owner empties the ring), so memory follows the data and an idle connection holds none.
 *
 * <p>The ring does not track how much it holds; its owner does, in sequence space (RFC 9293 section 3.3.1), and
 * addresses bytes by their distance from the sequence number at the head. Out-of-order data is written at its offset
 * (RFC 2018) and takes only the chunks it covers. Writes are preceded by {@link #reserve}, which fails without
 * side effects visible to readers when memory is refused. Copies use the {@link ByteBuffer} bulk methods, which
 * allocate nothing.
 */
final class ByteRing
{
    private static final int SHIFT = TcpMemory.CHUNK_SHIFT;
    private static final int SIZE = TcpMemory.CHUNK_SIZE;
    private static final int MASK = TcpMemory.CHUNK_MASK;

    private final TcpMemory memory;
    private byte[][] chunks;
    /** The slot of the chunk that holds the head. */
    private int first;
    /** The head's offset within that chunk. */
    private int head;
    private int capacity;
    private int held;

    ByteRing(final TcpMemory memory, final int capacity)
    {
        this.memory = memory;
        this.capacity = capacity;
        this.chunks = new byte[slotsFor(capacity)][];
    }

    private static int slotsFor(final int capacity)
    {
        // A head in the middle of a chunk makes capacity bytes span one chunk more.
        return ((capacity + MASK) >>> SHIFT) + 1;
    }

    /** The most bytes the ring can address from its head. */
    int capacity()
    {
        return capacity;
    }

    /** Raises the capacity (SO_RCVBUF, SO_SNDBUF, auto-tuning); the chunks held stay in order. */
    void capacity(final int bigger)
    {
        if (bigger <= capacity)
        {
            return;
        }
        final int slots = slotsFor(bigger);
        if (slots > chunks.length)
        {
            final byte[][] grown = new byte[slots][];
            for (int i = 0; i < chunks.length; i++)
            {
                grown[i] = chunks[slot(i)];
            }
            chunks = grown;
            first = 0;
        }
        capacity = bigger;
    }

    /** Bytes of chunks held now. */
    int heldBytes()
    {
        return held << SHIFT;
    }

    private int slot(final int chunkIndex)
    {
        final int s = first + chunkIndex;
        return s >= chunks.length ? s - chunks.length : s;
    }

    /**
     * Takes the chunks that bytes {@code offset .. offset + length} need.
     *
     * @return false when the range lies beyond the capacity or memory was refused (chunks taken stay held, empty,
     *         until the head passes them)
     */
    boolean reserve(final int offset, final int length)
    {
        if (length <= 0)
        {
            return true;
        }
        if (offset < 0 || offset + length > capacity)
        {
            return false;
        }
        final int last = (head + offset + length - 1) >>> SHIFT;
        for (int c = (head + offset) >>> SHIFT; c <= last; c++)
        {
            final int s = slot(c);
            if (chunks[s] == null)
            {
                final byte[] chunk = memory.take();
                if (chunk == null)
                {
                    return false;
                }
                chunks[s] = chunk;
                held++;
            }
        }
        return true;
    }

    /**
     * Takes what chunks it can for bytes {@code offset .. offset + length}, in order.
     *
     * @return how many bytes from {@code offset} are backed by chunks (less than {@code length} when memory was
     *         refused or the capacity reached)
     */
    int reservePrefix(final int offset, final int length)
    {
        final int want = Math.min(length, capacity - offset);
        if (want <= 0)
        {
            return 0;
        }
        final int start = head + offset;
        final int last = (start + want - 1) >>> SHIFT;
        for (int c = start >>> SHIFT; c <= last; c++)
        {
            final int s = slot(c);
            if (chunks[s] == null)
            {
                final byte[] chunk = memory.take();
                if (chunk == null)
                {
                    return Math.max(0, (c << SHIFT) - start);
                }
                chunks[s] = chunk;
                held++;
            }
        }
        return want;
    }

    /** Whether the byte at {@code offset} lies in a chunk the ring holds already (writing it takes no memory). */
    boolean holdsChunkAt(final int offset)
    {
        return offset < capacity && chunks[slot((head + offset) >>> SHIFT)] != null;
    }

    /** Moves the head forward by {@code n} bytes (they are consumed or acknowledged), giving back passed chunks. */
    void skip(final int n)
    {
        head += n;
        while (head >= SIZE)
        {
            final byte[] chunk = chunks[first];
            if (chunk != null)
            {
                chunks[first] = null;
                held--;
                memory.give(chunk);
            }
            first = first + 1 == chunks.length ? 0 : first + 1;
            head -= SIZE;
        }
    }

    /** Gives every chunk back; for when the owner knows nothing is held (or nothing is wanted any more). */
    void clear()
    {
        if (held > 0)
        {
            for (int i = 0; i < chunks.length; i++)
            {
                final byte[] chunk = chunks[i];
                if (chunk != null)
                {
                    chunks[i] = null;
                    memory.give(chunk);
                }
            }
            held = 0;
        }
        first = 0;
        head = 0;
    }

    /** Gives back the chunks that hold nothing before {@code offset}: data beyond it is discarded. */
    void trimAfter(final int offset)
    {
        for (int c = (head + offset + MASK) >>> SHIFT; c < chunks.length; c++)
        {
            final int s = slot(c);
            final byte[] chunk = chunks[s];
            if (chunk != null)
            {
                chunks[s] = null;
                held--;
                memory.give(chunk);
            }
        }
    }

    /** Copies {@code length} bytes from {@code src} at its absolute {@code srcIndex} to {@code offset} (reserved). */
    void write(final int offset, final ByteBuffer src, final int srcIndex, final int length)
    {
        int at = head + offset;
        int from = srcIndex;
        int left = length;
        while (left > 0)
        {
            final int within = at & MASK;
            final int n = Math.min(left, SIZE - within);
            src.get(from, chunks[slot(at >>> SHIFT)], within, n);
            at += n;
            from += n;
            left -= n;
        }
    }

    /**
     * Copies {@code length} bytes of a chained frame, from {@code frameOffset} on, to {@code offset} (reserved): a
     * super-segment's payload goes from the link's buffers straight into the ring.
     */
    void write(final int offset, final FrameChain src, final int frameOffset, final int length)
    {
        int at = head + offset;
        int from = frameOffset;
        int left = length;
        while (left > 0)
        {
            final int within = at & MASK;
            final int n = Math.min(left, SIZE - within);
            src.copyOut(from, chunks[slot(at >>> SHIFT)], within, n);
            at += n;
            from += n;
            left -= n;
        }
    }

    /** Copies {@code length} bytes from {@code src}'s position (advancing it) to {@code offset} (reserved). */
    void writeFrom(final int offset, final ByteBuffer src, final int length)
    {
        int at = head + offset;
        int left = length;
        while (left > 0)
        {
            final int within = at & MASK;
            final int n = Math.min(left, SIZE - within);
            src.get(chunks[slot(at >>> SHIFT)], within, n);
            at += n;
            left -= n;
        }
    }

    /** Copies {@code length} bytes from {@code offset} into {@code dst} at its absolute {@code dstIndex}. */
    void read(final int offset, final ByteBuffer dst, final int dstIndex, final int length)
    {
        int at = head + offset;
        int to = dstIndex;
        int left = length;
        while (left > 0)
        {
            final int within = at & MASK;
            final int n = Math.min(left, SIZE - within);
            dst.put(to, chunks[slot(at >>> SHIFT)], within, n);
            at += n;
            to += n;
            left -= n;
        }
    }

    /**
     * Describes {@code length} bytes from {@code offset} as slices of the chunks that hold them, appended to
     * {@code chain} (a super-segment's payload, sent from where it lies: see {@link BufferChain}). The bytes must
     * stay put until the chain is emptied, which it is within the caller's send.
     */
    void slices(final int offset, final int length, final BufferChain chain)
    {
        int at = head + offset;
        int left = length;
        while (left > 0)
        {
            final int within = at & MASK;
            final int n = Math.min(left, SIZE - within);
            chain.addSlice(chunks[slot(at >>> SHIFT)], within, n);
            at += n;
            left -= n;
        }
    }

    /** Copies {@code length} bytes from the head into {@code dst}'s position (advancing it) and consumes them. */
    void readInto(final ByteBuffer dst, final int length)
    {
        int at = head;
        int left = length;
        while (left > 0)
        {
            final int within = at & MASK;
            final int n = Math.min(left, SIZE - within);
            dst.put(chunks[slot(at >>> SHIFT)], within, n);
            at += n;
            left -= n;
        }
        skip(length);
    }
}
