package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Close racing a TCP write: one thread writes four bytes on a stack connection while another closes it. The write
 * either happened (its bytes reach the peer before the connection's end) or failed because the channel is closed;
 * never both, never neither. Result: (bytes the write reported, 0 if it failed with a closed-channel exception and
 * -1 for anything else; bytes the peer read before the end).
 */
@JCStressTest
@Outcome(id = "4, 4", expect = ACCEPTABLE, desc = "written before the close; the peer got the bytes")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the close came first")
@Outcome(id = "4, 0", expect = FORBIDDEN, desc = "bytes reported written were lost")
@Outcome(id = "0, 4", expect = FORBIDDEN, desc = "bytes reported unwritten arrived")
@Outcome(id = "-1, .*", expect = FORBIDDEN, desc = "an exception the JDK would not throw")
@State
public class TcpCloseRacingWriteTest
{
    private final SocketChannel[] pair = StackFixture.connectedPair();

    public TcpCloseRacingWriteTest()
    {
        // The writer's end closes gracefully (a FIN after its data): the test is about that data.
        try
        {
            pair[0].setOption(java.net.StandardSocketOptions.SO_LINGER, -1);
        }
        catch (final IOException e)
        {
            throw new IllegalStateException(e);
        }
    }

    @Actor
    public void write(final II_Result r)
    {
        try
        {
            r.r1 = pair[0].write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
        }
        catch (final ClosedChannelException e)
        {
            r.r1 = e instanceof AsynchronousCloseException || e.getClass() == ClosedChannelException.class ? 0 : -1;
        }
        catch (final IOException | RuntimeException e)
        {
            r.r1 = -1;
        }
    }

    @Actor
    public void close()
    {
        StackFixture.close(pair[0]);
    }

    @Arbiter
    public void arbiter(final II_Result r)
    {
        // The bytes and the FIN were delivered inside the stack on the writing and closing threads' flushes: read
        // until the end of the stream.
        final ByteBuffer in = ByteBuffer.allocate(16);
        try
        {
            while (pair[1].read(in) >= 0)
            {
                // Blocking: returns at the end of the stream at the latest.
            }
            r.r2 = in.position();
        }
        catch (final IOException e)
        {
            r.r2 = -1;
        }
        finally
        {
            StackFixture.close(pair[1]);
        }
    }
}
