package org.jbypass.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jbypass.provider.channel.ProviderContext;
import org.jbypass.provider.config.BypassConfig;
import org.jbypass.provider.config.ConfigurationException;
import org.jbypass.provider.engine.Drivers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configuration fails at first use, naming the file and the key, and never falls back to the kernel. */
class ProviderConfigurationTest
{
    @TempDir
    Path dir;

    private BypassSelectorProvider providerFor(final Path file)
    {
        return new BypassSelectorProvider(() -> BypassConfig.load(file), new Drivers());
    }

    private Path write(final String text) throws IOException
    {
        final Path file = dir.resolve("jbypass.properties");
        Files.writeString(file, text);
        return file;
    }

    private static ConfigurationException connectFails(final BypassSelectorProvider provider) throws IOException
    {
        try (ServerSocketChannel kernel = ServerSocketChannel.open();
            SocketChannel ch = provider.openSocketChannel())
        {
            kernel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            // Even a connection the kernel would serve fails: a broken configuration never falls back silently.
            return assertThrows(ConfigurationException.class, () -> ch.connect(kernel.getLocalAddress()));
        }
    }

    @Test
    void shouldFailAtFirstConnectWhenTheFileIsMissing() throws IOException
    {
        final Path missing = dir.resolve("missing.properties");
        final ConfigurationException e = connectFails(providerFor(missing));
        assertEquals("jbypass configuration " + missing + ": file not found", e.getMessage());
    }

    @Test
    void shouldNameThePropertyWhenItNamesNoFile() throws IOException
    {
        // Set, but to nothing (an unset variable in a start script): a mistake, unlike a property not set at all,
        // which leaves every socket to the JDK (UnconfiguredProviderTest).
        final String saved = System.getProperty(BypassConfig.FILE_PROPERTY);
        System.setProperty(BypassConfig.FILE_PROPERTY, " ");
        try
        {
            final BypassSelectorProvider provider = new BypassSelectorProvider(ProviderContext.systemConfig(),
                new Drivers());
            final ConfigurationException e = connectFails(provider);
            assertEquals("jbypass configuration, key jbypass.config: no configuration file given: start the JVM "
                + "with -Djbypass.config=FILE or with -javaagent:jbypass.jar=config=FILE", e.getMessage());
        }
        finally
        {
            if (saved != null)
            {
                System.setProperty(BypassConfig.FILE_PROPERTY, saved);
            }
            else
            {
                System.clearProperty(BypassConfig.FILE_PROPERTY);
            }
        }
    }

    @Test
    void shouldNameTheKeyOfAnUnknownDriver() throws IOException
    {
        final Path file = write("interface.eth0.driver = dpdk\ninterface.eth0.host-if = veth0\n"
            + "interface.eth0.address = 198.18.0.2/24\n");
        final ConfigurationException e = connectFails(providerFor(file));
        assertEquals("jbypass configuration " + file + ", key interface.eth0.driver: unknown driver 'dpdk' "
            + "(expected one of afpacket, rdma, memory)", e.getMessage());
    }

    @Test
    void shouldNameTheKeyOfAMalformedAddress() throws IOException
    {
        final Path file = write("interface.eth0.driver = afpacket\ninterface.eth0.host-if = veth0\n"
            + "interface.eth0.address = 198.18.0.300/24\n");
        final ConfigurationException e = connectFails(providerFor(file));
        assertEquals("jbypass configuration " + file + ", key interface.eth0.address: malformed IPv4 address "
            + "'198.18.0.300'", e.getMessage());
    }

    @Test
    void shouldNameTheKeyOfAMalformedNumber() throws IOException
    {
        final Path file = write("interface.eth0.driver = afpacket\ninterface.eth0.host-if = veth0\n"
            + "interface.eth0.address = 198.18.0.2/24\ninterface.eth0.mtu = big\n");
        final ConfigurationException e = connectFails(providerFor(file));
        assertEquals("jbypass configuration " + file + ", key interface.eth0.mtu: malformed value 'big' "
            + "(expected an integer from 576 to 9000)", e.getMessage());
    }

    @Test
    void shouldNameTheKeyOfAnInterfaceWithoutHostIf() throws IOException
    {
        final Path file = write("interface.eth0.driver = afpacket\ninterface.eth0.address = 198.18.0.2/24\n");
        final ConfigurationException e = connectFails(providerFor(file));
        assertEquals("jbypass configuration " + file + ", key interface.eth0.host-if: required: the Linux netdev "
            + "the afpacket driver uses", e.getMessage());
    }

    @Test
    void shouldFailEveryUseWithTheSameMessage() throws IOException
    {
        final Path missing = dir.resolve("gone.properties");
        final BypassSelectorProvider provider = providerFor(missing);
        final ConfigurationException first = connectFails(provider);
        Files.writeString(missing, "interface.eth0.driver = memory\n");
        final ConfigurationException second;
        try (DatagramChannel dc = provider.openDatagramChannel())
        {
            second = assertThrows(ConfigurationException.class, () -> dc.bind(null));
        }
        assertEquals(first.getMessage(), second.getMessage());
        assertNotSame(first, second);
        assertSame(first, second.getCause());
    }

    @Test
    void shouldFailStackStartNamingTheInterfaceWhenTheNetdevIsMissing() throws IOException
    {
        final Path file = write("interface.eth0.driver = afpacket\ninterface.eth0.host-if = jbpnosuch0\n"
            + "interface.eth0.address = 198.18.77.2/24\n");
        final BypassSelectorProvider provider = providerFor(file);
        try (SocketChannel ch = provider.openSocketChannel())
        {
            final IOException e = assertThrows(IOException.class,
                () -> ch.bind(new InetSocketAddress("198.18.77.2", 0)));
            assertTrue(e.getMessage().contains("eth0") && e.getMessage().contains("jbpnosuch0"), e.getMessage());
        }
        finally
        {
            provider.shutdown();
        }
    }

    @Test
    void shouldServeUnixDomainPipesAndSelectorsWithoutConfiguration() throws IOException
    {
        final BypassSelectorProvider provider = providerFor(dir.resolve("never-read.properties"));
        final Path socketFile = dir.resolve("s.sock");
        try (ServerSocketChannel server = provider.openServerSocketChannel(StandardProtocolFamily.UNIX);
            SocketChannel client = provider.openSocketChannel(StandardProtocolFamily.UNIX);
            Selector selector = provider.openSelector())
        {
            server.bind(UnixDomainSocketAddress.of(socketFile));
            client.connect(server.getLocalAddress());
            try (SocketChannel accepted = server.accept())
            {
                client.write(ByteBuffer.wrap(new byte[] {42}));
                final ByteBuffer b = ByteBuffer.allocate(1);
                accepted.read(b);
                assertEquals(42, b.get(0));
            }
            assertEquals(0, selector.selectNow());
        }
        final Pipe pipe = provider.openPipe();
        pipe.sink().write(ByteBuffer.wrap(new byte[] {7}));
        final ByteBuffer b = ByteBuffer.allocate(1);
        pipe.source().read(b);
        assertEquals(7, b.get(0));
        pipe.sink().close();
        pipe.source().close();
    }
}
