package org.jbypass.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.List;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports the CPU time the benchmark's own threads spent per operation ({@code cpu.norm}, ns/op):
 * the time those threads ran, from the JVM's per-thread CPU clock, whatever the wall clock did meanwhile. On a
 * machine shared with other busy processes a thread waits for a core for much of an iteration, and JMH's
 * {@code avgt} (wall time per operation) counts that wait; the CPU time per operation of a single-threaded
 * benchmark does not, so it is the figure to compare there (it still rises with the cache misses that the other
 * processes cause). Run it as {@code scripts/bench-jmh.sh stack -prof org.jbypass.benchmarks.CpuTimeProfiler}.
 *
 * <p>The benchmark's threads are JMH's workers ({@code *-jmh-worker-*}); their CPU clocks are read before and after
 * each iteration, outside the measurement, and only threads alive at both readings count. The iteration's set-up and
 * tear-down at {@code Level.Iteration} run on those threads too and are included: keep them short against the
 * iteration.
 */
public final class CpuTimeProfiler implements InternalProfiler
{
    private static final String WORKER = "-jmh-worker-";

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private long[] ids = new long[0];
    private long[] before = new long[0];

    @Override
    public String getDescription()
    {
        return "CPU time of the benchmark's worker threads per operation (ns/op), from the JVM's thread CPU clocks";
    }

    @Override
    public void beforeIteration(final BenchmarkParams benchmarkParams, final IterationParams iterationParams)
    {
        final long[] all = threads.getAllThreadIds();
        final ThreadInfo[] infos = threads.getThreadInfo(all);
        int n = 0;
        final long[] workers = new long[all.length];
        for (int i = 0; i < all.length; i++)
        {
            if (infos[i] != null && infos[i].getThreadName().contains(WORKER))
            {
                workers[n++] = all[i];
            }
        }
        ids = java.util.Arrays.copyOf(workers, n);
        before = new long[n];
        for (int i = 0; i < n; i++)
        {
            before[i] = threads.getThreadCpuTime(ids[i]);
        }
    }

    @Override
    public Collection<? extends Result> afterIteration(final BenchmarkParams benchmarkParams,
        final IterationParams iterationParams, final IterationResult result)
    {
        final long ops = result.getMetadata().getAllOps();
        long cpu = 0;
        int counted = 0;
        for (int i = 0; i < ids.length; i++)
        {
            final long now = threads.getThreadCpuTime(ids[i]);
            if (now >= 0 && before[i] >= 0)
            {
                cpu += now - before[i];
                counted++;
            }
        }
        if (ops <= 0 || counted == 0)
        {
            return List.of();
        }
        return List.of(new ScalarResult("cpu.norm", (double)cpu / ops, "ns/op", AggregationPolicy.AVG));
    }
}
