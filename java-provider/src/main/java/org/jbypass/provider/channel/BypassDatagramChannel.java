package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.MembershipKey;
import java.util.Objects;
import java.util.Set;

import org.jbypass.provider.config.Backend;
import org.jbypass.provider.select.HybridChannel;
import org.jbypass.provider.select.SelectorView;

/**
 * The {@link DatagramChannel} the provider hands out: the backing is chosen by bind, connect or the first send (by
 * the destination), options set before are replayed; a join before any of these chooses by its interface (a stack
 * interface's netdev or address: the stack; any other: the JDK), and a stack-served channel joins on stack
 * interfaces only. See
 * {@link ChannelCore} for what every kind of channel does alike.
 */
public final class BypassDatagramChannel extends DatagramChannel implements HybridChannel
{
    private final ChannelCore<DatagramBackend> core;

    BypassDatagramChannel(final ProviderContext context, final ProtocolFamily family)
    {
        super(context.provider());
        this.core = new ChannelCore<>(this, context, PlatformDefaults::datagram,
            (c, engine) -> new StackDatagramBackend(c, engine, Addresses.family6(family)),
            (c, platform) -> new PlatformDatagramBackend(c, family == null ? platform.openDatagramChannel()
                : platform.openDatagramChannel(family)), this::begin, this::end);
    }

    /** A channel served by a JDK channel from the start (inherited). */
    BypassDatagramChannel(final ProviderContext context, final DatagramChannel platform) throws IOException
    {
        this(context, (ProtocolFamily)null);
        core.backedBy(new PlatformDatagramBackend(core, platform));
    }

    @Override
    public SelectorView selectorView()
    {
        return core;
    }

    /** Whether the stack serves this channel; false while undecided. */
    public boolean isStackBacked()
    {
        return core.isStackBacked();
    }

    @Override
    public DatagramChannel bind(final SocketAddress local) throws IOException
    {
        core.forLocal(local).bind(local);
        return this;
    }

    @Override
    public <T> DatagramChannel setOption(final SocketOption<T> name, final T value) throws IOException
    {
        core.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(final SocketOption<T> name) throws IOException
    {
        return core.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        return core.supportedOptions();
    }

    @Override
    public DatagramSocket socket()
    {
        return core.adaptor(() -> core.context().adaptors().datagramSocket(this));
    }

    @Override
    public boolean isConnected()
    {
        final DatagramBackend b = core.backing();
        return b != null && b.isConnected();
    }

    @Override
    public DatagramChannel connect(final SocketAddress remote) throws IOException
    {
        core.forRemote(remote).connect(remote);
        return this;
    }

    @Override
    public DatagramChannel disconnect() throws IOException
    {
        final DatagramBackend b = core.backing();
        if (b != null)
        {
            b.disconnect();
        }
        return this;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException
    {
        core.ensureOpen();
        final DatagramBackend b = core.backing();
        return b == null ? null : b.remoteAddress();
    }

    @Override
    public SocketAddress receive(final ByteBuffer dst) throws IOException
    {
        Objects.requireNonNull(dst);
        if (dst.isReadOnly())
        {
            throw new IllegalArgumentException("Read-only buffer");
        }
        // An unbound channel is bound to the wildcard address first, as the JDK's is.
        return core.forLocal(null).receive(dst);
    }

    @Override
    public int send(final ByteBuffer src, final SocketAddress target) throws IOException
    {
        Objects.requireNonNull(src);
        return core.forRemote(target).send(src, target);
    }

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        Objects.requireNonNull(dst);
        return core.connected().read(dst);
    }

    @Override
    public long read(final ByteBuffer[] dsts, final int offset, final int length) throws IOException
    {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        return core.connected().read(dsts, offset, length);
    }

    @Override
    public int write(final ByteBuffer src) throws IOException
    {
        Objects.requireNonNull(src);
        return core.connected().write(src);
    }

    @Override
    public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        return core.connected().write(srcs, offset, length);
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException
    {
        core.ensureOpen();
        final DatagramBackend b = core.backing();
        return b == null ? null : b.localAddress();
    }

    @Override
    public MembershipKey join(final InetAddress group, final NetworkInterface interf) throws IOException
    {
        return forMulticast(group, interf).join(group, interf);
    }

    @Override
    public MembershipKey join(final InetAddress group, final NetworkInterface interf, final InetAddress source)
        throws IOException
    {
        return forMulticast(group, interf).join(group, interf, source);
    }

    /**
     * The backing, or if there is none yet the one the join's interface chooses: the stack's for a stack interface,
     * the JDK's otherwise (as the JDK's, an unbound channel may join and bind later).
     */
    private DatagramBackend forMulticast(final InetAddress group, final NetworkInterface interf) throws IOException
    {
        final DatagramBackend b = core.backing();
        if (b != null)
        {
            return b;
        }
        core.ensureOpen();
        return core.choose(core.context().router().forJoin(group, interf));
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException
    {
        core.implClose();
    }

    @Override
    protected void implConfigureBlocking(final boolean block) throws IOException
    {
        core.implConfigureBlocking(block);
    }

    // For the socket() adaptor.

    public void adaptorBind(final SocketAddress local) throws IOException
    {
        bind(local);
    }

    /** A blocking receive with a timeout (0: none), for {@code DatagramSocket.receive}. */
    public void adaptorReceive(final DatagramPacket packet, final int timeoutMillis) throws IOException
    {
        if (!isBlocking())
        {
            throw new IllegalBlockingModeException();
        }
        core.forLocal(null).adaptorReceive(packet, timeoutMillis);
    }

    /** A blocking send, for {@code DatagramSocket.send}. */
    public void adaptorSend(final DatagramPacket packet) throws IOException
    {
        if (!isBlocking())
        {
            throw new IllegalBlockingModeException();
        }
        final InetAddress address = packet.getAddress();
        final DatagramBackend b = address == null ? core.connected() : core.forRemote(packet.getSocketAddress());
        b.adaptorSend(packet);
    }

    @Override
    public String toString()
    {
        final DatagramBackend b = core.backing();
        return getClass().getSuperclass().getName() + '[' + (!isOpen() ? "closed"
            : b == null ? "unbound" : (b.isConnected() ? "connected" : "unconnected")
            + core.servedBy(b)) + ']';
    }
}
