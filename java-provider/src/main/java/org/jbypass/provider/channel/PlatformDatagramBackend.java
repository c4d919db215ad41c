package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.SelectableChannel;
import java.util.Set;

/** A {@link BypassDatagramChannel} served by the JDK's channel, untouched (see {@link PlatformSocketBackend}). */
final class PlatformDatagramBackend implements DatagramBackend
{
    private final BypassDatagramChannel owner;
    private final DatagramChannel channel;
    private DatagramSocket adaptor;
    private int timeout = -1;

    PlatformDatagramBackend(final BypassDatagramChannel owner, final DatagramChannel channel)
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

    @Override
    public void bind(final SocketAddress local) throws IOException
    {
        channel.bind(local);
    }

    @Override
    public void connect(final SocketAddress remote) throws IOException
    {
        channel.connect(remote);
    }

    @Override
    public void disconnect() throws IOException
    {
        channel.disconnect();
    }

    @Override
    public boolean isConnected()
    {
        return channel.isConnected();
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
    public SocketAddress receive(final ByteBuffer dst) throws IOException
    {
        try
        {
            return channel.receive(dst);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public int send(final ByteBuffer src, final SocketAddress target) throws IOException
    {
        try
        {
            return channel.send(src, target);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
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
    public MembershipKey join(final InetAddress group, final NetworkInterface interf) throws IOException
    {
        return channel.join(group, interf);
    }

    @Override
    public MembershipKey join(final InetAddress group, final NetworkInterface interf, final InetAddress source)
        throws IOException
    {
        return channel.join(group, interf, source);
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

    private synchronized DatagramSocket adaptor(final int timeoutMillis) throws IOException
    {
        if (adaptor == null)
        {
            adaptor = channel.socket();
        }
        if (timeoutMillis >= 0 && timeoutMillis != timeout)
        {
            adaptor.setSoTimeout(timeoutMillis);
            timeout = timeoutMillis;
        }
        return adaptor;
    }

    @Override
    public void adaptorReceive(final DatagramPacket packet, final int timeoutMillis) throws IOException
    {
        try
        {
            adaptor(timeoutMillis).receive(packet);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }

    @Override
    public void adaptorSend(final DatagramPacket packet) throws IOException
    {
        try
        {
            adaptor(-1).send(packet);
        }
        catch (final IOException e)
        {
            throw failed(e);
        }
    }
}
