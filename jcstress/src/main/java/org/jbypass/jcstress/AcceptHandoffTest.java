package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * The accept handoff: a thread blocks in {@code accept()} on a stack listener; another connects to it. The stack
 * completes the handshake (on the connecting thread's flush, the address being the stack's own) and queues the
 * connection in the listener, whose listener signal must wake the accepting thread, which takes the connection and
 * attaches it to a channel under the stack lock. The accept must always return the connection.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the connection was handed to the accepting thread")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: a connection waited and accept slept")
@State
public class AcceptHandoffTest
{
    private final ServerSocketChannel listener = StackFixture.listener();
    private final SocketAddress address;
    private final SocketChannel client;
    /** Set once {@link #connect()} returned, after which the accepting thread may close the client. */
    private volatile boolean connectReturned;

    public AcceptHandoffTest()
    {
        try
        {
            address = listener.getLocalAddress();
            client = StackFixture.PROVIDER.openSocketChannel();
            client.setOption(StandardSocketOptions.SO_LINGER, 0);
            client.configureBlocking(false);
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
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        finally
        {
            StackFixture.close(listener);
            // The connecting thread may still be inside connect() (its own flush woke us): closing its channel now
            // would fail that connect, so wait for it to return first.
            while (!connectReturned)
            {
                Thread.onSpinWait();
            }
            StackFixture.close(client);
        }
    }

    @Signal
    public void connect()
    {
        try
        {
            client.connect(address);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        finally
        {
            connectReturned = true;
        }
    }
}
