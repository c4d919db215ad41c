package org.jbypass.provider.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import java.util.concurrent.locks.LockSupport;

import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.engine.StackEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * IPv6 and dual-stack channels on the stack, side by side with the JDK's own on loopback: two providers on a memory
 * wire with 198.18.241.1/.2 and 2001:db8:f1::1/::2, wildcard binds served by the stack. A wildcard-bound channel
 * reports {@code [::]} as the JDK's does; it accepts IPv4 and IPv6 connections and receives IPv4 and IPv6
 * datagrams, reporting IPv4 peers as {@link Inet4Address}es and IPv6 ones as {@link Inet6Address}es; an IPv4
 * channel refuses IPv6 addresses as the JDK's does.
 */
class DualStackChannelTest
{
    private static final StackChannelSemanticsTest.Stacks STACKS = new StackChannelSemanticsTest.Stacks("dual-",
        "198.18.241", Map.of("bind.wildcard", "stack"), Map.of("interface.m0.address6", "2001:db8:f1::1/64"),
        Map.of("interface.m0.address6", "2001:db8:f1::2/64"));
    private static final Map<SelectorProvider, String> ADDRESS6 = Map.of(STACKS.client, "2001:db8:f1::1",
        STACKS.server, "2001:db8:f1::2");
    private static final SelectorProvider KERNEL = SelectorProvider.provider();

    /**
     * Waits (a bounded wait on the stacks' own timers) until duplicate address detection has passed for both IPv6
     * addresses (RFC 4862 section 5.4: a tentative address is not used), as an application on a freshly started
     * stack would find them once DAD's second has passed.
     */
    @BeforeAll
    static void awaitAddresses() throws IOException
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        for (final SelectorProvider p : ADDRESS6.keySet())
        {
            final long[] a = Ipv6Address.parse(ADDRESS6.get(p));
            final StackEngine engine = ((BypassSelectorProvider)p).context().engine();
            while (engine.withLock(stack -> stack.ipv6().addressState(a[0], a[1])) != 2)
            {
                assertTrue(System.nanoTime() - deadline < 0, "DAD never finished for " + ADDRESS6.get(p));
                LockSupport.parkNanos(10_000_000L);
            }
        }
    }

    @AfterAll
    static void shutdown()
    {
        STACKS.shutdown();
    }

    private static InetAddress address(final String text) throws IOException
    {
        return InetAddress.getByName(text);
    }

    private static String echo(final SocketChannel client, final SocketChannel server, final String text)
        throws IOException
    {
        client.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
        final ByteBuffer in = ByteBuffer.allocate(64);
        while (in.position() < text.length())
        {
            server.read(in);
        }
        return new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
    }

    /** The same steps against a provider: the listener's, the accepted channels' and the clients' addresses. */
    private record Seen(SocketAddress listener, SocketAddress accepted4Local, SocketAddress accepted4Remote,
        SocketAddress client4Local, SocketAddress accepted6Local, SocketAddress accepted6Remote,
        SocketAddress client6Local)
    {
    }

    private static Seen acceptBothFamilies(final SelectorProvider server, final SelectorProvider client,
        final InetAddress server4, final InetAddress server6) throws IOException
    {
        try (ServerSocketChannel listener = server.openServerSocketChannel())
        {
            listener.bind(new InetSocketAddress(0));
            final int port = ((InetSocketAddress)listener.getLocalAddress()).getPort();
            try (SocketChannel c4 = client.openSocketChannel(); SocketChannel c6 = client.openSocketChannel())
            {
                c4.connect(new InetSocketAddress(server4, port));
                final SocketChannel a4 = listener.accept();
                assertEquals("v4", echo(c4, a4, "v4"));
                c6.connect(new InetSocketAddress(server6, port));
                final SocketChannel a6 = listener.accept();
                assertEquals("v6", echo(a6, c6, "v6"));
                final Seen seen = new Seen(listener.getLocalAddress(), a4.getLocalAddress(), a4.getRemoteAddress(),
                    c4.getLocalAddress(), a6.getLocalAddress(), a6.getRemoteAddress(), c6.getLocalAddress());
                a4.close();
                a6.close();
                return seen;
            }
        }
    }

    private static InetAddress host(final SocketAddress a)
    {
        return ((InetSocketAddress)a).getAddress();
    }

    @Test
    void shouldServeIpv4AndIpv6OnAWildcardListenerReportingAddressesAsTheJdk() throws IOException
    {
        final Seen kernel = acceptBothFamilies(KERNEL, KERNEL, address("127.0.0.1"), address("::1"));
        final Seen stack = acceptBothFamilies(STACKS.server, STACKS.client, STACKS.serverAddress,
            address(ADDRESS6.get(STACKS.server)));
        // The JDK binds a wildcard as :: and says so.
        assertEquals(address("::"), host(kernel.listener()));
        assertEquals(address("::"), host(stack.listener()), "a wildcard bind reports [::], not 0.0.0.0");
        // IPv4 through a dual-stack socket: Inet4Address on both ends, never ::ffff:a.b.c.d.
        assertInstanceOf(Inet4Address.class, host(kernel.accepted4Local()));
        assertEquals(STACKS.serverAddress, host(stack.accepted4Local()));
        assertEquals(STACKS.clientAddress, host(stack.accepted4Remote()));
        assertEquals(STACKS.clientAddress, host(stack.client4Local()));
        assertEquals(host(kernel.accepted4Local()).getClass(), host(stack.accepted4Remote()).getClass());
        // IPv6: Inet6Address, the configured addresses.
        assertInstanceOf(Inet6Address.class, host(kernel.accepted6Local()));
        assertEquals(address(ADDRESS6.get(STACKS.server)), host(stack.accepted6Local()));
        assertEquals(address(ADDRESS6.get(STACKS.client)), host(stack.accepted6Remote()));
        assertEquals(address(ADDRESS6.get(STACKS.client)), host(stack.client6Local()));
        assertEquals(((InetSocketAddress)stack.client6Local()).getPort(),
            ((InetSocketAddress)stack.accepted6Remote()).getPort());
    }

    @Test
    void shouldReceiveIpv4AndIpv6DatagramsOnAWildcardSocket() throws IOException
    {
        try (DatagramChannel server = STACKS.server.openDatagramChannel();
            DatagramChannel c4 = STACKS.client.openDatagramChannel();
            DatagramChannel c6 = STACKS.client.openDatagramChannel();
            DatagramChannel kernel = KERNEL.openDatagramChannel())
        {
            server.bind(new InetSocketAddress(0));
            kernel.bind(new InetSocketAddress(0));
            assertEquals(host(kernel.getLocalAddress()), host(server.getLocalAddress()), "[::] as the JDK's");
            final int port = ((InetSocketAddress)server.getLocalAddress()).getPort();
            c4.send(ByteBuffer.wrap(new byte[] {4}), new InetSocketAddress(STACKS.serverAddress, port));
            final ByteBuffer in = ByteBuffer.allocate(16);
            final InetSocketAddress from4 = (InetSocketAddress)server.receive(in);
            assertNotNull(from4);
            assertEquals(STACKS.clientAddress, from4.getAddress(), "an IPv4 peer as an Inet4Address");
            c6.send(ByteBuffer.wrap(new byte[] {6}), new InetSocketAddress(address(ADDRESS6.get(STACKS.server)),
                port));
            in.clear();
            final InetSocketAddress from6 = (InetSocketAddress)server.receive(in);
            assertEquals(address(ADDRESS6.get(STACKS.client)), from6.getAddress());
            assertEquals(6, in.get(0));
            // Replies go back in each peer's family.
            server.send(ByteBuffer.wrap(new byte[] {44}), from4);
            server.send(ByteBuffer.wrap(new byte[] {66}), from6);
            in.clear();
            assertEquals(from4.getPort(), ((InetSocketAddress)c4.getLocalAddress()).getPort());
            assertNotNull(c4.receive(in));
            assertEquals(44, in.get(0));
            in.clear();
            final InetSocketAddress back6 = (InetSocketAddress)c6.receive(in);
            assertEquals(address(ADDRESS6.get(STACKS.server)), back6.getAddress());
            assertEquals(66, in.get(0));
        }
    }

    @Test
    void shouldRefuseIpv6AddressesOnAnIpv4ChannelAsTheJdk() throws IOException
    {
        final InetSocketAddress target = new InetSocketAddress(address(ADDRESS6.get(STACKS.server)), 9);
        try (SocketChannel kernel = KERNEL.openSocketChannel(StandardProtocolFamily.INET);
            SocketChannel stack = STACKS.client.openSocketChannel(StandardProtocolFamily.INET))
        {
            assertThrows(UnsupportedAddressTypeException.class, () -> kernel.connect(target));
            assertThrows(UnsupportedAddressTypeException.class, () -> stack.connect(target));
        }
        try (ServerSocketChannel v4 = STACKS.server.openServerSocketChannel(StandardProtocolFamily.INET))
        {
            v4.bind(new InetSocketAddress(0));
            assertEquals(address("0.0.0.0"), host(v4.getLocalAddress()), "an IPv4 wildcard stays 0.0.0.0");
            assertTrue(v4.getLocalAddress().toString().startsWith("/0.0.0.0:"));
        }
    }
}
