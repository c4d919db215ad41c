package org.jbypass.provider.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both launch forms, in child JVMs, as a user types them: the provider is installed without any other flag,
 * java.net sockets go through the agent's factories, kernel traffic is untouched, and a broken configuration fails
 * every kind of socket with a message naming the file and the key.
 */
class AgentIT
{
    private static final String PROBE = "org.jbypass.provider.it.apps.ProviderProbe";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ServerSocket echo;
    private DatagramChannel sink;
    private Thread echoThread;

    /** A plain kernel TCP echo server and a UDP sink on loopback, in this (jbypass-free) JVM. */
    @BeforeEach
    void kernelServers() throws IOException
    {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        echoThread = new Thread(() ->
        {
            while (!echo.isClosed())
            {
                try (Socket s = echo.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream())
                {
                    in.transferTo(out);
                }
                catch (final IOException e)
                {
                    // Closed at the end of the test.
                }
            }
        });
        echoThread.setDaemon(true);
        echoThread.start();
        sink = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void close() throws IOException
    {
        echo.close();
        sink.close();
    }

    private Path config(final String text) throws IOException
    {
        final Path file = dir.resolve("jbypass.properties");
        Files.writeString(file, text);
        return file;
    }

    private Path validConfig() throws IOException
    {
        // An interface no socket of these tests is routed to: everything here stays with the kernel.
        return config("interface.eth0.driver = afpacket\ninterface.eth0.host-if = jbpunused0\n"
            + "interface.eth0.address = 198.18.251.2/24\n");
    }

    private String[] probeArgs()
    {
        final String port = Integer.toString(echo.getLocalPort());
        final String udp = Integer.toString(((InetSocketAddress)sinkAddress()).getPort());
        return new String[] {"socket", "127.0.0.1", port, "channel", "127.0.0.1", port, "datagram", "127.0.0.1", udp};
    }

    private java.net.SocketAddress sinkAddress()
    {
        try
        {
            return sink.getLocalAddress();
        }
        catch (final IOException e)
        {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> run(final ChildJvm child) throws InterruptedException
    {
        try (child)
        {
            assertEquals(0, child.waitFor(TIMEOUT), child::describe);
            return List.of(child.stdout().split("\n"));
        }
    }

    @Test
    void shouldInstallTheProviderAndTheFactoriesUnderTheAgent() throws Exception
    {
        final List<String> lines = run(ChildJvm.withAgent(validConfig(), PROBE, probeArgs()));
        assertEquals(List.of("provider org.jbypass.provider.BypassSelectorProvider", "socket ok", "channel ok",
            "datagram ok"), lines);
        final ByteBuffer b = ByteBuffer.allocate(4);
        sink.receive(b);
        assertEquals(1, b.position(), "the datagram reached the kernel's socket");
    }

    @Test
    void shouldInstallTheProviderFromTheCommandLine() throws Exception
    {
        final List<String> lines = run(ChildJvm.withProperty(validConfig(), PROBE, probeArgs()));
        assertEquals(List.of("provider org.jbypass.provider.BypassSelectorProvider", "socket ok", "channel ok",
            "datagram ok"), lines);
    }

    @Test
    void shouldLeaveEverySocketToTheJdkWithTheJarOnTheClassPathAndNoConfiguration() throws Exception
    {
        // The jar's service file makes jbypass the provider; without configuration it must not break networking.
        final String[] args = probeArgs();
        final String[] withListen = java.util.Arrays.copyOf(args, args.length + 3);
        System.arraycopy(new String[] {"listen", "0.0.0.0", "0"}, 0, withListen, args.length, 3);
        try (ChildJvm child = ChildJvm.onClassPath(PROBE, withListen))
        {
            assertEquals(0, child.waitFor(TIMEOUT), child::describe);
            assertEquals(List.of("provider org.jbypass.provider.BypassSelectorProvider", "socket ok", "channel ok",
                "datagram ok", "listen ok"), List.of(child.stdout().split("\n")));
            assertTrue(child.stderr().contains("every socket is served by the JDK"), child::describe);
        }
    }

    @Test
    void shouldFailEveryKindOfSocketOnABrokenConfigurationUnderTheAgent() throws Exception
    {
        final Path file = config("interface.eth0.driver = dpdk\ninterface.eth0.host-if = veth0\n"
            + "interface.eth0.address = 198.18.251.2/24\n");
        final List<String> lines = run(ChildJvm.withAgent(file, PROBE, probeArgs()));
        assertEquals("provider org.jbypass.provider.BypassSelectorProvider", lines.get(0));
        final String message = "jbypass configuration " + file + ", key interface.eth0.driver: unknown driver 'dpdk'";
        assertEquals(4, lines.size(), String.join("\n", lines));
        for (final String line : lines.subList(1, 4))
        {
            assertTrue(line.contains(message), line);
        }
    }

    @Test
    void shouldFailOnAMissingConfigurationFromTheCommandLine() throws Exception
    {
        final Path missing = dir.resolve("nowhere.properties");
        final List<String> lines = run(ChildJvm.withProperty(missing, PROBE, probeArgs()));
        // Without the agent, java.net sockets are the JDK's own (they never ask the SelectorProvider): only the
        // channel goes through jbypass, and fails.
        assertEquals(List.of("provider org.jbypass.provider.BypassSelectorProvider", "socket ok",
            "channel org.jbypass.provider.config.ConfigurationException: jbypass configuration " + missing
                + ": file not found", "datagram ok"), lines);
    }
}
