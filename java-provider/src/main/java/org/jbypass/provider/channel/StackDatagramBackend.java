package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.util.concurrent.locks.ReentrantLock;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.transport.Readiness;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.provider.engine.StackEngine;

/**
 * A {@link BypassDatagramChannel} served by the stack's UDP, with the JDK's semantics: blocking and non-blocking
 * receive and send, connect (which, as the JDK's does, discards datagrams already queued), the JDK's exceptions,
 * and interruption closing the channel.
 *
 * <p>Locks: a read lock for receivers and a write lock for senders (as the JDK's channel), each taken before the
 * stack lock. Blocked receivers wait on the backing's condition of the stack lock.
 */
final class StackDatagramBackend extends StackBacking<UdpSocket> implements DatagramBackend
{
    private static final OptionTable<UdpSocket> OPTIONS = OptionTable.<UdpSocket>builder()
        .option(StandardSocketOptions.SO_SNDBUF, UdpSocket::sendBufferSize, UdpSocket::sendBufferSize)
        // A refusal (more is queued than the new size holds) keeps the old size: Linux shrinks later.
        .option(StandardSocketOptions.SO_RCVBUF, UdpSocket::receiveBufferSize, UdpSocket::receiveBufferSize)
        .option(StandardSocketOptions.SO_REUSEADDR, UdpSocket::reuseAddress, UdpSocket::reuseAddress)
        .option(StandardSocketOptions.SO_BROADCAST, UdpSocket::broadcast, UdpSocket::broadcast)
        .option(StandardSocketOptions.IP_TOS, UdpSocket::tos, UdpSocket::tos)
        .build();

    private final UdpSocket socket;
    private final Attempt<ByteBuffer> receiving = this::receiveOnce;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile InetSocketAddress remote;
    /** The source of the last datagram received, reused while the source stays the same (as the JDK does). */
    private InetSocketAddress lastSource;
    /** The source of the datagram just received; written under the stack lock, read under the read lock. */
    private int sourceAddress;
    private int sourcePort;

    StackDatagramBackend(final ChannelCore<?> core, final StackEngine engine) throws IOException
    {
        super(core, engine);
        socket = open(Stack::openUdp);
    }

    @Override
    UdpSocket stackSocket()
    {
        return socket;
    }

    @Override
    OptionTable<UdpSocket> options()
    {
        return OPTIONS;
    }

    @Override
    public void bind(final SocketAddress address) throws IOException
    {
        final InetSocketAddress isa = Addresses.checkLocal(address);
        readLock.lock();
        writeLock.lock();
        lock.enter();
        try
        {
            ensureOpen();
            if (socket.isBound())
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
            lock.exit();
            writeLock.unlock();
            readLock.unlock();
        }
    }

    @Override
    public void connect(final SocketAddress address) throws IOException
    {
        final InetSocketAddress isa = Addresses.check(address);
        readLock.lock();
        writeLock.lock();
        lock.enter();
        try
        {
            ensureOpen();
            if (socket.isConnected())
            {
                throw new AlreadyConnectedException();
            }
            if (isa.getPort() == 0)
            {
                throw new SocketException("Can't connect to port 0");
            }
            final int result = socket.connect(Addresses.toStack(isa.getAddress()), isa.getPort());
            if (result < 0)
            {
                throw Errors.datagram(result);
            }
            remote = isa;
            local = Addresses.toSocketAddress(socket.localAddress(), socket.localPort());
            // The JDK discards what was received before the connect (DatagramChannelImpl.connect).
            final ByteBuffer discard = ByteBuffer.allocate(1);
            while (socket.receive(discard) >= 0)
            {
                discard.clear();
            }
            refresh(socket);
        }
        finally
        {
            lock.exit();
            writeLock.unlock();
            readLock.unlock();
        }
    }

    @Override
    public void disconnect() throws IOException
    {
        readLock.lock();
        writeLock.lock();
        lock.enter();
        try
        {
            if (closed || !socket.isConnected())
            {
                return;
            }
            socket.disconnect();
            remote = null;
            refresh(socket);
        }
        finally
        {
            lock.exit();
            writeLock.unlock();
            readLock.unlock();
        }
    }

    @Override
    public boolean isConnected()
    {
        return remote != null;
    }

    @Override
    public SocketAddress remoteAddress()
    {
        return remote;
    }

    @Override
    public SocketAddress receive(final ByteBuffer dst) throws IOException
    {
        readLock.lock();
        try
        {
            final int n = receive0(dst, core.isBlocking(), Long.MAX_VALUE);
            if (n == -Errno.EAGAIN)
            {
                return null;
            }
            return source();
        }
        finally
        {
            readLock.unlock();
        }
    }

    /** The source of the datagram just received; the stack lock is not needed (read lock held, fields stable). */
    private InetSocketAddress source()
    {
        final int address = sourceAddress;
        final int port = sourcePort;
        final InetSocketAddress last = lastSource;
        if (last != null && last.getPort() == port && Addresses.toStack(last.getAddress()) == address)
        {
            return last;
        }
        return lastSource = Addresses.toSocketAddress(address, port);
    }

    /**
     * Receives one datagram, with the read lock held.
     *
     * @param timeoutNanos in blocking mode, the longest wait ({@link Long#MAX_VALUE}: none)
     * @return its length, or -EAGAIN when none was there (non-blocking) or the timeout passed
     */
    private int receive0(final ByteBuffer dst, final boolean blocking, final long timeoutNanos) throws IOException
    {
        ensureOpen();
        return blocking ? block(receiving, dst, timeoutNanos) : once(receiving, dst);
    }

    private int receiveOnce(final ByteBuffer dst) throws IOException
    {
        return taken(socket.receive(dst));
    }

    /** With the stack lock held: records the source of a received datagram, or turns an error into its exception. */
    private int taken(final int n) throws IOException
    {
        if (n >= 0)
        {
            sourceAddress = socket.lastSourceAddress();
            sourcePort = socket.lastSourcePort();
            return n;
        }
        if (n == -Errno.EAGAIN)
        {
            return n;
        }
        if (n == -Errno.EBADF)
        {
            throw new ClosedChannelException();
        }
        throw Errors.datagram(n);
    }

    @Override
    public int send(final ByteBuffer src, final SocketAddress target) throws IOException
    {
        final InetSocketAddress isa = Addresses.check(target);
        writeLock.lock();
        try
        {
            ensureOpen();
            final InetSocketAddress connected = remote;
            if (connected != null && !target.equals(connected))
            {
                throw new AlreadyConnectedException();
            }
            if (isa.getPort() == 0)
            {
                throw new SocketException("Can't send to port 0");
            }
            return send0(src, Addresses.toStack(isa.getAddress()), isa.getPort());
        }
        finally
        {
            writeLock.unlock();
        }
    }

    /** With the write lock held. UDP never waits to send: the stack either takes the datagram or fails. */
    private int send0(final ByteBuffer src, final int address, final int port) throws IOException
    {
        final int n;
        lock.enter();
        try
        {
            n = socket.send(src, address, port);
            if (local == null && socket.isBound())
            {
                local = Addresses.toSocketAddress(socket.localAddress(), socket.localPort());
            }
            refresh(socket);
        }
        finally
        {
            lock.exit();
        }
        if (n < 0)
        {
            throw Errors.datagram(n);
        }
        return n;
    }

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        readLock.lock();
        try
        {
            ensureOpen();
            if (remote == null)
            {
                throw new NotYetConnectedException();
            }
            final int n = receive0(dst, core.isBlocking(), Long.MAX_VALUE);
            return n == -Errno.EAGAIN ? 0 : n;
        }
        finally
        {
            readLock.unlock();
        }
    }

    @Override
    public long read(final ByteBuffer[] dsts, final int offset, final int length) throws IOException
    {
        // A datagram is scattered over the buffers in order; what does not fit is discarded, as readv(2) does.
        readLock.lock();
        try
        {
            ensureOpen();
            if (remote == null)
            {
                throw new NotYetConnectedException();
            }
            final ByteBuffer scratch = ByteBuffer.allocate(UdpSocket.MAX_PAYLOAD);
            final int n = receive0(scratch, core.isBlocking(), Long.MAX_VALUE);
            if (n == -Errno.EAGAIN)
            {
                return 0;
            }
            scratch.flip();
            long copied = 0;
            for (int i = offset; i < offset + length && scratch.hasRemaining(); i++)
            {
                final ByteBuffer dst = dsts[i];
                final int chunk = Math.min(dst.remaining(), scratch.remaining());
                dst.put(dst.position(), scratch, scratch.position(), chunk);
                dst.position(dst.position() + chunk);
                scratch.position(scratch.position() + chunk);
                copied += chunk;
            }
            return copied;
        }
        finally
        {
            readLock.unlock();
        }
    }

    @Override
    public int write(final ByteBuffer src) throws IOException
    {
        writeLock.lock();
        try
        {
            ensureOpen();
            if (remote == null)
            {
                throw new NotYetConnectedException();
            }
            return send0(src, 0, 0);
        }
        finally
        {
            writeLock.unlock();
        }
    }

    @Override
    public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        // One datagram gathered from the buffers, as writev(2) sends.
        writeLock.lock();
        try
        {
            ensureOpen();
            if (remote == null)
            {
                throw new NotYetConnectedException();
            }
            long total = 0;
            for (int i = offset; i < offset + length; i++)
            {
                total += srcs[i].remaining();
            }
            final ByteBuffer gathered = ByteBuffer.allocate((int)Math.min(total, UdpSocket.MAX_PAYLOAD + 1));
            for (int i = offset; i < offset + length && gathered.hasRemaining(); i++)
            {
                final ByteBuffer src = srcs[i];
                final int chunk = Math.min(src.remaining(), gathered.remaining());
                gathered.put(gathered.position(), src, src.position(), chunk);
                gathered.position(gathered.position() + chunk);
            }
            gathered.flip();
            final int n = send0(gathered, 0, 0);
            // Advance the sources by what was sent (all of it: UDP sends whole datagrams or fails).
            long left = n;
            for (int i = offset; i < offset + length && left > 0; i++)
            {
                final ByteBuffer src = srcs[i];
                final int chunk = (int)Math.min(src.remaining(), left);
                src.position(src.position() + chunk);
                left -= chunk;
            }
            return n;
        }
        finally
        {
            writeLock.unlock();
        }
    }

    @Override
    public MembershipKey join(final InetAddress group, final NetworkInterface interf)
    {
        throw multicast();
    }

    @Override
    public MembershipKey join(final InetAddress group, final NetworkInterface interf, final InetAddress source)
    {
        throw multicast();
    }

    private static UnsupportedOperationException multicast()
    {
        return new UnsupportedOperationException("jbypass: multicast is not supported on a socket served by the "
            + "stack; bind it to a kernel address to use multicast");
    }

    @Override
    void closeSocket()
    {
        socket.close();
        socket.listener(null);
    }

    @Override
    public int stackReadyOps()
    {
        final int ops = readyOps;
        int translated = 0;
        if ((ops & Readiness.READ) != 0)
        {
            translated |= SelectionKey.OP_READ;
        }
        if ((ops & Readiness.WRITE) != 0)
        {
            translated |= SelectionKey.OP_WRITE;
        }
        return translated;
    }

    @Override
    public void adaptorReceive(final DatagramPacket packet, final int timeoutMillis) throws IOException
    {
        readLock.lock();
        try
        {
            ensureOpen();
            final ByteBuffer dst = ByteBuffer.wrap(packet.getData(), packet.getOffset(), packet.getLength());
            final int n = receive0(dst, true, timeoutNanos(timeoutMillis));
            if (n == -Errno.EAGAIN)
            {
                throw new SocketTimeoutException("Receive timed out");
            }
            final InetSocketAddress from = source();
            synchronized (packet)
            {
                packet.setLength(dst.position() - packet.getOffset());
                packet.setSocketAddress(from);
            }
        }
        finally
        {
            readLock.unlock();
        }
    }

    @Override
    public void adaptorSend(final DatagramPacket packet) throws IOException
    {
        final ByteBuffer src;
        final SocketAddress target;
        synchronized (packet)
        {
            src = ByteBuffer.wrap(packet.getData(), packet.getOffset(), packet.getLength());
            target = packet.getAddress() == null ? null : packet.getSocketAddress();
        }
        if (target == null)
        {
            write(src);
        }
        else
        {
            send(src, target);
        }
    }
}
