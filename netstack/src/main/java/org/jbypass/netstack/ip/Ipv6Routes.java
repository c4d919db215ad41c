package org.jbypass.netstack.ip;

import org.jbypass.netstack.wire.Ipv6Address;

/**
 * The IPv6 routing table: the on-link prefixes of the interfaces' addresses (fe80::/64 on every interface with
 * IPv6), and routes added by configuration, each with an optional gateway. Longest prefix wins; among equal prefixes
 * the first added. A handful of entries, scanned linearly, allocation-free.
 */
final class Ipv6Routes
{
    static final int MAX_ROUTES = 256;

    private final long[] networkHi = new long[MAX_ROUTES];
    private final long[] networkLo = new long[MAX_ROUTES];
    private final int[] prefixLengths = new int[MAX_ROUTES];
    private final long[] gatewayHi = new long[MAX_ROUTES];
    private final long[] gatewayLo = new long[MAX_ROUTES];
    private final NetInterface[] interfaces = new NetInterface[MAX_ROUTES];
    private int count;

    /** Adds a route; a gateway of :: means the network is on the link. */
    void add(final long hi, final long lo, final int prefixLength, final NetInterface nif, final long viaHi,
        final long viaLo)
    {
        if (count == MAX_ROUTES)
        {
            throw new IllegalStateException("more than " + MAX_ROUTES + " IPv6 routes");
        }
        if (prefixLength < 0 || prefixLength > 128)
        {
            throw new IllegalArgumentException("IPv6 prefix length must be 0..128: " + prefixLength);
        }
        if (Ipv6Address.isMulticast(viaHi) || Ipv6Address.isLoopback(viaHi, viaLo))
        {
            throw new IllegalArgumentException("gateway " + Ipv6Address.toString(viaHi, viaLo) + " is not a host");
        }
        networkHi[count] = prefixLength == 0 ? 0 : prefixLength >= 64 ? hi : hi & (-1L << (64 - prefixLength));
        networkLo[count] = prefixLength <= 64 ? 0 : prefixLength == 128 ? lo : lo & (-1L << (128 - prefixLength));
        prefixLengths[count] = prefixLength;
        gatewayHi[count] = viaHi;
        gatewayLo[count] = viaLo;
        interfaces[count] = nif;
        count++;
    }

    /** Whether the table holds exactly this route already (an address's prefix given twice). */
    boolean contains(final long hi, final long lo, final int prefixLength, final NetInterface nif)
    {
        for (int i = 0; i < count; i++)
        {
            if (interfaces[i] == nif && prefixLengths[i] == prefixLength && gatewayHi[i] == 0 && gatewayLo[i] == 0
                && Ipv6Address.inPrefix(hi, lo, networkHi[i], networkLo[i], prefixLength))
            {
                return true;
            }
        }
        return false;
    }

    /** The index of the best route to a destination, or -1. */
    int lookup(final long hi, final long lo)
    {
        int best = -1;
        int bestPrefix = -1;
        for (int i = 0; i < count; i++)
        {
            final int prefix = prefixLengths[i];
            if (prefix > bestPrefix && Ipv6Address.inPrefix(hi, lo, networkHi[i], networkLo[i], prefix))
            {
                best = i;
                bestPrefix = prefix;
            }
        }
        return best;
    }

    int prefixLength(final int route)
    {
        return prefixLengths[route];
    }

    NetInterface nif(final int route)
    {
        return interfaces[route];
    }

    /** Whether a route sends through a gateway (else the destination is the next hop). */
    boolean hasGateway(final int route)
    {
        return gatewayHi[route] != 0 || gatewayLo[route] != 0;
    }

    long gatewayHi(final int route)
    {
        return gatewayHi[route];
    }

    long gatewayLo(final int route)
    {
        return gatewayLo[route];
    }

    int size()
    {
        return count;
    }

    String describe(final int route)
    {
        return Ipv6Address.toString(networkHi[route], networkLo[route]) + "/" + prefixLengths[route] + " dev "
            + interfaces[route].name() + (hasGateway(route) ? " via "
            + Ipv6Address.toString(gatewayHi[route], gatewayLo[route]) : "");
    }
}
