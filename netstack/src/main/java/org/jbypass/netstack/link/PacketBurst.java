package org.jbypass.netstack.link;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.jbypass.netstack.buffer.PacketPool;

/**
 * A burst of frame descriptors: the unit in which frames cross between the stack and a link.
 *
 * <p>The descriptors live in off-heap memory in the platform's byte order, so a native driver reads and writes the
 * same array that Java does: one JNI call moves a whole burst, never one per packet. Each descriptor is
 * {@value #DESCRIPTOR_SIZE} bytes:
 *
 * <pre>
 *   0               4               8               12              16
 *   +---------------+---------------+---------------+---------------+
 *   | buffer (u32)  | length (u32)  | flags (u32)   | hash (u32)    |
 *   +---------------+---------------+---------------+---------------+
 * </pre>
 *
 * <ul>
 *   <li>buffer: the index of a {@link PacketPool} buffer, or {@link PacketPool#NO_BUFFER};</li>
 *   <li>length: the frame's length in bytes, from the start of its buffer;</li>
 *   <li>flags: what the link knows about the frame (the {@code RX_*} and {@code TX_*} bits below);</li>
 *   <li>hash: the receive-side-scaling hash the NIC computed, or 0.</li>
 * </ul>
 *
 * <p>The receive contract ({@link Link#receive}) uses the burst "armed": before the call every slot holds a free
 * buffer that the link may take in exchange for a received one, so a driver refills its ring without calling back
 * into Java. The native layout is declared again in {@code native/include/jbp_burst.h}; the two must agree.
 *
 * <h2>Chained frames (super-frames)</h2>
 *
 * <p>A frame longer than one pool buffer (a GSO/GRO super-frame of up to {@value #MAX_FRAME_LENGTH} bytes) is a
 * <em>chain</em> of consecutive descriptors, as DPDK's mbuf chains, VPP's buffer chains and virtio's mergeable
 * receive buffers are:
 *
 * <ul>
 *   <li>every descriptor of a chain but the last carries {@link #CONTINUES}; a frame in one buffer is a chain of
 *       one, without it;</li>
 *   <li>each descriptor's length counts the bytes in its own buffer (1 to the buffer size), from the buffer's
 *       first byte; the frame is their concatenation and its length their sum ({@link #frameLength});</li>
 *   <li>the first descriptor carries the whole frame's metadata: the checksum bits ({@code RX_*}, {@code TX_*}),
 *       the hash, and the segmentation offload: {@link #gsoType} ({@link #GSO_TCPV4}, {@link #GSO_TCPV6},
 *       {@link #GSO_UDP_L4}) and
 *       {@link #gsoSize} (the payload bytes per segment, in the flags' upper 16 bits), as a virtio_net_hdr says
 *       them. The other descriptors' flags hold only {@link #CONTINUES};</li>
 *   <li>the headers (Ethernet, IPv4 or IPv6 and the TCP or UDP header) are all in the first buffer;</li>
 *   <li>a chain never crosses the end of a burst: a link delivers and accepts whole frames only. A receiver
 *       drops (and counts) a chain that does, or that is longer than {@value #MAX_FRAME_LENGTH} bytes.</li>
 * </ul>
 *
 * <p>Ownership does not change: every descriptor names one buffer with one owner. On receive a chain takes as
 * many armed slots as it has descriptors and, once the stack processed the frame, those buffers stay in their
 * slots armed for the next receive; on transmit a link accepts a prefix of whole chains and owns all their
 * buffers. {@link FrameChain} walks a chain (copies out of it, sums it) without allocating.
 *
 * <h2>Lending</h2>
 *
 * <p>A transport may keep a received chain's payload buffers rather than copy them ({@link FrameChain#lend}): it
 * takes the buffer out of its slot and puts a free one from the pool in its place, so the slot stays armed and the
 * buffer has one owner still. TCP does so for in-order super-segments (the bytes then go from the link's buffer
 * straight to the reader, as Linux's receive queue holds the skbs themselves), within a bound of its own and only
 * while the pool keeps half its buffers free for receiving.
 */
public final class PacketBurst
{
    /** The size of one descriptor in bytes. */
    public static final int DESCRIPTOR_SIZE = 16;

    /** Receive: the link verified the IPv4 header checksum. */
    public static final int RX_L3_CHECKSUM_OK = 1;
    /** Receive: the link verified the TCP or UDP checksum. */
    public static final int RX_L4_CHECKSUM_OK = 1 << 1;
    /** Receive: the hash field holds the NIC's RSS hash. */
    public static final int RX_HASH_VALID = 1 << 2;
    /** Receive and transmit: the frame continues in the next descriptor (see "Chained frames" above). */
    public static final int CONTINUES = 1 << 3;
    /**
     * Receive: the frame was made on this host with checksum offload (Linux's CHECKSUM_PARTIAL, a virtio_net_hdr's
     * NEEDS_CSUM): its TCP or UDP checksum field holds only the pseudo-header sum. The data never crossed a wire,
     * so the link also sets {@link #RX_L4_CHECKSUM_OK}, as Linux trusts such a frame (skb_csum_unnecessary()).
     */
    public static final int RX_L4_CHECKSUM_PARTIAL = 1 << 4;
    /**
     * The segmentation-offload type of a frame: none, {@link #GSO_TCPV4}, {@link #GSO_TCPV6} or {@link #GSO_UDP_L4}.
     */
    public static final int GSO_TYPE_MASK = 3 << 5;
    /** No segmentation offload: the frame is one datagram as it is. */
    public static final int GSO_NONE = 0;
    /** A TCP super-segment: {@link #gsoSize} payload bytes per segment (the sender's MSS). */
    public static final int GSO_TCPV4 = 1 << 5;
    /** A UDP super-datagram (UDP_SEGMENT): datagrams of {@link #gsoSize} payload bytes each, the last maybe shorter. */
    public static final int GSO_UDP_L4 = 2 << 5;
    /**
     * An IPv6 TCP super-segment (a virtio_net_hdr's GSO_TCPV6): the TCP header right after the fixed IPv6 header,
     * {@link #gsoSize} payload bytes per segment; received, the stack takes it as one segment, as a
     * {@link #GSO_TCPV4} one; sent, the link cuts it as it does a {@link #GSO_TCPV4} one (without the IPv4 header's
     * identification and checksum to make: Linux's tcp6_gso_segment()).
     */
    public static final int GSO_TCPV6 = 3 << 5;
    /** Where the segment size sits in the flags of a chain's first descriptor (its upper 16 bits). */
    public static final int GSO_SIZE_SHIFT = 16;
    /** The longest frame a chain may carry: Ethernet with one VLAN tag around the largest IPv4 datagram. */
    public static final int MAX_FRAME_LENGTH = 14 + 4 + 65_535;
    /** Transmit: ask the link to compute the IPv4 header checksum (only if it has the capability). */
    public static final int TX_L3_CHECKSUM = 1 << 8;
    /** Transmit: ask the link to compute the TCP or UDP checksum (only if it has the capability). */
    public static final int TX_L4_CHECKSUM = 1 << 9;

    private static final int BUFFER = 0;
    private static final int LENGTH = 4;
    private static final int FLAGS = 8;
    private static final int HASH = 12;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final ByteBuffer descriptors;
    private final int capacity;
    private int count;

    /** @param capacity the number of descriptors, 1 to 4096 */
    public PacketBurst(final int capacity)
    {
        if (capacity < 1 || capacity > 4096)
        {
            throw new IllegalArgumentException("burst capacity must be 1..4096: " + capacity);
        }
        this.capacity = capacity;
        this.descriptors = ByteBuffer.allocateDirect(capacity * DESCRIPTOR_SIZE).order(ByteOrder.nativeOrder());
        for (int i = 0; i < capacity; i++)
        {
            set(i, PacketPool.NO_BUFFER, 0, 0);
        }
    }

    /** The descriptor memory, for native drivers (its address is taken once, at setup). */
    public ByteBuffer descriptors()
    {
        return descriptors;
    }

    /** How many descriptors the burst holds at most. */
    public int capacity()
    {
        return capacity;
    }

    /** How many descriptors, from slot 0, hold frames. */
    public int count()
    {
        return count;
    }

    /** Sets how many descriptors hold frames. */
    public void count(final int count)
    {
        if (count < 0 || count > capacity)
        {
            throw new IllegalArgumentException("burst count " + count + " outside 0.." + capacity);
        }
        this.count = count;
    }

    /** Whether no more frames fit. */
    public boolean isFull()
    {
        return count == capacity;
    }

    /**
     * Appends a frame to the burst.
     *
     * @return the slot it went into
     */
    public int add(final int buffer, final int length, final int flags)
    {
        final int slot = count;
        set(slot, buffer, length, flags);
        count = slot + 1;
        return slot;
    }

    public int buffer(final int slot)
    {
        return descriptors.getInt(slot * DESCRIPTOR_SIZE + BUFFER);
    }

    public int length(final int slot)
    {
        return descriptors.getInt(slot * DESCRIPTOR_SIZE + LENGTH);
    }

    public int flags(final int slot)
    {
        return descriptors.getInt(slot * DESCRIPTOR_SIZE + FLAGS);
    }

    public int hash(final int slot)
    {
        return descriptors.getInt(slot * DESCRIPTOR_SIZE + HASH);
    }

    public void buffer(final int slot, final int buffer)
    {
        descriptors.putInt(slot * DESCRIPTOR_SIZE + BUFFER, buffer);
    }

    public void length(final int slot, final int length)
    {
        descriptors.putInt(slot * DESCRIPTOR_SIZE + LENGTH, length);
    }

    public void flags(final int slot, final int flags)
    {
        descriptors.putInt(slot * DESCRIPTOR_SIZE + FLAGS, flags);
    }

    public void hash(final int slot, final int hash)
    {
        descriptors.putInt(slot * DESCRIPTOR_SIZE + HASH, hash);
    }

    /**
     * Writes a whole descriptor; the hash is cleared. Two 8-byte stores in the platform's order (the low-addressed
     * field in the low half on a little-endian CPU), each bounds-checked once, instead of four 4-byte ones: this is
     * on every frame sent and received.
     */
    public void set(final int slot, final int buffer, final int length, final int flags)
    {
        final int base = slot * DESCRIPTOR_SIZE;
        descriptors.putLong(base + BUFFER, pair(buffer, length));
        descriptors.putLong(base + FLAGS, pair(flags, 0));
    }

    /** The 8 bytes of two consecutive native-order ints, {@code first} at the lower address. */
    private static long pair(final int first, final int second)
    {
        return LITTLE_ENDIAN ? (first & 0xFFFFFFFFL) | (long)second << 32 : (long)first << 32 | (second & 0xFFFFFFFFL);
    }

    /** The segmentation-offload type in a first descriptor's flags ({@link #GSO_TYPE_MASK} bits). */
    public static int gsoType(final int flags)
    {
        return flags & GSO_TYPE_MASK;
    }

    /** The segment size in a first descriptor's flags: payload bytes per segment, 0 without segmentation offload. */
    public static int gsoSize(final int flags)
    {
        return flags >>> GSO_SIZE_SHIFT;
    }

    /** The flag bits that say a frame's segmentation offload: a type and a segment size of 1..65535. */
    public static int gso(final int type, final int size)
    {
        if ((type & ~GSO_TYPE_MASK) != 0 || size < 0 || size > 0xFFFF)
        {
            throw new IllegalArgumentException("gso type " + type + " size " + size);
        }
        return type | size << GSO_SIZE_SHIFT;
    }

    /**
     * The number of descriptors of the chain that starts at {@code slot}, or 0 when the chain is malformed: it runs
     * past the burst's count (its last descriptor still says {@link #CONTINUES}).
     */
    public int chainLength(final int slot)
    {
        int end = slot;
        while (end < count)
        {
            if ((flags(end) & CONTINUES) == 0)
            {
                return end - slot + 1;
            }
            end++;
        }
        return 0;
    }

    /**
     * The length of the frame whose chain starts at {@code slot} and has {@code chainLength} descriptors: the sum
     * of their lengths.
     */
    public int frameLength(final int slot, final int chainLength)
    {
        long total = 0;
        for (int i = slot; i < slot + chainLength; i++)
        {
            total += length(i) & 0xFFFFFFFFL;
        }
        return (int)Math.min(total, Integer.MAX_VALUE);
    }

    /**
     * Arms every slot that holds no buffer with a free one from the pool, for a receive.
     *
     * @return false if the pool ran dry before every slot was armed
     */
    public boolean arm(final PacketPool pool)
    {
        for (int i = 0; i < capacity; i++)
        {
            if (buffer(i) == PacketPool.NO_BUFFER)
            {
                final int buffer = pool.allocate();
                if (buffer == PacketPool.NO_BUFFER)
                {
                    return false;
                }
                set(i, buffer, 0, 0);
            }
        }
        return true;
    }

    /**
     * Returns every buffer in any slot to the pool; for receive bursts (armed slots hold buffers beyond the count)
     * when a link or stack closes.
     */
    public void releaseAll(final PacketPool pool)
    {
        for (int i = 0; i < capacity; i++)
        {
            final int buffer = buffer(i);
            if (buffer != PacketPool.NO_BUFFER)
            {
                pool.free(buffer);
                set(i, PacketPool.NO_BUFFER, 0, 0);
            }
        }
        count = 0;
    }

    /** Returns the buffers of the frames in slots {@code 0..count-1} to the pool; for transmit bursts. */
    public void releaseFrames(final PacketPool pool)
    {
        for (int i = 0; i < count; i++)
        {
            final int buffer = buffer(i);
            if (buffer != PacketPool.NO_BUFFER)
            {
                pool.free(buffer);
            }
            set(i, PacketPool.NO_BUFFER, 0, 0);
        }
        count = 0;
    }

    /**
     * After a link accepted the first {@code accepted} frames: moves the rest to the front, sets the count to their
     * number, and clears the slots they leave, so that no slot still names a buffer the link now owns (a later
     * {@link #releaseAll} would free it twice). The one implementation of the transmit contract of
     * {@link Link#transmit} for the drivers, whose natives only say how many frames they accepted.
     */
    public void retainUnaccepted(final int accepted)
    {
        final int total = count;
        final int remaining = total - accepted;
        for (int i = 0; i < remaining; i++)
        {
            final int from = accepted + i;
            final int base = from * DESCRIPTOR_SIZE;
            final int buffer = descriptors.getInt(base + BUFFER);
            final int length = descriptors.getInt(base + LENGTH);
            final int flags = descriptors.getInt(base + FLAGS);
            set(i, buffer, length, flags);
        }
        for (int i = remaining; i < total; i++)
        {
            set(i, PacketPool.NO_BUFFER, 0, 0);
        }
        count = remaining;
    }
}
