package org.jbypass.netstack.tcp;

import java.util.function.Consumer;

/**
 * Half-open connections ({@link SynRequest}) by 4-tuple, and the pool their records come from. A chained hash table
 * keyed with a secret (so that a peer choosing addresses and ports cannot aim its SYNs at one chain), whose chains
 * run through the records themselves: inserting, finding and removing allocate nothing. It grows (allocating) when
 * it holds more records than heads; it never shrinks. Released records wait in a free list of at most
 * {@code poolLimit} for the next SYN, so that a steady stream of connections, or a SYN flood that the per-listener
 * bound (tcp.syn-backlog) and SYN cookies contain, allocates no records after warm-up.
 */
final class RequestTable
{
    /** Heap bytes of one record, as a 64-bit JVM with compressed references lays it out (header, Timer, fields). */
    static final int RECORD_BYTES = 128;

    private final long key;
    private final int poolLimit;
    private final TcpHandshake handshake;
    private SynRequest[] heads = new SynRequest[64];
    private int mask = heads.length - 1;
    private int size;
    private SynRequest free;
    private int freeCount;
    private int allocated;

    RequestTable(final long key, final int poolLimit, final TcpHandshake handshake)
    {
        this.key = key;
        this.poolLimit = poolLimit;
        this.handshake = handshake;
    }

    int size()
    {
        return size;
    }

    /** Records made so far, live or pooled. */
    int allocated()
    {
        return allocated;
    }

    /** Heap bytes the table holds now: its heads and its records, live and pooled. */
    long footprintBytes()
    {
        return 16L + 4L * heads.length + (long)RECORD_BYTES * (size + freeCount);
    }

    /** A cleared record for a new half-open connection, from the pool when it has one. */
    SynRequest acquire()
    {
        final SynRequest r = free;
        if (r == null)
        {
            allocated++;
            return new SynRequest(handshake);
        }
        free = r.next;
        r.next = null;
        freeCount--;
        return r;
    }

    /** Gives back a record that is in no chain and has no scheduled timer. */
    void release(final SynRequest r)
    {
        r.listener = null;
        r.retries = 0;
        if (freeCount < poolLimit)
        {
            r.next = free;
            free = r;
            freeCount++;
        }
        else
        {
            r.next = null;
            allocated--;
        }
    }

    private int slot(final int localAddress, final int localPort, final int remoteAddress, final int remotePort)
    {
        long h = (((long)localAddress << 32) | (remoteAddress & 0xFFFFFFFFL)) ^ key;
        h += ((long)localPort << 16 | remotePort) * 0x9E3779B97F4A7C15L;
        return mix(h);
    }

    private int slot6(final long localHi, final long localLo, final int localPort, final long remoteHi,
        final long remoteLo, final int remotePort)
    {
        long h = (localHi * 0x9E3779B97F4A7C15L + localLo) ^ key;
        h = h * 0xC2B2AE3D27D4EB4FL + (remoteHi ^ Long.rotateLeft(remoteLo, 29));
        h += ((long)localPort << 16 | remotePort) * 0x9E3779B97F4A7C15L;
        return mix(h);
    }

    /** The finaliser of MurmurHash3: every input bit affects every output bit. */
    private int mix(final long x)
    {
        long h = x;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int)h & mask;
    }

    private int slotOf(final SynRequest r)
    {
        return r.v6 ? slot6(r.localHi, r.localLo, r.localPort, r.remoteHi, r.remoteLo, r.remotePort)
            : slot(r.localAddress, r.localPort, r.remoteAddress, r.remotePort);
    }

    SynRequest find(final int localAddress, final int localPort, final int remoteAddress, final int remotePort)
    {
        if (size == 0)
        {
            return null;
        }
        for (SynRequest r = heads[slot(localAddress, localPort, remoteAddress, remotePort)]; r != null; r = r.next)
        {
            if (r.localPort == localPort && r.remotePort == remotePort && r.remoteAddress == remoteAddress
                && r.localAddress == localAddress && !r.v6)
            {
                return r;
            }
        }
        return null;
    }

    SynRequest find6(final long localHi, final long localLo, final int localPort, final long remoteHi,
        final long remoteLo, final int remotePort)
    {
        if (size == 0)
        {
            return null;
        }
        for (SynRequest r = heads[slot6(localHi, localLo, localPort, remoteHi, remoteLo, remotePort)]; r != null;
            r = r.next)
        {
            if (r.localPort == localPort && r.remotePort == remotePort && r.v6 && r.remoteLo == remoteLo
                && r.remoteHi == remoteHi && r.localLo == localLo && r.localHi == localHi)
            {
                return r;
            }
        }
        return null;
    }

    /** Inserts a record whose 4-tuple is not in the table. */
    void insert(final SynRequest r)
    {
        if (size + 1 > heads.length)
        {
            grow();
        }
        final int i = slotOf(r);
        r.next = heads[i];
        heads[i] = r;
        size++;
    }

    void remove(final SynRequest r)
    {
        final int i = slotOf(r);
        SynRequest prev = null;
        for (SynRequest c = heads[i]; c != null; prev = c, c = c.next)
        {
            if (c == r)
            {
                if (prev == null)
                {
                    heads[i] = r.next;
                }
                else
                {
                    prev.next = r.next;
                }
                r.next = null;
                size--;
                return;
            }
        }
    }

    /** Removes every record of {@code listener} and hands each to {@code action} (a listener closing). */
    void removeAll(final TcpSocket listener, final Consumer<SynRequest> action)
    {
        for (int i = 0; i < heads.length; i++)
        {
            SynRequest prev = null;
            SynRequest c = heads[i];
            while (c != null)
            {
                final SynRequest next = c.next;
                if (c.listener == listener)
                {
                    if (prev == null)
                    {
                        heads[i] = next;
                    }
                    else
                    {
                        prev.next = next;
                    }
                    c.next = null;
                    size--;
                    action.accept(c);
                }
                else
                {
                    prev = c;
                }
                c = next;
            }
        }
    }

    private void grow()
    {
        final SynRequest[] old = heads;
        heads = new SynRequest[old.length * 2];
        mask = heads.length - 1;
        for (SynRequest head : old)
        {
            SynRequest r = head;
            while (r != null)
            {
                final SynRequest next = r.next;
                final int i = slotOf(r);
                r.next = heads[i];
                heads[i] = r;
                r = next;
            }
        }
    }
}
