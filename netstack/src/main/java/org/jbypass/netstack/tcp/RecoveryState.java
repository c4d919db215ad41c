package org.jbypass.netstack.tcp;

/**
 * A connection's loss recovery state: fast recovery or loss after a timeout and the point that ends it (RFC 5681,
 * RFC 6582, RFC 6675), duplicate ACKs, PRR's counters (RFC 9937), the tail loss probe episode (RFC 8985 section 7)
 * and the undo of a spurious congestion response (RFC 3708, RFC 4015). Decided on by {@link TcpRecovery} and
 * {@link TcpAck}; read by the output decision.
 */
final class RecoveryState
{
    /** Duplicate ACKs in a row (RFC 5681 section 2). */
    int dupAcks;
    /** Fast recovery is under way. */
    boolean inRecovery;
    /** NewReno has seen a partial ACK in this recovery (RFC 6582 section 4.1). */
    boolean partialAckSeen;
    /** Recovery after a retransmission timeout is under way. */
    boolean inLoss;
    /** SND.NXT when recovery began ("recover" of RFC 6582, plus one). */
    int recoveryPoint;
    /** NewReno (no SACK): the highest sequence number retransmitted. */
    int highRxt;
    /** Proportional Rate Reduction (RFC 9937): RecoverFS, prr_delivered and prr_out, in bytes. */
    int recoverFs;
    long prrDelivered;
    long prrOut;
    /** The last congestion response may still be undone: its retransmissions not yet all shown spurious. */
    boolean undoPossible;
    /** Retransmissions of that episode not yet reported as duplicates by D-SACK. */
    int undoRetransmits;
    int undoStart;
    int undoEnd;
    /** A tail loss probe episode is open (RFC 8985 section 7.4): one probe until it ends. */
    boolean tlpOutstanding;
    /** TLP.end_seq: SND.NXT when the probe went out. */
    int tlpHighSeq;
    /** The probe was a retransmission sent outside recovery, whose sole delivery would reveal a loss. */
    boolean tlpRetransmission;
}
