package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.util.Timer;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.ArpPacket;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.MacAddress;

/**
 * ARP for one interface (RFC 826, with RFC 1122 section 2.3.2's cache rules): answers requests for the interface's
 * address, resolves next hops for IPv4 output while holding a bounded queue of packets for each, ages entries out,
 * and announces the address with a gratuitous request when the interface comes up (RFC 5227 section 3).
 *
 * <p>The cache is an open-addressing table of preallocated entries, so resolving and answering allocate nothing.
 * An entry is INCOMPLETE while requests go out every {@code retransmitNanos}; after {@code probes} unanswered requests
 * its queued packets are dropped and it is removed. A REACHABLE entry older than {@code reachableNanos} is still
 * used but re-confirmed with unicast requests (Linux's STALE/PROBE states); if those go unanswered it is removed.
 */
final class Arp
{
    private static final int FREE = 0;
    private static final int INCOMPLETE = 1;
    private static final int REACHABLE = 2;
    /** Ethernet's minimum frame without the FCS (IEEE 802.3 clause 4.2.3.3); ARP frames are padded to it. */
    private static final int MIN_FRAME = 60;

    private final NetInterface nif;
    private final ArpConfig config;
    private final IpCounters counters;
    private final Entry[] table;
    private final int mask;
    private final ArpPacket arp = new ArpPacket();
    private final EthernetHeader ethernet = new EthernetHeader();
    private final SweepTimer sweep = new SweepTimer();
    private TimerQueue timers;
    private int size;

    Arp(final NetInterface nif, final ArpConfig config, final IpCounters counters)
    {
        this.nif = nif;
        this.config = config;
        this.counters = counters;
        final int capacity = Integer.highestOneBit(config.cacheSize() * 2 - 1) << 1;
        this.table = new Entry[capacity];
        this.mask = capacity - 1;
        for (int i = 0; i < capacity; i++)
        {
            table[i] = new Entry();
        }
    }

    /** Brings ARP up: announces the interface's address. */
    void start(final TimerQueue timers, final long now)
    {
        this.timers = timers;
        sendRequest(nif.address(), MacAddress.BROADCAST);
    }

    int size()
    {
        return size;
    }

    /** The resolved MAC for {@code ip}, or -1. */
    long resolved(final int ip)
    {
        final Entry e = find(ip);
        return e != null && e.state == REACHABLE ? e.mac : -1;
    }

    /**
     * The MAC to send a frame to {@code nextHop} now, or -1 while it is not resolved. Asks a stale neighbour again
     * as {@link #output} does, so a flow whose frames all go this way keeps its neighbour confirmed.
     */
    long macFor(final int nextHop, final long now)
    {
        final Entry e = find(nextHop);
        if (e == null || e.state != REACHABLE)
        {
            return -1;
        }
        if (now - e.confirmedAt > config.reachableNanos() && e.probesSent == 0)
        {
            e.probesSent = 1;
            e.lastProbeAt = now;
            sendRequest(nextHop, e.mac);
            armSweep(now);
        }
        return e.mac;
    }

    /**
     * Sends an IPv4 frame to {@code nextHop}, completing its Ethernet header; takes the buffer. While the next hop is
     * being resolved the frame waits in its bounded queue.
     */
    void output(final int nextHop, final int buffer, final int frameLength, final int flags, final long now)
    {
        Entry e = find(nextHop);
        if (e != null && e.state == REACHABLE)
        {
            if (now - e.confirmedAt > config.reachableNanos() && e.probesSent == 0)
            {
                // Stale: keep using the address, but ask the neighbour directly whether it is still there.
                e.probesSent = 1;
                e.lastProbeAt = now;
                sendRequest(nextHop, e.mac);
                armSweep(now);
            }
            transmit(e.mac, buffer, frameLength, flags);
            return;
        }
        if (e == null)
        {
            e = insert(nextHop, now);
            if (e == null)
            {
                nif.pool().free(buffer);
                counters.arpCacheFull++;
                return;
            }
            e.state = INCOMPLETE;
            e.probesSent = 1;
            e.lastProbeAt = now;
            sendRequest(nextHop, MacAddress.BROADCAST);
            armSweep(now);
        }
        e.enqueue(buffer, frameLength, flags, config.queueLength(), nif.pool(), counters);
    }

    /** Handles a received ARP packet (the Ethernet payload). */
    void input(final ByteBuffer memory, final int offset, final int length, final long now)
    {
        arp.wrap(memory, offset, length);
        if (!arp.isLongEnough() || !arp.isEthernetIpv4())
        {
            counters.arpMalformed++;
            return;
        }
        final int operation = arp.operation();
        if (operation == ArpPacket.OP_REQUEST)
        {
            counters.arpRequestsReceived++;
        }
        else if (operation == ArpPacket.OP_REPLY)
        {
            counters.arpRepliesReceived++;
        }
        else
        {
            counters.arpMalformed++;
            return;
        }
        final long senderMac = arp.senderMac();
        final int senderIp = arp.senderIp();
        final int targetIp = arp.targetIp();
        if (MacAddress.isMulticast(senderMac) || senderMac == 0)
        {
            // Nobody owns a group address; learning one would let a forged packet blackhole a neighbour.
            counters.arpMalformed++;
            return;
        }
        final boolean forUs = targetIp == nif.address();
        boolean merged = false;
        if (senderIp != 0 && senderIp != nif.address())
        {
            // RFC 826 "Packet Reception": update an existing entry for the sender, whatever the target.
            final Entry e = find(senderIp);
            if (e != null)
            {
                learn(e, senderMac, now);
                merged = true;
            }
            else if (forUs)
            {
                // ...and add one only if the packet is for us (RFC 826, "?Am I the target protocol address?").
                final Entry added = insert(senderIp, now);
                if (added != null)
                {
                    learn(added, senderMac, now);
                }
            }
        }
        if (!forUs)
        {
            if (!merged)
            {
                counters.arpIgnored++;
            }
            return;
        }
        if (operation == ArpPacket.OP_REQUEST)
        {
            // Answer the requester directly; a probe from 0.0.0.0 (RFC 5227 2.1.1) is answered too, to defend.
            sendPacket(ArpPacket.OP_REPLY, senderMac, senderMac, senderIp);
            counters.arpRepliesSent++;
        }
    }

    /** Returns every queued buffer to the pool. */
    void release()
    {
        for (final Entry e : table)
        {
            if (e.state != FREE)
            {
                e.dropQueue(nif.pool(), null);
            }
        }
        if (timers != null)
        {
            timers.cancel(sweep);
        }
    }

    private void learn(final Entry e, final long mac, final long now)
    {
        e.mac = mac;
        e.confirmedAt = now;
        e.probesSent = 0;
        if (e.state != REACHABLE)
        {
            e.state = REACHABLE;
            // Send what waited for this answer, in order.
            for (int i = 0; i < e.queued; i++)
            {
                final int slot = (e.head + i) % e.buffers.length;
                transmit(mac, e.buffers[slot], e.lengths[slot], e.flags[slot]);
            }
            e.queued = 0;
            e.head = 0;
        }
    }

    private void transmit(final long mac, final int buffer, final int frameLength, final int flags)
    {
        final PacketPool pool = nif.pool();
        ethernet.wrap(pool.memory(), pool.offset(buffer), frameLength).write(mac, nif.mac(), EthernetHeader.TYPE_IPV4);
        nif.enqueue(buffer, frameLength, flags);
    }

    private void sendRequest(final int targetIp, final long destinationMac)
    {
        sendPacket(ArpPacket.OP_REQUEST, destinationMac, MacAddress.ZERO, targetIp);
        counters.arpRequestsSent++;
    }

    private void sendPacket(final int operation, final long destinationMac, final long targetMac, final int targetIp)
    {
        final PacketPool pool = nif.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            return;
        }
        final ByteBuffer memory = pool.memory();
        final int base = pool.offset(buffer);
        ethernet.wrap(memory, base, MIN_FRAME)
            .destination(destinationMac)
            .source(nif.mac())
            .type(EthernetHeader.TYPE_ARP);
        arp.wrap(memory, base + EthernetHeader.LENGTH, ArpPacket.LENGTH)
            .write(operation, nif.mac(), nif.address(), targetMac, targetIp);
        for (int i = EthernetHeader.LENGTH + ArpPacket.LENGTH; i < MIN_FRAME; i++)
        {
            memory.put(base + i, (byte)0);
        }
        nif.enqueue(buffer, MIN_FRAME, 0);
    }

    private void armSweep(final long now)
    {
        if (timers != null)
        {
            timers.scheduleNoLaterThan(sweep, now + config.retransmitNanos());
        }
    }

    /** Retransmits requests, gives up on silent neighbours, and forgets long-unused entries. */
    private void onSweep(final long now)
    {
        boolean busy = false;
        for (int i = 0; i < table.length; i++)
        {
            final Entry e = table[i];
            if (e.state == FREE || now - e.lastProbeAt < config.retransmitNanos())
            {
                busy |= e.state == INCOMPLETE || (e.state == REACHABLE && e.probesSent > 0);
                continue;
            }
            if (e.state == INCOMPLETE || e.probesSent > 0)
            {
                if (e.probesSent >= config.probes())
                {
                    e.dropQueue(nif.pool(), counters);
                    remove(i);
                    i--; // the backward shift may have moved another entry into this slot
                    continue;
                }
                e.probesSent++;
                e.lastProbeAt = now;
                sendRequest(e.ip, e.state == INCOMPLETE ? MacAddress.BROADCAST : e.mac);
                busy = true;
            }
            else if (now - e.confirmedAt > 4 * config.reachableNanos())
            {
                // Unused for long (Linux's gc_stale_time is 60 s): forget it so the table does not fill with ghosts.
                remove(i);
                i--;
            }
        }
        if (busy)
        {
            timers.schedule(sweep, now + config.retransmitNanos());
        }
        else if (size > 0)
        {
            timers.schedule(sweep, now + config.reachableNanos());
        }
    }

    private Entry find(final int ip)
    {
        int i = hash(ip) & mask;
        while (true)
        {
            final Entry e = table[i];
            if (e.state == FREE)
            {
                return null;
            }
            if (e.ip == ip)
            {
                return e;
            }
            i = (i + 1) & mask;
        }
    }

    private Entry insert(final int ip, final long now)
    {
        if (size >= config.cacheSize() && !evictOne(now))
        {
            return null;
        }
        int i = hash(ip) & mask;
        while (table[i].state != FREE)
        {
            i = (i + 1) & mask;
        }
        final Entry e = table[i];
        e.ip = ip;
        e.mac = -1;
        e.state = INCOMPLETE;
        e.confirmedAt = now;
        e.lastProbeAt = now;
        e.probesSent = 0;
        e.queued = 0;
        e.head = 0;
        size++;
        armSweep(now);
        return e;
    }

    /** Makes room by forgetting the least recently confirmed resolved entry; incomplete ones are never evicted. */
    private boolean evictOne(final long now)
    {
        int victim = -1;
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < table.length; i++)
        {
            final Entry e = table[i];
            if (e.state == REACHABLE && e.probesSent == 0 && now - e.confirmedAt > 0 && (victim < 0
                || e.confirmedAt - oldest < 0))
            {
                victim = i;
                oldest = e.confirmedAt;
            }
        }
        if (victim < 0)
        {
            return false;
        }
        remove(victim);
        return true;
    }

    /** Removes the entry in slot {@code i}, shifting later entries of its probe run back (Knuth 6.4 algorithm R). */
    private void remove(final int slot)
    {
        final Entry removed = table[slot];
        removed.state = FREE;
        size--;
        int hole = slot;
        int i = (slot + 1) & mask;
        while (table[i].state != FREE)
        {
            final int home = hash(table[i].ip) & mask;
            // Move the entry back into the hole unless its home lies cyclically in (hole, i].
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

    private static int hash(final int ip)
    {
        final int h = ip * 0x9E3779B9;
        return h ^ (h >>> 16);
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
        int ip;
        long mac;
        int state;
        long confirmedAt;
        long lastProbeAt;
        int probesSent;
        int[] buffers;
        int[] lengths;
        int[] flags;
        int head;
        int queued;

        void enqueue(final int buffer, final int length, final int flag, final int capacity, final PacketPool pool,
            final IpCounters counters)
        {
            if (buffers == null)
            {
                buffers = new int[capacity];
                lengths = new int[capacity];
                flags = new int[capacity];
            }
            if (queued == buffers.length)
            {
                // Full: drop the oldest, as Linux's neighbour queue does, so the newest data gets through first.
                pool.free(buffers[head]);
                head = (head + 1) % buffers.length;
                queued--;
                counters.arpQueueDrops++;
            }
            final int slot = (head + queued) % buffers.length;
            buffers[slot] = buffer;
            lengths[slot] = length;
            flags[slot] = flag;
            queued++;
        }

        void dropQueue(final PacketPool pool, final IpCounters counters)
        {
            for (int i = 0; i < queued; i++)
            {
                pool.free(buffers[(head + i) % buffers.length]);
            }
            if (counters != null && queued > 0)
            {
                counters.arpResolutionFailures += queued;
            }
            queued = 0;
            head = 0;
        }
    }
}
