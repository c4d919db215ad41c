package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.MldMessage;

/**
 * Multicast Listener Discovery on one interface, as a listener: version 2 (RFC 3810) with the compatibility mode for
 * version 1 queriers (RFC 2710, RFC 3810 section 8), for every group the interface listens to: the solicited-node
 * group of each of its addresses (a switch that snoops MLD forwards a group's packets only to ports that reported
 * it, so without these reports neighbour solicitations for the stack's addresses stop reaching it), and the groups
 * its sockets join, with their source filters. The state machines are {@link MulticastListener}'s, shared with
 * IGMP (MLDv2 is IGMPv3 translated to IPv6, RFC 3810 section 1); this class validates what arrives and speaks MLD's
 * messages.
 *
 * <ul>
 *   <li>The report of a tentative address's group goes out before its first DAD solicitation (RFC 4862 section
 *       5.4.2), from :: while no link-local address is usable (RFC 3810 section 5.2.13).</li>
 *   <li>Every message leaves with hop limit 1 and a hop-by-hop Router Alert option (RFC 2711, value 0 for MLD);
 *       version 2 reports go to ff02::16 (section 5.2.14), version 1 reports to the group and Done messages to
 *       all-routers ff02::2 (RFC 2710 section 3); all-nodes ff02::1 and the groups of interface-local scope (and
 *       scope 0) are never reported (RFC 3810 section 6).</li>
 * </ul>
 *
 * <p>Hostile input is counted and dropped: queries from a source that is not link-local or with a hop limit other
 * than 1 (sections 5.1.14, 5.1.15; RFC 3810 asks 1 of every MLD message, where NDP's is 255), of an impossible
 * length (section 8.1: 25 to 27 bytes), with sources running past their end, a general query to another address
 * than all-nodes, a group-specific one to another address than its group, and queries beyond a rate (a flood cannot
 * make the stack send more reports than {@link QueryRate} lets through). Reports with such a source or hop limit,
 * or truncated, are counted and suppress nothing. Every table is bounded; nothing here allocates on the receive
 * path but a group-and-source-specific query's source list, and those are rate-limited.
 *
 * <p>Randomness comes from the stack's seed, time only from {@code poll(now)}: runs are reproducible.
 */
final class Mld extends MulticastListener
{
    /** ff02::16, all MLDv2-capable routers (RFC 3810 section 5.2.14). */
    static final long ALL_MLDV2_ROUTERS_LO = 0x16L;
    /** ff02::2, all routers, where version 1 Done messages go (RFC 2710 section 3). */
    static final long ALL_ROUTERS_LO = 0x2L;
    /**
     * Sources of a merged filter, so that one record fits the smallest IPv6 frame: (1280 - 40 - 8 - 8 - 20) / 16 =
     * 75.
     */
    static final int MAX_INTERFACE_SOURCES = 64;

    private final Ipv6Interface addresses;
    private final ByteBuffer memory;
    private final Ipv6Header ip = new Ipv6Header();
    private final Icmpv6Header icmp = new Icmpv6Header();
    private final EthernetHeader ethernet = new EthernetHeader();

    Mld(final NetInterface nif, final Ipv6Interface addresses, final IpCounters counters, final TimerQueue timers,
        final long seed)
    {
        super(nif, counters, timers, seed ^ 0x4D4C4432L, MAX_INTERFACE_SOURCES);
        this.addresses = addresses;
        this.memory = pool.memory();
    }

    /** The MLD version the interface speaks (RFC 3810 section 8.2.1's Host Compatibility Mode): 1 or 2. */
    int version()
    {
        return mode() == MODE_CURRENT ? 2 : 1;
    }

    /** The Robustness Variable learnt from the querier, for tests and diagnostics. */
    int robustness()
    {
        return robustness;
    }

    /**
     * Sets a filter for an IPv6 group (RFC 3810 section 2's IPv6MulticastListen).
     *
     * @param sources the sources, {@code hi, lo} pairs in any order
     * @return 0, or -errno as {@link MulticastListener#listen}
     */
    int listen6(final MulticastMembership membership, final boolean exclude, final long[] sources, final long now)
    {
        if (!membership.isIpv6())
        {
            return -Errno.EINVAL;
        }
        if (sources.length > 2 * MAX_SOURCES)
        {
            return -Errno.ENOBUFS;
        }
        return listen(membership, exclude, SourceList.of(sources), now);
    }

    @Override
    long groupMac(final long groupHi, final long groupLo)
    {
        return Ipv6Address.multicastMac(groupLo);
    }

    @Override
    boolean isReported(final long groupHi, final long groupLo)
    {
        return !(groupHi == Ipv6Address.ALL_NODES_HI && groupLo == Ipv6Address.ALL_NODES_LO)
            && Ipv6Address.multicastScope(groupHi) > 1;
    }

    @Override
    void countRefused()
    {
        counters.mldGroupsRefused++;
    }

    @Override
    void countSuppressed()
    {
        counters.mldReportsSuppressed++;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Input

    /**
     * A multicast listener query (RFC 3810 section 5.1, RFC 2710 section 3.6); the checksum was checked.
     *
     * @param hopLimit the hop limit it arrived with
     */
    void query(final ByteBuffer packet, final int offset, final int length, final long sourceHi,
        final long destinationHi, final long destinationLo, final int hopLimit, final long now)
    {
        final int version;
        if (length == MldMessage.V1_LENGTH)
        {
            version = MODE_OLD;
        }
        else if (length >= MldMessage.V2_QUERY_HEADER
            && length >= MldMessage.V2_QUERY_HEADER + 16 * MldMessage.sourceCount(packet, offset))
        {
            version = MODE_CURRENT;
        }
        else
        {
            counters.mldInBadQueries++; // section 8.1: 25 to 27 bytes, or sources past the end
            return;
        }
        final long queriedHi = MldMessage.groupHi(packet, offset);
        final long queriedLo = MldMessage.groupLo(packet, offset);
        final boolean general = queriedHi == 0 && queriedLo == 0;
        if (!Ipv6Address.isLinkLocal(sourceHi) || hopLimit != 1
            || !general && (!Ipv6Address.isMulticast(queriedHi) || queriedHi != destinationHi
                || queriedLo != destinationLo)
            || general && (destinationHi != Ipv6Address.ALL_NODES_HI || destinationLo != Ipv6Address.ALL_NODES_LO))
        {
            counters.mldInBadQueries++;
            return;
        }
        if (!takeQuery(now))
        {
            counters.mldInQueriesRateLimited++;
            return;
        }
        counters.mldInQueries++;
        final boolean current = version == MODE_CURRENT;
        final int n = current && !general ? MldMessage.sourceCount(packet, offset) : 0;
        long[] sources = SourceList.EMPTY;
        for (int i = 0; i < n; i++)
        {
            final int at = offset + MldMessage.V2_QUERY_HEADER + 16 * i;
            sources = SourceList.with(sources, packet.getLong(at), packet.getLong(at + 8));
        }
        query(version, MldMessage.maxResponseDelayNanos(packet, offset, current ? 2 : 1), general, queriedHi,
            queriedLo, current ? MldMessage.qrv(packet, offset) : 0,
            current ? MldMessage.queryIntervalNanos(packet, offset) : 0, sources, now);
    }

    /**
     * Another listener's report or Done (RFC 2710 section 4: in version 1 mode, hearing a report of a group cancels
     * ours; version 2 has no suppression, RFC 3810 section 6.2). Only a well-formed version 1 report from the link
     * (link-local source, hop limit 1) suppresses: anything else could silence the stack from afar.
     */
    void report(final ByteBuffer packet, final int offset, final int length, final long sourceHi,
        final long sourceLo, final int hopLimit)
    {
        final boolean v2 = (packet.get(offset) & 0xFF) == MldMessage.TYPE_V2_REPORT;
        if (length < (v2 ? MldMessage.V2_REPORT_HEADER : MldMessage.V1_LENGTH) || hopLimit != 1
            || !Ipv6Address.isLinkLocal(sourceHi) && !Ipv6Address.isUnspecified(sourceHi, sourceLo))
        {
            counters.mldInBadReports++;
            return;
        }
        counters.mldInReports++;
        if ((packet.get(offset) & 0xFF) == MldMessage.TYPE_V1_REPORT)
        {
            otherReport(MldMessage.groupHi(packet, offset), MldMessage.groupLo(packet, offset));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Send

    @Override
    int recordLength(final long[] sources)
    {
        return MldMessage.RECORD_LENGTH + 8 * sources.length;
    }

    @Override
    int reportHeaderLength()
    {
        return MldMessage.V2_REPORT_HEADER;
    }

    @Override
    int maxReportLength()
    {
        return nif.mtu() + EthernetHeader.LENGTH - l4Offset();
    }

    @Override
    void writeRecord(final int buffer, final int at, final int type, final long groupHi, final long groupLo,
        final long[] sources)
    {
        MldMessage.writeRecord(memory, pool.offset(buffer) + l4Offset() + at, type, groupHi, groupLo, sources);
    }

    @Override
    void sendReport(final int buffer, final int length, final int records)
    {
        MldMessage.writeV2ReportHeader(memory, pool.offset(buffer) + l4Offset(), records);
        counters.mldOutReports++;
        transmit(buffer, length, Ipv6Address.ALL_NODES_HI, ALL_MLDV2_ROUTERS_LO);
    }

    @Override
    void countDiscard()
    {
        counters.mldOutDiscards++;
    }

    @Override
    void sendOldReport(final int mode, final long groupHi, final long groupLo)
    {
        if (sendV1(MldMessage.TYPE_V1_REPORT, groupHi, groupLo, groupHi, groupLo))
        {
            counters.mldOutReports++;
        }
    }

    @Override
    void sendLeave(final long groupHi, final long groupLo)
    {
        if (sendV1(MldMessage.TYPE_V1_DONE, groupHi, groupLo, Ipv6Address.ALL_NODES_HI, ALL_ROUTERS_LO))
        {
            counters.mldOutDones++;
        }
    }

    /** A version 1 report (to the group itself) or Done (to all-routers), RFC 2710 section 3. */
    private boolean sendV1(final int type, final long groupHi, final long groupLo, final long destinationHi,
        final long destinationLo)
    {
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            countDiscard();
            return false;
        }
        MldMessage.writeV1(memory, pool.offset(buffer) + l4Offset(), type, groupHi, groupLo);
        transmit(buffer, MldMessage.V1_LENGTH, destinationHi, destinationLo);
        return true;
    }

    private static int l4Offset()
    {
        return Ipv6Output.L4_OFFSET + MldMessage.ROUTER_ALERT_HEADER_LENGTH;
    }

    /**
     * Writes the checksum, the Router Alert hop-by-hop header, the IPv6 header (hop limit 1, from the link-local
     * address or :: while none is usable) and the Ethernet header, and queues the frame.
     */
    private void transmit(final int buffer, final int icmpLength, final long destinationHi,
        final long destinationLo)
    {
        final int source = addresses.preferredSource(Ipv6Address.LINK_LOCAL_HI, 0);
        final boolean linkLocal = source >= 0 && Ipv6Address.isLinkLocal(addresses.hi(source));
        final long sourceHi = linkLocal ? addresses.hi(source) : 0;
        final long sourceLo = linkLocal ? addresses.lo(source) : 0;
        final int base = pool.offset(buffer);
        icmp.wrap(memory, base + l4Offset(), icmpLength).computeChecksum(sourceHi, sourceLo, destinationHi,
            destinationLo);
        MldMessage.writeRouterAlert(memory, base + Ipv6Output.L4_OFFSET);
        final int payload = MldMessage.ROUTER_ALERT_HEADER_LENGTH + icmpLength;
        ip.wrap(memory, base + EthernetHeader.LENGTH, Ipv6Header.LENGTH + payload).write(0, 0, payload,
            Ipv6Header.NEXT_HOP_BY_HOP, 1, sourceHi, sourceLo, destinationHi, destinationLo);
        final int frameLength = Ipv6Output.L4_OFFSET + payload;
        ethernet.wrap(memory, base, frameLength).destination(Ipv6Address.multicastMac(destinationLo))
            .source(nif.mac()).type(EthernetHeader.TYPE_IPV6);
        counters.mldOutMsgs++;
        nif.enqueue(buffer, frameLength, 0);
    }
}
