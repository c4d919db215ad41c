package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;

import org.jbypass.provider.engine.RingWait;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A reader that finds the poller idling on the ring wakes it and takes the ring (engine.RingWait.takeFromPoller):
 * the poller, as BlockingIdleStrategy does, claims a free ring, blocks in the link's wait until woken and lets go;
 * the reader claims the ring, or, if the poller holds it, wakes it and takes the ring as it lets go, and keeps it
 * (as a reader spinning or waiting on it would). Each counts itself among the ring's owners while it holds it.
 * No wakeup may be lost (the poller's wait must end by the reader's wakeup, not by its ten-second timeout), and
 * never may both hold the ring. The reader may give up (after RingWait.TAKE_NANOS, when the poller is slow to let
 * go on a loaded machine): it then parks without the ring in the engine, which is correct, only slower.
 * Result: (poller: 0 did not claim the ring, 1 claimed it and was woken, 2 claimed it and its wait timed out;
 * reader: 1 holds the ring, 0 gave up; owners at once at most).
 */
@JCStressTest
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "the reader claimed the ring first; the poller left it alone")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the poller held the ring; woken, it let the reader take it")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE_INTERESTING,
    desc = "the poller was slow to let go and the reader gave up (it parks without the ring)")
@Outcome(id = ".*", expect = FORBIDDEN,
    desc = "the poller's wait missed the reader's wakeup (2, ...), two threads held the ring at once (..., 2)")
@State
public class RingTakeFromPollerTest
{
    private static final long POLLER_WAIT_NANOS = 10_000_000_000L;

    private final WakeLink link = new WakeLink();
    private final RingWait ring = new RingWait(link);
    private final AtomicInteger owners = new AtomicInteger();
    private volatile int mostOwners;

    private void own()
    {
        final int n = owners.incrementAndGet();
        if (n > mostOwners)
        {
            mostOwners = n;
        }
    }

    @Actor
    public void poller(final III_Result r)
    {
        if (!ring.pollerClaim())
        {
            r.r1 = 0;
            return;
        }
        own();
        final boolean woken;
        try
        {
            woken = link.awaitWoken(POLLER_WAIT_NANOS);
        }
        finally
        {
            owners.decrementAndGet();
            ring.pollerDone();
        }
        r.r1 = woken ? 1 : 2;
    }

    @Actor
    public void reader(final III_Result r)
    {
        // Keeps the ring once it has it, as a reader spinning or waiting on it would.
        if (ring.claim() || ring.takeFromPoller())
        {
            own();
            r.r2 = 1;
        }
        else
        {
            r.r2 = 0;
        }
    }

    @Arbiter
    public void owners(final III_Result r)
    {
        r.r3 = mostOwners;
    }
}
