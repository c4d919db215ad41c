package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;

import org.jbypass.provider.select.HybridChannel;
import org.jbypass.provider.select.SelectorView;

/**
 * The {@link SocketChannel} the provider hands out. It chooses what serves it when it is bound or connected (the
 * {@link Router} decides: the stack's TCP or the JDK's channel), replays the options set before that, and behaves
 * as the JDK's channel in both cases. Channels accepted by a server, UNIX-domain channels and inherited channels
 * have their backing from the start.
 *
 * <p>What every kind of channel does alike (the choice of the backing and its locking, options, keys, close) is in
 * its {@link ChannelCore}; this class adds TCP's operations.
 */
public final class BypassSocketChannel extends SocketChannel implements HybridChannel
{
    private final ChannelCore<SocketBackend> core;

    /** A new channel, backing chosen at bind or connect. */
    BypassSocketChannel(final ProviderContext context, final ProtocolFamily family)
    {
        super(context.provider());
        this.core = new ChannelCore<>(this, context, PlatformDefaults::socket,
            (c, engine) -> new StackSocketBackend(c, engine, Addresses.family6(family)),
            (c, platform) -> new PlatformSocketBackend(c, family == null ? platform.openSocketChannel()
                : platform.openSocketChannel(family)), this::begin, this::end);
    }

    /** A channel served by a JDK channel from the start (UNIX-domain, accepted by a kernel listener, inherited). */
    BypassSocketChannel(final ProviderContext context, final SocketChannel platform) throws IOException
    {
        this(context, (ProtocolFamily)null);
        core.backedBy(new PlatformSocketBackend(core, platform));
    }

    /** A channel accepted by a stack listener; {@code backend} is connected already. */
    BypassSocketChannel(final ProviderContext context, final StackListenerBackend.Accepted accepted) throws IOException
    {
        this(context, (ProtocolFamily)null);
        core.backedBy(accepted.backend(core));
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
    public SocketChannel bind(final SocketAddress local) throws IOException
    {
        core.forLocal(local).bind(local);
        return this;
    }

    @Override
    public <T> SocketChannel setOption(final SocketOption<T> name, final T value) throws IOException
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
    public SocketChannel shutdownInput() throws IOException
    {
        core.connected().shutdownInput();
        return this;
    }

    @Override
    public SocketChannel shutdownOutput() throws IOException
    {
        core.connected().shutdownOutput();
        return this;
    }

    @Override
    public Socket socket()
    {
        return core.adaptor(() -> core.context().adaptors().socket(this));
    }

    @Override
    public boolean isConnected()
    {
        final SocketBackend b = core.backing();
        return b != null && b.isConnected();
    }

    @Override
    public boolean isConnectionPending()
    {
        final SocketBackend b = core.backing();
        return b != null && b.isConnectionPending();
    }

    @Override
    public boolean connect(final SocketAddress remote) throws IOException
    {
        return core.forRemote(remote).connect(remote);
    }

    @Override
    public boolean finishConnect() throws IOException
    {
        final SocketBackend b = core.backing();
        if (b == null)
        {
            core.ensureOpen();
            throw new NoConnectionPendingException();
        }
        return b.finishConnect();
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException
    {
        core.ensureOpen();
        final SocketBackend b = core.backing();
        return b == null ? null : b.remoteAddress();
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException
    {
        core.ensureOpen();
        final SocketBackend b = core.backing();
        return b == null ? null : b.localAddress();
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
        core.forRemote(remote).adaptorConnect(remote, timeoutMillis);
    }

    /** A blocking read with a timeout, for the adaptor's input stream. */
    public int adaptorRead(final byte[] b, final int off, final int len, final int timeoutMillis) throws IOException
    {
        Objects.checkFromIndexSize(off, len, b.length);
        if (!isBlocking())
        {
            throw new IllegalBlockingModeException();
        }
        return core.connected().adaptorRead(b, off, len, timeoutMillis);
    }

    /** A blocking write of everything, for the adaptor's output stream. */
    public void adaptorWrite(final byte[] b, final int off, final int len) throws IOException
    {
        Objects.checkFromIndexSize(off, len, b.length);
        if (!isBlocking())
        {
            throw new IllegalBlockingModeException();
        }
        core.connected().adaptorWrite(b, off, len);
    }

    /** TCP urgent data, for {@code Socket.sendUrgentData}. */
    public void adaptorSendUrgentData(final int data) throws IOException
    {
        core.connected().sendUrgentData(data);
    }

    /** Bytes readable without blocking, for the adaptor's input stream. */
    public int available() throws IOException
    {
        return core.connected().available();
    }

    public boolean isInputShutdown()
    {
        final SocketBackend b = core.backing();
        return b != null && b.isInputShutdown();
    }

    public boolean isOutputShutdown()
    {
        final SocketBackend b = core.backing();
        return b != null && b.isOutputShutdown();
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder(getClass().getSuperclass().getName()).append('[');
        final SocketBackend b = core.backing();
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
            sb.append(core.servedBy(b));
        }
        return sb.append(']').toString();
    }
}
