package org.jbypass.provider.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.jbypass.provider.channel.BypassDatagramChannel;

/**
 * {@code DatagramChannel.socket()} for the provider's channels, as the JDK's {@code DatagramSocketAdaptor}, with
 * one difference: it is a plain {@link DatagramSocket}, not a {@code MulticastSocket}, because MulticastSocket has
 * no constructor that opens no socket (the JDK's uses a private sentinel). Multicast groups are still joined with
 * {@link #joinGroup(SocketAddress, NetworkInterface)}.
 */
final class BypassDatagramSocketAdaptor extends DatagramSocket
{
    private final BypassDatagramChannel dc;
    private final Map<SocketAddress, MembershipKey> memberships = new HashMap<>();
    private volatile int timeout;

    BypassDatagramSocketAdaptor(final BypassDatagramChannel dc)
    {
        super(new DummyDatagramSocketImpl());
        this.dc = dc;
    }

    private InetSocketAddress localAddress()
    {
        try
        {
            return (InetSocketAddress)dc.getLocalAddress();
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
            return (InetSocketAddress)dc.getRemoteAddress();
        }
        catch (final IOException e)
        {
            return null;
        }
    }

    private static InetSocketAddress asInet(final SocketAddress address)
    {
        if (!(address instanceof InetSocketAddress))
        {
            throw new IllegalArgumentException("Unsupported address type");
        }
        return (InetSocketAddress)address;
    }

    @Override
    public void bind(final SocketAddress local) throws SocketException
    {
        try
        {
            dc.adaptorBind(local == null ? new InetSocketAddress(0) : asInet(local));
        }
        catch (final Exception e)
        {
            throw SocketExceptions.toSocketException(e);
        }
    }

    private void connectInternal(final SocketAddress remote) throws SocketException
    {
        try
        {
            if (dc.isConnected())
            {
                // The JDK's adaptor reconnects (DatagramChannelImpl.connect(remote, false)).
                dc.disconnect();
            }
            dc.connect(remote);
        }
        catch (final ClosedChannelException e)
        {
            // As the JDK's adaptor: connecting a closed socket is silently ignored.
        }
        catch (final Exception e)
        {
            throw SocketExceptions.toSocketException(e);
        }
    }

    @Override
    public void connect(final InetAddress address, final int port)
    {
        if (address == null)
        {
            throw new IllegalArgumentException("Address can't be null");
        }
        try
        {
            connectInternal(new InetSocketAddress(address, port));
        }
        catch (final SocketException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void connect(final SocketAddress remote) throws SocketException
    {
        if (remote == null)
        {
            throw new IllegalArgumentException("Address can't be null");
        }
        connectInternal(asInet(remote));
    }

    @Override
    public void disconnect()
    {
        try
        {
            dc.disconnect();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean isBound()
    {
        return localAddress() != null;
    }

    @Override
    public boolean isConnected()
    {
        return remoteAddress() != null;
    }

    @Override
    public InetAddress getInetAddress()
    {
        final InetSocketAddress remote = remoteAddress();
        return remote != null ? remote.getAddress() : null;
    }

    @Override
    public int getPort()
    {
        final InetSocketAddress remote = remoteAddress();
        return remote != null ? remote.getPort() : -1;
    }

    @Override
    public SocketAddress getRemoteSocketAddress()
    {
        return remoteAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress()
    {
        return isClosed() ? null : localAddress();
    }

    @Override
    public void send(final DatagramPacket p) throws IOException
    {
        try
        {
            synchronized (p)
            {
                dc.adaptorSend(p);
            }
        }
        catch (final AlreadyConnectedException e)
        {
            throw new IllegalArgumentException("Connected and packet address differ");
        }
        catch (final ClosedChannelException e)
        {
            throw closed(e);
        }
    }

    @Override
    public void receive(final DatagramPacket p) throws IOException
    {
        try
        {
            synchronized (p)
            {
                dc.adaptorReceive(p, timeout);
            }
        }
        catch (final java.nio.channels.ClosedByInterruptException e)
        {
            throw e;
        }
        catch (final ClosedChannelException e)
        {
            throw closed(e);
        }
    }

    private static SocketException closed(final ClosedChannelException cause)
    {
        final SocketException e = new SocketException("Socket closed");
        e.initCause(cause);
        return e;
    }

    @Override
    public InetAddress getLocalAddress()
    {
        if (isClosed())
        {
            return null;
        }
        InetSocketAddress local = localAddress();
        if (local == null)
        {
            local = new InetSocketAddress(0);
        }
        return local.getAddress();
    }

    @Override
    public int getLocalPort()
    {
        if (isClosed())
        {
            return -1;
        }
        final InetSocketAddress local = localAddress();
        return local != null ? local.getPort() : 0;
    }

    @Override
    public void setSoTimeout(final int timeout) throws SocketException
    {
        if (isClosed())
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
        if (isClosed())
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
        LegacyOptions.setStandard(dc, StandardSocketOptions.SO_SNDBUF, size);
    }

    @Override
    public int getSendBufferSize() throws SocketException
    {
        return LegacyOptions.getStandard(dc, StandardSocketOptions.SO_SNDBUF);
    }

    @Override
    public void setReceiveBufferSize(final int size) throws SocketException
    {
        if (size <= 0)
        {
            throw new IllegalArgumentException("Invalid receive size");
        }
        LegacyOptions.setStandard(dc, StandardSocketOptions.SO_RCVBUF, size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException
    {
        return LegacyOptions.getStandard(dc, StandardSocketOptions.SO_RCVBUF);
    }

    @Override
    public void setReuseAddress(final boolean on) throws SocketException
    {
        LegacyOptions.setStandard(dc, StandardSocketOptions.SO_REUSEADDR, on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException
    {
        return LegacyOptions.getStandard(dc, StandardSocketOptions.SO_REUSEADDR);
    }

    @Override
    public void setBroadcast(final boolean on) throws SocketException
    {
        LegacyOptions.setStandard(dc, StandardSocketOptions.SO_BROADCAST, on);
    }

    @Override
    public boolean getBroadcast() throws SocketException
    {
        return LegacyOptions.getStandard(dc, StandardSocketOptions.SO_BROADCAST);
    }

    @Override
    public void setTrafficClass(final int tc) throws SocketException
    {
        LegacyOptions.setStandard(dc, StandardSocketOptions.IP_TOS, tc);
    }

    @Override
    public int getTrafficClass() throws SocketException
    {
        return LegacyOptions.getStandard(dc, StandardSocketOptions.IP_TOS);
    }

    @Override
    public void close()
    {
        try
        {
            dc.close();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean isClosed()
    {
        return !dc.isOpen();
    }

    @Override
    public DatagramChannel getChannel()
    {
        return dc;
    }

    @Override
    public <T> DatagramSocket setOption(final SocketOption<T> name, final T value) throws IOException
    {
        dc.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(final SocketOption<T> name) throws IOException
    {
        return dc.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        return dc.supportedOptions();
    }

    @Override
    public void joinGroup(final SocketAddress group, final NetworkInterface interf) throws IOException
    {
        final InetSocketAddress isa = asInet(group);
        final NetworkInterface nif = interf != null ? interf : dc.getOption(StandardSocketOptions.IP_MULTICAST_IF);
        if (nif == null)
        {
            throw new SocketException("jbypass: give the network interface to join " + isa.getAddress() + " on");
        }
        synchronized (memberships)
        {
            if (memberships.containsKey(group))
            {
                throw new SocketException("Already a member of group");
            }
            memberships.put(group, dc.join(isa.getAddress(), nif));
        }
    }

    @Override
    public void leaveGroup(final SocketAddress group, final NetworkInterface interf) throws IOException
    {
        asInet(group);
        final MembershipKey key;
        synchronized (memberships)
        {
            key = memberships.remove(group);
        }
        if (key == null)
        {
            throw new SocketException("Not a member of group");
        }
        key.drop();
    }

    @Override
    public String toString()
    {
        return "DatagramSocket[" + (isClosed() ? "closed" : getLocalSocketAddress()) + "]";
    }
}
