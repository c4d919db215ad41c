package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.transport.Readiness;
import org.jbypass.netstack.util.Errno;
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
final class StackListenerBackend extends StackBacking<TcpSocket> implements ListenerBackend
{
    /** A connection this listener accepted, waiting for its channel to give it a backing. */
    @FunctionalInterface
    interface Accepted
    {
        SocketBackend backend(ChannelCore<SocketBackend> core);
    }

    /** The JDK's default backlog for a bind with backlog 0 or less (ServerSocketChannelImpl). */
    private static final int DEFAULT_BACKLOG = 50;
    private static final OptionTable<TcpSocket> OPTIONS = OptionTable.<TcpSocket>builder()
        // Accepted connections start with the listener's receive buffer, as on Linux.
        .option(StandardSocketOptions.SO_RCVBUF, TcpSocket::receiveBufferSize, TcpSocket::receiveBufferSize)
        .option(StandardSocketOptions.SO_REUSEADDR, TcpSocket::reuseAddress, TcpSocket::reuseAddress)
        .build();

    private final TcpSocket socket;
    private final ReentrantLock acceptLock = new ReentrantLock();
    private final Attempt<Void> accepting = this::acceptOnce;
    /** The connection the last attempt took; guarded by the accept lock. */
    private SocketChannel accepted;

    /** A new listener: an IPv6 (dual-stack) one when {@code family6}, as {@link StackSocketBackend}. */
    StackListenerBackend(final ChannelCore<?> core, final StackEngine engine, final boolean family6)
        throws IOException
    {
        super(core, engine);
        socket = open(stack ->
        {
            final TcpSocket listener = family6 ? stack.openTcp6(false) : stack.openTcp();
            // The JDK's server sockets have SO_REUSEADDR on (Net.serverSocket).
            listener.reuseAddress(true);
            return listener;
        });
    }

    @Override
    TcpSocket stackSocket()
    {
        return socket;
    }

    @Override
    OptionTable<TcpSocket> options()
    {
        return OPTIONS;
    }

    @Override
    public void bind(final SocketAddress address, final int backlog) throws IOException
    {
        final InetSocketAddress isa = Addresses.checkLocal(address);
        acceptLock.lock();
        try
        {
            lock.enter();
            try
            {
                ensureOpen();
                if (local != null)
                {
                    throw new AlreadyBoundException();
                }
                int result = Addresses.bind(socket, isa, engine.interfaces());
                if (result == 0)
                {
                    result = socket.listen(backlog < 1 ? DEFAULT_BACKLOG : backlog);
                }
                if (result < 0)
                {
                    throw Errors.bind(result);
                }
                local = Addresses.local(socket, engine.interfaces());
                refresh(socket);
            }
            finally
            {
                lock.exit();
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
        return accept0(core.isBlocking(), Long.MAX_VALUE);
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
            accepted = null;
            if (blocking)
            {
                block(accepting, null, timeoutNanos);
            }
            else
            {
                once(accepting, null);
            }
            final SocketChannel taken = accepted;
            accepted = null;
            return taken;
        }
        finally
        {
            acceptLock.unlock();
        }
    }

    private int acceptOnce(final Void unused) throws IOException
    {
        accepted = take();
        return accepted == null ? -Errno.EAGAIN : 0;
    }

    /** With the stack lock held: the next connection as a provider channel, or null. */
    private SocketChannel take() throws IOException
    {
        final TcpSocket child = socket.accept();
        if (child == null)
        {
            return null;
        }
        return new BypassSocketChannel(core.context(),
            (Accepted)channelCore -> new StackSocketBackend(channelCore, engine, child));
    }

    @Override
    void closeSocket()
    {
        // Resets the connections not yet accepted, as closing a listening socket does on Linux.
        socket.close();
    }

    @Override
    public int stackReadyOps()
    {
        return (readyOps & Readiness.ACCEPT) != 0 ? SelectionKey.OP_ACCEPT : 0;
    }

    @Override
    public SocketChannel adaptorAccept(final int timeoutMillis) throws IOException
    {
        final SocketChannel channel = accept0(true, timeoutNanos(timeoutMillis));
        if (channel == null)
        {
            throw new SocketTimeoutException("Accept timed out");
        }
        return channel;
    }
}
