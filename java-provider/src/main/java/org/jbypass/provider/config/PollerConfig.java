package org.jbypass.provider.config;

/**
 * How pollers idle ({@code poller.*}).
 *
 * @param idle          the default idle strategy
 * @param spins         backoff: polls in a row without pausing after the last work
 * @param yields        backoff: then this many {@link Thread#yield()}s
 * @param minParkNanos  backoff: the first park, doubling up to {@code maxParkNanos}
 * @param maxParkNanos  backoff: the longest park, which bounds the latency of an idle poller
 * @param busyPollNanos block: how long after its last work a poller keeps looking at its ring before it blocks
 * @param busyWaitNanos how long an application thread that would wait on a stack socket (or a selector on stack
 *                      keys) drives the stack itself before it parks, by default (see {@link Profile})
 * @param ringWait      whether an application thread that would park on a stack socket waits on its interface's
 *                      receive ring instead, where the link allows it and the poller blocks
 *                      ({@code engine.RingWait}): one wakeup per message instead of two
 * @param busyWaitYield whether busy-waiting threads give their core away between looks ({@link BusyWaitYield})
 */
public record PollerConfig(IdleStrategyKind idle, int spins, int yields, long minParkNanos, long maxParkNanos,
    long busyPollNanos, long busyWaitNanos, boolean ringWait, BusyWaitYield busyWaitYield)
{
    public static final String IDLE = "poller.idle";
    public static final String SPINS = "poller.spins";
    public static final String YIELDS = "poller.yields";
    public static final String MIN_PARK = "poller.min-park-ns";
    public static final String MAX_PARK = "poller.max-park-ns";
    public static final String BUSY_POLL = "poller.busy-poll-ns";
    public static final String BUSY_WAIT = "poller.busy-wait-ns";
    public static final String RING_WAIT = "poller.ring-wait";
    /** The most either busy time may be: a millisecond is already far beyond any round trip it could save. */
    public static final int MAX_BUSY_NANOS = 1_000_000;

    public static final IdleStrategyKind DEFAULT_IDLE = IdleStrategyKind.BLOCK;
    public static final int DEFAULT_SPINS = 100;
    public static final int DEFAULT_YIELDS = 10;
    public static final long DEFAULT_MIN_PARK_NANOS = 1_000;
    public static final long DEFAULT_MAX_PARK_NANOS = 1_000_000;
    public static final long DEFAULT_BUSY_POLL_NANOS = 0;
    public static final long DEFAULT_BUSY_WAIT_NANOS = 0;
    public static final boolean DEFAULT_RING_WAIT = true;
    public static final BusyWaitYield DEFAULT_BUSY_WAIT_YIELD = BusyWaitYield.AUTO;

    /** The backoff and blocking settings, without busy polling. */
    public PollerConfig(final IdleStrategyKind idle, final int spins, final int yields, final long minParkNanos,
        final long maxParkNanos)
    {
        this(idle, spins, yields, minParkNanos, maxParkNanos, DEFAULT_BUSY_POLL_NANOS);
    }

    /** The backoff and blocking settings and the pollers' busy polling, without application threads' busy wait. */
    public PollerConfig(final IdleStrategyKind idle, final int spins, final int yields, final long minParkNanos,
        final long maxParkNanos, final long busyPollNanos)
    {
        this(idle, spins, yields, minParkNanos, maxParkNanos, busyPollNanos, DEFAULT_BUSY_WAIT_NANOS);
    }

    /** Everything but the ring wait, which is on. */
    public PollerConfig(final IdleStrategyKind idle, final int spins, final int yields, final long minParkNanos,
        final long maxParkNanos, final long busyPollNanos, final long busyWaitNanos)
    {
        this(idle, spins, yields, minParkNanos, maxParkNanos, busyPollNanos, busyWaitNanos, DEFAULT_RING_WAIT);
    }

    /** Everything but the busy wait's yielding, which is {@link BusyWaitYield#AUTO}. */
    public PollerConfig(final IdleStrategyKind idle, final int spins, final int yields, final long minParkNanos,
        final long maxParkNanos, final long busyPollNanos, final long busyWaitNanos, final boolean ringWait)
    {
        this(idle, spins, yields, minParkNanos, maxParkNanos, busyPollNanos, busyWaitNanos, ringWait,
            DEFAULT_BUSY_WAIT_YIELD);
    }

    /** The defaults. */
    public static PollerConfig defaults()
    {
        return new PollerConfig(DEFAULT_IDLE, DEFAULT_SPINS, DEFAULT_YIELDS, DEFAULT_MIN_PARK_NANOS,
            DEFAULT_MAX_PARK_NANOS);
    }
}
