package org.jbypass.provider.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;

import org.jbypass.provider.channel.BypassSocketChannel;

/**
 * {@code SocketChannel.socket()} for the provider's channels: a {@link Socket} over the channel, as the JDK's
 * {@code sun.nio.ch.SocketAdaptor} is over its own. Every public method is overridden (the superclass holds a
 * {@link DummySocketImpl} and opens nothing); exceptions are the adaptor's ({@link SocketExceptions}); streams
 * require blocking mode and honour SO_TIMEOUT.
 */
final class BypassSocketAdaptor extends Socket
{
    private final BypassSocketChannel sc;
    private volatile int timeout;

    BypassSocketAdaptor(final BypassSocketChannel sc) throws SocketException
    {
        super(new DummySocketImpl());
        this.sc = sc;
    }

    private InetSocketAddress localAddress()
    {
        try
        {
            return (InetSocketAddress)sc.getLocalAddress();
        }
        catch (final IOException e)
        {
            return null;
        }
    }

    private InetSocketAddress remoteAddress()
    {
        try
        {
            return (InetSocketAddress)sc.getRemoteAddress();
        }
        catch (final IOException e)
        {
            return null;
        }
    }

    @Override
    public void connect(final SocketAddress remote) throws IOException
    {
        connect(remote, 0);
    }

    @Override
    public void connect(final SocketAddress remote, final int timeout) throws IOException
    {
        if (remote == null)
        {
            throw new IllegalArgumentException("connect: The address can't be null");
        }
        if (remote instanceof InetSocketAddress && ((InetSocketAddress)remote).isUnresolved())
        {
            if (!sc.isOpen())
            {
                throw new SocketException("Socket is closed");
            }
            if (sc.isConnected())
            {
                throw new SocketException("Already connected");
            }
            close();
            throw new UnknownHostException(((InetSocketAddress)remote).getHostName());
        }
        if (timeout < 0)
        {
            throw new IllegalArgumentException("connect: timeout can't be negative");
        }
        try
        {
            sc.adaptorConnect(remote, timeout);
        }
        catch (final Exception e)
        {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public void bind(final SocketAddress local) throws IOException
    {
        try
        {
            sc.adaptorBind(local);
        }
        catch (final Exception e)
        {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public InetAddress getInetAddress()
    {
        final InetSocketAddress remote = remoteAddress();
        return remote == null ? null : remote.getAddress();
    }

    @Override
    public InetAddress getLocalAddress()
    {
        if (sc.isOpen())
        {
            final InetSocketAddress local = localAddress();
            if (local != null)
            {
                return local.getAddress();
            }
        }
        return new InetSocketAddress(0).getAddress();
    }

    @Override
    public int getPort()
    {
        final InetSocketAddress remote = remoteAddress();
        return remote == null ? 0 : remote.getPort();
    }

    @Override
    public int getLocalPort()
    {
        final InetSocketAddress local = localAddress();
        return local == null ? -1 : local.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress()
    {
        return remoteAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress()
    {
        return localAddress();
    }

    @Override
    public SocketChannel getChannel()
    {
        return sc;
    }

    @Override
    public InputStream getInputStream() throws IOException
    {
        if (!sc.isOpen())
        {
            throw new SocketException("Socket is closed");
        }
        if (!sc.isConnected())
        {
            throw new SocketException("Socket is not connected");
        }
        if (sc.isInputShutdown())
        {
            throw new SocketException("Socket input is shutdown");
        }
        return new In();
    }

    @Override
    public OutputStream getOutputStream() throws IOException
    {
        if (!sc.isOpen())
        {
            throw new SocketException("Socket is closed");
        }
        if (!sc.isConnected())
        {
            throw new SocketException("Socket is not connected");
        }
        if (sc.isOutputShutdown())
        {
            throw new SocketException("Socket output is shutdown");
        }
        return new Out();
    }

    private final class In extends InputStream
    {
        @Override
        public int read() throws IOException
        {
            final byte[] a = new byte[1];
            final int n = read(a, 0, 1);
            return n > 0 ? a[0] & 0xFF : -1;
        }

        @Override
        public int read(final byte[] b, final int off, final int len) throws IOException
        {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0)
            {
                return 0;
            }
            return sc.adaptorRead(b, off, len, timeout);
        }

        @Override
        public int available() throws IOException
        {
            return sc.available();
        }

        @Override
        public void close() throws IOException
        {
            sc.close();
        }
    }

    private final class Out extends OutputStream
    {
        @Override
        public void write(final int b) throws IOException
        {
            write(new byte[] {(byte)b}, 0, 1);
        }

        @Override
        public void write(final byte[] b, final int off, final int len) throws IOException
        {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len > 0)
            {
                sc.adaptorWrite(b, off, len);
            }
        }

        @Override
        public void close() throws IOException
        {
            sc.close();
        }
    }

    /** The JDK's internal SO_OOBINLINE, found by name among the channel's options; null for the stack. */
    private SocketOption<?> oobInline()
    {
        for (final SocketOption<?> option : sc.supportedOptions())
        {
            if ("SO_OOBINLINE".equals(option.name()))
            {
                return option;
            }
        }
        return null;
    }

    private volatile boolean oobInline;

    @Override
    public void setTcpNoDelay(final boolean on) throws SocketException
    {
        LegacyOptions.setStandard(sc, StandardSocketOptions.TCP_NODELAY, on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException
    {
        return LegacyOptions.getStandard(sc, StandardSocketOptions.TCP_NODELAY);
    }

    @Override
    public void setSoLinger(final boolean on, final int linger) throws SocketException
    {
        LegacyOptions.setStandard(sc, StandardSocketOptions.SO_LINGER, on ? linger : -1);
    }

    @Override
    public int getSoLinger() throws SocketException
    {
        return LegacyOptions.getStandard(sc, StandardSocketOptions.SO_LINGER);
    }

    @Override
    public void sendUrgentData(final int data) throws IOException
    {
        try
        {
            sc.adaptorSendUrgentData(data);
        }
        catch (final Exception e)
        {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public void setOOBInline(final boolean on) throws SocketException
    {
        final SocketOption<?> option = oobInline();
        if (option != null)
        {
            LegacyOptions.setStandard(sc, option, on);
        }
        else
        {
            if (!sc.isOpen())
            {
                throw new SocketException("Socket is closed");
            }
            // The stack never receives urgent data, so inline or not makes no difference; remember the setting.
            oobInline = on;
        }
    }

    @Override
    public boolean getOOBInline() throws SocketException
    {
        final SocketOption<?> option = oobInline();
        if (option != null)
        {
            return (Boolean)LegacyOptions.getStandard(sc, option);
        }
        if (!sc.isOpen())
        {
            throw new SocketException("Socket is closed");
        }
        return oobInline;
    }

    @Override
    public void setSoTimeout(final int timeout) throws SocketException
    {
        if (!sc.isOpen())
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
        if (!sc.isOpen())
        {
            throw new SocketException("Socket is closed");
        }
        return timeout;
    }

    @Override
    public void setSendBufferSize(final int size) throws SocketException
    {
        if (size <= 0)
        {
            throw new IllegalArgumentException("Invalid send size");
        }
        LegacyOptions.setStandard(sc, StandardSocketOptions.SO_SNDBUF, size);
    }

    @Override
    public int getSendBufferSize() throws SocketException
    {
        return LegacyOptions.getStandard(sc, StandardSocketOptions.SO_SNDBUF);
    }

    @Override
    public void setReceiveBufferSize(final int size) throws SocketException
    {
        if (size <= 0)
        {
            throw new IllegalArgumentException("Invalid receive size");
        }
        LegacyOptions.setStandard(sc, StandardSocketOptions.SO_RCVBUF, size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException
    {
        return LegacyOptions.getStandard(sc, StandardSocketOptions.SO_RCVBUF);
    }

    @Override
    public void setKeepAlive(final boolean on) throws SocketException
    {
        LegacyOptions.setStandard(sc, StandardSocketOptions.SO_KEEPALIVE, on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException
    {
        return LegacyOptions.getStandard(sc, StandardSocketOptions.SO_KEEPALIVE);
    }

    @Override
    public void setTrafficClass(final int tc) throws SocketException
    {
        LegacyOptions.setStandard(sc, StandardSocketOptions.IP_TOS, tc);
    }

    @Override
    public int getTrafficClass() throws SocketException
    {
        return LegacyOptions.getStandard(sc, StandardSocketOptions.IP_TOS);
    }

    @Override
    public void setReuseAddress(final boolean on) throws SocketException
    {
        LegacyOptions.setStandard(sc, StandardSocketOptions.SO_REUSEADDR, on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException
    {
        return LegacyOptions.getStandard(sc, StandardSocketOptions.SO_REUSEADDR);
    }

    @Override
    public void close() throws IOException
    {
        sc.close();
    }

    @Override
    public void shutdownInput() throws IOException
    {
        try
        {
            sc.shutdownInput();
        }
        catch (final Exception e)
        {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public void shutdownOutput() throws IOException
    {
        try
        {
            sc.shutdownOutput();
        }
        catch (final Exception e)
        {
            throw SocketExceptions.translate(e);
        }
    }

    @Override
    public String toString()
    {
        if (sc.isConnected())
        {
            return "Socket[addr=" + getInetAddress() + ",port=" + getPort() + ",localport=" + getLocalPort() + "]";
        }
        return "Socket[unconnected]";
    }

    @Override
    public boolean isConnected()
    {
        return sc.isConnected();
    }

    @Override
    public boolean isBound()
    {
        return localAddress() != null;
    }

    @Override
    public boolean isClosed()
    {
        return !sc.isOpen();
    }

    @Override
    public boolean isInputShutdown()
    {
        return sc.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown()
    {
        return sc.isOutputShutdown();
    }

    @Override
    public <T> Socket setOption(final SocketOption<T> name, final T value) throws IOException
    {
        sc.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(final SocketOption<T> name) throws IOException
    {
        return sc.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        return sc.supportedOptions();
    }
}
