package org.jbypass.provider.config;

/**
 * What a poller thread does when a poll found no work ({@code poller.idle}, or {@code interface.NAME.idle} for one
 * interface).
 */
public enum IdleStrategyKind
{
    /** Poll again at once: the lowest latency, one core per poller at 100%. */
    BUSY_SPIN("busy-spin"),
    /** Spin, then yield, then park for exponentially longer up to a limit; wakes within the park limit. */
    BACKOFF("backoff"),
    /**
     * Block in the driver's wait (an AF_PACKET socket's poll, a completion channel) until frames arrive, the next
     * timer is due or an application operation needs the poller: no CPU while idle, a system call's latency to wake.
     */
    BLOCK("block");

    private final String configName;

    IdleStrategyKind(final String configName)
    {
        this.configName = configName;
    }

    public String configName()
    {
        return configName;
    }
}
