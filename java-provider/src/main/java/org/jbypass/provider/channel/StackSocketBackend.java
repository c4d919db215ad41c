package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.util.concurrent.locks.ReentrantLock;

import jdk.net.ExtendedSocketOptions;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.transport.Readiness;
import org.jbypass.netstack.util.Errno;
import org.jbypass.provider.engine.StackEngine;

/**
 * A {@link BypassSocketChannel} served by the stack's TCP, with the JDK's {@code SocketChannelImpl} semantics:
 * connect and finishConnect (a failed connect closes the channel), blocking and non-blocking reads and writes (a
 * blocking write writes everything), scattering and gathering, half-close, the JDK's exceptions, asynchronous close
 * and interruption, SO_TIMEOUT for the adaptor.
 *
 * <p>Locks: a read lock held by readers, a write lock held by writers, both by connect (as the JDK's), each taken
 * before the stack lock. Blocked threads wait on the backing's condition of the stack lock, released while they
 * wait; the socket's listener signals it. Channel state that other threads read without the stack lock (connected,
 * addresses) is volatile and written under it.
 */
final class StackSocketBackend extends StackBacking<TcpSocket> implements SocketBackend
{
    /** The options the stack's TCP serves (docs/PROVIDER.md lists those it does not). */
    private static final OptionTable<TcpSocket> OPTIONS = OptionTable.<TcpSocket>builder()
        .option(StandardSocketOptions.TCP_NODELAY, TcpSocket::noDelay, TcpSocket::noDelay)
        .option(StandardSocketOptions.SO_KEEPALIVE, TcpSocket::keepAlive, TcpSocket::keepAlive)
        // Net.setSocketOption caps the linger time at 65535 seconds.
        .option(StandardSocketOptions.SO_LINGER, TcpSocket::linger,
            (socket, seconds) -> socket.linger(seconds < 0 ? -1 : Math.min(seconds, 65535)))
        .option(StandardSocketOptions.SO_SNDBUF, TcpSocket::sendBufferSize, TcpSocket::sendBufferSize)
        .option(StandardSocketOptions.SO_RCVBUF, TcpSocket::receiveBufferSize, TcpSocket::receiveBufferSize)
        .option(StandardSocketOptions.SO_REUSEADDR, TcpSocket::reuseAddress, TcpSocket::reuseAddress)
        .option(StandardSocketOptions.IP_TOS, TcpSocket::tos, TcpSocket::tos)
        .checked(ExtendedSocketOptions.TCP_KEEPIDLE, TcpSocket::keepAliveIdle, TcpSocket::keepAliveIdle)
        .checked(ExtendedSocketOptions.TCP_KEEPINTERVAL, TcpSocket::keepAliveInterval, TcpSocket::keepAliveInterval)
        .checked(ExtendedSocketOptions.TCP_KEEPCOUNT, TcpSocket::keepAliveCount, TcpSocket::keepAliveCount)
        .build();

    /**
     * The stack's socket. A new channel's is opened by the first operation that needs it (bind, connect, an
     * option), under the stack lock, so that a connect opens, connects and (to the stack's own address) completes
     * in one hold of the lock; guarded by the stack lock, and set for good once connected.
     */
    private TcpSocket socket;
    /** Whether the socket to open is an IPv6 (dual-stack) one. */
    private final boolean family6;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    /** A one-buffer array for single-buffer writes, so that they allocate nothing; guarded by the write lock. */
    private final ByteBuffer[] single = new ByteBuffer[1];
    private final Attempt<ByteBuffer> reading = this::readOnce;
    private final Attempt<Void> connecting = this::connectOnce;
    private final Writing writing = new Writing();
    private volatile boolean connectionPending;
    private volatile boolean connected;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    private volatile InetSocketAddress remote;

    /**
     * A new socket, to be bound and connected: an IPv6 (dual-stack) one when {@code family6}, as the JDK opens a
     * channel without a family when IPv6 is available ({@link Addresses#family6}).
     */
    StackSocketBackend(final ChannelCore<?> core, final StackEngine engine, final boolean family6)
    {
        super(core, engine);
        this.family6 = family6;
    }

    /** A connection a stack listener accepted; called with the stack lock held. */
    StackSocketBackend(final ChannelCore<?> core, final StackEngine engine, final TcpSocket accepted)
    {
        super(core, engine);
        // The socket exists: the family matters only to a socket yet to open.
        family6 = false;
        connected = true;
        local = Addresses.local(accepted, engine.interfaces());
        remote = Addresses.remote(accepted, engine.interfaces());
        this.socket = adopt(accepted);
    }

    /** With the stack lock held: the socket, opened (and adopted) now if this is the first operation to need it. */
    @Override
    TcpSocket stackSocket()
    {
        TcpSocket s = socket;
        if (s == null)
        {
            s = adopt(family6 ? lock.stack().openTcp6(false) : lock.stack().openTcp());
            socket = s;
        }
        return s;
    }

    @Override
    OptionTable<TcpSocket> options()
    {
        return OPTIONS;
    }

    private void ensureConnected() throws ClosedChannelException
    {
        ensureOpen();
        if (!connected)
        {
            throw new NotYetConnectedException();
        }
    }

    /**
     * With the stack lock held, after the connection is established. The local address is the one the connect
     * chose (set when it started): the handshake does not change it.
     */
    private void established()
    {
        connectionPending = false;
        connected = true;
    }

    @Override
    public void bind(final SocketAddress address) throws IOException
    {
        final InetSocketAddress isa = Addresses.checkLocal(address);
        readLock.lock();
        writeLock.lock();
        try
        {
            lock.enter();
            try
            {
                ensureOpen();
                if (connectionPending)
                {
                    throw new ConnectionPendingException();
                }
                if (local != null)
                {
                    throw new AlreadyBoundException();
                }
                final int result = Addresses.bind(stackSocket(), isa, engine.interfaces());
                if (result < 0)
                {
                    throw Errors.bind(result);
                }
                local = Addresses.local(socket, engine.interfaces());
            }
            finally
            {
                lock.exit();
            }
        }
        finally
        {
            writeLock.unlock();
            readLock.unlock();
        }
    }

    @Override
    public boolean connect(final SocketAddress address) throws IOException
    {
        return connect(address, core.isBlocking(), Long.MAX_VALUE);
    }

    /**
     * @param timeoutNanos in blocking mode, the longest wait; when it passes the channel is closed and
     *                     SocketTimeoutException thrown (the adaptor's connect with a timeout)
     */
    private boolean connect(final SocketAddress address, final boolean blocking, final long timeoutNanos)
        throws IOException
    {
        final InetSocketAddress isa = Addresses.check(address);
        try
        {
            readLock.lock();
            writeLock.lock();
            try
            {
                final int started;
                boolean done = false;
                lock.enter();
                try
                {
                    ensureOpen();
                    if (connected)
                    {
                        throw new AlreadyConnectedException();
                    }
                    if (connectionPending)
                    {
                        throw new ConnectionPendingException();
                    }
                    final TcpSocket s = stackSocket();
                    started = Addresses.connect(s, isa, engine.interfaces());
                    if (started == -Errno.EINPROGRESS)
                    {
                        connectionPending = true;
                        remote = isa;
                        local = Addresses.local(s, engine.interfaces());
                        // A connection to the stack's own address completes its handshake as the SYN is delivered
                        // (and one whose answer is in, too): deliver it now and look, in this hold of the lock,
                        // rather than take the lock again to find out. A failure is reported by the next step
                        // (the blocking wait, or finishConnect), as before.
                        lock.flushWithin();
                        if (s.pendingError() == 0 && s.finishConnect() == 0)
                        {
                            established();
                            done = true;
                        }
                    }
                    refresh(s);
                }
                finally
                {
                    lock.exit();
                }
                if (started != -Errno.EINPROGRESS)
                {
                    throw Errors.connect(started);
                }
                return done || (blocking && awaitConnected(timeoutNanos));
            }
            finally
            {
                writeLock.unlock();
                readLock.unlock();
            }
        }
        catch (final IOException e)
        {
            // As the JDK: a connect that fails closes the channel.
            core.closeAfterBackingClosed();
            throw e;
        }
    }

    /** Non-blocking: whether the connection is up now; throws its error if it failed. */
    private boolean pollConnected() throws IOException
    {
        final int result = once(this::connectOnceIfOpen, null);
        if (result == 0)
        {
            return true;
        }
        if (result == -Errno.EAGAIN)
        {
            return false;
        }
        throw Errors.connect(result);
    }

    private int connectOnceIfOpen(final Void unused) throws IOException
    {
        ensureOpen();
        return connectOnce(null);
    }

    /** Blocking: waits for the handshake to finish. */
    private boolean awaitConnected(final long timeoutNanos) throws IOException
    {
        final int result = block(connecting, null, timeoutNanos);
        if (result == 0)
        {
            return true;
        }
        if (result == -Errno.EAGAIN)
        {
            throw new SocketTimeoutException("Connect timed out");
        }
        throw Errors.connect(result);
    }

    /** With the stack lock held: whether the handshake finished (0), its error, or -EAGAIN while it goes on. */
    private int connectOnce(final Void unused)
    {
        final int result = socket.finishConnect();
        if (result == 0)
        {
            established();
        }
        return result == -Errno.EINPROGRESS ? -Errno.EAGAIN : result;
    }

    @Override
    public boolean finishConnect() throws IOException
    {
        try
        {
            readLock.lock();
            writeLock.lock();
            try
            {
                if (connected)
                {
                    return true;
                }
                ensureOpen();
                if (!connectionPending)
                {
                    throw new NoConnectionPendingException();
                }
                return core.isBlocking() ? awaitConnected(Long.MAX_VALUE) : pollConnected();
            }
            finally
            {
                writeLock.unlock();
                readLock.unlock();
            }
        }
        catch (final IOException e)
        {
            core.closeAfterBackingClosed();
            throw e;
        }
    }

    @Override
    public boolean isConnected()
    {
        return connected;
    }

    @Override
    public boolean isConnectionPending()
    {
        return connectionPending;
    }

    @Override
    public SocketAddress remoteAddress()
    {
        return remote;
    }

    // Reading.

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        readLock.lock();
        try
        {
            ensureConnected();
            if (!dst.hasRemaining())
            {
                return 0;
            }
            return readResult(read0(dst, core.isBlocking(), Long.MAX_VALUE));
        }
        finally
        {
            readLock.unlock();
        }
    }

    /** A stack read result as the JDK returns it: bytes, 0 (would block), -1 (end of stream), or its exception. */
    private static int readResult(final int n) throws IOException
    {
        if (n >= 0)
        {
            return n;
        }
        if (n == -Errno.EAGAIN)
        {
            return 0;
        }
        if (n == Errno.END_OF_STREAM)
        {
            return -1;
        }
        throw Errors.read(n);
    }

    /**
     * Reads once, or in blocking mode until something (data, the end of the stream, an error) can be returned or
     * the timeout passes. With the read lock held.
     *
     * @return as {@link TcpSocket#read}; -EAGAIN only in non-blocking mode or after the timeout
     */
    private int read0(final ByteBuffer dst, final boolean blocking, final long timeoutNanos) throws IOException
    {
        return blocking ? block(reading, dst, timeoutNanos) : once(reading, dst);
    }

    private int readOnce(final ByteBuffer dst)
    {
        return socket.read(dst);
    }

    @Override
    public long read(final ByteBuffer[] dsts, final int offset, final int length) throws IOException
    {
        readLock.lock();
        try
        {
            ensureConnected();
            int first = -1;
            for (int i = offset; i < offset + length; i++)
            {
                if (dsts[i].hasRemaining())
                {
                    first = i;
                    break;
                }
            }
            if (first < 0)
            {
                return 0;
            }
            // Wait (if blocking) for something to read into the first buffer, then take what else is there.
            final int n = read0(dsts[first], core.isBlocking(), Long.MAX_VALUE);
            if (n <= 0)
            {
                return readResult(n);
            }
            long total = n;
            if (!dsts[first].hasRemaining())
            {
                lock.enter();
                try
                {
                    for (int i = first + 1; i < offset + length; i++)
                    {
                        final ByteBuffer dst = dsts[i];
                        if (!dst.hasRemaining())
                        {
                            continue;
                        }
                        final int more = socket.read(dst);
                        if (more <= 0)
                        {
                            break;
                        }
                        total += more;
                        if (dst.hasRemaining())
                        {
                            break;
                        }
                    }
                }
                finally
                {
                    refresh(socket);
                    lock.exit();
                }
            }
            return total;
        }
        finally
        {
            readLock.unlock();
        }
    }

    // Writing.

    @Override
    public int write(final ByteBuffer src) throws IOException
    {
        writeLock.lock();
        try
        {
            ensureConnected();
            if (outputShutdown)
            {
                throw new ClosedChannelException();
            }
            single[0] = src;
            try
            {
                return (int)write0(single, 0, 1, core.isBlocking());
            }
            finally
            {
                single[0] = null;
            }
        }
        finally
        {
            writeLock.unlock();
        }
    }

    @Override
    public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        writeLock.lock();
        try
        {
            ensureConnected();
            if (outputShutdown)
            {
                throw new ClosedChannelException();
            }
            return write0(srcs, offset, length, core.isBlocking());
        }
        finally
        {
            writeLock.unlock();
        }
    }

    /**
     * Queues bytes: in non-blocking mode what fits now; in blocking mode all of them, waiting for room (as the
     * JDK's blocking write does). With the write lock held.
     */
    private long write0(final ByteBuffer[] srcs, final int offset, final int length, final boolean blocking)
        throws IOException
    {
        writing.start(offset, length);
        final int result = blocking ? block(writing, srcs, Long.MAX_VALUE) : once(writing, srcs);
        final long total = writing.total;
        if (total > 0 || result == 0 || result == -Errno.EAGAIN)
        {
            return total;
        }
        throw Errors.write(result);
    }

    /** One write's progress through its buffers; guarded by the write lock. */
    private final class Writing implements Attempt<ByteBuffer[]>
    {
        private int next;
        private int end;
        long total;

        void start(final int offset, final int length)
        {
            next = offset;
            end = offset + length;
            total = 0;
        }

        /** Queues what fits: 0 once every buffer is written, -EAGAIN when the send buffer is full, or the error. */
        @Override
        public int attempt(final ByteBuffer[] srcs)
        {
            while (next < end && !closed)
            {
                final ByteBuffer src = srcs[next];
                if (!src.hasRemaining())
                {
                    next++;
                    continue;
                }
                final int result = socket.write(src);
                if (result <= 0)
                {
                    return result;
                }
                total += result;
            }
            return next == end ? 0 : -Errno.EAGAIN;
        }

        /** As the JDK's endWrite: a blocking write that moved bytes completed, whatever stopped it. */
        @Override
        public boolean progressed()
        {
            return total > 0;
        }
    }

    // Half-close, close.

    @Override
    public void shutdownInput() throws IOException
    {
        ensureConnected();
        lock.enter();
        try
        {
            ensureOpen();
            final int result = socket.shutdownInput();
            if (result < 0 && result != -Errno.ENOTCONN)
            {
                throw Errors.read(result);
            }
            inputShutdown = true;
            refresh(socket);
        }
        finally
        {
            lock.exit();
        }
    }

    @Override
    public void shutdownOutput() throws IOException
    {
        ensureConnected();
        lock.enter();
        try
        {
            ensureOpen();
            final int result = socket.shutdownOutput();
            if (result < 0 && result != -Errno.ENOTCONN)
            {
                throw Errors.write(result);
            }
            outputShutdown = true;
            refresh(socket);
        }
        finally
        {
            lock.exit();
        }
    }

    @Override
    public boolean isInputShutdown()
    {
        return inputShutdown;
    }

    @Override
    public boolean isOutputShutdown()
    {
        return outputShutdown;
    }

    @Override
    void closeSocket()
    {
        connectionPending = false;
        // Graceful (a FIN after what is queued) unless data is left unread or SO_LINGER is 0: then a reset,
        // as Linux does (RFC 2525 section 2.17). The stack finishes the connection on its own. A socket never
        // opened has nothing to close.
        if (socket != null)
        {
            socket.close();
        }
    }

    @Override
    public int stackReadyOps()
    {
        final int ops = readyOps;
        int translated = 0;
        if (connectionPending)
        {
            if ((ops & Readiness.CONNECT) != 0)
            {
                translated |= SelectionKey.OP_CONNECT;
            }
        }
        else if (connected)
        {
            if ((ops & Readiness.READ) != 0)
            {
                translated |= SelectionKey.OP_READ;
            }
            if ((ops & Readiness.WRITE) != 0)
            {
                translated |= SelectionKey.OP_WRITE;
            }
        }
        return translated;
    }

    // The socket() adaptor.

    @Override
    public void adaptorConnect(final SocketAddress address, final int timeoutMillis) throws IOException
    {
        connect(address, true, timeoutNanos(timeoutMillis));
    }

    @Override
    public int adaptorRead(final byte[] b, final int off, final int len, final int timeoutMillis) throws IOException
    {
        readLock.lock();
        try
        {
            ensureConnected();
            final int n = read0(ByteBuffer.wrap(b, off, len), true, timeoutNanos(timeoutMillis));
            if (n == -Errno.EAGAIN)
            {
                throw new SocketTimeoutException("Read timed out");
            }
            return readResult(n);
        }
        finally
        {
            readLock.unlock();
        }
    }

    @Override
    public void adaptorWrite(final byte[] b, final int off, final int len) throws IOException
    {
        final ByteBuffer src = ByteBuffer.wrap(b, off, len);
        while (src.hasRemaining())
        {
            write(src);
        }
    }

    @Override
    public void sendUrgentData(final int data) throws IOException
    {
        throw new SocketException("jbypass: urgent data is not supported on a socket served by the stack");
    }

    @Override
    public int available() throws IOException
    {
        lock.enter();
        try
        {
            ensureOpen();
            return socket == null ? 0 : socket.available();
        }
        finally
        {
            lock.exit();
        }
    }
}
