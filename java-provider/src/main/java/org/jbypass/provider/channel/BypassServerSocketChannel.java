package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;

import org.jbypass.provider.select.HybridChannel;
import org.jbypass.provider.select.SelectorView;

/**
 * The {@link ServerSocketChannel} the provider hands out: bind chooses the stack (a stack address, or the wildcard
 * address with {@code bind.wildcard = stack}) or the JDK, options set before are replayed, and accepted
 * connections are provider channels too. What every kind of channel does alike is in its {@link ChannelCore}.
 */
public final class BypassServerSocketChannel extends ServerSocketChannel implements HybridChannel
{
    private final ChannelCore<ListenerBackend> core;

    BypassServerSocketChannel(final ProviderContext context, final ProtocolFamily family)
    {
        super(context.provider());
        this.core = new ChannelCore<>(this, context, PlatformDefaults::serverSocket,
            (c, engine) -> new StackListenerBackend(c, engine, Addresses.family6(family)),
            (c, platform) -> new PlatformListenerBackend(c, family == null ? platform.openServerSocketChannel()
                : platform.openServerSocketChannel(family)), this::begin, this::end);
    }

    /** A channel served by a JDK channel from the start (UNIX-domain, inherited). */
    BypassServerSocketChannel(final ProviderContext context, final ServerSocketChannel platform) throws IOException
    {
        this(context, (ProtocolFamily)null);
        core.backedBy(new PlatformListenerBackend(core, platform));
    }

    @Override
    public SelectorView selectorView()
    {
        return core;
    }

    /** Whether the stack serves this channel; false while unbound. */
    public boolean isStackBacked()
    {
        return core.isStackBacked();
    }

    @Override
    public ServerSocketChannel bind(final SocketAddress local, final int backlog) throws IOException
    {
        core.forLocal(local).bind(local, backlog);
        return this;
    }

    @Override
    public <T> ServerSocketChannel setOption(final SocketOption<T> name, final T value) throws IOException
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
    public ServerSocket socket()
    {
        return core.adaptor(() -> core.context().adaptors().serverSocket(this));
    }

    private ListenerBackend bound() throws IOException
    {
        final ListenerBackend b = core.backing();
        if (b == null)
        {
            core.ensureOpen();
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
        core.ensureOpen();
        final ListenerBackend b = core.backing();
        return b == null ? null : b.localAddress();
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
        final ListenerBackend b = core.backing();
        String local = "unbound";
        if (b != null)
        {
            try
            {
                local = String.valueOf(b.localAddress()) + core.servedBy(b);
            }
            catch (final IOException e)
            {
                local = "closed";
            }
        }
        return getClass().getSuperclass().getName() + '[' + (isOpen() ? local : "closed") + ']';
    }
}
