package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.junit.jupiter.api.Test;

/**
 * A reader that wants the ring while the poller idles on it ({@link RingWait#takeFromPoller}): the poller is woken,
 * lets go, and the reader holds the ring. RingWaitTest's receive waited out its timeout in full test runs when its
 * reader came while the server's poller was already blocked on the ring (claim() alone failed, the reader parked
 * without the ring, and that test's poller can deliver nothing).
 */
class RingWaitTakeoverTest
{
    @Test
    void shouldTakeTheRingFromThePollerIdlingOnIt() throws Exception
    {
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port port = wire.attach(new PacketPool(16, 2048), 0x020000000001L);
        final RingWait ring = new RingWait(port);
        assertTrue(ring.pollerClaim(), "the poller may wait on a free ring");
        // The poller's wait, as BlockingIdleStrategy's: let go of the ring as soon as the wait returns.
        final Thread poller = new Thread(() ->
        {
            try
            {
                port.awaitReceive(60_000_000_000L);
            }
            finally
            {
                ring.pollerDone();
            }
        }, "jbypass-poller-test");
        poller.setDaemon(true);
        poller.start();

        assertFalse(ring.claim(), "the poller holds the ring");
        // Within RingWait.TAKE_NANOS (2 ms) if the poller thread runs by then; on a loaded machine it may not, and
        // the reader gives up (in the engine it parks). Either way its wakeup must end the poller's wait, and the
        // ring the poller let go of is then the reader's at once.
        final boolean took = ring.takeFromPoller();
        poller.join(20_000);
        assertFalse(poller.isAlive(), "the poller's wait returned: the reader's wakeup was not lost");
        assertTrue(took || ring.takeFromPoller(), "woken, the poller let go and the reader took the ring");
        assertFalse(ring.pollerClaim(), "the poller's next look leaves the ring to the reader that asked for it");
        assertFalse(ring.takeFromPoller(), "a reader holds the ring: nothing to take");
        ring.release();
        assertTrue(ring.claim(), "released, the ring is free again");
        ring.release();
        assertEquals(0, port.counters().errors);
        port.close();
    }
}
