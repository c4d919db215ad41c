package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * A {@link BypassServerSocketChannel} served by the JDK: accepted JDK channels are wrapped so that they too can go
 * on the provider's selectors.
 */
final class PlatformListenerBackend implements ListenerBackend
{
    private final BypassServerSocketChannel owner;
    private final ServerSocketChannel channel;
    private ServerSocket adaptor;
    private int timeout = -1;

    PlatformListenerBackend(final BypassServerSocketChannel owner, final ServerSocketChannel channel)
    {
        this.owner = owner;
        this.channel = channel;
    }

    private IOException failed(final IOException e)
    {
        if (!channel.isOpen())
        {
            owner.closeAfterBackingClosed();
        }
        return e;
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
        try
        {
            return wrap(channel.accept());
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public SocketAddress localAddress() throws IOException
    {
        return channel.getLocalAddress();
    }

    @Override
    public <T> void setOption(final SocketOption<T> name, final T value) throws IOException
    {
        channel.setOption(name, value);
    }

    @Override
    public <T> T getOption(final SocketOption<T> name) throws IOException
    {
        return channel.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        return channel.supportedOptions();
    }

    @Override
    public void configureBlocking(final boolean block) throws IOException
    {
        channel.configureBlocking(block);
    }

    @Override
    public void close() throws IOException
    {
        channel.close();
    }

    @Override
    public SelectableChannel platformChannel()
    {
        return channel;
    }

    @Override
    public int stackReadyOps()
    {
        return 0;
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
        try
        {
            final Socket accepted = s.accept();
            return wrap(accepted.getChannel());
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }
}
