package org.jbypass.provider.net;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * The {@link DatagramSocketImpl} the agent installs for {@code java.net.DatagramSocket} (and MulticastSocket): a
 * provider datagram channel in blocking mode, driven through its adaptor, so that plain datagram code is routed as
 * channel code is.
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
    private DatagramSocket socket;
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
        socket = channel.socket();
    }

    @Override
    protected void bind(final int lport, final InetAddress laddr) throws SocketException
    {
        socket.bind(new InetSocketAddress(laddr, lport));
        localPort = socket.getLocalPort();
    }

    @Override
    protected void send(final DatagramPacket p) throws IOException
    {
        socket.send(p);
    }

    @Override
    protected void connect(final InetAddress address, final int port) throws SocketException
    {
        socket.connect(new InetSocketAddress(address, port));
    }

    @Override
    protected void disconnect()
    {
        socket.disconnect();
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
        socket.setSoTimeout(timeout);
        socket.receive(p);
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
        joinGroup(new InetSocketAddress(group, 0), null);
    }

    @Override
    protected void leave(final InetAddress group) throws IOException
    {
        leaveGroup(new InetSocketAddress(group, 0), null);
    }

    @Override
    protected void joinGroup(final SocketAddress group, final NetworkInterface netIf) throws IOException
    {
        socket.joinGroup(group, netIf);
    }

    @Override
    protected void leaveGroup(final SocketAddress group, final NetworkInterface netIf) throws IOException
    {
        socket.leaveGroup(group, netIf);
    }

    @Override
    protected void close()
    {
        if (socket != null)
        {
            socket.close();
        }
    }

    @Override
    public void setOption(final int optID, final Object value) throws SocketException
    {
        switch (optID)
        {
            case SocketOptions.SO_TIMEOUT:
                timeout = (Integer)value;
                break;
            case SocketOptions.SO_SNDBUF:
                socket.setSendBufferSize((Integer)value);
                break;
            case SocketOptions.SO_RCVBUF:
                socket.setReceiveBufferSize((Integer)value);
                break;
            case SocketOptions.SO_REUSEADDR:
                socket.setReuseAddress((Boolean)value);
                break;
            case SocketOptions.SO_BROADCAST:
                socket.setBroadcast((Boolean)value);
                break;
            case SocketOptions.IP_TOS:
                socket.setTrafficClass((Integer)value);
                break;
            case SocketOptions.IP_MULTICAST_IF2:
                set(StandardSocketOptions.IP_MULTICAST_IF, (NetworkInterface)value);
                break;
            case SocketOptions.IP_MULTICAST_IF:
                set(StandardSocketOptions.IP_MULTICAST_IF, NetworkInterface.getByInetAddress((InetAddress)value));
                break;
            case SocketOptions.IP_MULTICAST_LOOP:
                // SocketOptions.IP_MULTICAST_LOOP is "disable loopback", the opposite of the standard option.
                set(StandardSocketOptions.IP_MULTICAST_LOOP, !(Boolean)value);
                break;
            default:
                throw new SocketException("jbypass: unknown datagram socket option " + optID);
        }
    }

    private <T> void set(final SocketOption<T> name, final T value) throws SocketException
    {
        try
        {
            channel.setOption(name, value);
        }
        catch (final IOException e)
        {
            throw SocketExceptions.toSocketException(e);
        }
    }

    private <T> T get(final SocketOption<T> name) throws SocketException
    {
        try
        {
            return channel.getOption(name);
        }
        catch (final IOException e)
        {
            throw SocketExceptions.toSocketException(e);
        }
    }

    @Override
    public Object getOption(final int optID) throws SocketException
    {
        switch (optID)
        {
            case SocketOptions.SO_TIMEOUT:
                return timeout;
            case SocketOptions.SO_SNDBUF:
                return socket.getSendBufferSize();
            case SocketOptions.SO_RCVBUF:
                return socket.getReceiveBufferSize();
            case SocketOptions.SO_REUSEADDR:
                return socket.getReuseAddress();
            case SocketOptions.SO_BROADCAST:
                return socket.getBroadcast();
            case SocketOptions.IP_TOS:
                return socket.getTrafficClass();
            case SocketOptions.SO_BINDADDR:
                return socket.getLocalAddress();
            case SocketOptions.IP_MULTICAST_IF2:
                return get(StandardSocketOptions.IP_MULTICAST_IF);
            case SocketOptions.IP_MULTICAST_LOOP:
                return !get(StandardSocketOptions.IP_MULTICAST_LOOP);
            default:
                throw new SocketException("jbypass: unknown datagram socket option " + optID);
        }
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
