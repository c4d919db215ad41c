package org.jbypass.netstack.tcp;

/**
 * The retransmission timer's estimator, per RFC 6298: SRTT and RTTVAR from round-trip samples (section 2), RTO
 * bounded below by the configured minimum and above by the maximum (sections 2.4 and 2.5), and doubled for each
 * expiry (section 5.5, exponential backoff) until a new sample arrives. Samples come from segments timed one at a
 * time and never retransmitted (Karn's algorithm, section 3); times are nanoseconds of the stack's clock.
 */
final class RttEstimator
{
    /** RFC 6298 section 2: G, the clock granularity; our clock is exact, so this is the TSval tick (1 ms). */
    private static final long GRANULARITY_NANOS = 1_000_000L;

    private final long minRto;
    private final long maxRto;
    private long srtt;
    private long rttvar;
    private long minRtt = Long.MAX_VALUE;
    private long latest;
    private long rto;
    private int backoff;

    RttEstimator(final long initialRto, final long minRto, final long maxRto)
    {
        this.minRto = minRto;
        this.maxRto = maxRto;
        this.rto = initialRto;
    }

    /** Takes one round-trip sample and clears the backoff (RFC 6298 sections 2.2, 2.3 and 5.7). */
    void sample(final long rttNanos)
    {
        final long r = Math.max(rttNanos, 1);
        latest = r;
        minRtt = Math.min(minRtt, r);
        if (srtt == 0)
        {
            srtt = r;
            rttvar = r / 2;
        }
        else
        {
            // RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R'|, beta = 1/4; SRTT <- (1 - alpha) * SRTT + alpha * R',
            // alpha = 1/8, in that order (section 2.3).
            rttvar = rttvar - (rttvar >> 2) + (Math.abs(srtt - r) >> 2);
            srtt = srtt - (srtt >> 3) + (r >> 3);
        }
        rto = Math.min(maxRto, Math.max(minRto, srtt + Math.max(GRANULARITY_NANOS, 4 * rttvar)));
        backoff = 0;
    }

    /** RFC 6298 section 5.7: after a SYN timed out and nothing was measured, data starts with this RTO. */
    void fallback(final long rtoNanos)
    {
        rto = Math.min(maxRto, Math.max(minRto, rtoNanos));
        backoff = 0;
    }

    /** The current timeout, with backoff applied. */
    long rto()
    {
        final long backedOff = backoff >= 30 ? maxRto : rto << backoff;
        return Math.min(maxRto, backedOff);
    }

    /** The timeout before backoff. */
    long baseRto()
    {
        return rto;
    }

    /** RFC 6298 section 5.5: doubles the timeout after an expiry. */
    void backOff()
    {
        if (rto() < maxRto)
        {
            backoff++;
        }
    }

    int backoffCount()
    {
        return backoff;
    }

    /** Smoothed RTT, 0 before the first sample. */
    long srtt()
    {
        return srtt;
    }

    long rttvar()
    {
        return rttvar;
    }

    /** The least RTT seen, or 0 before the first sample. */
    long minRtt()
    {
        return minRtt == Long.MAX_VALUE ? 0 : minRtt;
    }

    long latest()
    {
        return latest;
    }

    boolean hasSample()
    {
        return srtt != 0;
    }
}
