package org.jbypass.provider.channel;

import java.io.IOException;

import org.jbypass.provider.engine.StackEngine;

/** Makes the stack-backed backings of TCP channels. */
final class StackSocketFactory
{
    /** A connection accepted by a stack listener, waiting for its channel. */
    interface Accepted
    {
        SocketBackend backend(ChannelCore<SocketBackend> core);
    }

    private StackSocketFactory()
    {
    }

    static ListenerBackend listener(final ChannelCore<ListenerBackend> owner, final StackEngine engine)
        throws IOException
    {
        return new StackListenerBackend(owner, engine);
    }

    static SocketBackend connectable(final ChannelCore<SocketBackend> owner, final StackEngine engine)
        throws IOException
    {
        return new StackSocketBackend(owner, engine);
    }
}
