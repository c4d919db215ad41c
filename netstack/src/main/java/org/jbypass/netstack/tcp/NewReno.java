package org.jbypass.netstack.tcp;

/**
 * Reno's window growth (RFC 5681 section 3.1): slow start, then congestion avoidance adding one SMSS per window of
 * acknowledged bytes (appropriate byte counting, RFC 3465 section 2.1), and halving on loss (eq. 4). With SACK-less
 * peers the connection recovers per RFC 6582 (NewReno).
 */
final class NewReno extends CongestionControl
{
    private long bytesAcked;

    @Override
    void onAck(final int acked, final int mss, final boolean cwndLimited, final long nowNanos, final long srttNanos)
    {
        if (!cwndLimited)
        {
            return;
        }
        int rest = acked;
        if (inSlowStart())
        {
            rest = slowStart(acked, mss);
            if (rest == 0)
            {
                return;
            }
        }
        bytesAcked += rest;
        if (bytesAcked >= cwnd)
        {
            bytesAcked -= cwnd;
            cwnd = Math.min(MAX_CWND, cwnd + mss);
        }
    }

    @Override
    void onCongestion(final int mss, final int flightSize, final long nowNanos)
    {
        // RFC 5681 section 3.1 eq. 4: ssthresh = max(FlightSize / 2, 2 * SMSS).
        ssthresh = Math.max(flightSize / 2, 2 * mss);
        cwnd = ssthresh;
        bytesAcked = 0;
    }

    @Override
    String name()
    {
        return "newreno";
    }
}
