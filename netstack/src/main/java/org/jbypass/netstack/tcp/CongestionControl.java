package org.jbypass.netstack.tcp;

/**
 * A connection's congestion controller: owns cwnd and ssthresh (in bytes) and grows or cuts them. Loss detection and
 * recovery (RFC 5681 fast retransmit, RFC 6582 NewReno, RFC 6675 SACK) are the connection's; the controller only
 * says how much to grow per ACK and how far to back off per congestion event, which is where NewReno and CUBIC
 * differ.
 */
abstract class CongestionControl
{
    /** Keeps cwnd far from overflow in any arithmetic with it. */
    static final int MAX_CWND = 1 << 30;

    int cwnd;
    int ssthresh = Integer.MAX_VALUE;
    private int priorCwnd;
    private int priorSsthresh;

    static CongestionControl create(final CongestionAlgorithm algorithm)
    {
        switch (algorithm)
        {
            case NEWRENO:
                return new NewReno();
            case CUBIC:
            default:
                return new Cubic();
        }
    }

    /** RFC 5681 section 3.1 and RFC 6928: the initial window. */
    void init(final int mss, final int initialSegments)
    {
        cwnd = initialSegments * mss;
        ssthresh = Integer.MAX_VALUE;
    }

    boolean inSlowStart()
    {
        return cwnd < ssthresh;
    }

    /**
     * New data was acknowledged outside loss recovery.
     *
     * @param acked        bytes newly acknowledged
     * @param cwndLimited  whether the window, not the application, limited what was in flight: RFC 7661 section 4.3
     *                     (and Linux) grow cwnd only then, or an idle sender would inflate it without evidence
     */
    abstract void onAck(int acked, int mss, boolean cwndLimited, long nowNanos, long srttNanos);

    /** A loss detected by duplicate ACKs or SACK: sets ssthresh (and cwnd to it). */
    abstract void onCongestion(int mss, int flightSize, long nowNanos);

    /** A retransmission timeout: ssthresh as for a loss, cwnd to one segment (RFC 5681 section 3.1, eq. 4). */
    void onTimeout(final int mss, final int flightSize, final long nowNanos)
    {
        onCongestion(mss, flightSize, nowNanos);
        cwnd = mss;
    }

    /** Remembers the window before a congestion response, in case the response turns out spurious. */
    void saveForUndo()
    {
        priorCwnd = cwnd;
        priorSsthresh = ssthresh;
    }

    /**
     * Undoes the last congestion response: the losses it answered were not losses (RFC 3708 detection by D-SACK,
     * the response of RFC 4015 section 2: restore the window and the threshold).
     */
    void undo()
    {
        cwnd = Math.max(cwnd, priorCwnd);
        ssthresh = Math.max(ssthresh, priorSsthresh);
    }

    /** Slow start per RFC 5681 section 3.1 with appropriate byte counting, L = 2 SMSS (RFC 3465 section 2.2). */
    final int slowStart(final int acked, final int mss)
    {
        final int grow = Math.min(acked, 2 * mss);
        final int room = ssthresh - cwnd;
        final int used = Math.min(grow, room);
        cwnd = Math.min(MAX_CWND, cwnd + used);
        return acked - used;
    }

    abstract String name();
}
