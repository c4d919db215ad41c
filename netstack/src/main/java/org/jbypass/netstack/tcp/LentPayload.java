package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;

/**
 * In-order payload that a connection keeps in the link's own packet buffers instead of copying it into its receive
 * ring: the buffers of an in-order super-segment's chain, lent by the burst ({@code FrameChain.lend}), each with the
 * sequence number of its first byte. A reader copies from them straight into its buffer, so a received byte is
 * copied once by the stack where it was copied twice (into the ring, then out of it), as Linux's receive queue
 * holds the received skbs and tcp_recvmsg() copies from them.
 *
 * <p>The sequence space stays the ring's: the ring addresses every byte from the read point, and the lent ranges
 * are holes in it that take no chunk (the ring allocates chunks only where bytes are written). The receive window
 * is computed as before, from sequence numbers, so lent bytes count against it as copied ones do.
 *
 * <p>Bounded twice: at most {@link #CAPACITY} buffers per connection, and a segment's buffers are lent only while
 * the pool keeps half its buffers free (the rest are for receiving, reassembly and sending); otherwise the payload
 * is copied into the ring as before. Created on the first super-segment a connection lends (connections that never
 * receive bulk data hold none), never per packet. Single-threaded: under the stack's lock, as the socket.
 */
final class LentPayload
{
    /** Buffers one connection may hold: 1 MiB of 2 KiB buffers. */
    static final int CAPACITY = 512;

    private final PacketPool pool;
    private final ByteBuffer memory;
    private final int[] buffers = new int[CAPACITY];
    /** Where each range's next unread byte is in the pool's memory, how many are left, and their sequence number. */
    private final int[] offsets = new int[CAPACITY];
    private final int[] lengths = new int[CAPACITY];
    private final int[] seqs = new int[CAPACITY];
    private int head;
    private int count;
    /** Its place in the layer's registry (TcpLayer.newLentPayload). */
    int index;

    LentPayload(final PacketPool pool, final int index)
    {
        this.pool = pool;
        this.memory = pool.memory();
        this.index = index;
    }

    /** The pool the buffers come from (and go back to). */
    PacketPool pool()
    {
        return pool;
    }

    boolean isEmpty()
    {
        return count == 0;
    }

    /** Buffers held now. */
    int count()
    {
        return count;
    }

    /** Whether {@code n} more buffers fit. */
    boolean hasRoom(final int n)
    {
        return count + n <= CAPACITY;
    }

    /**
     * Appends a buffer whose {@code length} bytes from {@code offset} of the pool's memory are the sequence numbers
     * from {@code seq} on; ranges are appended in sequence order.
     */
    void add(final int buffer, final int offset, final int length, final int seq)
    {
        if (count == CAPACITY || length <= 0)
        {
            throw new IllegalStateException(count + " lent buffers, a range of " + length);
        }
        final int i = slot(count);
        buffers[i] = buffer;
        offsets[i] = offset;
        lengths[i] = length;
        seqs[i] = seq;
        count++;
    }

    /** The sequence number of the first unread lent byte (only when not empty). */
    int firstSeq()
    {
        return seqs[head];
    }

    /**
     * Copies up to {@code max} bytes of the first range into {@code dst}'s position (advancing it) and consumes them,
     * giving its buffer back once it is read.
     *
     * @return the bytes copied: the first range's or {@code max}, whichever is fewer
     */
    int readInto(final ByteBuffer dst, final int max)
    {
        final int n = Math.min(max, lengths[head]);
        dst.put(dst.position(), memory, offsets[head], n);
        dst.position(dst.position() + n);
        consume(n);
        return n;
    }

    /** Discards up to {@code max} bytes of the first range; returns how many. */
    int skip(final int max)
    {
        final int n = Math.min(max, lengths[head]);
        consume(n);
        return n;
    }

    private void consume(final int n)
    {
        lengths[head] -= n;
        offsets[head] += n;
        seqs[head] += n;
        if (lengths[head] == 0)
        {
            pool.free(buffers[head]);
            head = head + 1 == CAPACITY ? 0 : head + 1;
            count--;
        }
    }

    /** Gives every buffer back (the connection's data is gone: closed, reset, or discarded). */
    void clear()
    {
        while (count > 0)
        {
            pool.free(buffers[head]);
            head = head + 1 == CAPACITY ? 0 : head + 1;
            count--;
        }
        head = 0;
    }

    private int slot(final int index)
    {
        final int s = head + index;
        return s >= CAPACITY ? s - CAPACITY : s;
    }
}
