package org.jbypass.provider.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.provider.channel.BypassDatagramChannel;
import org.jbypass.provider.config.StackInterfaces;

/**
 * {@code DatagramChannel.socket()} for the provider's channels: a {@link MulticastSocket}, as the JDK's
 * {@code DatagramSocketAdaptor} is, with its behaviour method for method (JDK 17 and 25 agree on it).
 *
 * <p>MulticastSocket has no constructor that opens no socket (the JDK's adaptor uses a private sentinel), so this
 * one is built with {@code MulticastSocket((SocketAddress)null)}, which makes an unbound delegate, and closes that
 * delegate at once: every method is overridden, so the delegate is never used. Under the agent the delegate is a
 * provider channel that was never bound, which holds nothing; with the property form alone it is a JDK datagram
 * socket, opened and closed once per {@code socket()} call.
 *
 * <p>Multicast: a channel the JDK serves (bound to a kernel address, or to the wildcard with no stack join) hands
 * its multicast calls to the JDK channel's own adaptor, so they behave exactly as without jbypass, the JDK's
 * default interface for a join without one included. A join on (or {@code setNetworkInterface} to) a stack
 * interface goes through the channel, which serves it on the stack (moving a fresh wildcard-bound channel there).
 * A join without an interface on a channel not yet bound follows the group's route: the stack when a
 * {@code route.N} covers the group, the JDK otherwise; on a stack channel it uses IP_MULTICAST_IF, else the stack
 * interface of that route, else the first.
 */
final class BypassDatagramSocketAdaptor extends MulticastSocket
{
    /** The JDK's placeholder for "no interface" (index 0, named for 0.0.0.0): only the JDK can make one. */
    private static volatile NetworkInterface anyInterface;

    private final BypassDatagramChannel dc;
    private volatile int timeout;
    /** Serialises {@code send(p, ttl)} with the TTL accessors, as the JDK's sendLock. */
    private final ReentrantLock sendLock = new ReentrantLock();
    /** {@code setInterface}'s cache, as the JDK's adaptor keeps it. */
    private final Object outgoingInterfaceLock = new Object();
    private NetworkInterface outgoingNetworkInterface;
    private InetAddress outgoingInetAddress;

    BypassDatagramSocketAdaptor(final BypassDatagramChannel dc) throws IOException
    {
        super((SocketAddress)null);
        // The unbound delegate MulticastSocket made: never used, every method being overridden.
        super.close();
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

    // Multicast, as the JDK's DatagramSocketAdaptor.

    private static InetAddress checkGroup(final SocketAddress mcastaddr) throws SocketException
    {
        if (!(mcastaddr instanceof InetSocketAddress))
        {
            throw new IllegalArgumentException("Unsupported address type");
        }
        final InetAddress group = ((InetSocketAddress)mcastaddr).getAddress();
        if (group == null)
        {
            throw new IllegalArgumentException("Unresolved address");
        }
        if (!group.isMulticastAddress())
        {
            throw new SocketException("Not a multicast address");
        }
        return group;
    }

    @Override
    @Deprecated
    public void joinGroup(final InetAddress group) throws IOException
    {
        Objects.requireNonNull(group);
        try
        {
            joinGroup(new InetSocketAddress(group, 0), null);
        }
        catch (final IllegalArgumentException e)
        {
            // The one-argument joinGroup does not specify IllegalArgumentException.
            throw (SocketException)new SocketException("joinGroup failed").initCause(e);
        }
    }

    @Override
    @Deprecated
    public void leaveGroup(final InetAddress group) throws IOException
    {
        Objects.requireNonNull(group);
        try
        {
            leaveGroup(new InetSocketAddress(group, 0), null);
        }
        catch (final IllegalArgumentException e)
        {
            throw (SocketException)new SocketException("leaveGroup failed").initCause(e);
        }
    }

    @Override
    public void joinGroup(final SocketAddress mcastaddr, final NetworkInterface netIf) throws IOException
    {
        final InetAddress group = checkGroup(mcastaddr);
        if (isClosed())
        {
            throw new SocketException("Socket is closed");
        }
        synchronized (this)
        {
            NetworkInterface ni = netIf != null ? netIf : outgoingNetworkInterface();
            if (ni == null)
            {
                // The JDK joins on the interface of the group's route: the stack's when a route.N covers it.
                dc.chooseForDefaultJoin(group);
            }
            else
            {
                // A stack interface moves a fresh wildcard-bound JDK channel to the stack first.
                dc.chooseForJoin(group, ni);
            }
            final MulticastSocket platform = dc.platformSocket();
            if (platform != null)
            {
                final NetworkInterface onPlatform = ni;
                dc.onPlatform(() ->
                {
                    platform.joinGroup(mcastaddr, onPlatform);
                    return null;
                });
                return;
            }
            if (ni == null)
            {
                ni = stackDefaultInterface(group);
            }
            if (dc.findMembership(group, ni) != null)
            {
                throw new SocketException("Already a member of group");
            }
            dc.join(group, ni);
        }
    }

    @Override
    public void leaveGroup(final SocketAddress mcastaddr, final NetworkInterface netIf) throws IOException
    {
        final InetAddress group = checkGroup(mcastaddr);
        if (isClosed())
        {
            throw new SocketException("Socket is closed");
        }
        synchronized (this)
        {
            final MulticastSocket platform = dc.platformSocket();
            if (platform != null)
            {
                platform.leaveGroup(mcastaddr, netIf);
                return;
            }
            NetworkInterface ni = netIf != null ? netIf : outgoingNetworkInterface();
            final MembershipKey key;
            if (ni == null && !dc.isStackBacked())
            {
                key = null;
            }
            else
            {
                key = dc.findMembership(group, ni != null ? ni : stackDefaultInterface(group));
            }
            if (key == null)
            {
                throw new SocketException("Not a member of group");
            }
            key.drop();
        }
    }

    /** How the configuration's stack interfaces are named; its error when the configuration is wrong. */
    private StackInterfaces stackInterfaces() throws SocketException
    {
        try
        {
            return dc.stackInterfaces();
        }
        catch (final IOException e)
        {
            throw SocketExceptions.toSocketException(e);
        }
    }

    /** The stack interface a join without one uses on a stack channel, as the JDK's NetworkInterface. */
    private NetworkInterface stackDefaultInterface(final InetAddress group) throws SocketException
    {
        final StackInterfaces interfaces = stackInterfaces();
        final int index;
        try
        {
            index = dc.defaultStackInterface(group);
        }
        catch (final IOException e)
        {
            throw SocketExceptions.toSocketException(e);
        }
        final NetworkInterface ni = interfaces.networkInterface(index);
        if (ni == null)
        {
            throw new SocketException("jbypass: a join without an interface on a stack socket uses the stack "
                + "interface on " + interfaces.hostInterface(index) + ", which the JDK does not list (a netdev "
                + "needs an address for NetworkInterface to see it): join on a NetworkInterface instead");
        }
        return ni;
    }

    @Override
    @Deprecated
    public void setInterface(final InetAddress inf) throws SocketException
    {
        if (inf == null)
        {
            throw new SocketException("Invalid value 'null'");
        }
        final MulticastSocket platform = dc.platformSocket();
        final StackInterfaces interfaces = stackInterfaces();
        final int index = inf instanceof Inet4Address ? interfaces.indexOfAddress(Ipv4Address.fromBytes(
            inf.getAddress())) : -1;
        final NetworkInterface ni;
        if (index >= 0)
        {
            // The stack's address names its interface (the JDK knows no netdev with it).
            ni = interfaces.networkInterface(index);
            if (ni == null)
            {
                throw new SocketException("jbypass: " + inf.getHostAddress() + " is the stack interface on "
                    + interfaces.hostInterface(index) + ", which the JDK does not list (a netdev needs an address "
                    + "for NetworkInterface to see it)");
            }
        }
        else if (platform != null)
        {
            platform.setInterface(inf);
            return;
        }
        else
        {
            ni = NetworkInterface.getByInetAddress(inf);
            if (ni == null)
            {
                // The JDK's words: 17's, and 25's (JDK-8348986 reworded it with its enhanced exception messages).
                throw new SocketException((Runtime.version().feature() >= 25 ? "No network interface found with "
                    : "No network interface with ") + "address " + inf.getHostAddress());
            }
        }
        synchronized (outgoingInterfaceLock)
        {
            setNetworkInterface(ni);
            outgoingNetworkInterface = ni;
            outgoingInetAddress = inf;
        }
    }

    @Override
    @Deprecated
    public InetAddress getInterface() throws SocketException
    {
        final MulticastSocket platform = dc.platformSocket();
        synchronized (outgoingInterfaceLock)
        {
            if (platform != null && outgoingNetworkInterface == null)
            {
                return platform.getInterface();
            }
            final NetworkInterface ni = outgoingNetworkInterface();
            if (ni != null)
            {
                if (ni.equals(outgoingNetworkInterface))
                {
                    return outgoingInetAddress;
                }
                // Changed since: the interface's first address; a stack interface's is the stack's.
                final StackInterfaces interfaces = stackInterfaces();
                final int index = interfaces.indexOf(ni);
                final InetAddress ia = index >= 0 ? stackAddress(Ipv4Address.toBytes(interfaces.address(index)))
                    : ni.inetAddresses().findFirst().orElse(null);
                outgoingNetworkInterface = ni;
                outgoingInetAddress = ia;
                return ia;
            }
        }
        return new InetSocketAddress(0).getAddress();
    }

    private static InetAddress stackAddress(final byte[] address)
    {
        try
        {
            return InetAddress.getByAddress(address);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException("four bytes are an IPv4 address", e);
        }
    }

    @Override
    public void setNetworkInterface(final NetworkInterface netIf) throws SocketException
    {
        try
        {
            setOption(StandardSocketOptions.IP_MULTICAST_IF, netIf);
        }
        catch (final IOException e)
        {
            throw SocketExceptions.toSocketException(e);
        }
    }

    @Override
    public NetworkInterface getNetworkInterface() throws SocketException
    {
        final NetworkInterface ni = outgoingNetworkInterface();
        return ni != null ? ni : anyNetworkInterface();
    }

    private NetworkInterface outgoingNetworkInterface() throws SocketException
    {
        return LegacyOptions.getStandard(dc, StandardSocketOptions.IP_MULTICAST_IF);
    }

    /** The JDK's placeholder interface, taken once from a JDK socket's adaptor. */
    private NetworkInterface anyNetworkInterface() throws SocketException
    {
        NetworkInterface any = anyInterface;
        if (any == null)
        {
            final MulticastSocket platform = dc.platformSocket();
            if (platform instanceof MulticastSocket)
            {
                any = ((MulticastSocket)platform).getNetworkInterface();
            }
            else
            {
                try (DatagramChannel jdk = dc.platformProvider().openDatagramChannel())
                {
                    any = ((MulticastSocket)jdk.socket()).getNetworkInterface();
                }
                catch (final IOException e)
                {
                    throw SocketExceptions.toSocketException(e);
                }
            }
            anyInterface = any;
        }
        return any;
    }

    @Override
    @Deprecated
    public void setLoopbackMode(final boolean disable) throws SocketException
    {
        LegacyOptions.setStandard(dc, StandardSocketOptions.IP_MULTICAST_LOOP, !disable);
    }

    @Override
    @Deprecated
    public boolean getLoopbackMode() throws SocketException
    {
        return !LegacyOptions.getStandard(dc, StandardSocketOptions.IP_MULTICAST_LOOP);
    }

    @Override
    @Deprecated
    public void setTTL(final byte ttl) throws IOException
    {
        setTimeToLive(Byte.toUnsignedInt(ttl));
    }

    @Override
    public void setTimeToLive(final int ttl) throws IOException
    {
        sendLock.lock();
        try
        {
            LegacyOptions.setStandard(dc, StandardSocketOptions.IP_MULTICAST_TTL, ttl);
        }
        finally
        {
            sendLock.unlock();
        }
    }

    @Override
    @Deprecated
    public byte getTTL() throws IOException
    {
        return (byte)getTimeToLive();
    }

    @Override
    public int getTimeToLive() throws IOException
    {
        sendLock.lock();
        try
        {
            return LegacyOptions.getStandard(dc, StandardSocketOptions.IP_MULTICAST_TTL);
        }
        finally
        {
            sendLock.unlock();
        }
    }

    @Override
    @Deprecated
    public void send(final DatagramPacket p, final byte ttl) throws IOException
    {
        sendLock.lock();
        try
        {
            final int oldValue = getTimeToLive();
            try
            {
                setTTL(ttl);
                send(p);
            }
            finally
            {
                setTimeToLive(oldValue);
            }
        }
        finally
        {
            sendLock.unlock();
        }
    }

    @Override
    public String toString()
    {
        return "DatagramSocket[" + (isClosed() ? "closed" : getLocalSocketAddress()) + "]";
    }
}
