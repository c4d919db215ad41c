package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectableChannel;
import java.util.Objects;
import java.util.Set;

import org.jbypass.provider.config.Backend;
import org.jbypass.provider.select.HybridChannel;
import org.jbypass.provider.select.HybridKey;

/**
 * The {@link DatagramChannel} the provider hands out: the backing is chosen by bind, connect or the first send (by
 * the destination), options set before are replayed, and multicast stays with the JDK (a join before bind gives
 * the channel to the JDK; a join on a stack-served channel fails with {@link UnsupportedOperationException}). See
 * {@link BypassSocketChannel} for the locking of the choice.
 */
public final class BypassDatagramChannel extends DatagramChannel implements HybridChannel
{
    private final ProviderContext context;
    private final ProtocolFamily family;
    private final PendingOptions pending = new PendingOptions();
    private final ChannelKeys keys = new ChannelKeys();
    private volatile DatagramBackend backend;
    private volatile DatagramSocket adaptor;

    BypassDatagramChannel(final ProviderContext context, final ProtocolFamily family)
    {
        super(context.provider());
        this.context = context;
        this.family = family;
    }

    /** A channel served by a JDK channel from the start (inherited). */
    BypassDatagramChannel(final ProviderContext context, final DatagramChannel platform) throws IOException
    {
        super(context.provider());
        this.context = context;
        this.family = null;
        platform.configureBlocking(true);
        this.backend = new PlatformDatagramBackend(this, platform);
    }

    ChannelKeys keys()
    {
        return keys;
    }

    /** Whether the stack serves this channel; false while undecided. */
    public boolean isStackBacked()
    {
        final DatagramBackend b = backend;
        return b != null && b.platformChannel() == null;
    }

    private void ensureOpen() throws ClosedChannelException
    {
        if (!isOpen())
        {
            throw new ClosedChannelException();
        }
    }

    private DatagramBackend forLocal(final SocketAddress local) throws IOException
    {
        final DatagramBackend b = backend;
        if (b != null)
        {
            return b;
        }
        final InetSocketAddress isa = local == null ? null : Addresses.check(local);
        ensureOpen();
        return choose(context.router().forBind(isa == null ? null : isa.getAddress()));
    }

    private DatagramBackend forRemote(final SocketAddress remote) throws IOException
    {
        final DatagramBackend b = backend;
        if (b != null)
        {
            return b;
        }
        final InetSocketAddress isa = Addresses.check(remote);
        ensureOpen();
        return choose(context.router().forDestination(isa.getAddress()));
    }

    private DatagramBackend choose(final Backend which) throws IOException
    {
        final DatagramBackend chosen;
        synchronized (blockingLock())
        {
            if (backend != null)
            {
                return backend;
            }
            ensureOpen();
            final DatagramBackend b;
            if (which == Backend.STACK)
            {
                b = new StackDatagramBackend(this, context.engine());
            }
            else
            {
                final DatagramChannel platform = family == null ? context.platform().openDatagramChannel()
                    : context.platform().openDatagramChannel(family);
                b = new PlatformDatagramBackend(this, platform);
            }
            try
            {
                b.configureBlocking(isBlocking());
                pending.replay(b);
            }
            catch (final IOException | RuntimeException e)
            {
                b.close();
                throw e;
            }
            backend = b;
            chosen = b;
        }
        if (!isOpen())
        {
            chosen.close();
            throw new ClosedChannelException();
        }
        keys.backingChanged();
        return chosen;
    }

    private DatagramBackend connected() throws IOException
    {
        final DatagramBackend b = backend;
        if (b == null)
        {
            ensureOpen();
            throw new NotYetConnectedException();
        }
        return b;
    }

    @Override
    public DatagramChannel bind(final SocketAddress local) throws IOException
    {
        forLocal(local).bind(local);
        return this;
    }

    @Override
    public <T> DatagramChannel setOption(final SocketOption<T> name, final T value) throws IOException
    {
        Objects.requireNonNull(name);
        final DatagramBackend b = backend;
        if (b != null)
        {
            b.setOption(name, value);
            return this;
        }
        final PlatformDefaults.Defaults defaults = PlatformDefaults.datagram(context.platform());
        SocketOptionValues.check(defaults.supported(), name, value);
        synchronized (blockingLock())
        {
            ensureOpen();
            if (backend == null)
            {
                pending.put(name, value);
                return this;
            }
        }
        backend.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(final SocketOption<T> name) throws IOException
    {
        Objects.requireNonNull(name);
        final DatagramBackend b = backend;
        if (b != null)
        {
            return b.getOption(name);
        }
        final PlatformDefaults.Defaults defaults = PlatformDefaults.datagram(context.platform());
        SocketOptionValues.checkSupported(defaults.supported(), name);
        ensureOpen();
        return pending.get(name, defaults.values());
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        final DatagramBackend b = backend;
        if (b != null)
        {
            return b.supportedOptions();
        }
        try
        {
            return PlatformDefaults.datagram(context.platform()).supported();
        }
        catch (final IOException e)
        {
            throw new IllegalStateException("cannot read the JDK's datagram options", e);
        }
    }

    @Override
    public DatagramSocket socket()
    {
        DatagramSocket s = adaptor;
        if (s == null)
        {
            synchronized (this)
            {
                s = adaptor;
                if (s == null)
                {
                    s = adaptor = context.adaptors().datagramSocket(this);
                }
            }
        }
        return s;
    }

    @Override
    public boolean isConnected()
    {
        final DatagramBackend b = backend;
        return b != null && b.isConnected();
    }

    @Override
    public DatagramChannel connect(final SocketAddress remote) throws IOException
    {
        forRemote(remote).connect(remote);
        return this;
    }

    @Override
    public DatagramChannel disconnect() throws IOException
    {
        final DatagramBackend b = backend;
        if (b != null)
        {
            b.disconnect();
        }
        return this;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException
    {
        ensureOpen();
        final DatagramBackend b = backend;
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
        return forLocal(null).receive(dst);
    }

    @Override
    public int send(final ByteBuffer src, final SocketAddress target) throws IOException
    {
        Objects.requireNonNull(src);
        return forRemote(target).send(src, target);
    }

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        Objects.requireNonNull(dst);
        return connected().read(dst);
    }

    @Override
    public long read(final ByteBuffer[] dsts, final int offset, final int length) throws IOException
    {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        return connected().read(dsts, offset, length);
    }

    @Override
    public int write(final ByteBuffer src) throws IOException
    {
        Objects.requireNonNull(src);
        return connected().write(src);
    }

    @Override
    public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        return connected().write(srcs, offset, length);
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException
    {
        ensureOpen();
        final DatagramBackend b = backend;
        return b == null ? null : b.localAddress();
    }

    @Override
    public MembershipKey join(final InetAddress group, final NetworkInterface interf) throws IOException
    {
        return forMulticast().join(group, interf);
    }

    @Override
    public MembershipKey join(final InetAddress group, final NetworkInterface interf, final InetAddress source)
        throws IOException
    {
        return forMulticast().join(group, interf, source);
    }

    private DatagramBackend forMulticast() throws IOException
    {
        final DatagramBackend b = backend;
        if (b != null)
        {
            return b;
        }
        ensureOpen();
        return choose(Backend.KERNEL);
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException
    {
        final DatagramBackend b = backend;
        if (b != null)
        {
            b.close();
        }
    }

    @Override
    protected void implConfigureBlocking(final boolean block) throws IOException
    {
        final DatagramBackend b = backend;
        if (b != null)
        {
            if (block)
            {
                keys.cancelInner();
            }
            b.configureBlocking(block);
        }
    }

    void closeAfterBackingClosed()
    {
        try
        {
            close();
        }
        catch (final IOException e)
        {
            // The backing is closed already.
        }
    }

    void beginBlocking()
    {
        begin();
    }

    void endBlocking(final boolean completed) throws IOException
    {
        end(completed);
    }

    @Override
    public SelectableChannel platformChannel()
    {
        final DatagramBackend b = backend;
        return b == null ? null : b.platformChannel();
    }

    @Override
    public int stackReadyOps()
    {
        final DatagramBackend b = backend;
        return b == null ? 0 : b.stackReadyOps();
    }

    @Override
    public void keyRegistered(final HybridKey key)
    {
        keys.add(key);
    }

    @Override
    public void keyDeregistered(final HybridKey key)
    {
        keys.remove(key);
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
        forLocal(null).adaptorReceive(packet, timeoutMillis);
    }

    /** A blocking send, for {@code DatagramSocket.send}. */
    public void adaptorSend(final DatagramPacket packet) throws IOException
    {
        if (!isBlocking())
        {
            throw new IllegalBlockingModeException();
        }
        final InetAddress address = packet.getAddress();
        final DatagramBackend b = address == null ? connected() : forRemote(packet.getSocketAddress());
        b.adaptorSend(packet);
    }

    @Override
    public String toString()
    {
        final DatagramBackend b = backend;
        return getClass().getSuperclass().getName() + '[' + (!isOpen() ? "closed"
            : b == null ? "unbound" : (b.isConnected() ? "connected" : "unconnected")
            + (b.platformChannel() == null ? " stack" : " kernel")) + ']';
    }
}
