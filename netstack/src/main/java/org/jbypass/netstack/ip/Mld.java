package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.util.Timer;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.MldMessage;

/**
 * Multicast Listener Discovery on one interface, as a listener: version 2 (RFC 3810) with the compatibility mode for
 * version 1 queriers (RFC 2710, RFC 3810 section 8), for the groups the interface itself joins: the solicited-node
 * group of each of its addresses. A switch that snoops MLD forwards a group's packets only to ports that reported
 * it, so without these reports neighbour solicitations for the stack's addresses stop reaching it.
 *
 * <ul>
 *   <li>Joining a group reports it at once (a CHANGE_TO_EXCLUDE {} record, RFC 3810 section 6.1; or a version 1
 *       report), then Robustness - 1 more times at random intervals up to the Unsolicited Report Interval (section
 *       9.11: 1 s; RFC 2710 section 7.10: 10 s). The report of a tentative address's group goes out before its
 *       first DAD solicitation (RFC 4862 section 5.4.2), from :: while no link-local address is usable (RFC 3810
 *       section 5.2.13).</li>
 *   <li>Queries are answered after a random delay up to their Maximum Response Delay (section 6.2): a general query
 *       with one report of every group, a group-specific one with the group's record. The groups here listen to
 *       every source (EXCLUDE {}), so a group-and-source-specific query is answered with the group's whole state
 *       too: every queried source is let in.</li>
 *   <li>A version 1 query starts the Older Version Querier Present timer for Robustness times the Query Interval
 *       plus the query's delay (section 8.2.1); while it runs the interface sends version 1 reports to the group
 *       itself and suppresses its pending one when another listener reports the group first (RFC 2710 section 4).
 *       Changing version cancels what was pending (section 8.2.1). A version 2 query's QRV and QQIC set the
 *       Robustness Variable and the Query Interval (sections 5.1.8, 5.1.9).</li>
 *   <li>Every message leaves with hop limit 1 and a hop-by-hop Router Alert option (RFC 2711, value 0 for MLD),
 *       version 2 reports to ff02::16 (section 5.2.14); all-nodes ff02::1 is never reported (section 6).</li>
 * </ul>
 *
 * <p>Hostile input is counted and dropped: queries from a source that is not link-local or with a hop limit other
 * than 1 (sections 5.1.14, 5.1.15), of an impossible length (section 8.1: 25 to 27 bytes), with sources running
 * past their end, a general query to another address than all-nodes, and queries beyond a rate (a flood cannot
 * make the stack send more reports than {@link QueryRate} lets through). The group table is bounded by the
 * interface's addresses; nothing here allocates once the interface is up.
 *
 * <p>Randomness comes from the stack's seed, time only from {@code poll(now)}: runs are reproducible.
 */
final class Mld
{
    /** RFC 3810 section 9.1. */
    static final int DEFAULT_ROBUSTNESS = 2;
    /** Section 9.2. */
    static final long DEFAULT_QUERY_INTERVAL = 125_000_000_000L;
    /** Section 9.11. */
    static final long UNSOLICITED_REPORT_INTERVAL_V2 = 1_000_000_000L;
    /** RFC 2710 section 7.10. */
    static final long UNSOLICITED_REPORT_INTERVAL_V1 = 10_000_000_000L;
    /** ff02::16, all MLDv2-capable routers (RFC 3810 section 5.2.14). */
    static final long ALL_MLDV2_ROUTERS_LO = 0x16L;
    private static final long NONE = Long.MAX_VALUE;

    private final NetInterface nif;
    private final Ipv6Interface addresses;
    private final IpCounters counters;
    private final TimerQueue timers;
    private final PacketPool pool;
    private final ByteBuffer memory;
    private final SplittableRandom random;
    private final QueryRate queryRate = new QueryRate();
    private final Ipv6Header ip = new Ipv6Header();
    private final Icmpv6Header icmp = new Icmpv6Header();
    private final EthernetHeader ethernet = new EthernetHeader();
    private final MldTimer timer = new MldTimer();

    // The groups joined: a solicited-node group is shared by the addresses with the same last 24 bits.
    private final long[] groupHi;
    private final long[] groupLo;
    private final int[] references;
    private final int[] retransmissionsLeft;
    private final long[] retransmitAt;
    private final long[] responseAt;
    private int groupCount;

    private int robustness = DEFAULT_ROBUSTNESS;
    private long queryIntervalNanos = DEFAULT_QUERY_INTERVAL;
    private long generalResponseAt = NONE;
    /** When the Older Version Querier Present timer runs out, or {@link #NONE} when no version 1 querier is heard. */
    private long v1QuerierUntil = NONE;

    // The version 2 report being built.
    private int report = PacketPool.NO_BUFFER;
    private int reportLength;
    private int reportRecords;

    Mld(final NetInterface nif, final Ipv6Interface addresses, final IpCounters counters, final TimerQueue timers,
        final int maxGroups, final long seed)
    {
        this.nif = nif;
        this.addresses = addresses;
        this.counters = counters;
        this.timers = timers;
        this.pool = nif.pool();
        this.memory = pool.memory();
        this.random = new SplittableRandom(seed ^ 0x4D4C4432L);
        this.groupHi = new long[maxGroups];
        this.groupLo = new long[maxGroups];
        this.references = new int[maxGroups];
        this.retransmissionsLeft = new int[maxGroups];
        this.retransmitAt = new long[maxGroups];
        this.responseAt = new long[maxGroups];
    }

    /** The MLD version the interface speaks (RFC 3810 section 8.2.1's Host Compatibility Mode): 1 or 2. */
    int version(final long now)
    {
        if (v1QuerierUntil != NONE && v1QuerierUntil - now <= 0)
        {
            v1QuerierUntil = NONE;
            cancelPending();
        }
        return v1QuerierUntil == NONE ? 2 : 1;
    }

    /** The Robustness Variable learnt from the querier, for tests and diagnostics. */
    int robustness()
    {
        return robustness;
    }

    /** Whether the interface reports {@code group} (its hi/lo pair); allocates nothing. */
    boolean isJoined(final long hi, final long lo)
    {
        return find(hi, lo) >= 0;
    }

    /**
     * Joins a group (a count of joins is kept: one report per group however many addresses share it) and reports
     * the change (RFC 3810 section 6.1).
     */
    void join(final long hi, final long lo, final long now)
    {
        final int existing = find(hi, lo);
        if (existing >= 0)
        {
            references[existing]++;
            return;
        }
        if (groupCount == groupHi.length)
        {
            throw new IllegalStateException("interface " + nif.name() + ": more than " + groupHi.length
                + " MLD groups");
        }
        final int g = groupCount++;
        groupHi[g] = hi;
        groupLo[g] = lo;
        references[g] = 1;
        responseAt[g] = NONE;
        retransmitAt[g] = NONE;
        if (hi == Ipv6Address.ALL_NODES_HI && lo == Ipv6Address.ALL_NODES_LO)
        {
            return;
        }
        final int version = version(now);
        retransmissionsLeft[g] = robustness - 1;
        if (version == 1)
        {
            sendV1Report(g);
        }
        else
        {
            addRecord(MldMessage.CHANGE_TO_EXCLUDE, g);
            finishReport();
        }
        scheduleRetransmit(g, now, version);
    }

    private void scheduleRetransmit(final int g, final long now, final int version)
    {
        if (retransmissionsLeft[g] <= 0)
        {
            retransmitAt[g] = NONE;
            return;
        }
        final long interval = version == 1 ? UNSOLICITED_REPORT_INTERVAL_V1 : UNSOLICITED_REPORT_INTERVAL_V2;
        retransmitAt[g] = now + 1 + random.nextLong(interval);
        timers.scheduleNoLaterThan(timer, retransmitAt[g]);
    }

    private int find(final long hi, final long lo)
    {
        for (int i = 0; i < groupCount; i++)
        {
            if (groupHi[i] == hi && groupLo[i] == lo)
            {
                return i;
            }
        }
        return -1;
    }

    private static boolean isReported(final long hi, final long lo)
    {
        return !(hi == Ipv6Address.ALL_NODES_HI && lo == Ipv6Address.ALL_NODES_LO);
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
            version = 1;
        }
        else if (length >= MldMessage.V2_QUERY_HEADER
            && length >= MldMessage.V2_QUERY_HEADER + 16 * MldMessage.sourceCount(packet, offset))
        {
            version = 2;
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
        if (!queryRate.take(now))
        {
            counters.mldInQueriesRateLimited++;
            return;
        }
        counters.mldInQueries++;
        final long maxDelay = MldMessage.maxResponseDelayNanos(packet, offset, version);
        if (version == 2)
        {
            final int qrv = MldMessage.qrv(packet, offset);
            if (qrv != 0)
            {
                robustness = qrv;
            }
            final long qqi = MldMessage.queryIntervalNanos(packet, offset);
            if (qqi != 0)
            {
                queryIntervalNanos = qqi;
            }
        }
        else
        {
            final boolean wasV2 = version(now) == 2;
            v1QuerierUntil = now + robustness * queryIntervalNanos + maxDelay;
            if (wasV2)
            {
                cancelPending();
            }
        }
        final long deadline = now + (maxDelay <= 0 ? 0 : random.nextLong(maxDelay));
        if (version(now) == 2 && general)
        {
            // Section 6.2, rule 1: a general answer due sooner already covers this query.
            if (generalResponseAt == NONE || generalResponseAt - deadline > 0)
            {
                generalResponseAt = deadline;
                timers.scheduleNoLaterThan(timer, deadline);
            }
            return;
        }
        if (generalResponseAt != NONE && generalResponseAt - deadline <= 0)
        {
            return;
        }
        for (int g = 0; g < groupCount; g++)
        {
            if ((general || groupHi[g] == queriedHi && groupLo[g] == queriedLo) && isReported(groupHi[g], groupLo[g])
                && (responseAt[g] == NONE || responseAt[g] - deadline > 0))
            {
                // RFC 2710 section 4: a timer already due sooner is kept (a random one per group in version 1).
                responseAt[g] = general ? now + (maxDelay <= 0 ? 0 : random.nextLong(maxDelay)) : deadline;
                timers.scheduleNoLaterThan(timer, responseAt[g]);
            }
        }
    }

    /**
     * Another listener's report (RFC 2710 section 4: in version 1 mode, hearing a report of a group cancels ours;
     * version 2 has no suppression, section 6.2).
     */
    void report(final ByteBuffer packet, final int offset, final int length, final long now)
    {
        counters.mldInReports++;
        if (length != MldMessage.V1_LENGTH || version(now) != 1)
        {
            return;
        }
        final int g = find(MldMessage.groupHi(packet, offset), MldMessage.groupLo(packet, offset));
        if (g >= 0 && responseAt[g] != NONE)
        {
            responseAt[g] = NONE;
            counters.mldReportsSuppressed++;
        }
    }

    private void cancelPending()
    {
        generalResponseAt = NONE;
        for (int g = 0; g < groupCount; g++)
        {
            responseAt[g] = NONE;
            retransmitAt[g] = NONE;
            retransmissionsLeft[g] = 0;
        }
    }

    private void onTimer(final long now)
    {
        final int version = version(now);
        if (generalResponseAt != NONE && generalResponseAt - now <= 0)
        {
            generalResponseAt = NONE;
            // Section 6.2: the current state of every group in as few reports as fit the link.
            for (int g = 0; g < groupCount; g++)
            {
                if (isReported(groupHi[g], groupLo[g]))
                {
                    addRecord(MldMessage.MODE_IS_EXCLUDE, g);
                }
            }
            finishReport();
        }
        long next = generalResponseAt;
        for (int g = 0; g < groupCount; g++)
        {
            if (responseAt[g] != NONE && responseAt[g] - now <= 0)
            {
                responseAt[g] = NONE;
                if (version == 1)
                {
                    sendV1Report(g);
                }
                else
                {
                    addRecord(MldMessage.MODE_IS_EXCLUDE, g);
                }
            }
            if (retransmitAt[g] != NONE && retransmitAt[g] - now <= 0)
            {
                retransmissionsLeft[g]--;
                if (version == 1)
                {
                    sendV1Report(g);
                }
                else
                {
                    addRecord(MldMessage.CHANGE_TO_EXCLUDE, g);
                }
                scheduleRetransmit(g, now, version);
            }
            next = Math.min(next, Math.min(responseAt[g], retransmitAt[g]));
        }
        finishReport();
        if (v1QuerierUntil != NONE)
        {
            next = Math.min(next, v1QuerierUntil);
        }
        if (next != NONE)
        {
            timers.scheduleNoLaterThan(timer, next);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Send

    /** Adds a group's record to the version 2 report being built, sending the one before when it is full. */
    private void addRecord(final int type, final int g)
    {
        if (report != PacketPool.NO_BUFFER
            && l4Offset() + reportLength + MldMessage.RECORD_LENGTH > nif.mtu() + EthernetHeader.LENGTH)
        {
            finishReport();
        }
        if (report == PacketPool.NO_BUFFER)
        {
            report = pool.allocate();
            if (report == PacketPool.NO_BUFFER)
            {
                counters.mldOutDiscards++;
                return;
            }
            reportLength = MldMessage.V2_REPORT_HEADER;
            reportRecords = 0;
        }
        MldMessage.writeRecord(memory, pool.offset(report) + l4Offset() + reportLength, type, groupHi[g],
            groupLo[g]);
        reportLength += MldMessage.RECORD_LENGTH;
        reportRecords++;
    }

    private void finishReport()
    {
        if (report == PacketPool.NO_BUFFER)
        {
            return;
        }
        final int buffer = report;
        report = PacketPool.NO_BUFFER;
        MldMessage.writeV2ReportHeader(memory, pool.offset(buffer) + l4Offset(), reportRecords);
        transmit(buffer, reportLength, Ipv6Address.ALL_NODES_HI, ALL_MLDV2_ROUTERS_LO);
    }

    /** A version 1 report, to the group itself (RFC 2710 section 3). */
    private void sendV1Report(final int g)
    {
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.mldOutDiscards++;
            return;
        }
        MldMessage.writeV1Report(memory, pool.offset(buffer) + l4Offset(), groupHi[g], groupLo[g]);
        transmit(buffer, MldMessage.V1_LENGTH, groupHi[g], groupLo[g]);
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
        counters.mldOutReports++;
        nif.enqueue(buffer, frameLength, 0);
    }

    /** The interface is going away: nothing more is sent. */
    void release()
    {
        timers.cancel(timer);
    }

    private final class MldTimer extends Timer
    {
        @Override
        protected void onExpiry(final long nowNanos)
        {
            onTimer(nowNanos);
        }
    }
}
