package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.util.Timer;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.NdpOptions;

/**
 * Neighbour discovery for one interface (RFC 4861): the neighbour cache with its five states, address resolution
 * with a bounded queue of packets per neighbour being resolved, neighbour unreachability detection, and the
 * neighbour solicitations and advertisements that carry them. Router discovery and redirects are not spoken: routes
 * are configured.
 *
 * <p>States (section 7.3.2, transitions per appendix C): INCOMPLETE while multicast solicitations go out every
 * RetransTimer, dropping the neighbour and its queue after {@code solicitations} of them; REACHABLE for ReachableTime
 * after a solicited advertisement; then STALE, still used; the first packet sent to a STALE neighbour moves it to
 * DELAY, and DELAY_FIRST_PROBE_TIME later to PROBE, where unicast solicitations ask it directly, and an answer makes
 * it REACHABLE again or silence removes it. STALE entries nobody uses are forgotten after a while (Linux's
 * gc_stale_time), and when the cache is full the oldest STALE one gives way.
 *
 * <p>The cache is open-addressed over preallocated entries, so resolving, answering and sending allocate nothing.
 */
final class Ndp
{
    static final int FREE = 0;
    static final int INCOMPLETE = 1;
    static final int REACHABLE = 2;
    static final int STALE = 3;
    static final int DELAY = 4;
    static final int PROBE = 5;
    /** Every neighbour discovery message is sent, and must arrive, with this hop limit (RFC 4861 section 7.1). */
    static final int NDP_HOP_LIMIT = 255;
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    private final NetInterface nif;
    private final Ipv6Interface addresses;
    private final Ipv6Config config;
    private final IpCounters counters;
    private final TimerQueue timers;
    private final PacketPool pool;
    private final ByteBuffer memory;
    private final Entry[] table;
    private final int mask;
    private final EthernetHeader ethernet = new EthernetHeader();
    private final Ipv6Header ip = new Ipv6Header();
    private final Icmpv6Header icmp = new Icmpv6Header();
    private final NdpOptions options = new NdpOptions();
    private final SweepTimer sweep = new SweepTimer();
    /** ReachableTime (section 6.3.2): BaseReachableTime times a factor drawn from 0.5 to 1.5, drawn once. */
    private final long reachableNanos;
    private int size;

    Ndp(final NetInterface nif, final Ipv6Interface addresses, final Ipv6Config config, final IpCounters counters,
        final TimerQueue timers, final long seed)
    {
        this.nif = nif;
        this.addresses = addresses;
        this.config = config;
        this.counters = counters;
        this.timers = timers;
        this.pool = nif.pool();
        this.memory = pool.memory();
        final int capacity = Integer.highestOneBit(config.neighborCacheSize() * 2 - 1) << 1;
        this.table = new Entry[capacity];
        this.mask = capacity - 1;
        for (int i = 0; i < capacity; i++)
        {
            table[i] = new Entry();
        }
        final double factor = 0.5 + ((seed >>> 11) & 0xFFFF) / 65536.0;
        this.reachableNanos = (long)(config.reachableNanos() * factor);
    }

    int size()
    {
        return size;
    }

    /** The state of the entry for an address ({@link #FREE} when there is none), for tests and diagnostics. */
    int state(final long hi, final long lo)
    {
        final Entry e = find(hi, lo);
        return e == null ? FREE : e.state;
    }

    /** The MAC the cache holds for an address, or -1 when it holds none (or is still resolving it). */
    long lookup(final long hi, final long lo)
    {
        final Entry e = find(hi, lo);
        return e == null || e.state == INCOMPLETE ? -1 : e.mac;
    }

    /**
     * The MAC of a neighbour packets may go to at once, or -1 when it has no entry or is being resolved: what a
     * super-segment, which never waits in a neighbour's queue, needs. A STALE neighbour starts the delay before
     * probing it, as any packet sent to it does (section 7.3.3).
     */
    long resolved(final long hi, final long lo, final long now)
    {
        final Entry e = find(hi, lo);
        if (e == null || e.state == INCOMPLETE)
        {
            return -1;
        }
        if (e.state == STALE)
        {
            e.state = DELAY;
            schedule(e, now + config.delayFirstProbeNanos());
        }
        return e.mac;
    }

    /**
     * A reachability confirmation from an upper layer (RFC 4861 section 7.3.1: forward progress of a connection
     * through this neighbour): the entry becomes REACHABLE for ReachableTime, as a solicited advertisement would
     * make it, so that a neighbour in use is not probed while traffic shows it works. As Linux's neigh->confirmed,
     * a REACHABLE entry only notes the time and its timer extends the state when it fires; a STALE, DELAY or PROBE
     * one moves at once (Linux's neigh_timer_handler takes DELAY back to REACHABLE the same way). Counted in
     * {@link IpCounters#ndpUpperLayerConfirmations} when it spared the entry a probe.
     */
    void confirm(final long hi, final long lo, final long now)
    {
        final Entry e = find(hi, lo);
        if (e == null || e.state == INCOMPLETE)
        {
            return;
        }
        e.confirmed = now;
        if (e.state != REACHABLE)
        {
            e.state = REACHABLE;
            e.probes = 0;
            counters.ndpUpperLayerConfirmations++;
            schedule(e, now + reachableNanos);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Output

    /**
     * Sends an IPv6 frame to a next hop, completing its Ethernet header; takes the buffer. While the next hop is
     * being resolved the frame waits in its bounded queue (section 7.2.2), with the link's transmit {@code flags}
     * ({@code PacketBurst.TX_*}: a partial checksum for the link to complete).
     */
    void output(final long hopHi, final long hopLo, final int buffer, final int frameLength, final int flags,
        final long now)
    {
        Entry e = find(hopHi, hopLo);
        if (e == null)
        {
            e = insert(hopHi, hopLo, now);
            if (e == null)
            {
                pool.free(buffer);
                counters.ndpCacheFull++;
                return;
            }
            e.state = INCOMPLETE;
            e.probes = 1;
            schedule(e, now + config.retransmitNanos());
            // Section 7.2.2: from the prompting packet's source when it is one of the interface's addresses.
            final int ip = pool.offset(buffer) + EthernetHeader.LENGTH;
            sendSolicitation(e.hi, e.lo, -1, memory.getLong(ip + Ipv6Header.SOURCE),
                memory.getLong(ip + Ipv6Header.SOURCE + 8));
        }
        switch (e.state)
        {
            case INCOMPLETE ->
            {
                e.enqueue(buffer, frameLength, flags, config.queueLength(), pool, counters);
                return;
            }
            case STALE ->
            {
                // Section 7.3.3: the first packet to a STALE neighbour starts the delay before probing it.
                e.state = DELAY;
                schedule(e, now + config.delayFirstProbeNanos());
            }
            default ->
            {
            }
        }
        transmit(e.mac, buffer, frameLength, flags);
    }

    private void transmit(final long mac, final int buffer, final int frameLength, final int flags)
    {
        ethernet.wrap(memory, pool.offset(buffer), frameLength).write(mac, nif.mac(), EthernetHeader.TYPE_IPV6);
        nif.enqueue(buffer, frameLength, flags);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Input

    /**
     * A neighbour solicitation (section 7.1.1 checks, 7.2.3 processing, RFC 4862 section 5.4.3 for DAD).
     *
     * @param sourceMac the frame's Ethernet source
     */
    void solicitation(final ByteBuffer packet, final int offset, final int length, final long sourceHi,
        final long sourceLo, final long destinationHi, final long destinationLo, final int hopLimit,
        final long sourceMac, final long now)
    {
        counters.ndpInSolicits++;
        icmp.wrap(packet, offset, length);
        final boolean fromUnspecified = Ipv6Address.isUnspecified(sourceHi, sourceLo);
        if (hopLimit != NDP_HOP_LIMIT || icmp.code() != 0 || length < Icmpv6Header.NEIGHBOR_MESSAGE_LENGTH
            || Ipv6Address.isMulticast(icmp.targetHi())
            || !options.parse(packet, icmp.neighborOptionsOffset(), length - Icmpv6Header.NEIGHBOR_MESSAGE_LENGTH)
            || fromUnspecified && (options.sourceLinkLayer() != NdpOptions.NONE
                || destinationHi != Ipv6Address.solicitedNodeHi()
                || (destinationLo & 0xFFFF_FFFF_FF00_0000L) != Ipv6Address.solicitedNodeLo(0)))
        {
            counters.ndpInInvalid++;
            return;
        }
        final long targetHi = icmp.targetHi();
        final long targetLo = icmp.targetLo();
        final int slot = addresses.find(targetHi, targetLo);
        if (slot < 0)
        {
            // Not one of ours: nothing to answer (section 7.2.3), and nothing learnt from it.
            return;
        }
        if (addresses.isTentative(slot))
        {
            // RFC 4862 5.4.3: a solicitation from :: for our tentative address is another node's DAD for the same
            // address, unless it is our own looped back: RFC 7527 section 4.2 tells them apart by the nonce, which
            // a node with our MAC (a cloned virtual machine) would not repeat. From anyone else it is resolution
            // of an address that is not ours yet, silently dropped.
            if (fromUnspecified)
            {
                if (addresses.sentNonce(slot, options.nonce()))
                {
                    counters.dadLoopedBack++;
                }
                else
                {
                    addresses.duplicateDetected(slot, "a neighbour solicitation from another node doing DAD");
                }
            }
            return;
        }
        if (addresses.isDuplicate(slot))
        {
            return;
        }
        final long sll = options.sourceLinkLayer();
        if (!fromUnspecified && sll != NdpOptions.NONE)
        {
            learnFromSolicitation(sourceHi, sourceLo, sll, now);
        }
        // Section 7.2.4: solicited and override set (none of our addresses is anycast), our MAC in the target
        // link-layer option; to the all-nodes group when the solicitation came from ::.
        final int flags = Icmpv6Header.NA_OVERRIDE | (fromUnspecified ? 0 : Icmpv6Header.NA_SOLICITED);
        if (fromUnspecified)
        {
            sendAdvertisement(targetHi, targetLo, Ipv6Address.ALL_NODES_HI, Ipv6Address.ALL_NODES_LO, flags,
                Ipv6Address.multicastMac(Ipv6Address.ALL_NODES_LO), now);
        }
        else
        {
            sendAdvertisement(targetHi, targetLo, sourceHi, sourceLo, flags, sll != NdpOptions.NONE ? sll : -1, now);
        }
    }

    /**
     * A neighbour's link-layer address learnt from a message that carried it unasked (a router advertisement's
     * source link-layer option, RFC 4861 section 6.3.4): as from a solicitation.
     */
    void learn(final long hi, final long lo, final long mac, final long now)
    {
        learnFromSolicitation(hi, lo, mac, now);
    }

    /** Section 7.2.3: the sender's link-layer address creates or updates its entry, STALE when it is new or moved. */
    private void learnFromSolicitation(final long hi, final long lo, final long mac, final long now)
    {
        if (!validNeighborMac(mac))
        {
            return;
        }
        Entry e = find(hi, lo);
        if (e == null)
        {
            e = insert(hi, lo, now);
            if (e == null)
            {
                counters.ndpCacheFull++;
                return;
            }
            e.mac = mac;
            e.state = STALE;
            schedule(e, now + staleLifetime());
            return;
        }
        if (e.state == INCOMPLETE)
        {
            e.mac = mac;
            e.state = STALE;
            schedule(e, now + staleLifetime());
            e.flush(this);
            return;
        }
        if (e.mac != mac)
        {
            e.mac = mac;
            e.state = STALE;
            schedule(e, now + staleLifetime());
        }
    }

    /** A neighbour advertisement (section 7.1.2 checks, 7.2.5 processing; RFC 4862 5.4.4 for DAD). */
    void advertisement(final ByteBuffer packet, final int offset, final int length, final long destinationHi,
        final int hopLimit, final long sourceMac, final long now)
    {
        counters.ndpInAdverts++;
        icmp.wrap(packet, offset, length);
        final int flags = length >= Icmpv6Header.LENGTH ? icmp.rest() : 0;
        final boolean solicited = (flags & Icmpv6Header.NA_SOLICITED) != 0;
        if (hopLimit != NDP_HOP_LIMIT || icmp.code() != 0 || length < Icmpv6Header.NEIGHBOR_MESSAGE_LENGTH
            || Ipv6Address.isMulticast(icmp.targetHi()) || solicited && Ipv6Address.isMulticast(destinationHi)
            || !options.parse(packet, icmp.neighborOptionsOffset(), length - Icmpv6Header.NEIGHBOR_MESSAGE_LENGTH))
        {
            counters.ndpInInvalid++;
            return;
        }
        final long targetHi = icmp.targetHi();
        final long targetLo = icmp.targetLo();
        final int slot = addresses.find(targetHi, targetLo);
        if (slot >= 0)
        {
            // RFC 4862 5.4.4: someone else answers for our address. Tentative: it is a duplicate, never used.
            // Already in use: section 7.2.5 leaves it to the administrator; the stack counts and keeps its own.
            if (addresses.isTentative(slot) && sourceMac != nif.mac())
            {
                addresses.duplicateDetected(slot, "a neighbour advertisement from "
                    + org.jbypass.netstack.wire.MacAddress.toString(sourceMac));
            }
            return;
        }
        final Entry e = find(targetHi, targetLo);
        if (e == null)
        {
            // Section 7.2.5: an advertisement for which there is no entry is silently discarded.
            return;
        }
        final long tll = options.targetLinkLayer();
        if (tll != NdpOptions.NONE && !validNeighborMac(tll))
        {
            counters.ndpInInvalid++;
            return;
        }
        final boolean override = (flags & Icmpv6Header.NA_OVERRIDE) != 0;
        if (e.state == INCOMPLETE)
        {
            if (tll == NdpOptions.NONE)
            {
                return;
            }
            e.mac = tll;
            e.probes = 0;
            if (solicited)
            {
                e.state = REACHABLE;
                schedule(e, now + reachableNanos);
            }
            else
            {
                e.state = STALE;
                schedule(e, now + staleLifetime());
            }
            e.flush(this);
            return;
        }
        final boolean moved = tll != NdpOptions.NONE && tll != e.mac;
        if (!override && moved)
        {
            // Section 7.2.5: an advertisement that would change the address without override only marks a
            // REACHABLE entry STALE, so that it is probed.
            if (e.state == REACHABLE)
            {
                e.state = STALE;
                schedule(e, now + staleLifetime());
            }
            return;
        }
        if (moved)
        {
            e.mac = tll;
        }
        if (solicited)
        {
            e.state = REACHABLE;
            e.probes = 0;
            schedule(e, now + reachableNanos);
        }
        else if (moved)
        {
            e.state = STALE;
            schedule(e, now + staleLifetime());
        }
    }

    /** A frame's MAC that may be a neighbour's: unicast and not zero (a forged group address would blackhole it). */
    private static boolean validNeighborMac(final long mac)
    {
        return mac != 0 && !org.jbypass.netstack.wire.MacAddress.isMulticast(mac);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Messages

    /**
     * Sends a neighbour solicitation for {@code target}: to its solicited-node group while resolving (section
     * 7.2.2), or to the neighbour itself, {@code unicastMac}, when probing (section 7.3.3). The source is the
     * prompting packet's, {@code promptHi}/{@code promptLo}, when it is one of the interface's preferred addresses
     * (section 7.2.2), otherwise the interface's link-local address (any preferred one when there is none), with
     * our MAC in the source link-layer option.
     */
    void sendSolicitation(final long targetHi, final long targetLo, final long unicastMac, final long promptHi,
        final long promptLo)
    {
        if (addresses.isLocal(promptHi, promptLo))
        {
            sendSolicitationFrom(targetHi, targetLo, unicastMac, promptHi, promptLo, NdpOptions.NONE);
            return;
        }
        final int source = addresses.preferredSource(Ipv6Address.LINK_LOCAL_HI, 0);
        if (source < 0)
        {
            return;
        }
        sendSolicitationFrom(targetHi, targetLo, unicastMac, addresses.hi(source), addresses.lo(source),
            NdpOptions.NONE);
    }

    /**
     * Sends a solicitation from a given source. From :: (duplicate address detection) it carries no link-layer
     * option (RFC 4861 section 7.2.2) but the {@code nonce} (RFC 7527 section 4.1), unless that is
     * {@link NdpOptions#NONE}.
     */
    void sendSolicitationFrom(final long targetHi, final long targetLo, final long unicastMac, final long sourceHi,
        final long sourceLo, final long nonce)
    {
        final boolean multicast = unicastMac < 0;
        final long destinationHi = multicast ? Ipv6Address.solicitedNodeHi() : targetHi;
        final long destinationLo = multicast ? Ipv6Address.solicitedNodeLo(targetLo) : targetLo;
        final boolean withOption = !Ipv6Address.isUnspecified(sourceHi, sourceLo);
        final boolean withNonce = nonce != NdpOptions.NONE;
        final int icmpLength = Icmpv6Header.NEIGHBOR_MESSAGE_LENGTH + (withOption ? NdpOptions.LINK_LAYER_OPTION_LENGTH
            : 0) + (withNonce ? NdpOptions.LINK_LAYER_OPTION_LENGTH : 0);
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            return;
        }
        final int base = pool.offset(buffer);
        final int l4 = base + Ipv6Output.L4_OFFSET;
        icmp.wrap(memory, l4, icmpLength).type(Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION).code(0).rest(0)
            .target(targetHi, targetLo);
        if (withOption)
        {
            NdpOptions.writeLinkLayer(memory, l4 + Icmpv6Header.NEIGHBOR_MESSAGE_LENGTH,
                NdpOptions.SOURCE_LINK_LAYER_ADDRESS, nif.mac());
        }
        if (withNonce)
        {
            NdpOptions.writeNonce(memory, l4 + icmpLength - NdpOptions.LINK_LAYER_OPTION_LENGTH, nonce);
        }
        icmp.computeChecksum(sourceHi, sourceLo, destinationHi, destinationLo);
        ip.wrap(memory, base + EthernetHeader.LENGTH, Ipv6Header.LENGTH + icmpLength).write(0, 0, icmpLength,
            Ipv6Header.NEXT_ICMPV6, NDP_HOP_LIMIT, sourceHi, sourceLo, destinationHi, destinationLo);
        final long mac = multicast ? Ipv6Address.multicastMac(destinationLo) : unicastMac;
        counters.ndpOutSolicits++;
        transmit(mac, buffer, Ipv6Output.L4_OFFSET + icmpLength, 0);
    }

    /**
     * Sends a neighbour advertisement for one of our addresses, with our MAC as the target link-layer address.
     *
     * @param mac the destination's MAC, or -1 to resolve it through the cache
     */
    private void sendAdvertisement(final long targetHi, final long targetLo, final long destinationHi,
        final long destinationLo, final int flags, final long mac, final long now)
    {
        final int icmpLength = Icmpv6Header.NEIGHBOR_MESSAGE_LENGTH + NdpOptions.LINK_LAYER_OPTION_LENGTH;
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            return;
        }
        final int base = pool.offset(buffer);
        final int l4 = base + Ipv6Output.L4_OFFSET;
        icmp.wrap(memory, l4, icmpLength).type(Icmpv6Header.TYPE_NEIGHBOR_ADVERTISEMENT).code(0).rest(flags)
            .target(targetHi, targetLo);
        NdpOptions.writeLinkLayer(memory, l4 + Icmpv6Header.NEIGHBOR_MESSAGE_LENGTH,
            NdpOptions.TARGET_LINK_LAYER_ADDRESS, nif.mac());
        // The source is the target itself (section 7.2.4: "the source address ... is the address of the interface
        // the solicitation was received on"; the target is what the peer will trust).
        icmp.computeChecksum(targetHi, targetLo, destinationHi, destinationLo);
        ip.wrap(memory, base + EthernetHeader.LENGTH, Ipv6Header.LENGTH + icmpLength).write(0, 0, icmpLength,
            Ipv6Header.NEXT_ICMPV6, NDP_HOP_LIMIT, targetHi, targetLo, destinationHi, destinationLo);
        counters.ndpOutAdverts++;
        if (mac >= 0)
        {
            transmit(mac, buffer, Ipv6Output.L4_OFFSET + icmpLength, 0);
        }
        else
        {
            output(destinationHi, destinationLo, buffer, Ipv6Output.L4_OFFSET + icmpLength, 0, now);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Timers and the table

    /** How long an unused STALE entry is kept (Linux's gc_stale_time: 60 s, here twice BaseReachableTime). */
    private long staleLifetime()
    {
        return 2 * config.reachableNanos();
    }

    private void schedule(final Entry e, final long deadline)
    {
        e.deadline = deadline;
        timers.scheduleNoLaterThan(sweep, deadline);
    }

    /** Runs every entry whose deadline passed, and arms the timer for the next. */
    private void onSweep(final long now)
    {
        long next = NO_DEADLINE;
        for (int i = 0; i < table.length; i++)
        {
            final Entry e = table[i];
            if (e.state == FREE)
            {
                continue;
            }
            if (e.deadline - now > 0)
            {
                next = Math.min(next, e.deadline);
                continue;
            }
            switch (e.state)
            {
                case INCOMPLETE, PROBE ->
                {
                    if (e.probes >= config.solicitations())
                    {
                        e.dropQueue(pool, counters);
                        remove(i);
                        i--; // the backward shift may have moved another entry into this slot
                        continue;
                    }
                    e.probes++;
                    e.deadline = now + config.retransmitNanos();
                    sendSolicitation(e.hi, e.lo, e.state == PROBE ? e.mac : -1, e.promptHi(memory, pool),
                        e.promptLo(memory, pool));
                }
                case REACHABLE ->
                {
                    if (now - e.confirmed < reachableNanos)
                    {
                        // Confirmed by an upper layer meanwhile: reachable for ReachableTime from then.
                        e.deadline = e.confirmed + reachableNanos;
                        counters.ndpUpperLayerConfirmations++;
                    }
                    else
                    {
                        e.state = STALE;
                        e.deadline = now + staleLifetime();
                    }
                }
                case DELAY ->
                {
                    e.state = PROBE;
                    e.probes = 1;
                    e.deadline = now + config.retransmitNanos();
                    sendSolicitation(e.hi, e.lo, e.mac, 0, 0);
                }
                default ->
                {
                    // STALE and unused for the whole lifetime: forget it.
                    remove(i);
                    i--;
                    continue;
                }
            }
            next = Math.min(next, e.deadline);
        }
        if (next != NO_DEADLINE)
        {
            timers.schedule(sweep, next);
        }
    }

    /** Returns every queued buffer to the pool. */
    void release()
    {
        for (final Entry e : table)
        {
            if (e.state != FREE)
            {
                e.dropQueue(pool, null);
            }
        }
        timers.cancel(sweep);
    }

    private Entry find(final long hi, final long lo)
    {
        int i = hash(hi, lo) & mask;
        while (true)
        {
            final Entry e = table[i];
            if (e.state == FREE)
            {
                return null;
            }
            if (e.lo == lo && e.hi == hi)
            {
                return e;
            }
            i = (i + 1) & mask;
        }
    }

    private Entry insert(final long hi, final long lo, final long now)
    {
        if (size >= config.neighborCacheSize() && !evictOne())
        {
            return null;
        }
        int i = hash(hi, lo) & mask;
        while (table[i].state != FREE)
        {
            i = (i + 1) & mask;
        }
        final Entry e = table[i];
        e.hi = hi;
        e.lo = lo;
        e.mac = -1;
        e.state = INCOMPLETE;
        e.probes = 0;
        e.queued = 0;
        e.head = 0;
        e.deadline = now;
        e.confirmed = Long.MIN_VALUE / 2;
        size++;
        return e;
    }

    /** Makes room by forgetting the STALE entry nearest its end; entries being resolved or in use stay. */
    private boolean evictOne()
    {
        int victim = -1;
        for (int i = 0; i < table.length; i++)
        {
            final Entry e = table[i];
            if (e.state == STALE && (victim < 0 || e.deadline - table[victim].deadline < 0))
            {
                victim = i;
            }
        }
        if (victim < 0)
        {
            return false;
        }
        remove(victim);
        return true;
    }

    /** Removes the entry in a slot, shifting later entries of its probe run back (Knuth 6.4 algorithm R). */
    private void remove(final int slot)
    {
        table[slot].state = FREE;
        size--;
        int hole = slot;
        int i = (slot + 1) & mask;
        while (table[i].state != FREE)
        {
            final int home = hash(table[i].hi, table[i].lo) & mask;
            final boolean stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
            if (!stays)
            {
                final Entry moved = table[i];
                table[i] = table[hole];
                table[hole] = moved;
                hole = i;
            }
            i = (i + 1) & mask;
        }
    }

    private static int hash(final long hi, final long lo)
    {
        final long h = (lo ^ (hi * 0x9E3779B97F4A7C15L)) * 0xBF58476D1CE4E5B9L;
        return (int)(h ^ (h >>> 32));
    }

    private final class SweepTimer extends Timer
    {
        @Override
        protected void onExpiry(final long nowNanos)
        {
            onSweep(nowNanos);
        }
    }

    /** A neighbour. Its queue arrays are allocated the first time it queues and kept for reuse. */
    private static final class Entry
    {
        long hi;
        long lo;
        long mac;
        int state;
        long deadline;
        /** When an upper layer last confirmed the neighbour ({@link #confirm}); far in the past until then. */
        long confirmed = Long.MIN_VALUE / 2;
        int probes;
        int[] buffers;
        int[] lengths;
        /** Each queued frame's transmit flags. */
        int[] flags;
        int head;
        int queued;

        void enqueue(final int buffer, final int length, final int txFlags, final int capacity,
            final PacketPool pool, final IpCounters counters)
        {
            if (buffers == null)
            {
                buffers = new int[capacity];
                lengths = new int[capacity];
                flags = new int[capacity];
            }
            if (queued == buffers.length)
            {
                // Full: drop the oldest, as Linux's neighbour queue does.
                pool.free(buffers[head]);
                head = (head + 1) % buffers.length;
                queued--;
                counters.ndpQueueDrops++;
            }
            final int slot = (head + queued) % buffers.length;
            buffers[slot] = buffer;
            lengths[slot] = length;
            flags[slot] = txFlags;
            queued++;
        }

        /** The source of the oldest packet waiting for this neighbour (0 when none waits), to solicit from. */
        long promptHi(final ByteBuffer memory, final PacketPool pool)
        {
            return queued == 0 ? 0 : memory.getLong(pool.offset(buffers[head]) + EthernetHeader.LENGTH
                + Ipv6Header.SOURCE);
        }

        long promptLo(final ByteBuffer memory, final PacketPool pool)
        {
            return queued == 0 ? 0 : memory.getLong(pool.offset(buffers[head]) + EthernetHeader.LENGTH
                + Ipv6Header.SOURCE + 8);
        }

        /** Sends what waited for the neighbour's address, in order. */
        void flush(final Ndp ndp)
        {
            for (int i = 0; i < queued; i++)
            {
                final int slot = (head + i) % buffers.length;
                ndp.transmit(mac, buffers[slot], lengths[slot], flags[slot]);
            }
            queued = 0;
            head = 0;
        }

        void dropQueue(final PacketPool pool, final IpCounters counters)
        {
            for (int i = 0; i < queued; i++)
            {
                pool.free(buffers[(head + i) % buffers.length]);
            }
            if (counters != null && queued > 0)
            {
                counters.ndpResolutionFailures += queued;
            }
            queued = 0;
            head = 0;
        }
    }
}
