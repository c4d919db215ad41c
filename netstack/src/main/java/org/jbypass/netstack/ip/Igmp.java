package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.IgmpHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv6Address;

/**
 * IGMP for a host: version 3 (RFC 3376) with the compatibility modes for version 2 (RFC 2236) and 1 (RFC 1112)
 * queriers, and the multicast memberships of the stack's sockets merged per interface. The state machines are
 * {@link MulticastListener}'s, shared with MLD; an {@link IgmpInterface} per interface speaks IGMP's messages. This
 * class is the protocol as IPv4 sees it: it validates what arrives and hands it to the interface's state.
 *
 * <p>Hostile input is counted and dropped: truncated messages, bad checksums, queries of an impossible length
 * (RFC 3376 section 7.1) or to the wrong destination, and queries beyond a rate (a flood cannot make the stack send
 * more than {@link QueryRate} lets through a second, nor grow any state: every table is bounded).
 *
 * <p>Randomness comes from the stack's seed and time only from {@code poll(now)}: runs are reproducible.
 */
final class Igmp implements Ipv4Protocol
{
    /** A version 1 query's Max Resp Time (RFC 3376 section 7.2.1: 10 seconds). */
    static final long V1_MAX_RESPONSE = 10_000_000_000L;
    private static final long DECISECOND = 100_000_000L;

    static final int ALL_SYSTEMS = Ipv4Address.parse("224.0.0.1");
    static final int ALL_ROUTERS = Ipv4Address.parse("224.0.0.2");
    static final int ALL_IGMPV3_ROUTERS = Ipv4Address.parse("224.0.0.22");

    private final Ipv4Layer ipv4;
    private final TimerQueue timers;
    private final StackTime time;
    private final IpCounters counters;
    private final long seed;
    private final IgmpHeader igmp = new IgmpHeader();
    private IgmpInterface[] interfaces = new IgmpInterface[0];

    Igmp(final Ipv4Layer ipv4, final TimerQueue timers, final StackTime time, final IpCounters counters,
        final long seed)
    {
        this.time = time;
        this.ipv4 = ipv4;
        this.timers = timers;
        this.counters = counters;
        this.seed = seed ^ 0x49474D5033L;
    }

    void addInterface(final NetInterface nif)
    {
        final IgmpInterface[] grown = java.util.Arrays.copyOf(interfaces, interfaces.length + 1);
        grown[nif.index()] = new IgmpInterface(nif, ipv4, counters, timers, seed + 31L * nif.index());
        interfaces = grown;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Memberships

    /**
     * Sets a socket's filter for a group on an interface (RFC 3376 section 2), merges the interface's and reports
     * any change. INCLUDE {} ends the membership.
     *
     * @return 0, or -errno: ENODEV (no such interface), ENOBUFS (too many groups or sources), or the link's error
     *         adding the group's MAC
     */
    int listen(final MulticastMembership membership, final boolean exclude, final int[] sources)
    {
        final int index = membership.interfaceIndex();
        if (index < 0 || index >= interfaces.length)
        {
            return -Errno.ENODEV;
        }
        if (sources.length > MulticastListener.MAX_SOURCES)
        {
            return -Errno.ENOBUFS;
        }
        if (!interfaces[index].nif.hasIpv4())
        {
            // An IPv6-only interface: IGMP has no source address to report from (Linux: no in_device, ENODEV).
            return -Errno.ENODEV;
        }
        return interfaces[index].listen(membership, exclude, SourceList.ofIpv4(sources), time.nanos());
    }

    /** Whether the interface receives anything of {@code group}; all-systems always. Allocates nothing. */
    boolean isMember(final int interfaceIndex, final int group)
    {
        return group == ALL_SYSTEMS
            || interfaces[interfaceIndex].isMember(Ipv6Address.V4_MAPPED_HI, Ipv6Address.v4MappedLo(group));
    }

    /** Whether the interface's merged filter for {@code group} lets {@code source} in. Allocates nothing. */
    boolean allows(final int interfaceIndex, final int group, final int source)
    {
        return group == ALL_SYSTEMS || interfaces[interfaceIndex].allows(Ipv6Address.V4_MAPPED_HI,
            Ipv6Address.v4MappedLo(group), Ipv6Address.V4_MAPPED_HI, Ipv6Address.v4MappedLo(source));
    }

    /** The interface's merged filter for a group, for tests and diagnostics: null when it has no record of it. */
    MulticastGroup group(final int interfaceIndex, final int group)
    {
        return interfaces[interfaceIndex].find(Ipv6Address.V4_MAPPED_HI, Ipv6Address.v4MappedLo(group));
    }

    /** The Host Compatibility Mode of an interface (1, 2 or 3), for tests and diagnostics. */
    int version(final int interfaceIndex)
    {
        return interfaces[interfaceIndex].mode();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Receive

    @Override
    public int receive(final ByteBuffer memory, final int offset, final int length, final int source,
        final int destination, final int tos, final int ttl, final int rxFlags)
    {
        // IGMP to a unicast address: queriers send to all-systems or the group (RFC 3376 section 4.1.12).
        counters.igmpInMsgs++;
        counters.igmpInIgnored++;
        return CONSUMED;
    }

    @Override
    public int receiveMulticast(final ByteBuffer memory, final int offset, final int length, final int source,
        final int group, final int tos, final int ttl, final int rxFlags, final int interfaceIndex)
    {
        final long now = time.nanos();
        counters.igmpInMsgs++;
        if (length < IgmpHeader.MIN_LENGTH)
        {
            counters.igmpInTooShort++;
            return CONSUMED;
        }
        igmp.wrap(memory, offset, length);
        if (!igmp.checksumOk())
        {
            counters.igmpInBadChecksum++;
            return CONSUMED;
        }
        final IgmpInterface ifc = interfaces[interfaceIndex];
        switch (igmp.type())
        {
            case IgmpHeader.TYPE_QUERY -> query(ifc, group, now);
            case IgmpHeader.TYPE_V1_REPORT, IgmpHeader.TYPE_V2_REPORT ->
            {
                counters.igmpInReports++;
                ifc.otherReport(Ipv6Address.V4_MAPPED_HI, Ipv6Address.v4MappedLo(igmp.group()));
            }
            case IgmpHeader.TYPE_V2_LEAVE, IgmpHeader.TYPE_V3_REPORT -> counters.igmpInReports++;
            default -> counters.igmpInIgnored++;
        }
        return CONSUMED;
    }

    @Override
    public void icmpError(final int type, final int code, final int info, final int source, final int destination,
        final ByteBuffer memory, final int quotedOffset, final int quotedLength)
    {
        // Nothing to learn: reports are unacknowledged.
    }

    private void query(final IgmpInterface ifc, final int destination, final long now)
    {
        final int length = igmp.length();
        final int version;
        final long maxResponse;
        if (length == IgmpHeader.MIN_LENGTH)
        {
            // RFC 3376 section 7.1: 8 bytes and a zero Max Resp Code is version 1, else version 2.
            version = igmp.maxRespCode() == 0 ? MulticastListener.MODE_IGMPV1 : MulticastListener.MODE_OLD;
            maxResponse = version == MulticastListener.MODE_IGMPV1 ? V1_MAX_RESPONSE
                : igmp.maxRespCode() * DECISECOND;
        }
        else if (length >= IgmpHeader.V3_QUERY_LENGTH)
        {
            if (!igmp.sourcesFit())
            {
                counters.igmpInTooShort++;
                return;
            }
            version = MulticastListener.MODE_CURRENT;
            maxResponse = IgmpHeader.decodeCode(igmp.maxRespCode()) * DECISECOND;
        }
        else
        {
            // 9 to 11 bytes: no version's query; silently ignored (RFC 3376 section 7.1).
            counters.igmpInBadQueries++;
            return;
        }
        final int group = igmp.group();
        if (group != 0 && !Ipv4Address.isMulticast(group) || (group == 0 ? destination != ALL_SYSTEMS
            : destination != group))
        {
            // A general query goes to all-systems, a group's to the group (RFC 3376 section 4.1.12, RFC 2236 2.1).
            counters.igmpInBadQueries++;
            return;
        }
        if (!ifc.takeQuery(now))
        {
            counters.igmpInQueriesRateLimited++;
            return;
        }
        counters.igmpInQueries++;
        final boolean current = version == MulticastListener.MODE_CURRENT;
        final int n = current && group != 0 ? igmp.sourceCount() : 0;
        long[] sources = SourceList.EMPTY;
        for (int i = 0; i < n; i++)
        {
            sources = SourceList.with(sources, Ipv6Address.V4_MAPPED_HI, Ipv6Address.v4MappedLo(igmp.source(i)));
        }
        ifc.query(version, maxResponse, group == 0, Ipv6Address.V4_MAPPED_HI, Ipv6Address.v4MappedLo(group),
            current ? igmp.qrv() : 0, current ? IgmpHeader.decodeCode(igmp.qqic()) * 1_000_000_000L : 0, sources,
            now);
    }
}
