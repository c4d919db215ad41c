package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;

/**
 * A circular byte array addressed by offset from its head: the storage of a socket's send and receive buffers.
 * The ring does not track how much it holds; its owner does, in sequence space (RFC 9293 section 3.3.1), and
 * addresses bytes by their distance from the sequence number that sits at the head. Copies use the
 * {@link ByteBuffer} bulk methods, which allocate nothing.
 */
final class ByteRing
{
    private byte[] data;
    private int head;

    ByteRing(final byte[] data)
    {
        this.data = data;
    }

    int capacity()
    {
        return data.length;
    }

    byte[] array()
    {
        return data;
    }

    private int index(final int offset)
    {
        final int i = head + offset;
        return i >= data.length ? i - data.length : i;
    }

    /** Moves the head forward by {@code n} bytes (they are consumed or acknowledged). */
    void skip(final int n)
    {
        head = index(n);
    }

    /** Copies {@code length} bytes from {@code src} at its absolute {@code srcIndex} to {@code offset}. */
    void write(final int offset, final ByteBuffer src, final int srcIndex, final int length)
    {
        final int at = index(offset);
        final int first = Math.min(length, data.length - at);
        src.get(srcIndex, data, at, first);
        if (first < length)
        {
            src.get(srcIndex + first, data, 0, length - first);
        }
    }

    /** Copies {@code length} bytes from {@code src}'s position (advancing it) to {@code offset}. */
    void writeFrom(final int offset, final ByteBuffer src, final int length)
    {
        final int at = index(offset);
        final int first = Math.min(length, data.length - at);
        src.get(data, at, first);
        if (first < length)
        {
            src.get(data, 0, length - first);
        }
    }

    /** Copies {@code length} bytes from {@code offset} into {@code dst} at its absolute {@code dstIndex}. */
    void read(final int offset, final ByteBuffer dst, final int dstIndex, final int length)
    {
        final int at = index(offset);
        final int first = Math.min(length, data.length - at);
        dst.put(dstIndex, data, at, first);
        if (first < length)
        {
            dst.put(dstIndex + first, data, 0, length - first);
        }
    }

    /** Copies {@code length} bytes from the head into {@code dst}'s position (advancing it) and consumes them. */
    void readInto(final ByteBuffer dst, final int length)
    {
        final int at = head;
        final int first = Math.min(length, data.length - at);
        dst.put(data, at, first);
        if (first < length)
        {
            dst.put(data, 0, length - first);
        }
        skip(length);
    }

    /**
     * Replaces the storage with {@code bigger}, keeping the {@code used} bytes at the head in order.
     *
     * @return the old array, for recycling
     */
    byte[] grow(final byte[] bigger, final int used)
    {
        final byte[] old = data;
        final int first = Math.min(used, old.length - head);
        System.arraycopy(old, head, bigger, 0, first);
        if (first < used)
        {
            System.arraycopy(old, 0, bigger, first, used - first);
        }
        data = bigger;
        head = 0;
        return old;
    }

    /** Swaps in a fresh array with nothing in it; returns the old one. */
    byte[] reset(final byte[] fresh)
    {
        final byte[] old = data;
        data = fresh;
        head = 0;
        return old;
    }
}
