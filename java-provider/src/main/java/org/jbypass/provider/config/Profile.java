package org.jbypass.provider.config;

/**
 * A set of defaults for the keys that trade CPU for latency ({@code profile}), as OpenOnload's latency and
 * throughput profiles set EF_POLL_USEC and friends at once. A key given in the file wins over its profile's value.
 *
 * <ul>
 *   <li>{@code default}: nothing spins. Pollers block in the driver's wait; application threads park at once.</li>
 *   <li>{@code latency}: a thread that would wait on a stack socket (or a selector on stack keys) drives the stack
 *       itself for {@value #LATENCY_BUSY_NANOS} ns before it parks ({@code poller.busy-wait-ns}), so that a reply
 *       arriving within that time is taken by the thread that wants it, without the poller's wakeup and handoff
 *       (EF_POLL_USEC, VMA_RX_POLL, Linux's busy_read). Pollers block as by default: they keep the timers and the
 *       sockets nobody waits on, and a second spinner would only compete with the first for the ring and a core.
 *       Each waiting thread burns a core while it waits, up to that long per operation.</li>
 *   <li>{@code throughput}: application threads never poll, so that pollers take frames in full bursts; pollers
 *       look at their rings for {@value #THROUGHPUT_BUSY_POLL_NANOS} ns after their last work, so that a transfer's
 *       next ACKs are taken without a wakeup. One core per busy poller while a transfer runs.</li>
 * </ul>
 */
public enum Profile
{
    DEFAULT("default", IdleStrategyKind.BLOCK, 0, 0),
    LATENCY("latency", IdleStrategyKind.BLOCK, 0, Profile.LATENCY_BUSY_NANOS),
    THROUGHPUT("throughput", IdleStrategyKind.BLOCK, Profile.THROUGHPUT_BUSY_POLL_NANOS, 0);

    /** The key that names the profile. */
    public static final String KEY = "profile";
    static final int LATENCY_BUSY_NANOS = 100_000;
    static final int THROUGHPUT_BUSY_POLL_NANOS = 20_000;

    private final String configName;
    private final IdleStrategyKind idle;
    private final int busyPollNanos;
    private final int busyWaitNanos;

    Profile(final String configName, final IdleStrategyKind idle, final int busyPollNanos, final int busyWaitNanos)
    {
        this.configName = configName;
        this.idle = idle;
        this.busyPollNanos = busyPollNanos;
        this.busyWaitNanos = busyWaitNanos;
    }

    public String configName()
    {
        return configName;
    }

    /** The default of {@code poller.idle}. */
    public IdleStrategyKind idle()
    {
        return idle;
    }

    /** The default of {@code poller.busy-poll-ns}. */
    public int busyPollNanos()
    {
        return busyPollNanos;
    }

    /** The default of {@code poller.busy-wait-ns}. */
    public int busyWaitNanos()
    {
        return busyWaitNanos;
    }
}
