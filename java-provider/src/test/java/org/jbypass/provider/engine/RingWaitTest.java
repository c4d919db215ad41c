package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;

import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.channel.BypassDatagramChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A thread blocked on a stack socket waits on its interface's receive ring in the poller's place
 * ({@code poller.ring-wait}, {@link RingWait}): the server's link gives its frames to application threads only
 * ({@link ApplicationOnlyLink}), and no thread busy-waits, so only the blocked thread's own polls, made when the
 * ring wakes it, can receive the client's ARP request and datagram. With the ring wait they arrive; without it
 * nothing can.
 */
class RingWaitTest
{
    private static final String WIRE = "ring-wait-" + ProcessHandle.current().pid();
    private static final byte[] MESSAGE = {'p', 'i', 'n', 'g'};

    private BypassSelectorProvider client;
    private BypassSelectorProvider server;

    private static BypassSelectorProvider provider(final String address, final boolean ringWait,
        final boolean applicationOnly)
    {
        return MemoryWireProviders.provider(WIRE, address, 13,
            "poller.busy-wait-ns = 0\npoller.ring-wait = " + ringWait + "\nbind.wildcard = stack",
            link -> applicationOnly ? new ApplicationOnlyLink(link, true) : link);
    }

    @AfterEach
    void shutdown()
    {
        client.shutdown();
        server.shutdown();
    }

    @Test
    void shouldReceiveThroughThePollsOfTheThreadWaitingOnTheRing() throws IOException
    {
        client = provider("198.18.245.1", false, false);
        server = provider("198.18.245.2", true, true);
        try (DatagramChannel receiver = server.openDatagramChannel();
            DatagramChannel sender = client.openDatagramChannel())
        {
            receiver.bind(new InetSocketAddress(InetAddress.getByName("198.18.245.2"), 7000));
            sender.bind(new InetSocketAddress(InetAddress.getByName("198.18.245.1"), 0));
            sender.send(ByteBuffer.wrap(MESSAGE), receiver.getLocalAddress());
            assertArrayEquals(MESSAGE, receiveWithinAMinute(receiver));
        }
    }

    /**
     * A socket bound to the wildcard, as an unmodified {@code MulticastSocket} is (here on the stack by
     * {@code bind.wildcard = stack}; a MulticastSocket moves to it when it joins), on a stack of one interface: that
     * interface serves it, and its blocked thread waits on the ring too. Counted as "any interface" it parked, and
     * each datagram cost the poller's wakeup and then its own (here: nothing would deliver, as in the control).
     */
    @Test
    void shouldReceiveThroughTheRingOnAWildcardSocketOfAStackOfOneInterface() throws IOException
    {
        client = provider("198.18.247.1", false, false);
        server = provider("198.18.247.2", true, true);
        try (DatagramChannel receiver = server.openDatagramChannel();
            DatagramChannel sender = client.openDatagramChannel())
        {
            receiver.bind(new InetSocketAddress(7000));
            assertTrue(((BypassDatagramChannel)receiver).isStackBacked(), "bind.wildcard = stack");
            sender.bind(new InetSocketAddress(InetAddress.getByName("198.18.247.1"), 0));
            sender.send(ByteBuffer.wrap(MESSAGE), new InetSocketAddress(InetAddress.getByName("198.18.247.2"), 7000));
            assertArrayEquals(MESSAGE, receiveWithinAMinute(receiver));
        }
    }

    /**
     * Blocking receives: the ring wakes the thread for the ARP request (which it answers) and then for the datagram.
     * A receive that finds the ring held by the poller (between two of its polls, which here take nothing) parks
     * instead, as it should: the poller would deliver in its place on any other link. So each receive is bounded by
     * a second and tried again, up to a minute however loaded the machine; the control below shows that without the
     * ring wait no number of tries delivers.
     */
    private static byte[] receiveWithinAMinute(final DatagramChannel receiver) throws IOException
    {
        receiver.socket().setSoTimeout(1_000);
        final DatagramPacket got = new DatagramPacket(new byte[64], 64);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                receiver.socket().receive(got);
                return Arrays.copyOf(got.getData(), got.getLength());
            }
            catch (final SocketTimeoutException e)
            {
                if (attempt == 60)
                {
                    throw e;
                }
            }
        }
    }

    @Test
    void shouldReceiveNothingWhenTheThreadDoesNotWaitOnTheRing() throws IOException
    {
        client = provider("198.18.246.1", false, false);
        server = provider("198.18.246.2", false, true);
        try (DatagramChannel receiver = server.openDatagramChannel();
            DatagramChannel sender = client.openDatagramChannel())
        {
            receiver.bind(new InetSocketAddress(InetAddress.getByName("198.18.246.2"), 7000));
            sender.bind(new InetSocketAddress(InetAddress.getByName("198.18.246.1"), 0));
            sender.send(ByteBuffer.wrap(MESSAGE), receiver.getLocalAddress());
            receiver.socket().setSoTimeout(100);
            for (int attempt = 0; attempt < 3; attempt++)
            {
                assertThrows(SocketTimeoutException.class, () -> receiver.socket().receive(new DatagramPacket(
                    new byte[64], 64)), "the control: only the polls of a thread waiting on the ring deliver");
            }
        }
    }
}
