package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Three threads polling one ring: two receivers of the busy stack, each blocked on its own socket and driving the
 * stack while it waits, and the stack's poller, racing for the lock. The second receiver's thread first sends, from
 * the peer stack over the wire, a datagram to each (two actors, so that the test runs on two CPUs). Whoever takes a
 * frame from the ring, the receiver it is for must get it (within five seconds, far beyond the millisecond of
 * spinning: after that it parks and must be signalled).
 * Result: (datagrams the first receiver got, datagrams the second got).
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "each receiver got its datagram")
@Outcome(id = ".*", expect = FORBIDDEN, desc = "a datagram was lost or a receiver missed its wakeup")
@State
public class BusyWaitTwoPollersTest
{
    private final TwoReceivers receivers = new TwoReceivers(BusyFixture.BUSY, BusyFixture.BUSY_ADDRESS,
        BusyFixture.PEER, BusyFixture.PEER_ADDRESS);

    @Actor
    public void receiveFirst(final II_Result r)
    {
        r.r1 = receivers.receiveFirst();
    }

    @Actor
    public void sendThenReceiveSecond(final II_Result r)
    {
        r.r2 = receivers.sendThenReceiveSecond();
    }

    @Arbiter
    public void close()
    {
        receivers.close();
    }
}
