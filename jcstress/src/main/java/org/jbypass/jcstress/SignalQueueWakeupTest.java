package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.jbypass.provider.select.SignalQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The hybrid selector's handoff with the stack's listener: a selecting thread arms the queue, drains it and would
 * then block; a listener thread queues a key and wakes the selector if the queue tells it to. The selector must
 * either find the key in its drain or be woken: never neither (a lost wakeup: the select would sleep with a ready
 * key). Result: (keys the selector drained, wakeups the listener sent).
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the drain found the key; no wakeup needed")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the key came after the drain, and the selector was woken")
@Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING, desc = "both: a spurious wakeup, harmless")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wakeup")
@State
public class SignalQueueWakeupTest
{
    private final SignalQueue<Object> queue = new SignalQueue<>();
    private final SignalQueue.Node<Object> node = new SignalQueue.Node<>("key");

    @Actor
    public void selector(final II_Result r)
    {
        queue.arm();
        r.r1 = queue.drain(item -> { });
    }

    @Actor
    public void listener(final II_Result r)
    {
        r.r2 = queue.offer(node, true) ? 1 : 0;
    }
}
