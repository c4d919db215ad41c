package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.util.ArrayList;
import java.util.List;

/** A {@link BypassDatagramChannel} served by the JDK's channel, untouched (see {@link PlatformBacking}). */
final class PlatformDatagramBackend extends PlatformBacking<DatagramChannel> implements DatagramBackend
{
    private DatagramSocket adaptor;
    private int timeout = -1;

    /** A datagram taken from the JDK socket when the channel moves to the stack. */
    record Queued(byte[] data, InetSocketAddress source)
    {
    }

    PlatformDatagramBackend(final ChannelCore<?> owner, final DatagramChannel channel)
    {
        super(owner, channel);
    }

    /** The JDK channel's own {@code socket()}: the JDK's MulticastSocket adaptor, for its exact semantics. */
    MulticastSocket platformSocket()
    {
        // DatagramSocketAdaptor extends MulticastSocket in every JDK since 15 (JEP 373).
        return (MulticastSocket)channel.socket();
    }

    /**
     * Takes every datagram the JDK socket has queued, without waiting, for the stack backing that replaces this one.
     */
    List<Queued> drain() throws IOException
    {
        final List<Queued> queued = new ArrayList<>();
        final boolean blocking = channel.isBlocking();
        channel.configureBlocking(false);
        try
        {
            final ByteBuffer b = ByteBuffer.allocate(65_536);
            SocketAddress from;
            while ((from = channel.receive(b)) != null)
            {
                b.flip();
                final byte[] data = new byte[b.remaining()];
                b.get(data);
                b.clear();
                queued.add(new Queued(data, (InetSocketAddress)from));
            }
            return queued;
        }
        finally
        {
            // Should the move still fail, the JDK channel goes on as it was.
            channel.configureBlocking(blocking);
        }
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
    public SocketAddress remoteAddress() throws IOException
    {
        return channel.getRemoteAddress();
    }

    @Override
    public SocketAddress receive(final ByteBuffer dst) throws IOException
    {
        return call(() -> channel.receive(dst));
    }

    @Override
    public int send(final ByteBuffer src, final SocketAddress target) throws IOException
    {
        return call(() -> channel.send(src, target));
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
        call(() ->
        {
            adaptor(timeoutMillis).receive(packet);
            return null;
        });
    }

    @Override
    public void adaptorSend(final DatagramPacket packet) throws IOException
    {
        call(() ->
        {
            adaptor(-1).send(packet);
            return null;
        });
    }
}
