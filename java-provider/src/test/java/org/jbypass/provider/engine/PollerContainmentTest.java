package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkDecorator;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.provider.BypassSelectorProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A failure that escapes the stack's own containment (here a link that throws once, after it received a burst)
 * costs the poller that burst and nothing else: the failure is counted, the stack stays open, the connection whose
 * segments were in the burst recovers them by retransmission, and new connections are made (issue 13: only the
 * stack's owner closes it). Whoever takes the burst: the poller alone (the server's application threads neither spin
 * nor wait on the ring), or, as by default, an application thread waiting on the ring in the poller's place, or one
 * that busy-waits ({@code profile = latency}): its operation never sees the failure.
 */
class PollerContainmentTest
{
    private static final String WIRE = "containment-" + ProcessHandle.current().pid();
    private static final String CLIENT = "198.18.246.1";
    private static final String SERVER = "198.18.246.2";

    private BypassSelectorProvider client;
    private BypassSelectorProvider server;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicBoolean struck = new AtomicBoolean();

    /** Throws from receive once armed, after taking a non-empty burst from the wire (which the stack then loses). */
    private final class FailingLink extends LinkDecorator
    {
        FailingLink(final Link inner)
        {
            super(inner);
        }

        @Override
        protected String kind()
        {
            return "failing-once";
        }

        @Override
        public int receive(final int queue, final PacketBurst burst)
        {
            final int n = inner.receive(queue, burst);
            if (n > 0 && armed.compareAndSet(true, false))
            {
                struck.set(true);
                throw new IllegalStateException("injected failure in a poll, with " + n + " frames received");
            }
            return n;
        }

        @Override
        public int transmit(final int queue, final PacketBurst burst)
        {
            return inner.transmit(queue, burst);
        }

        @Override
        public void close()
        {
            inner.close();
        }
    }

    /** How the server's waiting application threads take frames. */
    private enum Waiting
    {
        /** They park; the poller alone receives. */
        PARK("interface.m0.busy-wait-ns = 0\npoller.ring-wait = false\n"),
        /** They wait on the ring in the poller's place (the default) and poll it when woken. */
        RING("interface.m0.busy-wait-ns = 0\n"),
        /** They drive the stack themselves for a while before they park. */
        SPIN("profile = latency\n");

        final String keys;

        Waiting(final String keys)
        {
            this.keys = keys;
        }
    }

    private BypassSelectorProvider provider(final String address, final boolean failing, final Waiting waiting)
    {
        return MemoryWireProviders.provider(WIRE, address, 17, waiting.keys,
            link -> failing ? new FailingLink(link) : link);
    }

    @AfterEach
    void shutdown()
    {
        if (client != null)
        {
            client.shutdown();
        }
        if (server != null)
        {
            server.shutdown();
        }
    }

    @ParameterizedTest
    @EnumSource(Waiting.class)
    void shouldLoseOnlyTheBurstOfAPollThatFailsAndCarryOn(final Waiting waiting)
    {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
        {
            client = provider(CLIENT, false, Waiting.PARK);
            server = provider(SERVER, true, waiting);
            try (ServerSocketChannel listener = server.openServerSocketChannel())
            {
                listener.bind(new InetSocketAddress(InetAddress.getByName(SERVER), 7100));
                try (SocketChannel first = client.openSocketChannel())
                {
                    first.connect(listener.getLocalAddress());
                    try (SocketChannel served = listener.accept())
                    {
                        echo(first, served, (byte)1);
                        armed.set(true);
                        // The request's segment is in the burst the poll loses: TCP sends it again.
                        echo(first, served, (byte)2);
                        assertTrue(struck.get(), "the failure was injected");
                        final StackEngine engine = server.context().engine();
                        assertEquals(1, engine.pollFailures());
                        assertFalse(engine.isClosed(), "only the stack's owner closes it");
                        try (SocketChannel second = client.openSocketChannel())
                        {
                            second.connect(listener.getLocalAddress());
                            try (SocketChannel served2 = listener.accept())
                            {
                                echo(second, served2, (byte)3);
                            }
                        }
                        echo(first, served, (byte)4);
                    }
                }
            }
        });
    }

    /** A one-byte request from {@code from} and its reply from {@code to}, checked. */
    private static void echo(final SocketChannel from, final SocketChannel to, final byte value) throws IOException
    {
        from.write(ByteBuffer.wrap(new byte[] {value}));
        final ByteBuffer got = ByteBuffer.allocate(1);
        while (got.hasRemaining())
        {
            assertTrue(to.read(got) >= 0, "end of stream before the request");
        }
        assertEquals(value, got.get(0));
        to.write(ByteBuffer.wrap(new byte[] {(byte)(value + 100)}));
        got.clear();
        while (got.hasRemaining())
        {
            assertTrue(from.read(got) >= 0, "end of stream before the reply");
        }
        assertEquals((byte)(value + 100), got.get(0));
    }
}
