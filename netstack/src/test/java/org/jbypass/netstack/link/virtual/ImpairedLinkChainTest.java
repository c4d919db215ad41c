package org.jbypass.netstack.link.virtual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.testing.ChannelLink;
import org.junit.jupiter.api.Test;

/**
 * {@link ImpairedLink} on a link that delivers chained frames (super-frames): a chain is lost, duplicated and
 * corrupted as a whole, never split, never cut at the end of a burst, and every buffer comes back.
 */
class ImpairedLinkChainTest
{
    private static final int FRAMES = 600;

    @Test
    void shouldImpairChainsAsWholeFrames()
    {
        final PacketPool pool = new PacketPool(4096, 2048);
        final ChannelLink channel = new ChannelLink(pool, 0x020000000001L, 1500);
        channel.chains(true);
        final List<byte[]> sent = new ArrayList<>();
        final SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < FRAMES; i++)
        {
            final int length = i % 3 == 0 ? 2049 + random.nextInt(40_000) : 60 + random.nextInt(1441);
            final byte[] frame = new byte[length];
            for (int j = 0; j < length; j++)
            {
                frame[j] = (byte)random.nextInt(256);
            }
            frame[12] = 0x08; // IPv4, so that corruption applies (within the datagram)
            frame[13] = 0x00;
            frame[14] = 0x45;
            ByteBuffer.wrap(frame).putShort(16, (short)Math.min(length - 14, 65535));
            ByteBuffer.wrap(frame).putInt(18, i); // the IPv4 identification and flags carry the sequence
            sent.add(frame);
            channel.inject(frame, PacketBurst.RX_L4_CHECKSUM_OK);
        }
        final ImpairedLink link = new ImpairedLink(channel, ImpairedLink.config().loss(0.05).duplicate(0.05)
            .corrupt(0.05).reorder(0.05).seed(99).direction(ImpairedLink.Direction.RECEIVE));
        final PacketBurst burst = new PacketBurst(64);
        final FrameChain chain = new FrameChain();
        int received = 0;
        int corrupted = 0;
        int chains = 0;
        for (int call = 0; call < 2000; call++)
        {
            assertTrue(burst.arm(pool));
            final int n = link.receive(0, burst);
            for (int i = 0; i < n; )
            {
                assertTrue(chain.wrap(pool, burst, i), "a whole chain at slot " + i + " of " + n);
                final byte[] frame = new byte[chain.length()];
                chain.copyOut(0, ByteBuffer.wrap(frame), 0, frame.length);
                final int sequence = ByteBuffer.wrap(frame).getInt(18);
                if (sequence >= 0 && sequence < FRAMES && Arrays.equals(sent.get(sequence), frame))
                {
                    received++;
                }
                else
                {
                    // Damaged: a bit flipped within the first buffer's datagram bytes, the checksum flags gone.
                    assertEquals(0, chain.flags() & PacketBurst.RX_L4_CHECKSUM_OK, "a damaged frame keeps no flag");
                    corrupted++;
                }
                if (chain.descriptors() > 1)
                {
                    chains++;
                }
                i += chain.descriptors();
            }
            burst.count(0);
        }
        final ImpairedLink.Counters counters = link.rxImpairments();
        assertEquals(FRAMES, counters.frames);
        assertEquals(FRAMES / 3, counters.chains);
        assertTrue(counters.lost > 0 && counters.duplicated > 0 && counters.corrupted > 0 && counters.reordered > 0,
            counters.describe());
        assertEquals(counters.corrupted, corrupted, counters.describe());
        assertEquals(FRAMES - counters.lost + counters.duplicated - counters.corrupted, received, counters.describe());
        assertTrue(chains > FRAMES / 4, "chains delivered: " + chains);
        burst.releaseAll(pool);
        link.close();
        assertEquals(0, pool.inUse());
    }
}
