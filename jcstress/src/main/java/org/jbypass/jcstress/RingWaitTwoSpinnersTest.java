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
 * Two busy-waiting readers of one interface's ring (engine.RingWait with {@code poller.busy-wait-ns}): the first to
 * find the ring free holds it, spinning on it and then waiting on it, and polls it for every socket; the other does
 * not touch the ring, spins on its own socket's changes and parks once its budget ends (or claims the ring if the
 * holder let go); the poller naps beside the holder. The second reader's thread first sends, from the peer stack
 * over the wire, a datagram to each (two actors, so that the test runs on two CPUs). Whoever holds the ring, each
 * reader must get its datagram within five seconds: the holder's polls bump the other's change count (it spins) or
 * signal it (it parked), and a frame that comes while nobody holds the ring waits at most the poller's lease.
 * Result: (datagrams the first reader got, datagrams the second got).
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "each reader got its datagram")
@Outcome(id = ".*", expect = FORBIDDEN, desc = "a datagram was lost or a reader missed its change")
@State
public class RingWaitTwoSpinnersTest
{
    private final TwoReceivers receivers = new TwoReceivers(RingFixture.SPIN, RingFixture.SPIN_ADDRESS,
        RingFixture.SPIN_PEER, RingFixture.SPIN_PEER_ADDRESS);

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
