package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.jbypass.provider.select.SignalQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A readiness change that races the drain of the key it concerns: the listener publishes new readiness and queues
 * the key while the selector drains it and reads the readiness. Either the selector's read sees the new readiness,
 * or the key is queued again for the next drain; never is the change lost. Result: (readiness the drain saw,
 * readiness seen by a final drain in the arbiter, 0 when the key was not queued again).
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the drain saw the change")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the drain missed it, and the key was queued again")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "seen, and queued again: one extra look")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "the change was lost")
@State
public class SignalQueueRequeueTest
{
    private final SignalQueue<Object> queue = new SignalQueue<>();
    private final SignalQueue.Node<Object> node = new SignalQueue.Node<>("key");
    private volatile int readiness;

    public SignalQueueRequeueTest()
    {
        // The key is queued already (by an earlier change) when the race starts.
        queue.offer(node, false);
    }

    @Actor
    public void selector(final II_Result r)
    {
        final int[] seen = new int[1];
        queue.drain(item -> seen[0] = readiness);
        r.r1 = seen[0];
    }

    @Actor
    public void listener()
    {
        readiness = 1;
        queue.offer(node, true);
    }

    @Arbiter
    public void arbiter(final II_Result r)
    {
        final int[] seen = new int[1];
        queue.drain(item -> seen[0] = readiness);
        r.r2 = seen[0];
    }
}
