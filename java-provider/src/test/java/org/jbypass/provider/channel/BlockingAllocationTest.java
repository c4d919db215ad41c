package org.jbypass.provider.channel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Blocking request/response on stack sockets allocates nothing per operation once warm, in the client's thread and
 * in the echo server's: the blocking wait ({@code StackLock.WaitQueue}, where a {@code Condition} allocated a node
 * per wait), the datagram target's conversion (where {@code InetAddress.getAddress()} copied an array per send) and
 * the receive's source (reused while it stays the same, as the JDK's DatagramChannelImpl does). Client and server
 * share one stack on a memory wire, as the JMH request/response benchmarks do, with the default configuration (no
 * busy waiting: every wait parks).
 *
 * <p>As BusyWaitTest and AfPacketLinkTest: the JIT may allocate in a thread once or twice while it settles, and
 * the stack lock's queue node (AQS's, 32 bytes) is still allocated when a thread finds the lock held for longer
 * than its spin and naps (a holder descheduled on a loaded machine; see StackLock.acquire). An allocation per
 * operation shows in every window as at least its size per round trip (a Condition's node: 32 bytes or more per
 * wait; a copied IPv4 address: 24 bytes per send), so the steady state is a window under 2 bytes per round trip in
 * each thread, and on an idle machine windows of none at all.
 */
class BlockingAllocationTest
{
    private static final String WIRE = "blocking-alloc-" + ProcessHandle.current().pid();
    private static final String ADDRESS = "198.18.245.1";
    private static final int MESSAGE = 64;
    private static final int WARM_UP = 20_000;
    private static final int WINDOW = 500;
    private static final int WINDOWS = 20;

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private BypassSelectorProvider provider;

    @BeforeEach
    void open()
    {
        provider = new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            p.setProperty("interface.m0.driver", "memory");
            p.setProperty("interface.m0.host-if", WIRE);
            p.setProperty("interface.m0.address", ADDRESS + "/24");
            p.setProperty("stack.seed", "12");
            return ConfigParser.parse(null, p);
        }, new Drivers());
    }

    @AfterEach
    void shutdown()
    {
        provider.shutdown();
    }

    /** One blocking round trip of the client's; the server's thread echoes. */
    private interface RoundTrip
    {
        void run() throws IOException;
    }

    @Test
    void shouldAllocateNothingPerUdpRoundTrip() throws Exception
    {
        try (DatagramChannel server = provider.openDatagramChannel();
            DatagramChannel client = provider.openDatagramChannel())
        {
            server.bind(new InetSocketAddress(InetAddress.getByName(ADDRESS), 7000));
            client.bind(new InetSocketAddress(InetAddress.getByName(ADDRESS), 0));
            // Unconnected on both sides: send names its target, receive returns its source, each datagram.
            final SocketAddress target = server.getLocalAddress();
            final Thread echo = new Thread(() ->
            {
                final ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
                try
                {
                    while (true)
                    {
                        buffer.clear();
                        final SocketAddress from = server.receive(buffer);
                        buffer.flip();
                        server.send(buffer, from);
                    }
                }
                catch (final IOException e)
                {
                    // Closed at the test's end.
                }
            }, "udp-echo");
            final ByteBuffer request = ByteBuffer.allocateDirect(MESSAGE);
            final ByteBuffer reply = ByteBuffer.allocateDirect(2048);
            measure(echo, () ->
            {
                request.clear();
                client.send(request, target);
                reply.clear();
                client.receive(reply);
                if (reply.position() != MESSAGE)
                {
                    throw new IOException("reply of " + reply.position() + " bytes");
                }
            });
        }
    }

    @Test
    void shouldAllocateNothingPerTcpRoundTrip() throws Exception
    {
        try (ServerSocketChannel listener = provider.openServerSocketChannel())
        {
            listener.bind(new InetSocketAddress(InetAddress.getByName(ADDRESS), 7001));
            try (SocketChannel client = provider.openSocketChannel())
            {
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                client.connect(listener.getLocalAddress());
                final SocketChannel accepted = listener.accept();
                accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
                final Thread echo = new Thread(() ->
                {
                    final ByteBuffer buffer = ByteBuffer.allocateDirect(MESSAGE);
                    try (SocketChannel channel = accepted)
                    {
                        while (true)
                        {
                            buffer.clear();
                            while (buffer.hasRemaining())
                            {
                                if (channel.read(buffer) < 0)
                                {
                                    return;
                                }
                            }
                            buffer.flip();
                            while (buffer.hasRemaining())
                            {
                                channel.write(buffer);
                            }
                        }
                    }
                    catch (final IOException e)
                    {
                        // Closed at the test's end.
                    }
                }, "tcp-echo");
                final ByteBuffer request = ByteBuffer.allocateDirect(MESSAGE);
                final ByteBuffer reply = ByteBuffer.allocateDirect(MESSAGE);
                measure(echo, () ->
                {
                    request.clear();
                    while (request.hasRemaining())
                    {
                        client.write(request);
                    }
                    reply.clear();
                    while (reply.hasRemaining())
                    {
                        if (client.read(reply) < 0)
                        {
                            throw new IOException("end of stream");
                        }
                    }
                });
            }
        }
    }

    /**
     * Starts the echo thread, warms up, then runs windows of round trips until one in which neither the client's
     * thread nor the echo's allocated 2 bytes per round trip. Between round trips the echo thread is parked in its receive, so its
     * count is read while it stands still.
     */
    private void measure(final Thread echo, final RoundTrip roundTrip) throws Exception
    {
        echo.setDaemon(true);
        echo.start();
        for (int i = 0; i < WARM_UP; i++)
        {
            roundTrip.run();
        }
        final long client = Thread.currentThread().getId();
        final long server = echo.getId();
        final List<String> windows = new ArrayList<>();
        boolean clean = false;
        final long bound = 2L * WINDOW;
        for (int window = 0; window < WINDOWS && !clean; window++)
        {
            final long clientBefore = threads.getThreadAllocatedBytes(client);
            final long serverBefore = threads.getThreadAllocatedBytes(server);
            for (int i = 0; i < WINDOW; i++)
            {
                roundTrip.run();
            }
            final long clientBytes = threads.getThreadAllocatedBytes(client) - clientBefore;
            final long serverBytes = threads.getThreadAllocatedBytes(server) - serverBefore;
            windows.add(clientBytes + "+" + serverBytes);
            clean = clientBytes < bound && serverBytes < bound;
        }
        assertTrue(clean, () -> "bytes allocated per window of " + WINDOW + " round trips (client+server): " + windows);
    }
}
