package org.jbypass.provider.channel;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.config.StackInterfaces;

/**
 * Conversions between the JDK's socket addresses and the stack's addresses (IPv4 as ints, IPv6 as the hi/lo pairs of
 * {@link Ipv6Address}), with the JDK's checks, and the family rules of its channels.
 *
 * <p>As the JDK on Linux, a channel opened without a family is an IPv6 socket when IPv6 is available (and
 * {@code java.net.preferIPv4Stack} is not set), and IPv6 sockets are always dual-stack (the JDK clears
 * IPV6_V6ONLY and exposes no option to set it, in 17 as in 25): a wildcard bind binds {@code ::}, which serves IPv4
 * too, and reports {@code [::]}; an IPv4 address given to it is used as its IPv4-mapped form, and every IPv4
 * address it reports is an {@link Inet4Address} (the JDK's {@code NET_SockaddrToInetAddress} unmaps them).
 */
final class Addresses
{
    /** {@code sun.nio.ch.Net.isIPv6Available()} on Linux: an IPv6-capable kernel, IPv4 not preferred. */
    private static final boolean IPV6_AVAILABLE = !Boolean.getBoolean("java.net.preferIPv4Stack")
        && Files.exists(Path.of("/proc/net/if_inet6"));

    private Addresses()
    {
    }

    /** Whether a channel of {@code family} (null: the JDK's default) is an IPv6 socket, as the JDK would open it. */
    static boolean family6(final ProtocolFamily family)
    {
        return family == StandardProtocolFamily.INET6 || family == null && IPV6_AVAILABLE;
    }

    /**
     * Checks an address against a socket's family as {@code Net.checkAddress(SocketAddress, ProtocolFamily)}: an
     * IPv4 socket takes no IPv6 address.
     */
    static void checkFamily(final boolean family6, final InetAddress address)
    {
        if (!family6 && address instanceof Inet6Address)
        {
            throw new UnsupportedAddressTypeException();
        }
    }

    /** Binds a TCP socket to {@code isa} in its family. @return 0 or -errno */
    static int bind(final TcpSocket socket, final InetSocketAddress isa, final StackInterfaces interfaces)
    {
        final InetAddress address = isa.getAddress();
        checkFamily(socket.isFamily6(), address);
        if (!socket.isFamily6())
        {
            return socket.bind(toStack(address), isa.getPort());
        }
        return socket.bind6(hi(address, interfaces), lo(address), isa.getPort());
    }

    /** Starts a TCP connect to {@code isa} in the socket's family. @return -EINPROGRESS or -errno */
    static int connect(final TcpSocket socket, final InetSocketAddress isa, final StackInterfaces interfaces)
    {
        final InetAddress address = isa.getAddress();
        checkFamily(socket.isFamily6(), address);
        if (!socket.isFamily6())
        {
            return socket.connect(toStack(address), isa.getPort());
        }
        return socket.connect6(hi(address, interfaces), lo(address), isa.getPort());
    }

    /** Binds a UDP socket to {@code isa} in its family. @return 0 or -errno */
    static int bind(final UdpSocket socket, final InetSocketAddress isa, final StackInterfaces interfaces)
    {
        final InetAddress address = isa.getAddress();
        checkFamily(socket.isFamily6(), address);
        if (!socket.isFamily6())
        {
            return socket.bind(toStack(address), isa.getPort());
        }
        return socket.bind6(hi(address, interfaces), lo(address), isa.getPort());
    }

    /** Connects a UDP socket to {@code isa} in its family. @return 0 or -errno */
    static int connect(final UdpSocket socket, final InetSocketAddress isa, final StackInterfaces interfaces)
    {
        final InetAddress address = isa.getAddress();
        checkFamily(socket.isFamily6(), address);
        if (!socket.isFamily6())
        {
            return socket.connect(toStack(address), isa.getPort());
        }
        return socket.connect6(hi(address, interfaces), lo(address), isa.getPort());
    }

    /**
     * The high half of an address as an IPv6 socket takes it: a wildcard is {@code ::} (the JDK binds an IPv6
     * socket's wildcard as {@code ::}), an IPv4 address its IPv4-mapped form, a link-local address with the stack's
     * scope for the interface its scope ID names ({@link StackInterfaces#scopeOf}).
     */
    static long hi(final InetAddress address, final StackInterfaces interfaces)
    {
        if (address instanceof Inet6Address && !address.isAnyLocalAddress())
        {
            final long hi = Ipv6Address.hiFromBytes(address.getAddress());
            return Ipv6Address.isLinkLocal(hi) ? Ipv6Address.withScope(hi, interfaces.scopeOf((Inet6Address)address))
                : hi;
        }
        return 0;
    }

    /**
     * The high half of an address in its wire form, without a scope: a multicast group, or a source of a group's
     * filter, which MLD compares as the wire carries them.
     */
    static long hi(final InetAddress address)
    {
        if (address instanceof Inet6Address && !address.isAnyLocalAddress())
        {
            return Ipv6Address.hiFromBytes(address.getAddress());
        }
        return 0;
    }

    /** The low half, as {@link #hi}. */
    static long lo(final InetAddress address)
    {
        if (address == null || address.isAnyLocalAddress())
        {
            return 0;
        }
        if (address instanceof Inet4Address)
        {
            return Ipv6Address.v4MappedLo(Ipv4Address.fromBytes(address.getAddress()));
        }
        return Ipv6Address.loFromBytes(address.getAddress());
    }

    /** A TCP socket's local address as the JDK reports it: {@code [::]} for an IPv6 socket bound to the wildcard. */
    static InetSocketAddress local(final TcpSocket socket, final StackInterfaces interfaces)
    {
        return socket.isIpv6() ? toSocketAddress6(socket.localHi(), socket.localLo(), socket.localPort(), interfaces)
            : toSocketAddress(socket.localAddress(), socket.localPort());
    }

    /** A TCP connection's remote address as the JDK reports it (an IPv4 peer as an {@link Inet4Address}). */
    static InetSocketAddress remote(final TcpSocket socket, final StackInterfaces interfaces)
    {
        return socket.isIpv6() ? toSocketAddress6(socket.remoteHi(), socket.remoteLo(), socket.remotePort(),
            interfaces)
            : toSocketAddress(socket.remoteAddress(), socket.remotePort());
    }

    /** A UDP socket's local address as the JDK reports it. */
    static InetSocketAddress local(final UdpSocket socket, final StackInterfaces interfaces)
    {
        return socket.isIpv6() ? toSocketAddress6(socket.localHi(), socket.localLo(), socket.localPort(), interfaces)
            : toSocketAddress(socket.localAddress(), socket.localPort());
    }

    /**
     * An IPv6 address as the JDK makes it from a sockaddr_in6: an {@link Inet4Address} when it is IPv4-mapped; a
     * link-local one with the scope ID of its interface's netdev ({@link StackInterfaces#scopeId}), as
     * {@code getsockname}/{@code recvfrom} give it.
     */
    static InetAddress toInet6(final long hi, final long lo, final StackInterfaces interfaces)
    {
        try
        {
            final int scope = Ipv6Address.scope(hi);
            final int scopeId = scope == 0 ? 0 : interfaces.scopeId(scope - 1);
            final byte[] bytes = Ipv6Address.toBytes(Ipv6Address.withoutScope(hi), lo);
            return scopeId != 0 ? Inet6Address.getByAddress(null, bytes, scopeId) : InetAddress.getByAddress(bytes);
        }
        catch (final UnknownHostException e)
        {
            throw new AssertionError("sixteen bytes are always an IPv6 address", e);
        }
    }

    static InetSocketAddress toSocketAddress6(final long hi, final long lo, final int port,
        final StackInterfaces interfaces)
    {
        return new InetSocketAddress(toInet6(hi, lo, interfaces), port);
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
            // An IPv6 address for an IPv4 form: an IPv4 socket given one (Net.checkAddress refuses it too).
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
