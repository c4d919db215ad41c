package org.jbypass.provider.channel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * A {@link BypassSocketChannel} served by the JDK: every operation is the JDK channel's own, so kernel sockets
 * behave exactly as without jbypass. The JDK channel's blocking mode follows the wrapper's; its interrupt handling
 * is its own (a thread has one blocker slot, so the wrapper does not call {@code begin()} around it), and when an
 * interrupt or a failure closes it the wrapper closes too, as the JDK's channel would have.
 */
final class PlatformSocketBackend implements SocketBackend
{
    private final BypassSocketChannel owner;
    private final SocketChannel channel;
    private Socket adaptor;
    private InputStream in;
    private OutputStream out;
    private int timeout = -1;

    PlatformSocketBackend(final BypassSocketChannel owner, final SocketChannel channel)
    {
        this.owner = owner;
        this.channel = channel;
    }

    SocketChannel channel()
    {
        return channel;
    }

    /** After any failure: if the JDK channel was closed under us (an interrupt), close the wrapper too. */
    private IOException failed(final IOException e)
    {
        if (!channel.isOpen())
        {
            owner.closeAfterBackingClosed();
        }
        return e;
    }

    @Override
    public void bind(final SocketAddress local) throws IOException
    {
        channel.bind(local);
    }

    @Override
    public boolean connect(final SocketAddress remote) throws IOException
    {
        try
        {
            return channel.connect(remote);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public boolean finishConnect() throws IOException
    {
        try
        {
            return channel.finishConnect();
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public boolean isConnected()
    {
        return channel.isConnected();
    }

    @Override
    public boolean isConnectionPending()
    {
        return channel.isConnectionPending();
    }

    @Override
    public SocketAddress localAddress() throws IOException
    {
        return channel.getLocalAddress();
    }

    @Override
    public SocketAddress remoteAddress() throws IOException
    {
        return channel.getRemoteAddress();
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
    public int read(final ByteBuffer dst) throws IOException
    {
        try
        {
            return channel.read(dst);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public long read(final ByteBuffer[] dsts, final int offset, final int length) throws IOException
    {
        try
        {
            return channel.read(dsts, offset, length);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public int write(final ByteBuffer src) throws IOException
    {
        try
        {
            return channel.write(src);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        try
        {
            return channel.write(srcs, offset, length);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public void shutdownInput() throws IOException
    {
        channel.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException
    {
        channel.shutdownOutput();
    }

    @Override
    public boolean isInputShutdown()
    {
        return channel.socket().isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown()
    {
        return channel.socket().isOutputShutdown();
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

    private synchronized Socket adaptor(final int timeoutMillis) throws IOException
    {
        if (adaptor == null)
        {
            adaptor = channel.socket();
        }
        if (timeoutMillis != timeout)
        {
            adaptor.setSoTimeout(timeoutMillis);
            timeout = timeoutMillis;
        }
        return adaptor;
    }

    @Override
    public void adaptorConnect(final SocketAddress remote, final int timeoutMillis) throws IOException
    {
        try
        {
            adaptor(0).connect(remote, timeoutMillis);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public int adaptorRead(final byte[] b, final int off, final int len, final int timeoutMillis) throws IOException
    {
        final InputStream stream;
        synchronized (this)
        {
            final Socket s = adaptor(timeoutMillis);
            if (in == null)
            {
                in = s.getInputStream();
            }
            stream = in;
        }
        try
        {
            return stream.read(b, off, len);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public void adaptorWrite(final byte[] b, final int off, final int len) throws IOException
    {
        final OutputStream stream;
        synchronized (this)
        {
            final Socket s = adaptor(timeout < 0 ? 0 : timeout);
            if (out == null)
            {
                out = s.getOutputStream();
            }
            stream = out;
        }
        try
        {
            stream.write(b, off, len);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public void sendUrgentData(final int data) throws IOException
    {
        try
        {
            adaptor(timeout < 0 ? 0 : timeout).sendUrgentData(data);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public int available() throws IOException
    {
        final InputStream stream;
        synchronized (this)
        {
            final Socket s = adaptor(timeout < 0 ? 0 : timeout);
            if (in == null)
            {
                in = s.getInputStream();
            }
            stream = in;
        }
        return stream.available();
    }
}
