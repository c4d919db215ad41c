package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jbypass.provider.BypassSelectorProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A thread blocked on a stack socket drives the stack itself ({@code poller.busy-wait-ns}): the server's link gives
 * its frames to application threads only, never to its poller, so that only a waiting thread's own polls can
 * receive the client's ARP request and datagram. With busy waiting they arrive; without it nothing can.
 */
class BusyWaitTest
{
    private static final String WIRE = "busy-wait-" + ProcessHandle.current().pid();
    private static final byte[] MESSAGE = {'p', 'i', 'n', 'g'};

    private BypassSelectorProvider client;
    private BypassSelectorProvider server;

    private static BypassSelectorProvider provider(final String address, final String busyWait, final boolean stuck)
    {
        return MemoryWireProviders.provider(WIRE, address, 12, "interface.m0.busy-wait-ns = " + busyWait,
            link -> stuck ? new ApplicationOnlyLink(link, false) : link);
    }

    @AfterEach
    void shutdown()
    {
        if (client != null)
        {
            client.shutdown();
        }
        server.shutdown();
    }

    /** Receives on the server, each try a blocking receive of at most 5 ms, until a datagram comes or tries end. */
    private static DatagramPacket receive(final DatagramSocket socket, final int tries) throws IOException
    {
        socket.setSoTimeout(5);
        final DatagramPacket packet = new DatagramPacket(new byte[64], 64);
        for (int i = 0; i < tries; i++)
        {
            try
            {
                socket.receive(packet);
                return packet;
            }
            catch (final SocketTimeoutException e)
            {
                // Nothing within this try's busy wait and park: try again (each try polls afresh).
            }
        }
        return null;
    }

    @Test
    void shouldReceiveThroughTheWaitingThreadsOwnPolls() throws IOException
    {
        client = provider("198.18.242.1", "0", false);
        server = provider("198.18.242.2", "1000000", true);
        try (DatagramChannel receiver = server.openDatagramChannel();
            DatagramChannel sender = client.openDatagramChannel())
        {
            receiver.bind(new InetSocketAddress(InetAddress.getByName("198.18.242.2"), 7000));
            sender.bind(new InetSocketAddress(InetAddress.getByName("198.18.242.1"), 0));
            sender.send(ByteBuffer.wrap(MESSAGE), receiver.getLocalAddress());
            // Each try spins up to a millisecond and parks up to 5 ms, however loaded the machine: a minute of tries
            // is far beyond the client's address resolution and delivery, and a lost datagram fails here, not hangs.
            final DatagramPacket got = receive(receiver.socket(), 12_000);
            assertNotNull(got, () -> "no datagram within 12,000 tries of the waiting thread's own polls; client "
                + nonZero(client) + "; server " + nonZero(server));
            assertArrayEquals(MESSAGE, Arrays.copyOf(got.getData(), got.getLength()));
            assertEquals(sender.getLocalAddress(), got.getSocketAddress());
        }
    }

    /** The non-zero IP and UDP counters of a provider's stack, for a failure's message. */
    private static String nonZero(final BypassSelectorProvider provider)
    {
        final StringBuilder text = new StringBuilder();
        final org.jbypass.netstack.core.Stack stack;
        try
        {
            stack = provider.context().engine().stack();
        }
        catch (final IOException e)
        {
            return "(no stack: " + e + ")";
        }
        for (final Object counters : new Object[] {stack.ipCounters(), stack.udpCounters()})
        {
            for (final java.lang.reflect.Field field : counters.getClass().getFields())
            {
                try
                {
                    if (field.getType() == long.class && field.getLong(counters) != 0)
                    {
                        text.append(field.getName()).append('=').append(field.getLong(counters)).append(' ');
                    }
                }
                catch (final IllegalAccessException e)
                {
                    text.append(field.getName()).append("=? ");
                }
            }
        }
        return text.toString();
    }

    @Test
    void shouldReceiveNothingWhenNeitherThePollerNorTheWaiterPolls() throws IOException
    {
        client = provider("198.18.243.1", "0", false);
        server = provider("198.18.243.2", "0", true);
        try (DatagramChannel receiver = server.openDatagramChannel();
            DatagramChannel sender = client.openDatagramChannel())
        {
            receiver.bind(new InetSocketAddress(InetAddress.getByName("198.18.243.2"), 7000));
            sender.bind(new InetSocketAddress(InetAddress.getByName("198.18.243.1"), 0));
            sender.send(ByteBuffer.wrap(MESSAGE), receiver.getLocalAddress());
            assertEquals(null, receive(receiver.socket(), 20), "the control: only a waiting thread's polls deliver");
            receiver.socket().setSoTimeout(1);
            assertThrows(SocketTimeoutException.class, () -> receiver.socket().receive(new DatagramPacket(
                new byte[64], 64)));
        }
    }

    @Test
    void shouldAllocateNothingWhileItSpins() throws IOException
    {
        server = provider("198.18.244.2", "1000000", false);
        final StackEngine engine = server.context().engine();
        final StackLock lock = engine.lock();
        final StackLock.Waiter never = () -> 0;
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long thread = Thread.currentThread().getId();
        spin(lock, never, 2_000); // warm up
        // As AfPacketLinkTest: the JIT may allocate in the thread once or twice while it settles; an allocation per
        // spin or per poll shows in every window, so the steady state is a window with none at all.
        final List<Long> windows = new ArrayList<>();
        for (int window = 0; window < 6; window++)
        {
            final long before = threads.getThreadAllocatedBytes(thread);
            spin(lock, never, 500);
            final long allocated = threads.getThreadAllocatedBytes(thread) - before;
            windows.add(allocated);
            if (allocated == 0)
            {
                break;
            }
        }
        assertTrue(windows.contains(0L), () -> "bytes allocated per window of 500 spins: " + windows);
    }

    /** Spins {@code times} times for 20 us each, polling the stack's ring (every 256th turn: a memory wire). */
    private static void spin(final StackLock lock, final StackLock.Waiter waiter, final int times) throws IOException
    {
        for (int i = 0; i < times; i++)
        {
            lock.enter();
            try
            {
                lock.pollWhileWaiting(-1, waiter, 0, System.nanoTime() + 20_000);
            }
            finally
            {
                lock.exit();
            }
        }
    }
}
