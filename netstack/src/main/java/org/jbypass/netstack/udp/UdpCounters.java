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
    /**
     * IPv6 datagrams with a zero checksum, which RFC 8200 section 8.1 makes invalid (counted in inCsumErrors and
     * inErrors too, as Linux's udp6_csum_init reports them).
     */
    public long inZeroChecksums6;
    /** Datagrams dropped because the socket's receive buffer was full. */
    public long rcvbufErrors;
    public long outDatagrams;
    /** Datagrams not sent for want of a packet buffer. */
    public long sndbufErrors;
}
