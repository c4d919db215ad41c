package org.jbypass.netstack.tcp;

/**
 * Recycles the byte arrays behind socket buffers, so that opening and closing connections does not churn the heap
 * with arrays of hundreds of kilobytes. Bounded by count and by bytes; arrays are matched by exact size, since most
 * sockets use the default sizes.
 */
final class ByteArrayCache
{
    private final byte[][] arrays;
    private final long maxBytes;
    private int count;
    private long bytes;

    ByteArrayCache(final int maxArrays, final long maxBytes)
    {
        this.arrays = new byte[maxArrays][];
        this.maxBytes = maxBytes;
    }

    /** An array of exactly {@code size} bytes, recycled when one is cached. Its content is unspecified. */
    byte[] take(final int size)
    {
        for (int i = count - 1; i >= 0; i--)
        {
            final byte[] a = arrays[i];
            if (a.length == size)
            {
                arrays[i] = arrays[--count];
                arrays[count] = null;
                bytes -= size;
                return a;
            }
        }
        return new byte[size];
    }

    /** Gives an array back; dropped for the garbage collector when the cache is full. */
    void give(final byte[] array)
    {
        if (array == null || array.length == 0)
        {
            return;
        }
        if (count == arrays.length || bytes + array.length > maxBytes)
        {
            return;
        }
        arrays[count++] = array;
        bytes += array.length;
    }

    int count()
    {
        return count;
    }
}
