package org.jbypass.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jbypass.provider.channel.BypassDatagramChannel;
import org.jbypass.provider.channel.BypassServerSocketChannel;
import org.jbypass.provider.channel.BypassSocketChannel;
import org.jbypass.provider.channel.ProviderContext;
import org.jbypass.provider.config.BypassConfig;
import org.jbypass.provider.engine.LinkFactory;
import org.junit.jupiter.api.Test;

/**
 * jbypass.jar merely on the class path (its service file makes it the system-wide provider) without any
 * configuration: every socket is the JDK's, selectors work, no stack is started, and one INFO line says why.
 */
class UnconfiguredProviderTest
{
    /** A link factory that fails the test if anything tries to start a stack. */
    private static final LinkFactory NO_LINKS = (config, iface, pool, time) ->
    {
        throw new AssertionError("a stack was started without configuration");
    };

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void shouldServeEverySocketByTheJdkWithoutConfiguration() throws Exception
    {
        final BypassSelectorProvider provider = new BypassSelectorProvider(ProviderContext.ConfigSource.NONE,
            NO_LINKS);
        try (ServerSocketChannel server = provider.openServerSocketChannel();
            SocketChannel client = provider.openSocketChannel();
            Selector selector = provider.openSelector())
        {
            // A wildcard bind: what every server does first, and what failed before.
            server.bind(new InetSocketAddress(0));
            assertFalse(((BypassServerSocketChannel)server).isStackBacked());
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            final int port = ((InetSocketAddress)server.getLocalAddress()).getPort();

            client.connect(new InetSocketAddress(LOOPBACK, port));
            assertFalse(((BypassSocketChannel)client).isStackBacked());
            assertEquals(1, selector.select(10_000));
            try (SocketChannel accepted = server.accept())
            {
                assertNotNull(accepted);
                client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                final ByteBuffer in = ByteBuffer.allocate(3);
                while (in.hasRemaining())
                {
                    assertTrue(accepted.read(in) >= 0);
                }
                assertArrayEquals(new byte[] {1, 2, 3}, in.array());
            }
        }
    }

    @Test
    void shouldSendDatagramsThroughTheJdkWithoutConfiguration() throws Exception
    {
        final BypassSelectorProvider provider = new BypassSelectorProvider(ProviderContext.ConfigSource.NONE,
            NO_LINKS);
        try (DatagramChannel receiver = provider.openDatagramChannel();
            DatagramChannel sender = provider.openDatagramChannel())
        {
            receiver.bind(new InetSocketAddress(LOOPBACK, 0));
            sender.send(ByteBuffer.wrap(new byte[] {7}), receiver.getLocalAddress());
            assertFalse(((BypassDatagramChannel)sender).isStackBacked());
            final ByteBuffer in = ByteBuffer.allocate(4);
            final InetSocketAddress from = (InetSocketAddress)receiver.receive(in);
            assertEquals(((InetSocketAddress)sender.getLocalAddress()).getPort(), from.getPort());
            assertEquals(1, in.position());
        }
    }

    @Test
    void shouldSayOnceThatTheJdkServesEverySocketWhenThePropertyIsNotSet() throws Exception
    {
        final String saved = System.getProperty(BypassConfig.FILE_PROPERTY);
        System.clearProperty(BypassConfig.FILE_PROPERTY);
        final Logger logger = Logger.getLogger("org.jbypass.provider");
        final List<LogRecord> records = new ArrayList<>();
        final Handler handler = new Handler()
        {
            @Override
            public synchronized void publish(final LogRecord record)
            {
                records.add(record);
            }

            @Override
            public void flush()
            {
            }

            @Override
            public void close()
            {
            }
        };
        logger.addHandler(handler);
        try
        {
            final BypassSelectorProvider provider = new BypassSelectorProvider(ProviderContext.systemConfig(),
                NO_LINKS);
            try (ServerSocketChannel first = provider.openServerSocketChannel();
                ServerSocketChannel second = provider.openServerSocketChannel())
            {
                first.bind(new InetSocketAddress(0));
                second.bind(new InetSocketAddress(LOOPBACK, 0));
            }
            synchronized (handler)
            {
                assertEquals(1, records.size(), records::toString);
                assertEquals(Level.INFO, records.get(0).getLevel());
                assertTrue(records.get(0).getMessage().contains("every socket is served by the JDK"),
                    records.get(0).getMessage());
            }
        }
        finally
        {
            logger.removeHandler(handler);
            if (saved != null)
            {
                System.setProperty(BypassConfig.FILE_PROPERTY, saved);
            }
        }
    }
}
