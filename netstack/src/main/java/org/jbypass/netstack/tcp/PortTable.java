package org.jbypass.netstack.tcp;

import org.jbypass.netstack.util.Errno;

/**
 * Local ports: which sockets hold each port (bind lists), which listen on it, and the choice of ephemeral ports.
 *
 * <p>Both tables are arrays indexed by port, a perfect hash, with the sockets of one port chained through the
 * sockets themselves, so nothing here allocates after construction. Lists are short: a listener's accepted
 * connections do not join its port's list (they are found by 4-tuple), connections that connect() binds share a
 * port only with connections to other destinations.
 *
 * <p>The binding rules are Linux's: two sockets may hold one port when their addresses differ (neither being the
 * wildcard), or when both set SO_REUSEADDR and neither listens; SO_REUSEADDR also lets a socket bind a port whose
 * only other holders are in TIME_WAIT. Ephemeral ports (RFC 6056) are searched from a random point of the
 * configured range (its section 3.3.1, simple port randomisation) for bind, and by the double-hash algorithm of its
 * section 3.3.4 for connect, and a port is used for a connection only if no
 * socket bound it explicitly and no connection from it goes to the same destination, so that 4-tuples never
 * collide, TIME_WAIT ones included.
 */
final class PortTable
{
    private final TcpLayer layer;
    private final TcpSocket[] bound = new TcpSocket[65536];
    private final TcpSocket[] listeners = new TcpSocket[65536];
    /** RFC 6056 section 3.3.4's table of counters, one per slot of destinations. */
    private final int[] perturb = new int[256];
    /** Ports examined by connect() in all (for tests: about one per connect). */
    long connectProbes;

    PortTable(final TcpLayer layer)
    {
        this.layer = layer;
    }

    /** Binds a socket; port 0 picks a free ephemeral port. */
    int bind(final TcpSocket s, final int address, final int port)
    {
        int chosen = port;
        if (port == 0)
        {
            chosen = freeEphemeralPort();
            if (chosen == 0)
            {
                return -Errno.EADDRINUSE;
            }
        }
        else if (conflicts(s, address, port))
        {
            return -Errno.EADDRINUSE;
        }
        link(s, address, chosen);
        return 0;
    }

    private int freeEphemeralPort()
    {
        final int low = layer.config.ephemeralPortLow;
        final int count = layer.config.ephemeralPortHigh - low + 1;
        final int offset = layer.randomInt(count);
        for (int i = 0; i < count; i++)
        {
            final int p = low + (offset + i) % count;
            if (bound[p] == null && listeners[p] == null && !layer.timeWait.table.holdsPort(p, 0))
            {
                return p;
            }
        }
        return 0;
    }

    private boolean conflicts(final TcpSocket s, final int address, final int port)
    {
        for (TcpSocket o = bound[port]; o != null; o = o.bindNext)
        {
            if (o == s || !overlaps(address, o.localAddress) || holdsNothing(o))
            {
                continue;
            }
            if (o.state == TcpState.TIME_WAIT)
            {
                if (s.reuseAddress)
                {
                    continue;
                }
                return true;
            }
            if (s.reuseAddress && o.reuseAddress && o.state != TcpState.LISTEN)
            {
                continue;
            }
            return true;
        }
        // Connections in TIME_WAIT are records, no longer sockets on the port's list.
        return !s.reuseAddress && layer.timeWait.table.holdsPort(port, address);
    }

    /** A socket whose connection ended keeps its place only if the application bound it. */
    private static boolean holdsNothing(final TcpSocket o)
    {
        return o.state == TcpState.CLOSED && !o.explicitBind;
    }

    private static boolean overlaps(final int a, final int b)
    {
        return a == 0 || b == 0 || a == b;
    }

    /** Makes a bound socket a listener, unless another listener already has an overlapping address. */
    int listen(final TcpSocket s)
    {
        final int port = s.localPort;
        for (TcpSocket o = listeners[port]; o != null; o = o.listenNext)
        {
            if (o != s && overlaps(s.localAddress, o.localAddress))
            {
                return -Errno.EADDRINUSE;
            }
        }
        // SO_REUSEADDR let it share the port with sockets that were not listening; a listener may not share it
        // with connections unless both reuse (Linux's rule, checked again at listen).
        for (TcpSocket o = bound[port]; o != null; o = o.bindNext)
        {
            if (o != s && overlaps(s.localAddress, o.localAddress) && !holdsNothing(o)
                && o.state != TcpState.TIME_WAIT && !(s.reuseAddress && o.reuseAddress))
            {
                return -Errno.EADDRINUSE;
            }
        }
        s.listenNext = listeners[port];
        listeners[port] = s;
        return 0;
    }

    void unlisten(final TcpSocket s)
    {
        final int port = s.localPort;
        TcpSocket prev = null;
        for (TcpSocket o = listeners[port]; o != null; o = o.listenNext)
        {
            if (o == s)
            {
                if (prev == null)
                {
                    listeners[port] = o.listenNext;
                }
                else
                {
                    prev.listenNext = o.listenNext;
                }
                s.listenNext = null;
                return;
            }
            prev = o;
        }
    }

    /** The listener for a segment to {@code address:port}: one bound to the address, else a wildcard one. */
    TcpSocket findListener(final int address, final int port)
    {
        TcpSocket wildcard = null;
        for (TcpSocket o = listeners[port]; o != null; o = o.listenNext)
        {
            if (o.localAddress == address)
            {
                return o;
            }
            if (o.localAddress == 0)
            {
                wildcard = o;
            }
        }
        return wildcard;
    }

    /**
     * Gives a connecting socket its local port and address.
     *
     * @return 0, or -EADDRNOTAVAIL when no ephemeral port is free for this destination, or the socket's bound
     *         4-tuple is taken
     */
    int connect(final TcpSocket s, final int localAddress, final int remoteAddress, final int remotePort)
    {
        if (s.bound)
        {
            if (!layer.fourTupleFree(localAddress, s.localPort, remoteAddress, remotePort))
            {
                return -Errno.EADDRNOTAVAIL;
            }
            s.localAddress = localAddress;
            return 0;
        }
        // RFC 6056 section 3.3.4, the double-hash algorithm (Linux's __inet_hash_connect): the search for a
        // destination starts at a secret hash of the connection's addresses plus a counter shared by the
        // destinations that fall in the same slot, which moves past every port it hands out. Successive connections
        // to one destination take successive free ports, so a connect stays O(1) however many connections there
        // are, and the start is still unpredictable from outside.
        final int low = layer.config.ephemeralPortLow;
        final int count = layer.config.ephemeralPortHigh - low + 1;
        final long h = layer.portHash(localAddress, remoteAddress, remotePort);
        final int slot = (int) (h >>> 56) & (perturb.length - 1);
        final int offset = (int) Long.remainderUnsigned((h & 0xFFFFFFFFL) + perturb[slot], count);
        for (int i = 0; i < count; i++)
        {
            final int p = low + (offset + i) % count;
            connectProbes++;
            if (usableForConnect(p, localAddress, remoteAddress, remotePort))
            {
                perturb[slot] += i + 1;
                link(s, localAddress, p);
                return 0;
            }
        }
        return -Errno.EADDRNOTAVAIL;
    }

    private boolean usableForConnect(final int port, final int localAddress, final int remoteAddress,
        final int remotePort)
    {
        if (listeners[port] != null)
        {
            return false;
        }
        for (TcpSocket o = bound[port]; o != null; o = o.bindNext)
        {
            if (holdsNothing(o) || !overlaps(localAddress, o.localAddress))
            {
                continue;
            }
            if (o.explicitBind)
            {
                return false;
            }
            if (o.remoteAddress == remoteAddress && o.remotePort == remotePort)
            {
                return false;
            }
        }
        return layer.fourTupleFree(localAddress, port, remoteAddress, remotePort);
    }

    private void link(final TcpSocket s, final int address, final int port)
    {
        s.localAddress = address;
        s.localPort = port;
        s.bound = true;
        s.bindNext = bound[port];
        bound[port] = s;
    }

    void unbind(final TcpSocket s)
    {
        if (!s.bound)
        {
            return;
        }
        final int port = s.localPort;
        TcpSocket prev = null;
        for (TcpSocket o = bound[port]; o != null; o = o.bindNext)
        {
            if (o == s)
            {
                if (prev == null)
                {
                    bound[port] = o.bindNext;
                }
                else
                {
                    prev.bindNext = o.bindNext;
                }
                break;
            }
            prev = o;
        }
        s.bindNext = null;
        s.bound = false;
    }

    /** Whether any socket holds the port (for tests and diagnostics). */
    boolean inUse(final int port)
    {
        return bound[port] != null || listeners[port] != null;
    }
}
