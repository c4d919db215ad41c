package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.PacketBurst;

/**
 * The pool buffers of one frame a transport builds longer than a buffer (a TCP super-segment for segmentation
 * offload), in order: the first holds the headers from its first byte on, each holds bytes from its first byte for
 * its length, and the frame is their concatenation, as a chain of burst descriptors says it ("Chained frames" in
 * {@link PacketBurst}). A transport fills one instance, reused for every frame, and hands it to
 * {@link Ipv4Output#sendChain} or {@link Ipv6Output#sendChain}, which takes the buffers and empties it.
 *
 * <p>The payload after the buffers may instead be described where it already lies, as <em>slices</em> of heap arrays
 * (a TCP send buffer's chunks): the frame is then the buffers' bytes followed by the slices', and the interface
 * either hands the slices to a link that copies them in its transmit call ({@link Link#transmitGather}: the one
 * copy, into the kernel's skb, where the stack used to copy them into pool buffers first) or copies them into pool
 * buffers itself ({@link #copySlices}). The arrays are referenced only until the chain is emptied.
 */
public final class BufferChain
{
    private final int[] buffers;
    private final int[] lengths;
    private int count;
    private final byte[][] sliceArrays;
    private final int[] sliceOffsets;
    private final int[] sliceLengths;
    private int slices;

    /** A chain of at most {@code capacity} buffers, without slices. */
    public BufferChain(final int capacity)
    {
        this(capacity, 0);
    }

    /** A chain of at most {@code capacity} buffers followed by at most {@code sliceCapacity} slices. */
    public BufferChain(final int capacity, final int sliceCapacity)
    {
        buffers = new int[capacity];
        lengths = new int[capacity];
        sliceArrays = new byte[sliceCapacity][];
        sliceOffsets = new int[sliceCapacity];
        sliceLengths = new int[sliceCapacity];
    }

    /** The most buffers a chain may hold. */
    public int capacity()
    {
        return buffers.length;
    }

    /** The buffers it holds. */
    public int count()
    {
        return count;
    }

    /** The {@code i}th buffer. */
    public int buffer(final int i)
    {
        return buffers[i];
    }

    /** The bytes the {@code i}th buffer holds, from its first. */
    public int length(final int i)
    {
        return lengths[i];
    }

    /** Appends a buffer holding {@code length} bytes. */
    public void add(final int buffer, final int length)
    {
        buffers[count] = buffer;
        lengths[count] = length;
        count++;
    }

    /** Sets the length of the {@code i}th buffer. */
    public void length(final int i, final int length)
    {
        lengths[i] = length;
    }

    /** The most slices the chain may hold. */
    public int sliceCapacity()
    {
        return sliceArrays.length;
    }

    /** Appends {@code length} bytes of {@code array} from {@code offset}, after the buffers and earlier slices. */
    public void addSlice(final byte[] array, final int offset, final int length)
    {
        sliceArrays[slices] = array;
        sliceOffsets[slices] = offset;
        sliceLengths[slices] = length;
        slices++;
    }

    /** The slices it holds (0 for a chain of buffers only). */
    public int slices()
    {
        return slices;
    }

    /** The slices' arrays, the first {@link #slices()} of them in order (the chain's own storage: read only). */
    public byte[][] sliceArrays()
    {
        return sliceArrays;
    }

    /** The slices' offsets in their arrays (the chain's own storage: read only). */
    public int[] sliceOffsets()
    {
        return sliceOffsets;
    }

    /** The slices' lengths (the chain's own storage: read only). */
    public int[] sliceLengths()
    {
        return sliceLengths;
    }

    /** The bytes the slices hold. */
    public int sliceBytes()
    {
        int total = 0;
        for (int i = 0; i < slices; i++)
        {
            total += sliceLengths[i];
        }
        return total;
    }

    /** The frame's length: the sum of the buffers' lengths and the slices'. */
    public int frameLength()
    {
        int total = 0;
        for (int i = 0; i < count; i++)
        {
            total += lengths[i];
        }
        return total + sliceBytes();
    }

    /** Gives every buffer back to {@code pool} and empties the chain. */
    public void free(final PacketPool pool)
    {
        for (int i = 0; i < count; i++)
        {
            pool.free(buffers[i]);
        }
        clear();
    }

    /** Empties the chain without touching its buffers (their ownership moved on). */
    public void clear()
    {
        count = 0;
        clearSlices();
    }

    /**
     * Copies the slices into pool buffers appended to the chain, each filled before the next is taken, and forgets
     * them: the chain is then one of buffers only (the copy a gathering link saves). Allocates nothing on the heap.
     *
     * @return false when the pool or the chain's capacity ran out (the buffers taken are in the chain, for the caller
     *         to free with {@link #free})
     */
    public boolean copySlices(final PacketPool pool)
    {
        final ByteBuffer memory = pool.memory();
        final int bufferSize = pool.bufferSize();
        int buffer = PacketPool.NO_BUFFER;
        int filled = bufferSize;
        for (int i = 0; i < slices; i++)
        {
            int from = sliceOffsets[i];
            int left = sliceLengths[i];
            while (left > 0)
            {
                if (filled == bufferSize)
                {
                    if (count == buffers.length)
                    {
                        return false;
                    }
                    buffer = pool.allocate();
                    if (buffer == PacketPool.NO_BUFFER)
                    {
                        return false;
                    }
                    add(buffer, 0);
                    filled = 0;
                }
                final int n = Math.min(left, bufferSize - filled);
                memory.put(pool.offset(buffer) + filled, sliceArrays[i], from, n);
                filled += n;
                lengths[count - 1] = filled;
                from += n;
                left -= n;
            }
        }
        clearSlices();
        return true;
    }

    /** Forgets the slices (their bytes were sent or copied), keeping the buffers. */
    public void clearSlices()
    {
        for (int i = 0; i < slices; i++)
        {
            sliceArrays[i] = null;
        }
        slices = 0;
    }
}
