package org.jbypass.provider.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;

import org.jbypass.provider.channel.BypassServerSocketChannel;

/**
 * {@code ServerSocketChannel.socket()} for the provider's channels, as the JDK's {@code ServerSocketAdaptor}:
 * every public method is overridden; accept requires blocking mode and honours SO_TIMEOUT.
 */
final class BypassServerSocketAdaptor extends ServerSocket
{
    /** The backlog of {@code bind(SocketAddress)}, as {@link ServerSocket}'s. */
    private static final int DEFAULT_BACKLOG = 50;

    private final BypassServerSocketChannel ssc;
    private volatile int timeout;

    BypassServerSocketAdaptor(final BypassServerSocketChannel ssc) throws IOException
    {
        super(new DummySocketImpl());
        this.ssc = ssc;
    }

    private InetSocketAddress localAddress()
    {
        try
        {
            return (InetSocketAddress)ssc.getLocalAddress();
        }
        catch (final IOException e)
        {
            return null;
        }
    }

    @Override
    public void bind(final SocketAddress local) throws IOException
    {
        bind(local, DEFAULT_BACKLOG);
    }

    @Override
    public void bind(final SocketAddress local, final int backlog) throws IOException
    {
        try
        {
            ssc.adaptorBind(local == null ? new InetSocketAddress(0) : local, backlog);
        }
        catch (final Exception e)
        {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public InetAddress getInetAddress()
    {
        final InetSocketAddress local = localAddress();
        return local == null ? null : local.getAddress();
    }

    @Override
    public int getLocalPort()
    {
        final InetSocketAddress local = localAddress();
        return local == null ? -1 : local.getPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress()
    {
        return localAddress();
    }

    @Override
    public Socket accept() throws IOException
    {
        try
        {
            return ssc.adaptorAccept(timeout).socket();
        }
        catch (final Exception e)
        {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public void close() throws IOException
    {
        ssc.close();
    }

    @Override
    public ServerSocketChannel getChannel()
    {
        return ssc;
    }

    @Override
    public boolean isBound()
    {
        return localAddress() != null;
    }

    @Override
    public boolean isClosed()
    {
        return !ssc.isOpen();
    }

    @Override
    public void setSoTimeout(final int timeout) throws SocketException
    {
        if (!ssc.isOpen())
        {
            throw new SocketException("Socket is closed");
        }
        if (timeout < 0)
        {
            throw new IllegalArgumentException("timeout < 0");
        }
        this.timeout = timeout;
    }

    @Override
    public int getSoTimeout() throws SocketException
    {
        if (!ssc.isOpen())
        {
            throw new SocketException("Socket is closed");
        }
        return timeout;
    }

    @Override
    public void setReuseAddress(final boolean on) throws SocketException
    {
        LegacyOptions.setStandard(ssc, StandardSocketOptions.SO_REUSEADDR, on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException
    {
        return LegacyOptions.getStandard(ssc, StandardSocketOptions.SO_REUSEADDR);
    }

    @Override
    public void setReceiveBufferSize(final int size) throws SocketException
    {
        if (size <= 0)
        {
            throw new IllegalArgumentException("size cannot be 0 or negative");
        }
        LegacyOptions.setStandard(ssc, StandardSocketOptions.SO_RCVBUF, size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException
    {
        return LegacyOptions.getStandard(ssc, StandardSocketOptions.SO_RCVBUF);
    }

    @Override
    public String toString()
    {
        if (!isBound())
        {
            return "ServerSocket[unbound]";
        }
        return "ServerSocket[addr=" + getInetAddress() + ",localport=" + getLocalPort() + "]";
    }

    @Override
    public <T> ServerSocket setOption(final SocketOption<T> name, final T value) throws IOException
    {
        ssc.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(final SocketOption<T> name) throws IOException
    {
        return ssc.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        return ssc.supportedOptions();
    }
}
