package org.jbypass.provider.channel;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

import org.jbypass.netstack.wire.Ipv4Address;

/** Conversions between the JDK's socket addresses and the stack's int addresses, with the JDK's checks. */
final class Addresses
{
    private Addresses()
    {
    }

    /**
     * Checks an address as the JDK's {@code Net.checkAddress} does.
     *
     * @throws UnsupportedAddressTypeException if it is not an {@link InetSocketAddress}
     * @throws UnresolvedAddressException      if it is unresolved
     */
    static InetSocketAddress check(final SocketAddress address)
    {
        if (address == null)
        {
            throw new NullPointerException();
        }
        if (!(address instanceof InetSocketAddress))
        {
            throw new UnsupportedAddressTypeException();
        }
        final InetSocketAddress isa = (InetSocketAddress)address;
        if (isa.isUnresolved())
        {
            throw new UnresolvedAddressException();
        }
        return isa;
    }

    /** An address to bind to: null means the wildcard address with an ephemeral port. */
    static InetSocketAddress checkLocal(final SocketAddress address)
    {
        return address == null ? new InetSocketAddress(0) : check(address);
    }

    /** The stack's form of an IPv4 address; 0 for a wildcard address. */
    static int toStack(final InetAddress address)
    {
        if (address == null || address.isAnyLocalAddress())
        {
            return 0;
        }
        if (!(address instanceof Inet4Address))
        {
            // Never routed to the stack (the Router sends IPv6 to the JDK), so this is a caller's bug.
            throw new UnsupportedAddressTypeException();
        }
        return Ipv4Address.fromBytes(address.getAddress());
    }

    static InetAddress toInet(final int address)
    {
        try
        {
            return InetAddress.getByAddress(Ipv4Address.toBytes(address));
        }
        catch (final UnknownHostException e)
        {
            throw new AssertionError("four bytes are always an IPv4 address", e);
        }
    }

    static InetSocketAddress toSocketAddress(final int address, final int port)
    {
        return new InetSocketAddress(toInet(address), port);
    }
}
