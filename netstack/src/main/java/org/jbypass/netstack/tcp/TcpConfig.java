package org.jbypass.netstack.tcp;

import java.time.Duration;

/**
 * TCP's settings: immutable, built with {@link #builder()} and validated by {@link Builder#build()}, which throws an
 * {@link IllegalArgumentException} naming the setting when a value is out of its range.
 *
 * <p>Defaults follow Linux's where Linux has one (the sysctl is named beside each), so that an application moved onto
 * the stack sees the timing it saw on the kernel.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>default</th><th>range</th><th>meaning</th></tr>
 *   <tr><td>msl</td><td>30 s</td><td>0..1 h</td><td>maximum segment lifetime; TIME_WAIT lasts 2 x MSL, 60 s by
 *       default like Linux's TCP_TIMEWAIT_LEN (RFC 9293 section 3.4.2)</td></tr>
 *   <tr><td>minRto</td><td>200 ms</td><td>1 ms..maxRto</td><td>lower bound of the retransmission timeout (Linux's
 *       TCP_RTO_MIN; RFC 6298 section 2.4 suggests 1 s, which Linux and this stack deliberately undercut)</td></tr>
 *   <tr><td>maxRto</td><td>120 s</td><td>minRto..1 h</td><td>upper bound of the backed-off timeout (RFC 6298
 *       section 2.5; Linux's TCP_RTO_MAX)</td></tr>
 *   <tr><td>initialRto</td><td>1 s</td><td>minRto..maxRto</td><td>the timeout before an RTT is measured (RFC 6298
 *       section 2.1)</td></tr>
 *   <tr><td>synRetries</td><td>6</td><td>1..127</td><td>SYN retransmissions before connect fails with ETIMEDOUT
 *       (tcp_syn_retries)</td></tr>
 *   <tr><td>synAckRetries</td><td>5</td><td>1..127</td><td>SYN-ACK retransmissions before a half-open connection is
 *       dropped (tcp_synack_retries)</td></tr>
 *   <tr><td>dataRetries</td><td>15</td><td>1..127</td><td>consecutive retransmission timeouts before an established
 *       connection fails with ETIMEDOUT (tcp_retries2)</td></tr>
 *   <tr><td>ephemeralPortLow/High</td><td>32768..60999</td><td>1..65535</td><td>where connect() picks local ports
 *       (ip_local_port_range)</td></tr>
 *   <tr><td>minSendBufferSize / minReceiveBufferSize</td><td>4 KiB</td><td>4 KiB..max</td><td>the least
 *       SO_SNDBUF / SO_RCVBUF may set (tcp_wmem[0], tcp_rmem[0])</td></tr>
 *   <tr><td>sendBufferSize / receiveBufferSize</td><td>256 KiB</td><td>min..max</td><td>the default socket
 *       buffers: how far a connection's buffers may fill, not memory taken up front (chunks are charged as bytes
 *       arrive or are written, and given back as they drain); unless SO_RCVBUF / SO_SNDBUF is set, they grow with
 *       the transfer up to the maximum (receive auto-tuning, send buffer of two congestion windows)</td></tr>
 *   <tr><td>maxSendBufferSize / maxReceiveBufferSize</td><td>16 MiB</td><td>64 KiB..1 GiB</td><td>the largest a
 *       socket may ask for; larger requests are clamped, as setsockopt does with wmem_max/rmem_max. The receive
 *       maximum also fixes the window-scale factor offered in SYNs (RFC 7323 section 2.3)</td></tr>
 *   <tr><td>congestionControl</td><td>CUBIC</td><td>CUBIC, NEWRENO</td><td>(tcp_congestion_control)</td></tr>
 *   <tr><td>delayedAckTimeout</td><td>40 ms</td><td>1..500 ms</td><td>how long an ACK may be delayed; RFC 9293
 *       section 3.8.6.3 bounds it by 500 ms, Linux's delayed ACK starts at 40 ms (TCP_DELACK_MIN)</td></tr>
 *   <tr><td>quickAckSegments</td><td>16</td><td>0..1024</td><td>segments acknowledged at once at the start of a
 *       connection, to let the peer's slow start ramp (Linux's quickack mode)</td></tr>
 *   <tr><td>keepaliveIdle / Interval / Count</td><td>7200 s / 75 s / 9</td><td>1..32767 s / 1..32767 s /
 *       1..127</td><td>keepalive defaults (RFC 1122 section 4.2.3.6; tcp_keepalive_*)</td></tr>
 *   <tr><td>synBacklog</td><td>256</td><td>1..65535</td><td>half-open connections per listener before SYN cookies
 *       are used (or SYNs dropped without them) (tcp_max_syn_backlog)</td></tr>
 *   <tr><td>maxBacklog</td><td>4096</td><td>1..65535</td><td>the largest accept backlog listen() may ask for
 *       (net.core.somaxconn)</td></tr>
 *   <tr><td>synCookies</td><td>true</td><td></td><td>answer SYNs statelessly when the SYN queue is full (RFC 4987
 *       section 3.6)</td></tr>
 *   <tr><td>timestamps / sack / windowScaling</td><td>true</td><td></td><td>offer and accept RFC 7323 timestamps,
 *       RFC 2018 SACK and RFC 7323 window scaling</td></tr>
 *   <tr><td>outOfOrderRanges</td><td>64</td><td>4..4096</td><td>the most separate ranges of out-of-order data a
 *       connection keeps (the bytes themselves are bounded by the receive buffer); a segment that would open one
 *       more range is dropped and counted</td></tr>
 *   <tr><td>finTimeout</td><td>60 s</td><td>1 s..1 h</td><td>how long an orphaned connection waits in FIN_WAIT_2
 *       (tcp_fin_timeout)</td></tr>
 *   <tr><td>initialCwndSegments</td><td>10</td><td>1..100</td><td>initial window (RFC 6928)</td></tr>
 *   <tr><td>challengeAckLimit</td><td>1000</td><td>1..1000000</td><td>challenge ACKs per second, stack-wide
 *       (RFC 5961 section 7; tcp_challenge_ack_limit)</td></tr>
 *   <tr><td>invalidAckInterval</td><td>500 ms</td><td>0..10 s</td><td>least time between two duplicate ACKs sent in
 *       answer to out-of-window pure ACKs on one connection (tcp_invalid_ratelimit), against ACK loops</td></tr>
 *   <tr><td>timeWaitLimit</td><td>262144</td><td>0..16M</td><td>connections kept in TIME_WAIT at once; beyond it a
 *       closing connection skips TIME_WAIT and is counted (tcp_max_tw_buckets)</td></tr>
 *   <tr><td>timeWaitReuse</td><td>false</td><td></td><td>let connect() take over a 4-tuple still in TIME_WAIT when
 *       timestamps protect it and it has lasted 1 s (tcp_tw_reuse=1)</td></tr>
 *   <tr><td>lendReceiveBuffers</td><td>true</td><td></td><td>keep an in-order super-segment's payload in the
 *       link's packet buffers for the reader instead of copying it into the receive buffer (LentPayload)</td></tr>
 *   <tr><td>maxBurstSegments</td><td>64</td><td>1..65536</td><td>segments one connection sends in one go before it
 *       yields to the rest of the stack until the next poll</td></tr>
 *   <tr><td>defaultTtl</td><td>64</td><td>1..255</td><td>IP TTL of the stack's segments (ip_default_ttl)</td></tr>
 *   <tr><td>memoryLimit</td><td>max heap / 4, within 16 MiB..64 GiB</td><td>64 KiB..64 TiB</td><td>socket buffer
 *       memory of the whole layer (tcp_mem[2]); at it data is dropped and connections refused, counted</td></tr>
 *   <tr><td>memoryPressure, memoryLow</td><td>2/3 and 1/2 of memoryLimit</td><td>low &lt;= pressure &lt;= limit</td>
 *       <td>above pressure, windows stop growing and out-of-order data is pruned until use falls to low
 *       (tcp_mem[1], tcp_mem[0])</td></tr>
 * </table>
 */
public final class TcpConfig
{
    /** The smallest buffer a socket can be given; smaller requests are rounded up, as Linux does. */
    public static final int MIN_BUFFER_SIZE = 4096;

    private static final TcpConfig DEFAULTS = new Builder().build();

    final long mslNanos;
    final long minRtoNanos;
    final long maxRtoNanos;
    final long initialRtoNanos;
    final int synRetries;
    final int synAckRetries;
    final int dataRetries;
    final int ephemeralPortLow;
    final int ephemeralPortHigh;
    final int sendBufferSize;
    final int receiveBufferSize;
    final int maxSendBufferSize;
    final int minSendBufferSize;
    final int minReceiveBufferSize;
    final int maxReceiveBufferSize;
    final CongestionAlgorithm congestionControl;
    final long delayedAckNanos;
    final int quickAckSegments;
    final long keepaliveIdleNanos;
    final long keepaliveIntervalNanos;
    final int keepaliveCount;
    final int synBacklog;
    final int maxBacklog;
    final boolean synCookies;
    final boolean timestamps;
    final boolean sack;
    final boolean windowScaling;
    final int outOfOrderRanges;
    final long finTimeoutNanos;
    final int initialCwndSegments;
    final int challengeAckLimit;
    final long invalidAckIntervalNanos;
    final int timeWaitLimit;
    final boolean timeWaitReuse;
    final boolean lendReceiveBuffers;
    final int maxBurstSegments;
    final int defaultTtl;
    final long memoryLow;
    final long memoryPressure;
    final long memoryLimit;

    private TcpConfig(final Builder b)
    {
        mslNanos = b.msl.toNanos();
        minRtoNanos = b.minRto.toNanos();
        maxRtoNanos = b.maxRto.toNanos();
        initialRtoNanos = b.initialRto.toNanos();
        synRetries = b.synRetries;
        synAckRetries = b.synAckRetries;
        dataRetries = b.dataRetries;
        ephemeralPortLow = b.ephemeralPortLow;
        ephemeralPortHigh = b.ephemeralPortHigh;
        sendBufferSize = b.sendBufferSize;
        receiveBufferSize = b.receiveBufferSize;
        maxSendBufferSize = b.maxSendBufferSize;
        minSendBufferSize = b.minSendBufferSize;
        minReceiveBufferSize = b.minReceiveBufferSize;
        maxReceiveBufferSize = b.maxReceiveBufferSize;
        congestionControl = b.congestionControl;
        delayedAckNanos = b.delayedAckTimeout.toNanos();
        quickAckSegments = b.quickAckSegments;
        keepaliveIdleNanos = b.keepaliveIdle.toNanos();
        keepaliveIntervalNanos = b.keepaliveInterval.toNanos();
        keepaliveCount = b.keepaliveCount;
        synBacklog = b.synBacklog;
        maxBacklog = b.maxBacklog;
        synCookies = b.synCookies;
        timestamps = b.timestamps;
        sack = b.sack;
        windowScaling = b.windowScaling;
        outOfOrderRanges = b.outOfOrderRanges;
        finTimeoutNanos = b.finTimeout.toNanos();
        initialCwndSegments = b.initialCwndSegments;
        challengeAckLimit = b.challengeAckLimit;
        invalidAckIntervalNanos = b.invalidAckInterval.toNanos();
        timeWaitLimit = b.timeWaitLimit;
        timeWaitReuse = b.timeWaitReuse;
        lendReceiveBuffers = b.lendReceiveBuffers;
        maxBurstSegments = b.maxBurstSegments;
        defaultTtl = b.defaultTtl;
        memoryLimit = b.memoryLimit;
        memoryLow = b.memoryLow >= 0 ? b.memoryLow : b.memoryLimit / 2;
        memoryPressure = b.memoryPressure >= 0 ? b.memoryPressure : b.memoryLimit / 3 * 2;
    }

    /** The defaults. */
    public static TcpConfig defaults()
    {
        return DEFAULTS;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** A builder holding this configuration's values, to change a few. */
    public Builder toBuilder()
    {
        final Builder b = new Builder();
        b.msl = Duration.ofNanos(mslNanos);
        b.minRto = Duration.ofNanos(minRtoNanos);
        b.maxRto = Duration.ofNanos(maxRtoNanos);
        b.initialRto = Duration.ofNanos(initialRtoNanos);
        b.synRetries = synRetries;
        b.synAckRetries = synAckRetries;
        b.dataRetries = dataRetries;
        b.ephemeralPortLow = ephemeralPortLow;
        b.ephemeralPortHigh = ephemeralPortHigh;
        b.sendBufferSize = sendBufferSize;
        b.receiveBufferSize = receiveBufferSize;
        b.maxSendBufferSize = maxSendBufferSize;
        b.maxReceiveBufferSize = maxReceiveBufferSize;
        b.congestionControl = congestionControl;
        b.delayedAckTimeout = Duration.ofNanos(delayedAckNanos);
        b.quickAckSegments = quickAckSegments;
        b.keepaliveIdle = Duration.ofNanos(keepaliveIdleNanos);
        b.keepaliveInterval = Duration.ofNanos(keepaliveIntervalNanos);
        b.keepaliveCount = keepaliveCount;
        b.synBacklog = synBacklog;
        b.maxBacklog = maxBacklog;
        b.synCookies = synCookies;
        b.timestamps = timestamps;
        b.sack = sack;
        b.windowScaling = windowScaling;
        b.outOfOrderRanges = outOfOrderRanges;
        b.finTimeout = Duration.ofNanos(finTimeoutNanos);
        b.initialCwndSegments = initialCwndSegments;
        b.challengeAckLimit = challengeAckLimit;
        b.invalidAckInterval = Duration.ofNanos(invalidAckIntervalNanos);
        b.timeWaitLimit = timeWaitLimit;
        b.timeWaitReuse = timeWaitReuse;
        b.lendReceiveBuffers = lendReceiveBuffers;
        b.maxBurstSegments = maxBurstSegments;
        b.defaultTtl = defaultTtl;
        b.minSendBufferSize = minSendBufferSize;
        b.minReceiveBufferSize = minReceiveBufferSize;
        b.memoryLimit = memoryLimit;
        b.memoryLow = memoryLow;
        b.memoryPressure = memoryPressure;
        return b;
    }

    public Duration msl()
    {
        return Duration.ofNanos(mslNanos);
    }

    public Duration minRto()
    {
        return Duration.ofNanos(minRtoNanos);
    }

    public Duration maxRto()
    {
        return Duration.ofNanos(maxRtoNanos);
    }

    public Duration initialRto()
    {
        return Duration.ofNanos(initialRtoNanos);
    }

    public int synRetries()
    {
        return synRetries;
    }

    public int synAckRetries()
    {
        return synAckRetries;
    }

    public int dataRetries()
    {
        return dataRetries;
    }

    public int ephemeralPortLow()
    {
        return ephemeralPortLow;
    }

    public int ephemeralPortHigh()
    {
        return ephemeralPortHigh;
    }

    public int sendBufferSize()
    {
        return sendBufferSize;
    }

    public int receiveBufferSize()
    {
        return receiveBufferSize;
    }

    public int maxSendBufferSize()
    {
        return maxSendBufferSize;
    }

    public int maxReceiveBufferSize()
    {
        return maxReceiveBufferSize;
    }

    public CongestionAlgorithm congestionControl()
    {
        return congestionControl;
    }

    public Duration delayedAckTimeout()
    {
        return Duration.ofNanos(delayedAckNanos);
    }

    public int quickAckSegments()
    {
        return quickAckSegments;
    }

    public Duration keepaliveIdle()
    {
        return Duration.ofNanos(keepaliveIdleNanos);
    }

    public Duration keepaliveInterval()
    {
        return Duration.ofNanos(keepaliveIntervalNanos);
    }

    public int keepaliveCount()
    {
        return keepaliveCount;
    }

    public int synBacklog()
    {
        return synBacklog;
    }

    public int maxBacklog()
    {
        return maxBacklog;
    }

    public boolean synCookies()
    {
        return synCookies;
    }

    public boolean timestamps()
    {
        return timestamps;
    }

    public boolean sack()
    {
        return sack;
    }

    public boolean windowScaling()
    {
        return windowScaling;
    }

    public int outOfOrderRanges()
    {
        return outOfOrderRanges;
    }

    public Duration finTimeout()
    {
        return Duration.ofNanos(finTimeoutNanos);
    }

    public int initialCwndSegments()
    {
        return initialCwndSegments;
    }

    public int challengeAckLimit()
    {
        return challengeAckLimit;
    }

    public Duration invalidAckInterval()
    {
        return Duration.ofNanos(invalidAckIntervalNanos);
    }

    public int timeWaitLimit()
    {
        return timeWaitLimit;
    }

    public boolean timeWaitReuse()
    {
        return timeWaitReuse;
    }

    /** Whether in-order super-segments' payload buffers are kept for the reader rather than copied. */
    public boolean lendReceiveBuffers()
    {
        return lendReceiveBuffers;
    }

    public int maxBurstSegments()
    {
        return maxBurstSegments;
    }

    public int defaultTtl()
    {
        return defaultTtl;
    }

    public int minSendBufferSize()
    {
        return minSendBufferSize;
    }

    public int minReceiveBufferSize()
    {
        return minReceiveBufferSize;
    }

    public long memoryLimit()
    {
        return memoryLimit;
    }

    public long memoryPressure()
    {
        return memoryPressure;
    }

    public long memoryLow()
    {
        return memoryLow;
    }

    /** The window-scale shift this stack offers: the least that lets the largest receive buffer be advertised. */
    public int offeredWindowScale()
    {
        int shift = 0;
        while (shift < 14 && (maxReceiveBufferSize >> shift) > 65535)
        {
            shift++;
        }
        return shift;
    }

    @Override
    public String toString()
    {
        return "TcpConfig{msl=" + msl() + ", minRto=" + minRto() + ", maxRto=" + maxRto() + ", initialRto="
            + initialRto() + ", synRetries=" + synRetries + ", synAckRetries=" + synAckRetries + ", dataRetries="
            + dataRetries + ", ephemeralPorts=" + ephemeralPortLow + ".." + ephemeralPortHigh + ", sendBufferSize="
            + sendBufferSize + ", receiveBufferSize=" + receiveBufferSize + ", maxSendBufferSize=" + maxSendBufferSize
            + ", maxReceiveBufferSize=" + maxReceiveBufferSize + ", congestionControl=" + congestionControl
            + ", delayedAckTimeout=" + delayedAckTimeout() + ", quickAckSegments=" + quickAckSegments
            + ", keepalive=" + keepaliveIdle() + "/" + keepaliveInterval() + "/" + keepaliveCount + ", synBacklog="
            + synBacklog + ", maxBacklog=" + maxBacklog + ", synCookies=" + synCookies + ", timestamps="
            + timestamps + ", sack=" + sack + ", windowScaling=" + windowScaling + ", outOfOrderRanges="
            + outOfOrderRanges + ", finTimeout=" + finTimeout() + ", initialCwndSegments=" + initialCwndSegments
            + ", challengeAckLimit=" + challengeAckLimit + ", invalidAckInterval=" + invalidAckInterval()
            + ", timeWaitLimit=" + timeWaitLimit + ", timeWaitReuse=" + timeWaitReuse + ", lendReceiveBuffers="
            + lendReceiveBuffers + ", maxBurstSegments="
            + maxBurstSegments + ", defaultTtl=" + defaultTtl + ", memory="
            + memoryLow + "/" + memoryPressure + "/" + memoryLimit + '}';
    }

    /** Builds a {@link TcpConfig}; every setter takes the value as is and {@link #build()} validates them all. */
    public static final class Builder
    {
        private Duration msl = Duration.ofSeconds(30);
        private Duration minRto = Duration.ofMillis(200);
        private Duration maxRto = Duration.ofSeconds(120);
        private Duration initialRto = Duration.ofSeconds(1);
        private int synRetries = 6;
        private int synAckRetries = 5;
        private int dataRetries = 15;
        private int ephemeralPortLow = 32768;
        private int ephemeralPortHigh = 60999;
        private int sendBufferSize = 256 * 1024;
        private int receiveBufferSize = 256 * 1024;
        private int maxSendBufferSize = 16 * 1024 * 1024;
        private int minSendBufferSize = MIN_BUFFER_SIZE;
        private int minReceiveBufferSize = MIN_BUFFER_SIZE;
        private int maxReceiveBufferSize = 16 * 1024 * 1024;
        private CongestionAlgorithm congestionControl = CongestionAlgorithm.CUBIC;
        private Duration delayedAckTimeout = Duration.ofMillis(40);
        private int quickAckSegments = 16;
        private Duration keepaliveIdle = Duration.ofSeconds(7200);
        private Duration keepaliveInterval = Duration.ofSeconds(75);
        private int keepaliveCount = 9;
        private int synBacklog = 256;
        private int maxBacklog = 4096;
        private boolean synCookies = true;
        private boolean timestamps = true;
        private boolean sack = true;
        private boolean windowScaling = true;
        private int outOfOrderRanges = 64;
        private Duration finTimeout = Duration.ofSeconds(60);
        private int initialCwndSegments = 10;
        private int challengeAckLimit = 1000;
        private Duration invalidAckInterval = Duration.ofMillis(500);
        private int timeWaitLimit = 262144;
        private boolean timeWaitReuse;
        private boolean lendReceiveBuffers = true;
        private int maxBurstSegments = 64;
        private int defaultTtl = 64;
        private long memoryLimit = defaultMemoryLimit();
        private long memoryLow = -1;
        private long memoryPressure = -1;

        private Builder()
        {
        }

        public Builder msl(final Duration value)
        {
            msl = value;
            return this;
        }

        public Builder minRto(final Duration value)
        {
            minRto = value;
            return this;
        }

        public Builder maxRto(final Duration value)
        {
            maxRto = value;
            return this;
        }

        public Builder initialRto(final Duration value)
        {
            initialRto = value;
            return this;
        }

        public Builder synRetries(final int value)
        {
            synRetries = value;
            return this;
        }

        public Builder synAckRetries(final int value)
        {
            synAckRetries = value;
            return this;
        }

        public Builder dataRetries(final int value)
        {
            dataRetries = value;
            return this;
        }

        public Builder ephemeralPorts(final int low, final int high)
        {
            ephemeralPortLow = low;
            ephemeralPortHigh = high;
            return this;
        }

        public Builder sendBufferSize(final int value)
        {
            sendBufferSize = value;
            return this;
        }

        public Builder receiveBufferSize(final int value)
        {
            receiveBufferSize = value;
            return this;
        }

        /** The least SO_SNDBUF may set (tcp_wmem[0]). */
        public Builder minSendBufferSize(final int value)
        {
            minSendBufferSize = value;
            return this;
        }

        /** The least SO_RCVBUF may set (tcp_rmem[0]). */
        public Builder minReceiveBufferSize(final int value)
        {
            minReceiveBufferSize = value;
            return this;
        }

        public Builder maxSendBufferSize(final int value)
        {
            maxSendBufferSize = value;
            return this;
        }

        public Builder maxReceiveBufferSize(final int value)
        {
            maxReceiveBufferSize = value;
            return this;
        }

        public Builder congestionControl(final CongestionAlgorithm value)
        {
            congestionControl = value;
            return this;
        }

        public Builder delayedAckTimeout(final Duration value)
        {
            delayedAckTimeout = value;
            return this;
        }

        public Builder quickAckSegments(final int value)
        {
            quickAckSegments = value;
            return this;
        }

        public Builder keepaliveIdle(final Duration value)
        {
            keepaliveIdle = value;
            return this;
        }

        public Builder keepaliveInterval(final Duration value)
        {
            keepaliveInterval = value;
            return this;
        }

        public Builder keepaliveCount(final int value)
        {
            keepaliveCount = value;
            return this;
        }

        public Builder synBacklog(final int value)
        {
            synBacklog = value;
            return this;
        }

        public Builder maxBacklog(final int value)
        {
            maxBacklog = value;
            return this;
        }

        public Builder synCookies(final boolean value)
        {
            synCookies = value;
            return this;
        }

        public Builder timestamps(final boolean value)
        {
            timestamps = value;
            return this;
        }

        public Builder sack(final boolean value)
        {
            sack = value;
            return this;
        }

        public Builder windowScaling(final boolean value)
        {
            windowScaling = value;
            return this;
        }

        public Builder outOfOrderRanges(final int value)
        {
            outOfOrderRanges = value;
            return this;
        }

        public Builder finTimeout(final Duration value)
        {
            finTimeout = value;
            return this;
        }

        public Builder initialCwndSegments(final int value)
        {
            initialCwndSegments = value;
            return this;
        }

        public Builder challengeAckLimit(final int value)
        {
            challengeAckLimit = value;
            return this;
        }

        public Builder invalidAckInterval(final Duration value)
        {
            invalidAckInterval = value;
            return this;
        }

        public Builder timeWaitLimit(final int value)
        {
            timeWaitLimit = value;
            return this;
        }

        /** Whether TCP keeps in-order super-segments' payload buffers for the reader ({@code true}) or copies it. */
        public Builder lendReceiveBuffers(final boolean value)
        {
            lendReceiveBuffers = value;
            return this;
        }

        public Builder timeWaitReuse(final boolean value)
        {
            timeWaitReuse = value;
            return this;
        }

        public Builder maxBurstSegments(final int value)
        {
            maxBurstSegments = value;
            return this;
        }

        public Builder defaultTtl(final int value)
        {
            defaultTtl = value;
            return this;
        }

        /**
         * The stack-wide limit on socket buffer memory (Linux's tcp_mem[2], in bytes): at it, data is dropped and
         * new connections refused rather than the heap exhausted. Unless set with {@link #memory}, the low level
         * (pressure ends) is half of it and the pressure level two thirds, Linux's proportions.
         */
        public Builder memoryLimit(final long bytes)
        {
            memoryLimit = bytes;
            memoryLow = -1;
            memoryPressure = -1;
            return this;
        }

        /** The three levels of Linux's tcp_mem, in bytes: low &lt;= pressure &lt;= limit. */
        public Builder memory(final long low, final long pressure, final long limit)
        {
            memoryLow = low;
            memoryPressure = pressure;
            memoryLimit = limit;
            return this;
        }

        /** The default memory limit: a quarter of the maximum heap, within 16 MiB..64 GiB. */
        static long defaultMemoryLimit()
        {
            return Math.max(16L << 20, Math.min(64L << 30, Runtime.getRuntime().maxMemory() / 4));
        }

        /** Validates every setting and builds the configuration. */
        public TcpConfig build()
        {
            final Duration hour = Duration.ofHours(1);
            duration("msl", msl, Duration.ZERO, hour);
            duration("minRto", minRto, Duration.ofMillis(1), hour);
            duration("maxRto", maxRto, minRto, hour);
            duration("initialRto", initialRto, minRto, maxRto);
            range("synRetries", synRetries, 1, 127);
            range("synAckRetries", synAckRetries, 1, 127);
            range("dataRetries", dataRetries, 1, 127);
            range("ephemeralPortLow", ephemeralPortLow, 1, 65535);
            range("ephemeralPortHigh", ephemeralPortHigh, ephemeralPortLow, 65535);
            range("maxSendBufferSize", maxSendBufferSize, 65536, 1 << 30);
            range("maxReceiveBufferSize", maxReceiveBufferSize, 65536, 1 << 30);
            range("minSendBufferSize", minSendBufferSize, MIN_BUFFER_SIZE, maxSendBufferSize);
            range("minReceiveBufferSize", minReceiveBufferSize, MIN_BUFFER_SIZE, maxReceiveBufferSize);
            range("sendBufferSize", sendBufferSize, minSendBufferSize, maxSendBufferSize);
            range("receiveBufferSize", receiveBufferSize, minReceiveBufferSize, maxReceiveBufferSize);
            if (congestionControl == null)
            {
                throw new IllegalArgumentException("congestionControl must be one of CUBIC, NEWRENO: got null");
            }
            duration("delayedAckTimeout", delayedAckTimeout, Duration.ofMillis(1), Duration.ofMillis(500));
            range("quickAckSegments", quickAckSegments, 0, 1024);
            duration("keepaliveIdle", keepaliveIdle, Duration.ofSeconds(1), Duration.ofSeconds(32767));
            duration("keepaliveInterval", keepaliveInterval, Duration.ofSeconds(1), Duration.ofSeconds(32767));
            range("keepaliveCount", keepaliveCount, 1, 127);
            range("synBacklog", synBacklog, 1, 65535);
            range("maxBacklog", maxBacklog, 1, 65535);
            range("outOfOrderRanges", outOfOrderRanges, 4, 4096);
            duration("finTimeout", finTimeout, Duration.ofSeconds(1), hour);
            range("initialCwndSegments", initialCwndSegments, 1, 100);
            range("challengeAckLimit", challengeAckLimit, 1, 1_000_000);
            duration("invalidAckInterval", invalidAckInterval, Duration.ZERO, Duration.ofSeconds(10));
            range("timeWaitLimit", timeWaitLimit, 0, 1 << 24);
            range("maxBurstSegments", maxBurstSegments, 1, 65536);
            range("defaultTtl", defaultTtl, 1, 255);
            longRange("memoryLimit", memoryLimit, 64L * 1024, 1L << 46);
            if (memoryPressure >= 0 || memoryLow >= 0)
            {
                longRange("memoryPressure", memoryPressure, 0, memoryLimit);
                longRange("memoryLow", memoryLow, 0, memoryPressure);
            }
            return new TcpConfig(this);
        }

        private static void range(final String name, final int value, final int low, final int high)
        {
            if (value < low || value > high)
            {
                throw new IllegalArgumentException(
                    "TCP setting " + name + " must be within " + low + ".." + high + ": got " + value);
            }
        }

        private static void longRange(final String name, final long value, final long low, final long high)
        {
            if (value < low || value > high)
            {
                throw new IllegalArgumentException(
                    "TCP setting " + name + " must be within " + low + ".." + high + ": got " + value);
            }
        }

        private static void duration(final String name, final Duration value, final Duration low,
            final Duration high)
        {
            if (value == null || value.compareTo(low) < 0 || value.compareTo(high) > 0)
            {
                throw new IllegalArgumentException(
                    "TCP setting " + name + " must be within " + low + ".." + high + ": got " + value);
            }
        }
    }
}
