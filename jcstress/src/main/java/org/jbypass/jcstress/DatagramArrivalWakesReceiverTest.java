package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * The stack's listener waking a blocked reader: a thread blocks in {@code receive}; another sends it a datagram
 * through the stack, whose delivery (on the sender's thread, under the stack lock) signals the receiver's
 * condition. The receiver must always get it.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the datagram woke the receiver")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: the receiver slept with a datagram queued")
@State
public class DatagramArrivalWakesReceiverTest
{
    private final DatagramChannel receiver = StackFixture.datagram();
    private final DatagramChannel sender = StackFixture.datagram();

    @Actor
    public void receive()
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

    @Signal
    public void send()
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
