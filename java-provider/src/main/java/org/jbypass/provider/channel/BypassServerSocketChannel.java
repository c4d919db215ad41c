package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;

import org.jbypass.provider.config.Backend;
import org.jbypass.provider.select.HybridChannel;
import org.jbypass.provider.select.HybridKey;

/**
 * The {@link ServerSocketChannel} the provider hands out: bind chooses the stack (a stack address, or the wildcard
 * address with {@code bind.wildcard = stack}) or the JDK, options set before are replayed, and accepted
 * connections are provider channels too. See {@link BypassSocketChannel} for the locking of the choice.
 */
public final class BypassServerSocketChannel extends ServerSocketChannel implements HybridChannel
{
    private final ProviderContext context;
    private final ProtocolFamily family;
    private final PendingOptions pending = new PendingOptions();
    private final ChannelKeys keys = new ChannelKeys();
    private volatile ListenerBackend backend;
    private volatile ServerSocket adaptor;

    BypassServerSocketChannel(final ProviderContext context, final ProtocolFamily family)
    {
        super(context.provider());
        this.context = context;
        this.family = family;
    }

    /** A channel served by a JDK channel from the start (UNIX-domain, inherited). */
    BypassServerSocketChannel(final ProviderContext context, final ServerSocketChannel platform) throws IOException
    {
        super(context.provider());
        this.context = context;
        this.family = null;
        platform.configureBlocking(true);
        this.backend = new PlatformListenerBackend(this, platform);
    }

    ProviderContext context()
    {
        return context;
    }

    ChannelKeys keys()
    {
        return keys;
    }

    /** Whether the stack serves this channel; false while unbound. */
    public boolean isStackBacked()
    {
        final ListenerBackend b = backend;
        return b != null && b.platformChannel() == null;
    }

    private void ensureOpen() throws ClosedChannelException
    {
        if (!isOpen())
        {
            throw new ClosedChannelException();
        }
    }

    private ListenerBackend choose(final Backend which) throws IOException
    {
        final ListenerBackend chosen;
        synchronized (blockingLock())
        {
            if (backend != null)
            {
                return backend;
            }
            ensureOpen();
            final ListenerBackend b;
            if (which == Backend.STACK)
            {
                b = StackSocketFactory.listener(this, context.engine());
            }
            else
            {
                final ServerSocketChannel platform = family == null ? context.platform().openServerSocketChannel()
                    : context.platform().openServerSocketChannel(family);
                b = new PlatformListenerBackend(this, platform);
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

    @Override
    public ServerSocketChannel bind(final SocketAddress local, final int backlog) throws IOException
    {
        ListenerBackend b = backend;
        if (b == null)
        {
            final InetSocketAddress isa = local == null ? null : Addresses.check(local);
            ensureOpen();
            b = choose(context.router().forBind(isa == null ? null : isa.getAddress()));
        }
        b.bind(local, backlog);
        return this;
    }

    @Override
    public <T> ServerSocketChannel setOption(final SocketOption<T> name, final T value) throws IOException
    {
        Objects.requireNonNull(name);
        final ListenerBackend b = backend;
        if (b != null)
        {
            b.setOption(name, value);
            return this;
        }
        final PlatformDefaults.Defaults defaults = PlatformDefaults.serverSocket(context.platform());
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
        final ListenerBackend b = backend;
        if (b != null)
        {
            return b.getOption(name);
        }
        final PlatformDefaults.Defaults defaults = PlatformDefaults.serverSocket(context.platform());
        SocketOptionValues.checkSupported(defaults.supported(), name);
        ensureOpen();
        return pending.get(name, defaults.values());
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        final ListenerBackend b = backend;
        if (b != null)
        {
            return b.supportedOptions();
        }
        try
        {
            return PlatformDefaults.serverSocket(context.platform()).supported();
        }
        catch (final IOException e)
        {
            throw new IllegalStateException("cannot read the JDK's server socket options", e);
        }
    }

    @Override
    public ServerSocket socket()
    {
        ServerSocket s = adaptor;
        if (s == null)
        {
            synchronized (this)
            {
                s = adaptor;
                if (s == null)
                {
                    s = adaptor = context.adaptors().serverSocket(this);
                }
            }
        }
        return s;
    }

    private ListenerBackend bound() throws IOException
    {
        final ListenerBackend b = backend;
        if (b == null)
        {
            ensureOpen();
            throw new NotYetBoundException();
        }
        return b;
    }

    @Override
    public SocketChannel accept() throws IOException
    {
        return bound().accept();
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException
    {
        ensureOpen();
        final ListenerBackend b = backend;
        return b == null ? null : b.localAddress();
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException
    {
        final ListenerBackend b = backend;
        if (b != null)
        {
            b.close();
        }
    }

    @Override
    protected void implConfigureBlocking(final boolean block) throws IOException
    {
        final ListenerBackend b = backend;
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
        final ListenerBackend b = backend;
        return b == null ? null : b.platformChannel();
    }

    @Override
    public int stackReadyOps()
    {
        final ListenerBackend b = backend;
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

    /** Binds with a backlog, for {@code ServerSocket.bind}. */
    public void adaptorBind(final SocketAddress local, final int backlog) throws IOException
    {
        bind(local, backlog);
    }

    /** A blocking accept with a timeout (0: none), for {@code ServerSocket.accept}. */
    public SocketChannel adaptorAccept(final int timeoutMillis) throws IOException
    {
        if (!isBlocking())
        {
            throw new IllegalBlockingModeException();
        }
        return bound().adaptorAccept(timeoutMillis);
    }

    @Override
    public String toString()
    {
        final ListenerBackend b = backend;
        String local = "unbound";
        if (b != null)
        {
            try
            {
                local = String.valueOf(b.localAddress()) + (b.platformChannel() == null ? " stack" : " kernel");
            }
            catch (final IOException e)
            {
                local = "closed";
            }
        }
        return getClass().getSuperclass().getName() + '[' + (isOpen() ? local : "closed") + ']';
    }
}
