package org.jbypass.provider.net;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketOptions;
import java.net.StandardSocketOptions;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;

import org.jbypass.provider.channel.BypassDatagramChannel;

/**
 * The {@link DatagramSocketImpl} the agent installs for {@code java.net.DatagramSocket} and
 * {@code MulticastSocket} (the JDK wraps it in its {@code NetMulticastSocket}, which keeps the public API's checks):
 * a provider datagram channel in blocking mode, driven through its MulticastSocket adaptor, so that plain datagram
 * code is routed as channel code is and multicast calls behave as on {@code DatagramChannel.socket()}.
 *
 * <p>The JDK does not send {@code DatagramSocket} through the SelectorProvider at all (it asks
 * {@code DefaultSelectorProvider} directly), so this factory is the only way in. One difference stays: after a
 * receive, the packet's length is set with the public {@code DatagramPacket.setLength}, which also sets the
 * buffer length the next receive may fill; the JDK's own implementation sets only the former.
 */
final class BypassDatagramSocketImpl extends DatagramSocketImpl
{
    private final SelectorProvider provider;
    private BypassDatagramChannel channel;
    /**
     * The channel's adaptor, made at first use, not in {@link #create()}: the adaptor is a MulticastSocket, whose
     * constructor asks this factory for an impl of its own (which it closes at once), so making it in create would
     * never end.
     */
    private MulticastSocket socket;
    private int timeout;

    BypassDatagramSocketImpl(final SelectorProvider provider)
    {
        this.provider = provider;
    }

    @Override
    protected void create() throws SocketException
    {
        try
        {
            channel = (BypassDatagramChannel)provider.openDatagramChannel();
        }
        catch (final IOException e)
        {
            throw SocketExceptions.toSocketException(e);
        }
    }

    private MulticastSocket socket()
    {
        MulticastSocket s = socket;
        if (s == null)
        {
            s = socket = (MulticastSocket)channel.socket();
        }
        return s;
    }

    @Override
    protected void bind(final int lport, final InetAddress laddr) throws SocketException
    {
        socket().bind(new InetSocketAddress(laddr, lport));
        localPort = socket().getLocalPort();
    }

    @Override
    protected void send(final DatagramPacket p) throws IOException
    {
        socket().send(p);
    }

    @Override
    protected void connect(final InetAddress address, final int port) throws SocketException
    {
        socket().connect(new InetSocketAddress(address, port));
    }

    @Override
    protected void disconnect()
    {
        socket().disconnect();
    }

    @Override
    protected int peek(final InetAddress i) throws IOException
    {
        throw new SocketException("jbypass: peek is not supported");
    }

    @Override
    protected int peekData(final DatagramPacket p) throws IOException
    {
        // NetMulticastSocket peeks only to filter datagrams queued before a connect, and only when the impl's
        // (package-private) dataAvailable() says there are some: DatagramSocketImpl's says none, which is true
        // here (the channel discards them when it connects, as the JDK's does).
        throw new SocketException("jbypass: peek is not supported");
    }

    @Override
    protected void receive(final DatagramPacket p) throws IOException
    {
        socket().setSoTimeout(timeout);
        socket().receive(p);
    }

    @Override
    @Deprecated
    protected void setTTL(final byte ttl) throws IOException
    {
        setTimeToLive(ttl & 0xFF);
    }

    @Override
    @Deprecated
    protected byte getTTL() throws IOException
    {
        return (byte)getTimeToLive();
    }

    @Override
    protected void setTimeToLive(final int ttl) throws IOException
    {
        channel.setOption(StandardSocketOptions.IP_MULTICAST_TTL, ttl);
    }

    @Override
    protected int getTimeToLive() throws IOException
    {
        return channel.getOption(StandardSocketOptions.IP_MULTICAST_TTL);
    }

    @Override
    protected void join(final InetAddress group) throws IOException
    {
        socket().joinGroup(new InetSocketAddress(group, 0), null);
    }

    @Override
    protected void leave(final InetAddress group) throws IOException
    {
        socket().leaveGroup(new InetSocketAddress(group, 0), null);
    }

    @Override
    protected void joinGroup(final SocketAddress group, final NetworkInterface netIf) throws IOException
    {
        socket().joinGroup(group, netIf);
    }

    @Override
    protected void leaveGroup(final SocketAddress group, final NetworkInterface netIf) throws IOException
    {
        socket().leaveGroup(group, netIf);
    }

    @Override
    protected void close()
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException e)
            {
                // Closing the stack's or the JDK's datagram socket does not fail.
            }
        }
    }

    @Override
    public void setOption(final int optID, final Object value) throws SocketException
    {
        if (optID == SocketOptions.SO_TIMEOUT)
        {
            timeout = (Integer)value;
            return;
        }
        if (optID == SocketOptions.IP_MULTICAST_IF)
        {
            // MulticastSocket.setInterface: an address, which may be the stack's own (the adaptor maps it).
            socket().setInterface((InetAddress)value);
            return;
        }
        LegacyOptions.set(LegacyOptions.Kind.DATAGRAM, channel, optID, value);
    }

    @Override
    public Object getOption(final int optID) throws SocketException
    {
        if (optID == SocketOptions.SO_TIMEOUT)
        {
            return timeout;
        }
        if (optID == SocketOptions.SO_BINDADDR)
        {
            return socket().getLocalAddress();
        }
        if (optID == SocketOptions.IP_MULTICAST_IF)
        {
            return socket().getInterface();
        }
        return LegacyOptions.get(LegacyOptions.Kind.DATAGRAM, channel, optID);
    }

    @Override
    protected <T> void setOption(final SocketOption<T> name, final T value) throws IOException
    {
        channel.setOption(name, value);
    }

    @Override
    protected <T> T getOption(final SocketOption<T> name) throws IOException
    {
        return channel.getOption(name);
    }

    @Override
    protected Set<SocketOption<?>> supportedOptions()
    {
        return channel.supportedOptions();
    }
}
