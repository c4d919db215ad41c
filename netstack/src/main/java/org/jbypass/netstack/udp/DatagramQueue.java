package org.jbypass.netstack.udp;

import java.nio.ByteBuffer;

/**
 * A UDP socket's receive queue: datagrams with their source, copied into a byte ring whose size is the socket's
 * receive buffer. A datagram that does not fit is refused whole (the caller counts the drop), so the queue's
 * memory is bounded by the buffer size and a slow reader never holds packet buffers the driver needs.
 *
 * <p>Each record is a 12-byte header (length, source address, source port) followed by the payload; records wrap
 * around the end of the ring.
 */
final class DatagramQueue
{
    static final int RECORD_HEADER = 12;

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
        final int needed = RECORD_HEADER + length;
        if (needed > ring.length - used)
        {
            return false;
        }
        int tail = (head + used) % ring.length;
        tail = putInt(tail, length);
        tail = putInt(tail, sourceAddress);
        tail = putInt(tail, sourcePort);
        final int first = Math.min(length, ring.length - tail);
        memory.get(offset, ring, tail, first);
        memory.get(offset + first, ring, 0, length - first);
        used += needed;
        count++;
        return true;
    }

    /** The length of the first datagram's payload; the queue must not be empty. */
    int peekLength()
    {
        return getInt(head);
    }

    int peekSourceAddress()
    {
        return getInt((head + 4) % ring.length);
    }

    int peekSourcePort()
    {
        return getInt((head + 8) % ring.length);
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
        final int start = (head + RECORD_HEADER) % ring.length;
        final int copy = Math.min(length, dst.remaining());
        final int first = Math.min(copy, ring.length - start);
        dst.put(ring, start, first);
        dst.put(ring, 0, copy - first);
        head = (start + length) % ring.length;
        used -= RECORD_HEADER + length;
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

    private int putInt(int at, final int value)
    {
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            ring[at] = (byte)(value >>> shift);
            at = at + 1 == ring.length ? 0 : at + 1;
        }
        return at;
    }

    private int getInt(int at)
    {
        int value = 0;
        for (int i = 0; i < 4; i++)
        {
            value = (value << 8) | (ring[at] & 0xFF);
            at = at + 1 == ring.length ? 0 : at + 1;
        }
        return value;
    }
}
