package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.util.Timer;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Header;

/**
 * IPv6 reassembly (RFC 8200 section 4.5).
 *
 * <p>A packet being reassembled takes a slot: one off-heap buffer that holds the first fragment's unfragmentable
 * part (IPv6 header and the extension headers before the fragment header) right before the fragmentable part, so
 * that the reassembled packet is contiguous and is processed as a received one; the ranges received
 * ({@link FragmentRanges}, shared with IPv4's reassembly); a timer.
 * Fragments are copied in at their offset, so their buffers go straight back to the pool. Bounded: the number of
 * slots, the fragments per packet, the unfragmentable part ({@link #MAX_UNFRAGMENTABLE} bytes), the packet's size
 * (a payload over 65,535 bytes is refused with a parameter problem) and the time a partial packet is kept (60 s,
 * then a time exceeded if the first fragment arrived).
 *
 * <p>Any overlap drops the whole packet (RFC 5722 section 4); an exact duplicate of a fragment is ignored, as RFC
 * 8200 section 4.5 allows ("instead of treating these exact duplicate fragments as overlapping fragments").
 */
final class Ipv6Reassembler
{
    /** The largest unfragmentable part kept: headers before the fragment header (Linux does not bound it). */
    static final int MAX_UNFRAGMENTABLE = 1024;
    /** {@link #add} results. */
    static final int TAKEN = 0;
    /** The fragment is refused with a parameter problem: {@link #problemPointer()} relative to its IPv6 header. */
    static final int PARAMETER_PROBLEM = 1;

    private final ReassemblyConfig config;
    private final IpCounters counters;
    private final Ipv6Layer ipv6;
    private final TimerQueue timers;
    private final Slot[] slots;
    private final Ipv6Header header = new Ipv6Header();
    private final Ipv6ExtensionHeaders chain = new Ipv6ExtensionHeaders(new IpCounters());
    /** Where a time exceeded's quote of a first fragment is rebuilt: what an error can quote at most. */
    private final ByteBuffer quote = ByteBuffer.allocateDirect(Ipv6Header.MIN_MTU);
    private int problemCode;
    private int problemPointer;

    Ipv6Reassembler(final ReassemblyConfig config, final IpCounters counters, final Ipv6Layer ipv6,
        final TimerQueue timers)
    {
        this.config = config;
        this.counters = counters;
        this.ipv6 = ipv6;
        this.timers = timers;
        this.slots = new Slot[config.maxDatagrams()];
    }

    /**
     * Adds a fragment; its bytes are copied. When it completes its packet, the packet is processed before this
     * returns.
     *
     * @param ipOffset        where the fragment's IPv6 header is (validated)
     * @param fragmentHeader  where its fragment header is
     * @param nextHeaderField where the field that named the fragment header is
     * @param end             where the packet ends
     * @return {@link #TAKEN} (stored, completed, or dropped and counted), or {@link #PARAMETER_PROBLEM}
     */
    int add(final ByteBuffer memory, final int ipOffset, final int fragmentHeader, final int nextHeaderField,
        final int end, final int interfaceIndex, final long now)
    {
        counters.ip6ReasmReqds++;
        header.wrap(memory, ipOffset, end - ipOffset);
        final int offsetAndFlags = memory.getShort(fragmentHeader + 2) & 0xFFFF;
        final int start = offsetAndFlags & 0xFFF8;
        final boolean more = (offsetAndFlags & 1) != 0;
        final int identification = memory.getInt(fragmentHeader + 4);
        final int dataOffset = fragmentHeader + 8;
        final int length = end - dataOffset;
        final int unfragmentable = fragmentHeader - ipOffset;
        if (more && ((length & 7) != 0 || length == 0))
        {
            // Section 4.5: a fragment that is not the last must carry a multiple of 8 bytes.
            counters.ip6ReasmFails++;
            return problem(Icmpv6Header.CODE_ERRONEOUS_HEADER, Ipv6Header.PAYLOAD_LENGTH);
        }
        if (unfragmentable - Ipv6Header.LENGTH + start + length > Ipv6Header.MAX_PAYLOAD)
        {
            counters.ip6ReasmFails++;
            return problem(Icmpv6Header.CODE_ERRONEOUS_HEADER, fragmentHeader + 2 - ipOffset);
        }
        if (unfragmentable > MAX_UNFRAGMENTABLE)
        {
            counters.ip6ReasmBadChain++;
            counters.ip6ReasmFails++;
            return TAKEN;
        }
        final int nextHeader = memory.get(fragmentHeader) & 0xFF;
        if (start == 0)
        {
            // RFC 7112 / RFC 8200 section 4.5: the first fragment holds every header up to the upper-layer one.
            final int verdict = chain.walk(memory, ipOffset, dataOffset, end, nextHeader, fragmentHeader, false);
            if (verdict == Ipv6ExtensionHeaders.FRAGMENT || chain.wasTruncated())
            {
                counters.ip6ReasmBadChain++;
                counters.ip6ReasmFails++;
                return problem(Icmpv6Header.CODE_INCOMPLETE_CHAIN, 0);
            }
        }
        final long sourceHi = header.sourceHi();
        final long sourceLo = header.sourceLo();
        final long destinationHi = header.destinationHi();
        final long destinationLo = header.destinationLo();
        Slot slot = find(sourceHi, sourceLo, destinationHi, destinationLo, identification);
        if (slot == null)
        {
            slot = allocate(now);
            if (slot == null)
            {
                counters.ip6ReasmNoSlot++;
                counters.ip6ReasmFails++;
                return TAKEN;
            }
            slot.sourceHi = sourceHi;
            slot.sourceLo = sourceLo;
            slot.destinationHi = destinationHi;
            slot.destinationLo = destinationLo;
            slot.identification = identification;
            slot.interfaceIndex = interfaceIndex;
        }
        final int verdict = slot.ranges.insert(start, start + length, !more);
        if (verdict == FragmentRanges.DUPLICATE)
        {
            return TAKEN;
        }
        if (verdict != FragmentRanges.ADDED)
        {
            if (verdict == FragmentRanges.OVERLAP)
            {
                counters.ip6ReasmOverlaps++;
            }
            counters.ip6ReasmFails++;
            release(slot);
            return TAKEN;
        }
        slot.packet.put(MAX_UNFRAGMENTABLE + start, memory, dataOffset, length);
        if (start == 0)
        {
            // The first fragment's unfragmentable part is the reassembled packet's (section 4.5), its next
            // header the fragment header's; its start is quoted by a time exceeded.
            slot.unfragmentable = unfragmentable;
            slot.nextHeaderField = nextHeaderField - ipOffset;
            slot.nextHeader = nextHeader;
            slot.packet.put(MAX_UNFRAGMENTABLE - unfragmentable, memory, ipOffset, unfragmentable);
            slot.fragmentHeader = memory.getLong(fragmentHeader);
            slot.firstLength = length;
        }
        if (slot.isComplete())
        {
            counters.ip6ReasmOks++;
            final int from = MAX_UNFRAGMENTABLE - slot.unfragmentable;
            final int total = slot.unfragmentable + slot.ranges.totalLength();
            final ByteBuffer packet = slot.packet;
            packet.put(from + slot.nextHeaderField, (byte)slot.nextHeader);
            packet.putShort(from + Ipv6Header.PAYLOAD_LENGTH, (short)(total - Ipv6Header.LENGTH));
            slot.busy = true;
            try
            {
                ipv6.processReassembled(packet, from, total, slot.interfaceIndex, now);
            }
            finally
            {
                slot.busy = false;
                release(slot);
            }
        }
        return TAKEN;
    }

    private int problem(final int code, final int pointer)
    {
        problemCode = code;
        problemPointer = pointer;
        return PARAMETER_PROBLEM;
    }

    int problemCode()
    {
        return problemCode;
    }

    int problemPointer()
    {
        return problemPointer;
    }

    /** The number of packets being reassembled. */
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

    private Slot find(final long sourceHi, final long sourceLo, final long destinationHi, final long destinationLo,
        final int identification)
    {
        for (final Slot slot : slots)
        {
            if (slot != null && slot.inUse && !slot.busy && slot.identification == identification
                && slot.sourceLo == sourceLo && slot.sourceHi == sourceHi && slot.destinationLo == destinationLo
                && slot.destinationHi == destinationHi)
            {
                return slot;
            }
        }
        return null;
    }

    private Slot allocate(final long now)
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
                slot.reset();
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
        counters.ip6ReasmTimeouts++;
        counters.ip6ReasmFails++;
        slot.inUse = false;
        if (slot.unfragmentable > 0)
        {
            // Section 4.5: a time exceeded (code 1) only if the first fragment arrived, quoting it: rebuilt here
            // from its unfragmentable part, its fragment header and the data that followed, as far as it arrived
            // and as much as an error quotes.
            final int unfragmentable = slot.unfragmentable;
            final int data = Math.min(slot.ranges.firstEndOfData(), quote.capacity() - unfragmentable - 8);
            if (data >= 0)
            {
                quote.put(0, slot.packet, MAX_UNFRAGMENTABLE - unfragmentable, unfragmentable);
                quote.putLong(unfragmentable, slot.fragmentHeader);
                quote.put(unfragmentable + 8, slot.packet, MAX_UNFRAGMENTABLE, data);
                quote.putShort(Ipv6Header.PAYLOAD_LENGTH, (short)(unfragmentable - Ipv6Header.LENGTH + 8
                    + slot.firstLength));
                ipv6.icmp().sendError(Icmpv6Header.TYPE_TIME_EXCEEDED, Icmpv6Header.CODE_REASSEMBLY_TIME_EXCEEDED, 0,
                    quote, 0, unfragmentable + 8 + data, -1, -1, false, slot.interfaceIndex + 1, now);
            }
        }
    }

    /** One packet being reassembled; also its own timeout timer. */
    private final class Slot extends Timer
    {
        final ByteBuffer packet = ByteBuffer.allocateDirect(MAX_UNFRAGMENTABLE + Ipv6Header.MAX_PAYLOAD + 8);
        final FragmentRanges ranges;
        boolean inUse;
        boolean busy;
        long sourceHi;
        long sourceLo;
        long destinationHi;
        long destinationLo;
        int identification;
        int interfaceIndex;
        int unfragmentable;
        int nextHeaderField;
        int nextHeader;
        long fragmentHeader;
        int firstLength;

        Slot(final int maxFragments)
        {
            ranges = new FragmentRanges(maxFragments);
        }

        void reset()
        {
            inUse = true;
            ranges.clear();
            unfragmentable = 0;
        }

        boolean isComplete()
        {
            return ranges.isComplete() && unfragmentable > 0;
        }

        @Override
        protected void onExpiry(final long nowNanos)
        {
            expire(this, nowNanos);
        }
    }
}
