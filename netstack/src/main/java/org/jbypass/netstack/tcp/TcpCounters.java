package org.jbypass.netstack.tcp;

/**
 * TCP's counters, stack-wide. Plain fields incremented on the stack's thread; read them under the stack's lock (or
 * accept slightly stale values). Every dropped segment is counted under exactly one reason.
 */
public final class TcpCounters
{
    /** Segments received, valid or not. */
    long segmentsIn;
    /** Segments sent (a super-segment counts as the segments the link cuts it into, as Linux's OutSegs). */
    long segmentsOut;
    /** Super-segments sent for the link to segment (TSO). */
    long superSegmentsOut;
    /** Times a small TSO super-segment was held back for the ACKs due shortly (tcp_tso_should_defer()). */
    long tsoDeferrals;
    /** Payload bytes received in order and delivered to a receive buffer. */
    long bytesIn;
    /** Payload bytes sent, retransmissions included. */
    long bytesOut;
    /** Segments sent again (timeouts, fast and SACK recovery, probes excluded). */
    long retransmittedSegments;
    /** Payload bytes sent again. */
    long retransmittedBytes;
    /** Retransmission timer expiries (RFC 6298 section 5.4). */
    long retransmitTimeouts;
    /** Entries into fast recovery (RFC 5681, RFC 6582, RFC 6675). */
    long fastRecoveries;
    /** Segments dropped for a wrong checksum. */
    long badChecksums;
    /** Segments dropped for a header shorter than 20 bytes or a data offset outside the segment. */
    long malformed;
    /** Segments dropped for an option with an impossible length (RFC 9293 section 3.1, MUST-7). */
    long badOptions;
    /** Segments dropped because sent to or from a broadcast or multicast address (RFC 1122 4.2.3.10). */
    long notUnicast;
    /** Segments that matched no connection or listener. */
    long noSocket;
    /** Segments with both SYN and FIN, dropped. */
    long synFinDropped;
    /** Segments outside the receive window (RFC 9293 section 3.10.7.4, first check). */
    long outOfWindow;
    /** Segments rejected by PAWS (RFC 7323 section 5.3). */
    long pawsRejected;
    /** Segments without the negotiated timestamp option, dropped (RFC 7323 section 3.2). */
    long missingTimestamp;
    /** Segments acknowledging data never sent, dropped (RFC 9293 section 3.10.7.4). */
    long ackOfUnsentData;
    /** Segments whose ACK lies before SND.UNA - MAX.SND.WND (RFC 5961 section 5.2). */
    long ackTooOld;
    /** Challenge ACKs sent (RFC 5961). */
    long challengeAcks;
    /** Challenge ACKs not sent because of the rate limit (RFC 5961 section 7). */
    long challengeAcksSuppressed;
    /** RST segments sent. */
    long resetsSent;
    /** RST segments that reset a connection. */
    long resetsReceived;
    /** RST segments ignored: out of window, or in TIME_WAIT (RFC 1337). */
    long resetsIgnored;
    /** SYNs dropped: accept queue full, or SYN queue full without cookies. */
    long synDropped;
    /** Completed handshakes dropped because the accept queue was full. */
    long listenOverflows;
    /** Half-open connections forgotten after their last SYN-ACK retransmission went unanswered. */
    long requestsTimedOut;
    /** Segments to a half-open connection outside the window its SYN-ACK offered. */
    long requestSegmentsDropped;
    /** SYN-ACKs sent with a SYN cookie (RFC 4987 section 3.6). */
    long cookiesSent;
    /** ACKs that carried a valid SYN cookie and opened a connection. */
    long cookiesValidated;
    /** ACKs to a listener that carried no valid SYN cookie. */
    long cookiesRejected;
    /** Segments carrying data beyond the peer's FIN, ignored. */
    long dataAfterFin;
    /** Segments queued out of order. */
    long outOfOrderSegments;
    /** Out-of-order segments dropped because the range set was full. */
    long outOfOrderDropped;
    /** Chunks the layer's memory refused at its high level (tcp_mem[2]). */
    long memoryRefusals;
    /** Times the layer entered memory pressure (tcp_mem[1] crossed). */
    long memoryPressureEntered;
    /** Segments whose data was dropped because buffer memory was refused (as Linux's TCPRcvQDrop). */
    long memoryDrops;
    /** Out-of-order ranges discarded under memory pressure (as Linux's OfoPruned). */
    long outOfOrderPruned;
    /** Packet buffers of in-order super-segments kept for the reader rather than copied (FrameChain.lend). */
    long payloadBuffersLent;
    /** Connections refused (SYN dropped, or connect() failed) because the memory limit was reached. */
    long memoryConnectionRefusals;
    /** Failures (an exception, or an error such as OutOfMemoryError) contained to one socket, which was reset. */
    long socketFailures;
    /**
     * Passive opens whose socket could not be built once the handshake completed (an exception, memory refused):
     * nothing kept of them, the peer reset.
     */
    long childFailures;
    /** Receive buffers grown by auto-tuning (dynamic right-sizing, as Linux's tcp_rcv_space_adjust). */
    long receiveBufferGrowths;
    /** Segments wholly duplicate of data already received. */
    long duplicateSegments;
    /** Zero-window probes sent (RFC 9293 section 3.8.6.1). */
    long zeroWindowProbes;
    /** Keepalive probes sent (RFC 1122 section 4.2.3.6). */
    long keepaliveProbes;
    /** Connect() calls that sent a SYN. */
    long activeOpens;
    /** Connections accepted by listeners (SYN_RECEIVED reached). */
    long passiveOpens;
    /** Connections that reached ESTABLISHED. */
    long established;
    /** Connection attempts that failed (refused, reset or timed out before ESTABLISHED). */
    long attemptFails;
    /** Established connections reset by the peer. */
    long connectionResets;
    /** Connections aborted by retransmission, SYN or keepalive timeouts. */
    long connectionTimeouts;
    /** Connections that skipped TIME_WAIT because timeWaitLimit was reached. */
    long timeWaitOverflows;
    /** Times a writer found no memory at the layer's limit and waited for some to be given back. */
    long memoryWriteWaits;
    /** Connections that entered TIME_WAIT (as a record, see TimeWaitTable). */
    long timeWaitEntered;
    /** TIME_WAIT records that gave way early to a new incarnation (a SYN by RFC 6191, or connect with reuse). */
    long timeWaitRecycled;
    /** Bare ACKs and SYNs in TIME_WAIT left unanswered by the per-record rate limit. */
    long timeWaitAcksSuppressed;
    /** Segments not built because the packet pool was empty (retried on a timer). */
    long poolExhausted;
    /**
     * Super-segments not sent because the link could not take them now (its queue full: IP's txChainsHeldBack);
     * sent again on the next ACK or the output timer, never counted as lost.
     */
    long linkBusy;
    /** Segments IPv4 refused to send (no route, ARP queue full). */
    long sendErrors;
    /** ICMP errors about our connections that passed validation. */
    long icmpErrors;
    /** MSS reductions from ICMP fragmentation-needed (RFC 1191). */
    long pmtuUpdates;
    /** Connections reset because data arrived after close() or unread data remained (RFC 2525 2.17). */
    long resetsAfterClose;
    /** Duplicate-SACK blocks received (RFC 2883). */
    long dsacksReceived;
    /** Retransmissions found lost by RACK, because a segment sent after them was delivered (RFC 8985 6.2). */
    long lostRetransmits;
    /** Segments RACK marked lost (RFC 8985 section 6.2), retransmissions included. */
    long rackLost;
    /** Expiries of the RACK reordering timer (RFC 8985 section 6.3). */
    long rackTimeouts;
    /** Retransmission timeouts that found the peer had dropped data it SACKed (RFC 2018 section 8). */
    long sackReneging;
    /** Tail loss probes sent (RFC 8985 section 7). */
    long tailLossProbes;
    /** Tail loss probes whose retransmission repaired a loss, answered by a window reduction (RFC 8985 7.4). */
    long tailLossProbeRecoveries;
    /** Congestion responses undone because D-SACK showed every retransmission spurious (RFC 3708, RFC 4015). */
    long spuriousRecoveries;

    public long segmentsIn()
    {
        return segmentsIn;
    }

    public long segmentsOut()
    {
        return segmentsOut;
    }

    public long superSegmentsOut()
    {
        return superSegmentsOut;
    }

    public long tsoDeferrals()
    {
        return tsoDeferrals;
    }

    public long bytesIn()
    {
        return bytesIn;
    }

    public long bytesOut()
    {
        return bytesOut;
    }

    public long retransmittedSegments()
    {
        return retransmittedSegments;
    }

    public long retransmittedBytes()
    {
        return retransmittedBytes;
    }

    public long retransmitTimeouts()
    {
        return retransmitTimeouts;
    }

    public long fastRecoveries()
    {
        return fastRecoveries;
    }

    public long badChecksums()
    {
        return badChecksums;
    }

    public long malformed()
    {
        return malformed;
    }

    public long badOptions()
    {
        return badOptions;
    }

    public long notUnicast()
    {
        return notUnicast;
    }

    public long noSocket()
    {
        return noSocket;
    }

    public long synFinDropped()
    {
        return synFinDropped;
    }

    public long outOfWindow()
    {
        return outOfWindow;
    }

    public long pawsRejected()
    {
        return pawsRejected;
    }

    public long missingTimestamp()
    {
        return missingTimestamp;
    }

    public long ackOfUnsentData()
    {
        return ackOfUnsentData;
    }

    public long ackTooOld()
    {
        return ackTooOld;
    }

    public long challengeAcks()
    {
        return challengeAcks;
    }

    public long challengeAcksSuppressed()
    {
        return challengeAcksSuppressed;
    }

    public long resetsSent()
    {
        return resetsSent;
    }

    public long resetsReceived()
    {
        return resetsReceived;
    }

    public long resetsIgnored()
    {
        return resetsIgnored;
    }

    public long synDropped()
    {
        return synDropped;
    }

    public long listenOverflows()
    {
        return listenOverflows;
    }

    public long requestsTimedOut()
    {
        return requestsTimedOut;
    }

    public long requestSegmentsDropped()
    {
        return requestSegmentsDropped;
    }

    public long cookiesSent()
    {
        return cookiesSent;
    }

    public long cookiesValidated()
    {
        return cookiesValidated;
    }

    public long cookiesRejected()
    {
        return cookiesRejected;
    }

    public long dataAfterFin()
    {
        return dataAfterFin;
    }

    public long outOfOrderSegments()
    {
        return outOfOrderSegments;
    }

    public long outOfOrderDropped()
    {
        return outOfOrderDropped;
    }

    public long memoryRefusals()
    {
        return memoryRefusals;
    }

    public long memoryPressureEntered()
    {
        return memoryPressureEntered;
    }

    public long memoryDrops()
    {
        return memoryDrops;
    }

    /** Packet buffers of in-order super-segments kept for the reader rather than copied into the receive ring. */
    public long payloadBuffersLent()
    {
        return payloadBuffersLent;
    }

    public long outOfOrderPruned()
    {
        return outOfOrderPruned;
    }

    public long memoryConnectionRefusals()
    {
        return memoryConnectionRefusals;
    }

    public long socketFailures()
    {
        return socketFailures;
    }

    public long childFailures()
    {
        return childFailures;
    }

    public long receiveBufferGrowths()
    {
        return receiveBufferGrowths;
    }

    public long duplicateSegments()
    {
        return duplicateSegments;
    }

    public long zeroWindowProbes()
    {
        return zeroWindowProbes;
    }

    public long keepaliveProbes()
    {
        return keepaliveProbes;
    }

    public long activeOpens()
    {
        return activeOpens;
    }

    public long passiveOpens()
    {
        return passiveOpens;
    }

    public long established()
    {
        return established;
    }

    public long attemptFails()
    {
        return attemptFails;
    }

    public long connectionResets()
    {
        return connectionResets;
    }

    public long connectionTimeouts()
    {
        return connectionTimeouts;
    }

    public long timeWaitOverflows()
    {
        return timeWaitOverflows;
    }

    public long memoryWriteWaits()
    {
        return memoryWriteWaits;
    }

    public long timeWaitEntered()
    {
        return timeWaitEntered;
    }

    public long timeWaitRecycled()
    {
        return timeWaitRecycled;
    }

    public long timeWaitAcksSuppressed()
    {
        return timeWaitAcksSuppressed;
    }

    public long poolExhausted()
    {
        return poolExhausted;
    }

    public long linkBusy()
    {
        return linkBusy;
    }

    public long sendErrors()
    {
        return sendErrors;
    }

    public long icmpErrors()
    {
        return icmpErrors;
    }

    public long pmtuUpdates()
    {
        return pmtuUpdates;
    }

    public long resetsAfterClose()
    {
        return resetsAfterClose;
    }

    public long dsacksReceived()
    {
        return dsacksReceived;
    }

    public long lostRetransmits()
    {
        return lostRetransmits;
    }

    public long rackLost()
    {
        return rackLost;
    }

    public long rackTimeouts()
    {
        return rackTimeouts;
    }

    public long sackReneging()
    {
        return sackReneging;
    }

    public long tailLossProbes()
    {
        return tailLossProbes;
    }

    public long tailLossProbeRecoveries()
    {
        return tailLossProbeRecoveries;
    }

    public long spuriousRecoveries()
    {
        return spuriousRecoveries;
    }

    /** Every counter that is not zero, as {@code name=value} pairs. */
    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("TcpCounters{");
        append(sb, "segmentsIn", segmentsIn);
        append(sb, "segmentsOut", segmentsOut);
        append(sb, "superSegmentsOut", superSegmentsOut);
        append(sb, "tsoDeferrals", tsoDeferrals);
        append(sb, "bytesIn", bytesIn);
        append(sb, "bytesOut", bytesOut);
        append(sb, "retransmittedSegments", retransmittedSegments);
        append(sb, "retransmittedBytes", retransmittedBytes);
        append(sb, "retransmitTimeouts", retransmitTimeouts);
        append(sb, "fastRecoveries", fastRecoveries);
        append(sb, "badChecksums", badChecksums);
        append(sb, "malformed", malformed);
        append(sb, "badOptions", badOptions);
        append(sb, "notUnicast", notUnicast);
        append(sb, "noSocket", noSocket);
        append(sb, "synFinDropped", synFinDropped);
        append(sb, "outOfWindow", outOfWindow);
        append(sb, "pawsRejected", pawsRejected);
        append(sb, "missingTimestamp", missingTimestamp);
        append(sb, "ackOfUnsentData", ackOfUnsentData);
        append(sb, "ackTooOld", ackTooOld);
        append(sb, "challengeAcks", challengeAcks);
        append(sb, "challengeAcksSuppressed", challengeAcksSuppressed);
        append(sb, "resetsSent", resetsSent);
        append(sb, "resetsReceived", resetsReceived);
        append(sb, "resetsIgnored", resetsIgnored);
        append(sb, "synDropped", synDropped);
        append(sb, "listenOverflows", listenOverflows);
        append(sb, "requestsTimedOut", requestsTimedOut);
        append(sb, "requestSegmentsDropped", requestSegmentsDropped);
        append(sb, "cookiesSent", cookiesSent);
        append(sb, "cookiesValidated", cookiesValidated);
        append(sb, "cookiesRejected", cookiesRejected);
        append(sb, "dataAfterFin", dataAfterFin);
        append(sb, "outOfOrderSegments", outOfOrderSegments);
        append(sb, "outOfOrderDropped", outOfOrderDropped);
        append(sb, "memoryRefusals", memoryRefusals);
        append(sb, "memoryPressureEntered", memoryPressureEntered);
        append(sb, "memoryDrops", memoryDrops);
        append(sb, "outOfOrderPruned", outOfOrderPruned);
        append(sb, "payloadBuffersLent", payloadBuffersLent);
        append(sb, "memoryConnectionRefusals", memoryConnectionRefusals);
        append(sb, "socketFailures", socketFailures);
        append(sb, "childFailures", childFailures);
        append(sb, "receiveBufferGrowths", receiveBufferGrowths);
        append(sb, "duplicateSegments", duplicateSegments);
        append(sb, "zeroWindowProbes", zeroWindowProbes);
        append(sb, "keepaliveProbes", keepaliveProbes);
        append(sb, "activeOpens", activeOpens);
        append(sb, "passiveOpens", passiveOpens);
        append(sb, "established", established);
        append(sb, "attemptFails", attemptFails);
        append(sb, "connectionResets", connectionResets);
        append(sb, "connectionTimeouts", connectionTimeouts);
        append(sb, "timeWaitOverflows", timeWaitOverflows);
        append(sb, "timeWaitEntered", timeWaitEntered);
        append(sb, "memoryWriteWaits", memoryWriteWaits);
        append(sb, "timeWaitRecycled", timeWaitRecycled);
        append(sb, "timeWaitAcksSuppressed", timeWaitAcksSuppressed);
        append(sb, "poolExhausted", poolExhausted);
        append(sb, "linkBusy", linkBusy);
        append(sb, "sendErrors", sendErrors);
        append(sb, "icmpErrors", icmpErrors);
        append(sb, "pmtuUpdates", pmtuUpdates);
        append(sb, "resetsAfterClose", resetsAfterClose);
        append(sb, "dsacksReceived", dsacksReceived);
        append(sb, "lostRetransmits", lostRetransmits);
        append(sb, "rackLost", rackLost);
        append(sb, "rackTimeouts", rackTimeouts);
        append(sb, "sackReneging", sackReneging);
        append(sb, "tailLossProbes", tailLossProbes);
        append(sb, "tailLossProbeRecoveries", tailLossProbeRecoveries);
        append(sb, "spuriousRecoveries", spuriousRecoveries);
        if (sb.charAt(sb.length() - 1) == ' ')
        {
            sb.setLength(sb.length() - 1);
        }
        return sb.append('}').toString();
    }

    private static void append(final StringBuilder sb, final String name, final long value)
    {
        if (value != 0)
        {
            sb.append(name).append('=').append(value).append(' ');
        }
    }
}
