package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Close racing a write: one thread sends a datagram to a second channel while another closes the sending
 * channel. The send either happens (and the datagram arrives) or fails as the JDK's would (the channel is
 * closed); nothing else, and no packet buffer is lost either way. Result: (1 if the send succeeded, 0 if it
 * failed with a closed-channel exception, -1 for anything else; datagrams the receiver got).
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "sent before the close, and received")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the close came first: ClosedChannelException")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "a datagram reported sent was lost")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "a datagram reported unsent arrived")
@Outcome(id = "-1, .*", expect = FORBIDDEN, desc = "an exception the JDK would not throw")
@State
public class CloseRacingSendTest
{
    private final DatagramChannel sender = StackFixture.datagram();
    private final DatagramChannel receiver = StackFixture.datagram();
    private final SocketAddress target;

    public CloseRacingSendTest()
    {
        try
        {
            target = receiver.getLocalAddress();
            receiver.configureBlocking(false);
        }
        catch (final IOException e)
        {
            throw new IllegalStateException(e);
        }
    }

    @Actor
    public void send(final II_Result r)
    {
        try
        {
            sender.send(ByteBuffer.wrap(new byte[] {7}), target);
            r.r1 = 1;
        }
        catch (final ClosedChannelException e)
        {
            // AsynchronousCloseException is a ClosedChannelException too.
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
        StackFixture.close(sender);
    }

    @Arbiter
    public void arbiter(final II_Result r)
    {
        try
        {
            int received = 0;
            while (receiver.receive(ByteBuffer.allocate(4)) != null)
            {
                received++;
            }
            r.r2 = received;
            receiver.close();
        }
        catch (final IOException e)
        {
            r.r2 = -1;
        }
    }
}
