package org.jbypass.netstack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jbypass.netstack.buffer.PacketPool;
import org.junit.jupiter.api.Test;

/**
 * The transmit contract of {@link Link#transmit} as the drivers apply it ({@link PacketBurst#retainUnaccepted}):
 * refused frames move to the front in order, and no slot keeps naming a buffer the link took.
 */
class PacketBurstTransmitTest
{
    @Test
    void shouldMoveRefusedFramesToTheFrontAndClearTheSlotsTheyLeave()
    {
        final PacketBurst burst = new PacketBurst(8);
        for (int i = 0; i < 5; i++)
        {
            burst.set(i, 100 + i, 60 + i, PacketBurst.TX_L4_CHECKSUM);
        }
        burst.count(5);
        burst.retainUnaccepted(3);
        assertEquals(2, burst.count());
        assertEquals(103, burst.buffer(0));
        assertEquals(63, burst.length(0));
        assertEquals(PacketBurst.TX_L4_CHECKSUM, burst.flags(0));
        assertEquals(104, burst.buffer(1));
        for (int i = 2; i < 5; i++)
        {
            assertEquals(PacketPool.NO_BUFFER, burst.buffer(i), "slot " + i);
        }
    }

    @Test
    void shouldLeaveNothingWhenEveryFrameWasAcceptedAndEverythingWhenNone()
    {
        final PacketBurst burst = new PacketBurst(4);
        burst.set(0, 7, 60, 0);
        burst.set(1, 8, 60, 0);
        burst.count(2);
        burst.retainUnaccepted(0);
        assertEquals(2, burst.count());
        assertEquals(7, burst.buffer(0));
        assertEquals(8, burst.buffer(1));
        burst.retainUnaccepted(2);
        assertEquals(0, burst.count());
        assertEquals(PacketPool.NO_BUFFER, burst.buffer(0));
        assertEquals(PacketPool.NO_BUFFER, burst.buffer(1));
    }
}
