package org.jbypass.netstack.ip;

import java.util.SplittableRandom;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.Timer;
import org.jbypass.netstack.util.TimerQueue;

/**
 * The host side of multicast listener discovery on one interface, shared by IGMP (version 3, RFC 3376, with the
 * compatibility modes for version 2, RFC 2236, and version 1, RFC 1112) and MLD (version 2, RFC 3810, with the
 * compatibility mode for version 1, RFC 2710): MLDv2 is IGMPv3 translated to IPv6 (RFC 3810 section 1), so the
 * state machines are one; {@link IgmpInterface} and {@link Mld} add what differs, the messages' encoding, where they
 * go, and the groups never reported. Groups and sources are IPv6 addresses, IPv4 ones IPv4-mapped ({@link
 * SourceList}). The section numbers below are RFC 3376's; RFC 3810's are in parentheses.
 *
 * <ul>
 *   <li>Joins, leaves and source filter changes ({@link #listen}, section 2's IPMulticastListen) merge the sockets'
 *       filters into the interface's (3.2; 4.2) and report the change at once, then Robustness - 1 more times at
 *       random intervals up to the Unsolicited Report Interval (5.1; 6.1). A change made while retransmissions are
 *       pending is merged into them: a filter mode change turns them into TO_IN/TO_EX records of the current state,
 *       a source change into ALLOW/BLOCK of the sources changed since the last mode change, and the count starts
 *       again (the RFC keeps a count per source; one per group retransmits some sources more often, never fewer
 *       times).</li>
 *   <li>Queries are answered after a random delay up to their maximum response time (5.2; 6.2): a general query
 *       with one report of every group's current state, a group-specific one with the group's, a group-and-source-
 *       specific one with the queried sources the filter lets in.</li>
 *   <li>An older version's query starts that version's Older Version Querier Present timer (7.2.1; 8.2.1) for the
 *       Robustness Variable times the Query Interval plus the query's maximum response time; while it runs, the
 *       interface speaks that version (reports of one group each, with report suppression; leaves, or MLDv1's
 *       Done, in IGMPv2 and MLDv1 only) and source filters are not reported. Changing mode cancels what was
 *       pending.</li>
 * </ul>
 *
 * <p>Every table is bounded ({@link #MAX_GROUPS}, {@link #MAX_SOURCES}, the interface's merged sources); lookups on
 * the receive path allocate nothing. Randomness comes from the stack's seed and time only from {@code poll(now)}.
 */
abstract class MulticastListener
{
    /** Groups per interface, joined or with a leave still being retransmitted; also the MAC filter's size. */
    static final int MAX_GROUPS = 256;
    /** Sources in one socket's filter for one group (Linux's igmp_max_msf is 10; markets use a few). */
    static final int MAX_SOURCES = 64;

    /** Host Compatibility Modes (RFC 3376 section 7.2.1, RFC 3810 section 8.2.1). */
    static final int MODE_IGMPV1 = 1;
    /** IGMPv2, or MLDv1: one group a report, and a leave (Done) message. */
    static final int MODE_OLD = 2;
    /** IGMPv3, or MLDv2. */
    static final int MODE_CURRENT = 3;

    // Record types, the same numbers in IGMPv3 (RFC 3376 section 4.2.12) and MLDv2 (RFC 3810 section 5.2.12).
    static final int MODE_IS_INCLUDE = 1;
    static final int MODE_IS_EXCLUDE = 2;
    static final int CHANGE_TO_INCLUDE = 3;
    static final int CHANGE_TO_EXCLUDE = 4;
    static final int ALLOW_NEW_SOURCES = 5;
    static final int BLOCK_OLD_SOURCES = 6;

    /** RFC 3376 section 8.1, RFC 3810 section 9.1. */
    static final int DEFAULT_ROBUSTNESS = 2;
    /** RFC 3376 section 8.2, RFC 3810 section 9.2. */
    static final long DEFAULT_QUERY_INTERVAL = 125_000_000_000L;
    /** RFC 3376 section 8.11, RFC 3810 section 9.11. */
    static final long UNSOLICITED_REPORT_INTERVAL = 1_000_000_000L;
    /** RFC 2236 section 8.10, RFC 2710 section 7.10. */
    static final long UNSOLICITED_REPORT_INTERVAL_OLD = 10_000_000_000L;

    final NetInterface nif;
    final IpCounters counters;
    final PacketPool pool;
    private final TimerQueue timers;
    private final SplittableRandom random;
    private final int maxInterfaceSources;
    private final QueryRate queryRate = new QueryRate();
    final MulticastGroup[] groups = new MulticastGroup[MAX_GROUPS];
    int groupCount;
    int robustness = DEFAULT_ROBUSTNESS;
    long queryIntervalNanos = DEFAULT_QUERY_INTERVAL;
    /** The pending answer to a general query (the "interface timer" of RFC 3376 section 5.2). */
    final Timer generalTimer;
    private final Timer igmpv1QuerierPresent;
    private final Timer oldQuerierPresent;

    // The current-version report being built.
    private int report = PacketPool.NO_BUFFER;
    private int reportLength;
    private int reportRecords;

    /**
     * @param maxInterfaceSources the most sources of a merged filter, so that one record fits a frame
     */
    MulticastListener(final NetInterface nif, final IpCounters counters, final TimerQueue timers, final long seed,
        final int maxInterfaceSources)
    {
        this.nif = nif;
        this.counters = counters;
        this.pool = nif.pool();
        this.timers = timers;
        this.random = new SplittableRandom(seed);
        this.maxInterfaceSources = maxInterfaceSources;
        this.generalTimer = new Timer()
        {
            @Override
            protected void onExpiry(final long nowNanos)
            {
                answerGeneralQuery();
            }
        };
        final Timer[] querier = new Timer[2];
        for (int i = 0; i < 2; i++)
        {
            querier[i] = new Timer()
            {
                @Override
                protected void onExpiry(final long nowNanos)
                {
                    compatibilityChanged();
                }
            };
        }
        this.igmpv1QuerierPresent = querier[0];
        this.oldQuerierPresent = querier[1];
    }

    // ------------------------------------------------------------------------------------------------------------
    // What each protocol says its own way

    /** The Ethernet address frames to a group come to (RFC 1112 section 6.4, RFC 2464 section 7). */
    abstract long groupMac(long groupHi, long groupLo);

    /** Whether changes of a group are reported: never all-systems' (RFC 3376 section 5) or all-nodes' (3810 6). */
    abstract boolean isReported(long groupHi, long groupLo);

    /** The bytes of a record of {@code sources} (a {@link SourceList}) in a current-version report. */
    abstract int recordLength(long[] sources);

    /** The fixed part of a current-version report, before its records. */
    abstract int reportHeaderLength();

    /** The most bytes of a current-version report, its header and records, that fit the interface's frames. */
    abstract int maxReportLength();

    /** Writes a record at {@code at} bytes into the report (its header included) held by {@code buffer}. */
    abstract void writeRecord(int buffer, int at, int type, long groupHi, long groupLo, long[] sources);

    /** Writes a report's header and sends it; takes the buffer. */
    abstract void sendReport(int buffer, int length, int records);

    /** Counts a message not sent for want of a packet buffer. */
    abstract void countDiscard();

    /** Sends an older version's report of a group ({@code mode} {@link #MODE_IGMPV1} or {@link #MODE_OLD}). */
    abstract void sendOldReport(int mode, long groupHi, long groupLo);

    /** Sends IGMPv2's leave or MLDv1's Done for a group. */
    abstract void sendLeave(long groupHi, long groupLo);

    /** Counts a join refused for want of room. */
    abstract void countRefused();

    /** Counts a pending older-version report that another host's report made unnecessary. */
    abstract void countSuppressed();

    /** Adds a record to the current-version report being built, sending the one before when it is full. */
    final void addRecord(final int type, final long groupHi, final long groupLo, final long[] sources)
    {
        final int length = recordLength(sources);
        if (report != PacketPool.NO_BUFFER && reportLength + length > maxReportLength())
        {
            finishReport();
        }
        if (report == PacketPool.NO_BUFFER)
        {
            report = pool.allocate();
            if (report == PacketPool.NO_BUFFER)
            {
                countDiscard();
                return;
            }
            reportLength = reportHeaderLength();
            reportRecords = 0;
        }
        writeRecord(report, reportLength, type, groupHi, groupLo, sources);
        reportLength += length;
        reportRecords++;
    }

    /** Sends the report being built, if any. */
    final void finishReport()
    {
        if (report == PacketPool.NO_BUFFER)
        {
            return;
        }
        final int buffer = report;
        report = PacketPool.NO_BUFFER;
        sendReport(buffer, reportLength, reportRecords);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Memberships

    /** The Host Compatibility Mode: {@link #MODE_IGMPV1}, {@link #MODE_OLD} or {@link #MODE_CURRENT}. */
    final int mode()
    {
        return igmpv1QuerierPresent.isScheduled() ? MODE_IGMPV1 : oldQuerierPresent.isScheduled() ? MODE_OLD
            : MODE_CURRENT;
    }

    /**
     * Sets a socket's filter for a group (section 2), merges the interface's and reports any change. INCLUDE {}
     * ends the membership. {@code sources} is a {@link SourceList}.
     *
     * @return 0, or -errno: ENOBUFS (too many groups or sources), or the link's error adding the group's MAC
     */
    final int listen(final MulticastMembership membership, final boolean exclude, final long[] sources,
        final long now)
    {
        if (SourceList.size(sources) > MAX_SOURCES)
        {
            return -Errno.ENOBUFS;
        }
        final long groupHi = membership.groupHi();
        final long groupLo = membership.groupLo();
        final boolean willBeMember = exclude || sources.length > 0;
        MulticastGroup g = find(groupHi, groupLo);
        if (g == null)
        {
            if (!willBeMember)
            {
                membership.exclude = false;
                membership.sources = SourceList.EMPTY;
                return 0;
            }
            if (groupCount == MAX_GROUPS)
            {
                countRefused();
                return -Errno.ENOBUFS;
            }
            g = new MulticastGroup(this, groupHi, groupLo);
            groups[groupCount++] = g;
        }
        if (willBeMember && !g.macAdded)
        {
            final int result = nif.multicastMacs.addMac(groupMac(groupHi, groupLo));
            if (result < 0)
            {
                forgetIfIdle(g);
                return result;
            }
            g.macAdded = true;
        }
        final boolean oldExclude = g.exclude;
        final long[] oldSources = g.sources;
        final boolean savedExclude = membership.exclude;
        final long[] savedSources = membership.sources;
        membership.exclude = exclude;
        membership.sources = sources;
        relist(g, membership);
        g.merge();
        if (SourceList.size(g.sources) > maxInterfaceSources)
        {
            membership.exclude = savedExclude;
            membership.sources = savedSources;
            relist(g, membership);
            g.merge();
            countRefused();
            return -Errno.ENOBUFS;
        }
        if (!g.isMember() && g.macAdded)
        {
            nif.multicastMacs.removeMac(groupMac(groupHi, groupLo));
            g.macAdded = false;
        }
        if (oldExclude != g.exclude || !java.util.Arrays.equals(oldSources, g.sources))
        {
            stateChanged(g, oldExclude, oldSources, now);
        }
        forgetIfIdle(g);
        return 0;
    }

    private static void relist(final MulticastGroup g, final MulticastMembership membership)
    {
        if (membership.isMember() && !membership.listed)
        {
            g.add(membership);
        }
        else if (!membership.isMember() && membership.listed)
        {
            g.remove(membership);
        }
    }

    /** The group's record, or null. A linear walk over at most {@link #MAX_GROUPS}; allocates nothing. */
    final MulticastGroup find(final long groupHi, final long groupLo)
    {
        for (int i = 0; i < groupCount; i++)
        {
            if (groups[i].is(groupHi, groupLo))
            {
                return groups[i];
            }
        }
        return null;
    }

    /** Whether the interface receives anything of a group. Allocates nothing. */
    final boolean isMember(final long groupHi, final long groupLo)
    {
        final MulticastGroup g = find(groupHi, groupLo);
        return g != null && g.isMember();
    }

    /** Whether the interface's merged filter for a group lets a source in. Allocates nothing. */
    final boolean allows(final long groupHi, final long groupLo, final long sourceHi, final long sourceLo)
    {
        final MulticastGroup g = find(groupHi, groupLo);
        return g != null && g.allows(sourceHi, sourceLo);
    }

    private void forgetIfIdle(final MulticastGroup g)
    {
        if (!g.isMember() && g.memberCount == 0 && !g.retransmitTimer.isScheduled())
        {
            timers.cancel(g.responseTimer);
            if (g.macAdded)
            {
                nif.multicastMacs.removeMac(groupMac(g.groupHi, g.groupLo));
                g.macAdded = false;
            }
            for (int i = 0; i < groupCount; i++)
            {
                if (groups[i] == g)
                {
                    groups[i] = groups[--groupCount];
                    groups[groupCount] = null;
                    return;
                }
            }
        }
    }

    /** Reports a change of the interface's filter for a group (section 5.1; 6.1), or RFC 2236 section 3's. */
    private void stateChanged(final MulticastGroup g, final boolean oldExclude, final long[] oldSources,
        final long now)
    {
        if (!isReported(g.groupHi, g.groupLo))
        {
            return;
        }
        final int mode = mode();
        if (mode != MODE_CURRENT)
        {
            final boolean wasMember = oldExclude || oldSources.length > 0;
            if (!wasMember && g.isMember())
            {
                sendOldReport(mode, g.groupHi, g.groupLo);
                g.retransmissionsLeft = robustness - 1;
                scheduleRetransmit(g, now, UNSOLICITED_REPORT_INTERVAL_OLD);
            }
            else if (wasMember && !g.isMember())
            {
                timers.cancel(g.retransmitTimer);
                timers.cancel(g.responseTimer);
                g.retransmissionsLeft = 0;
                if (mode == MODE_OLD)
                {
                    sendLeave(g.groupHi, g.groupLo);
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
            final long[] allowed = g.exclude ? SourceList.minus(oldSources, g.sources)
                : SourceList.minus(g.sources, oldSources);
            final long[] blocked = g.exclude ? SourceList.minus(g.sources, oldSources)
                : SourceList.minus(oldSources, g.sources);
            g.allow = SourceList.union(SourceList.minus(g.allow, blocked), allowed);
            g.block = SourceList.union(SourceList.minus(g.block, allowed), blocked);
        }
        g.retransmissionsLeft = robustness;
        sendStateChange(g, now);
    }

    private void sendStateChange(final MulticastGroup g, final long now)
    {
        if (g.modeChangePending)
        {
            addRecord(g.exclude ? CHANGE_TO_EXCLUDE : CHANGE_TO_INCLUDE, g.groupHi, g.groupLo, g.sources);
        }
        else
        {
            if (g.allow.length > 0)
            {
                addRecord(ALLOW_NEW_SOURCES, g.groupHi, g.groupLo, g.allow);
            }
            if (g.block.length > 0)
            {
                addRecord(BLOCK_OLD_SOURCES, g.groupHi, g.groupLo, g.block);
            }
        }
        finishReport();
        g.retransmissionsLeft--;
        if (g.retransmissionsLeft > 0)
        {
            scheduleRetransmit(g, now, UNSOLICITED_REPORT_INTERVAL);
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
    final void retransmit(final MulticastGroup g, final long now)
    {
        final int mode = mode();
        if (mode != MODE_CURRENT)
        {
            if (g.isMember())
            {
                sendOldReport(mode, g.groupHi, g.groupLo);
            }
            g.retransmissionsLeft--;
            scheduleRetransmit(g, now, UNSOLICITED_REPORT_INTERVAL_OLD);
        }
        else
        {
            sendStateChange(g, now);
        }
        forgetIfIdle(g);
    }

    /**
     * The Host Compatibility Mode may have changed (a querier timer started or ran out): every pending response and
     * retransmission is cancelled (section 7.2.1; 8.2.1).
     */
    final void compatibilityChanged()
    {
        timers.cancel(generalTimer);
        for (int i = groupCount - 1; i >= 0; i--)
        {
            final MulticastGroup g = groups[i];
            timers.cancel(g.retransmitTimer);
            timers.cancel(g.responseTimer);
            g.retransmissionsLeft = 0;
            g.modeChangePending = false;
            g.allow = SourceList.EMPTY;
            g.block = SourceList.EMPTY;
            g.querySources = SourceList.EMPTY;
            forgetIfIdle(g);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Queries and other hosts' reports

    /**
     * Takes a query's token (a flood is cut at {@link QueryRate}'s rate). @return false when it is to be dropped
     */
    final boolean takeQuery(final long now)
    {
        return queryRate.take(now);
    }

    /**
     * Another host's older-version report of a group: in those modes it suppresses our pending report of the group
     * (RFC 2236 section 3, RFC 2710 section 4); the current version has no suppression (5.2; 6.2).
     */
    final void otherReport(final long groupHi, final long groupLo)
    {
        if (mode() != MODE_CURRENT)
        {
            final MulticastGroup g = find(groupHi, groupLo);
            if (g != null && g.responseTimer.isScheduled())
            {
                timers.cancel(g.responseTimer);
                countSuppressed();
            }
        }
    }

    /**
     * A valid query, its checks passed and its token taken.
     *
     * @param version     the query's version as a mode: {@link #MODE_IGMPV1}, {@link #MODE_OLD} or
     *                    {@link #MODE_CURRENT}
     * @param maxResponse its maximum response time in nanoseconds
     * @param general     whether it is a general query (its group then is not read)
     * @param qrv         the querier's robustness variable (current version; 0 when none)
     * @param qqi         the querier's query interval in nanoseconds (current version; 0 when none)
     * @param sources     the queried sources, a {@link SourceList}; empty for a group-specific query
     */
    final void query(final int version, final long maxResponse, final boolean general, final long groupHi,
        final long groupLo, final int qrv, final long qqi, final long[] sources, final long now)
    {
        if (version == MODE_CURRENT)
        {
            if (qrv != 0)
            {
                robustness = qrv;
            }
            if (qqi != 0)
            {
                queryIntervalNanos = qqi;
            }
        }
        else
        {
            final int before = mode();
            final long timeout = robustness * queryIntervalNanos + maxResponse;
            timers.schedule(version == MODE_IGMPV1 ? igmpv1QuerierPresent : oldQuerierPresent, now + timeout);
            if (mode() != before)
            {
                compatibilityChanged();
            }
        }
        if (mode() != MODE_CURRENT)
        {
            // RFC 2236 section 3, RFC 2710 section 4: a timer per group, started at a random delay unless it would
            // fire sooner already.
            for (int i = 0; i < groupCount; i++)
            {
                final MulticastGroup g = groups[i];
                if ((general || g.is(groupHi, groupLo)) && g.isMember() && isReported(g.groupHi, g.groupLo))
                {
                    timers.scheduleNoLaterThan(g.responseTimer, now + delay(maxResponse));
                }
            }
            return;
        }
        final long deadline = now + delay(maxResponse);
        // Section 5.2 (6.2), rule 1: a general answer due sooner covers this query.
        if (generalTimer.isScheduled() && generalTimer.deadline() <= deadline)
        {
            return;
        }
        if (general)
        {
            timers.schedule(generalTimer, deadline);
            return;
        }
        final MulticastGroup g = find(groupHi, groupLo);
        if (g == null || !g.isMember() || !isReported(groupHi, groupLo))
        {
            return;
        }
        if (sources.length == 0)
        {
            g.responseWholeGroup = true;
            g.querySources = SourceList.EMPTY;
        }
        else if (!g.responseTimer.isScheduled() || !g.responseWholeGroup)
        {
            final long[] pending = g.responseTimer.isScheduled() ? g.querySources : SourceList.EMPTY;
            g.querySources = SourceList.union(pending, sources);
            g.responseWholeGroup = false;
            if (SourceList.size(g.querySources) > maxInterfaceSources)
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

    /** The interface timer fired: the current state of every group reported (section 5.2; 6.2). */
    final void answerGeneralQuery()
    {
        for (int i = 0; i < groupCount; i++)
        {
            final MulticastGroup g = groups[i];
            if (g.isMember() && isReported(g.groupHi, g.groupLo))
            {
                addRecord(g.exclude ? MODE_IS_EXCLUDE : MODE_IS_INCLUDE, g.groupHi, g.groupLo, g.sources);
            }
        }
        finishReport();
    }

    /** A group's timer fired: the answer to a query about it (section 5.2; 6.2; RFC 2236 3; RFC 2710 4). */
    final void answerGroupQuery(final MulticastGroup g, final long now)
    {
        final int mode = mode();
        if (!g.isMember())
        {
            return;
        }
        if (mode != MODE_CURRENT)
        {
            sendOldReport(mode, g.groupHi, g.groupLo);
            return;
        }
        if (g.responseWholeGroup)
        {
            addRecord(g.exclude ? MODE_IS_EXCLUDE : MODE_IS_INCLUDE, g.groupHi, g.groupLo, g.sources);
        }
        else
        {
            // Of the queried sources, those the filter lets in (section 5.2's last table; 6.3).
            final long[] answer = g.exclude ? SourceList.minus(g.querySources, g.sources)
                : SourceList.intersection(g.sources, g.querySources);
            if (answer.length > 0)
            {
                addRecord(MODE_IS_INCLUDE, g.groupHi, g.groupLo, answer);
            }
        }
        g.querySources = SourceList.EMPTY;
        finishReport();
    }

    /** The interface is going away: nothing more is sent. */
    final void release()
    {
        timers.cancel(generalTimer);
        timers.cancel(igmpv1QuerierPresent);
        timers.cancel(oldQuerierPresent);
        for (int i = 0; i < groupCount; i++)
        {
            timers.cancel(groups[i].retransmitTimer);
            timers.cancel(groups[i].responseTimer);
        }
    }
}
