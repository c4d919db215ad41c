package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * A blocking connect that completes in one hold of the stack lock: the connecting thread opens its socket, sends
 * the SYN and flushes within the hold ({@code StackLock.flushWithin}), so the whole handshake to the stack's own
 * address runs there and the listener's readiness changes (and its waiter is marked) before the connect has
 * returned; the accepting thread's unpark waits for the release. The connecting thread then writes a request at
 * once. The accepting thread, blocked in {@code accept()} and then in {@code read()}, must get the connection and
 * the request: a wakeup lost at either handoff leaves it asleep.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the connection and its request reached the accepting thread")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: the accepting thread slept through the connect")
@State
public class ConnectInOneHoldTest
{
    private final ServerSocketChannel listener = StackFixture.listener();
    private final SocketAddress address;
    /** Set once the connecting thread is done with its channel, after which the accepting thread closes it. */
    private volatile boolean clientDone;
    private volatile SocketChannel client;

    public ConnectInOneHoldTest()
    {
        try
        {
            address = listener.getLocalAddress();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    @Actor
    public void accept()
    {
        try (SocketChannel accepted = listener.accept())
        {
            accepted.setOption(StandardSocketOptions.SO_LINGER, 0);
            final ByteBuffer request = ByteBuffer.allocate(1);
            while (request.hasRemaining())
            {
                if (accepted.read(request) < 0)
                {
                    throw new IllegalStateException("end of stream before the request");
                }
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        finally
        {
            StackFixture.close(listener);
            while (!clientDone)
            {
                Thread.onSpinWait();
            }
            if (client != null)
            {
                StackFixture.close(client);
            }
        }
    }

    @Signal
    public void connect()
    {
        try
        {
            // A fresh channel in blocking mode: its connect takes the one-hold path.
            final SocketChannel c = StackFixture.PROVIDER.openSocketChannel();
            client = c;
            c.setOption(StandardSocketOptions.SO_LINGER, 0);
            if (!c.connect(address))
            {
                throw new IllegalStateException("a blocking connect returned unconnected");
            }
            c.write(ByteBuffer.wrap(new byte[] {42}));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        finally
        {
            clientDone = true;
        }
    }
}
