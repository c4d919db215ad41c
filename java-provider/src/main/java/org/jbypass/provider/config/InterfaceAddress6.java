package org.jbypass.provider.config;

import org.jbypass.netstack.wire.Ipv6Address;

/**
 * One IPv6 address of an {@code interface.NAME.address6} list, with its prefix length; the address as the
 * {@code hi}/{@code lo} pair of {@link Ipv6Address}.
 */
public record InterfaceAddress6(long hi, long lo, int prefixLength)
{
    /** Whether the address is link-local (fe80::/10): then the stack derives none from the MAC. */
    public boolean isLinkLocal()
    {
        return Ipv6Address.isLinkLocal(hi);
    }

    /** Whether a destination is on the address's prefix. */
    public boolean onPrefix(final long destinationHi, final long destinationLo)
    {
        return Ipv6Address.inPrefix(destinationHi, destinationLo, hi, lo, prefixLength);
    }

    @Override
    public String toString()
    {
        return Ipv6Address.toString(hi, lo) + '/' + prefixLength;
    }
}
