package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;

/**
 * A receiver waiting on its interface's ring (engine.RingWait) against a writer of the same stack: the writer's flush
 * delivers the datagram into the receiver's queue inside the stack, without a frame on the ring, so the receiver's
 * listener must end the ring's wait ({@code Link.wakeup}) on the writer's thread; a receiver that had not yet
 * reached the wait sees the change count, or the wakeup that the link keeps until the next wait. Either way the
 * receiver must get it.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the datagram reached the receiver on the ring")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: the receiver waits on the ring with a datagram queued")
@State
public class RingWaitLocalDeliveryTest
{
    private final LocalDelivery delivery = new LocalDelivery(
        BusyFixture.datagram(RingFixture.RING, RingFixture.RING_ADDRESS),
        BusyFixture.datagram(RingFixture.RING, RingFixture.RING_ADDRESS));

    @Actor
    public void receive()
    {
        delivery.receive();
    }

    @Signal
    public void send()
    {
        delivery.send();
    }
}
