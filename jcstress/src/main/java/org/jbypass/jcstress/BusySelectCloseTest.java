package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * A selection over stack keys alone drives the busy stack before it blocks, with its signal queue disarmed; another
 * thread closes one registered channel (cancelling its key, its socket's readiness changing under the stack lock)
 * and then sends a datagram to the other. The selection must report the datagram's key, whether it comes while the
 * selector spins (the key only queues itself) or after it armed the queue and blocked (the key wakes it), and never
 * fail on the closed one.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the selection reported the readable key")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: the selector blocks with a key ready")
@State
public class BusySelectCloseTest
{
    private final DatagramChannel reader = BusyFixture.datagram(BusyFixture.BUSY, BusyFixture.BUSY_ADDRESS);
    private final DatagramChannel closing = BusyFixture.datagram(BusyFixture.BUSY, BusyFixture.BUSY_ADDRESS);
    private final DatagramChannel sender = BusyFixture.datagram(BusyFixture.PEER, BusyFixture.PEER_ADDRESS);
    private final Selector selector;
    private final SelectionKey readerKey;

    public BusySelectCloseTest()
    {
        try
        {
            selector = BusyFixture.BUSY.openSelector();
            reader.configureBlocking(false);
            closing.configureBlocking(false);
            readerKey = reader.register(selector, SelectionKey.OP_READ);
            closing.register(selector, SelectionKey.OP_READ);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    @Actor
    public void select()
    {
        try
        {
            while (!selector.selectedKeys().contains(readerKey))
            {
                selector.select();
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        finally
        {
            StackFixture.close(selector);
            StackFixture.close(reader);
            StackFixture.close(sender);
        }
    }

    @Signal
    public void closeAndSend()
    {
        try
        {
            closing.close();
            sender.send(ByteBuffer.wrap(new byte[] {1}), reader.getLocalAddress());
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
