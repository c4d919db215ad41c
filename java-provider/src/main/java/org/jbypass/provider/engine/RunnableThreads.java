package org.jbypass.provider.engine;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

/**
 * How many threads of the whole machine are runnable (running or waiting for a CPU), as Linux counts them in the
 * fourth field of {@code /proc/loadavg} ({@code nr_running()}, "3/249": 3 runnable of 249), sampled at most once per
 * {@value #PERIOD_NANOS} ns by whichever busy-waiting thread asks first, for {@code poller.busy-wait-yield = auto}
 * ({@link #machine()}).
 *
 * <p>Why: whether a spinner's core is better given away depends on who else wants a core, and for spinners that
 * converse with one another inside this JVM the answer is the machine's: on an idle machine nobody (so they keep
 * their cores, and the scheduler keeps them on two), on a loaded one the other processes' threads, behind which a
 * spinner that keeps its core makes its peer wait for a whole time slice.
 *
 * <p>The handoff: one thread at a time samples, the one whose compare-and-set took {@link #sampling}, and only if
 * the sample is still due once it holds it; it alone touches the reader (so the file needs no lock of its own) and
 * publishes the count through a volatile write. Others, and the sampler's rivals meanwhile, read the last
 * published count, -1 before the first. jcstress/RunnableSampleTest: without the second look, a rival that looked
 * before the sampler moved the next sample on and took the flag after it let go sampled again (11 of 112 samples).
 * Public for that test.
 *
 * <p>Allocates nothing once the file is open: it stays open and is read again from its start into a buffer of its
 * own (procfs makes the content afresh on each read from offset 0). Where it cannot be read (not Linux), the count
 * is unknown (-1) for good.
 */
public final class RunnableThreads
{
    /** How often the count is read: a system call every 10 ms at most, shared by every spinning thread. */
    public static final long PERIOD_NANOS = 10_000_000;

    private static final RunnableThreads MACHINE = new RunnableThreads(new Loadavg(), System.nanoTime());

    /** Taken by the one thread that samples; the others read the last count. */
    private final AtomicBoolean sampling = new AtomicBoolean();
    /** Read by the sampler only. */
    private final IntSupplier reader;
    private volatile long nextSample;
    private volatile int count = -1;

    /**
     * @param reader     what reads the count (-1: unknown), called by one thread at a time
     * @param firstAfter when the first sample may be taken, on the nanoTime scale
     */
    public RunnableThreads(final IntSupplier reader, final long firstAfter)
    {
        this.reader = reader;
        this.nextSample = firstAfter;
    }

    /** The machine's sampler, shared by every spinning thread of the JVM. */
    static RunnableThreads machine()
    {
        return MACHINE;
    }

    /**
     * The machine's runnable threads, as last sampled (at most {@value #PERIOD_NANOS} ns before {@code now}), or -1
     * when unknown; samples first when the period has passed and no other thread is sampling.
     *
     * @param now the time on the nanoTime scale
     */
    public int count(final long now)
    {
        if (now - nextSample >= 0 && sampling.compareAndSet(false, true))
        {
            try
            {
                // Again with the flag taken: a rival that sampled between this thread's first look and its
                // compare-and-set has moved the next sample on (its write came before its release of the flag).
                if (now - nextSample >= 0)
                {
                    nextSample = now + PERIOD_NANOS;
                    count = reader.getAsInt();
                }
            }
            finally
            {
                sampling.set(false);
            }
        }
        return count;
    }

    /** Reads {@code /proc/loadavg}; called by one thread at a time (the sampler). */
    private static final class Loadavg implements IntSupplier
    {
        private static final String FILE = "/proc/loadavg";

        private final byte[] buffer = new byte[128];
        private RandomAccessFile file;
        private boolean unavailable;

        @Override
        public int getAsInt()
        {
            if (unavailable)
            {
                return -1;
            }
            try
            {
                if (file == null)
                {
                    file = new RandomAccessFile(FILE, "r");
                }
                file.seek(0);
                final int n = file.read(buffer, 0, buffer.length);
                final int runnable = parse(buffer, Math.max(n, 0));
                unavailable = runnable < 0;
                return runnable;
            }
            catch (final IOException | SecurityException e)
            {
                unavailable = true;
                return -1;
            }
        }
    }

    /**
     * The runnable count of a {@code /proc/loadavg} line ("0.52 0.58 0.59 3/249 12345"): the number before the
     * slash of the fourth field; -1 if the line has no such field.
     */
    static int parse(final byte[] line, final int length)
    {
        int i = 0;
        for (int field = 0; field < 3; field++)
        {
            while (i < length && line[i] != ' ')
            {
                i++;
            }
            while (i < length && line[i] == ' ')
            {
                i++;
            }
        }
        int count = 0;
        int digits = 0;
        while (i < length && line[i] >= '0' && line[i] <= '9' && digits < 9)
        {
            count = count * 10 + line[i] - '0';
            digits++;
            i++;
        }
        return digits > 0 && i < length && line[i] == '/' ? count : -1;
    }
}
