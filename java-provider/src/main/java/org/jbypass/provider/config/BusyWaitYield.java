package org.jbypass.provider.config;

import java.util.Locale;

/**
 * Whether threads that busy-wait on the stack ({@code poller.busy-wait-ns}, selections over stack keys) give their
 * core away between looks ({@code poller.busy-wait-yield}): {@link Thread#yield()} (sched_yield(2)) instead of
 * {@link Thread#onSpinWait()}.
 *
 * <p>Why: a spinning thread holds its core for its whole budget. Where the machine has a core for it and one for
 * each thread it converses with, that is what makes it fast. Where it has not (this project's 2-core VM: the
 * spinning echo thread, the client and the kernel's receive path for it, the poller, the JIT), the threads it waits
 * for wait behind it in its core's run queue, and Linux's scheduler preempts a thread that has run its time only at
 * its slice's end: the spinner then delays the very message it waits for. A yielding spinner lets any runnable
 * thread of its core run at once, and costs one system call per look (well under a microsecond) when none waits.
 */
public enum BusyWaitYield
{
    /**
     * Yield while the machine has fewer cores ({@link Runtime#availableProcessors()}, which honours the process's
     * CPU affinity and container quota) than the threads of this JVM spinning now plus {@link #PEERS}.
     */
    AUTO,
    /** Always yield between looks. */
    TRUE,
    /** Never yield: spin with {@link Thread#onSpinWait()}, for cores set aside for the spinning threads. */
    FALSE;

    /** The key. */
    public static final String KEY = "poller.busy-wait-yield";
    /**
     * The cores a spinner leaves to others under {@link #AUTO}: one for the thread or kernel path at the other end
     * of its conversation, one for everything else (the pollers, the JIT and GC, the kernel's own work).
     */
    public static final int PEERS = 2;

    /** The key's value for this setting. */
    public String configName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The setting a value names, or null. */
    static BusyWaitYield parse(final String text)
    {
        for (final BusyWaitYield y : values())
        {
            if (y.configName().equals(text.trim().toLowerCase(Locale.ROOT)))
            {
                return y;
            }
        }
        return null;
    }
}
