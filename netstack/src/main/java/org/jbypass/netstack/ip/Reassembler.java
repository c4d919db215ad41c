package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.util.Timer;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.Ipv4Header;

/**
 * IPv4 reassembly (RFC 791 section 3.2 "Fragmentation and Reassembly", RFC 815's hole list in the simpler form of
 * a list of received ranges, {@link FragmentRanges}, which IPv6's reassembly shares).
 *
 * <p>Each datagram being reassembled takes a slot: up to 64 KiB of off-heap memory, the ranges received, and a
 * timer. Fragments are copied into the slot at their offset, so the buffers they came in go straight back to the
 * pool. Everything is bounded: the number of slots, the fragments per datagram, the datagram's size (a fragment
 * reaching past 65535 bytes, the "ping of death", drops the datagram) and the time a partial datagram is kept.
 *
 * <p>A fragment that overlaps one already received drops the whole datagram, in the spirit of RFC 5722: overlaps
 * have no legitimate use and are the tool of attacks that smuggle different bytes past a filter. An exact duplicate
 * (same offset and length), which a network may produce honestly, is ignored instead.
 */
final class Reassembler
{
    private final ReassemblyConfig config;
    private final IpCounters counters;
    private final Ipv4Layer ipv4;
    private final TimerQueue timers;
    private final Slot[] slots;
    private final Ipv4Header header = new Ipv4Header();

    Reassembler(final ReassemblyConfig config, final IpCounters counters, final Ipv4Layer ipv4,
        final TimerQueue timers)
    {
        this.config = config;
        this.counters = counters;
        this.ipv4 = ipv4;
        this.timers = timers;
        this.slots = new Slot[config.maxDatagrams()];
    }

    /**
     * Adds a fragment. The fragment's bytes are copied; the caller keeps its buffer. When the fragment completes
     * its datagram, the datagram is delivered before this returns.
     *
     * @param ipOffset       where the fragment's IPv4 header starts in {@code memory}; it has been validated
     * @param interfaceIndex the interface it arrived on (the first fragment's is the datagram's, for a multicast one)
     */
    void add(final ByteBuffer memory, final int ipOffset, final int available, final int interfaceIndex,
        final long now)
    {
        counters.ipReasmReqds++;
        header.wrap(memory, ipOffset, available);
        final int source = header.source();
        final int destination = header.destination();
        final int identification = header.identification();
        final int protocol = header.protocol();
        final int start = header.fragmentOffset();
        final int length = header.payloadLength();
        final int end = start + length;
        final boolean last = !header.moreFragments();

        Slot slot = find(source, destination, identification, protocol);
        if (!last && (length & 7) != 0 || length == 0 || end + header.headerLength() > Ipv4Header.MAX_DATAGRAM)
        {
            // RFC 791: all fragments but the last carry a multiple of 8 bytes; and no datagram exceeds 65535 bytes.
            counters.ipReasmFails++;
            if (slot != null)
            {
                release(slot);
            }
            return;
        }
        if (slot == null)
        {
            slot = allocate(source, destination, identification, protocol, now);
            if (slot == null)
            {
                counters.ipReasmNoSlot++;
                counters.ipReasmFails++;
                return;
            }
            slot.interfaceIndex = interfaceIndex;
        }
        final int verdict = slot.ranges.insert(start, end, last);
        if (verdict == FragmentRanges.DUPLICATE)
        {
            return;
        }
        if (verdict != FragmentRanges.ADDED)
        {
            if (verdict == FragmentRanges.OVERLAP)
            {
                counters.ipReasmOverlaps++;
            }
            counters.ipReasmFails++;
            release(slot);
            return;
        }
        slot.data.put(start, memory, header.payloadOffset(), length);
        if (start == 0)
        {
            // Keep the first fragment's header: the reassembled datagram's TOS and TTL, and the quote of an ICMP
            // "reassembly time exceeded" (RFC 792), come from it.
            final int headerLength = header.headerLength();
            slot.firstHeader.put(0, memory, ipOffset, headerLength);
            slot.firstHeaderLength = headerLength;
            slot.tos = header.tos();
            slot.ttl = header.ttl();
        }
        if (slot.ranges.isComplete())
        {
            counters.ipReasmOks++;
            final int total = slot.ranges.totalLength();
            final int tos = slot.tos;
            final int ttl = slot.ttl;
            slot.busy = true;
            try
            {
                ipv4.deliver(protocol, slot.firstHeader, 0, slot.firstHeaderLength, slot.data, 0, total, source,
                    destination, tos, ttl, 0, slot.interfaceIndex, now);
            }
            finally
            {
                slot.busy = false;
                release(slot);
            }
        }
    }

    /** The number of datagrams being reassembled. */
    int inProgress()
    {
        int n = 0;
        for (final Slot slot : slots)
        {
            if (slot != null && slot.inUse)
            {
                n++;
            }
        }
        return n;
    }

    private Slot find(final int source, final int destination, final int identification, final int protocol)
    {
        for (final Slot slot : slots)
        {
            if (slot != null && slot.inUse && !slot.busy && slot.identification == identification
                && slot.source == source && slot.destination == destination && slot.protocol == protocol)
            {
                return slot;
            }
        }
        return null;
    }

    private Slot allocate(final int source, final int destination, final int identification, final int protocol,
        final long now)
    {
        for (int i = 0; i < slots.length; i++)
        {
            Slot slot = slots[i];
            if (slot == null)
            {
                slot = new Slot(config.maxFragments());
                slots[i] = slot;
            }
            if (!slot.inUse)
            {
                slot.reset(source, destination, identification, protocol);
                timers.schedule(slot, now + config.timeoutNanos());
                return slot;
            }
        }
        return null;
    }

    private void release(final Slot slot)
    {
        slot.inUse = false;
        timers.cancel(slot);
    }

    private void expire(final Slot slot, final long now)
    {
        counters.ipReasmTimeouts++;
        counters.ipReasmFails++;
        if (slot.firstHeaderLength > 0)
        {
            // RFC 792 / RFC 1122 3.3.2: report the timeout only if the first fragment arrived, quoting it.
            final int quoted = Math.min(8, slot.ranges.firstEndOfData());
            ipv4.icmp().sendReassemblyTimeExceeded(slot.firstHeader, slot.firstHeaderLength, slot.data, quoted,
                slot.source, slot.destination, now);
        }
        slot.inUse = false;
    }

    /** One datagram being reassembled; also its own timeout timer. */
    private final class Slot extends Timer
    {
        final ByteBuffer data = ByteBuffer.allocateDirect(Ipv4Header.MAX_DATAGRAM);
        final ByteBuffer firstHeader = ByteBuffer.allocateDirect(Ipv4Header.MAX_LENGTH);
        final FragmentRanges ranges;
        boolean inUse;
        boolean busy;
        int source;
        int destination;
        int identification;
        int protocol;
        int interfaceIndex;
        int firstHeaderLength;
        int tos;
        int ttl;

        Slot(final int maxFragments)
        {
            ranges = new FragmentRanges(maxFragments);
        }

        void reset(final int source, final int destination, final int identification, final int protocol)
        {
            this.inUse = true;
            this.source = source;
            this.destination = destination;
            this.identification = identification;
            this.protocol = protocol;
            this.ranges.clear();
            this.firstHeaderLength = 0;
        }

        @Override
        protected void onExpiry(final long nowNanos)
        {
            expire(this, nowNanos);
        }
    }
}
