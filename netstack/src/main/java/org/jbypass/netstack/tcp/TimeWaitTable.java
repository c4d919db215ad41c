package org.jbypass.netstack.tcp;

import java.util.Arrays;

/**
 * Connections in TIME_WAIT as compact records, as Linux keeps them in inet_timewait_sock instead of whole sockets:
 * when a connection enters TIME_WAIT its {@code TcpSocket}, rings, scoreboard and timers are let go, and what the
 * state still needs (RFC 9293 section 3.10.7.4: acknowledge a retransmitted FIN, judge a new SYN by RFC 6191, keep
 * the 4-tuple from being reused for 2 MSL) stays here: the 4-tuple, SND.NXT, RCV.NXT, the window to advertise, the
 * timestamp state (TS.Recent, our TSval offset, when TS.Recent was last set), TOS and TTL, and the expiry.
 *
 * <p>Records live in parallel primitive arrays indexed by record number (about 80 bytes a record, see
 * {@link #footprintBytes()}), found by 4-tuple through an open-addressing index with a secret key and backward-shift
 * deletion (as {@code ConnectionTable}), and kept on one list in order of expiry: every record lives 2 MSL from its
 * last restart, so a restart moves it to the tail and the head is always the next to expire. The layer schedules
 * one timer, at the head's expiry, for the whole table. A second list per local port lets bind() ask whether a port
 * is held in TIME_WAIT without walking every record. Nothing here allocates except when the arrays grow (doubling,
 * up to the layer's timeWaitLimit); they never shrink.
 *
 * <p>Addresses are IPv4 ({@code int}s), as the connection table's.
 */
final class TimeWaitTable
{
    static final int NONE = -1;
    /** Records in the arrays before the first growth. */
    private static final int INITIAL_CAPACITY = 64;

    static final int FLAG_TIMESTAMPS = 1;

    private final long key;
    private final int limit;
    private int capacity;
    private int size;

    // The records (struct of arrays).
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

    /** Open-addressing index: record + 1, 0 for empty. */
    private int[] index;
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
        index = new int[Integer.highestOneBit(2 * newCapacity - 1) << 1];
        indexMask = index.length - 1;
        for (int r = head; r != NONE; r = next[r])
        {
            indexInsert(r);
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

    boolean isFull()
    {
        return size >= limit;
    }

    /** The per-port list heads, allocated with the first record and then fixed: 256 KiB and an array header. */
    static final long PORT_HEADS_BYTES = 16 + 4L * 65536;

    /**
     * Bytes the table holds now: its arrays with their headers, the per-port heads ({@link #PORT_HEADS_BYTES})
     * included once a record was added. What grows with the records is the rest: about 75 bytes each.
     */
    long footprintBytes()
    {
        final long header = 16;
        long bytes = 14 * (header + 4L * capacity) + (header + capacity) + (header + 8L * capacity)
            + (header + 4L * index.length);
        if (portHead != null)
        {
            bytes += PORT_HEADS_BYTES;
        }
        return bytes;
    }

    int capacity()
    {
        return capacity;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Lookup.

    private int slot(final int local, final int localPort, final int remote, final int remotePort)
    {
        long h = (((long)local << 32) | (remote & 0xFFFFFFFFL)) ^ key;
        h += ((long)localPort << 16 | remotePort) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int)h & indexMask;
    }

    private int slotOf(final int r)
    {
        return slot(localAddress[r], ports[r] >>> 16, remoteAddress[r], ports[r] & 0xFFFF);
    }

    /** The record of a 4-tuple, or {@link #NONE}. */
    int find(final int local, final int localPort, final int remote, final int remotePort)
    {
        if (size == 0)
        {
            return NONE;
        }
        final int p = localPort << 16 | remotePort;
        int i = slot(local, localPort, remote, remotePort);
        while (true)
        {
            final int r = index[i] - 1;
            if (r < 0)
            {
                return NONE;
            }
            if (ports[r] == p && remoteAddress[r] == remote && localAddress[r] == local)
            {
                return r;
            }
            i = (i + 1) & indexMask;
        }
    }

    /** Whether a record holds {@code port} at an address overlapping {@code address} (0: any). */
    boolean holdsPort(final int port, final int address)
    {
        if (portHead == null)
        {
            return false;
        }
        for (int r = portHead[port]; r != NONE; r = portNext[r])
        {
            if (address == 0 || localAddress[r] == address)
            {
                return true;
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
        flags[r] = 0;
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
        int i = slotOf(r);
        while (index[i] != 0)
        {
            i = (i + 1) & indexMask;
        }
        index[i] = r + 1;
    }

    private void indexRemove(final int r)
    {
        int i = slotOf(r);
        while (index[i] != r + 1)
        {
            i = (i + 1) & indexMask;
        }
        index[i] = 0;
        // Backward-shift deletion, as ConnectionTable.remove.
        int hole = i;
        int j = (i + 1) & indexMask;
        while (index[j] != 0)
        {
            final int home = slotOf(index[j] - 1);
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

    int localAddress(final int r)
    {
        return localAddress[r];
    }

    int remoteAddress(final int r)
    {
        return remoteAddress[r];
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
