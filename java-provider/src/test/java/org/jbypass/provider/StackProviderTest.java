package org.jbypass.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Properties;

import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.jbypass.netstack.link.LinkCounters;
import org.jbypass.provider.channel.BypassSocketChannel;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;
import org.jbypass.provider.engine.StackEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Behaviour of a single stack that the two-provider suite cannot show: local delivery, timeouts, routing. */
class StackProviderTest
{
    private static final String ADDRESS = "198.18.230.1";

    private final BypassSelectorProvider provider = new BypassSelectorProvider(() ->
    {
        final Properties p = new Properties();
        p.setProperty("interface.m0.driver", "memory");
        p.setProperty("interface.m0.host-if", "alone-" + System.identityHashCode(this));
        p.setProperty("interface.m0.address", ADDRESS + "/24");
        p.setProperty("stack.seed", "7");
        return ConfigParser.parse(null, p);
    }, new Drivers());

    @AfterEach
    void shutdown()
    {
        provider.shutdown();
    }

    private LinkCounters wireCounters() throws IOException
    {
        final StackEngine engine = provider.context().engine();
        engine.lock().enter();
        try
        {
            return engine.stack().interfaces().get(0).link().counters();
        }
        finally
        {
            engine.lock().exit();
        }
    }

    @Test
    void shouldDeliverConnectionsToItsOwnAddressInsideTheStack() throws IOException
    {
        try (ServerSocketChannel server = provider.openServerSocketChannel();
            SocketChannel client = provider.openSocketChannel())
        {
            server.bind(new InetSocketAddress(ADDRESS, 0));
            final long sentBefore = wireCounters().txPackets;
            assertTrue(client.connect(server.getLocalAddress()));
            try (SocketChannel accepted = server.accept())
            {
                assertTrue(((BypassSocketChannel)client).isStackBacked());
                assertTrue(((BypassSocketChannel)accepted).isStackBacked());
                client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                final ByteBuffer in = ByteBuffer.allocate(3);
                while (in.hasRemaining())
                {
                    accepted.read(in);
                }
                assertEquals(3, in.get(2));
            }
            assertEquals(sentBefore, wireCounters().txPackets, "not a frame went out on the wire");
        }
    }

    /** Open file descriptors of this process. */
    private static long openDescriptors() throws IOException
    {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd")))
        {
            return fds.count();
        }
    }

    @Test
    void shouldTakeNoFileDescriptorPerStackConnection() throws IOException
    {
        final int n = 3000;
        final java.util.List<SocketChannel> channels = new java.util.ArrayList<>();
        try (ServerSocketChannel server = provider.openServerSocketChannel())
        {
            server.bind(new InetSocketAddress(ADDRESS, 0), n);
            // Warm up: the provider's one-time descriptors (the stack, its selector wake-ups) are not per socket.
            try (SocketChannel c = provider.openSocketChannel())
            {
                assertTrue(c.connect(server.getLocalAddress()));
                server.accept().close();
            }
            // One selector for all (its own descriptors are the selector's, not the sockets').
            final java.nio.channels.Selector selector = provider.openSelector();
            final long before = openDescriptors();
            for (int i = 0; i < n; i++)
            {
                final SocketChannel client = provider.openSocketChannel();
                channels.add(client);
                assertTrue(client.connect(server.getLocalAddress()));
                // The java.net.Socket adaptor, and a selector registration, take none either.
                assertTrue(client.socket().isConnected());
                final SocketChannel accepted = server.accept();
                channels.add(accepted);
                accepted.configureBlocking(false);
                accepted.register(selector, java.nio.channels.SelectionKey.OP_READ);
            }
            selector.selectNow();
            final long after = openDescriptors();
            selector.close();
            assertTrue(after - before < 16, n + " connections (" + 2 * n + " channels) took " + (after - before)
                + " descriptors");
        }
        finally
        {
            for (final SocketChannel c : channels)
            {
                c.close();
            }
        }
    }

    @Test
    void shouldShowItsCountersThroughJmx() throws Exception
    {
        try (ServerSocketChannel server = provider.openServerSocketChannel();
            SocketChannel client = provider.openSocketChannel())
        {
            server.bind(new InetSocketAddress(ADDRESS, 0));
            assertTrue(client.connect(server.getLocalAddress()));
            try (SocketChannel accepted = server.accept())
            {
                client.write(ByteBuffer.wrap(new byte[100]));
                final ByteBuffer in = ByteBuffer.allocate(100);
                while (in.hasRemaining())
                {
                    accepted.read(in);
                }
            }
            // The stack registered itself; find it whatever number this JVM gave it.
            final var mbeans = ManagementFactory.getPlatformMBeanServer();
            final var names = mbeans.queryNames(new ObjectName("org.jbypass:type=Stack,*"), null);
            assertFalse(names.isEmpty(), "a stack MXBean is registered");
            boolean found = false;
            for (final ObjectName name : names)
            {
                final String[] interfaces = (String[])mbeans.getAttribute(name, "Interfaces");
                if (interfaces.length == 1 && interfaces[0].contains(ADDRESS))
                {
                    found = true;
                    final TabularData counters = (TabularData)mbeans.getAttribute(name, "Counters");
                    final Map<String, Long> values = new java.util.HashMap<>();
                    for (final Object row : counters.values())
                    {
                        final CompositeData data = (CompositeData)row;
                        values.put((String)data.get("key"), (Long)data.get("value"));
                    }
                    assertTrue(values.get("tcp.bytesIn") >= 100, values.toString());
                    assertTrue(values.get("ip.ipOutLoopback") > 0, values.toString());
                    assertTrue(values.containsKey("link.m0.rxPackets"), values.toString());
                    assertTrue(values.containsKey("pool.inUse"), values.toString());
                }
            }
            assertTrue(found, "the MXBean of this stack: " + names);
        }
    }

    @Test
    void shouldTimeOutAdaptorConnectToAnAbsentHostAndCloseTheChannel() throws IOException
    {
        // Nobody else is on the wire: the SYN waits for an ARP answer that never comes.
        try (SocketChannel client = provider.openSocketChannel())
        {
            final long start = System.nanoTime();
            assertThrows(SocketTimeoutException.class,
                () -> client.socket().connect(new InetSocketAddress("198.18.230.99", 80), 300));
            final long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(elapsedMillis >= 290 && elapsedMillis < 10_000, "waited " + elapsedMillis + " ms");
            assertFalse(client.isOpen(), "a failed connect closes the channel, as the JDK's");
        }
    }

    @Test
    void shouldBindToTheStackAddressAndNotToOthersOnItsSubnet() throws IOException
    {
        try (SocketChannel ch = provider.openSocketChannel())
        {
            ch.bind(new InetSocketAddress(ADDRESS, 0));
            assertTrue(((BypassSocketChannel)ch).isStackBacked());
            assertEquals(ADDRESS, ((InetSocketAddress)ch.getLocalAddress()).getAddress().getHostAddress());
        }
        try (SocketChannel ch = provider.openSocketChannel())
        {
            // 198.18.230.2 is on the stack's subnet but is not the stack's: the kernel gets the bind, and fails it
            // as it would without jbypass.
            assertThrows(java.net.BindException.class, () -> ch.bind(new InetSocketAddress("198.18.230.2", 0)));
            assertFalse(((BypassSocketChannel)ch).isStackBacked());
        }
    }
}
