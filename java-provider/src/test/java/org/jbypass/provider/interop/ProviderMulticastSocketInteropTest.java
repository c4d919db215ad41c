package org.jbypass.provider.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.channel.BypassDatagramChannel;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.KernelScript;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code java.net.MulticastSocket} on the provider ({@code DatagramChannel.socket()}, which the agent's
 * DatagramSocketImpl also drives), and the move of a channel bound to the wildcard to the stack when it joins on a
 * stack interface: with the stack on afpacket over a {@link KernelPeer}'s veth, side by side with the JDK's own
 * MulticastSocket for every behaviour the two share.
 */
class ProviderMulticastSocketInteropTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String GROUP_TEXT = "239.1.2.7";
    private static final int PORT = 31003;

    private static KernelScript script;

    private KernelPeer peer;
    private final List<BypassSelectorProvider> providers = new ArrayList<>();
    private BypassSelectorProvider provider;
    private NetworkInterface stackNif;
    private InetAddress group;

    @BeforeAll
    static void needsRootAndTools() throws IOException
    {
        KernelPeer.assumeAvailable();
        script = KernelScript.load(ProviderMulticastSocketInteropTest.class, "kernel_multicast.py");
    }

    @BeforeEach
    void start() throws IOException
    {
        peer = KernelPeer.create();
        provider = provider(true);
        stackNif = StackNetdev.listed(peer, "198.51.100.16");
        group = InetAddress.getByName(GROUP_TEXT);
    }

    private BypassSelectorProvider provider(final boolean moveOnJoin)
    {
        return provider(moveOnJoin, null);
    }

    private BypassSelectorProvider provider(final boolean moveOnJoin, final String route)
    {
        final BypassSelectorProvider p = new BypassSelectorProvider(() ->
        {
            final Properties c = StackNetdev.afpacketConfig(peer, 14);
            c.setProperty("multicast.move-on-join", Boolean.toString(moveOnJoin));
            if (route != null)
            {
                c.setProperty("route.groups", route);
            }
            return ConfigParser.parse(null, c);
        }, new Drivers());
        providers.add(p);
        return p;
    }

    @AfterEach
    void stop()
    {
        try
        {
            for (final BypassSelectorProvider p : providers)
            {
                p.shutdown();
            }
        }
        finally
        {
            peer.close();
        }
    }

    private static boolean stackBacked(final DatagramChannel dc)
    {
        return ((BypassDatagramChannel)dc).isStackBacked();
    }

    @Test
    void shouldMoveAWildcardBoundChannelToTheStackAtItsJoinAndDeliverWhatTheKernelHadQueuedFirst() throws Exception
    {
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET);
            Selector selector = provider.openSelector();
            DatagramChannel local = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            dc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            dc.bind(new InetSocketAddress(PORT));
            assertFalse(stackBacked(dc), "bind.wildcard = kernel: the bind alone is the kernel's");
            dc.configureBlocking(false);
            final SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            // A unicast datagram the kernel socket queues before the join (the selector says when it is there).
            local.send(ByteBuffer.wrap("early".getBytes()), new InetSocketAddress(InetAddress.getLoopbackAddress(),
                PORT));
            assertEquals(1, selector.select(TIMEOUT.toMillis()));
            selector.selectedKeys().clear();

            dc.join(group, stackNif);
            assertTrue(stackBacked(dc), "joined on a stack interface before any receive: moved to the stack");
            assertEquals(new InetSocketAddress(PORT).getPort(), ((InetSocketAddress)dc.getLocalAddress()).getPort());
            assertTrue(((InetSocketAddress)dc.getLocalAddress()).getAddress().isAnyLocalAddress());
            try (BackgroundCommand sender = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "100",
                Ipv4Address.toString(peer.kernelAddress())))
            {
                assertEquals(0, sender.waitFor(TIMEOUT), sender.stderr());
            }
            final ByteBuffer b = ByteBuffer.allocate(128);
            final List<String> got = new ArrayList<>();
            while (got.size() < 101)
            {
                assertTrue(selector.select(TIMEOUT.toMillis()) > 0 || !selector.selectedKeys().isEmpty(),
                    "the same key reports the stack's readiness: " + got.size() + " received");
                assertTrue(selector.selectedKeys().remove(key));
                SocketAddress from;
                while ((from = dc.receive(b.clear())) != null)
                {
                    b.flip();
                    got.add(((InetSocketAddress)from).getAddress().getHostAddress() + " "
                        + (b.remaining() == 5 ? new String(b.array(), 0, 5) : Long.toString(b.getLong(0))));
                }
            }
            final List<String> expected = new ArrayList<>();
            expected.add("127.0.0.1 early");
            for (int i = 0; i < 100; i++)
            {
                expected.add(Ipv4Address.toString(peer.kernelAddress()) + " " + i);
            }
            assertEquals(expected, got);
        }
    }

    @Test
    void shouldLeaveAChannelWithTheKernelOnceItReceivedOrWhenTheMoveIsOff() throws Exception
    {
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET))
        {
            dc.bind(new InetSocketAddress(0));
            dc.configureBlocking(false);
            assertEquals(null, dc.receive(ByteBuffer.allocate(8)));
            dc.join(group, stackNif);
            assertFalse(stackBacked(dc), "used before its join: the kernel keeps it (and joins on the netdev)");
        }
        try (DatagramChannel dc = provider(false).openDatagramChannel(StandardProtocolFamily.INET))
        {
            dc.bind(new InetSocketAddress(0));
            dc.join(group, stackNif);
            assertFalse(stackBacked(dc), "multicast.move-on-join = false");
        }
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET))
        {
            dc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            dc.join(group, stackNif);
            assertFalse(stackBacked(dc), "bound to a kernel address: not the wildcard's rule");
        }
    }

    @Test
    void shouldReceiveTheKernelsStreamThroughAMulticastSocketBoundThenJoined() throws Exception
    {
        final DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET);
        try (MulticastSocket socket = (MulticastSocket)dc.socket())
        {
            // What new MulticastSocket(PORT) does, then joinGroup.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(PORT));
            socket.joinGroup(new InetSocketAddress(group, 0), stackNif);
            assertTrue(stackBacked(dc));
            try (BackgroundCommand sender = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "50",
                Ipv4Address.toString(peer.kernelAddress())))
            {
                assertEquals(0, sender.waitFor(TIMEOUT), sender.stderr());
            }
            socket.setSoTimeout((int)TIMEOUT.toMillis());
            final byte[] bytes = new byte[128];
            final DatagramPacket packet = new DatagramPacket(bytes, bytes.length);
            for (int i = 0; i < 50; i++)
            {
                packet.setLength(bytes.length);
                socket.receive(packet);
                assertEquals(64, packet.getLength());
                assertEquals(i, ByteBuffer.wrap(bytes).getLong(0));
                assertEquals(Ipv4Address.toString(peer.kernelAddress()), packet.getAddress().getHostAddress());
            }
            socket.leaveGroup(new InetSocketAddress(group, 0), stackNif);
        }
    }

    @Test
    @SuppressWarnings("deprecation")
    void shouldJoinWithoutAnInterfaceWhereTheGroupsRouteLeads() throws Exception
    {
        // A route.N covering the group names the stack interface, as the kernel's route picks a join's interface.
        final DatagramChannel dc = provider(true, "239.0.0.0/8 via v0")
            .openDatagramChannel(StandardProtocolFamily.INET);
        try (MulticastSocket socket = (MulticastSocket)dc.socket())
        {
            socket.joinGroup(group);
            assertTrue(stackBacked(dc));
            assertNotNull(((BypassDatagramChannel)dc).findMembership(group, stackNif), "joined on the route's");
            socket.bind(new InetSocketAddress(PORT));
            try (BackgroundCommand sender = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "5",
                Ipv4Address.toString(peer.kernelAddress())))
            {
                assertEquals(0, sender.waitFor(TIMEOUT), sender.stderr());
            }
            socket.setSoTimeout((int)TIMEOUT.toMillis());
            final DatagramPacket packet = new DatagramPacket(new byte[128], 128);
            for (int i = 0; i < 5; i++)
            {
                socket.receive(packet);
                assertEquals(i, ByteBuffer.wrap(packet.getData()).getLong(0));
            }
            socket.leaveGroup(group);
        }
        // Without such a route the JDK's default interface serves it, on the kernel.
        final DatagramChannel kernel = provider.openDatagramChannel(StandardProtocolFamily.INET);
        try (MulticastSocket socket = (MulticastSocket)kernel.socket())
        {
            socket.joinGroup(group);
            assertFalse(stackBacked(kernel));
        }
    }

    @Test
    void shouldSendFromAMulticastSocketWithItsInterfaceAndTimeToLive() throws Exception
    {
        try (BackgroundCommand receiver = script.start(peer, "recv", GROUP_TEXT, Integer.toString(PORT), "10", "10",
            Ipv4Address.toString(peer.kernelAddress()));
            MulticastSocket socket = (MulticastSocket)provider.openDatagramChannel(StandardProtocolFamily.INET)
                .socket())
        {
            assertTrue(receiver.awaitOutput("ready", TIMEOUT), receiver.stderr());
            // What new MulticastSocket() does (the wildcard, any port), then the publisher's settings.
            socket.bind(new InetSocketAddress(0));
            socket.setNetworkInterface(stackNif);
            assertTrue(stackBacked(socket.getChannel()), "IP_MULTICAST_IF on a stack interface: the stack");
            socket.setTimeToLive(4);
            socket.setLoopbackMode(true);
            for (int i = 0; i < 10; i++)
            {
                final byte[] bytes = ByteBuffer.allocate(64).putLong(0, i).array();
                socket.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress(group, PORT)));
            }
            assertEquals(0, receiver.waitFor(TIMEOUT), receiver.stderr());
            final List<String> expected = new ArrayList<>();
            for (int i = 0; i < 10; i++)
            {
                expected.add("from " + Ipv4Address.toString(peer.stackAddress()) + " " + socket.getLocalPort()
                    + " 64 4 " + i);
            }
            assertEquals(expected, receiver.stdout().lines().filter(l -> l.startsWith("from ")).toList());
        }
    }

    @Test
    void shouldSendFromTheStackWhenTheMulticastInterfaceIsAStackInterfaceAndTheChannelIsNotYetBound()
        throws Exception
    {
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET))
        {
            dc.setOption(StandardSocketOptions.IP_MULTICAST_IF, stackNif);
            assertEquals(null, dc.getLocalAddress(), "kept until the channel is bound, joins or sends");
            dc.send(ByteBuffer.allocate(8), new InetSocketAddress(group, PORT));
            assertTrue(stackBacked(dc), "its first send to a group, out of a stack interface: the stack");
        }
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET))
        {
            dc.setOption(StandardSocketOptions.IP_MULTICAST_IF, stackNif);
            dc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertFalse(stackBacked(dc), "bound to a kernel address, as it asked");
        }
    }

    /**
     * Every MulticastSocket behaviour the stack's socket shares with the JDK's (joined on the loopback interface):
     * the same result, or the same exception class and message.
     */
    @Test
    void shouldBehaveAsTheJdksMulticastSocket() throws Exception
    {
        final NetworkInterface lo = NetworkInterface.getByName("lo");
        final DatagramChannel stackChannel = provider.openDatagramChannel(StandardProtocolFamily.INET);
        final DatagramChannel jdkChannel = DatagramChannel.open(StandardProtocolFamily.INET);
        final MulticastSocket stack = (MulticastSocket)stackChannel.socket();
        final MulticastSocket jdk = (MulticastSocket)jdkChannel.socket();
        try
        {
            assertTrue(stack.getChannel() == stackChannel && jdk.getChannel() == jdkChannel);
            same("the placeholder interface's index", () -> stack.getNetworkInterface().getIndex(),
                () -> jdk.getNetworkInterface().getIndex());
            same("the placeholder interface's name", () -> stack.getNetworkInterface().getName(),
                () -> jdk.getNetworkInterface().getName());
            same("no interface set", stack::getInterface, jdk::getInterface);
            same("TTL", stack::getTimeToLive, jdk::getTimeToLive);
            same("loopback mode", stack::getLoopbackMode, jdk::getLoopbackMode);
            same("bind", () -> bind(stack), () -> bind(jdk));
            final SocketAddress g = new InetSocketAddress(group, 0);
            same("join", () -> join(stack, g, stackNif), () -> join(jdk, g, lo));
            assertTrue(stackBacked(stackChannel));
            same("join again", () -> join(stack, g, stackNif), () -> join(jdk, g, lo));
            same("not a group", () -> join(stack, new InetSocketAddress("10.1.1.1", 0), stackNif),
                () -> join(jdk, new InetSocketAddress("10.1.1.1", 0), lo));
            same("unresolved", () -> join(stack, InetSocketAddress.createUnresolved("nowhere", 0), stackNif),
                () -> join(jdk, InetSocketAddress.createUnresolved("nowhere", 0), lo));
            same("not an InetSocketAddress", () -> join(stack, new SocketAddress() { }, stackNif),
                () -> join(jdk, new SocketAddress() { }, lo));
            same("TTL 256", () -> ttl(stack, 256), () -> ttl(jdk, 256));
            same("TTL -1", () -> ttl(stack, -1), () -> ttl(jdk, -1));
            same("TTL 7", () -> ttl(stack, 7), () -> ttl(jdk, 7));
            same("loopback off", () -> loopback(stack), () -> loopback(jdk));
            same("an address no interface has", () -> setInterface(stack, "10.99.99.99"),
                () -> setInterface(jdk, "10.99.99.99"));
            same("null interface address", () -> setInterface(stack, null), () -> setInterface(jdk, null));
            same("the interface set", () -> networkInterface(stack, stackNif),
                () -> networkInterface(jdk, lo));
            same("leave", () -> leave(stack, g, stackNif), () -> leave(jdk, g, lo));
            same("leave again", () -> leave(stack, g, stackNif), () -> leave(jdk, g, lo));
            same("the one-argument join (the interface set)", () -> joinOne(stack), () -> joinOne(jdk));
            same("the one-argument leave", () -> leaveOne(stack), () -> leaveOne(jdk));
            // The stack's own address names its interface (the JDK knows no netdev with it).
            final InetAddress stackAddress = InetAddress.getByName(Ipv4Address.toString(peer.stackAddress()));
            stack.setInterface(stackAddress);
            assertEquals(stackAddress, stack.getInterface());
            assertEquals(stackNif, stack.getNetworkInterface());
            stack.close();
            jdk.close();
            same("join when closed", () -> join(stack, g, stackNif), () -> join(jdk, g, lo));
            same("closed", stack::isClosed, jdk::isClosed);
        }
        finally
        {
            stackChannel.close();
            jdkChannel.close();
        }
    }

    private static boolean bind(final MulticastSocket s) throws IOException
    {
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(PORT + 1));
        return s.isBound();
    }

    private static boolean join(final MulticastSocket s, final SocketAddress g, final NetworkInterface nif)
        throws IOException
    {
        s.joinGroup(g, nif);
        return true;
    }

    private static boolean leave(final MulticastSocket s, final SocketAddress g, final NetworkInterface nif)
        throws IOException
    {
        s.leaveGroup(g, nif);
        return true;
    }

    @SuppressWarnings("deprecation")
    private boolean joinOne(final MulticastSocket s) throws IOException
    {
        s.joinGroup(group);
        return true;
    }

    @SuppressWarnings("deprecation")
    private boolean leaveOne(final MulticastSocket s) throws IOException
    {
        s.leaveGroup(group);
        return true;
    }

    private static int ttl(final MulticastSocket s, final int ttl) throws IOException
    {
        s.setTimeToLive(ttl);
        return s.getTimeToLive();
    }

    @SuppressWarnings("deprecation")
    private static boolean loopback(final MulticastSocket s) throws IOException
    {
        s.setLoopbackMode(true);
        return s.getLoopbackMode() && !s.getOption(StandardSocketOptions.IP_MULTICAST_LOOP);
    }

    @SuppressWarnings("deprecation")
    private static boolean setInterface(final MulticastSocket s, final String address) throws IOException
    {
        s.setInterface(address == null ? null : InetAddress.getByName(address));
        return true;
    }

    private static boolean networkInterface(final MulticastSocket s, final NetworkInterface nif) throws IOException
    {
        s.setNetworkInterface(nif);
        return s.getNetworkInterface().equals(nif) && s.getOption(StandardSocketOptions.IP_MULTICAST_IF).equals(nif);
    }

    private static void same(final String what, final Callable<?> stack, final Callable<?> jdk)
    {
        assertEquals(outcome(jdk), outcome(stack), what);
    }

    private static String outcome(final Callable<?> action)
    {
        try
        {
            return "ok " + action.call();
        }
        catch (final Exception e)
        {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }
}
