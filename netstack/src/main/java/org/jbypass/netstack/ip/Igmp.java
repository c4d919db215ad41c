package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.IgmpHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;

/**
 * IGMP for a host: version 3 (RFC 3376) with the compatibility modes for version 2 (RFC 2236) and 1 (RFC 1112)
 * queriers, and the multicast memberships of the stack's sockets merged per interface.
 *
 * <ul>
 *   <li>Joins, leaves and source filter changes ({@link #listen}, RFC 3376 section 2's IPMulticastListen) merge the
 *       sockets' filters into the interface's (section 3.2) and report the change at once, then Robustness - 1 more
 *       times at random intervals up to the Unsolicited Report Interval (section 5.1). A change made while
 *       retransmissions are pending is merged into them: a filter mode change turns them into TO_IN/TO_EX records
 *       of the current state, a source change into ALLOW/BLOCK of the sources changed since the last mode change,
 *       and the count starts again (the RFC keeps a count per source; one per group retransmits some sources more
 *       often, never fewer times).</li>
 *   <li>Queries are answered after a random delay up to their Max Resp Time (section 5.2): a general query with
 *       one report of every group's current state, a group-specific one with the group's, a group-and-source-
 *       specific one with the queried sources the filter lets in.</li>
 *   <li>A version 1 or 2 query starts that version's Older Version Querier Present timer (section 7.2.1) for the
 *       Robustness Variable times the Query Interval plus the query's Max Resp Time; while it runs, the interface
 *       speaks that version (reports of RFC 2236 section 3, with report suppression; leaves in version 2 only)
 *       and source filters are not reported. Changing mode cancels what was pending.</li>
 *   <li>Messages go out with TTL 1, the Router Alert option and the IP precedence of network control (RFC 3376
 *       section 4); no report is ever sent for the all-systems group 224.0.0.1 (section 5).</li>
 * </ul>
 *
 * <p>Hostile input is counted and dropped: truncated messages, bad checksums, queries of an impossible length
 * (section 7.1) or to the wrong destination, and queries beyond a rate (a flood cannot make the stack send more
 * than {@link QueryRate} lets through a second, nor grow any state: every table here is bounded).
 *
 * <p>Randomness comes from the stack's seed and time only from {@code poll(now)}: runs are reproducible.
 */
final class Igmp implements Ipv4Protocol
{
    /** Groups per interface, joined or with a leave still being retransmitted; also the MAC filter's size. */
    static final int MAX_GROUPS = 256;
    /** Sources in one socket's filter for one group (Linux's igmp_max_msf is 10; markets use a few). */
    static final int MAX_SOURCES = 64;
    /** Sources in an interface's merged filter, so that one record fits a frame: (1500 - 24 - 8 - 8) / 4 = 365. */
    static final int MAX_INTERFACE_SOURCES = 256;

    // RFC 3376 section 8 defaults.
    static final int DEFAULT_ROBUSTNESS = 2;
    static final long DEFAULT_QUERY_INTERVAL = 125_000_000_000L;
    static final long UNSOLICITED_REPORT_INTERVAL_V3 = 1_000_000_000L;
    /** RFC 2236 section 8.10. */
    static final long UNSOLICITED_REPORT_INTERVAL_V2 = 10_000_000_000L;
    /** A version 1 query's Max Resp Time (RFC 3376 section 7.2.1: 10 seconds). */
    static final long V1_MAX_RESPONSE = 10_000_000_000L;
    private static final long DECISECOND = 100_000_000L;

    static final int ALL_SYSTEMS = Ipv4Address.parse("224.0.0.1");
    static final int ALL_ROUTERS = Ipv4Address.parse("224.0.0.2");
    static final int ALL_IGMPV3_ROUTERS = Ipv4Address.parse("224.0.0.22");
    /** IP precedence "internetwork control", as Linux sends IGMP. */
    private static final int TOS = 0xC0;

    private final Ipv4Layer ipv4;
    private final PacketPool pool;
    private final ByteBuffer memory;
    private final TimerQueue timers;
    private final StackTime time;
    private final IpCounters counters;
    private final SplittableRandom random;
    private final IgmpHeader igmp = new IgmpHeader();
    private final EthernetHeader ethernet = new EthernetHeader();
    private final Ipv4Header ip = new Ipv4Header();
    private IgmpInterface[] interfaces = new IgmpInterface[0];

    private final QueryRate queryRate = new QueryRate();

    // The version 3 report being built.
    private int report = PacketPool.NO_BUFFER;
    private IgmpInterface reportInterface;
    private int reportLength;
    private int reportRecords;

    Igmp(final Ipv4Layer ipv4, final TimerQueue timers, final StackTime time, final IpCounters counters,
        final long seed)
    {
        this.time = time;
        this.ipv4 = ipv4;
        this.pool = ipv4.pool();
        this.memory = pool.memory();
        this.timers = timers;
        this.counters = counters;
        this.random = new SplittableRandom(seed ^ 0x49474D5033L);
    }

    void addInterface(final NetInterface nif)
    {
        final IgmpInterface[] grown = java.util.Arrays.copyOf(interfaces, interfaces.length + 1);
        grown[nif.index()] = new IgmpInterface(nif, this);
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
        final long now = time.nanos();
        final int index = membership.interfaceIndex();
        if (index < 0 || index >= interfaces.length)
        {
            return -Errno.ENODEV;
        }
        if (sources.length > MAX_SOURCES)
        {
            return -Errno.ENOBUFS;
        }
        if (!interfaces[index].nif.hasIpv4())
        {
            // An IPv6-only interface: IGMP has no source address to report from (Linux: no in_device, ENODEV).
            return -Errno.ENODEV;
        }
        final IgmpInterface ifc = interfaces[index];
        final int group = membership.group();
        final boolean willBeMember = exclude || sources.length > 0;
        MulticastGroup g = ifc.find(group);
        if (g == null)
        {
            if (!willBeMember)
            {
                membership.exclude = false;
                membership.sources = SourceList.EMPTY;
                return 0;
            }
            if (ifc.groupCount == MAX_GROUPS)
            {
                counters.igmpGroupsRefused++;
                return -Errno.ENOBUFS;
            }
            g = new MulticastGroup(ifc, group, this);
            ifc.add(g);
        }
        if (willBeMember && !g.macAdded)
        {
            final int result = ifc.nif.multicastMacs.add(group);
            if (result < 0)
            {
                forgetIfIdle(ifc, g);
                return result;
            }
            g.macAdded = true;
        }
        final boolean oldExclude = g.exclude;
        final int[] oldSources = g.sources;
        final boolean savedExclude = membership.exclude;
        final int[] savedSources = membership.sources;
        membership.exclude = exclude;
        membership.sources = sources.clone();
        java.util.Arrays.sort(membership.sources);
        if (willBeMember && !membership.listed)
        {
            g.add(membership);
        }
        else if (!willBeMember && membership.listed)
        {
            g.remove(membership);
        }
        g.merge();
        if (g.sources.length > MAX_INTERFACE_SOURCES)
        {
            membership.exclude = savedExclude;
            membership.sources = savedSources;
            if (membership.isMember() && !membership.listed)
            {
                g.add(membership);
            }
            else if (!membership.isMember() && membership.listed)
            {
                g.remove(membership);
            }
            g.merge();
            counters.igmpGroupsRefused++;
            return -Errno.ENOBUFS;
        }
        if (!g.isMember() && g.macAdded)
        {
            ifc.nif.multicastMacs.remove(group);
            g.macAdded = false;
        }
        if (oldExclude != g.exclude || !java.util.Arrays.equals(oldSources, g.sources))
        {
            stateChanged(ifc, g, oldExclude, oldSources, now);
        }
        forgetIfIdle(ifc, g);
        return 0;
    }

    /** Whether the interface receives anything of {@code group}; all-systems always. Allocates nothing. */
    boolean isMember(final int interfaceIndex, final int group)
    {
        if (group == ALL_SYSTEMS)
        {
            return true;
        }
        final MulticastGroup g = interfaces[interfaceIndex].find(group);
        return g != null && g.isMember();
    }

    /** Whether the interface's merged filter for {@code group} lets {@code source} in. Allocates nothing. */
    boolean allows(final int interfaceIndex, final int group, final int source)
    {
        if (group == ALL_SYSTEMS)
        {
            return true;
        }
        final MulticastGroup g = interfaces[interfaceIndex].find(group);
        return g != null && g.allows(source);
    }

    /** The interface's merged filter for a group, for tests and diagnostics: null when it has no record of it. */
    MulticastGroup group(final int interfaceIndex, final int group)
    {
        return interfaces[interfaceIndex].find(group);
    }

    /** The Host Compatibility Mode of an interface (1, 2 or 3), for tests and diagnostics. */
    int version(final int interfaceIndex)
    {
        return interfaces[interfaceIndex].version();
    }

    private void forgetIfIdle(final IgmpInterface ifc, final MulticastGroup g)
    {
        if (!g.isMember() && g.memberCount == 0 && !g.retransmitTimer.isScheduled())
        {
            timers.cancel(g.responseTimer);
            if (g.macAdded)
            {
                ifc.nif.multicastMacs.remove(g.group);
                g.macAdded = false;
            }
            ifc.remove(g);
        }
    }

    /** Reports a change of the interface's filter for a group (RFC 3376 section 5.1, RFC 2236 section 3). */
    private void stateChanged(final IgmpInterface ifc, final MulticastGroup g, final boolean oldExclude,
        final int[] oldSources, final long now)
    {
        if (g.group == ALL_SYSTEMS)
        {
            return;
        }
        final int version = ifc.version();
        if (version < 3)
        {
            final boolean wasMember = oldExclude || oldSources.length > 0;
            if (!wasMember && g.isMember())
            {
                sendShort(ifc, version == 1 ? IgmpHeader.TYPE_V1_REPORT : IgmpHeader.TYPE_V2_REPORT, g.group,
                    g.group);
                g.retransmissionsLeft = ifc.robustness - 1;
                scheduleRetransmit(g, now, UNSOLICITED_REPORT_INTERVAL_V2);
            }
            else if (wasMember && !g.isMember())
            {
                timers.cancel(g.retransmitTimer);
                timers.cancel(g.responseTimer);
                g.retransmissionsLeft = 0;
                if (version == 2)
                {
                    sendShort(ifc, IgmpHeader.TYPE_V2_LEAVE, g.group, ALL_ROUTERS);
                }
            }
            return;
        }
        if (oldExclude != g.exclude)
        {
            g.modeChangePending = true;
            g.allow = SourceList.EMPTY;
            g.block = SourceList.EMPTY;
        }
        else if (!g.modeChangePending)
        {
            // INCLUDE: new sources are allowed, gone ones blocked; EXCLUDE the other way round.
            final int[] allowed = g.exclude ? SourceList.minus(oldSources, g.sources)
                : SourceList.minus(g.sources, oldSources);
            final int[] blocked = g.exclude ? SourceList.minus(g.sources, oldSources)
                : SourceList.minus(oldSources, g.sources);
            g.allow = SourceList.union(SourceList.minus(g.allow, blocked), allowed);
            g.block = SourceList.union(SourceList.minus(g.block, allowed), blocked);
        }
        g.retransmissionsLeft = ifc.robustness;
        sendStateChange(ifc, g, now);
    }

    private void sendStateChange(final IgmpInterface ifc, final MulticastGroup g, final long now)
    {
        if (g.modeChangePending)
        {
            addRecord(ifc, g.exclude ? IgmpHeader.CHANGE_TO_EXCLUDE : IgmpHeader.CHANGE_TO_INCLUDE, g.group,
                g.sources);
        }
        else
        {
            if (g.allow.length > 0)
            {
                addRecord(ifc, IgmpHeader.ALLOW_NEW_SOURCES, g.group, g.allow);
            }
            if (g.block.length > 0)
            {
                addRecord(ifc, IgmpHeader.BLOCK_OLD_SOURCES, g.group, g.block);
            }
        }
        finishReport();
        g.retransmissionsLeft--;
        if (g.retransmissionsLeft > 0)
        {
            scheduleRetransmit(g, now, UNSOLICITED_REPORT_INTERVAL_V3);
        }
        else
        {
            g.modeChangePending = false;
            g.allow = SourceList.EMPTY;
            g.block = SourceList.EMPTY;
        }
    }

    private void scheduleRetransmit(final MulticastGroup g, final long now, final long interval)
    {
        if (g.retransmissionsLeft > 0)
        {
            timers.schedule(g.retransmitTimer, now + 1 + random.nextLong(interval));
        }
    }

    /** The retransmission timer of a group's state change fired. */
    void retransmit(final MulticastGroup g, final long now)
    {
        final IgmpInterface ifc = g.owner;
        if (ifc.version() < 3)
        {
            if (g.isMember())
            {
                sendShort(ifc, ifc.version() == 1 ? IgmpHeader.TYPE_V1_REPORT : IgmpHeader.TYPE_V2_REPORT,
                    g.group, g.group);
            }
            g.retransmissionsLeft--;
            scheduleRetransmit(g, now, UNSOLICITED_REPORT_INTERVAL_V2);
        }
        else
        {
            sendStateChange(ifc, g, now);
        }
        forgetIfIdle(ifc, g);
    }

    /**
     * The Host Compatibility Mode may have changed (a querier timer started or ran out): every pending response and
     * retransmission is cancelled (RFC 3376 section 7.2.1).
     */
    void compatibilityChanged(final IgmpInterface ifc)
    {
        timers.cancel(ifc.generalTimer);
        for (int i = ifc.groupCount - 1; i >= 0; i--)
        {
            final MulticastGroup g = ifc.groups[i];
            timers.cancel(g.retransmitTimer);
            timers.cancel(g.responseTimer);
            g.retransmissionsLeft = 0;
            g.modeChangePending = false;
            g.allow = SourceList.EMPTY;
            g.block = SourceList.EMPTY;
            g.querySources = SourceList.EMPTY;
            forgetIfIdle(ifc, g);
        }
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
            case IgmpHeader.TYPE_V1_REPORT, IgmpHeader.TYPE_V2_REPORT -> otherReport(ifc);
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

    /**
     * Another host's version 1 or 2 report: in those modes it suppresses our pending report for the group (RFC 2236
     * section 3); in version 3 mode there is no suppression (RFC 3376 section 5.2).
     */
    private void otherReport(final IgmpInterface ifc)
    {
        counters.igmpInReports++;
        if (ifc.version() < 3)
        {
            final MulticastGroup g = ifc.find(igmp.group());
            if (g != null && g.responseTimer.isScheduled())
            {
                timers.cancel(g.responseTimer);
                counters.igmpReportsSuppressed++;
            }
        }
    }

    private void query(final IgmpInterface ifc, final int destination, final long now)
    {
        final int length = igmp.length();
        final int version;
        final long maxResponse;
        if (length == IgmpHeader.MIN_LENGTH)
        {
            // RFC 3376 section 7.1: 8 bytes and a zero Max Resp Code is version 1, else version 2.
            version = igmp.maxRespCode() == 0 ? 1 : 2;
            maxResponse = version == 1 ? V1_MAX_RESPONSE : igmp.maxRespCode() * DECISECOND;
        }
        else if (length >= IgmpHeader.V3_QUERY_LENGTH)
        {
            if (!igmp.sourcesFit())
            {
                counters.igmpInTooShort++;
                return;
            }
            version = 3;
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
        if (!queryRate.take(now))
        {
            counters.igmpInQueriesRateLimited++;
            return;
        }
        counters.igmpInQueries++;
        if (version == 3)
        {
            if (igmp.qrv() != 0)
            {
                ifc.robustness = igmp.qrv();
            }
            final int qqi = IgmpHeader.decodeCode(igmp.qqic());
            if (qqi != 0)
            {
                ifc.queryIntervalNanos = qqi * 1_000_000_000L;
            }
        }
        else
        {
            final int before = ifc.version();
            final long timeout = ifc.robustness * ifc.queryIntervalNanos + maxResponse;
            timers.schedule(version == 1 ? ifc.v1QuerierPresent : ifc.v2QuerierPresent, now + timeout);
            if (ifc.version() != before)
            {
                compatibilityChanged(ifc);
            }
        }
        if (ifc.version() < 3)
        {
            // RFC 2236 section 3: a timer per group, started at a random delay unless it would fire sooner already.
            for (int i = 0; i < ifc.groupCount; i++)
            {
                final MulticastGroup g = ifc.groups[i];
                if ((group == 0 || g.group == group) && g.isMember() && g.group != ALL_SYSTEMS)
                {
                    timers.scheduleNoLaterThan(g.responseTimer, now + delay(maxResponse));
                }
            }
            return;
        }
        final long deadline = now + delay(maxResponse);
        // RFC 3376 section 5.2, rule 1: a general answer due sooner covers this query.
        if (ifc.generalTimer.isScheduled() && ifc.generalTimer.deadline() <= deadline)
        {
            return;
        }
        if (group == 0)
        {
            timers.schedule(ifc.generalTimer, deadline);
            return;
        }
        final MulticastGroup g = ifc.find(group);
        if (g == null || !g.isMember())
        {
            return;
        }
        final int n = igmp.sourceCount();
        if (n == 0)
        {
            g.responseWholeGroup = true;
            g.querySources = SourceList.EMPTY;
        }
        else if (!g.responseTimer.isScheduled() || !g.responseWholeGroup)
        {
            final int[] queried = new int[n];
            for (int i = 0; i < n; i++)
            {
                queried[i] = igmp.source(i);
            }
            java.util.Arrays.sort(queried);
            final int[] pending = g.responseTimer.isScheduled() ? g.querySources : SourceList.EMPTY;
            g.querySources = SourceList.union(pending, queried);
            g.responseWholeGroup = false;
            if (g.querySources.length > MAX_INTERFACE_SOURCES)
            {
                g.responseWholeGroup = true; // bounded: answering about the whole group covers every source
                g.querySources = SourceList.EMPTY;
            }
        }
        timers.scheduleNoLaterThan(g.responseTimer, deadline);
    }

    private long delay(final long maxResponse)
    {
        return maxResponse <= 0 ? 0 : random.nextLong(maxResponse);
    }

    /** The interface timer fired: the current state of every group joined (RFC 3376 section 5.2). */
    void answerGeneralQuery(final IgmpInterface ifc)
    {
        for (int i = 0; i < ifc.groupCount; i++)
        {
            final MulticastGroup g = ifc.groups[i];
            if (g.isMember() && g.group != ALL_SYSTEMS)
            {
                addRecord(ifc, g.exclude ? IgmpHeader.MODE_IS_EXCLUDE : IgmpHeader.MODE_IS_INCLUDE, g.group,
                    g.sources);
            }
        }
        finishReport();
    }

    /** A group's timer fired: the answer to a query about it (RFC 3376 section 5.2, RFC 2236 section 3). */
    void answerGroupQuery(final MulticastGroup g, final long now)
    {
        final IgmpInterface ifc = g.owner;
        final int version = ifc.version();
        if (!g.isMember())
        {
            return;
        }
        if (version < 3)
        {
            sendShort(ifc, version == 1 ? IgmpHeader.TYPE_V1_REPORT : IgmpHeader.TYPE_V2_REPORT, g.group, g.group);
            return;
        }
        if (g.responseWholeGroup)
        {
            addRecord(ifc, g.exclude ? IgmpHeader.MODE_IS_EXCLUDE : IgmpHeader.MODE_IS_INCLUDE, g.group, g.sources);
        }
        else
        {
            // Of the queried sources, those the filter lets in (RFC 3376 section 5.2's last table).
            final int[] answer = g.exclude ? SourceList.minus(g.querySources, g.sources)
                : SourceList.intersection(g.sources, g.querySources);
            if (answer.length > 0)
            {
                addRecord(ifc, IgmpHeader.MODE_IS_INCLUDE, g.group, answer);
            }
        }
        g.querySources = SourceList.EMPTY;
        finishReport();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Send

    /** Adds a group record to the version 3 report being built, sending the one before when it is full. */
    private void addRecord(final IgmpInterface ifc, final int type, final int group, final int[] sources)
    {
        final int length = IgmpHeader.RECORD_HEADER + 4 * sources.length;
        if (report != PacketPool.NO_BUFFER && (reportInterface != ifc || reportLength + length > maxIgmp(ifc)))
        {
            finishReport();
        }
        if (report == PacketPool.NO_BUFFER)
        {
            report = pool.allocate();
            if (report == PacketPool.NO_BUFFER)
            {
                counters.igmpOutDiscards++;
                return;
            }
            reportInterface = ifc;
            reportLength = IgmpHeader.V3_REPORT_HEADER;
            reportRecords = 0;
        }
        IgmpHeader.writeRecord(memory, igmpOffset(report) + reportLength, type, group, sources, sources.length);
        reportLength += length;
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
        igmp.wrap(memory, igmpOffset(buffer), reportLength).writeV3ReportHeader(reportRecords).computeChecksum();
        counters.igmpOutReports++;
        transmit(reportInterface, buffer, ALL_IGMPV3_ROUTERS, reportLength);
    }

    /** Sends a version 1 or 2 report or a version 2 leave. */
    private void sendShort(final IgmpInterface ifc, final int type, final int group, final int destination)
    {
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.igmpOutDiscards++;
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
        transmit(ifc, buffer, destination, IgmpHeader.MIN_LENGTH);
    }

    private int igmpOffset(final int buffer)
    {
        return pool.offset(buffer) + EthernetHeader.LENGTH + Ipv4Header.ROUTER_ALERT_LENGTH;
    }

    private static int maxIgmp(final IgmpInterface ifc)
    {
        return ifc.nif.mtu() - Ipv4Header.ROUTER_ALERT_LENGTH;
    }

    /** Writes the IPv4 header (TTL 1, Router Alert) and the Ethernet header, and queues the frame. */
    private void transmit(final IgmpInterface ifc, final int buffer, final int destination, final int igmpLength)
    {
        final NetInterface nif = ifc.nif;
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
