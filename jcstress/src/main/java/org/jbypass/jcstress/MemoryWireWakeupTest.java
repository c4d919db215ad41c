package org.jbypass.jcstress;

import static org.jbypass.jcstress.WireFrames.MAC_A;

import org.jbypass.netstack.link.virtual.MemoryWire;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * The provider's idle poller: it checks for work, finds none, and blocks in {@code awaitReceive} with no timeout;
 * an application thread queues work and calls {@code wakeup()}. Whatever the interleaving (the wakeup before the
 * check, between the check and the block, or during the block), the poller must come back.
 */
@JCStressTest(Mode.Termination)
@Description("MemoryWire: wakeup() is never lost against awaitReceive")
@Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE, desc = "The wakeup brought the poller back.")
@Outcome(id = "STALE", expect = Expect.FORBIDDEN, desc = "A wakeup was lost: the poller blocks for good.")
@State
public class MemoryWireWakeupTest
{
    private final MemoryWire.Port port = WireFrames.wire(2).attach(WireFrames.pool(1), MAC_A);
    private volatile boolean workQueued;

    @Actor
    public void poller()
    {
        while (!workQueued)
        {
            port.awaitReceive(Long.MAX_VALUE);
        }
    }

    @Signal
    public void application()
    {
        workQueued = true;
        port.wakeup();
    }
}
