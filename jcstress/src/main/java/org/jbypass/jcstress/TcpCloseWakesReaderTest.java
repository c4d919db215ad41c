package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Close racing a blocked TCP read: a thread blocks in {@code read} on a stack connection; another closes the
 * channel. The reader must always return (AsynchronousCloseException, or ClosedChannelException if the close came
 * first).
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the close woke the reader")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "the reader slept through the close")
@State
public class TcpCloseWakesReaderTest
{
    private final SocketChannel[] pair = StackFixture.connectedPair();

    @Actor
    public void reader()
    {
        try
        {
            pair[0].read(ByteBuffer.allocate(16));
        }
        catch (final IOException e)
        {
            // AsynchronousCloseException or ClosedChannelException: both end the wait.
        }
        finally
        {
            StackFixture.close(pair[1]);
        }
    }

    @Signal
    public void closer()
    {
        StackFixture.close(pair[0]);
    }
}
