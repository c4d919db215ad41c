package org.jbypass.netstack.udp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.jbypass.netstack.link.FrameChain;

/**
 * A UDP socket's receive queue: datagrams with their source, copied into a byte ring whose size is the socket's
 * receive buffer. A datagram that does not fit is refused whole (the caller counts the drop), so the queue's
 * memory is bounded by the buffer size and a slow reader never holds packet buffers the driver needs.
 *
 * <p>Each record is a 12-byte header (length, source address, source port) followed by the payload; records wrap
 * around the end of the ring. A datagram from an IPv6 source has the port word's top bit set and its source's
 * sixteen bytes after the header ({@link #RECORD_HEADER6} in all), so IPv4 records keep their size.
 */
final class DatagramQueue
{
    static final int RECORD_HEADER = 12;
    /** The header of a record from an IPv6 source: the IPv4 one and the address's two halves. */
    static final int RECORD_HEADER6 = RECORD_HEADER + 16;
    private static final int V6_FLAG = 0x8000_0000;
    /** Big-endian ints in the ring, for the words of a record header that does not wrap (most of them). */
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private byte[] ring;
    private int head;
    private int used;
    private int count;

    DatagramQueue(final int capacity)
    {
        this.ring = new byte[capacity];
    }

    int capacity()
    {
        return ring.length;
    }

    /** The number of datagrams queued. */
    int count()
    {
        return count;
    }

    boolean isEmpty()
    {
        return count == 0;
    }

    /** The bytes used, headers included. */
    int used()
    {
        return used;
    }

    /** Resizes the ring; keeps what is queued when it fits, and otherwise refuses the change. */
    boolean resize(final int capacity)
    {
        if (capacity == ring.length)
        {
            return true;
        }
        if (used > capacity)
        {
            return false;
        }
        final byte[] next = new byte[capacity];
        final int first = Math.min(used, ring.length - head);
        System.arraycopy(ring, head, next, 0, first);
        System.arraycopy(ring, 0, next, first, used - first);
        ring = next;
        head = 0;
        return true;
    }

    /**
     * Appends a datagram whose payload lies in {@code memory} at {@code offset}.
     *
     * @return false when it does not fit
     */
    boolean offer(final ByteBuffer memory, final int offset, final int length, final int sourceAddress,
        final int sourcePort)
    {
        final int tail = append(length, sourceAddress, sourcePort, false, 0, 0);
        if (tail < 0)
        {
            return false;
        }
        final int first = Math.min(length, ring.length - tail);
        memory.get(offset, ring, tail, first);
        memory.get(offset + first, ring, 0, length - first);
        return true;
    }

    /** {@link #offer} of a datagram whose payload lies in a chain of buffers from {@code frameOffset} on. */
    boolean offer(final FrameChain chain, final int frameOffset, final int length, final int sourceAddress,
        final int sourcePort)
    {
        final int tail = append(length, sourceAddress, sourcePort, false, 0, 0);
        if (tail < 0)
        {
            return false;
        }
        copyIn(chain, frameOffset, tail, length);
        return true;
    }

    /** {@link #offer} of a datagram from an IPv6 source. */
    boolean offer6(final ByteBuffer memory, final int offset, final int length, final long sourceHi,
        final long sourceLo, final int sourcePort)
    {
        final int tail = append(length, 0, sourcePort, true, sourceHi, sourceLo);
        if (tail < 0)
        {
            return false;
        }
        final int first = Math.min(length, ring.length - tail);
        memory.get(offset, ring, tail, first);
        memory.get(offset + first, ring, 0, length - first);
        return true;
    }

    /** {@link #offer6} of a datagram whose payload lies in a chain of buffers from {@code frameOffset} on. */
    boolean offer6(final FrameChain chain, final int frameOffset, final int length, final long sourceHi,
        final long sourceLo, final int sourcePort)
    {
        final int tail = append(length, 0, sourcePort, true, sourceHi, sourceLo);
        if (tail < 0)
        {
            return false;
        }
        copyIn(chain, frameOffset, tail, length);
        return true;
    }

    /**
     * Writes a record's header and takes its room, when the record fits.
     *
     * @return where its payload goes, or -1 when it does not fit
     */
    private int append(final int length, final int sourceAddress, final int sourcePort, final boolean v6,
        final long sourceHi, final long sourceLo)
    {
        final int needed = (v6 ? RECORD_HEADER6 : RECORD_HEADER) + length;
        if (needed > ring.length - used)
        {
            return -1;
        }
        int tail = wrap(head + used);
        tail = putInt(tail, length);
        tail = putInt(tail, sourceAddress);
        tail = putInt(tail, v6 ? sourcePort | V6_FLAG : sourcePort);
        if (v6)
        {
            tail = putInt(tail, (int)(sourceHi >>> 32));
            tail = putInt(tail, (int)sourceHi);
            tail = putInt(tail, (int)(sourceLo >>> 32));
            tail = putInt(tail, (int)sourceLo);
        }
        used += needed;
        count++;
        return tail;
    }

    private void copyIn(final FrameChain chain, final int frameOffset, final int tail, final int length)
    {
        final int first = Math.min(length, ring.length - tail);
        chain.copyOut(frameOffset, ring, tail, first);
        chain.copyOut(frameOffset + first, ring, 0, length - first);
    }

    /** Whether the first datagram came from an IPv6 source ({@link #peekSourceHi}, {@link #peekSourceLo}). */
    boolean peekSourceIs6()
    {
        return (getInt(wrap(head + 8)) & V6_FLAG) != 0;
    }

    long peekSourceHi()
    {
        return ((long)getInt(wrap(head + 12)) << 32) | (getInt(wrap(head + 16)) & 0xFFFFFFFFL);
    }

    long peekSourceLo()
    {
        return ((long)getInt(wrap(head + 20)) << 32) | (getInt(wrap(head + 24)) & 0xFFFFFFFFL);
    }

    /** The length of the first datagram's payload; the queue must not be empty. */
    int peekLength()
    {
        return getInt(head);
    }

    int peekSourceAddress()
    {
        return getInt(wrap(head + 4));
    }

    int peekSourcePort()
    {
        return getInt(wrap(head + 8)) & ~V6_FLAG;
    }

    /**
     * Removes the first datagram, copying as much of its payload as fits into {@code dst}; the rest is discarded,
     * as recv(2) discards what a datagram's receiver has no room for.
     *
     * @return the bytes copied
     */
    int poll(final ByteBuffer dst)
    {
        final int length = peekLength();
        final int header = peekSourceIs6() ? RECORD_HEADER6 : RECORD_HEADER;
        final int start = wrap(head + header);
        final int copy = Math.min(length, dst.remaining());
        final int first = Math.min(copy, ring.length - start);
        dst.put(ring, start, first);
        dst.put(ring, 0, copy - first);
        head = wrap(start + length);
        used -= header + length;
        count--;
        if (used == 0)
        {
            head = 0;
        }
        return copy;
    }

    /** Drops everything queued. */
    void clear()
    {
        head = 0;
        used = 0;
        count = 0;
    }

    /**
     * A position past the end of the ring brought back into it: every position the queue computes is below twice
     * the ring's length (a position in the ring plus a length that fits in it), so one subtraction does what a
     * remainder would, without a division per word.
     */
    private int wrap(final int position)
    {
        return position >= ring.length ? position - ring.length : position;
    }

    private int putInt(int at, final int value)
    {
        if (at <= ring.length - 4)
        {
            INT_BE.set(ring, at, value);
            return wrap(at + 4);
        }
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            ring[at] = (byte)(value >>> shift);
            at = at + 1 == ring.length ? 0 : at + 1;
        }
        return at;
    }

    private int getInt(int at)
    {
        if (at <= ring.length - 4)
        {
            return (int)INT_BE.get(ring, at);
        }
        int value = 0;
        for (int i = 0; i < 4; i++)
        {
            value = (value << 8) | (ring[at] & 0xFF);
            at = at + 1 == ring.length ? 0 : at + 1;
        }
        return value;
    }
}
