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
    /** ARP and IPv4 frames that arrived on an IPv6-only interface (one without an IPv4 address), dropped. */
    public long framesIpv4Disabled;

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

    // IPv6 receive (RFC 8200; named after RFC 4293's ipSystemStatsTable and Linux's /proc/net/snmp6)
    public long ip6InReceives;
    public long ip6InTooShort;
    public long ip6InBadVersion;
    /** The payload length runs past the frame (or describes a jumbogram, which the stack does not speak). */
    public long ip6InBadPayloadLength;
    /** A multicast, loopback or IPv4-mapped source (RFC 4291 sections 2.7, 2.5.3, 2.5.5.2). */
    public long ip6InBadSource;
    /** A loopback, unspecified or IPv4-mapped destination, or a multicast one of reserved scope 0. */
    public long ip6InBadDestination;
    /** Packets to an address that is not the stack's (the stack forwards nothing). */
    public long ip6InAddrErrors;
    /** Packets to an address of the stack still tentative (RFC 4862 section 5.4: only for DAD's messages). */
    public long ip6InTentative;
    /** Packets to a multicast group the interface has not joined. */
    public long ip6InMulticastNotJoined;
    /** Packets to a joined group from a source the interface's filter keeps out (RFC 3810 section 4.2). */
    public long ip6InMulticastFiltered;
    /** Extension headers that run past the packet, or options that run past their header. */
    public long ip6InTruncated;
    /** Chains longer than the stack walks (Ipv6ExtensionHeaders.MAX_HEADERS). */
    public long ip6InTooManyHeaders;
    /** A hop-by-hop options header anywhere but first (RFC 8200 section 4.1). */
    public long ip6InHopByHopNotFirst;
    /** Routing headers with segments left: type 0 (RFC 5095) and every other type, since a host routes nothing. */
    public long ip6InRoutingHeaders;
    /** Packets dropped for an option whose type says to (RFC 8200 section 4.2, the two high bits). */
    public long ip6InUnknownOptions;
    public long ip6InUnknownProtocols;
    /** Packets whose header chain ends with "no next header" (59). */
    public long ip6InNoNextHeader;
    /** Fragments with offset 0 and M clear, processed in isolation (RFC 6946, RFC 8021). */
    public long ip6InAtomicFragments;
    public long ip6InDelivers;

    // IPv6 reassembly (RFC 8200 section 4.5, overlaps per RFC 5722)
    public long ip6ReasmReqds;
    public long ip6ReasmOks;
    public long ip6ReasmFails;
    public long ip6ReasmTimeouts;
    public long ip6ReasmOverlaps;
    public long ip6ReasmNoSlot;
    /** First fragments without the whole header chain (RFC 7112), or fragments nested in a reassembled packet. */
    public long ip6ReasmBadChain;

    // IPv6 send
    public long ip6OutRequests;
    public long ip6OutNoRoutes;
    public long ip6OutDiscards;
    /** Packets a transport asked to send from a multicast or unspecified source, refused. */
    public long ip6OutBadSource;
    public long ip6FragOks;
    public long ip6FragFails;
    public long ip6FragCreates;
    public long ip6OutLoopback;
    /** Packets sent to a multicast group, and the copies of them looped back to the stack's members. */
    public long ip6OutMulticast;
    public long ip6OutMulticastLoopback;
    /** TCP super-segments sent as one chained packet for the link to segment (TSO over IPv6). */
    public long ip6OutSuperSegments;
    /** IPv6 super-segments dropped because the route's link could no longer take them (or its neighbour was lost). */
    public long ip6OutSuperSegmentFails;

    // ICMPv6 (RFC 4443; RFC 4293's icmpMsgStatsTable names)
    public long icmp6InMsgs;
    /** Too short, or a bad checksum. */
    public long icmp6InErrors;
    public long icmp6InEchos;
    public long icmp6InEchoReplies;
    public long icmp6InDestUnreachs;
    public long icmp6InPktTooBigs;
    public long icmp6InTimeExcds;
    public long icmp6InParmProblems;
    /** Errors that quote a packet the stack did not send, or too little of one. */
    public long icmp6InBadErrors;
    public long icmp6InIgnored;
    public long icmp6OutMsgs;
    public long icmp6OutEchoReplies;
    public long icmp6OutDestUnreachs;
    public long icmp6OutTimeExcds;
    public long icmp6OutParmProblems;
    /** Errors not sent because of the rate limit (RFC 4443 section 2.4(f)). */
    public long icmp6RateLimited;
    /** Errors not sent because RFC 4443 section 2.4(e) forbids them: about an error, a multicast, no single host. */
    public long icmp6ErrorsSuppressed;

    // Neighbour discovery (RFC 4861) and duplicate address detection (RFC 4862)
    public long ndpInSolicits;
    public long ndpInAdverts;
    /** Neighbour messages that fail the checks of RFC 4861 sections 7.1.1 and 7.1.2 (hop limit 255, options...). */
    public long ndpInInvalid;
    /** Router solicitations, advertisements and redirects: ignored, the stack's routes are configured. */
    public long ndpInRouterMessagesIgnored;
    public long ndpOutSolicits;
    public long ndpOutAdverts;
    /** Packets dropped because their neighbour's queue was full. */
    public long ndpQueueDrops;
    /** Packets dropped because their neighbour never answered. */
    public long ndpResolutionFailures;
    /** New neighbours refused because the cache was full of entries in use. */
    public long ndpCacheFull;
    /** Router advertisements taken (RFC 4861 section 6.3.4). */
    public long ndpInRouterAdverts;
    /**
     * Router advertisements dropped as section 6.1.2 asks: a hop limit other than 255, a source that is not
     * link-local, a code other than 0, too short, malformed options.
     */
    public long ndpInBadRouterAdverts;
    /** Default routers or on-link prefixes refused because the interface's list was full. */
    public long ndpRouterListFull;
    /** MTU options outside 1280 and the link's MTU, ignored. */
    public long ndpRouterMtuIgnored;
    /**
     * Times an upper layer's reachability confirmation (RFC 4861 section 7.3.1: a connection's forward progress)
     * kept a neighbour REACHABLE or made it so again, sparing it a probe.
     */
    public long ndpUpperLayerConfirmations;
    /** Addresses that passed duplicate address detection, and those found duplicate (and never used). */
    public long dadSucceeded;
    public long dadDuplicates;
    /** Our own DAD solicitations received back, recognised by their nonce (RFC 7527) and ignored. */
    public long dadLoopedBack;

    // MLD (RFC 3810, RFC 2710), as a listener
    /**
     * Queries dropped as hostile: not from a link-local source, hop limit other than 1, of an impossible length
     * (RFC 3810 section 8.1) or with sources past their end, or to a destination that does not match their group.
     */
    public long mldInBadQueries;
    public long mldInQueries;
    /** Queries beyond the rate the stack answers, dropped. */
    public long mldInQueriesRateLimited;
    /** Other listeners' reports. */
    public long mldInReports;
    /**
     * Other listeners' reports dropped as hostile: truncated, not from a link-local source (or ::), or with a hop
     * limit other than 1; they suppress nothing.
     */
    public long mldInBadReports;
    /** Our pending version 1 reports another listener's report made unnecessary (RFC 2710 section 4). */
    public long mldReportsSuppressed;
    /** Reports sent (version 2 reports, and version 1 reports while a version 1 querier is heard). */
    public long mldOutReports;
    /** Version 1 Done messages sent (RFC 2710 section 3), on leaving a group while a version 1 querier is heard. */
    public long mldOutDones;
    /** Every MLD message sent. */
    public long mldOutMsgs;
    /** Joins refused: the interface's groups, or a merged source list, full. */
    public long mldGroupsRefused;
    /** Reports not sent for want of a packet buffer. */
    public long mldOutDiscards;

    // Path MTU (RFC 8201)
    /** Packet-too-big messages that lowered a destination's path MTU. */
    public long pmtuLearned;
    /** Learnt path MTUs forgotten after their age, so that a larger one is tried again (RFC 8201 section 4). */
    public long pmtuExpired;

    // transmit
    public long txQueueDrops;
    /**
     * Frames that went to their flow's transmit queue rather than the caller's, because the link still held the
     * flow's last frame there (per-flow order across queues: {@link NetInterface}).
     */
    public long txFlowKept;
    /**
     * Times frames kept on another caller's transmit queue filled its burst, and the caller handed that burst to the
     * link itself rather than drop them (see {@link NetInterface}).
     */
    public long txKeptFlushes;
    /** Frames the links accepted for transmission. */
    public long framesTransmitted;
    /**
     * Super-frames whose payload a gathering link took from the send buffer's memory ({@link BufferChain} slices,
     * {@link org.jbypass.netstack.link.LinkCapabilities#TX_GATHER}) without the copy into pool buffers.
     */
    public long txGathered;
    /** Gathered super-frames the link dropped (a malformed frame, a device error); counted in txGathered's stead. */
    public long txGatherDrops;
    /**
     * Chained frames (TCP super-segments) not sent because the link could not take them now: its queue full, or
     * the transmit burst and its ring full. Never dropped: the transport sends them again later.
     */
    public long txChainsHeldBack;
}
