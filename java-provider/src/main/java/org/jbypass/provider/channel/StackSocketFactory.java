package org.jbypass.provider.channel;

import java.io.IOException;

import org.jbypass.provider.engine.StackEngine;

/**
 * Makes the stack-backed backings of TCP channels. INTERIM: the stack's TCP is not on main yet; until it is merged,
 * a TCP socket routed to the stack fails with an IOException saying so.
 */
final class StackSocketFactory
{
    /** A connection accepted by a stack listener, waiting for its channel. */
    interface Accepted
    {
        SocketBackend backend(BypassSocketChannel owner);
    }

    private StackSocketFactory()
    {
    }

    static ListenerBackend listener(final BypassServerSocketChannel owner, final StackEngine engine)
        throws IOException
    {
        throw new IOException("jbypass: TCP on the stack is not in this build yet");
    }

    static SocketBackend connectable(final BypassSocketChannel owner, final StackEngine engine) throws IOException
    {
        throw new IOException("jbypass: TCP on the stack is not in this build yet");
    }
}
