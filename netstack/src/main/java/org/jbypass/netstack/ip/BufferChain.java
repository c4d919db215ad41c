package org.jbypass.netstack.ip;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.PacketBurst;

/**
 * The pool buffers of one frame a transport builds longer than a buffer (a TCP super-segment for segmentation
 * offload), in order: the first holds the headers from its first byte on, each holds bytes from its first byte for
 * its length, and the frame is their concatenation, as a chain of burst descriptors says it ("Chained frames" in
 * {@link PacketBurst}). A transport fills one instance, reused for every frame, and hands it to
 * {@link Ipv4Output#sendChain} or {@link Ipv6Output#sendChain}, which takes the buffers and empties it.
 */
public final class BufferChain
{
    private final int[] buffers;
    private final int[] lengths;
    private int count;

    /** A chain of at most {@code capacity} buffers. */
    public BufferChain(final int capacity)
    {
        buffers = new int[capacity];
        lengths = new int[capacity];
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

    /** The frame's length: the sum of the buffers' lengths. */
    public int frameLength()
    {
        int total = 0;
        for (int i = 0; i < count; i++)
        {
            total += lengths[i];
        }
        return total;
    }

    /** Gives every buffer back to {@code pool} and empties the chain. */
    public void free(final PacketPool pool)
    {
        for (int i = 0; i < count; i++)
        {
            pool.free(buffers[i]);
        }
        count = 0;
    }

    /** Empties the chain without touching its buffers (their ownership moved on). */
    public void clear()
    {
        count = 0;
    }
}
