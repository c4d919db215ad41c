package org.jbypass.benchmarks;

import java.util.Collection;
import java.util.List;

import org.jbypass.provider.testing.ThreadSwitches;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that counts the benchmark JVM's thread wakeups per operation, from Linux's own accounting
 * ({@link ThreadSwitches}): a voluntary context switch is a thread that blocked (a park, a futex, a poll(2)) and so,
 * once woken, one wakeup paid; a non-voluntary one is a thread preempted, which on a machine with fewer cores than
 * busy threads is what spinning costs. Run it as
 * {@code scripts/bench-jmh.sh nio -prof org.jbypass.benchmarks.WakeupProfiler}; it counts the same way for the
 * stack's and the kernel's backends, so their figures compare.
 *
 * <ul>
 *   <li>{@code wakeups.norm}: voluntary switches per operation, every thread of the JVM;</li>
 *   <li>{@code wakeups.poller.norm}: the same, the stack's pollers alone ({@code jbypass-poller-*});</li>
 *   <li>{@code preemptions.norm}: non-voluntary switches per operation, every thread.</li>
 * </ul>
 * The counts are read before and after each iteration only, outside the measurement, and only threads alive at
 * both count (the last iteration's second reading comes after the trial's teardown ended the server's thread).
 */
public final class WakeupProfiler implements InternalProfiler
{
    private ThreadSwitches before;

    @Override
    public String getDescription()
    {
        return "thread wakeups (voluntary context switches) and preemptions per operation, from /proc/self/task";
    }

    @Override
    public void beforeIteration(final BenchmarkParams benchmarkParams, final IterationParams iterationParams)
    {
        before = ThreadSwitches.sample(ThreadSwitches.POLLERS);
    }

    @Override
    public Collection<? extends Result> afterIteration(final BenchmarkParams benchmarkParams,
        final IterationParams iterationParams, final IterationResult result)
    {
        final ThreadSwitches after = ThreadSwitches.sample(ThreadSwitches.POLLERS).since(before);
        final long ops = result.getMetadata().getAllOps();
        if (ops <= 0 || before == null)
        {
            return List.of();
        }
        return List.of(norm("wakeups.norm", after.voluntary, ops),
            norm("wakeups.poller.norm", after.voluntaryOfPrefix, ops),
            norm("preemptions.norm", after.preempted, ops));
    }

    private static Result norm(final String name, final long count, final long ops)
    {
        return new ScalarResult(name, (double)count / ops, "#/op", AggregationPolicy.AVG);
    }
}
