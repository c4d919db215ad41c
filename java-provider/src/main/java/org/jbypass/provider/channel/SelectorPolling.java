package org.jbypass.provider.channel;

import org.jbypass.provider.engine.StackEngine;
import org.jbypass.provider.engine.StackLock;
import org.jbypass.provider.select.StackPolling;

/**
 * The provider's stack as a selector drives it while it waits for stack keys: every interface's queues, for the
 * longest busy-wait time of any interface (a selector's keys may be served by any). A selector opened before the
 * stack started drives nothing until it has.
 */
final class SelectorPolling implements StackPolling
{
    private final ProviderContext context;

    SelectorPolling(final ProviderContext context)
    {
        this.context = context;
    }

    @Override
    public long busyWaitNanos()
    {
        final StackEngine engine = context.startedEngine();
        return engine == null || engine.isClosed() ? 0 : engine.lock().busyWaitNanos(-1);
    }

    @Override
    public void poll(final int turn)
    {
        final StackEngine engine = context.startedEngine();
        if (engine != null)
        {
            engine.lock().tryPoll(-1, turn);
        }
    }

    @Override
    public void pause()
    {
        final StackEngine engine = context.startedEngine();
        if (engine != null)
        {
            engine.lock().spinPause();
        }
        else
        {
            Thread.onSpinWait();
        }
    }

    @Override
    public void spinning(final boolean on)
    {
        if (on)
        {
            StackLock.beginSpin(false);
        }
        else
        {
            StackLock.endSpin(false);
        }
    }
}
