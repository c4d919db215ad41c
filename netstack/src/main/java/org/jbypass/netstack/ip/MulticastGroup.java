package org.jbypass.netstack.ip;

import java.util.Arrays;

import org.jbypass.netstack.util.Timer;

/**
 * One group on one interface (RFC 3376 section 3 and RFC 3810 section 4, "interface state"): the memberships of the
 * sockets that joined it, their filters merged into the interface's filter mode and source list (RFC 3376 section
 * 3.2, RFC 3810 section 4.2), and what IGMP or MLD has pending for it: the retransmissions of its last state change
 * (RFC 3376 section 5.1, RFC 3810 section 6.1) and the answer to a query about it (section 5.2, section 6.2). A
 * record outlives its last membership only until its leave has been retransmitted. An IPv4 group and its sources
 * are held IPv4-mapped ({@link SourceList}).
 */
final class MulticastGroup
{
    final MulticastListener owner;
    final long groupHi;
    final long groupLo;
    MulticastMembership[] members = new MulticastMembership[4];
    int memberCount;

    /** The interface's filter, merged from the memberships'. */
    boolean exclude;
    long[] sources = SourceList.EMPTY;
    /** Whether the interface's MAC filter counts this group. */
    boolean macAdded;

    // The state change being retransmitted (RFC 3376 section 5.1).
    int retransmissionsLeft;
    boolean modeChangePending;
    long[] allow = SourceList.EMPTY;
    long[] block = SourceList.EMPTY;
    final Timer retransmitTimer;

    // The pending answer to a group-specific or group-and-source-specific query (RFC 3376 section 5.2), or in
    // IGMPv1/v2 mode to any query (RFC 2236 section 3).
    boolean responseWholeGroup;
    long[] querySources = SourceList.EMPTY;
    final Timer responseTimer;

    MulticastGroup(final MulticastListener owner, final long groupHi, final long groupLo)
    {
        this.owner = owner;
        this.groupHi = groupHi;
        this.groupLo = groupLo;
        this.retransmitTimer = new Timer()
        {
            @Override
            protected void onExpiry(final long nowNanos)
            {
                owner.retransmit(MulticastGroup.this, nowNanos);
            }
        };
        this.responseTimer = new Timer()
        {
            @Override
            protected void onExpiry(final long nowNanos)
            {
                owner.answerGroupQuery(MulticastGroup.this, nowNanos);
            }
        };
    }

    /** Whether the interface receives anything of the group: its filter is not INCLUDE {}. */
    boolean isMember()
    {
        return exclude || sources.length > 0;
    }

    /** Whether the interface's filter lets datagrams from {@code hi:lo} in; allocates nothing. */
    boolean allows(final long hi, final long lo)
    {
        return SourceList.contains(sources, hi, lo) != exclude;
    }

    /** Whether this is the record of {@code hi:lo}. */
    boolean is(final long hi, final long lo)
    {
        return groupLo == lo && groupHi == hi;
    }

    void add(final MulticastMembership membership)
    {
        if (memberCount == members.length)
        {
            members = Arrays.copyOf(members, memberCount * 2);
        }
        members[memberCount++] = membership;
        membership.listed = true;
    }

    void remove(final MulticastMembership membership)
    {
        for (int i = 0; i < memberCount; i++)
        {
            if (members[i] == membership)
            {
                members[i] = members[--memberCount];
                members[memberCount] = null;
                membership.listed = false;
                return;
            }
        }
    }

    /**
     * Merges the memberships' filters (RFC 3376 section 3.2, RFC 3810 section 4.2): EXCLUDE if any socket excludes,
     * with the sources every excluding socket excludes and no including socket includes; else INCLUDE the union of
     * the included sources.
     */
    void merge()
    {
        boolean anyExclude = false;
        long[] excluded = null;
        long[] included = SourceList.EMPTY;
        for (int i = 0; i < memberCount; i++)
        {
            final MulticastMembership m = members[i];
            if (m.exclude)
            {
                anyExclude = true;
                excluded = excluded == null ? m.sources : SourceList.intersection(excluded, m.sources);
            }
            else
            {
                included = SourceList.union(included, m.sources);
            }
        }
        exclude = anyExclude;
        sources = anyExclude ? SourceList.minus(excluded, included) : included;
    }

    /** Whether IGMP or MLD still has something to send for the group. */
    boolean hasPending()
    {
        return retransmitTimer.isScheduled() || responseTimer.isScheduled();
    }
}
