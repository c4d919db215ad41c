package org.jbypass.netstack.testing;

import java.nio.ByteBuffer;
import java.util.List;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.PacketBurst;

/**
 * Delivers the same frames into every receive, from off-heap copies, allocating nothing: the input of the
 * allocation tests. A frame longer than a buffer comes as a chain of consecutive slots (see {@link PacketBurst}),
 * its flags on the first; a frame whose slots are not all armed waits for the next receive, with the ones after it.
 * What the stack transmits is dropped.
 */
public final class ReplayLink extends AbstractTestLink
{
    private final ByteBuffer[] frames;
    private final int[] flags;

    /** Replays {@code frames}, with no flags. */
    public ReplayLink(final PacketPool pool, final long mac, final List<byte[]> frames)
    {
        this(pool, mac, frames, new int[frames.size()]);
    }

    /** Replays {@code frames}, each with its {@code flags} (the {@code RX_*} bits, a GSO type and size). */
    public ReplayLink(final PacketPool pool, final long mac, final List<byte[]> frames, final int[] flags)
    {
        super("replay", pool, mac, 1500);
        if (flags.length != frames.size())
        {
            throw new IllegalArgumentException(frames.size() + " frames but " + flags.length + " flags");
        }
        this.frames = new ByteBuffer[frames.size()];
        for (int i = 0; i < frames.size(); i++)
        {
            this.frames[i] = ByteBuffer.allocateDirect(frames.get(i).length).put(frames.get(i)).flip();
        }
        this.flags = flags.clone();
    }

    @Override
    public int receive(final int queue, final PacketBurst burst)
    {
        final int size = pool.bufferSize();
        int n = 0;
        for (int f = 0; f < frames.length; f++)
        {
            final ByteBuffer frame = frames[f];
            final int length = frame.limit();
            final int slots = (length + size - 1) / size;
            if (!armed(burst, n, slots))
            {
                break;
            }
            for (int i = 0; i < slots; i++)
            {
                final int bytes = Math.min(size, length - i * size);
                pool.memory().put(pool.offset(burst.buffer(n + i)), frame, i * size, bytes);
                burst.length(n + i, bytes);
                burst.flags(n + i, (i == 0 ? flags[f] : 0) | (i == slots - 1 ? 0 : PacketBurst.CONTINUES));
            }
            n += slots;
        }
        burst.count(n);
        return n;
    }

    private static boolean armed(final PacketBurst burst, final int from, final int slots)
    {
        if (from + slots > burst.capacity())
        {
            return false;
        }
        for (int i = from; i < from + slots; i++)
        {
            if (burst.buffer(i) == PacketPool.NO_BUFFER)
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public int transmit(final int queue, final PacketBurst burst)
    {
        final int count = burst.count();
        burst.releaseFrames(pool);
        return count;
    }
}
