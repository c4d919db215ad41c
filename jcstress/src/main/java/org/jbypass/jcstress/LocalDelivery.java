package org.jbypass.jcstress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * A datagram channel that blocks receiving while another channel of the same stack sends it a datagram: the body
 * of the stress tests of a local delivery waking its receiver (DatagramArrivalWakesReceiverTest,
 * BusyWaitLocalDeliveryTest, RingWaitLocalDeliveryTest), which differ in how the receiver waits, that is in the
 * stack the channels are on.
 */
final class LocalDelivery
{
    private final DatagramChannel receiver;
    private final DatagramChannel sender;

    LocalDelivery(final DatagramChannel receiver, final DatagramChannel sender)
    {
        this.receiver = receiver;
        this.sender = sender;
    }

    /** Blocks until the datagram comes; then closes both channels. */
    void receive()
    {
        try
        {
            receiver.receive(ByteBuffer.allocate(16));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        finally
        {
            StackFixture.close(receiver);
            StackFixture.close(sender);
        }
    }

    /** Sends the receiver a one-byte datagram. */
    void send()
    {
        try
        {
            sender.send(ByteBuffer.wrap(new byte[] {1}), receiver.getLocalAddress());
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
