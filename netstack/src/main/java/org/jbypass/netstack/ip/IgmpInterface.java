package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.IgmpHeader;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.Ipv6Address;

/**
 * IGMP on one interface: the listener state machine of {@link MulticastListener} speaking IGMP's messages. Version
 * 3 reports (RFC 3376 section 4.2) go to 224.0.0.22, version 1 and 2 reports to the group and version 2 leaves to
 * all-routers (RFC 2236 section 3); every message leaves with TTL 1, the Router Alert option and the IP precedence
 * of network control (RFC 3376 section 4); the all-systems group 224.0.0.1 is never reported (section 5).
 */
final class IgmpInterface extends MulticastListener
{
    /** Sources in an interface's merged filter, so that one record fits a frame: (1500 - 24 - 8 - 8) / 4 = 365. */
    static final int MAX_INTERFACE_SOURCES = 256;
    /** IP precedence "internetwork control", as Linux sends IGMP. */
    private static final int TOS = 0xC0;

    private final Ipv4Layer ipv4;
    private final ByteBuffer memory;
    private final IgmpHeader igmp = new IgmpHeader();
    private final EthernetHeader ethernet = new EthernetHeader();
    private final Ipv4Header ip = new Ipv4Header();

    IgmpInterface(final NetInterface nif, final Ipv4Layer ipv4, final IpCounters counters, final TimerQueue timers,
        final long seed)
    {
        super(nif, counters, timers, seed, MAX_INTERFACE_SOURCES);
        this.ipv4 = ipv4;
        this.memory = pool.memory();
    }

    private static int group(final long groupLo)
    {
        return Ipv6Address.v4FromMapped(groupLo);
    }

    @Override
    long groupMac(final long groupHi, final long groupLo)
    {
        return MulticastMacFilter.groupMac(group(groupLo));
    }

    @Override
    boolean isReported(final long groupHi, final long groupLo)
    {
        return group(groupLo) != Igmp.ALL_SYSTEMS;
    }

    @Override
    void countRefused()
    {
        counters.igmpGroupsRefused++;
    }

    @Override
    void countSuppressed()
    {
        counters.igmpReportsSuppressed++;
    }

    @Override
    int recordLength(final long[] sources)
    {
        return IgmpHeader.RECORD_HEADER + 4 * SourceList.size(sources);
    }

    @Override
    int reportHeaderLength()
    {
        return IgmpHeader.V3_REPORT_HEADER;
    }

    @Override
    int maxReportLength()
    {
        return nif.mtu() - Ipv4Header.ROUTER_ALERT_LENGTH;
    }

    @Override
    void writeRecord(final int buffer, final int at, final int type, final long groupHi, final long groupLo,
        final long[] sources)
    {
        final int[] v4 = SourceList.toIpv4(sources);
        IgmpHeader.writeRecord(memory, igmpOffset(buffer) + at, type, group(groupLo), v4, v4.length);
    }

    @Override
    void sendReport(final int buffer, final int length, final int records)
    {
        igmp.wrap(memory, igmpOffset(buffer), length).writeV3ReportHeader(records).computeChecksum();
        counters.igmpOutReports++;
        transmit(buffer, Igmp.ALL_IGMPV3_ROUTERS, length);
    }

    @Override
    void countDiscard()
    {
        counters.igmpOutDiscards++;
    }

    @Override
    void sendOldReport(final int mode, final long groupHi, final long groupLo)
    {
        final int g = group(groupLo);
        sendShort(mode == MODE_IGMPV1 ? IgmpHeader.TYPE_V1_REPORT : IgmpHeader.TYPE_V2_REPORT, g, g);
    }

    @Override
    void sendLeave(final long groupHi, final long groupLo)
    {
        sendShort(IgmpHeader.TYPE_V2_LEAVE, group(groupLo), Igmp.ALL_ROUTERS);
    }

    /** Sends a version 1 or 2 report or a version 2 leave. */
    private void sendShort(final int type, final int group, final int destination)
    {
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            countDiscard();
            return;
        }
        igmp.wrap(memory, igmpOffset(buffer), IgmpHeader.MIN_LENGTH).writeShort(type, group);
        if (type == IgmpHeader.TYPE_V2_LEAVE)
        {
            counters.igmpOutLeaves++;
        }
        else
        {
            counters.igmpOutReports++;
        }
        transmit(buffer, destination, IgmpHeader.MIN_LENGTH);
    }

    private int igmpOffset(final int buffer)
    {
        return pool.offset(buffer) + EthernetHeader.LENGTH + Ipv4Header.ROUTER_ALERT_LENGTH;
    }

    /** Writes the IPv4 header (TTL 1, Router Alert) and the Ethernet header, and queues the frame. */
    private void transmit(final int buffer, final int destination, final int igmpLength)
    {
        final int base = pool.offset(buffer);
        final int total = Ipv4Header.ROUTER_ALERT_LENGTH + igmpLength;
        ip.wrap(memory, base + EthernetHeader.LENGTH, total).writeWithRouterAlert(TOS, total,
            ipv4.nextIdentification(), 1, Ipv4Header.PROTOCOL_IGMP, nif.address(), destination);
        ethernet.wrap(memory, base, EthernetHeader.LENGTH + total)
            .destination(MulticastMacFilter.groupMac(destination)).source(nif.mac()).type(EthernetHeader.TYPE_IPV4);
        counters.igmpOutMsgs++;
        nif.enqueue(buffer, EthernetHeader.LENGTH + total, 0);
    }
}
