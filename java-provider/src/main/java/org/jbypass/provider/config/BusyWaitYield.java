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
 *
 * <p>Why not always: two threads of one JVM that converse through the stack (local delivery: a client and its
 * server, both busy-waiting) need a core each and nothing else, and yielding is what lets them share one. A yield
 * hands the core straight to a runnable peer on it, so once the two threads have landed on one core they ping-pong
 * there, two context switches per round trip, and neither ever blocks for a wakeup to place it on the idle core:
 * in-JVM request/response with the latency profile fell from about 300,000 to 104,000 round trips per second and
 * stayed there (TCP over IPv6, two runs of four on the quiet VM), UDP went from 466,900 to 150,700 when spinners
 * began to yield, and the benchmark's {@code preemptions.norm} is exactly 2.0 per round trip while they share a
 * core. On a loaded machine the reverse holds: a spinner that keeps its core while its peer waits behind other
 * processes' threads spins out its budget (3,000 round trips per second against 55,000 with yielding, loaded). So
 * {@link #AUTO} asks the machine ({@link #autoYields}).
 */
public enum BusyWaitYield
{
    /**
     * Yield while the machine has fewer cores ({@link Runtime#availableProcessors()}, which honours the process's
     * CPU affinity and container quota) than the spinning threads of this JVM need ({@link #autoYields}).
     */
    AUTO,
    /** Always yield between looks. */
    TRUE,
    /** Never yield: spin with {@link Thread#onSpinWait()}, for cores set aside for the spinning threads. */
    FALSE;

    /** The key. */
    public static final String KEY = "poller.busy-wait-yield";
    /**
     * The cores that spinners whose peer is outside this JVM leave to others under {@link #AUTO}: one for the
     * thread or kernel path at the other end of the conversation, one for everything else (the pollers, the
     * kernel's receive path for them, the JIT and GC).
     */
    public static final int PEERS = 2;

    /**
     * What {@link #AUTO} decides: whether a busy-waiting thread yields between looks, given the cores and the threads
     * of this JVM spinning now. While every spinner's peer is another thread of this JVM ({@code local}: their waits
     * end by local delivery, {@code StackLock.Waiter.localPeer()}), the spinners keep their cores as long as the
     * machine has a core for each of them and for every other runnable thread ({@code runnable}, the whole
     * machine's, sampled: their peers when these are not spinning, other processes); on an idle machine that is
     * always. A spinner whose peer is outside the JVM (the kernel, a process over a veth or a NIC) leaves
     * {@link #PEERS} cores to others besides the spinners' own, as does every spinner when the runnable count is
     * unknown.
     *
     * @param cores    the cores this JVM may use
     * @param local    spinning threads whose peer is another thread of this JVM
     * @param other    the other spinning threads
     * @param runnable the machine's runnable threads (running or waiting for a CPU, the spinners included), or -1
     *                 when unknown
     */
    public static boolean autoYields(final int cores, final int local, final int other, final int runnable)
    {
        if (other > 0 || runnable < 0)
        {
            return cores < local + other + PEERS;
        }
        // A lone spinner's peer is not spinning: running, or about to be (a sample may be 10 ms old), it wants a core.
        return cores < local + Math.max(local == 1 ? 1 : 0, runnable - local);
    }

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
