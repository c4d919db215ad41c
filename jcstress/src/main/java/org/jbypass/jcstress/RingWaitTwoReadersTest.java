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
 * Two readers of one interface's ring and its poller (engine.RingWait): each reader blocks on its own socket; the
 * first to find the ring free waits on it in the poller's place, the other parks, and the poller naps or blocks on
 * the ring, depending on who got there first. The second reader's thread first sends, from the peer stack over the
 * wire, a datagram to each (two actors, so that the test runs on two CPUs). Whoever takes a frame from the ring, the
 * reader it is for must get it within five seconds: the reader on the ring polls it for every socket and signals
 * the parked one, and a frame that comes while the reader is away waits at most the poller's nap.
 * Result: (datagrams the first reader got, datagrams the second got).
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "each reader got its datagram")
@Outcome(id = ".*", expect = FORBIDDEN, desc = "a datagram was lost or a reader missed its wakeup")
@State
public class RingWaitTwoReadersTest
{
    private final TwoReceivers receivers = new TwoReceivers(RingFixture.RING, RingFixture.RING_ADDRESS,
        RingFixture.PEER, RingFixture.PEER_ADDRESS);

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
