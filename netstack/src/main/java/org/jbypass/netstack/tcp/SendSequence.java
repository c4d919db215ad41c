package org.jbypass.netstack.tcp;

/**
 * A connection's send sequence state (RFC 9293 section 3.3.1, figure 4): SND.UNA, SND.NXT, the peer's window and
 * the segment that last updated it, and the send ring that holds every byte from SND.UNA on, with the FIN queued
 * after them. Shared by the classes that process ACKs, send and retransmit; the decisions are theirs.
 */
final class SendSequence
{
    /** ISS: our initial sequence number (RFC 6528). */
    int iss;
    /** SND.UNA: the oldest sequence number not yet acknowledged. */
    int una;
    /** SND.NXT, which is also RFC 6675's HighData: it never moves back, retransmissions are tracked apart. */
    int nxt;
    /** SND.WND: the peer's window, scaled. */
    int wnd;
    /** SND.WL1 and SND.WL2: the sequence and acknowledgment numbers of the segment that last set SND.WND. */
    int wl1;
    int wl2;
    /** The largest window the peer has offered (RFC 9293 section 3.8.6.2.1, RFC 5961 section 5.2). */
    int maxWnd;
    /** The sequence number of the first byte in the send ring (ISS + 1 plus what has been acknowledged). */
    int bufSeq;
    /** Bytes in the send ring: written by the application and not yet acknowledged. */
    int buffered;
    ByteRing ring;
    /** The application closed its side: a FIN follows the data, at {@link #finSeq}. */
    boolean finQueued;
    int finSeq;
    /** When new data was first held back by TSO deferral (TcpOutput.deferTso), or 0 when none is. */
    long deferredSince;
    /**
     * When a super-segment was first held back because the link could not take it (SegmentBuilder.emitSuper), or 0
     * while none is: a link busy for longer than an RTO is treated as one that drops.
     */
    long linkBusySince;

    /** Starts the sequence space at our initial sequence number: the SYN takes ISS, data starts after it. */
    void initialise(final int isn)
    {
        iss = isn;
        una = isn;
        nxt = isn;
        bufSeq = isn + 1;
        buffered = 0;
    }

    /** The sequence number after the last byte the application wrote. */
    int dataEnd()
    {
        return bufSeq + buffered;
    }
}
