package org.jbypass.provider.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Enumeration;
import java.util.List;

import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv6Address;

/**
 * How an application names one of the stack's interfaces with the JDK's {@link NetworkInterface} (for
 * {@code DatagramChannel.join}, IP_MULTICAST_IF, {@code MulticastSocket.setNetworkInterface}): the stack's address
 * belongs to no netdev, so the JDK knows no NetworkInterface of its own; a NetworkInterface names a stack interface
 * when its name is the netdev the interface runs on ({@code host-if}, e.g. {@code NetworkInterface.getByName("eth1")}),
 * or when one of its addresses is the stack interface's address. The stack's interfaces are indexed in the order of
 * the configuration, as the stack adds them.
 *
 * <p>Scope IDs follow: the scope of a link-local {@link Inet6Address} ({@code fe80::1%eth1}, or a numeric
 * {@code %4}) is the kernel's index of a netdev (RFC 4007 section 11; Linux's ifindex), and it names the stack
 * interface that runs on that netdev. The stack's own scope of an address is that interface's index + 1
 * ({@link Ipv6Address#withScope}); an address the stack reports carries the netdev's kernel index again, so that it
 * reads as the JDK's would ({@code fe80:0:0:0:0:0:0:1%4}). An interface on no netdev (the memory driver's wire,
 * unless it is named as one) has no scope ID the JDK can give.
 */
public final class StackInterfaces
{
    /** {@link #scopeOf}'s answer for a scope that names no stack interface: a scope no interface has. */
    public static final int UNKNOWN_SCOPE = Ipv6Address.MAX_SCOPE;

    private final String[] hostInterfaces;
    private final int[] addresses;
    /** The kernel's index of each interface's netdev (0: none), looked up once, when a scope is first needed. */
    private volatile int[] kernelIndexes;

    public StackInterfaces(final List<InterfaceConfig> interfaces)
    {
        hostInterfaces = interfaces.stream().map(InterfaceConfig::hostIf).toArray(String[]::new);
        addresses = interfaces.stream().mapToInt(InterfaceConfig::address).toArray();
    }

    /** The index of the stack interface {@code nif} names, or -1 when it names none. */
    public int indexOf(final NetworkInterface nif)
    {
        for (int i = 0; i < hostInterfaces.length; i++)
        {
            if (hostInterfaces[i].equals(nif.getName()))
            {
                return i;
            }
        }
        final Enumeration<InetAddress> all = nif.getInetAddresses();
        while (all.hasMoreElements())
        {
            final InetAddress address = all.nextElement();
            if (address instanceof Inet4Address)
            {
                final int index = indexOfAddress(Ipv4Address.fromBytes(address.getAddress()));
                if (index >= 0)
                {
                    return index;
                }
            }
        }
        return -1;
    }

    /** The index of the stack interface with {@code address} (IP_MULTICAST_IF by address), or -1. */
    public int indexOfAddress(final int address)
    {
        for (int i = 0; address != 0 && i < addresses.length; i++)
        {
            if (addresses[i] == address)
            {
                return i;
            }
        }
        return -1;
    }

    /** The NetworkInterface of the netdev a stack interface runs on, or null when the JDK does not see it. */
    public NetworkInterface networkInterface(final int index)
    {
        if (index < 0 || index >= hostInterfaces.length)
        {
            return null;
        }
        try
        {
            return NetworkInterface.getByName(hostInterfaces[index]);
        }
        catch (final SocketException e)
        {
            return null;
        }
    }

    /**
     * The stack's scope for a link-local address the application gave ({@link Ipv6Address#withScope}): 0 when it
     * carries no scope ID, the index + 1 of the stack interface its scope names, or {@link #UNKNOWN_SCOPE} when it
     * names a netdev no stack interface runs on (the stack then has no route and no such address).
     */
    public int scopeOf(final Inet6Address address)
    {
        final NetworkInterface named = address.getScopedInterface();
        if (named != null)
        {
            final int index = indexOfHostInterface(named.getName());
            return index >= 0 ? index + 1 : UNKNOWN_SCOPE;
        }
        final int scopeId = address.getScopeId();
        if (scopeId == 0)
        {
            return 0;
        }
        final int[] kernel = kernelIndexes();
        for (int i = 0; i < kernel.length; i++)
        {
            if (kernel[i] == scopeId)
            {
                return i + 1;
            }
        }
        return UNKNOWN_SCOPE;
    }

    /**
     * The scope ID the JDK gives a link-local address on a stack interface: its netdev's kernel index, or 0 when the
     * interface runs on no netdev the JDK sees.
     */
    public int scopeId(final int index)
    {
        final int[] kernel = kernelIndexes();
        return index >= 0 && index < kernel.length ? kernel[index] : 0;
    }

    private int indexOfHostInterface(final String name)
    {
        for (int i = 0; i < hostInterfaces.length; i++)
        {
            if (hostInterfaces[i].equals(name))
            {
                return i;
            }
        }
        return -1;
    }

    private int[] kernelIndexes()
    {
        int[] kernel = kernelIndexes;
        if (kernel == null)
        {
            kernel = new int[hostInterfaces.length];
            for (int i = 0; i < kernel.length; i++)
            {
                final NetworkInterface nif = networkInterface(i);
                kernel[i] = nif != null ? Math.max(0, nif.getIndex()) : sysfsIndex(hostInterfaces[i]);
            }
            kernelIndexes = kernel;
        }
        return kernel;
    }

    /**
     * A netdev's index from sysfs: the JDK lists only netdevs that have an address, and a netdev given to the stack
     * alone often has none. 0 when there is no such netdev.
     */
    private static int sysfsIndex(final String name)
    {
        if (name.isEmpty() || name.contains("/") || name.startsWith("."))
        {
            return 0;
        }
        try
        {
            return Math.max(0, Integer.parseInt(java.nio.file.Files.readString(
                java.nio.file.Path.of("/sys/class/net", name, "ifindex")).trim()));
        }
        catch (final java.io.IOException | NumberFormatException | SecurityException e)
        {
            return 0;
        }
    }

    /** The netdev a stack interface runs on ({@code host-if}). */
    public String hostInterface(final int index)
    {
        return hostInterfaces[index];
    }

    /** A stack interface's address. */
    public int address(final int index)
    {
        return addresses[index];
    }

    /** How many interfaces the stack has. */
    public int count()
    {
        return addresses.length;
    }
}
