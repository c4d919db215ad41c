package org.jbypass.netstack.link.virtual;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.PacketBurst;

/** Burst bookkeeping shared by the links of this package: the receive and transmit contracts of {@link Link}. */
final class Bursts
{
    private Bursts()
    {
    }

    /** How many slots, from slot 0, hold a buffer: how many frames a receive may deliver into the burst. */
    static int armedSlots(final PacketBurst burst)
    {
        final int capacity = burst.capacity();
        int slots = 0;
        while (slots < capacity && burst.buffer(slots) != PacketPool.NO_BUFFER)
        {
            slots++;
        }
        return slots;
    }

    /**
     * Ends a transmit that accepted the first {@code accepted} frames: the frames not accepted move to the front of
     * the burst, the slots they leave hold no buffer, and the count becomes the number still with the caller. The
     * accepted slots are cleared rather than left pointing at buffers the caller no longer owns, so that a later
     * {@link PacketBurst#releaseAll} can never free a buffer twice.
     */
    static void removeAccepted(final PacketBurst burst, final int accepted)
    {
        final int count = burst.count();
        move(burst, accepted, count - accepted, 0);
        clear(burst, count - accepted, count);
        burst.count(count - accepted);
    }

    /** Moves {@code length} descriptors from slot {@code from} down to slot {@code to} ({@code to <= from}). */
    static void move(final PacketBurst burst, final int from, final int length, final int to)
    {
        if (from == to)
        {
            return;
        }
        for (int i = 0; i < length; i++)
        {
            final int source = from + i;
            final int hash = burst.hash(source);
            burst.set(to + i, burst.buffer(source), burst.length(source), burst.flags(source));
            burst.hash(to + i, hash);
        }
    }

    /** Sets slots {@code from..to-1} to hold no buffer. */
    static void clear(final PacketBurst burst, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            burst.set(i, PacketPool.NO_BUFFER, 0, 0);
        }
    }
}
