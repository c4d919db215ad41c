package org.jbypass.netstack.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class DatagramQueueTest
{
    /** What one offer put in, to compare with what the queue gives back. */
    private record Sent(byte[] payload, boolean v6, int address, long hi, long lo, int port)
    {
    }

    @Test
    void shouldReturnEveryDatagramAndSourceIntactWhereverItsRecordWraps()
    {
        final SplittableRandom random = new SplittableRandom(768);
        // Small rings, so that headers and payloads cross the end at every offset.
        for (final int capacity : new int[] {29, 64, 97, 200})
        {
            final DatagramQueue queue = new DatagramQueue(capacity);
            final ArrayDeque<Sent> expected = new ArrayDeque<>();
            final ByteBuffer memory = ByteBuffer.allocateDirect(256);
            final ByteBuffer out = ByteBuffer.allocate(256);
            for (int step = 0; step < 20_000; step++)
            {
                if (random.nextBoolean())
                {
                    final int length = random.nextInt(capacity);
                    final byte[] payload = new byte[length];
                    random.nextBytes(payload);
                    memory.put(7, payload);
                    final boolean v6 = random.nextBoolean();
                    final Sent sent = new Sent(payload, v6, random.nextInt(), random.nextLong(), random.nextLong(),
                        random.nextInt(65536));
                    final boolean fits = (v6 ? DatagramQueue.RECORD_HEADER6 : DatagramQueue.RECORD_HEADER) + length
                        <= capacity - queue.used();
                    final boolean taken = v6 ? queue.offer6(memory, 7, length, sent.hi, sent.lo, sent.port)
                        : queue.offer(memory, 7, length, sent.address, sent.port);
                    assertEquals(fits, taken);
                    if (taken)
                    {
                        expected.add(sent);
                    }
                }
                else if (!expected.isEmpty())
                {
                    final Sent sent = expected.poll();
                    assertEquals(sent.payload.length, queue.peekLength());
                    assertEquals(sent.v6, queue.peekSourceIs6());
                    assertEquals(sent.port, queue.peekSourcePort());
                    if (sent.v6)
                    {
                        assertEquals(sent.hi, queue.peekSourceHi());
                        assertEquals(sent.lo, queue.peekSourceLo());
                    }
                    else
                    {
                        assertEquals(sent.address, queue.peekSourceAddress());
                    }
                    assertEquals(sent.payload.length, queue.poll(out.clear()));
                    assertEquals(ByteBuffer.wrap(sent.payload), out.flip());
                }
                assertEquals(expected.size(), queue.count());
            }
        }
    }
}
