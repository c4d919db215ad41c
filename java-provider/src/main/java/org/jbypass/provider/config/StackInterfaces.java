package org.jbypass.provider.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Enumeration;
import java.util.List;

import org.jbypass.netstack.wire.Ipv4Address;

/**
 * How an application names one of the stack's interfaces with the JDK's {@link NetworkInterface} (for
 * {@code DatagramChannel.join}, IP_MULTICAST_IF, {@code MulticastSocket.setNetworkInterface}): the stack's address
 * belongs to no netdev, so the JDK knows no NetworkInterface of its own; a NetworkInterface names a stack interface
 * when its name is the netdev the interface runs on ({@code host-if}, e.g. {@code NetworkInterface.getByName("eth1")}),
 * or when one of its addresses is the stack interface's address. The stack's interfaces are indexed in the order of
 * the configuration, as the stack adds them.
 */
public final class StackInterfaces
{
    private final String[] hostInterfaces;
    private final int[] addresses;

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
