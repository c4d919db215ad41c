package org.jbypass.netstack.tcp;

import org.jbypass.netstack.util.Timer;

/**
 * TIME_WAIT, kept in {@link TimeWaitTable} records rather than sockets, as Linux's tcp_minisocks.c keeps it: a
 * connection entering TIME_WAIT leaves a record and its socket is done with (tcp_time_wait() then tcp_done()); the
 * record answers what arrives for 2 MSL as tcp_timewait_state_process() does, and gives way to a new incarnation
 * opened by a SYN (RFC 6191, RFC 1122 section 4.2.2.13) or, when {@code timeWaitReuse} is on, by connect()
 * (tcp_tw_reuse).
 *
 * <ul>
 *   <li>A segment at RCV.NXT without text (a late ACK) restarts the 2 MSL and refreshes TS.Recent; a reset there is
 *       ignored (RFC 1337, "TIME-WAIT assassination": Linux's tcp_rfc1337 = 1).</li>
 *   <li>A SYN without ACK whose timestamp is newer than TS.Recent, or, without timestamps, whose sequence number
 *       lies beyond RCV.NXT (RFC 6191 section 2), ends the record and goes to the listener with an initial
 *       sequence number past everything the old incarnation sent (SND.NXT + 65537, RFC 1122 section 4.2.2.13 (1)).
 *       Without a listener it is acknowledged as below.</li>
 *   <li>Anything else but a reset (the retransmitted FIN, old duplicates, a SYN that PAWS or the sequence rule
 *       turns away) is answered with an ACK of SND.NXT and RCV.NXT; an ACK or a PAWS-rejected segment restarts the
 *       2 MSL (RFC 9293 section 3.10.7.4: "Acknowledge it, and restart the 2 MSL timeout"). Bare ACKs and SYNs are
 *       answered at most once per invalidAckInterval per record (tcp_oow_rate_limited), so that no ACK loop runs.</li>
 * </ul>
 *
 * <p>One timer serves the whole table, at the expiry of its oldest record. One instance per layer.
 */
final class TcpTimeWait
{
    /** {@link #arrives}: the segment was dealt with. */
    static final int CONSUMED = 0;
    /** How long TS.Recent must have rested before connect() may reuse the 4-tuple (Linux: one second). */
    private static final int REUSE_AFTER_MILLIS = 1000;
    private static final int PAWS_WINDOW = 1;

    final TimeWaitTable table;
    private final TcpLayer layer;
    private final TcpCounters counters;
    private final TcpConfig config;
    private final Timer timer = new Timer()
    {
        @Override
        protected void onExpiry(final long nowNanos)
        {
            expire(nowNanos);
        }
    };

    TcpTimeWait(final TcpLayer layer, final long key)
    {
        this.layer = layer;
        this.counters = layer.counters;
        this.config = layer.config;
        this.table = new TimeWaitTable(key, config.timeWaitLimit);
    }

    private int millis()
    {
        return (int)(layer.time.nanos() / 1_000_000L);
    }

    /**
     * Keeps a record of a connection entering TIME_WAIT (RFC 9293 section 3.10.7.4), unless the table is at
     * timeWaitLimit: then the connection skips TIME_WAIT and is counted, as Linux's "time wait bucket table
     * overflow" does with the newest. The caller then lets the socket go.
     */
    void enter(final TcpSocket s)
    {
        if (config.mslNanos == 0)
        {
            return;
        }
        if (s.v6)
        {
            // The records hold IPv4 4-tuples; an IPv6 connection goes without TIME_WAIT, as one over the limit does.
            counters.timeWaitSkippedIpv6++;
            return;
        }
        final long now = layer.time.nanos();
        final int r = table.add(s.localAddress, s.localPort, s.remoteAddress, s.remotePort, now + 2 * config.mslNanos);
        if (r == TimeWaitTable.NONE)
        {
            counters.timeWaitOverflows++;
            return;
        }
        table.sequences(r, s.snd.nxt, s.rcv.nxt);
        if (s.opt.timestampsOk)
        {
            table.timestamps(r, s.opt.tsRecent, (int)(s.opt.tsRecentNanos / 1_000_000L), s.opt.tsOffset);
        }
        // The window last advertised, as Linux's tw_rcv_wnd: what is left of it is offered again by every ACK.
        final int shift = s.opt.windowScalingOk ? s.opt.rcvWscale : 0;
        table.windowTosTtl(r, Math.min(65535, Math.max(0, s.rcv.adv - s.rcv.nxt) >>> shift), s.tos, s.ttl);
        counters.timeWaitEntered++;
        if (!timer.isScheduled())
        {
            layer.timers.schedule(timer, table.expiry(table.oldest()));
        }
    }

    /**
     * A segment for a 4-tuple in TIME_WAIT (Linux's tcp_timewait_state_process()).
     *
     * @return {@link #CONSUMED}, or the initial sequence number (never 0) for a new incarnation the SYN opens:
     *         the record is gone and the segment goes to the listener
     */
    int arrives(final int r, final Segment seg)
    {
        final int nowMillis = millis();
        final boolean rst = seg.rst();
        final boolean timestamps = table.timestamps(r);
        final boolean pawsReject = timestamps && seg.hasTimestamp && !rst
            && table.tsRecent(r) - seg.tsVal > PAWS_WINDOW;
        final int rcvNxt = table.rcvNxt(r);
        if (!pawsReject && seg.seq == rcvNxt && (seg.length() == 0 || rst))
        {
            if (rst)
            {
                // RFC 1337: a reset must not end TIME_WAIT early.
                counters.resetsIgnored++;
            }
            else
            {
                table.restart(r, layer.time.nanos() + 2 * config.mslNanos);
            }
            if (timestamps && seg.hasTimestamp)
            {
                table.tsRecent(r, seg.tsVal, nowMillis);
            }
            return CONSUMED;
        }
        if (seg.syn() && !rst && !seg.hasAck() && !pawsReject && newIncarnation(r, seg)
            && layer.ports.findListener(seg.destination, seg.destinationPort) != null)
        {
            final int isn = newIncarnationIsn(r);
            table.remove(r);
            counters.timeWaitRecycled++;
            return isn;
        }
        if (pawsReject)
        {
            counters.pawsRejected++;
        }
        if (rst)
        {
            counters.resetsIgnored++;
            return CONSUMED;
        }
        if (pawsReject || seg.hasAck())
        {
            table.restart(r, layer.time.nanos() + 2 * config.mslNanos);
        }
        final boolean loopRisk = seg.length() == 0 || seg.syn();
        if (loopRisk && table.lastAckMillis(r) != 0
            && (long)(nowMillis - table.lastAckMillis(r)) * 1_000_000L < config.invalidAckIntervalNanos)
        {
            counters.timeWaitAcksSuppressed++;
            return CONSUMED;
        }
        if (loopRisk)
        {
            table.lastAckMillis(r, nowMillis == 0 ? 1 : nowMillis);
        }
        layer.segments.sendTimeWaitAck(table, r, nowMillis);
        return CONSUMED;
    }

    /**
     * RFC 6191 section 2: with timestamps on both incarnations, a SYN whose TSval is newer than TS.Recent (or equal,
     * with a sequence number beyond RCV.NXT) opens a new one; otherwise its sequence number must lie beyond RCV.NXT
     * (RFC 1122 section 4.2.2.13). Linux accepts a larger sequence number even with an older timestamp; RFC 6191
     * does not, since the timestamp is the reliable test.
     */
    private boolean newIncarnation(final int r, final Segment seg)
    {
        if (table.timestamps(r) && seg.hasTimestamp)
        {
            final int age = table.tsRecent(r) - seg.tsVal;
            return age < 0 || age == 0 && Seq.gt(seg.seq, table.rcvNxt(r));
        }
        return Seq.gt(seg.seq, table.rcvNxt(r));
    }

    /** RFC 1122 section 4.2.2.13 (1): beyond the largest sequence number of the old incarnation, never 0. */
    private int newIncarnationIsn(final int r)
    {
        final int isn = table.sndNxt(r) + 65535 + 2;
        return isn == 0 ? 1 : isn;
    }

    /**
     * Whether connect() may open this 4-tuple: no record holds it, or timeWaitReuse lets it take the record over
     * (Linux's tcp_twsk_unique() with tcp_tw_reuse = 1): only a record with timestamps whose TS.Recent is at least
     * a second old, since our TSvals keep rising across the two incarnations (the offset comes from the 4-tuple)
     * and PAWS at the peer then tells the old incarnation's duplicates from the new one's segments (RFC 7323
     * section 5.8).
     */
    boolean allowsConnect(final int local, final int localPort, final int remote, final int remotePort)
    {
        final int r = table.find(local, localPort, remote, remotePort);
        return r == TimeWaitTable.NONE || reusable(r);
    }

    private boolean reusable(final int r)
    {
        return config.timeWaitReuse && table.timestamps(r) && millis() - table.tsRecentMillis(r) >= REUSE_AFTER_MILLIS;
    }

    /**
     * connect() takes a 4-tuple that {@link #allowsConnect} allowed: the record, if any, goes.
     *
     * @return the new incarnation's initial sequence number, or 0 when no record held the 4-tuple
     */
    int takeOver(final int local, final int localPort, final int remote, final int remotePort)
    {
        final int r = table.find(local, localPort, remote, remotePort);
        if (r == TimeWaitTable.NONE)
        {
            return 0;
        }
        final int isn = newIncarnationIsn(r);
        table.remove(r);
        counters.timeWaitRecycled++;
        return isn;
    }

    /** Forgets the records whose 2 MSL are over, and waits for the next. */
    private void expire(final long nowNanos)
    {
        int r;
        while ((r = table.oldest()) != TimeWaitTable.NONE && table.expiry(r) - nowNanos <= 0)
        {
            table.remove(r);
        }
        if (r != TimeWaitTable.NONE)
        {
            layer.timers.schedule(timer, table.expiry(r));
        }
    }
}
