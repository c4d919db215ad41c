package org.jbypass.provider.driver;

/**
 * A snapshot of one queue of an {@link RdmaLink}: what the datapath counted, and the queue's state. For a receive
 * queue, {@code stalls} counts calls that left frames waiting because the burst had no armed buffer, and
 * {@code extra} counts compressed CQE sessions; for the send queue, {@code stalls} counts frames refused because the
 * ring was full, {@code extra} counts doorbells and {@code inFlight} the frames the adapter has not completed.
 */
public final class RdmaQueueCounters
{
    private final String queue;
    private final long packets;
    private final long bytes;
    private final long drops;
    private final long stalls;
    private final long completionErrors;
    private final long recoveries;
    private final long lastSyndrome;
    private final int state;
    private final long extra;
    private final long inFlight;
    private final long postErrors;
    private final String syndromeWords;
    private final long recreations;

    RdmaQueueCounters(final String queue, final long packets, final long bytes, final long drops, final long stalls,
        final long completionErrors, final long recoveries, final long lastSyndrome, final int state, final long extra,
        final long inFlight, final long postErrors, final String syndromeWords, final long recreations)
    {
        this.recreations = recreations;
        this.syndromeWords = syndromeWords;
        this.queue = queue;
        this.packets = packets;
        this.bytes = bytes;
        this.drops = drops;
        this.stalls = stalls;
        this.completionErrors = completionErrors;
        this.recoveries = recoveries;
        this.lastSyndrome = lastSyndrome;
        this.state = state;
        this.extra = extra;
        this.inFlight = inFlight;
        this.postErrors = postErrors;
    }

    /** "tx0", "tx1", ..., "rx0", "rx1", ... */
    public String queue()
    {
        return queue;
    }

    public long packets()
    {
        return packets;
    }

    public long bytes()
    {
        return bytes;
    }

    /** Frames dropped: error completions, impossible lengths, invalid frames handed to transmit. */
    public long drops()
    {
        return drops;
    }

    /** Receive: calls with frames waiting but no armed buffer. Send: frames refused because the ring was full. */
    public long stalls()
    {
        return stalls;
    }

    /** Completions with an error status. */
    public long completionErrors()
    {
        return completionErrors;
    }

    /** Times the queue was reset and brought back after an error. */
    public long recoveries()
    {
        return recoveries;
    }

    /** The last error completion's syndrome (low byte) and vendor syndrome (next byte), or 0. */
    public long lastSyndrome()
    {
        return lastSyndrome;
    }

    /**
     * The last error completion in words ("local protection error (...)", as the adapter's programming manual names
     * its CQE syndromes; in verbs mode the same words for the {@code ibv_wc_status}), or "" when there was none.
     * The vendor syndrome has no public table: {@link #lastSyndrome()} gives it, in hex in {@link #toString()}.
     */
    public String lastSyndromeWords()
    {
        return syndromeWords;
    }

    /**
     * Times the queue's CQ and the queue itself were destroyed and created again: after {@code IBV_EVENT_CQ_ERR}
     * (a CQ in error takes no completion again) or a fatal queue error ({@code IBV_EVENT_QP_FATAL},
     * {@code IBV_EVENT_WQ_FATAL}).
     */
    public long recreations()
    {
        return recreations;
    }

    /**
     * "ok", "error" (to be reset), "recreating" (its CQ and queue to be created again, at the next call on the
     * queue) or "dead" (given up).
     */
    public String state()
    {
        return switch (state)
        {
            case RdmaNative.Q_OK -> "ok";
            case RdmaNative.Q_ERROR -> "error";
            case RdmaNative.Q_RECREATE -> "recreating";
            default -> "dead";
        };
    }

    /** Receive: compressed CQE sessions. Send: doorbells rung. */
    public long extra()
    {
        return extra;
    }

    /** Send: frames handed to the adapter and not yet completed. */
    public long inFlight()
    {
        return inFlight;
    }

    /** Verbs mode: ibv_post_send / ibv_post_wq_recv failures. */
    public long postErrors()
    {
        return postErrors;
    }

    @Override
    public String toString()
    {
        final boolean tx = queue.startsWith("tx");
        return queue + " packets=" + packets + " bytes=" + bytes + " drops=" + drops
            + (tx ? " ring_full=" : " no_buffer=") + stalls + " cqe_errors=" + completionErrors + " recoveries="
            + recoveries + " recreations=" + recreations + " last_syndrome=0x" + Long.toHexString(lastSyndrome)
            + (lastSyndrome != 0 ? " (" + syndromeWords + ", vendor syndrome 0x" + Long.toHexString(lastSyndrome >> 8
                & 0xff) + ")" : "") + " state=" + state()
            + (tx ? " doorbells=" + extra + " in_flight=" + inFlight : " compressed_sessions=" + extra)
            + " post_errors=" + postErrors;
    }
}
