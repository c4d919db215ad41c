package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.junit.jupiter.api.Test;

/**
 * The poller's lease beside a reader that holds the ring ({@link RingWait}, "The lease"): it doubles after each nap
 * that ends with the reader on the ring, up to its cap, and falls back when the poller takes the ring over or a
 * second reader finds the ring held (that reader parks, relying on the holder's polls and the poller's).
 */
class RingWaitLeaseTest
{
    @Test
    void shouldGrowTheLeaseWhileTheReaderKeepsTheRingAndShrinkItWhenAnotherWantsIt()
    {
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port port = wire.attach(new PacketPool(16, 2048), 0x020000000002L);
        final RingWait ring = new RingWait(port);
        assertEquals(RingWait.LEASE_NANOS, ring.lease());

        assertTrue(ring.claim(), "a reader takes the free ring");
        assertTrue(ring.heldByReader());
        assertFalse(ring.pollerClaim(), "the poller leaves the ring to the reader");
        long expected = RingWait.LEASE_NANOS;
        for (int nap = 0; nap < 6; nap++)
        {
            ring.leaseHeld();
            expected = Math.min(RingWait.MAX_LEASE_NANOS, expected * 2);
            assertEquals(expected, ring.lease(), "after nap " + nap);
        }
        assertEquals(RingWait.MAX_LEASE_NANOS, ring.lease(), "capped");

        assertFalse(ring.claim(), "a second reader finds the ring held");
        assertEquals(RingWait.LEASE_NANOS, ring.lease(), "a reader without the ring brings the lease back");

        ring.leaseHeld();
        assertEquals(2 * RingWait.LEASE_NANOS, ring.lease());
        ring.release();
        assertFalse(ring.heldByReader());
        assertFalse(ring.pollerClaim(), "the poller's first look after the readers' demand leaves the ring alone");
        assertTrue(ring.pollerClaim(), "no demand since: the poller takes the ring over");
        assertEquals(RingWait.LEASE_NANOS, ring.lease(), "taking the ring over ends the lease's growth");
        ring.pollerDone();
        port.close();
    }
}
