package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Close racing a blocked read: a thread blocks in {@code receive} on a stack datagram channel (waiting on the
 * stack lock's condition); another closes the channel. The receiver must always return (with
 * AsynchronousCloseException, or ClosedChannelException if the close came first), never sleep on.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the close woke the receiver")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "the receiver slept through the close")
@State
public class DatagramCloseWakesReceiverTest
{
    private final DatagramChannel channel = StackFixture.datagram();

    @Actor
    public void receiver()
    {
        try
        {
            channel.receive(ByteBuffer.allocate(16));
        }
        catch (final IOException e)
        {
            // AsynchronousCloseException or ClosedChannelException: both end the wait.
        }
    }

    @Signal
    public void closer()
    {
        StackFixture.close(channel);
    }
}
