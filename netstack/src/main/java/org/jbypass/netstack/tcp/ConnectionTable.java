package org.jbypass.netstack.tcp;

/**
 * Connections by 4-tuple: an open-addressing hash table with linear probing and backward-shift deletion, so lookups
 * and removals allocate nothing and leave no tombstones. The hash is keyed with a secret, so that a peer choosing
 * addresses and ports cannot aim its connections at one chain. It grows (allocating) when more than half full;
 * it never shrinks.
 *
 * <p>IPv4 and IPv6 connections share the table: an IPv6 one hashes its four halves and is compared on them
 * ({@link #find6}), so an IPv4 lookup never matches it and pays one flag test for its existence.
 */
final class ConnectionTable
{
    private final long key;
    private TcpSocket[] slots = new TcpSocket[256];
    private int mask = slots.length - 1;
    private int size;

    ConnectionTable(final long key)
    {
        this.key = key;
    }

    int size()
    {
        return size;
    }

    private int slot(final int localAddress, final int localPort, final int remoteAddress, final int remotePort)
    {
        long h = (((long)localAddress << 32) | (remoteAddress & 0xFFFFFFFFL)) ^ key;
        h += ((long)localPort << 16 | remotePort) * 0x9E3779B97F4A7C15L;
        // The finaliser of MurmurHash3: every input bit affects every output bit.
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int)h & mask;
    }

    private int slot6(final long localHi, final long localLo, final int localPort, final long remoteHi,
        final long remoteLo, final int remotePort)
    {
        long h = (localHi * 0x9E3779B97F4A7C15L + localLo) ^ key;
        h = h * 0xC2B2AE3D27D4EB4FL + (remoteHi ^ Long.rotateLeft(remoteLo, 29));
        h += ((long)localPort << 16 | remotePort) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int)h & mask;
    }

    private int slotOf(final TcpSocket s)
    {
        return s.v6 ? slot6(s.localHi, s.localLo, s.localPort, s.remoteHi, s.remoteLo, s.remotePort)
            : slot(s.localAddress, s.localPort, s.remoteAddress, s.remotePort);
    }

    /** The IPv6 connection with this 4-tuple, or null. */
    TcpSocket find6(final long localHi, final long localLo, final int localPort, final long remoteHi,
        final long remoteLo, final int remotePort)
    {
        int i = slot6(localHi, localLo, localPort, remoteHi, remoteLo, remotePort);
        while (true)
        {
            final TcpSocket s = slots[i];
            if (s == null)
            {
                return null;
            }
            if (s.localPort == localPort && s.remotePort == remotePort && s.v6 && s.remoteLo == remoteLo
                && s.remoteHi == remoteHi && s.localLo == localLo && s.localHi == localHi)
            {
                return s;
            }
            i = (i + 1) & mask;
        }
    }

    TcpSocket find(final int localAddress, final int localPort, final int remoteAddress, final int remotePort)
    {
        int i = slot(localAddress, localPort, remoteAddress, remotePort);
        while (true)
        {
            final TcpSocket s = slots[i];
            if (s == null)
            {
                return null;
            }
            if (s.localPort == localPort && s.remotePort == remotePort && s.remoteAddress == remoteAddress
                && s.localAddress == localAddress && !s.v6)
            {
                return s;
            }
            i = (i + 1) & mask;
        }
    }

    /** Inserts a socket whose 4-tuple is not in the table. */
    void insert(final TcpSocket socket)
    {
        if (2 * (size + 1) > slots.length)
        {
            grow();
        }
        int i = slotOf(socket);
        while (slots[i] != null)
        {
            i = (i + 1) & mask;
        }
        slots[i] = socket;
        size++;
    }

    boolean remove(final TcpSocket socket)
    {
        int i = slotOf(socket);
        while (slots[i] != socket)
        {
            if (slots[i] == null)
            {
                return false;
            }
            i = (i + 1) & mask;
        }
        slots[i] = null;
        size--;
        // Backward-shift deletion: move later members of the probe run into the hole when their home slot allows.
        int hole = i;
        int j = (i + 1) & mask;
        while (slots[j] != null)
        {
            final TcpSocket s = slots[j];
            final int home = slotOf(s);
            // s may move to the hole if the hole lies cyclically in [home, j).
            if (((j - home) & mask) >= ((j - hole) & mask))
            {
                slots[hole] = s;
                slots[j] = null;
                hole = j;
            }
            j = (j + 1) & mask;
        }
        return true;
    }

    private void grow()
    {
        final TcpSocket[] old = slots;
        slots = new TcpSocket[old.length * 2];
        mask = slots.length - 1;
        size = 0;
        for (final TcpSocket s : old)
        {
            if (s != null)
            {
                insert(s);
            }
        }
    }

    /** Calls {@code action} for every socket; the action must not change the table. */
    void forEach(final java.util.function.Consumer<TcpSocket> action)
    {
        for (final TcpSocket s : slots)
        {
            if (s != null)
            {
                action.accept(s);
            }
        }
    }
}
