package org.jbypass.provider.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What Linux's scheduler did with some of this JVM's threads, those whose names start with a prefix: their CPU time,
 * their time runnable but waiting for a CPU (the run queue: {@code /proc/self/task/TID/schedstat}, fields 1 and 2,
 * in nanoseconds), their voluntary switches (wakeups) and their preemptions ({@code status}). The run-queue wait is
 * what shows threads taking each other's CPU: a spinning thread on a machine with too few cores makes the threads
 * it waits for wait there. Taken before and after a run, over the threads alive at both readings ({@link #since}).
 * Reads files: never on a measured path.
 */
public final class ThreadSchedule
{
    private static final Path TASKS = Path.of("/proc/self/task");

    /** Nanoseconds on a CPU. */
    public final long runNanos;
    /** Nanoseconds runnable, waiting for a CPU. */
    public final long waitNanos;
    /** Voluntary switches: each a wakeup paid. */
    public final long voluntary;
    /** Non-voluntary switches: preemptions. */
    public final long preempted;
    /** The threads counted. */
    public final int threads;

    /** Per thread id: {run, wait, voluntary, preempted}. */
    private final Map<String, long[]> perThread;

    private ThreadSchedule(final long runNanos, final long waitNanos, final long voluntary, final long preempted,
        final int threads, final Map<String, long[]> perThread)
    {
        this.runNanos = runNanos;
        this.waitNanos = waitNanos;
        this.voluntary = voluntary;
        this.preempted = preempted;
        this.threads = threads;
        this.perThread = perThread;
    }

    /** The threads named {@code prefix...} (as {@code comm}, 15 characters at most) now. */
    public static ThreadSchedule sample(final String prefix)
    {
        final Map<String, long[]> found = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS))
        {
            for (final Path task : tasks)
            {
                try
                {
                    final String comm = Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII).trim();
                    if (!comm.startsWith(prefix))
                    {
                        continue;
                    }
                    final String[] sched = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII)
                        .trim().split(" ");
                    final long[] counts = {Long.parseLong(sched[0]), Long.parseLong(sched[1]), 0, 0};
                    for (final String line : Files.readAllLines(task.resolve("status"), StandardCharsets.US_ASCII))
                    {
                        if (line.startsWith("voluntary_ctxt_switches:"))
                        {
                            counts[2] = value(line);
                        }
                        else if (line.startsWith("nonvoluntary_ctxt_switches:"))
                        {
                            counts[3] = value(line);
                        }
                    }
                    found.put(task.getFileName().toString(), counts);
                }
                catch (final IOException e)
                {
                    // The thread ended while we looked: its counts are gone either way.
                }
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot read " + TASKS + " (Linux only)", e);
        }
        return new ThreadSchedule(0, 0, 0, 0, found.size(), found);
    }

    /** The counts from {@code before} to this sample, of the threads alive at both. */
    public ThreadSchedule since(final ThreadSchedule before)
    {
        final long[] sum = new long[4];
        int n = 0;
        for (final Map.Entry<String, long[]> thread : perThread.entrySet())
        {
            final long[] then = before.perThread.get(thread.getKey());
            if (then != null)
            {
                n++;
                for (int i = 0; i < sum.length; i++)
                {
                    sum[i] += thread.getValue()[i] - then[i];
                }
            }
        }
        return new ThreadSchedule(sum[0], sum[1], sum[2], sum[3], n, Map.of());
    }

    private static long value(final String line)
    {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
    }
}
