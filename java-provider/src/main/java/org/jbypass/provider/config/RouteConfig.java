package org.jbypass.provider.config;

import org.jbypass.netstack.wire.Ipv4Address;

/**
 * One {@code route.N = NETWORK/LEN via NAME [gateway ADDRESS]} line: a remote network reached through a stack
 * interface.
 *
 * @param key           the configuration key, for messages
 * @param network       the network address (no host bits set)
 * @param prefixLength  0 to 32
 * @param interfaceName the stack interface the network is reached through
 * @param gateway       the next hop, or 0 when the network is on-link (reached by ARP on the interface)
 */
public record RouteConfig(String key, int network, int prefixLength, String interfaceName, int gateway)
{
    /** The prefix of every route key. */
    public static final String PREFIX = "route.";

    /** Whether a destination is in the route's network. */
    public boolean matches(final int destination)
    {
        return Ipv4Address.inSubnet(destination, network, prefixLength);
    }

    @Override
    public String toString()
    {
        return Ipv4Address.toString(network) + '/' + prefixLength + " via " + interfaceName
            + (gateway != 0 ? " gateway " + Ipv4Address.toString(gateway) : "");
    }
}
