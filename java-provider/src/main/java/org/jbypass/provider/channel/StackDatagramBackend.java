package org.jbypass.provider.channel;

import java.util.Objects;
import java.util.List;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.nio.channels.MulticastChannel;
import java.net.SocketOption;
import java.net.Inet4Address;
import java.net.Inet6Address;
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
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.config.StackInterfaces;
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
        // IP_MULTICAST_IF names a NetworkInterface the engine maps: served by setOwnOption/getOwnOption.
        .option(StandardSocketOptions.IP_MULTICAST_IF, s -> null, (s, v) -> { })
        .checked(StandardSocketOptions.IP_MULTICAST_TTL, UdpSocket::multicastTtl, UdpSocket::multicastTtl)
        .option(StandardSocketOptions.IP_MULTICAST_LOOP, UdpSocket::multicastLoop, UdpSocket::multicastLoop)
        .build();

    private final UdpSocket socket;
    private final Attempt<ByteBuffer> receiving = this::receiveOnce;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile InetSocketAddress remote;
    /** The source of the last datagram received, reused while the source stays the same (as the JDK does). */
    private InetSocketAddress lastSource;
    /** {@link #lastSource}'s address in the stack's form, so that comparing it costs no conversion; read lock. */
    private int lastSourceAddress;
    /**
     * The last target sent to and its address in the stack's form; write lock. {@link InetAddress#getAddress()}
     * copies the address into a new array each time, so a sender that sends to the same {@link InetAddress} object
     * (the usual reply to the address {@code receive} returned, or a client's one server) converts it once.
     */
    private InetAddress lastTarget;
    private int lastTargetAddress;
    /** Whether {@link #lastTarget} is an IPv6 address, then {@link #lastTargetHi}/{@link #lastTargetLo}. */
    private boolean lastTargetIs6;
    private long lastTargetHi;
    private long lastTargetLo;
    /** The source of the datagram just received; written under the stack lock, read under the read lock. */
    private int sourceAddress;
    private int sourcePort;
    /** Whether that source is an IPv6 one ({@link #sourceHi}, {@link #sourceLo}); else {@link #sourceAddress}. */
    private boolean sourceIs6;
    private long sourceHi;
    private long sourceLo;
    /** {@link #lastSource}'s family and IPv6 address, as {@link #lastSourceAddress}; read lock. */
    private boolean lastSourceIs6;
    private long lastSourceHi;
    private long lastSourceLo;
    /** The channel's memberships; guarded by the stack lock. */
    private final List<StackMembershipKey> memberships = new ArrayList<>();
    /** IP_MULTICAST_IF as set, or null; guarded by the stack lock. */
    private NetworkInterface multicastInterface;
    /**
     * Datagrams the JDK channel this backing replaced had queued ({@link #takeOver}), delivered before the stack's;
     * guarded by the stack lock. Bounded by what that channel's receive buffer held.
     */
    private final ArrayDeque<PlatformDatagramBackend.Queued> carried = new ArrayDeque<>();
    /** Whether {@link #carried} holds any; read without the lock for readiness. */
    private volatile boolean hasCarried;
    /** The source of the datagram just received when it was a carried one, else null; as {@link #sourceAddress}. */
    private InetSocketAddress carriedSource;

    /** A new socket: an IPv6 (dual-stack) one when {@code family6}, as the JDK opens it ({@link Addresses}). */
    StackDatagramBackend(final ChannelCore<?> core, final StackEngine engine, final boolean family6)
        throws IOException
    {
        super(core, engine);
        socket = open(family6 ? stack -> stack.openUdp6(false) : Stack::openUdp);
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
            final int result = Addresses.bind(socket, isa, engine.interfaces());
            if (result < 0)
            {
                throw Errors.bind(result);
            }
            local = Addresses.local(socket, engine.interfaces());
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
            final int result = Addresses.connect(socket, isa, engine.interfaces());
            if (result < 0)
            {
                throw Errors.datagram(result);
            }
            remote = isa;
            local = Addresses.local(socket, engine.interfaces());
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
        if (carriedSource != null)
        {
            return carriedSource;
        }
        final int port = sourcePort;
        final InetSocketAddress last = lastSource;
        if (sourceIs6)
        {
            final long hi = sourceHi;
            final long lo = sourceLo;
            if (last != null && last.getPort() == port && lastSourceIs6 && lastSourceHi == hi && lastSourceLo == lo)
            {
                return last;
            }
            lastSourceIs6 = true;
            lastSourceHi = hi;
            lastSourceLo = lo;
            return lastSource = Addresses.toSocketAddress6(hi, lo, port, engine.interfaces());
        }
        final int address = sourceAddress;
        if (last != null && last.getPort() == port && !lastSourceIs6 && lastSourceAddress == address)
        {
            return last;
        }
        lastSourceIs6 = false;
        lastSourceAddress = address;
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
        if (hasCarried)
        {
            return takeCarried(dst);
        }
        carriedSource = null;
        return taken(socket.receive(dst));
    }

    /**
     * Takes over from the JDK backing of the same channel, which nothing is using ({@link ChannelCore#move}): binds
     * where it is bound, then takes the datagrams it had queued, to deliver them first. Datagrams that reach the JDK
     * socket after that are not delivered, as if they had come after its close.
     */
    void takeOver(final PlatformDatagramBackend from) throws IOException
    {
        final InetSocketAddress at = (InetSocketAddress)from.localAddress();
        // A JDK socket of either family reports its wildcard as 0.0.0.0 or ::; the stack's is IPv4's.
        bind(at.getAddress().isAnyLocalAddress() ? new InetSocketAddress(at.getPort()) : at);
        final List<PlatformDatagramBackend.Queued> queued = from.drain();
        lock.enter();
        try
        {
            carried.addAll(queued);
            hasCarried = !carried.isEmpty();
        }
        finally
        {
            lock.exit();
        }
    }

    /** With the stack lock held: the next carried datagram into {@code dst}, truncated as UDP truncates. */
    private int takeCarried(final ByteBuffer dst) throws IOException
    {
        ensureOpen();
        final PlatformDatagramBackend.Queued d = carried.poll();
        hasCarried = !carried.isEmpty();
        final int n = Math.min(dst.remaining(), d.data().length);
        dst.put(d.data(), 0, n);
        carriedSource = d.source();
        return n;
    }

    /** The membership of {@code group} on {@code interf} (any-source or not), or null; as the JDK's. */
    MembershipKey findMembership(final InetAddress group, final NetworkInterface interf) throws IOException
    {
        lock.enter();
        try
        {
            for (final StackMembershipKey key : memberships)
            {
                if (key.group().equals(group) && key.networkInterface().equals(interf))
                {
                    return key;
                }
            }
            return null;
        }
        finally
        {
            lock.exit();
        }
    }

    /** With the stack lock held: records the source of a received datagram, or turns an error into its exception. */
    private int taken(final int n) throws IOException
    {
        if (n >= 0)
        {
            sourceIs6 = socket.lastSourceIs6();
            if (sourceIs6)
            {
                sourceHi = socket.lastSourceHi();
                sourceLo = socket.lastSourceLo();
            }
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
            target(isa.getAddress());
            return send0(src, lastTargetIs6, lastTargetAddress, lastTargetHi, lastTargetLo, isa.getPort());
        }
        finally
        {
            writeLock.unlock();
        }
    }

    /**
     * With the write lock held: the target's address in the stack's form, converted once per address object. An
     * IPv6 socket sends to an IPv6 address over IPv6 and to an IPv4 one over IPv4 (as its mapped form).
     */
    private void target(final InetAddress address)
    {
        if (address != lastTarget)
        {
            Addresses.checkFamily(socket.isFamily6(), address);
            lastTargetIs6 = address instanceof Inet6Address && !address.isAnyLocalAddress();
            if (lastTargetIs6)
            {
                lastTargetHi = Addresses.hi(address, engine.interfaces());
                lastTargetLo = Addresses.lo(address);
                lastTargetAddress = 0;
            }
            else
            {
                lastTargetAddress = Addresses.toStack(address);
            }
            lastTarget = address;
        }
    }

    /** With the write lock held. UDP never waits to send: the stack either takes the datagram or fails. */
    private int send0(final ByteBuffer src, final boolean is6, final int address, final long hi, final long lo,
        final int port) throws IOException
    {
        final int n;
        lock.enter();
        try
        {
            n = is6 ? socket.send6(src, hi, lo, port) : socket.send(src, address, port);
            if (local == null && socket.isBound())
            {
                local = Addresses.local(socket, engine.interfaces());
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
            return send0(src, false, 0, 0, 0, 0);
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
            final int n = send0(gathered, false, 0, 0, 0, 0);
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
    public MembershipKey join(final InetAddress group, final NetworkInterface interf) throws IOException
    {
        return join0(group, interf, null);
    }

    @Override
    public MembershipKey join(final InetAddress group, final NetworkInterface interf, final InetAddress source)
        throws IOException
    {
        Objects.requireNonNull(source);
        return join0(group, interf, source);
    }

    /**
     * Joins as the JDK's {@code DatagramChannelImpl.innerJoin}: the same checks in the same order, the same key
     * for the same membership, IllegalStateException when any-source and source-specific memberships of a group on
     * an interface are mixed. The interface must name a stack interface ({@link StackInterfaces}).
     */
    private MembershipKey join0(final InetAddress group, final NetworkInterface interf, final InetAddress source)
        throws IOException
    {
        Objects.requireNonNull(group);
        Objects.requireNonNull(interf);
        if (!group.isMulticastAddress())
        {
            throw new IllegalArgumentException("Group not a multicast address");
        }
        if (group instanceof Inet6Address && !socket.isFamily6())
        {
            // As the JDK's innerJoin: an IPv4 (INET) channel cannot join an IPv6 group; an IPv6 one joins both.
            throw new IllegalArgumentException("Only IPv6 sockets can join IPv6 multicast group");
        }
        if (source != null)
        {
            checkSource(group, source);
        }
        final int index = engine.interfaces().indexOf(interf);
        lock.enter();
        try
        {
            ensureOpen();
            for (final StackMembershipKey key : memberships)
            {
                if (key.group().equals(group) && key.networkInterface().equals(interf))
                {
                    if (source == null)
                    {
                        if (key.sourceAddress() == null)
                        {
                            return key;
                        }
                        throw new IllegalStateException("Already a member to receive all packets");
                    }
                    if (key.sourceAddress() == null)
                    {
                        throw new IllegalStateException("Already have source-specific membership");
                    }
                    if (source.equals(key.sourceAddress()))
                    {
                        return key;
                    }
                }
            }
            if (index < 0)
            {
                throw new SocketException("jbypass: " + interf.getName() + " is not a stack interface, and this "
                    + "channel is served by the stack: join on the netdev a stack interface runs on (host-if), "
                    + "or bind the channel to a kernel address");
            }
            final int result;
            if (group instanceof Inet6Address)
            {
                final long hi = Addresses.hi(group);
                final long lo = Addresses.lo(group);
                result = source == null ? socket.joinGroup6(hi, lo, index)
                    : socket.joinSource6(hi, lo, index, Addresses.hi(source), Addresses.lo(source));
            }
            else
            {
                final int g = Addresses.toStack(group);
                result = source == null ? socket.joinGroup(g, index)
                    : socket.joinSource(g, index, Addresses.toStack(source));
            }
            if (result < 0)
            {
                throw new SocketException(Errno.message(result));
            }
            final StackMembershipKey key = new StackMembershipKey(this, (MulticastChannel)core.channel(), group,
                interf, source, index);
            memberships.add(key);
            return key;
        }
        finally
        {
            lock.exit();
        }
    }

    /** The JDK's checks of a source to join or block ({@code DatagramChannelImpl.innerJoin}, {@code block}). */
    static void checkSource(final InetAddress group, final InetAddress source)
    {
        if (source.isAnyLocalAddress())
        {
            throw new IllegalArgumentException("Source address is a wildcard address");
        }
        if (source.isMulticastAddress())
        {
            throw new IllegalArgumentException("Source address is multicast address");
        }
        if (source.getClass() != group.getClass())
        {
            throw new IllegalArgumentException("Source address is different type to group");
        }
    }

    /** Leaves a key's membership; once. A stack that is gone took every membership with it. */
    void drop(final StackMembershipKey key)
    {
        if (!enterOrInvalidate(key))
        {
            return;
        }
        try
        {
            if (!key.isValid())
            {
                return;
            }
            key.invalidate();
            memberships.remove(key);
            if (closed)
            {
                return;
            }
            final InetAddress group = key.group();
            final InetAddress source = key.sourceAddress();
            if (group instanceof Inet6Address)
            {
                if (source == null)
                {
                    socket.leaveGroup6(Addresses.hi(group), Addresses.lo(group), key.interfaceIndex);
                }
                else
                {
                    socket.leaveSource6(Addresses.hi(group), Addresses.lo(group), key.interfaceIndex,
                        Addresses.hi(source), Addresses.lo(source));
                }
            }
            else if (source == null)
            {
                socket.leaveGroup(Addresses.toStack(group), key.interfaceIndex);
            }
            else
            {
                socket.leaveSource(Addresses.toStack(group), key.interfaceIndex, Addresses.toStack(source));
            }
        }
        finally
        {
            lock.exit();
        }
    }

    /** Takes the stack lock for a key's operation that cannot throw IOException; false (key invalid) if gone. */
    private boolean enterOrInvalidate(final StackMembershipKey key)
    {
        try
        {
            lock.enter();
            return true;
        }
        catch (final IOException e)
        {
            key.invalidate();
            return false;
        }
    }

    void block(final StackMembershipKey key, final InetAddress source) throws IOException
    {
        lock.enter();
        try
        {
            // As the JDK: a dropped key, or a source already blocked, is left as it is.
            if (!key.isValid() || key.blocked.contains(source))
            {
                return;
            }
            final InetAddress group = key.group();
            final int result = group instanceof Inet6Address
                ? socket.blockSource6(Addresses.hi(group), Addresses.lo(group), key.interfaceIndex,
                    Addresses.hi(source), Addresses.lo(source))
                : socket.blockSource(Addresses.toStack(group), key.interfaceIndex, Addresses.toStack(source));
            if (result < 0)
            {
                throw new SocketException(Errno.message(result));
            }
            key.blocked.add(source);
        }
        finally
        {
            lock.exit();
        }
    }

    void unblock(final StackMembershipKey key, final InetAddress source)
    {
        if (!enterOrInvalidate(key))
        {
            if (!key.blocked.contains(source))
            {
                throw new IllegalStateException("not blocked");
            }
            return;
        }
        try
        {
            if (!key.blocked.contains(source))
            {
                throw new IllegalStateException("not blocked");
            }
            key.blocked.remove(source);
            if (key.isValid() && !closed)
            {
                final InetAddress group = key.group();
                if (group instanceof Inet6Address)
                {
                    socket.unblockSource6(Addresses.hi(group), Addresses.lo(group), key.interfaceIndex,
                        Addresses.hi(source), Addresses.lo(source));
                }
                else
                {
                    socket.unblockSource(Addresses.toStack(group), key.interfaceIndex, Addresses.toStack(source));
                }
            }
        }
        finally
        {
            lock.exit();
        }
    }

    @Override
    <T> boolean setOwnOption(final SocketOption<T> name, final T value) throws IOException
    {
        if (name != StandardSocketOptions.IP_MULTICAST_IF)
        {
            return false;
        }
        final NetworkInterface nif = (NetworkInterface)value;
        final int index = engine.interfaces().indexOf(nif);
        if (index < 0)
        {
            throw new SocketException("jbypass: " + nif.getName() + " is not a stack interface, and this channel is "
                + "served by the stack");
        }
        socket.multicastInterface(index);
        multicastInterface = nif;
        return true;
    }

    @Override
    Object getOwnOption(final SocketOption<?> name)
    {
        return name == StandardSocketOptions.IP_MULTICAST_IF ? multicastInterface : NOT_OWN;
    }

    @Override
    void closeSocket()
    {
        for (final StackMembershipKey key : memberships)
        {
            key.invalidate();
        }
        memberships.clear();
        carried.clear();
        hasCarried = false;
        socket.close();
        socket.listener(null);
    }

    @Override
    public int stackReadyOps()
    {
        final int ops = readyOps;
        int translated = 0;
        if ((ops & Readiness.READ) != 0 || hasCarried)
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
