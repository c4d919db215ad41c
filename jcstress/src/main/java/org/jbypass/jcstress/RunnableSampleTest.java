package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;

import org.jbypass.provider.engine.RunnableThreads;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two spinners ask the machine's runnable count at once when a sample is due (engine.RunnableThreads, for
 * {@code poller.busy-wait-yield = auto}): exactly one samples (the reader, which is not thread safe, is never
 * entered twice at once, and once only), and each gets the sampled count, or -1 when its rival was sampling and had
 * not published yet; never -1 for both, never a count the reader did not give.
 * Result: (first's count, second's count, the most threads ever inside the reader at once).
 */
@JCStressTest
@Outcome(id = "7, 7, 1", expect = ACCEPTABLE, desc = "one sampled, the other saw its count")
@Outcome(id = {"-1, 7, 1", "7, -1, 1"}, expect = ACCEPTABLE, desc = "one asked while the other was sampling")
@Outcome(id = ".*", expect = FORBIDDEN, desc = "two samplers at once, a sample taken twice, or a lost count")
@State
public class RunnableSampleTest
{
    private static final int COUNT = 7;

    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger most = new AtomicInteger();
    private final AtomicInteger reads = new AtomicInteger();
    private final RunnableThreads sampler = new RunnableThreads(() ->
    {
        final int now = inside.incrementAndGet();
        most.accumulateAndGet(now, Math::max);
        reads.incrementAndGet();
        inside.decrementAndGet();
        return COUNT;
    }, 0);

    @Actor
    public void first(final III_Result r)
    {
        r.r1 = sampler.count(1);
    }

    @Actor
    public void second(final III_Result r)
    {
        r.r2 = sampler.count(1);
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        // Inside the same period a second sample is never taken: more than one read counts as two at once.
        r.r3 = reads.get() == 1 ? most.get() : 1 + reads.get();
    }
}
