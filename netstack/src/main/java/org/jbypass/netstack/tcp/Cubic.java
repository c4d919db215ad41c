package org.jbypass.netstack.tcp;

/**
 * CUBIC (RFC 9438): after a congestion event the window follows W_cubic(t) = C (t - K)^3 + W_max (section 4.2),
 * concave below the last maximum and convex beyond it, with a Reno-friendly lower bound W_est (section 4.3), a
 * multiplicative decrease of beta = 0.7 (section 4.6) and fast convergence (section 4.7). Windows are reckoned in
 * segments and time in seconds, as the RFC does, and kept as doubles; cwnd itself stays in bytes.
 */
final class Cubic extends CongestionControl
{
    /** RFC 9438 section 5: C = 0.4. */
    private static final double C = 0.4;
    /** RFC 9438 section 4.6: beta_cubic = 0.7. */
    private static final double BETA = 0.7;
    /** RFC 9438 section 4.3: alpha_cubic = 3 (1 - beta) / (1 + beta). */
    private static final double ALPHA = 3.0 * (1.0 - BETA) / (1.0 + BETA);

    private double wMax;
    private double cwndPrior;
    private double k;
    private double wEst;
    private long epochStart;
    private boolean epochValid;
    /** Fractional growth carried between ACKs, in segments. */
    private double carry;

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
        final double segmentsAcked = (double)rest / mss;
        final double w = (double)cwnd / mss;
        if (!epochValid)
        {
            // The start of a congestion-avoidance stage (section 4.2): t counts from here, cwnd_epoch = cwnd.
            epochValid = true;
            epochStart = nowNanos;
            wEst = w;
            if (wMax <= w)
            {
                // No maximum to return to (after slow start or a timeout, section 4.8): K = 0, W_max = cwnd.
                wMax = w;
                k = 0;
            }
            else
            {
                k = Math.cbrt((wMax - w) / C);
            }
        }
        final double rtt = srttNanos > 0 ? srttNanos / 1e9 : 0.1;
        final double t = (nowNanos - epochStart) / 1e9;
        // Section 4.3: the Reno-friendly estimate, alpha grows to 1 once W_est passes the pre-loss window.
        final double alpha = wEst >= cwndPrior ? 1.0 : ALPHA;
        wEst += alpha * segmentsAcked / w;
        final double cubicNow = wCubic(t);
        double target;
        if (cubicNow < wEst)
        {
            // Reno-friendly region: cwnd follows W_est.
            target = wEst;
        }
        else
        {
            // Concave or convex region: aim at W_cubic one RTT ahead, bounded by [cwnd, 1.5 cwnd] (section 4.2).
            target = Math.max(w, Math.min(1.5 * w, wCubic(t + rtt)));
        }
        // cwnd grows by (target - cwnd) / cwnd per segment acknowledged.
        carry += (target - w) / w * segmentsAcked;
        if (carry >= 1.0 / mss)
        {
            final int grow = (int)(carry * mss);
            carry -= (double)grow / mss;
            cwnd = (int)Math.min(MAX_CWND, (long)cwnd + grow);
        }
    }

    private double wCubic(final double t)
    {
        final double d = t - k;
        return C * d * d * d + wMax;
    }

    private double priorWMax;
    private double priorCwndPrior;

    @Override
    void saveForUndo()
    {
        super.saveForUndo();
        priorWMax = wMax;
        priorCwndPrior = cwndPrior;
    }

    @Override
    void undo()
    {
        super.undo();
        // RFC 9438 section 4.9: a spurious congestion event restores W_max and the epoch.
        wMax = Math.max(wMax, priorWMax);
        cwndPrior = Math.max(cwndPrior, priorCwndPrior);
        epochValid = false;
    }

    @Override
    void onCongestion(final int mss, final int flightSize, final long nowNanos)
    {
        final double w = (double)cwnd / mss;
        // Section 4.7: fast convergence releases bandwidth to new flows when the maximum keeps falling.
        wMax = w < wMax ? w * (1.0 + BETA) / 2.0 : w;
        cwndPrior = w;
        // Section 4.6: ssthresh = cwnd * beta_cubic, at least 2 segments.
        ssthresh = Math.max((int)(cwnd * BETA), 2 * mss);
        cwnd = ssthresh;
        epochValid = false;
        carry = 0;
    }

    @Override
    void onTimeout(final int mss, final int flightSize, final long nowNanos)
    {
        super.onTimeout(mss, flightSize, nowNanos);
        // Section 4.8: the first congestion-avoidance stage after a timeout starts with K = 0 and W_max = cwnd then.
        wMax = 0;
    }

    @Override
    String name()
    {
        return "cubic";
    }
}
