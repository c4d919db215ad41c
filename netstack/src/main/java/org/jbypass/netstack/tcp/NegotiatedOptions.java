package org.jbypass.netstack.tcp;

/**
 * What a connection's handshake settled (RFC 9293 section 3.7.1, RFC 7323, RFC 2018): the segment sizes each way,
 * window scaling, timestamps with the last one to echo (TS.Recent), and SACK. Set while the connection opens (the
 * send MSS also by path MTU discovery, RFC 1191) and read by every class that builds or checks segments.
 */
final class NegotiatedOptions
{
    /** The MSS the peer announced (536 when it sent none, RFC 9293 section 3.7.1). */
    int peerMss = 536;
    /** Payload bytes per full-sized segment we send, after the timestamp option. */
    int sendMss = 536;
    /** The MSS we announced. */
    int receiveMss = 536;
    /** The path MTU learned from ICMP (RFC 1191), or 0. */
    int pathMtu;
    boolean windowScalingOk;
    /** Snd.Wind.Shift and Rcv.Wind.Shift (RFC 7323 section 2.2). */
    int sndWscale;
    int rcvWscale;
    boolean timestampsOk;
    boolean sackOk;
    /** This connection's offset to the TSval clock (RFC 7323 section 5.4). */
    int tsOffset;
    /** TS.Recent (RFC 7323 section 4.3) and when it was taken (for section 5.5). */
    int tsRecent;
    long tsRecentNanos;
}
