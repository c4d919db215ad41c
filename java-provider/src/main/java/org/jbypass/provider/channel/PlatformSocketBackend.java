package org.jbypass.provider.channel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A {@link BypassSocketChannel} served by the JDK's channel, untouched (see {@link PlatformBacking}). */
final class PlatformSocketBackend extends PlatformBacking<SocketChannel> implements SocketBackend
{
    private Socket adaptor;
    private InputStream in;
    private OutputStream out;
    private int timeout = -1;

    PlatformSocketBackend(final ChannelCore<?> owner, final SocketChannel channel)
    {
        super(owner, channel);
    }

    @Override
    public void bind(final SocketAddress local) throws IOException
    {
        channel.bind(local);
    }

    @Override
    public boolean connect(final SocketAddress remote) throws IOException
    {
        return call(() -> channel.connect(remote));
    }

    @Override
    public boolean finishConnect() throws IOException
    {
        return call(channel::finishConnect);
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
    public SocketAddress remoteAddress() throws IOException
    {
        return channel.getRemoteAddress();
    }

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        return call(() -> channel.read(dst));
    }

    @Override
    public long read(final ByteBuffer[] dsts, final int offset, final int length) throws IOException
    {
        return call(() -> channel.read(dsts, offset, length));
    }

    @Override
    public int write(final ByteBuffer src) throws IOException
    {
        return call(() -> channel.write(src));
    }

    @Override
    public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        return call(() -> channel.write(srcs, offset, length));
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

    /** The JDK channel's own adaptor, with SO_TIMEOUT set to {@code timeoutMillis} (-1: as it was, 0 if never set). */
    private synchronized Socket adaptor(final int timeoutMillis) throws IOException
    {
        if (adaptor == null)
        {
            adaptor = channel.socket();
        }
        final int wanted = timeoutMillis >= 0 ? timeoutMillis : timeout < 0 ? 0 : timeout;
        if (wanted != timeout)
        {
            adaptor.setSoTimeout(wanted);
            timeout = wanted;
        }
        return adaptor;
    }

    private synchronized InputStream input(final int timeoutMillis) throws IOException
    {
        final Socket s = adaptor(timeoutMillis);
        if (in == null)
        {
            in = s.getInputStream();
        }
        return in;
    }

    @Override
    public void adaptorConnect(final SocketAddress remote, final int timeoutMillis) throws IOException
    {
        call(() ->
        {
            adaptor(0).connect(remote, timeoutMillis);
            return null;
        });
    }

    @Override
    public int adaptorRead(final byte[] b, final int off, final int len, final int timeoutMillis) throws IOException
    {
        final InputStream stream = input(timeoutMillis);
        return call(() -> stream.read(b, off, len));
    }

    @Override
    public void adaptorWrite(final byte[] b, final int off, final int len) throws IOException
    {
        final OutputStream stream;
        synchronized (this)
        {
            final Socket s = adaptor(-1);
            if (out == null)
            {
                out = s.getOutputStream();
            }
            stream = out;
        }
        call(() ->
        {
            stream.write(b, off, len);
            return null;
        });
    }

    @Override
    public void sendUrgentData(final int data) throws IOException
    {
        call(() ->
        {
            adaptor(-1).sendUrgentData(data);
            return null;
        });
    }

    @Override
    public int available() throws IOException
    {
        return input(-1).available();
    }
}
