package org.jbypass.provider.it.apps;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.util.concurrent.Callable;

/**
 * Runs the same series of {@code java.net.MulticastSocket} calls on the network interface named and prints one line
 * per call: what it returned, or the exception's class and message. Run once under the agent (the stack serves the
 * socket) and once without (the kernel does), the two outputs are compared. Plain java.net.
 *
 * <pre>
 * java MulticastSocketProbe INTERFACE GROUP PORT
 * </pre>
 */
public final class MulticastSocketProbe
{
    private MulticastSocketProbe()
    {
    }

    @FunctionalInterface
    private interface Call
    {
        Object call() throws Exception;
    }

    private static void print(final String what, final Call call)
    {
        String outcome;
        try
        {
            outcome = String.valueOf(call.call());
        }
        catch (final Exception e)
        {
            outcome = e.getClass().getName() + ": " + e.getMessage();
        }
        System.out.println(what + ": " + outcome);
    }

    @SuppressWarnings("deprecation")
    public static void main(final String[] args) throws IOException
    {
        final NetworkInterface nif = NetworkInterface.getByName(args[0]);
        final InetAddress group = InetAddress.getByName(args[1]);
        final int port = Integer.parseInt(args[2]);
        final SocketAddress g = new InetSocketAddress(group, 0);
        final MulticastSocket s = new MulticastSocket(port);
        print("bound", () -> s.getLocalPort() == port && s.getLocalAddress().isAnyLocalAddress());
        print("reuse address", s::getReuseAddress);
        print("broadcast", s::getBroadcast);
        print("placeholder interface index", () -> s.getNetworkInterface().getIndex());
        print("no interface address", s::getInterface);
        print("ttl", s::getTimeToLive);
        print("loopback disabled", s::getLoopbackMode);
        print("join", () ->
        {
            s.joinGroup(g, nif);
            return true;
        });
        print("join again", () ->
        {
            s.joinGroup(g, nif);
            return true;
        });
        print("join a unicast address", () ->
        {
            s.joinGroup(new InetSocketAddress("10.1.1.1", 0), nif);
            return true;
        });
        print("join unresolved", () ->
        {
            s.joinGroup(InetSocketAddress.createUnresolved("nowhere.invalid", 0), nif);
            return true;
        });
        print("ttl 256", () ->
        {
            s.setTimeToLive(256);
            return s.getTimeToLive();
        });
        print("ttl 3", () ->
        {
            s.setTimeToLive(3);
            return s.getTimeToLive();
        });
        print("loopback off", () ->
        {
            s.setLoopbackMode(true);
            return s.getLoopbackMode() + " " + s.getOption(StandardSocketOptions.IP_MULTICAST_LOOP);
        });
        print("network interface", () ->
        {
            s.setNetworkInterface(nif);
            return s.getNetworkInterface().equals(nif) && nif.equals(s.getOption(StandardSocketOptions.IP_MULTICAST_IF));
        });
        print("leave", () ->
        {
            s.leaveGroup(g, nif);
            return true;
        });
        print("leave again", () ->
        {
            s.leaveGroup(g, nif);
            return true;
        });
        print("one-argument join on the interface set", () ->
        {
            s.joinGroup(group);
            return true;
        });
        print("one-argument join again", () ->
        {
            s.joinGroup(group);
            return true;
        });
        print("one-argument leave", () ->
        {
            s.leaveGroup(group);
            return true;
        });
        print("set a null interface address", () ->
        {
            s.setInterface(null);
            return true;
        });
        s.close();
        print("closed", s::isClosed);
        print("join when closed", () ->
        {
            s.joinGroup(g, nif);
            return true;
        });
        print("ttl when closed", s::getTimeToLive);
    }
}
