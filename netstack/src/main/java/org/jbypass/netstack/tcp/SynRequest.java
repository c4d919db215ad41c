package org.jbypass.netstack.tcp;

import org.jbypass.netstack.util.Timer;

/**
 * A half-open passive connection, as Linux's request_sock and tcp_request_sock: what a SYN to a listener must be
 * remembered by until the handshake's last ACK (RFC 9293 section 3.10.7.2, SYN-RECEIVED) and nothing more: the
 * 4-tuple, both initial sequence numbers, the options both sides agreed on (RFC 7323, RFC 2018, RFC 9293 section
 * 3.7.1), the window our SYN-ACK offered, and the SYN-ACK's retransmission count, whose timer the record itself is.
 * The connection's {@link TcpSocket} is made from it only when the ACK completes the handshake
 * ({@link TcpHandshake#requestArrives}), so that a SYN that never completes (a lost client, a flood) costs this
 * record and no socket. Records are pooled by {@link RequestTable}.
 */
final class SynRequest extends Timer
{
    static final int TIMESTAMPS = 1;
    static final int WINDOW_SCALING = 2;
    static final int SACK = 4;

    private final TcpHandshake handshake;

    /** The listener the SYN reached; null while the record is free. */
    TcpSocket listener;
    /** The next record in the table's chain, or in the free list. */
    SynRequest next;

    boolean v6;
    int localAddress;
    int remoteAddress;
    long localHi;
    long localLo;
    long remoteHi;
    long remoteLo;
    int localPort;
    int remotePort;

    /** The peer's initial sequence number (IRS) and ours (ISS). */
    int irs;
    int iss;
    /** {@link #TIMESTAMPS}, {@link #WINDOW_SCALING}, {@link #SACK}: what both sides offered. */
    int options;
    int peerMss;
    int receiveMss;
    byte sndWscale;
    byte rcvWscale;
    /** SYN-ACKs sent again. */
    byte retries;
    /** The peer's TSval in its SYN (RFC 7323 section 4.3, TS.Recent) and this connection's TSval offset. */
    int tsRecent;
    int tsOffset;
    /** The unscaled window our SYN-ACK offers (RFC 7323 section 2.2). */
    int window;
    /** When the first SYN-ACK went out: the RTT sample if it was never retransmitted (Karn's algorithm). */
    long sentNanos;

    SynRequest(final TcpHandshake handshake)
    {
        this.handshake = handshake;
    }

    boolean timestamps()
    {
        return (options & TIMESTAMPS) != 0;
    }

    boolean windowScaling()
    {
        return (options & WINDOW_SCALING) != 0;
    }

    boolean sack()
    {
        return (options & SACK) != 0;
    }

    /** The SYN-ACK's TSval now. */
    int tsNow(final long nowNanos)
    {
        return (int)(nowNanos / 1_000_000L) + tsOffset;
    }

    @Override
    protected void onExpiry(final long nowNanos)
    {
        handshake.requestTimeout(this, nowNanos);
    }

    @Override
    public String toString()
    {
        return "SynRequest[" + (v6 ? "v6 " : TcpLayer.format(localAddress) + ":") + localPort + " <- "
            + (v6 ? "" : TcpLayer.format(remoteAddress) + ":") + remotePort + ", retries " + retries + "]";
    }
}
