package org.jbypass.netstack.tcp;

/**
 * Connections by 4-tuple: an open-addressing hash table with linear probing and backward-shift deletion, so lookups
 * and removals allocate nothing and leave no tombstones. It grows (allocating) when more than half full; it never
 * shrinks.
 *
 * <p>The hash is keyed with a 64-bit secret drawn when the layer starts, so that a peer choosing addresses and ports
 * cannot aim its connections at one probe run: the secret is mixed into the addresses and the ports before the
 * murmur3 finaliser (every input bit reaches every output bit). That is the strength Linux gives its established
 * table (inet_ehashfn: jhash with a boot-time secret), not a cryptographic PRF: a lookup per segment cannot pay
 * SipHash, and does not need to. To fill a probe run an attacker must hold connections, each a completed handshake
 * from an address it can receive at (spoofed SYNs stay in the bounded request table, then become SYN cookies), under
 * the stack's memory limit; and what it cannot do is predict where they land. SipHash-2-4 stays where the output
 * itself is a secret the peer must not guess: initial sequence numbers (RFC 6528), timestamp offsets, the ephemeral
 * port's hash (RFC 6056) and SYN cookies, once per connection, as Linux's secure_tcp_seq and syncookies use siphash.
 *
 * <p>A socket keeps its hash ({@code TcpSocket.tableHash}), computed once when the connection is inserted, so that a
 * probe compares one int of a socket before its 4-tuple, and removal and growth find homes without hashing again.
 * The hashes are not kept in an array beside the slots: a lookup that finds its connection (every segment of an
 * established one) would read that array's line as well as the slot's and the socket's, one cache miss more than
 * the probes into non-matching sockets it would spare (half a socket per lookup at this load factor).
 *
 * <p>The IPv4 connection found last is kept ({@link #last}) and compared first: the segments of a burst mostly
 * belong to few connections, often one (a request/response stream, a bulk transfer), and a hit spares the hash and
 * the probe. It is forgotten when its socket leaves the table, so a lookup answers exactly as the table does.
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
    /** The IPv4 connection {@link #find} returned last, while it is in the table; null otherwise. */
    private TcpSocket last;

    ConnectionTable(final long key)
    {
        this.key = key;
    }

    int size()
    {
        return size;
    }

    /** The keyed 32-bit hash of an IPv4 4-tuple; its low bits are the home slot. */
    private int hash(final int localAddress, final int localPort, final int remoteAddress, final int remotePort)
    {
        long h = (((long)localAddress << 32) | (remoteAddress & 0xFFFFFFFFL)) ^ key;
        h += ((long)localPort << 16 | remotePort) * 0x9E3779B97F4A7C15L;
        // The finaliser of MurmurHash3: every input bit affects every output bit.
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
        long h = (localHi * 0x9E3779B97F4A7C15L + localLo) ^ key;
        h = h * 0xC2B2AE3D27D4EB4FL + (remoteHi ^ Long.rotateLeft(remoteLo, 29));
        h += ((long)localPort << 16 | remotePort) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int)h;
    }

    private int hashOf(final TcpSocket s)
    {
        return s.v6 ? hash6(s.localHi, s.localLo, s.localPort, s.remoteHi, s.remoteLo, s.remotePort)
            : hash(s.localAddress, s.localPort, s.remoteAddress, s.remotePort);
    }

    /** The IPv6 connection with this 4-tuple, or null. */
    TcpSocket find6(final long localHi, final long localLo, final int localPort, final long remoteHi,
        final long remoteLo, final int remotePort)
    {
        final int h = hash6(localHi, localLo, localPort, remoteHi, remoteLo, remotePort);
        int i = h & mask;
        while (true)
        {
            final TcpSocket s = slots[i];
            if (s == null)
            {
                return null;
            }
            if (s.tableHash == h && s.localPort == localPort && s.remotePort == remotePort && s.v6
                && s.remoteLo == remoteLo && s.remoteHi == remoteHi && s.localLo == localLo && s.localHi == localHi)
            {
                return s;
            }
            i = (i + 1) & mask;
        }
    }

    TcpSocket find(final int localAddress, final int localPort, final int remoteAddress, final int remotePort)
    {
        final TcpSocket recent = last;
        if (recent != null && recent.localPort == localPort && recent.remotePort == remotePort
            && recent.remoteAddress == remoteAddress && recent.localAddress == localAddress)
        {
            return recent;
        }
        final int h = hash(localAddress, localPort, remoteAddress, remotePort);
        int i = h & mask;
        while (true)
        {
            final TcpSocket s = slots[i];
            if (s == null)
            {
                return null;
            }
            if (s.tableHash == h && s.localPort == localPort && s.remotePort == remotePort
                && s.remoteAddress == remoteAddress && s.localAddress == localAddress && !s.v6)
            {
                last = s;
                return s;
            }
            i = (i + 1) & mask;
        }
    }

    /** Inserts a socket whose 4-tuple is not in the table; the socket keeps its hash until it is removed. */
    void insert(final TcpSocket socket)
    {
        if (2 * (size + 1) > slots.length)
        {
            grow();
        }
        socket.tableHash = hashOf(socket);
        put(socket);
        size++;
    }

    private void put(final TcpSocket socket)
    {
        int i = socket.tableHash & mask;
        while (slots[i] != null)
        {
            i = (i + 1) & mask;
        }
        slots[i] = socket;
    }

    boolean remove(final TcpSocket socket)
    {
        int i = socket.tableHash & mask;
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
        if (socket == last)
        {
            last = null;
        }
        // Backward-shift deletion: move later members of the probe run into the hole when their home slot allows.
        int hole = i;
        int j = (i + 1) & mask;
        while (slots[j] != null)
        {
            final TcpSocket s = slots[j];
            final int home = s.tableHash & mask;
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
        for (final TcpSocket s : old)
        {
            if (s != null)
            {
                put(s);
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
