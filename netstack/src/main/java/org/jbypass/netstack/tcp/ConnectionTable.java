package org.jbypass.netstack.tcp;

/**
 * Connections by 4-tuple: an open-addressing hash table with linear probing and backward-shift deletion, so lookups
 * and removals allocate nothing and leave no tombstones. The hash is keyed with a secret, so that a peer choosing
 * addresses and ports cannot aim its connections at one chain. It grows (allocating) when more than half full;
 * it never shrinks.
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
                && s.localAddress == localAddress)
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
        int i = slot(socket.localAddress, socket.localPort, socket.remoteAddress, socket.remotePort);
        while (slots[i] != null)
        {
            i = (i + 1) & mask;
        }
        slots[i] = socket;
        size++;
    }

    boolean remove(final TcpSocket socket)
    {
        int i = slot(socket.localAddress, socket.localPort, socket.remoteAddress, socket.remotePort);
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
            final int home = slot(s.localAddress, s.localPort, s.remoteAddress, s.remotePort);
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
