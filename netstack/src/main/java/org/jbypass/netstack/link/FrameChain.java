package org.jbypass.netstack.link;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.wire.Checksum;

/**
 * A view of one frame of a {@link PacketBurst} as a sequence of bytes, whether it is one buffer or a chain of them
 * (see "Chained frames" in {@link PacketBurst}): its length, and copies and Internet-checksum sums of any range of
 * it, walking the chain's buffers in order.
 *
 * <p>A flyweight: {@link #wrap} points it at a chain and nothing is allocated, so one instance serves every frame
 * of every burst. Bounds are checked against the chain as wrapped: a range outside the frame is refused with an
 * exception (a caller's bug, never a frame's), and {@link #wrap} refuses a chain that breaks the contract (runs
 * past the burst, names a buffer outside the pool, or a descriptor longer than a buffer) by returning false.
 */
public final class FrameChain
{
    private PacketPool pool;
    private ByteBuffer memory;
    private PacketBurst burst;
    private int first;
    private int descriptors;
    private int length;

    /**
     * Points the view at the chain that starts at {@code slot}.
     *
     * @return false when the chain is malformed (runs past the burst's count, a buffer outside the pool, a
     *         descriptor of 0 bytes or longer than a buffer, a frame longer than {@link PacketBurst#MAX_FRAME_LENGTH});
     *         the view then holds nothing
     */
    public boolean wrap(final PacketPool pool, final PacketBurst burst, final int slot)
    {
        this.pool = pool;
        this.memory = pool.memory();
        this.burst = burst;
        this.first = slot;
        this.descriptors = 0;
        this.length = 0;
        final int n = burst.chainLength(slot);
        if (n == 0)
        {
            return false;
        }
        long total = 0;
        for (int i = slot; i < slot + n; i++)
        {
            final int buffer = burst.buffer(i);
            final int bytes = burst.length(i);
            if (buffer < 0 || buffer >= pool.capacity() || bytes <= 0 || bytes > pool.bufferSize())
            {
                return false;
            }
            total += bytes;
        }
        if (total > PacketBurst.MAX_FRAME_LENGTH)
        {
            return false;
        }
        this.descriptors = n;
        this.length = (int)total;
        return true;
    }

    /** The number of descriptors (and buffers) the frame spans. */
    public int descriptors()
    {
        return descriptors;
    }

    /** The frame's length in bytes: the sum of its descriptors' lengths. */
    public int length()
    {
        return length;
    }

    /** The first descriptor's flags: the frame's metadata (checksum state, segmentation offload). */
    public int flags()
    {
        return burst.flags(first) & ~PacketBurst.CONTINUES;
    }

    /** The buffer of the chain's first descriptor, which holds the headers. */
    public int firstBuffer()
    {
        return burst.buffer(first);
    }

    /** How many bytes the first buffer holds. */
    public int firstLength()
    {
        return burst.length(first);
    }

    /**
     * Copies {@code count} bytes of the frame, from {@code frameOffset} on, to {@code to} at {@code toOffset}
     * (absolute; the destination's position and limit are not used).
     */
    public void copyOut(final int frameOffset, final ByteBuffer to, final int toOffset, final int count)
    {
        checkRange(frameOffset, count);
        int remaining = count;
        int at = toOffset;
        int slot = first;
        int skip = frameOffset;
        while (remaining > 0)
        {
            final int bytes = burst.length(slot);
            if (skip >= bytes)
            {
                skip -= bytes;
                slot++;
                continue;
            }
            final int chunk = Math.min(bytes - skip, remaining);
            to.put(at, memory, pool.offset(burst.buffer(slot)) + skip, chunk);
            at += chunk;
            remaining -= chunk;
            skip = 0;
            slot++;
        }
    }

    /**
     * Copies {@code count} bytes of the frame, from {@code frameOffset} on, into {@code to} at {@code toOffset}: how
     * a transport copies a payload straight out of the chain into a socket's buffer, with no gathering first.
     */
    public void copyOut(final int frameOffset, final byte[] to, final int toOffset, final int count)
    {
        checkRange(frameOffset, count);
        int remaining = count;
        int at = toOffset;
        int slot = first;
        int skip = frameOffset;
        while (remaining > 0)
        {
            final int bytes = burst.length(slot);
            if (skip >= bytes)
            {
                skip -= bytes;
                slot++;
                continue;
            }
            final int chunk = Math.min(bytes - skip, remaining);
            memory.get(pool.offset(burst.buffer(slot)) + skip, to, at, chunk);
            at += chunk;
            remaining -= chunk;
            skip = 0;
            slot++;
        }
    }

    /**
     * Adds {@code count} bytes of the frame, from {@code frameOffset} on, to a running Internet-checksum sum as
     * {@link Checksum#sum} does for contiguous bytes: the result is the same as if the
     * frame were in one buffer. A buffer boundary at an odd offset of the range swaps the bytes of the next piece's
     * sum (RFC 1071 section 2(B): the sum is byte-order independent up to a swap).
     */
    public int sum(final int frameOffset, final int count, final int initial)
    {
        checkRange(frameOffset, count);
        long total = initial & 0xFFFFFFFFL;
        int remaining = count;
        int done = 0;
        int slot = first;
        int skip = frameOffset;
        while (remaining > 0)
        {
            final int bytes = burst.length(slot);
            if (skip >= bytes)
            {
                skip -= bytes;
                slot++;
                continue;
            }
            final int chunk = Math.min(bytes - skip, remaining);
            int piece = fold16(Checksum.sum(memory, pool.offset(burst.buffer(slot)) + skip,
                chunk, 0));
            if ((done & 1) != 0)
            {
                piece = ((piece & 0xFF) << 8) | (piece >>> 8);
            }
            total += piece;
            done += chunk;
            remaining -= chunk;
            skip = 0;
            slot++;
        }
        // At most 2^32 + 34 x 0xFFFF: folding twice leaves 16 bits, equal modulo 0xFFFF to the contiguous sum.
        total = (total & 0xFFFF) + (total >>> 16);
        total = (total & 0xFFFF) + (total >>> 16);
        return (int)((total & 0xFFFF) + (total >>> 16));
    }

    private static int fold16(final int sum)
    {
        long s = sum & 0xFFFFFFFFL;
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        return (int)s;
    }

    private void checkRange(final int frameOffset, final int count)
    {
        if (frameOffset < 0 || count < 0 || frameOffset > length - count)
        {
            throw new IndexOutOfBoundsException("range " + frameOffset + "+" + count + " outside a frame of " + length);
        }
    }
}
