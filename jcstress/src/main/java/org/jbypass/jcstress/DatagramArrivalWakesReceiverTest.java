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
 * The stack's listener waking a blocked reader: a thread blocks in {@code receive}; another sends it a datagram
 * through the stack, whose delivery (on the sender's thread, under the stack lock) signals the receiver's
 * condition. The receiver must always get it.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the datagram woke the receiver")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: the receiver slept with a datagram queued")
@State
public class DatagramArrivalWakesReceiverTest
{
    private final LocalDelivery delivery = new LocalDelivery(StackFixture.datagram(), StackFixture.datagram());

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
