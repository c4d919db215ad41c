package org.jbypass.netstack.tcp;

/**
 * A snapshot of one connection's state for diagnostics, in the spirit of Linux's {@code struct tcp_info}. Times are
 * in microseconds, windows in bytes.
 */
public final class TcpInfo
{
    public final TcpState state;
    public final long rttMicros;
    public final long rttVarMicros;
    public final long minRttMicros;
    public final long rtoMicros;
    public final int cwnd;
    public final int ssthresh;
    public final int sendMss;
    public final int receiveMss;
    public final int sendWindow;
    public final int receiveWindow;
    public final int sendWindowScale;
    public final int receiveWindowScale;
    public final boolean timestamps;
    public final boolean sack;
    public final int unacked;
    public final int sendQueued;
    public final int receiveQueued;
    public final long retransmits;
    public final long retransmitTimeouts;
    public final long fastRecoveries;
    public final int backoff;
    public final String congestionControl;

    TcpInfo(final TcpSocket s)
    {
        state = s.state;
        rttMicros = s.rtt.srtt() / 1000;
        rttVarMicros = s.rtt.rttvar() / 1000;
        minRttMicros = s.rtt.minRtt() / 1000;
        rtoMicros = s.rtt.rto() / 1000;
        cwnd = s.cc.cwnd;
        ssthresh = s.cc.ssthresh;
        sendMss = s.opt.sendMss;
        receiveMss = s.opt.receiveMss;
        sendWindow = s.snd.wnd;
        receiveWindow = s.rcv.adv - s.rcv.nxt;
        sendWindowScale = s.opt.windowScalingOk ? s.opt.sndWscale : -1;
        receiveWindowScale = s.opt.windowScalingOk ? s.opt.rcvWscale : -1;
        timestamps = s.opt.timestampsOk;
        sack = s.opt.sackOk;
        unacked = s.snd.nxt - s.snd.una;
        sendQueued = s.snd.buffered;
        receiveQueued = s.available();
        retransmits = s.retransmittedSegments;
        retransmitTimeouts = s.rtoCount;
        fastRecoveries = s.recoveryCount;
        backoff = s.rtt.backoffCount();
        congestionControl = s.cc.name();
    }

    @Override
    public String toString()
    {
        return "TcpInfo{state=" + state + ", rtt=" + rttMicros + "us, rttvar=" + rttVarMicros + "us, minRtt="
            + minRttMicros + "us, rto=" + rtoMicros + "us, cwnd=" + cwnd + ", ssthresh=" + ssthresh + ", sendMss="
            + sendMss + ", receiveMss=" + receiveMss + ", sendWindow=" + sendWindow + ", receiveWindow="
            + receiveWindow + ", wscale=" + sendWindowScale + "/" + receiveWindowScale + ", timestamps="
            + timestamps + ", sack=" + sack + ", unacked=" + unacked + ", sendQueued=" + sendQueued
            + ", receiveQueued=" + receiveQueued + ", retransmits=" + retransmits + ", timeouts="
            + retransmitTimeouts + ", recoveries=" + fastRecoveries + ", backoff=" + backoff + ", cc="
            + congestionControl + '}';
    }
}
