package org.jbypass.netstack.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PacketPoolTest
{
    @Test
    void shouldHoldEveryBufferWhateverTheSizeInPages()
    {
        // Sizes that are not whole pages: alignedSlice trims the end to a page, which once left such pools short.
        for (final int capacity : new int[] {1, 3, 5, 7, 63})
        {
            for (final int bufferSize : new int[] {128, 2048, 2112, 9024})
            {
                final PacketPool pool = new PacketPool(capacity, bufferSize);
                assertEquals((long)capacity * bufferSize, pool.memory().capacity(), capacity + " x " + bufferSize);
                final int last = pool.offset(capacity - 1) + bufferSize - 1;
                pool.memory().put(last, (byte)1);
                assertEquals(1, pool.memory().get(last));
            }
        }
    }

    @Test
    void shouldCatchADoubleFreeAndCountFailures()
    {
        final PacketPool pool = new PacketPool(2, 128);
        final int a = pool.allocate();
        final int b = pool.allocate();
        assertNotEquals(a, b);
        assertEquals(PacketPool.NO_BUFFER, pool.allocate());
        assertEquals(1, pool.allocationFailures());
        pool.free(a);
        assertThrows(IllegalStateException.class, () -> pool.free(a));
        assertThrows(IllegalStateException.class, () -> pool.free(7));
        pool.free(b);
        assertEquals(0, pool.inUse());
    }
}
