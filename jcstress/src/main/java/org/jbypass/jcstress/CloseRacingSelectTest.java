package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIZ_Result;

/**
 * Close racing select: one thread closes a registered stack channel (cancelling its key) while another selects.
 * The select reports the key (it was writable) or not, but never fails; and once it has run again the key is gone
 * from the selector and invalid, as the JDK's selectors leave it. Result: (keys the racing select counted,
 * keys left registered after one more select, whether the key is still valid).
 */
@JCStressTest
@Outcome(id = "1, 0, false", expect = ACCEPTABLE, desc = "selected before the close, then deregistered")
@Outcome(id = "0, 0, false", expect = ACCEPTABLE, desc = "the close came first; deregistered")
@Outcome(id = "-1, .*", expect = FORBIDDEN, desc = "the select failed")
@Outcome(id = ".*, 1, .*", expect = FORBIDDEN, desc = "a closed channel's key stayed registered")
@Outcome(id = ".*, .*, true", expect = FORBIDDEN, desc = "a closed channel's key stayed valid")
@State
public class CloseRacingSelectTest
{
    private final DatagramChannel channel = StackFixture.datagram();
    private final Selector selector;
    private final SelectionKey key;

    public CloseRacingSelectTest()
    {
        try
        {
            selector = StackFixture.PROVIDER.openSelector();
            channel.configureBlocking(false);
            key = channel.register(selector, SelectionKey.OP_WRITE);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    @Actor
    public void select(final IIZ_Result r)
    {
        try
        {
            r.r1 = selector.selectNow();
        }
        catch (final IOException | RuntimeException e)
        {
            r.r1 = -1;
        }
    }

    @Actor
    public void close()
    {
        StackFixture.close(channel);
    }

    @Arbiter
    public void arbiter(final IIZ_Result r)
    {
        try
        {
            selector.selectNow();
            r.r2 = selector.keys().size();
            r.r3 = key.isValid();
            selector.close();
        }
        catch (final IOException e)
        {
            r.r2 = -1;
        }
    }
}
