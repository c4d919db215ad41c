package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;

/** What serves a {@link BypassServerSocketChannel} once it is bound: the JDK's channel or a stack listener. */
interface ListenerBackend extends Backing
{
    void bind(SocketAddress local, int backlog) throws IOException;

    /** The next connection as a provider channel, or null (non-blocking, none waiting). */
    SocketChannel accept() throws IOException;

    /** A blocking accept with a timeout (0: none), for the adaptor; SocketTimeoutException when it passes. */
    SocketChannel adaptorAccept(int timeoutMillis) throws IOException;
}
