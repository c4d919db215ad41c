package org.jbypass.netstack.tcp;

/**
 * A connection's receive sequence state (RFC 9293 section 3.3.1, figure 5): RCV.NXT and the window last advertised,
 * the receive ring that holds in-order data up to the application's read point and out-of-order data at its offset
 * (with the SACK and D-SACK blocks to report, RFC 2018, RFC 2883), the peer's FIN, and what acknowledging is owed
 * (RFC 9293 section 3.8.6.3, RFC 5681 section 4.2). Shared by the classes that receive, acknowledge and build
 * segments.
 */
final class ReceiveSequence
{
    /** IRS: the peer's initial sequence number. */
    int irs;
    /** RCV.NXT: the next sequence number expected in order. */
    int nxt;
    /** The right edge of the window last advertised: RCV.NXT + RCV.WND. */
    int adv;
    /** The sequence number of the next byte the application reads. */
    int readSeq;
    ByteRing ring;
    /** In-order payload kept in lent packet buffers, holes in the ring's sequence space; null until first used. */
    LentPayload lent;
    /** The receive ring's size, which bounds every window advertised. */
    int capacity;
    /** Out-of-order data held in the ring beyond RCV.NXT (bounded). */
    final RangeSet outOfOrder;
    /** Starts of the out-of-order ranges, most recently changed first (RFC 2018 section 4). */
    final int[] sackOrder = new int[Segment.MAX_SACK_BLOCKS];
    int sackOrderCount;
    /** A duplicate segment to report in the next ACK's first SACK block (RFC 2883). */
    boolean dsackPending;
    int dsackStart;
    int dsackEnd;
    /** The peer's FIN was received in order (it occupies the sequence number before RCV.NXT). */
    boolean finReceived;
    /** The peer's FIN arrived ahead of data still missing, at {@link #finSeq}. */
    boolean finPending;
    int finSeq;
    /** Last.ACK.sent (RFC 7323 section 4.3): RCV.NXT in the last ACK sent. */
    int lastAckSent;
    /** The peer's FIN just arrived in ESTABLISHED: its ACK may wait for our own FIN (see TcpReceive.finArrives). */
    boolean finAckDeferred;
    /** An ACK is owed now. */
    boolean ackNow;
    /**
     * Segments received since the last ACK sent, in units of {@link #mss} (an ACK goes for every second one), so
     * that a super-segment counts as the segments it holds.
     */
    int unackedSegments;
    /** The estimate of the peer's segment size (Linux's icsk_ack.rcv_mss); 0 until the first data arrives. */
    int mss;
    /**
     * Dynamic right-sizing (Linux's rcvq_space): the read point and the time a measurement started, and the most the
     * application has read in one round trip.
     */
    int spaceSeq;
    long spaceNanos;
    int space;
    /** Segments still to be acknowledged at once at the start of the connection. */
    int quickAcks;

    ReceiveSequence(final int outOfOrderRanges)
    {
        this.outOfOrder = new RangeSet(outOfOrderRanges);
    }

    /** Sets RCV.NXT and the read point from the peer's SYN. */
    void initialise(final int peerIsn, final int quickAckSegments)
    {
        irs = peerIsn;
        nxt = peerIsn + 1;
        readSeq = nxt;
        adv = nxt;
        lastAckSent = nxt;
        quickAcks = quickAckSegments;
        spaceSeq = nxt;
        spaceNanos = 0;
        space = 0;
    }

    /** The end of in-order data: RCV.NXT, less the FIN when it has been received. */
    int dataEnd()
    {
        return finReceived ? nxt - 1 : nxt;
    }
}
