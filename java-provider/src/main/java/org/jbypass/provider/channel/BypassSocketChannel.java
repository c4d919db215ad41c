package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;

import org.jbypass.provider.config.Backend;
import org.jbypass.provider.config.Router;
import org.jbypass.provider.select.HybridChannel;
import org.jbypass.provider.select.HybridKey;

/**
 * The {@link SocketChannel} the provider hands out. It chooses what serves it when it is bound or connected (the
 * {@link Router} decides: the stack's TCP or the JDK's channel), replays the options set before that, and behaves
 * as the JDK's channel in both cases. Channels accepted by a server, UNIX-domain channels and inherited channels
 * have their backing from the start.
 *
 * <p>Locks: the backing is chosen under the channel's registration lock ({@link #blockingLock()}), so that the
 * blocking mode it is given cannot change meanwhile; a close racing the choice is caught by re-checking
 * {@link #isOpen()} after publishing the backing (the close publishes {@code closed} before it reads the backing).
 */
public final class BypassSocketChannel extends SocketChannel implements HybridChannel
{
    private final ProviderContext context;
    private final ProtocolFamily family;
    private final PendingOptions pending = new PendingOptions();
    private final ChannelKeys keys = new ChannelKeys();
    private volatile SocketBackend backend;
    private volatile Socket adaptor;

    /** A new channel, backing chosen at bind or connect. */
    BypassSocketChannel(final ProviderContext context, final ProtocolFamily family)
    {
        super(context.provider());
        this.context = context;
        this.family = family;
    }

    /** A channel served by a JDK channel from the start (UNIX-domain, accepted by a kernel listener, inherited). */
    BypassSocketChannel(final ProviderContext context, final SocketChannel platform) throws IOException
    {
        super(context.provider());
        this.context = context;
        this.family = null;
        // Both start in blocking mode; the JDK channel follows this one from now on.
        platform.configureBlocking(true);
        this.backend = new PlatformSocketBackend(this, platform);
    }

    /** A channel accepted by a stack listener; {@code backend} is connected already. */
    BypassSocketChannel(final ProviderContext context, final StackSocketFactory.Accepted accepted)
    {
        super(context.provider());
        this.context = context;
        this.family = null;
        this.backend = accepted.backend(this);
    }

    ProviderContext context()
    {
        return context;
    }

    ChannelKeys keys()
    {
        return keys;
    }

    /** Whether the stack serves this channel; false while undecided. */
    public boolean isStackBacked()
    {
        final SocketBackend b = backend;
        return b != null && b.platformChannel() == null;
    }

    private void ensureOpen() throws ClosedChannelException
    {
        if (!isOpen())
        {
            throw new ClosedChannelException();
        }
    }

    private SocketBackend backendForBind(final SocketAddress local) throws IOException
    {
        final SocketBackend b = backend;
        if (b != null)
        {
            return b;
        }
        ensureOpen();
        final InetSocketAddress isa = local == null ? null : Addresses.check(local);
        final Router router = context.router();
        return choose(router.forBind(isa == null ? null : isa.getAddress()));
    }

    private SocketBackend backendForConnect(final SocketAddress remote) throws IOException
    {
        final SocketBackend b = backend;
        if (b != null)
        {
            return b;
        }
        final InetSocketAddress isa = Addresses.check(remote);
        ensureOpen();
        return choose(context.router().forDestination(isa.getAddress()));
    }

    private SocketBackend choose(final Backend which) throws IOException
    {
        final SocketBackend chosen;
        synchronized (blockingLock())
        {
            if (backend != null)
            {
                return backend;
            }
            ensureOpen();
            final SocketBackend b;
            if (which == Backend.STACK)
            {
                b = StackSocketFactory.connectable(this, context.engine());
            }
            else
            {
                final SocketChannel platform = family == null ? context.platform().openSocketChannel()
                    : context.platform().openSocketChannel(family);
                b = new PlatformSocketBackend(this, platform);
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
            // Closed while we chose: the close may not have seen the new backing.
            chosen.close();
            throw new ClosedChannelException();
        }
        keys.backingChanged();
        return chosen;
    }

    @Override
    public SocketChannel bind(final SocketAddress local) throws IOException
    {
        backendForBind(local).bind(local);
        return this;
    }

    @Override
    public <T> SocketChannel setOption(final SocketOption<T> name, final T value) throws IOException
    {
        Objects.requireNonNull(name);
        final SocketBackend b = backend;
        if (b != null)
        {
            b.setOption(name, value);
            return this;
        }
        final PlatformDefaults.Defaults defaults = PlatformDefaults.socket(context.platform());
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
        final SocketBackend b = backend;
        if (b != null)
        {
            return b.getOption(name);
        }
        final PlatformDefaults.Defaults defaults = PlatformDefaults.socket(context.platform());
        if (!defaults.supported().contains(name))
        {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        ensureOpen();
        return pending.get(name, defaults.values());
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        final SocketBackend b = backend;
        if (b != null)
        {
            return b.supportedOptions();
        }
        try
        {
            return PlatformDefaults.socket(context.platform()).supported();
        }
        catch (final IOException e)
        {
            throw new IllegalStateException("cannot read the JDK's socket options", e);
        }
    }

    @Override
    public SocketChannel shutdownInput() throws IOException
    {
        connected().shutdownInput();
        return this;
    }

    @Override
    public SocketChannel shutdownOutput() throws IOException
    {
        connected().shutdownOutput();
        return this;
    }

    private SocketBackend connected() throws IOException
    {
        final SocketBackend b = backend;
        if (b == null)
        {
            ensureOpen();
            throw new NotYetConnectedException();
        }
        return b;
    }

    @Override
    public Socket socket()
    {
        Socket s = adaptor;
        if (s == null)
        {
            synchronized (this)
            {
                s = adaptor;
                if (s == null)
                {
                    s = adaptor = context.adaptors().socket(this);
                }
            }
        }
        return s;
    }

    @Override
    public boolean isConnected()
    {
        final SocketBackend b = backend;
        return b != null && b.isConnected();
    }

    @Override
    public boolean isConnectionPending()
    {
        final SocketBackend b = backend;
        return b != null && b.isConnectionPending();
    }

    @Override
    public boolean connect(final SocketAddress remote) throws IOException
    {
        return backendForConnect(remote).connect(remote);
    }

    @Override
    public boolean finishConnect() throws IOException
    {
        final SocketBackend b = backend;
        if (b == null)
        {
            ensureOpen();
            throw new NoConnectionPendingException();
        }
        return b.finishConnect();
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException
    {
        ensureOpen();
        final SocketBackend b = backend;
        return b == null ? null : b.remoteAddress();
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException
    {
        ensureOpen();
        final SocketBackend b = backend;
        return b == null ? null : b.localAddress();
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
    protected void implCloseSelectableChannel() throws IOException
    {
        final SocketBackend b = backend;
        if (b != null)
        {
            b.close();
        }
    }

    @Override
    protected void implConfigureBlocking(final boolean block) throws IOException
    {
        final SocketBackend b = backend;
        if (b != null)
        {
            if (block)
            {
                // The keys are cancelled (the JDK refuses to block a channel with a valid key) but the inner keys
                // of the platform channel may not be yet: cancel them, or the JDK channel refuses to block.
                keys.cancelInner();
            }
            b.configureBlocking(block);
        }
    }

    /** The JDK channel under this one was closed by an interrupt: this channel is closed too. */
    void closeAfterBackingClosed()
    {
        try
        {
            close();
        }
        catch (final IOException e)
        {
            // The backing is closed already; nothing else can fail.
        }
    }

    /** {@link #begin()} for backends. */
    void beginBlocking()
    {
        begin();
    }

    /** {@link #end(boolean)} for backends. */
    void endBlocking(final boolean completed) throws IOException
    {
        end(completed);
    }

    // HybridChannel

    @Override
    public SelectableChannel platformChannel()
    {
        final SocketBackend b = backend;
        return b == null ? null : b.platformChannel();
    }

    @Override
    public int stackReadyOps()
    {
        final SocketBackend b = backend;
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

    /** Binds, for {@code Socket.bind}. */
    public void adaptorBind(final SocketAddress local) throws IOException
    {
        bind(local);
    }

    /** A blocking connect with a timeout, for {@code Socket.connect(SocketAddress, int)}. */
    public void adaptorConnect(final SocketAddress remote, final int timeoutMillis) throws IOException
    {
        if (!isBlocking())
        {
            throw new IllegalBlockingModeException();
        }
        backendForConnect(remote).adaptorConnect(remote, timeoutMillis);
    }

    /** A blocking read with a timeout, for the adaptor's input stream. */
    public int adaptorRead(final byte[] b, final int off, final int len, final int timeoutMillis) throws IOException
    {
        Objects.checkFromIndexSize(off, len, b.length);
        if (!isBlocking())
        {
            throw new IllegalBlockingModeException();
        }
        return connected().adaptorRead(b, off, len, timeoutMillis);
    }

    /** A blocking write of everything, for the adaptor's output stream. */
    public void adaptorWrite(final byte[] b, final int off, final int len) throws IOException
    {
        Objects.checkFromIndexSize(off, len, b.length);
        if (!isBlocking())
        {
            throw new IllegalBlockingModeException();
        }
        connected().adaptorWrite(b, off, len);
    }

    /** TCP urgent data, for {@code Socket.sendUrgentData}. */
    public void adaptorSendUrgentData(final int data) throws IOException
    {
        connected().sendUrgentData(data);
    }

    /** Bytes readable without blocking, for the adaptor's input stream. */
    public int available() throws IOException
    {
        return connected().available();
    }

    public boolean isInputShutdown()
    {
        final SocketBackend b = backend;
        return b != null && b.isInputShutdown();
    }

    public boolean isOutputShutdown()
    {
        final SocketBackend b = backend;
        return b != null && b.isOutputShutdown();
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder(getClass().getSuperclass().getName()).append('[');
        final SocketBackend b = backend;
        if (!isOpen())
        {
            sb.append("closed");
        }
        else if (b == null)
        {
            sb.append("unconnected");
        }
        else
        {
            sb.append(b.isConnected() ? "connected" : b.isConnectionPending() ? "connection-pending" : "unconnected");
            try
            {
                final SocketAddress local = b.localAddress();
                if (local != null)
                {
                    sb.append(" local=").append(local);
                }
                final SocketAddress remote = b.remoteAddress();
                if (remote != null)
                {
                    sb.append(" remote=").append(remote);
                }
            }
            catch (final IOException e)
            {
                // Closed meanwhile.
            }
            sb.append(b.platformChannel() == null ? " stack" : " kernel");
        }
        return sb.append(']').toString();
    }
}
