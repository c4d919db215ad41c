package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A {@link BypassServerSocketChannel} served by the JDK (see {@link PlatformBacking}): accepted JDK channels are
 * wrapped so that they too can go on the provider's selectors.
 */
final class PlatformListenerBackend extends PlatformBacking<ServerSocketChannel> implements ListenerBackend
{
    private ServerSocket adaptor;
    private int timeout = -1;

    PlatformListenerBackend(final ChannelCore<?> owner, final ServerSocketChannel channel)
    {
        super(owner, channel);
    }

    private SocketChannel wrap(final SocketChannel child) throws IOException
    {
        if (child == null)
        {
            return null;
        }
        try
        {
            return new BypassSocketChannel(owner.context(), child);
        }
        catch (final IOException | RuntimeException e)
        {
            child.close();
            throw e;
        }
    }

    @Override
    public void bind(final SocketAddress local, final int backlog) throws IOException
    {
        channel.bind(local, backlog);
    }

    @Override
    public SocketChannel accept() throws IOException
    {
        return wrap(call(channel::accept));
    }

    @Override
    public SocketChannel adaptorAccept(final int timeoutMillis) throws IOException
    {
        final ServerSocket s;
        synchronized (this)
        {
            if (adaptor == null)
            {
                adaptor = channel.socket();
            }
            if (timeout != timeoutMillis)
            {
                adaptor.setSoTimeout(timeoutMillis);
                timeout = timeoutMillis;
            }
            s = adaptor;
        }
        return wrap(call(() -> s.accept().getChannel()));
    }
}
