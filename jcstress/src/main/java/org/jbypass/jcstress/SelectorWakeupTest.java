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
 * End to end through the hybrid selector: a thread blocks in {@code select()} with a stack datagram channel
 * registered for OP_READ; another sends it a datagram. The stack's listener queues the key and wakes the inner JDK
 * selector; the select must return with the key selected, never sleep on.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the select returned with the key")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: the select slept with a readable channel")
@State
public class SelectorWakeupTest
{
    private final DatagramChannel receiver = StackFixture.datagram();
    private final DatagramChannel sender = StackFixture.datagram();
    private final Selector selector;
    private final SelectionKey key;

    public SelectorWakeupTest()
    {
        try
        {
            selector = StackFixture.PROVIDER.openSelector();
            receiver.configureBlocking(false);
            key = receiver.register(selector, SelectionKey.OP_READ);
            // Let the selector take the registration in before the race starts.
            selector.selectNow();
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
            // A select may return 0 only for a wakeup or an interrupt, and neither happens here: loop until the
            // key is selected so that a spurious return cannot pass for the real one.
            while (!selector.selectedKeys().contains(key))
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
