package org.jbypass.netstack.udp;

/** UDP counters, named after Linux's /proc/net/snmp Udp line. */
public final class UdpCounters
{
    public long inDatagrams;
    /** Datagrams to a port nobody listens on (answered with ICMP port unreachable). */
    public long noPorts;
    public long inErrors;
    /** Datagrams to a group the interface joined but no socket on their port joined (or lets their source in). */
    public long inMulticastNoMember;
    public long inCsumErrors;
    /** Datagrams dropped because the socket's receive buffer was full. */
    public long rcvbufErrors;
    public long outDatagrams;
    /** Datagrams not sent for want of a packet buffer. */
    public long sndbufErrors;
}
