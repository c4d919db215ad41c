package org.jbypass.netstack.ip;

/**
 * Counters of the link-facing layers: Ethernet demultiplexing, ARP, IPv4 and ICMP. Named after the MIB-II and
 * Linux /proc/net/snmp counters where one exists. Plain fields written by the thread that drives the stack.
 */
public final class IpCounters
{
    // Ethernet
    public long framesReceived;
    public long framesTooShort;
    /** 802.1Q/802.1ad tagged frames: the stack speaks no VLANs and drops them rather than misparse them. */
    public long framesVlanDropped;
    /** Unicast frames to another MAC (a promiscuous link or a bridge flood). */
    public long framesNotForUs;
    public long framesUnknownType;
    /** Frames to a multicast MAC of no group joined on the interface (the link let them through). */
    public long framesMulticastFiltered;
    /** Frames that arrived as chains of buffers (GSO/GRO super-frames), each counted in framesReceived too. */
    public long superFramesReceived;
    /**
     * Super-frames gathered into contiguous memory before they were handled, one copy more than the in-place path
     * that TCP takes: fragments, multicast, the transports that want their datagram in one piece (UDP, ICMP, IGMP),
     * headers that cross a buffer boundary, and EtherTypes other than IPv4.
     */
    public long superFramesGathered;
    /** Super-segments software GRO built out of two or more received TCP segments ({@code SoftwareGro}). */
    public long groSuperSegments;
    /** The TCP segments that went into them. */
    public long groSegmentsCoalesced;
    /** Chains that broke the burst contract (past the burst's end, a bad buffer or length, longer than 64 KiB). */
    public long framesBadChain;

    // ARP
    public long arpRequestsReceived;
    public long arpRepliesReceived;
    public long arpRequestsSent;
    public long arpRepliesSent;
    public long arpIgnored;
    public long arpMalformed;
    /** Packets dropped because their next hop's queue was full. */
    public long arpQueueDrops;
    /** Packets dropped because their next hop never answered. */
    public long arpResolutionFailures;
    /** New entries refused because the cache was full of entries still in use. */
    public long arpCacheFull;

    // IPv4 receive
    public long ipInReceives;
    public long ipInTooShort;
    public long ipInBadVersion;
    public long ipInBadHeaderLength;
    public long ipInBadTotalLength;
    public long ipInBadChecksum;
    public long ipInReservedFlag;
    /** Datagrams from a source no host may have: multicast, broadcast (a subnet's too), loopback. */
    public long ipInBadSource;
    public long ipInAddrErrors;
    public long ipInUnknownProtocols;
    public long ipInDelivers;
    /** Datagrams to a multicast group the interface has not joined. */
    public long ipInMulticastNotJoined;
    /** Datagrams to a joined group from a source the interface's filter keeps out (RFC 3376 section 3.2). */
    public long ipInMulticastFiltered;

    // IPv4 reassembly (RFC 791 section 3.2, RFC 815; overlaps per RFC 5722)
    public long ipReasmReqds;
    public long ipReasmOks;
    public long ipReasmFails;
    public long ipReasmTimeouts;
    public long ipReasmOverlaps;
    /** Fragments dropped because every reassembly slot was busy. */
    public long ipReasmNoSlot;

    // IPv4 send
    public long ipOutRequests;
    public long ipOutNoRoutes;
    public long ipOutDiscards;
    /** Datagrams a transport asked to send from a broadcast or multicast source, refused (RFC 1122 3.2.1.3). */
    public long ipOutBadSource;
    public long ipFragOks;
    public long ipFragFails;
    public long ipFragCreates;
    public long ipOutLoopback;
    /** Datagrams sent to a multicast group, and the copies of them looped back to the stack's members. */
    public long ipOutMulticast;
    public long ipOutMulticastLoopback;
    /** TCP super-segments sent as one chained datagram for the link to segment (TSO). */
    public long ipOutSuperSegments;
    /** Super-segments dropped because the route's link could no longer take them (or its neighbour was lost). */
    public long ipOutSuperSegmentFails;

    // ICMP
    public long icmpInMsgs;
    public long icmpInErrors;
    public long icmpInEchos;
    public long icmpInDestUnreachs;
    public long icmpInIgnored;
    public long icmpOutMsgs;
    public long icmpOutEchoReps;
    public long icmpOutDestUnreachs;
    public long icmpOutTimeExcds;
    public long icmpRateLimited;

    // IGMP (RFC 3376, RFC 2236)
    public long igmpInMsgs;
    /** Shorter than 8 bytes, or a v3 query whose sources run past its end. */
    public long igmpInTooShort;
    public long igmpInBadChecksum;
    /** Queries of 9 to 11 bytes (RFC 3376 section 7.1), to the wrong destination, or about a non-multicast group. */
    public long igmpInBadQueries;
    public long igmpInQueries;
    /** Queries beyond the rate the stack answers, dropped. */
    public long igmpInQueriesRateLimited;
    /** Other hosts' reports and leaves. */
    public long igmpInReports;
    /** Our pending v1/v2 reports another host's report made unnecessary (RFC 2236 section 3). */
    public long igmpReportsSuppressed;
    /** IGMP of unknown types, or to a unicast address. */
    public long igmpInIgnored;
    public long igmpOutMsgs;
    public long igmpOutReports;
    public long igmpOutLeaves;
    /** Reports not sent for want of a packet buffer. */
    public long igmpOutDiscards;
    /** Joins refused because an interface's group table or source list was full. */
    public long igmpGroupsRefused;

    // transmit
    public long txQueueDrops;
    /** Frames the links accepted for transmission. */
    public long framesTransmitted;
}
