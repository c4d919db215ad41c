package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * A receiver that drives the stack while it waits, against a writer of the same stack: the writer's flush delivers
 * the datagram into the receiver's queue inside the stack and bumps the receiver's change count (no signal while it
 * spins); or, once its millisecond is over, signals its condition. Either way the receiver must get it: neither the
 * count read without the lock nor the move from spinning to parking may lose the change.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the datagram reached the spinning or parked receiver")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: the receiver waits with a datagram queued")
@State
public class BusyWaitLocalDeliveryTest
{
    private final LocalDelivery delivery = new LocalDelivery(
        BusyFixture.datagram(BusyFixture.BUSY, BusyFixture.BUSY_ADDRESS),
        BusyFixture.datagram(BusyFixture.BUSY, BusyFixture.BUSY_ADDRESS));

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
