package org.jbypass.provider.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.jbypass.netstack.link.Link;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;
import org.jbypass.provider.engine.StackLock;
import org.jbypass.provider.select.HybridChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A socket knows whether its peer is a thread of this JVM ({@code StackBacking.localPeer()}, which decides how its
 * busy waits count for {@code poller.busy-wait-yield = auto}): the change that ended its thread's wait was made by
 * another application thread's operation (local delivery inside the stack), or by a poll of the link's frames
 * (a peer on the wire: here a second stack in this JVM, whose frames cross a memory wire, as a kernel's cross a
 * veth). A socket that never waited counts as having its peer outside.
 */
class LocalPeerTest
{
    private static final String WIRE = "local-peer-" + ProcessHandle.current().pid();
    private static final String A = "198.18.246.1";
    private static final String B = "198.18.246.2";

    private BypassSelectorProvider stackA;
    private BypassSelectorProvider stackB;

    private static BypassSelectorProvider provider(final String address)
    {
        return new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            p.setProperty("interface.m0.driver", "memory");
            p.setProperty("interface.m0.host-if", WIRE);
            p.setProperty("interface.m0.address", address + "/24");
            p.setProperty("stack.seed", "12");
            return ConfigParser.parse(null, p);
        }, new Drivers());
    }

    @AfterEach
    void shutdown()
    {
        if (stackB != null)
        {
            stackB.shutdown();
        }
        if (stackA != null)
        {
            stackA.shutdown();
        }
    }

    @Test
    void shouldTellATcpPeerOfThisStackFromOneOnTheWire() throws Exception
    {
        stackA = provider(A);
        stackB = provider(B);
        try (ServerSocketChannel listener = stackA.openServerSocketChannel())
        {
            listener.bind(new InetSocketAddress(InetAddress.getByName(A), 7100));
            try (SocketChannel local = stackA.openSocketChannel();
                SocketChannel remote = stackB.openSocketChannel())
            {
                local.connect(listener.getLocalAddress());
                try (SocketChannel fromLocal = listener.accept())
                {
                    remote.connect(listener.getLocalAddress());
                    try (SocketChannel fromRemote = listener.accept())
                    {
                        assertFalse(localPeer(fromLocal), "no wait yet: counted as outside");
                        assertWokenBy(fromLocal, local, true, "woken by the client's write on this stack");
                        assertWokenBy(fromRemote, remote, false, "woken by a frame from the wire");
                        assertWokenBy(local, fromLocal, true, "and the client, by the server's reply");
                    }
                }
            }
        }
    }

    @Test
    void shouldTellADatagramPeerOfThisStackFromOneOnTheWire() throws Exception
    {
        stackA = provider(A);
        stackB = provider(B);
        try (DatagramChannel server = stackA.openDatagramChannel();
            DatagramChannel local = stackA.openDatagramChannel();
            DatagramChannel remote = stackB.openDatagramChannel())
        {
            server.bind(new InetSocketAddress(InetAddress.getByName(A), 7101));
            local.connect(server.getLocalAddress());
            remote.connect(server.getLocalAddress());
            assertWokenBy(server, remote, false, "woken by a frame from the wire");
            assertWokenBy(server, local, true, "woken by a datagram sent on this stack");
            assertWokenBy(server, remote, false, "and back: the last wait tells");
        }
    }

    /** Whether the channel's stack backing counts its peer as a thread of this JVM, read under the stack lock. */
    private static boolean localPeer(final HybridChannel channel) throws IOException
    {
        final StackBacking<?> backing = (StackBacking<?>)((ChannelCore<?>)channel.selectorView()).backing();
        backing.lock.enter();
        try
        {
            return backing.localPeer();
        }
        finally
        {
            backing.lock.exit();
        }
    }

    private static boolean localPeer(final Object channel) throws IOException
    {
        return localPeer((HybridChannel)channel);
    }

    /** A blocking read of one message. */
    @FunctionalInterface
    private interface Read
    {
        void run(ByteBuffer into) throws IOException;
    }

    /** Reads after the reader waits ({@link #readAfterItWaits}); whether it then counts its peer as local. */
    private static void assertWokenBy(final SocketChannel reader, final SocketChannel writer, final boolean local,
        final String why) throws Exception
    {
        readAfterItWaits(reader::read, writer);
        assertEquals(local, localPeer(reader), why);
    }

    /** The same for datagram channels. */
    private static void assertWokenBy(final DatagramChannel reader, final DatagramChannel writer, final boolean local,
        final String why) throws Exception
    {
        readAfterItWaits(reader::receive, writer);
        assertEquals(local, localPeer(reader), why);
    }

    /**
     * Starts a blocking read of 8 bytes in a thread of its own, waits until that thread waits (parked in the stack
     * lock's wait queue, or on the link's ring), then writes 8 bytes from {@code writer} and waits for the read.
     */
    private static void readAfterItWaits(final Read reader, final WritableByteChannel writer) throws Exception
    {
        final CompletableFuture<Integer> read = new CompletableFuture<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                final ByteBuffer into = ByteBuffer.allocate(8);
                reader.run(into);
                read.complete(into.position());
            }
            catch (final Throwable e)
            {
                read.completeExceptionally(e);
            }
        }, "local-peer-reader");
        thread.setDaemon(true);
        thread.start();
        while (!waits(thread))
        {
            assertFalse(read.isDone(), "the read returned before anything was written");
            Thread.onSpinWait();
        }
        writer.write(ByteBuffer.wrap(new byte[8]));
        assertEquals(8, read.get(30, TimeUnit.SECONDS));
        thread.join();
    }

    /** Whether the thread is parked waiting for its socket (not, say, for the stack lock on its way in). */
    private static boolean waits(final Thread thread)
    {
        final Object blocker = LockSupport.getBlocker(thread);
        return blocker instanceof StackLock.WaitQueue || blocker instanceof Link;
    }
}
