package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.transport.Readiness;
import org.jbypass.provider.engine.StackEngine;

/**
 * A {@link BypassServerSocketChannel} served by a stack listener: bind and listen in one step (as the JDK's
 * {@code bind(local, backlog)}), blocking and non-blocking accept handing out provider channels already connected,
 * SO_TIMEOUT for the adaptor.
 *
 * <p>The accept handoff: the stack completes handshakes on a poller and queues the connections in the listener
 * (bounded by the backlog); an accepting thread takes one under the stack lock and attaches its listener before
 * releasing the lock, so no readiness change of the new connection is lost between the two. Locks: an accept lock,
 * then the stack lock.
 */
final class StackListenerBackend extends StackBacking implements ListenerBackend
{
    /** The JDK's default backlog for a bind with backlog 0 or less (ServerSocketChannelImpl). */
    private static final int DEFAULT_BACKLOG = 50;
    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_RCVBUF,
        StandardSocketOptions.SO_REUSEADDR);

    private final BypassServerSocketChannel owner;
    private final TcpSocket socket;
    private final ReentrantLock acceptLock = new ReentrantLock();
    private volatile boolean closed;
    private volatile InetSocketAddress local;

    StackListenerBackend(final BypassServerSocketChannel owner, final StackEngine engine) throws IOException
    {
        super(engine, owner.keys());
        this.owner = owner;
        engine.enter();
        try
        {
            socket = engine.stack().openTcp();
            socket.attach(owner);
            socket.listener(this);
            // The JDK's server sockets have SO_REUSEADDR on (Net.serverSocket).
            socket.reuseAddress(true);
            refresh(socket);
        }
        finally
        {
            engine.exit();
        }
    }

    private void ensureOpen() throws ClosedChannelException
    {
        if (closed)
        {
            throw new ClosedChannelException();
        }
    }

    @Override
    public void bind(final SocketAddress address, final int backlog) throws IOException
    {
        final InetSocketAddress isa = Addresses.checkLocal(address);
        acceptLock.lock();
        try
        {
            engine.enter();
            try
            {
                ensureOpen();
                if (local != null)
                {
                    throw new AlreadyBoundException();
                }
                int result = socket.bind(Addresses.toStack(isa.getAddress()), isa.getPort());
                if (result == 0)
                {
                    result = socket.listen(backlog < 1 ? DEFAULT_BACKLOG : backlog);
                }
                if (result < 0)
                {
                    throw Errors.bind(result);
                }
                local = Addresses.toSocketAddress(socket.localAddress(), socket.localPort());
                refresh(socket);
            }
            finally
            {
                engine.exit();
            }
        }
        finally
        {
            acceptLock.unlock();
        }
    }

    @Override
    public SocketChannel accept() throws IOException
    {
        final SocketChannel accepted = accept0(owner.isBlocking(), Long.MAX_VALUE);
        return accepted;
    }

    /** @return the connection, or null (non-blocking and none waiting, or the timeout passed) */
    private SocketChannel accept0(final boolean blocking, final long timeoutNanos) throws IOException
    {
        acceptLock.lock();
        try
        {
            ensureOpen();
            if (local == null)
            {
                throw new NotYetBoundException();
            }
            if (!blocking)
            {
                engine.enter();
                try
                {
                    return take();
                }
                finally
                {
                    refresh(socket);
                    engine.exit();
                }
            }
            SocketChannel accepted = null;
            boolean completed = false;
            owner.beginBlocking();
            boolean interrupted = false;
            try
            {
                engine.enter();
                try
                {
                    long remaining = timeoutNanos;
                    while (!closed)
                    {
                        accepted = take();
                        if (accepted != null || remaining <= 0)
                        {
                            break;
                        }
                        try
                        {
                            remaining = awaitChange(remaining);
                        }
                        catch (final InterruptedException e)
                        {
                            // Keep waiting: the interrupt closes the channel (begin() registered its
                            // interruptor) and the close wakes us; end() then throws ClosedByInterruptException.
                            // Leaving now could beat the interrupter to end() (JDK 21+ sets the status before it
                            // looks for the blocker).
                            interrupted = true;
                        }
                    }
                }
                finally
                {
                    refresh(socket);
                    if (interrupted)
                    {
                        Thread.currentThread().interrupt();
                    }
                    engine.exit();
                }
                completed = accepted != null;
            }
            finally
            {
                owner.endBlocking(completed);
            }
            return accepted;
        }
        finally
        {
            acceptLock.unlock();
        }
    }

    /** With the stack lock held: the next connection as a provider channel, or null. */
    private SocketChannel take()
    {
        final TcpSocket child = socket.accept();
        if (child == null)
        {
            return null;
        }
        return new BypassSocketChannel(owner.context(),
            (StackSocketFactory.Accepted)channel -> new StackSocketBackend(channel, engine, child));
    }

    @Override
    public SocketAddress localAddress()
    {
        return local;
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        return OPTIONS;
    }

    @Override
    public <T> void setOption(final SocketOption<T> name, final T value) throws IOException
    {
        SocketOptionValues.check(OPTIONS, name, value);
        engine.enter();
        try
        {
            ensureOpen();
            if (name == StandardSocketOptions.SO_RCVBUF)
            {
                // Accepted connections start with the listener's receive buffer, as on Linux.
                socket.receiveBufferSize((Integer)value);
            }
            else
            {
                socket.reuseAddress((Boolean)value);
            }
        }
        finally
        {
            engine.exit();
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(final SocketOption<T> name) throws IOException
    {
        SocketOptionValues.checkSupported(OPTIONS, name);
        engine.enter();
        try
        {
            ensureOpen();
            return (T)(name == StandardSocketOptions.SO_RCVBUF ? (Object)socket.receiveBufferSize()
                : (Object)socket.reuseAddress());
        }
        finally
        {
            engine.exit();
        }
    }

    @Override
    public void configureBlocking(final boolean block)
    {
        // Decided per accept from the channel's mode.
    }

    @Override
    public void close() throws IOException
    {
        engine.enter();
        try
        {
            if (closed)
            {
                return;
            }
            closed = true;
            // Resets the connections not yet accepted, as closing a listening socket does on Linux.
            socket.close();
            readyOps = 0;
            wakeAll();
        }
        finally
        {
            engine.exit();
        }
    }

    @Override
    public SelectableChannel platformChannel()
    {
        return null;
    }

    @Override
    public int stackReadyOps()
    {
        return (readyOps & Readiness.ACCEPT) != 0 ? SelectionKey.OP_ACCEPT : 0;
    }

    @Override
    public SocketChannel adaptorAccept(final int timeoutMillis) throws IOException
    {
        final long nanos = timeoutMillis == 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        final SocketChannel accepted = accept0(true, nanos);
        if (accepted == null)
        {
            throw new SocketTimeoutException("Accept timed out");
        }
        return accepted;
    }
}
