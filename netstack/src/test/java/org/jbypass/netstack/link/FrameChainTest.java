package org.jbypass.netstack.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.wire.Checksum;
import org.junit.jupiter.api.Test;

/** The chained-frame contract of {@link PacketBurst} and the walks of {@link FrameChain}. */
class FrameChainTest
{
    private static final int BUFFER = 128;

    private final PacketPool pool = new PacketPool(64, BUFFER);
    private final PacketBurst burst = new PacketBurst(32);
    private final FrameChain chain = new FrameChain();

    /** Puts {@code bytes} into a chain of buffers cut at the given lengths; returns the first slot. */
    private int addChain(final byte[] bytes, final int flags, final int... cuts)
    {
        final int first = burst.count();
        int at = 0;
        for (int i = 0; i < cuts.length; i++)
        {
            final int buffer = pool.allocate();
            pool.memory().put(pool.offset(buffer), bytes, at, cuts[i]);
            at += cuts[i];
            final boolean last = i == cuts.length - 1;
            burst.add(buffer, cuts[i], (i == 0 ? flags : 0) | (last ? 0 : PacketBurst.CONTINUES));
        }
        assertEquals(bytes.length, at);
        return first;
    }

    private static byte[] random(final long seed, final int length)
    {
        final byte[] bytes = new byte[length];
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.nextInt(256);
        }
        return bytes;
    }

    @Test
    void shouldSayChainLengthsAndFrameLengths()
    {
        final int a = addChain(random(1, 60), 0, 60);
        final int b = addChain(random(2, 300), PacketBurst.gso(PacketBurst.GSO_TCPV4, 1448), 128, 128, 44);
        final int c = addChain(random(3, 77), 0, 77);
        assertEquals(1, burst.chainLength(a));
        assertEquals(3, burst.chainLength(b));
        assertEquals(1, burst.chainLength(c));
        assertEquals(300, burst.frameLength(b, 3));
        assertTrue(chain.wrap(pool, burst, b));
        assertEquals(3, chain.descriptors());
        assertEquals(300, chain.length());
        assertEquals(PacketBurst.GSO_TCPV4, PacketBurst.gsoType(chain.flags()));
        assertEquals(1448, PacketBurst.gsoSize(chain.flags()));
        burst.releaseFrames(pool);
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldRefuseChainsThatRunPastTheBurst()
    {
        final int a = addChain(random(1, 200), 0, 128, 72);
        burst.flags(a + 1, PacketBurst.CONTINUES);
        assertEquals(0, burst.chainLength(a));
        assertFalse(chain.wrap(pool, burst, a));
        burst.releaseFrames(pool);
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldRefuseDescriptorsOutsideThePoolOrLongerThanABuffer()
    {
        final int a = addChain(random(1, 200), 0, 128, 72);
        final int second = burst.buffer(a + 1);
        burst.buffer(a + 1, pool.capacity());
        assertFalse(chain.wrap(pool, burst, a));
        burst.buffer(a + 1, second);
        burst.length(a + 1, BUFFER + 1);
        assertFalse(chain.wrap(pool, burst, a));
        burst.length(a + 1, 0);
        assertFalse(chain.wrap(pool, burst, a));
        burst.length(a + 1, 72);
        assertTrue(chain.wrap(pool, burst, a));
        burst.releaseFrames(pool);
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldCopyAnyRangeOutOfAChain()
    {
        final byte[] bytes = random(7, 1000);
        final int a = addChain(bytes, 0, 128, 1, 127, 128, 99, 128, 128, 128, 128, 5);
        assertTrue(chain.wrap(pool, burst, a));
        final SplittableRandom random = new SplittableRandom(11);
        final ByteBuffer out = ByteBuffer.allocateDirect(1100);
        for (int round = 0; round < 500; round++)
        {
            final int from = random.nextInt(1000);
            final int count = random.nextInt(1000 - from + 1);
            final int at = random.nextInt(100);
            chain.copyOut(from, out, at, count);
            final byte[] got = new byte[count];
            out.get(at, got);
            final byte[] want = new byte[count];
            System.arraycopy(bytes, from, want, 0, count);
            assertArrayEquals(want, got, "range " + from + "+" + count);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> chain.copyOut(999, out, 0, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> chain.copyOut(-1, out, 0, 1));
        burst.releaseFrames(pool);
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldSumAChainAsIfItWereContiguous()
    {
        final byte[] bytes = random(9, 1000);
        final ByteBuffer flat = ByteBuffer.wrap(bytes);
        // Odd cuts put buffer boundaries at odd offsets of the frame, where the bytes of a piece's sum swap.
        final int a = addChain(bytes, 0, 3, 128, 1, 127, 128, 99, 128, 128, 128, 128, 2);
        assertTrue(chain.wrap(pool, burst, a));
        final SplittableRandom random = new SplittableRandom(13);
        for (int round = 0; round < 500; round++)
        {
            final int from = random.nextInt(1000);
            final int count = random.nextInt(1000 - from + 1);
            final int initial = random.nextInt();
            assertEquals(Checksum.fold(Checksum.sum(flat, from, count, initial)),
                Checksum.fold(chain.sum(from, count, initial)), "range " + from + "+" + count);
        }
        burst.releaseFrames(pool);
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldRefuseChainsLongerThanTheLargestFrame()
    {
        final PacketPool big = new PacketPool(40, 2048);
        final PacketBurst b = new PacketBurst(40);
        for (int i = 0; i < 33; i++)
        {
            b.add(big.allocate(), 2048, i == 32 ? 0 : PacketBurst.CONTINUES);
        }
        assertTrue(2048 * 33 > PacketBurst.MAX_FRAME_LENGTH);
        assertFalse(chain.wrap(big, b, 0));
        b.length(32, PacketBurst.MAX_FRAME_LENGTH - 2048 * 32);
        assertTrue(chain.wrap(big, b, 0));
        assertEquals(PacketBurst.MAX_FRAME_LENGTH, chain.length());
        b.releaseFrames(big);
        assertEquals(0, big.inUse());
    }
}
