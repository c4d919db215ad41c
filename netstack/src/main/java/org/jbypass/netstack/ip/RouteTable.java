package org.jbypass.netstack.ip;

import org.jbypass.netstack.wire.Ipv4Address;

/**
 * The routing table: connected subnets, routes added by configuration, and default routes from interface
 * gateways. Longest prefix wins; among equal prefixes the first added. A handful of entries, scanned linearly,
 * allocation-free.
 */
final class RouteTable
{
    static final int MAX_ROUTES = 256;

    private final int[] networks = new int[MAX_ROUTES];
    private final int[] prefixLengths = new int[MAX_ROUTES];
    private final int[] gateways = new int[MAX_ROUTES];
    private final NetInterface[] interfaces = new NetInterface[MAX_ROUTES];
    private int count;
    /** Changes whenever the table does, so that what was looked up in it can be known stale. */
    private int generation;

    /**
     * @param gateway the next hop, or 0 when the network is on the link
     */
    void add(final int network, final int prefixLength, final NetInterface nif, final int gateway)
    {
        if (count == MAX_ROUTES)
        {
            throw new IllegalStateException("more than " + MAX_ROUTES + " routes");
        }
        if (gateway != 0 && !nif.isOnLink(gateway))
        {
            throw new IllegalArgumentException("route " + Ipv4Address.toString(network) + "/" + prefixLength
                + ": gateway " + Ipv4Address.toString(gateway) + " is not on " + nif.name() + "'s subnet");
        }
        networks[count] = network & Ipv4Address.mask(prefixLength);
        prefixLengths[count] = prefixLength;
        gateways[count] = gateway;
        interfaces[count] = nif;
        count++;
        generation++;
    }

    /**
     * A number that changes whenever a route is added (or, were there a way, removed): a cached lookup made under
     * another generation may be wrong.
     */
    int generation()
    {
        return generation;
    }

    /** The index of the best route to {@code destination}, or -1. */
    int lookup(final int destination)
    {
        int best = -1;
        int bestPrefix = -1;
        for (int i = 0; i < count; i++)
        {
            final int prefix = prefixLengths[i];
            if (prefix > bestPrefix && (destination & Ipv4Address.mask(prefix)) == networks[i])
            {
                best = i;
                bestPrefix = prefix;
            }
        }
        return best;
    }

    NetInterface nif(final int route)
    {
        return interfaces[route];
    }

    /** The next hop of a route for {@code destination}: the gateway, or the destination itself when on-link. */
    int nextHop(final int route, final int destination)
    {
        final int gateway = gateways[route];
        return gateway != 0 ? gateway : destination;
    }

    int size()
    {
        return count;
    }

    String describe(final int route)
    {
        return Ipv4Address.toString(networks[route]) + "/" + prefixLengths[route] + " dev " + interfaces[route].name()
            + (gateways[route] != 0 ? " via " + Ipv4Address.toString(gateways[route]) : "");
    }
}
