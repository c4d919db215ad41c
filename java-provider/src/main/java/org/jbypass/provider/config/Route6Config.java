package org.jbypass.provider.config;

import org.jbypass.netstack.wire.Ipv6Address;

/**
 * One {@code route.N = NETWORK/LEN via NAME [gateway ADDRESS]} line whose network is IPv6: a remote IPv6 network
 * reached through a stack interface.
 *
 * @param key           the configuration key, for messages
 * @param networkHi     the network's high 64 bits (no host bits set)
 * @param networkLo     the network's low 64 bits
 * @param prefixLength  0 to 128
 * @param interfaceName the stack interface the network is reached through
 * @param gatewayHi     the next hop's high bits, or 0 with {@code gatewayLo} 0 when the network is on-link
 * @param gatewayLo     the next hop's low bits
 */
public record Route6Config(String key, long networkHi, long networkLo, int prefixLength, String interfaceName,
    long gatewayHi, long gatewayLo)
{
    /** Whether a destination is in the route's network. */
    public boolean matches(final long destinationHi, final long destinationLo)
    {
        return Ipv6Address.inPrefix(destinationHi, destinationLo, networkHi, networkLo, prefixLength);
    }

    /** Whether the route names a gateway. */
    public boolean hasGateway()
    {
        return gatewayHi != 0 || gatewayLo != 0;
    }

    @Override
    public String toString()
    {
        return Ipv6Address.toString(networkHi, networkLo) + '/' + prefixLength + " via " + interfaceName
            + (hasGateway() ? " gateway " + Ipv6Address.toString(gatewayHi, gatewayLo) : "");
    }
}
