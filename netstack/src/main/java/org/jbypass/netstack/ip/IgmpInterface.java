package org.jbypass.netstack.ip;

import org.jbypass.netstack.util.Timer;

/**
 * IGMP's state on one interface: its groups (bounded by {@link Igmp#MAX_GROUPS}), the version of the querier it
 * answers (RFC 3376 section 7.2.1: the Older Version Querier Present timers), the Robustness Variable and Query
 * Interval learnt from the querier (sections 4.1.6 and 4.1.7), and the pending answer to a general query (the
 * "interface timer" of section 5.2).
 */
final class IgmpInterface
{
    final NetInterface nif;
    final MulticastGroup[] groups = new MulticastGroup[Igmp.MAX_GROUPS];
    int groupCount;
    int robustness = Igmp.DEFAULT_ROBUSTNESS;
    long queryIntervalNanos = Igmp.DEFAULT_QUERY_INTERVAL;
    final Timer generalTimer;
    final Timer v1QuerierPresent;
    final Timer v2QuerierPresent;

    IgmpInterface(final NetInterface nif, final Igmp igmp)
    {
        this.nif = nif;
        this.generalTimer = new Timer()
        {
            @Override
            protected void onExpiry(final long nowNanos)
            {
                igmp.answerGeneralQuery(IgmpInterface.this);
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
                    igmp.compatibilityChanged(IgmpInterface.this);
                }
            };
        }
        this.v1QuerierPresent = querier[0];
        this.v2QuerierPresent = querier[1];
    }

    /** The Host Compatibility Mode (RFC 3376 section 7.2.1): 1, 2 or 3. */
    int version()
    {
        return v1QuerierPresent.isScheduled() ? 1 : v2QuerierPresent.isScheduled() ? 2 : 3;
    }

    /** The group's record, or null. A linear walk over at most {@link Igmp#MAX_GROUPS}; allocates nothing. */
    MulticastGroup find(final int group)
    {
        for (int i = 0; i < groupCount; i++)
        {
            if (groups[i].group == group)
            {
                return groups[i];
            }
        }
        return null;
    }

    void add(final MulticastGroup g)
    {
        groups[groupCount++] = g;
    }

    void remove(final MulticastGroup g)
    {
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
