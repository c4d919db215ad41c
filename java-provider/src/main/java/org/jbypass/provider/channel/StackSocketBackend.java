package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
final class StackSocketBackend extends StackBacking implements SocketBackend
{
    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.TCP_NODELAY,
        StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER, StandardSocketOptions.SO_SNDBUF,
        StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.IP_TOS,
        ExtendedSocketOptions.TCP_KEEPIDLE, ExtendedSocketOptions.TCP_KEEPINTERVAL,
        ExtendedSocketOptions.TCP_KEEPCOUNT);

    private final BypassSocketChannel owner;
    private final TcpSocket socket;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    /** A one-buffer array for single-buffer writes, so that they allocate nothing; guarded by the write lock. */
    private final ByteBuffer[] single = new ByteBuffer[1];
    private volatile boolean closed;
    private volatile boolean connectionPending;
    private volatile boolean connected;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    private volatile InetSocketAddress local;
    private volatile InetSocketAddress remote;

    /** A new socket, to be bound and connected. */
    StackSocketBackend(final BypassSocketChannel owner, final StackEngine engine) throws IOException
    {
        super(engine, owner.keys());
        this.owner = owner;
        engine.enter();
        try
        {
            socket = engine.stack().openTcp();
            socket.attach(owner);
            socket.listener(this);
            refresh(socket);
        }
        finally
        {
            engine.exit();
        }
    }

    /** A connection a stack listener accepted; called with the stack lock held. */
    StackSocketBackend(final BypassSocketChannel owner, final StackEngine engine, final TcpSocket accepted)
    {
        super(engine, owner.keys());
        this.owner = owner;
        this.socket = accepted;
        socket.attach(owner);
        socket.listener(this);
        connected = true;
        local = Addresses.toSocketAddress(accepted.localAddress(), accepted.localPort());
        remote = Addresses.toSocketAddress(accepted.remoteAddress(), accepted.remotePort());
        refresh(socket);
    }

    private void ensureOpen() throws ClosedChannelException
    {
        if (closed)
        {
            throw new ClosedChannelException();
        }
    }

    private void ensureConnected() throws ClosedChannelException
    {
        ensureOpen();
        if (!connected)
        {
            throw new NotYetConnectedException();
        }
    }

    /** With the stack lock held, after the connection is established. */
    private void established()
    {
        connectionPending = false;
        connected = true;
        local = Addresses.toSocketAddress(socket.localAddress(), socket.localPort());
    }

    @Override
    public void bind(final SocketAddress address) throws IOException
    {
        final InetSocketAddress isa = Addresses.checkLocal(address);
        readLock.lock();
        writeLock.lock();
        try
        {
            engine.enter();
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
                final int result = socket.bind(Addresses.toStack(isa.getAddress()), isa.getPort());
                if (result < 0)
                {
                    throw Errors.bind(result);
                }
                local = Addresses.toSocketAddress(socket.localAddress(), socket.localPort());
            }
            finally
            {
                engine.exit();
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
        return connect(address, owner.isBlocking(), Long.MAX_VALUE);
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
                engine.enter();
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
                    started = socket.connect(Addresses.toStack(isa.getAddress()), isa.getPort());
                    if (started == -Errno.EINPROGRESS)
                    {
                        connectionPending = true;
                        remote = isa;
                        local = Addresses.toSocketAddress(socket.localAddress(), socket.localPort());
                    }
                    refresh(socket);
                }
                finally
                {
                    engine.exit();
                }
                if (started != -Errno.EINPROGRESS)
                {
                    throw Errors.connect(started);
                }
                return blocking ? awaitConnected(timeoutNanos) : connectedAlready();
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
            owner.closeAfterBackingClosed();
            throw e;
        }
    }

    /**
     * Non-blocking connect: whether the handshake already finished (a connection to the stack's own address can,
     * within the operation). A failure is not reported here but by finishConnect, as with a kernel socket, whose
     * non-blocking connect returns before any answer can have come.
     */
    private boolean connectedAlready() throws IOException
    {
        engine.enter();
        try
        {
            ensureOpen();
            if (socket.pendingError() == 0 && socket.finishConnect() == 0)
            {
                established();
                refresh(socket);
                return true;
            }
            return false;
        }
        finally
        {
            engine.exit();
        }
    }

    /** Non-blocking: whether the connection is up now; throws its error if it failed. */
    private boolean pollConnected() throws IOException
    {
        final int result;
        engine.enter();
        try
        {
            ensureOpen();
            result = socket.finishConnect();
            if (result == 0)
            {
                established();
            }
            refresh(socket);
        }
        finally
        {
            engine.exit();
        }
        if (result == 0)
        {
            return true;
        }
        if (result == -Errno.EINPROGRESS)
        {
            return false;
        }
        throw Errors.connect(result);
    }

    /** Blocking: waits for the handshake to finish. */
    private boolean awaitConnected(final long timeoutNanos) throws IOException
    {
        int result = -Errno.EINPROGRESS;
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
                    result = socket.finishConnect();
                    if (result != -Errno.EINPROGRESS || remaining <= 0)
                    {
                        break;
                    }
                    try
                    {
                        remaining = awaitChange(remaining);
                    }
                    catch (final InterruptedException e)
                    {
                        // Keep waiting: the interrupt closes the channel (begin() registered its interruptor) and the
                        // close wakes us; end() then throws ClosedByInterruptException. Leaving now could beat the
                        // interrupter to end() (JDK 21+ sets the status before it looks for the blocker).
                        interrupted = true;
                    }
                }
                if (result == 0)
                {
                    established();
                }
                refresh(socket);
            }
            finally
            {
                if (interrupted)
                {
                    Thread.currentThread().interrupt();
                }
                engine.exit();
            }
            completed = result != -Errno.EINPROGRESS;
        }
        finally
        {
            owner.endBlocking(completed);
        }
        if (result == 0)
        {
            return true;
        }
        if (result == -Errno.EINPROGRESS)
        {
            throw new SocketTimeoutException("Connect timed out");
        }
        throw Errors.connect(result);
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
                return owner.isBlocking() ? awaitConnected(Long.MAX_VALUE) : pollConnected();
            }
            finally
            {
                writeLock.unlock();
                readLock.unlock();
            }
        }
        catch (final IOException e)
        {
            owner.closeAfterBackingClosed();
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
    public SocketAddress localAddress()
    {
        return local;
    }

    @Override
    public SocketAddress remoteAddress()
    {
        return remote;
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
            int result = 0;
            if (name == StandardSocketOptions.TCP_NODELAY)
            {
                socket.noDelay((Boolean)value);
            }
            else if (name == StandardSocketOptions.SO_KEEPALIVE)
            {
                socket.keepAlive((Boolean)value);
            }
            else if (name == StandardSocketOptions.SO_LINGER)
            {
                // Net.setSocketOption caps the linger time at 65535 seconds.
                final int seconds = (Integer)value;
                socket.linger(seconds < 0 ? -1 : Math.min(seconds, 65535));
            }
            else if (name == StandardSocketOptions.SO_SNDBUF)
            {
                socket.sendBufferSize((Integer)value);
            }
            else if (name == StandardSocketOptions.SO_RCVBUF)
            {
                socket.receiveBufferSize((Integer)value);
            }
            else if (name == StandardSocketOptions.SO_REUSEADDR)
            {
                socket.reuseAddress((Boolean)value);
            }
            else if (name == StandardSocketOptions.IP_TOS)
            {
                socket.tos((Integer)value);
            }
            else if (name == ExtendedSocketOptions.TCP_KEEPIDLE)
            {
                result = socket.keepAliveIdle((Integer)value);
            }
            else if (name == ExtendedSocketOptions.TCP_KEEPINTERVAL)
            {
                result = socket.keepAliveInterval((Integer)value);
            }
            else if (name == ExtendedSocketOptions.TCP_KEEPCOUNT)
            {
                result = socket.keepAliveCount((Integer)value);
            }
            if (result < 0)
            {
                throw new SocketException(Errno.message(result));
            }
            refresh(socket);
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
            final Object value;
            if (name == StandardSocketOptions.TCP_NODELAY)
            {
                value = socket.noDelay();
            }
            else if (name == StandardSocketOptions.SO_KEEPALIVE)
            {
                value = socket.keepAlive();
            }
            else if (name == StandardSocketOptions.SO_LINGER)
            {
                value = socket.linger();
            }
            else if (name == StandardSocketOptions.SO_SNDBUF)
            {
                value = socket.sendBufferSize();
            }
            else if (name == StandardSocketOptions.SO_RCVBUF)
            {
                value = socket.receiveBufferSize();
            }
            else if (name == StandardSocketOptions.SO_REUSEADDR)
            {
                value = socket.reuseAddress();
            }
            else if (name == StandardSocketOptions.IP_TOS)
            {
                value = socket.tos();
            }
            else if (name == ExtendedSocketOptions.TCP_KEEPIDLE)
            {
                value = socket.keepAliveIdle();
            }
            else if (name == ExtendedSocketOptions.TCP_KEEPINTERVAL)
            {
                value = socket.keepAliveInterval();
            }
            else
            {
                value = socket.keepAliveCount();
            }
            return (T)value;
        }
        finally
        {
            engine.exit();
        }
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
            return readResult(read0(dst, owner.isBlocking(), Long.MAX_VALUE));
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
        if (!blocking)
        {
            engine.enter();
            try
            {
                return socket.read(dst);
            }
            finally
            {
                refresh(socket);
                engine.exit();
            }
        }
        int n = -Errno.EAGAIN;
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
                    n = socket.read(dst);
                    if (n != -Errno.EAGAIN || remaining <= 0)
                    {
                        break;
                    }
                    try
                    {
                        remaining = awaitChange(remaining);
                    }
                    catch (final InterruptedException e)
                    {
                        // Keep waiting: the interrupt closes the channel (begin() registered its interruptor) and the
                        // close wakes us; end() then throws ClosedByInterruptException. Leaving now could beat the
                        // interrupter to end() (JDK 21+ sets the status before it looks for the blocker).
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
            completed = n != -Errno.EAGAIN;
        }
        finally
        {
            owner.endBlocking(completed);
        }
        return n;
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
            final int n = read0(dsts[first], owner.isBlocking(), Long.MAX_VALUE);
            if (n <= 0)
            {
                return readResult(n);
            }
            long total = n;
            if (!dsts[first].hasRemaining())
            {
                engine.enter();
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
                    engine.exit();
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
                return (int)write0(single, 0, 1, owner.isBlocking());
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
            return write0(srcs, offset, length, owner.isBlocking());
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
        long total = 0;
        int result = -Errno.EAGAIN;
        boolean completed = false;
        if (blocking)
        {
            owner.beginBlocking();
        }
        boolean interrupted = false;
        try
        {
            engine.enter();
            try
            {
                int i = offset;
                while (i < offset + length && !closed)
                {
                    final ByteBuffer src = srcs[i];
                    if (!src.hasRemaining())
                    {
                        i++;
                        continue;
                    }
                    result = socket.write(src);
                    if (result > 0)
                    {
                        total += result;
                        continue;
                    }
                    if (result != -Errno.EAGAIN || !blocking)
                    {
                        break;
                    }
                    try
                    {
                        awaitChange(Long.MAX_VALUE);
                    }
                    catch (final InterruptedException e)
                    {
                        // Keep waiting: the interrupt closes the channel (begin() registered its interruptor) and the
                        // close wakes us; end() then throws ClosedByInterruptException. Leaving now could beat the
                        // interrupter to end() (JDK 21+ sets the status before it looks for the blocker).
                        interrupted = true;
                    }
                }
                if (i == offset + length)
                {
                    result = 0;
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
            // As the JDK's endWrite: a blocking write that moved bytes completed, whatever stopped it.
            completed = total > 0 || result != -Errno.EAGAIN;
        }
        finally
        {
            if (blocking)
            {
                owner.endBlocking(completed);
            }
        }
        if (total > 0 || result == 0 || result == -Errno.EAGAIN)
        {
            return total;
        }
        throw Errors.write(result);
    }

    // Half-close, close.

    @Override
    public void shutdownInput() throws IOException
    {
        ensureConnected();
        engine.enter();
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
            engine.exit();
        }
    }

    @Override
    public void shutdownOutput() throws IOException
    {
        ensureConnected();
        engine.enter();
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
            engine.exit();
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
    public void configureBlocking(final boolean block)
    {
        // Blocking is decided per operation from the channel's mode; the stack socket never blocks.
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
            connectionPending = false;
            // Graceful (a FIN after what is queued) unless data is left unread or SO_LINGER is 0: then a reset,
            // as Linux does (RFC 2525 section 2.17). The stack finishes the connection on its own.
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
        connect(address, true, timeoutMillis == 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
    }

    @Override
    public int adaptorRead(final byte[] b, final int off, final int len, final int timeoutMillis) throws IOException
    {
        readLock.lock();
        try
        {
            ensureConnected();
            final long nanos = timeoutMillis == 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            final int n = read0(ByteBuffer.wrap(b, off, len), true, nanos);
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
        engine.enter();
        try
        {
            ensureOpen();
            return socket.available();
        }
        finally
        {
            engine.exit();
        }
    }
}
