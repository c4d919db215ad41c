package org.jbypass.netstack.link;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.wire.Checksum;

/**
 * A view of one frame of a {@link PacketBurst} as a sequence of bytes, whether it is one buffer or a chain of them
 * (see "Chained frames" in {@link PacketBurst}): its length, and copies and Internet-checksum sums of any range of
 * it, walking the chain's buffers in order. The same view serves a frame that software put together from pieces of
 * pool memory ({@link #wrapPieces}): a super-segment that software GRO coalesced out of several received frames,
 * the first piece from its TCP header on, the others the payloads of the segments that followed.
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
    /** The burst of a wrapped chain, or null for pieces. */
    private PacketBurst burst;
    private int first;
    /** With pieces: where each starts in {@link #memory}, its length, and the frame's flags. */
    private int[] pieceOffsets;
    private int[] pieceLengths;
    private int pieceFlags;
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

    /**
     * Points the view at a frame made of {@code count} pieces of {@code memory}: piece {@code i} is
     * {@code lengths[i]} bytes from {@code offsets[i]} on. The arrays are read, not copied, until the next wrap; the
     * caller (software GRO) checked every piece against the memory it took it from.
     *
     * @param flags the frame's metadata, as a chain's first descriptor carries it
     */
    public void wrapPieces(final ByteBuffer memory, final int[] offsets, final int[] lengths, final int count,
        final int flags)
    {
        this.pool = null;
        this.memory = memory;
        this.burst = null;
        this.pieceOffsets = offsets;
        this.pieceLengths = lengths;
        this.pieceFlags = flags;
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            total += lengths[i];
        }
        if (count < 1 || total > PacketBurst.MAX_FRAME_LENGTH)
        {
            throw new IllegalArgumentException(count + " pieces of " + total + " bytes");
        }
        this.descriptors = count;
        this.length = (int)total;
    }

    /** Where piece {@code i} of the frame starts in the memory. */
    private int pieceStart(final int i)
    {
        return burst != null ? pool.offset(burst.buffer(first + i)) : pieceOffsets[i];
    }

    /** How many bytes piece {@code i} holds. */
    private int pieceLength(final int i)
    {
        return burst != null ? burst.length(first + i) : pieceLengths[i];
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
        return burst != null ? burst.flags(first) & ~PacketBurst.CONTINUES : pieceFlags;
    }

    /** The buffer of the chain's first descriptor, which holds the headers; for a chain wrapped from a burst. */
    public int firstBuffer()
    {
        if (burst == null)
        {
            throw new IllegalStateException("a frame of pieces has no first buffer");
        }
        return burst.buffer(first);
    }

    /** Where the first buffer (or piece), which holds the headers, starts in the pool's memory. */
    public int firstOffset()
    {
        return pieceStart(0);
    }

    /** How many bytes the first buffer (or piece) holds. */
    public int firstLength()
    {
        return pieceLength(0);
    }

    /** The pool of a chain wrapped from a burst (null for pieces). */
    public PacketPool pool()
    {
        return pool;
    }

    /** Whether {@link #lend} may take the chain's buffers: a chain wrapped from a burst (not software GRO's pieces). */
    public boolean lendable()
    {
        return burst != null;
    }

    /** Where piece {@code i} of the frame starts in the pool's memory. */
    public int pieceOffset(final int i)
    {
        return pieceStart(i);
    }

    /** How many bytes piece {@code i} of the frame holds. */
    public int pieceBytes(final int i)
    {
        return pieceLength(i);
    }

    /**
     * Takes the buffer of piece {@code i} (not the first, which holds the headers) out of the burst, putting a free
     * buffer from the pool in its slot, armed for the next receive: a transport keeps the payload where the link put
     * it instead of copying it (see "Lending" in {@link PacketBurst}). The caller owns the buffer returned and frees
     * it to the pool; the view no longer covers that piece, so every read of the frame comes first.
     *
     * @return the buffer taken, or {@link PacketPool#NO_BUFFER} (nothing changed) when the pool has none to put in
     *         its place
     */
    public int lend(final int i)
    {
        if (burst == null || i < 1 || i >= descriptors)
        {
            throw new IllegalStateException("piece " + i + " of " + descriptors + " cannot be lent");
        }
        final int replacement = pool.allocate();
        if (replacement == PacketPool.NO_BUFFER)
        {
            return PacketPool.NO_BUFFER;
        }
        final int slot = first + i;
        final int taken = burst.buffer(slot);
        burst.set(slot, replacement, burst.length(slot), burst.flags(slot));
        return taken;
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
        int piece = 0;
        int skip = frameOffset;
        while (remaining > 0)
        {
            final int bytes = pieceLength(piece);
            if (skip >= bytes)
            {
                skip -= bytes;
                piece++;
                continue;
            }
            final int chunk = Math.min(bytes - skip, remaining);
            to.put(at, memory, pieceStart(piece) + skip, chunk);
            at += chunk;
            remaining -= chunk;
            skip = 0;
            piece++;
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
        int piece = 0;
        int skip = frameOffset;
        while (remaining > 0)
        {
            final int bytes = pieceLength(piece);
            if (skip >= bytes)
            {
                skip -= bytes;
                piece++;
                continue;
            }
            final int chunk = Math.min(bytes - skip, remaining);
            memory.get(pieceStart(piece) + skip, to, at, chunk);
            at += chunk;
            remaining -= chunk;
            skip = 0;
            piece++;
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
        int piece = 0;
        int skip = frameOffset;
        while (remaining > 0)
        {
            final int bytes = pieceLength(piece);
            if (skip >= bytes)
            {
                skip -= bytes;
                piece++;
                continue;
            }
            final int chunk = Math.min(bytes - skip, remaining);
            int sum = fold16(Checksum.sum(memory, pieceStart(piece) + skip, chunk, 0));
            if ((done & 1) != 0)
            {
                sum = ((sum & 0xFF) << 8) | (sum >>> 8);
            }
            total += sum;
            done += chunk;
            remaining -= chunk;
            skip = 0;
            piece++;
        }
        // At most 2^32 + pieces x 0xFFFF (pieces < 2^16): folding twice leaves 17 bits and the third 16, equal modulo
        // 0xFFFF to the contiguous sum.
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
