package org.jbypass.jcstress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import org.jbypass.provider.BypassSelectorProvider;

/**
 * The state of the tests in which two receivers of one stack race its poller for the ring (BusyWaitTwoPollersTest,
 * RingWaitTwoReadersTest, RingWaitTwoSpinnersTest): two datagram channels of the stack under test, each received on
 * with the blocking {@code socket().receive} and a timeout of five seconds (far beyond any spin or nap: a receiver
 * that times out missed its wakeup), and a sender on the peer stack across the wire. jcstress takes actors only from
 * a test class's own methods (its annotation processor reads the class's enclosed elements, not a superclass's), so
 * each test holds one of these in a final field and its two actors call it.
 */
final class TwoReceivers
{
    private static final int TIMEOUT_MILLIS = 5_000;

    private final DatagramChannel first;
    private final DatagramChannel second;
    private final DatagramChannel sender;

    /** Two receivers on {@code stack} at {@code address}, the sender on {@code peer} at {@code peerAddress}. */
    TwoReceivers(final BypassSelectorProvider stack, final String address, final BypassSelectorProvider peer,
        final String peerAddress)
    {
        first = BusyFixture.datagram(stack, address);
        second = BusyFixture.datagram(stack, address);
        sender = BusyFixture.datagram(peer, peerAddress);
    }

    /** @return the datagrams the first receiver got within the timeout (0 or 1) */
    int receiveFirst()
    {
        return receive(first);
    }

    /**
     * Sends a datagram from the peer to each receiver, then receives on the second.
     *
     * @return the datagrams the second receiver got within the timeout (0 or 1)
     */
    int sendThenReceiveSecond()
    {
        try
        {
            sender.send(ByteBuffer.wrap(new byte[] {1}), first.getLocalAddress());
            sender.send(ByteBuffer.wrap(new byte[] {2}), second.getLocalAddress());
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return receive(second);
    }

    void close()
    {
        StackFixture.close(first);
        StackFixture.close(second);
        StackFixture.close(sender);
    }

    private static int receive(final DatagramChannel channel)
    {
        try
        {
            channel.socket().setSoTimeout(TIMEOUT_MILLIS);
            channel.socket().receive(new DatagramPacket(new byte[16], 16));
            return 1;
        }
        catch (final SocketTimeoutException e)
        {
            return 0;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
