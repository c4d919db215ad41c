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
 * This JVM's thread wakeups and preemptions, from Linux's own accounting: {@code voluntary_ctxt_switches} and
 * {@code nonvoluntary_ctxt_switches} of every thread in {@code /proc/self/task/TID/status} (proc(5)). A voluntary
 * switch is a thread that blocked (a park, a futex, a poll(2)) and so, once woken, one wakeup paid; a non-voluntary
 * one is a thread preempted. Taken before and after a measured run, the difference divided by the messages says
 * how many wakeups each message cost, whatever the threads waited in: the figure the UDP echo measurement prints
 * and the benchmarks' {@code WakeupProfiler} reports. {@link #since} counts the threads alive at both samples only,
 * so that a thread that ended between them (a benchmark's server, at its trial's end) neither takes its counts away
 * nor adds them. Reads files: never on a measured path.
 */
public final class ThreadSwitches
{
    /** Linux truncates a thread's name to 15 characters in {@code comm}: "jbypass-poller-" is exactly that. */
    public static final String POLLERS = "jbypass-poller-";

    private static final Path TASKS = Path.of("/proc/self/task");

    /** Voluntary switches of every thread. */
    public final long voluntary;
    /** Non-voluntary switches (preemptions) of every thread. */
    public final long preempted;
    /** Voluntary switches of the threads whose names start with the prefix sampled for. */
    public final long voluntaryOfPrefix;

    /** Per thread id: {voluntary, preempted, voluntary if named with the prefix}. */
    private final Map<String, long[]> threads;

    private ThreadSwitches(final long voluntary, final long preempted, final long voluntaryOfPrefix,
        final Map<String, long[]> threads)
    {
        this.voluntary = voluntary;
        this.preempted = preempted;
        this.voluntaryOfPrefix = voluntaryOfPrefix;
        this.threads = threads;
    }

    /** The counts from {@code before} to this sample, of the threads alive at both. */
    public ThreadSwitches since(final ThreadSwitches before)
    {
        long v = 0;
        long p = 0;
        long vp = 0;
        for (final Map.Entry<String, long[]> thread : threads.entrySet())
        {
            final long[] then = before.threads.get(thread.getKey());
            if (then != null)
            {
                v += thread.getValue()[0] - then[0];
                p += thread.getValue()[1] - then[1];
                vp += thread.getValue()[2] - then[2];
            }
        }
        return new ThreadSwitches(v, p, vp, Map.of());
    }

    /** The counts now, with {@link #voluntaryOfPrefix} for threads named {@code prefix...} (as {@code comm}). */
    public static ThreadSwitches sample(final String prefix)
    {
        long voluntary = 0;
        long preempted = 0;
        long ofPrefix = 0;
        final Map<String, long[]> threads = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS))
        {
            for (final Path task : tasks)
            {
                try
                {
                    final String comm = Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII).trim();
                    final long[] counts = new long[3];
                    for (final String line : Files.readAllLines(task.resolve("status"), StandardCharsets.US_ASCII))
                    {
                        if (line.startsWith("voluntary_ctxt_switches:"))
                        {
                            counts[0] = value(line);
                            counts[2] = comm.startsWith(prefix) ? counts[0] : 0;
                        }
                        else if (line.startsWith("nonvoluntary_ctxt_switches:"))
                        {
                            counts[1] = value(line);
                        }
                    }
                    voluntary += counts[0];
                    preempted += counts[1];
                    ofPrefix += counts[2];
                    threads.put(task.getFileName().toString(), counts);
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
        return new ThreadSwitches(voluntary, preempted, ofPrefix, threads);
    }

    private static long value(final String line)
    {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
    }
}
