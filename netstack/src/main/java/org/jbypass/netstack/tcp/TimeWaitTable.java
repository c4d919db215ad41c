package org.jbypass.netstack.tcp;

import java.util.Arrays;

/**
 * Connections in TIME_WAIT as compact records, as Linux keeps them in inet_timewait_sock instead of whole sockets:
 * when a connection enters TIME_WAIT its {@code TcpSocket}, rings, scoreboard and timers are let go, and what the
 * state still needs (RFC 9293 section 3.10.7.4: acknowledge a retransmitted FIN, judge a new SYN by RFC 6191, keep
 * the 4-tuple from being reused for 2 MSL) stays here: the 4-tuple, SND.NXT, RCV.NXT, the window to advertise, the
 * timestamp state (TS.Recent, our TSval offset, when TS.Recent was last set), TOS and TTL, and the expiry.
 *
 * <p>Records live in parallel primitive arrays indexed by record number (about 83 bytes a record, see
 * {@link #footprintBytes()}), found by 4-tuple through an open-addressing index with a secret key and backward-shift
 * deletion (as {@code ConnectionTable}). Each index slot holds the record's 32-bit hash beside its number, so that a
 * probe compares hashes within the index's own cache lines and reads a record's arrays only when the hash matches
 * (a stranger's record costs no cache miss: with records spread over sixteen arrays, each compared field was one),
 * and removal and growth move slots without reading any record. Records are kept on one list in order of expiry:
 * every record lives 2 MSL from its last restart, so a restart moves it to the tail and the head is always the next
 * to expire. The layer schedules one timer, at the head's expiry, for the whole table. A second list per local
 * port lets bind() ask whether a port is held in TIME_WAIT without walking every record. Nothing here allocates
 * except when the arrays grow (doubling, up to the layer's timeWaitLimit); they never shrink.
 *
 * <p>Records of both families share the arrays, the index and the lists, as Linux keeps tw_v6_daddr and
 * tw_v6_rcv_saddr in the same inet_timewait_sock. An IPv4 record holds its addresses in two {@code int}s; an IPv6
 * record ({@link #FLAG_V6}) holds in its {@code localAddress} the number of a slot in a second store of four
 * {@code long}s (local and remote, high and low halves), allocated with the first IPv6 record and growing as the
 * records do. An IPv4 record is no larger for IPv6 being there; an IPv6 one costs the 32 bytes of its addresses more
 * (see {@link #footprintBytes()}).
 */
final class TimeWaitTable
{
    static final int NONE = -1;
    /** Records in the arrays before the first growth. */
    private static final int INITIAL_CAPACITY = 64;

    static final int FLAG_TIMESTAMPS = 1;
    /** An IPv6 record: its addresses are in the IPv6 store, at the slot its {@code localAddress} names. */
    static final int FLAG_V6 = 2;
    /** Slots of the IPv6 store before its first growth. */
    private static final int INITIAL_CAPACITY6 = 16;

    private final long key;
    private final int limit;
    private int capacity;
    private int size;
    private int size6;

    // The records (struct of arrays).
    /** IPv4: the local address; IPv6: the record's slot in {@link #addresses6}. */
    private int[] localAddress;
    private int[] remoteAddress;
    /** Local port in the upper 16 bits, remote port in the lower. */
    private int[] ports;
    private int[] sndNxt;
    private int[] rcvNxt;
    private int[] tsRecent;
    private int[] tsOffset;
    /** Stack time in milliseconds when TS.Recent was last taken (Linux's tw_ts_recent_stamp, in ms). */
    private int[] tsRecentMillis;
    /** Stack time in milliseconds of the last rate-limited ACK (Linux's tw_last_oow_ack_time). */
    private int[] lastAckMillis;
    /** The window field (already scaled) in bits 0-15, TOS in 16-23, TTL in 24-31. */
    private int[] windowTosTtl;
    private byte[] flags;
    private long[] expiry;
    /** The expiry list (doubly linked, oldest first); {@code next} also chains free records. */
    private int[] next;
    private int[] prev;
    /** The per-port lists, for bind(). */
    private int[] portNext;
    private int[] portPrev;
    private int[] portHead;

    private int head = NONE;
    private int tail = NONE;
    private int freeList = NONE;
    private int unused;

    /**
     * The IPv6 store: slot {@code a} holds local high, local low, remote high, remote low at {@code 4a} to
     * {@code 4a + 3}; a free slot holds the next free one at {@code 4a}. Null until the first IPv6 record.
     */
    private long[] addresses6;
    private int capacity6;
    private int unused6;
    private int free6 = NONE;

    /**
     * Open-addressing index: the record's 32-bit hash in the upper half, record + 1 in the lower (0 for an empty
     * slot). The home slot is the hash's low bits, so the index grows and deletes by the hashes it holds.
     */
    private long[] index;
    private int indexMask;

    TimeWaitTable(final long key, final int limit)
    {
        this.key = key;
        this.limit = limit;
        allocate(Math.min(INITIAL_CAPACITY, Math.max(1, limit)));
    }

    private void allocate(final int newCapacity)
    {
        capacity = newCapacity;
        localAddress = grow(localAddress, newCapacity);
        remoteAddress = grow(remoteAddress, newCapacity);
        ports = grow(ports, newCapacity);
        sndNxt = grow(sndNxt, newCapacity);
        rcvNxt = grow(rcvNxt, newCapacity);
        tsRecent = grow(tsRecent, newCapacity);
        tsOffset = grow(tsOffset, newCapacity);
        tsRecentMillis = grow(tsRecentMillis, newCapacity);
        lastAckMillis = grow(lastAckMillis, newCapacity);
        windowTosTtl = grow(windowTosTtl, newCapacity);
        flags = flags == null ? new byte[newCapacity] : Arrays.copyOf(flags, newCapacity);
        expiry = expiry == null ? new long[newCapacity] : Arrays.copyOf(expiry, newCapacity);
        next = grow(next, newCapacity);
        prev = grow(prev, newCapacity);
        portNext = grow(portNext, newCapacity);
        portPrev = grow(portPrev, newCapacity);
        // The index, a power of two at least twice the capacity, stays at most half full.
        final long[] old = index;
        index = new long[Integer.highestOneBit(2 * newCapacity - 1) << 1];
        indexMask = index.length - 1;
        if (old != null)
        {
            for (final long e : old)
            {
                if (e != 0)
                {
                    indexPut(e);
                }
            }
        }
    }

    private static int[] grow(final int[] a, final int n)
    {
        return a == null ? new int[n] : Arrays.copyOf(a, n);
    }

    int size()
    {
        return size;
    }

    /** Records of IPv6 connections, of {@link #size()}. */
    int size6()
    {
        return size6;
    }

    boolean isFull()
    {
        return size >= limit;
    }

    /** The per-port list heads, allocated with the first record and then fixed: 256 KiB and an array header. */
    static final long PORT_HEADS_BYTES = 16 + 4L * 65536;

    /**
     * Bytes the table holds now: its arrays with their headers, the per-port heads ({@link #PORT_HEADS_BYTES})
     * included once a record was added, and the IPv6 store once an IPv6 record was. What grows with the records is
     * the rest: about 83 bytes an IPv4 record, 32 more an IPv6 one.
     */
    long footprintBytes()
    {
        final long header = 16;
        long bytes = 14 * (header + 4L * capacity) + (header + capacity) + (header + 8L * capacity)
            + (header + 8L * index.length);
        if (portHead != null)
        {
            bytes += PORT_HEADS_BYTES;
        }
        if (addresses6 != null)
        {
            bytes += header + 32L * capacity6;
        }
        return bytes;
    }

    int capacity()
    {
        return capacity;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Lookup.

    /** The keyed 32-bit hash of an IPv4 4-tuple; its low bits are the home slot. */
    private int hash(final int local, final int localPort, final int remote, final int remotePort)
    {
        long h = (((long)local << 32) | (remote & 0xFFFFFFFFL)) ^ key;
        h += ((long)localPort << 16 | remotePort) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int)h;
    }

    /** The keyed 32-bit hash of an IPv6 4-tuple. */
    private int hash6(final long localHi, final long localLo, final int localPort, final long remoteHi,
        final long remoteLo, final int remotePort)
    {
        long h = key ^ ((long)localPort << 16 | remotePort) * 0x9E3779B97F4A7C15L;
        h = mix(h ^ localHi);
        h = mix(h ^ localLo);
        h = mix(h ^ remoteHi);
        h = mix(h ^ remoteLo);
        return (int)h;
    }

    /** The murmur3 finaliser, as {@link #hash}'s. */
    private static long mix(final long x)
    {
        long h = x;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** The hash of a record's 4-tuple (read from its arrays: only for a record not yet in the index). */
    private int hashOf(final int r)
    {
        if ((flags[r] & FLAG_V6) != 0)
        {
            final int a = 4 * localAddress[r];
            return hash6(addresses6[a], addresses6[a + 1], ports[r] >>> 16, addresses6[a + 2], addresses6[a + 3],
                ports[r] & 0xFFFF);
        }
        return hash(localAddress[r], ports[r] >>> 16, remoteAddress[r], ports[r] & 0xFFFF);
    }

    /** The record of a 4-tuple, or {@link #NONE}. */
    int find(final int local, final int localPort, final int remote, final int remotePort)
    {
        if (size == 0)
        {
            return NONE;
        }
        final int p = localPort << 16 | remotePort;
        final int h = hash(local, localPort, remote, remotePort);
        int i = h & indexMask;
        while (true)
        {
            final long e = index[i];
            final int r = (int)e - 1;
            if (r < 0)
            {
                return NONE;
            }
            if ((int)(e >>> 32) == h && ports[r] == p && remoteAddress[r] == remote && localAddress[r] == local
                && (flags[r] & FLAG_V6) == 0)
            {
                return r;
            }
            i = (i + 1) & indexMask;
        }
    }

    /** The record of an IPv6 4-tuple, or {@link #NONE}. */
    int find6(final long localHi, final long localLo, final int localPort, final long remoteHi, final long remoteLo,
        final int remotePort)
    {
        if (size == 0 || addresses6 == null)
        {
            return NONE;
        }
        final int p = localPort << 16 | remotePort;
        final int h = hash6(localHi, localLo, localPort, remoteHi, remoteLo, remotePort);
        int i = h & indexMask;
        while (true)
        {
            final long e = index[i];
            final int r = (int)e - 1;
            if (r < 0)
            {
                return NONE;
            }
            if ((int)(e >>> 32) == h && ports[r] == p && (flags[r] & FLAG_V6) != 0)
            {
                final int a = 4 * localAddress[r];
                if (addresses6[a + 3] == remoteLo && addresses6[a + 1] == localLo && addresses6[a + 2] == remoteHi
                    && addresses6[a] == localHi)
                {
                    return r;
                }
            }
            i = (i + 1) & indexMask;
        }
    }

    /** Whether any record holds {@code port}, at whatever address (for the choice of a port by bind(0)). */
    boolean holdsPort(final int port)
    {
        return portHead != null && portHead[port] != NONE;
    }

    /**
     * Whether a record holds {@code port} at an address a bind overlaps, by the rule PortTable applies to sockets:
     * an IPv4 record when the bind serves IPv4 ({@code covers4}) at {@code address} or 0.0.0.0; an IPv6 record when
     * the bind is IPv6 ({@code v6}) at its address or {@code ::} (a dual-stack {@code ::} overlaps both).
     */
    boolean holdsPort(final int port, final boolean covers4, final int address, final boolean v6, final long hi,
        final long lo)
    {
        if (portHead == null)
        {
            return false;
        }
        for (int r = portHead[port]; r != NONE; r = portNext[r])
        {
            if ((flags[r] & FLAG_V6) == 0)
            {
                if (covers4 && (address == 0 || localAddress[r] == address))
                {
                    return true;
                }
            }
            else if (v6)
            {
                final int a = 4 * localAddress[r];
                if (hi == 0 && lo == 0 || addresses6[a] == hi && addresses6[a + 1] == lo)
                {
                    return true;
                }
            }
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Adding and removing.

    /**
     * Adds a record for a 4-tuple that has none.
     *
     * @return the record, or {@link #NONE} when the table is at its limit
     */
    int add(final int local, final int localPort, final int remote, final int remotePort, final long expiresNanos)
    {
        if (size >= limit)
        {
            return NONE;
        }
        return link(local, localPort, remote, remotePort, expiresNanos, 0);
    }

    /**
     * Adds a record for an IPv6 4-tuple that has none.
     *
     * @return the record, or {@link #NONE} when the table is at its limit
     */
    int add6(final long localHi, final long localLo, final int localPort, final long remoteHi, final long remoteLo,
        final int remotePort, final long expiresNanos)
    {
        if (size >= limit)
        {
            return NONE;
        }
        final int a;
        if (free6 != NONE)
        {
            a = free6;
            free6 = (int)addresses6[4 * a];
        }
        else
        {
            if (unused6 == capacity6)
            {
                capacity6 = capacity6 == 0 ? Math.min(INITIAL_CAPACITY6, Math.max(1, limit))
                    : (int)Math.min(limit, 2L * capacity6);
                addresses6 = addresses6 == null ? new long[4 * capacity6] : Arrays.copyOf(addresses6, 4 * capacity6);
            }
            a = unused6++;
        }
        addresses6[4 * a] = localHi;
        addresses6[4 * a + 1] = localLo;
        addresses6[4 * a + 2] = remoteHi;
        addresses6[4 * a + 3] = remoteLo;
        size6++;
        return link(a, localPort, 0, remotePort, expiresNanos, FLAG_V6);
    }

    private int link(final int local, final int localPort, final int remote, final int remotePort,
        final long expiresNanos, final int family)
    {
        final int r;
        if (freeList != NONE)
        {
            r = freeList;
            freeList = next[r];
        }
        else
        {
            if (unused == capacity)
            {
                allocate((int)Math.min(limit, 2L * capacity));
            }
            r = unused++;
        }
        localAddress[r] = local;
        remoteAddress[r] = remote;
        ports[r] = localPort << 16 | remotePort;
        expiry[r] = expiresNanos;
        flags[r] = (byte)family;
        tsRecent[r] = 0;
        tsOffset[r] = 0;
        tsRecentMillis[r] = 0;
        lastAckMillis[r] = 0;
        windowTosTtl[r] = 0;
        size++;
        linkTail(r);
        indexInsert(r);
        if (portHead == null)
        {
            portHead = new int[65536];
            Arrays.fill(portHead, NONE);
        }
        final int first = portHead[localPort];
        portNext[r] = first;
        portPrev[r] = NONE;
        if (first != NONE)
        {
            portPrev[first] = r;
        }
        portHead[localPort] = r;
        return r;
    }

    /** Forgets a record. */
    void remove(final int r)
    {
        indexRemove(r);
        unlink(r);
        final int pn = portNext[r];
        final int pp = portPrev[r];
        if (pp == NONE)
        {
            portHead[ports[r] >>> 16] = pn;
        }
        else
        {
            portNext[pp] = pn;
        }
        if (pn != NONE)
        {
            portPrev[pn] = pp;
        }
        if ((flags[r] & FLAG_V6) != 0)
        {
            final int a = localAddress[r];
            addresses6[4 * a] = free6;
            free6 = a;
            size6--;
        }
        next[r] = freeList;
        freeList = r;
        size--;
    }

    /** A new expiry, no earlier than every other record's (2 MSL from now): the record moves to the tail. */
    void restart(final int r, final long expiresNanos)
    {
        expiry[r] = expiresNanos;
        unlink(r);
        linkTail(r);
    }

    /** The record that expires first, or {@link #NONE}. */
    int oldest()
    {
        return head;
    }

    private void linkTail(final int r)
    {
        next[r] = NONE;
        prev[r] = tail;
        if (tail == NONE)
        {
            head = r;
        }
        else
        {
            next[tail] = r;
        }
        tail = r;
    }

    private void unlink(final int r)
    {
        final int n = next[r];
        final int p = prev[r];
        if (p == NONE)
        {
            head = n;
        }
        else
        {
            next[p] = n;
        }
        if (n == NONE)
        {
            tail = p;
        }
        else
        {
            prev[n] = p;
        }
    }

    private void indexInsert(final int r)
    {
        indexPut((long)hashOf(r) << 32 | (r + 1));
    }

    /** Puts an index entry (hash and record + 1) in the first free slot from its home. */
    private void indexPut(final long e)
    {
        int i = (int)(e >>> 32) & indexMask;
        while (index[i] != 0)
        {
            i = (i + 1) & indexMask;
        }
        index[i] = e;
    }

    private void indexRemove(final int r)
    {
        int i = hashOf(r) & indexMask;
        while ((int)index[i] != r + 1)
        {
            i = (i + 1) & indexMask;
        }
        index[i] = 0;
        // Backward-shift deletion, as ConnectionTable.remove.
        int hole = i;
        int j = (i + 1) & indexMask;
        while (index[j] != 0)
        {
            final int home = (int)(index[j] >>> 32) & indexMask;
            if (((j - home) & indexMask) >= ((j - hole) & indexMask))
            {
                index[hole] = index[j];
                index[j] = 0;
                hole = j;
            }
            j = (j + 1) & indexMask;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Fields.

    /** The local IPv4 address of an IPv4 record. */
    int localAddress(final int r)
    {
        return localAddress[r];
    }

    /** The remote IPv4 address of an IPv4 record. */
    int remoteAddress(final int r)
    {
        return remoteAddress[r];
    }

    boolean v6(final int r)
    {
        return (flags[r] & FLAG_V6) != 0;
    }

    long localHi(final int r)
    {
        return addresses6[4 * localAddress[r]];
    }

    long localLo(final int r)
    {
        return addresses6[4 * localAddress[r] + 1];
    }

    long remoteHi(final int r)
    {
        return addresses6[4 * localAddress[r] + 2];
    }

    long remoteLo(final int r)
    {
        return addresses6[4 * localAddress[r] + 3];
    }

    int localPort(final int r)
    {
        return ports[r] >>> 16;
    }

    int remotePort(final int r)
    {
        return ports[r] & 0xFFFF;
    }

    long expiry(final int r)
    {
        return expiry[r];
    }

    int sndNxt(final int r)
    {
        return sndNxt[r];
    }

    int rcvNxt(final int r)
    {
        return rcvNxt[r];
    }

    void sequences(final int r, final int snd, final int rcv)
    {
        sndNxt[r] = snd;
        rcvNxt[r] = rcv;
    }

    boolean timestamps(final int r)
    {
        return (flags[r] & FLAG_TIMESTAMPS) != 0;
    }

    void timestamps(final int r, final int recent, final int recentMillis, final int offset)
    {
        flags[r] |= FLAG_TIMESTAMPS;
        tsRecent[r] = recent;
        tsRecentMillis[r] = recentMillis;
        tsOffset[r] = offset;
    }

    int tsRecent(final int r)
    {
        return tsRecent[r];
    }

    int tsRecentMillis(final int r)
    {
        return tsRecentMillis[r];
    }

    void tsRecent(final int r, final int recent, final int recentMillis)
    {
        tsRecent[r] = recent;
        tsRecentMillis[r] = recentMillis;
    }

    int tsOffset(final int r)
    {
        return tsOffset[r];
    }

    int lastAckMillis(final int r)
    {
        return lastAckMillis[r];
    }

    void lastAckMillis(final int r, final int millis)
    {
        lastAckMillis[r] = millis;
    }

    void windowTosTtl(final int r, final int window, final int tos, final int ttl)
    {
        windowTosTtl[r] = (window & 0xFFFF) | (tos & 0xFF) << 16 | (ttl & 0xFF) << 24;
    }

    int window(final int r)
    {
        return windowTosTtl[r] & 0xFFFF;
    }

    int tos(final int r)
    {
        return (windowTosTtl[r] >>> 16) & 0xFF;
    }

    int ttl(final int r)
    {
        return windowTosTtl[r] >>> 24;
    }
}
