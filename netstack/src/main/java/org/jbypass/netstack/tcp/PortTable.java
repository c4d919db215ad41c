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
 *
 * <p>With many connections each ephemeral port is shared by the connections to many destinations (a million
 * connections to 16 server ports: 16 per port), so connect must not walk a port's list: a connection picked its port
 * for its 4-tuple alone, which the connection, request and TIME_WAIT tables answer for in O(1), and only sockets
 * that bind() placed (counted per port, as Linux's bind buckets tell connect which ports bind() holds) need the
 * walk. The lists are doubly linked, so a connection leaves its port in O(1) too.
 */
final class PortTable
{
    private final TcpLayer layer;
    private final TcpSocket[] bound = new TcpSocket[65536];
    private final TcpSocket[] listeners = new TcpSocket[65536];
    /** Per port, the sockets on its list that bind() placed there (listeners included). */
    private final int[] explicitHolders = new int[65536];
    /** RFC 6056 section 3.3.4's table of counters, one per slot of destinations. */
    private final int[] perturb = new int[256];
    /** Ports examined by connect() in all (for tests: about one per connect). */
    long connectProbes;
    /** Bind-list entries connect() looked at (for tests: none unless bind() placed sockets on the ports). */
    long connectListSteps;

    PortTable(final TcpLayer layer)
    {
        this.layer = layer;
    }

    /** Binds a socket to an IPv4 address (0: any); port 0 picks a free ephemeral port. */
    int bind(final TcpSocket s, final int address, final int port)
    {
        return bind(s, false, address, 0, 0, port);
    }

    /**
     * Binds a socket to an IPv6 address; {@code ::} is the wildcard, which serves IPv4 too unless the socket is
     * IPV6_V6ONLY (RFC 3493 section 5.3).
     */
    int bind6(final TcpSocket s, final long hi, final long lo, final int port)
    {
        return bind(s, true, 0, hi, lo, port);
    }

    private int bind(final TcpSocket s, final boolean v6, final int address, final long hi, final long lo,
        final int port)
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
        else if (conflicts(s, v6, address, hi, lo, port))
        {
            return -Errno.EADDRINUSE;
        }
        s.v6 = v6;
        s.localHi = hi;
        s.localLo = lo;
        link(s, address, chosen);
        s.explicitBind = true;
        explicitHolders[chosen]++;
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
            if (bound[p] == null && listeners[p] == null && !layer.timeWait.table.holdsPort(p))
            {
                return p;
            }
        }
        return 0;
    }

    private boolean conflicts(final TcpSocket s, final boolean v6, final int address, final long hi, final long lo,
        final int port)
    {
        final boolean covers4 = !v6 || (hi == 0 && lo == 0 && !s.v6Only);
        for (TcpSocket o = bound[port]; o != null; o = o.bindNext)
        {
            if (o == s || !overlaps(covers4, address, v6, hi, lo, o) || holdsNothing(o))
            {
                continue;
            }
            if (s.reuseAddress && o.reuseAddress && o.state != TcpState.LISTEN)
            {
                continue;
            }
            return true;
        }
        // Connections in TIME_WAIT are records (of either family), not sockets on the port's list; SO_REUSEADDR
        // passes over them.
        return !s.reuseAddress && layer.timeWait.table.holdsPort(port, covers4, address, v6, hi, lo);
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

    /** Whether a socket serves IPv4 packets: bound to an IPv4 address, or to {@code ::} without IPV6_V6ONLY. */
    static boolean covers4(final TcpSocket o)
    {
        return !o.v6 || (o.localHi == 0 && o.localLo == 0 && !o.v6Only);
    }

    /**
     * Whether an address (its IPv4 side when {@code covers4}: {@code address}, 0 for any; its IPv6 side when
     * {@code v6}: {@code hi:lo}, {@code ::} for any) shares packets with what {@code o} is bound to, as Linux's
     * inet_bind_conflict and ipv6_rcv_saddr_equal decide: a dual-stack {@code ::} overlaps every IPv4 address.
     */
    private static boolean overlaps(final boolean covers4, final int address, final boolean v6, final long hi,
        final long lo, final TcpSocket o)
    {
        if (covers4 && covers4(o) && overlaps(address, o.localAddress))
        {
            return true;
        }
        return v6 && o.v6 && ((hi == 0 && lo == 0) || (o.localHi == 0 && o.localLo == 0)
            || (hi == o.localHi && lo == o.localLo));
    }

    private static boolean overlaps(final TcpSocket s, final TcpSocket o)
    {
        return overlaps(covers4(s), s.localAddress, s.v6, s.localHi, s.localLo, o);
    }

    /** Makes a bound socket a listener, unless another listener already has an overlapping address. */
    int listen(final TcpSocket s)
    {
        final int port = s.localPort;
        for (TcpSocket o = listeners[port]; o != null; o = o.listenNext)
        {
            if (o != s && overlaps(s, o))
            {
                return -Errno.EADDRINUSE;
            }
        }
        // SO_REUSEADDR let it share the port with sockets that were not listening; a listener may not share it
        // with connections unless both reuse (Linux's rule, checked again at listen).
        for (TcpSocket o = bound[port]; o != null; o = o.bindNext)
        {
            if (o != s && overlaps(s, o) && !holdsNothing(o) && !(s.reuseAddress && o.reuseAddress))
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

    /**
     * The listener for an IPv4 segment to {@code address:port}: one bound to the address, else a wildcard one
     * (0.0.0.0 before a dual-stack {@code ::}, as Linux's compute_score prefers the family's own socket).
     */
    TcpSocket findListener(final int address, final int port)
    {
        TcpSocket wildcard = null;
        TcpSocket dual = null;
        for (TcpSocket o = listeners[port]; o != null; o = o.listenNext)
        {
            if (o.v6)
            {
                if (covers4(o))
                {
                    dual = o;
                }
                continue;
            }
            if (o.localAddress == address)
            {
                return o;
            }
            if (o.localAddress == 0)
            {
                wildcard = o;
            }
        }
        return wildcard != null ? wildcard : dual;
    }

    /** The listener for an IPv6 segment to {@code hi:lo:port}: one bound to the address, else one bound to ::. */
    TcpSocket findListener6(final long hi, final long lo, final int port)
    {
        TcpSocket wildcard = null;
        for (TcpSocket o = listeners[port]; o != null; o = o.listenNext)
        {
            if (!o.v6)
            {
                continue;
            }
            if (o.localHi == hi && o.localLo == lo)
            {
                return o;
            }
            if (o.localHi == 0 && o.localLo == 0)
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
            s.v6 = false;
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
        if (explicitHolders[port] != 0)
        {
            for (TcpSocket o = bound[port]; o != null; o = o.bindNext)
            {
                connectListSteps++;
                if (o.explicitBind && covers4(o) && overlaps(localAddress, o.localAddress))
                {
                    return false;
                }
            }
        }
        // The connections that connect() placed on the port are each in the connection table by 4-tuple (until
        // they end, when they leave the list, or in TIME_WAIT's table): the 4-tuple's lookup answers for them.
        return layer.fourTupleFree(localAddress, port, remoteAddress, remotePort);
    }

    /** {@link #connect} for an IPv6 connection: the same search, keyed by the IPv6 addresses. */
    int connect6(final TcpSocket s, final long localHi, final long localLo, final long remoteHi, final long remoteLo,
        final int remotePort)
    {
        if (s.bound)
        {
            if (!layer.fourTupleFree6(localHi, localLo, s.localPort, remoteHi, remoteLo, remotePort))
            {
                return -Errno.EADDRNOTAVAIL;
            }
            s.v6 = true;
            s.localHi = localHi;
            s.localLo = localLo;
            return 0;
        }
        final int low = layer.config.ephemeralPortLow;
        final int count = layer.config.ephemeralPortHigh - low + 1;
        final long h = layer.portHash6(localHi, localLo, remoteHi, remoteLo, remotePort);
        final int slot = (int) (h >>> 56) & (perturb.length - 1);
        final int offset = (int) Long.remainderUnsigned((h & 0xFFFFFFFFL) + perturb[slot], count);
        for (int i = 0; i < count; i++)
        {
            final int p = low + (offset + i) % count;
            connectProbes++;
            if (usableForConnect6(p, localHi, localLo, remoteHi, remoteLo, remotePort))
            {
                perturb[slot] += i + 1;
                s.v6 = true;
                s.localHi = localHi;
                s.localLo = localLo;
                link(s, 0, p);
                return 0;
            }
        }
        return -Errno.EADDRNOTAVAIL;
    }

    private boolean usableForConnect6(final int port, final long localHi, final long localLo, final long remoteHi,
        final long remoteLo, final int remotePort)
    {
        if (listeners[port] != null)
        {
            return false;
        }
        if (explicitHolders[port] != 0)
        {
            for (TcpSocket o = bound[port]; o != null; o = o.bindNext)
            {
                connectListSteps++;
                if (o.explicitBind && overlaps(false, 0, true, localHi, localLo, o))
                {
                    return false;
                }
            }
        }
        return layer.fourTupleFree6(localHi, localLo, port, remoteHi, remoteLo, remotePort);
    }

    private void link(final TcpSocket s, final int address, final int port)
    {
        s.localAddress = address;
        s.localPort = port;
        s.bound = true;
        final TcpSocket first = bound[port];
        s.bindNext = first;
        s.bindPrev = null;
        if (first != null)
        {
            first.bindPrev = s;
        }
        bound[port] = s;
    }

    void unbind(final TcpSocket s)
    {
        if (!s.bound)
        {
            return;
        }
        final int port = s.localPort;
        final TcpSocket next = s.bindNext;
        final TcpSocket prev = s.bindPrev;
        if (prev == null)
        {
            bound[port] = next;
        }
        else
        {
            prev.bindNext = next;
        }
        if (next != null)
        {
            next.bindPrev = prev;
        }
        if (s.explicitBind)
        {
            explicitHolders[port]--;
        }
        s.bindNext = null;
        s.bindPrev = null;
        s.bound = false;
    }

    /** Whether any socket holds the port (for tests and diagnostics). */
    boolean inUse(final int port)
    {
        return bound[port] != null || listeners[port] != null;
    }
}
