package org.jbypass.provider.engine;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How many threads of the whole machine are runnable (running or waiting for a CPU), as Linux counts them in the
 * fourth field of {@code /proc/loadavg} ({@code nr_running()}, "3/249": 3 runnable of 249), sampled at most once per
 * {@value #PERIOD_NANOS} ns by whichever busy-waiting thread asks first, for {@code poller.busy-wait-yield = auto}.
 *
 * <p>Why: whether a spinner's core is better given away depends on who else wants a core, and for spinners that
 * converse with one another inside this JVM the answer is the machine's: on an idle machine nobody (so they keep
 * their cores, and the scheduler keeps them on two), on a loaded one the other processes' threads, behind which a
 * spinner that keeps its core makes its peer wait for a whole time slice.
 *
 * <p>Allocates nothing: the file stays open and is read again from its start into a buffer of its own (procfs makes
 * the content afresh on each read from offset 0). Where it cannot be read (not Linux), the count is unknown (-1).
 */
final class RunnableThreads
{
    /** How often the count is read: a system call every 10 ms at most, shared by every spinning thread. */
    static final long PERIOD_NANOS = 10_000_000;
    private static final String FILE = "/proc/loadavg";

    /** Taken by the one thread that samples; the others read the last count. */
    private static final AtomicBoolean SAMPLING = new AtomicBoolean();
    private static final byte[] BUFFER = new byte[128];
    private static volatile long nextSample = System.nanoTime();
    private static volatile int runnable = -1;
    private static boolean unavailable;
    private static RandomAccessFile file;

    private RunnableThreads()
    {
    }

    /**
     * The machine's runnable threads, as last sampled (at most {@value #PERIOD_NANOS} ns ago), or -1 when unknown.
     *
     * @param now the time on the nanoTime scale
     */
    static int count(final long now)
    {
        if (now - nextSample >= 0 && SAMPLING.compareAndSet(false, true))
        {
            try
            {
                nextSample = now + PERIOD_NANOS;
                if (!unavailable)
                {
                    runnable = read();
                }
            }
            finally
            {
                SAMPLING.set(false);
            }
        }
        return runnable;
    }

    /** With {@link #SAMPLING} held: reads the file again; -1, and never again, if it cannot. */
    private static int read()
    {
        try
        {
            if (file == null)
            {
                file = new RandomAccessFile(FILE, "r");
            }
            file.seek(0);
            final int n = file.read(BUFFER, 0, BUFFER.length);
            final int count = parse(BUFFER, Math.max(n, 0));
            if (count < 0)
            {
                unavailable = true;
            }
            return count;
        }
        catch (final IOException | SecurityException e)
        {
            unavailable = true;
            return -1;
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
