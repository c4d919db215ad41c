package org.jbypass.provider.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.List;
import java.util.Objects;

import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv6Address;

/**
 * Decides, at bind or connect time, whether a socket is served by the stack or by the JDK.
 *
 * <ul>
 *   <li>A bind to one of the stack's interface addresses (IPv4 {@code address} or IPv6 {@code address6}) goes to
 *       the stack; a bind to a wildcard address ({@code 0.0.0.0}, or {@code ::}, which the JDK binds for a
 *       wildcard when IPv6 is available), to no address, or to a multicast group (IPv4 or IPv6) goes where
 *       {@code bind.wildcard} says; a join on a socket not yet bound goes to the stack when its interface names a
 *       stack interface ({@link StackInterfaces}); any other bind (a kernel address, loopback) goes to the
 *       JDK.</li>
 *   <li>A connect (or a send) from a socket not yet bound goes to the stack when the destination is one of the
 *       stack's addresses, on a stack interface's subnet or IPv6 prefix, or in a configured route (IPv4 or IPv6);
 *       everything else goes to the JDK.</li>
 *   <li>A link-local address with a scope ID (RFC 4007) is on the link of the netdev the scope names
 *       ({@link StackInterfaces#scopeOf}): a destination there goes to the stack when that netdev is a stack
 *       interface's with IPv6, to the JDK otherwise; a bind to one goes to the stack unless the kernel holds the
 *       address on that netdev.</li>
 *   <li>UNIX-domain sockets always go to the JDK, untouched.</li>
 * </ul>
 *
 * The decision needs only the configuration, not a running stack, so deciding for a kernel socket never starts
 * the stack.
 */
public final class Router
{
    private final BypassConfig config;
    private final int[] addresses;
    private final int[] networks;
    private final int[] prefixLengths;
    private final StackInterfaces interfaces;

    /** The router of a configuration. */
    public Router(final BypassConfig config)
    {
        this.config = Objects.requireNonNull(config);
        final int n = config.interfaces().size();
        this.addresses = new int[n];
        this.networks = new int[n];
        this.prefixLengths = new int[n];
        for (int i = 0; i < n; i++)
        {
            final InterfaceConfig iface = config.interfaces().get(i);
            addresses[i] = iface.address();
            networks[i] = iface.network();
            prefixLengths[i] = iface.prefixLength();
        }
        this.interfaces = new StackInterfaces(config.interfaces());
    }

    private Router()
    {
        this.config = null;
        this.addresses = new int[0];
        this.networks = new int[0];
        this.prefixLengths = new int[0];
        this.interfaces = new StackInterfaces(java.util.List.of());
    }

    /**
     * The router of a JVM without configuration (jbypass.jar merely on the class path): every socket goes to the
     * JDK, so that a library that is present but not asked for never breaks networking.
     */
    public static Router kernelOnly()
    {
        return new Router();
    }

    /** The configuration, or null for {@link #kernelOnly()}. */
    public BypassConfig config()
    {
        return config;
    }

    /** Whether an address is one of the stack's interface addresses. */
    public boolean isStackAddress(final int address)
    {
        // An IPv6-only interface's address is 0, which names none.
        if (address == 0)
        {
            return false;
        }
        for (final int a : addresses)
        {
            if (a == address)
            {
                return true;
            }
        }
        return false;
    }

    /** Whether the stack reaches a destination: its own address, a directly attached subnet, or a route. */
    public boolean reachesThroughStack(final int destination)
    {
        if (isStackAddress(destination))
        {
            return true;
        }
        for (int i = 0; i < networks.length; i++)
        {
            // An IPv6-only interface has no subnet (its prefix length is 0, which would match every address).
            if (addresses[i] != 0 && Ipv4Address.inSubnet(destination, networks[i], prefixLengths[i]))
            {
                return true;
            }
        }
        for (final RouteConfig route : config == null ? List.<RouteConfig>of() : config.routes())
        {
            if (route.matches(destination))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Where a socket bound to a local address goes.
     *
     * @param local the address to bind to; null or a wildcard address for "any"
     */
    public Backend forBind(final InetAddress local)
    {
        // A socket bound to a group receives as one bound to the wildcard does (for the group only): same rule.
        if (local == null || local.isAnyLocalAddress() || local.isMulticastAddress())
        {
            return config != null && config.wildcard() == WildcardBinding.STACK ? Backend.STACK : Backend.KERNEL;
        }
        if (local instanceof Inet4Address && isStackAddress(toInt(local)))
        {
            return Backend.STACK;
        }
        if (local instanceof Inet6Address && !local.isMulticastAddress())
        {
            final byte[] bytes = local.getAddress();
            final long hi = Ipv6Address.hiFromBytes(bytes);
            if (isStackAddress6(hi, Ipv6Address.loFromBytes(bytes)))
            {
                return Backend.STACK;
            }
            if (Ipv6Address.isLinkLocal(hi) && scopedToStack((Inet6Address)local) && !isKernelAddress(local))
            {
                // A link-local address scoped to a stack interface: the stack's own (the one it derives from its
                // MAC too), unless the kernel holds it on that netdev.
                return Backend.STACK;
            }
        }
        return Backend.KERNEL;
    }

    /** Whether a scoped address names a stack interface that has IPv6 ({@link StackInterfaces#scopeOf}). */
    private boolean scopedToStack(final Inet6Address address)
    {
        final int scope = interfaces.scopeOf(address);
        return scope > 0 && scope <= interfaces.count() && config != null
            && !config.interfaces().get(scope - 1).addresses6().isEmpty();
    }

    /** Whether the kernel holds an address on one of its netdevs (the JDK's own to bind). */
    private static boolean isKernelAddress(final InetAddress address)
    {
        try
        {
            return NetworkInterface.getByInetAddress(address) != null;
        }
        catch (final java.net.SocketException e)
        {
            return false;
        }
    }

    /**
     * Where an unbound socket that joins a multicast group on {@code interf} goes: the stack when the interface
     * names a stack interface ({@link StackInterfaces}), the JDK otherwise.
     */
    public Backend forJoin(final InetAddress group, final NetworkInterface interf)
    {
        return interf != null && interfaces.indexOf(interf) >= 0 ? Backend.STACK : Backend.KERNEL;
    }

    /** How the JDK names the stack's interfaces. */
    public StackInterfaces interfaces()
    {
        return interfaces;
    }

    /**
     * The stack interface a join without an interface uses on a stack channel, as the stack picks one to send a
     * group's datagrams from: the interface of the longest route covering the group, else the first.
     */
    public int stackInterfaceFor(final int group)
    {
        int best = -1;
        int index = 0;
        for (final RouteConfig route : config == null ? List.<RouteConfig>of() : config.routes())
        {
            if (route.matches(group) && route.prefixLength() > best)
            {
                best = route.prefixLength();
                index = indexOfName(route.interfaceName());
            }
        }
        if (best < 0)
        {
            // The first interface with IPv4, as the stack's IPv4 picks (an IPv6-only one sends no IPv4 group).
            for (int i = 0; i < addresses.length; i++)
            {
                if (addresses[i] != 0)
                {
                    return i;
                }
            }
        }
        return index;
    }

    /**
     * The stack interface a join of an IPv6 group without an interface uses: the interface of the longest IPv6
     * route covering the group, else the first interface with an IPv6 address, else the first.
     */
    public int stackInterfaceFor6(final long groupHi, final long groupLo)
    {
        int best = -1;
        int index = -1;
        for (final Route6Config route : config == null ? List.<Route6Config>of() : config.routes6())
        {
            if (route.matches(groupHi, groupLo) && route.prefixLength() > best)
            {
                best = route.prefixLength();
                index = indexOfName(route.interfaceName());
            }
        }
        if (index >= 0)
        {
            return index;
        }
        final List<InterfaceConfig> all = config == null ? List.of() : config.interfaces();
        for (int i = 0; i < all.size(); i++)
        {
            if (!all.get(i).addresses6().isEmpty())
            {
                return i;
            }
        }
        return 0;
    }

    private int indexOfName(final String name)
    {
        final List<InterfaceConfig> all = config.interfaces();
        for (int i = 0; i < all.size(); i++)
        {
            if (all.get(i).name().equals(name))
            {
                return i;
            }
        }
        return 0;
    }

    /** Whether a NetworkInterface names one of the stack's interfaces ({@link StackInterfaces}). */
    public boolean namesStackInterface(final NetworkInterface interf)
    {
        return interf != null && interfaces.indexOf(interf) >= 0;
    }

    /**
     * Whether a datagram channel the JDK serves because it was bound to the wildcard or a group moves to the stack
     * when it joins on a stack interface before it sent or received ({@code multicast.move-on-join}).
     */
    public boolean movesOnJoin()
    {
        return config != null && config.multicastMoveOnJoin();
    }

    /** Where an unbound socket that connects or sends to a remote address goes. */
    public Backend forDestination(final InetAddress remote)
    {
        if (remote instanceof Inet4Address && reachesThroughStack(toInt(remote)))
        {
            return Backend.STACK;
        }
        if (remote instanceof Inet6Address)
        {
            // A group, as an IPv4 one, goes by the routes (route.N lines covering it): no prefix holds a group.
            final byte[] bytes = remote.getAddress();
            final long hi = Ipv6Address.hiFromBytes(bytes);
            if (Ipv6Address.isLinkLocal(hi) && interfaces.scopeOf((Inet6Address)remote) != 0)
            {
                // A scoped link-local peer is on the link its scope names: the stack's when that is a stack
                // interface's (every interface with IPv6 is on fe80::/64), the kernel's otherwise.
                return scopedToStack((Inet6Address)remote) ? Backend.STACK : Backend.KERNEL;
            }
            if (reachesThroughStack6(hi, Ipv6Address.loFromBytes(bytes)))
            {
                return Backend.STACK;
            }
        }
        return Backend.KERNEL;
    }

    /** Whether an IPv6 address is one of the stack's configured ones ({@code interface.NAME.address6}). */
    public boolean isStackAddress6(final long hi, final long lo)
    {
        for (final InterfaceConfig iface : config == null ? List.<InterfaceConfig>of() : config.interfaces())
        {
            for (final InterfaceAddress6 a : iface.addresses6())
            {
                if (a.hi() == hi && a.lo() == lo)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether the stack reaches an IPv6 destination: its own address, an address on the prefix of one of its
     * addresses (link-local ones included), or an IPv6 route; the IPv4 rule for an IPv4-mapped one.
     */
    public boolean reachesThroughStack6(final long hi, final long lo)
    {
        if (Ipv6Address.isV4Mapped(hi, lo))
        {
            return reachesThroughStack(Ipv6Address.v4FromMapped(lo));
        }
        if (config == null)
        {
            return false;
        }
        for (final InterfaceConfig iface : config.interfaces())
        {
            for (final InterfaceAddress6 a : iface.addresses6())
            {
                if (a.onPrefix(hi, lo))
                {
                    return true;
                }
            }
        }
        for (final Route6Config route : config.routes6())
        {
            if (route.matches(hi, lo))
            {
                return true;
            }
        }
        return false;
    }

    /** An IPv4 address as an int, first octet most significant. */
    public static int toInt(final InetAddress address)
    {
        return Ipv4Address.fromBytes(address.getAddress());
    }
}
