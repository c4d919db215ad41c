package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;

import org.jbypass.provider.driver.KickGate;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Two threads each put a frame in a transmit ring and then kick it, as an application operation and a poller do
 * after releasing the stack lock ({@link KickGate}). A kick sends every frame in the ring at that moment. Whoever
 * kicks, and however the kicks interleave, both frames must have been sent when both threads are done: a kicker
 * that finds the other at work leaves its frame to it. Result: the frames sent.
 */
@JCStressTest
@Outcome(id = "2", expect = ACCEPTABLE, desc = "both frames sent")
@Outcome(id = "1", expect = FORBIDDEN, desc = "a frame left in the ring with no kick to come")
@Outcome(id = "0", expect = FORBIDDEN, desc = "no frame sent")
@State
public class KickGateTest
{
    private final KickGate gate = new KickGate();
    /** Frames put in the ring. */
    private final AtomicInteger ring = new AtomicInteger();
    /** Frames the kicks sent: a kick takes every frame the ring holds. */
    private final AtomicInteger sent = new AtomicInteger();

    private void putAndKick()
    {
        ring.incrementAndGet();
        gate.pending();
        while (gate.tryBegin())
        {
            try
            {
                sent.set(ring.get());
            }
            finally
            {
                gate.end();
            }
        }
    }

    @Actor
    public void application()
    {
        putAndKick();
    }

    @Actor
    public void poller()
    {
        putAndKick();
    }

    @Arbiter
    public void arbiter(final I_Result r)
    {
        r.r1 = sent.get();
    }
}
