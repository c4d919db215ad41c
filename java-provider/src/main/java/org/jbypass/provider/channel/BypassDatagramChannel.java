package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.MembershipKey;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import java.util.Set;

import org.jbypass.provider.config.Backend;
import org.jbypass.provider.config.StackInterfaces;
import org.jbypass.provider.select.HybridChannel;
import org.jbypass.provider.select.SelectorView;

/**
 * The {@link DatagramChannel} the provider hands out: the backing is chosen by bind, connect or the first send (by
 * the destination), options set before are replayed; a join before any of these chooses by its interface (a stack
 * interface's netdev or address: the stack; any other: the JDK), and a stack-served channel joins on stack
 * interfaces only. See
 * {@link ChannelCore} for what every kind of channel does alike.
 *
 * <p>A channel the JDK serves because it was bound to the wildcard or to a group (with {@code bind.wildcard =
 * kernel}, and always through {@code new MulticastSocket(port)}, which binds before it joins) <em>moves</em> to
 * the stack when it joins a group on a stack interface, or sets IP_MULTICAST_IF to one, before it sent or received
 * anything and while it has no membership on the JDK's side ({@code multicast.move-on-join}, on by default): the
 * stack socket is bound as the JDK's was and delivers first what the JDK's had queued. "Before it sent or
 * received" makes the move safe without a lock on the data path: no operation can be inside the JDK channel while
 * it is replaced (the first data operation and the move exclude each other on {@link #useLock}).
 */
public final class BypassDatagramChannel extends DatagramChannel implements HybridChannel
{
    private final ChannelCore<DatagramBackend> core;
    /** Taken by the first data operation and by a move to the stack, so that they exclude each other. */
    private final Object useLock = new Object();
    /** Whether a data operation (send, receive, read, write, connect) ever started; set under {@link #useLock}. */
    private volatile boolean used;
    /** Whether the channel ever joined a group on the JDK's side (it then never moves). */
    private volatile boolean kernelJoined;

    BypassDatagramChannel(final ProviderContext context, final ProtocolFamily family)
    {
        super(context.provider());
        this.core = new ChannelCore<>(this, context, PlatformDefaults::datagram,
            (c, engine) -> new StackDatagramBackend(c, engine, Addresses.family6(family)),
            (c, platform) -> new PlatformDatagramBackend(c, family == null ? platform.openDatagramChannel()
                : platform.openDatagramChannel(family)), this::begin, this::end);
    }

    /** A channel served by a JDK channel from the start (inherited). */
    BypassDatagramChannel(final ProviderContext context, final DatagramChannel platform) throws IOException
    {
        this(context, (ProtocolFamily)null);
        core.backedBy(new PlatformDatagramBackend(core, platform));
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
    public DatagramChannel bind(final SocketAddress local) throws IOException
    {
        core.forLocal(local).bind(local);
        return this;
    }

    @Override
    public <T> DatagramChannel setOption(final SocketOption<T> name, final T value) throws IOException
    {
        final DatagramBackend b = core.backing();
        if (b != null && name == StandardSocketOptions.IP_MULTICAST_IF && value instanceof NetworkInterface
            && core.context().router().namesStackInterface((NetworkInterface)value))
        {
            // Naming a stack interface to send multicast from is naming the stack, as a join on it is. A channel
            // not yet bound keeps the option and decides at its bind, join, or first send to a group.
            moveToStack(b);
        }
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
    public DatagramSocket socket()
    {
        return core.adaptor(() -> core.context().adaptors().datagramSocket(this));
    }

    @Override
    public boolean isConnected()
    {
        final DatagramBackend b = core.backing();
        return b != null && b.isConnected();
    }

    @Override
    public DatagramChannel connect(final SocketAddress remote) throws IOException
    {
        use();
        core.forRemote(remote).connect(remote);
        return this;
    }

    @Override
    public DatagramChannel disconnect() throws IOException
    {
        final DatagramBackend b = core.backing();
        if (b != null)
        {
            b.disconnect();
        }
        return this;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException
    {
        core.ensureOpen();
        final DatagramBackend b = core.backing();
        return b == null ? null : b.remoteAddress();
    }

    @Override
    public SocketAddress receive(final ByteBuffer dst) throws IOException
    {
        use();
        Objects.requireNonNull(dst);
        if (dst.isReadOnly())
        {
            throw new IllegalArgumentException("Read-only buffer");
        }
        // An unbound channel is bound to the wildcard address first, as the JDK's is.
        return core.forLocal(null).receive(dst);
    }

    @Override
    public int send(final ByteBuffer src, final SocketAddress target) throws IOException
    {
        Objects.requireNonNull(src);
        multicastSender(target);
        use();
        return core.forRemote(target).send(src, target);
    }

    /**
     * Before a send: a send to an IPv4 group with IP_MULTICAST_IF naming a stack interface goes to the stack, as a
     * join on it does (a channel not yet bound is chosen for the stack; a fresh wildcard-bound one moves there).
     */
    private void multicastSender(final SocketAddress target) throws IOException
    {
        if (used || !(target instanceof InetSocketAddress) || ((InetSocketAddress)target).getAddress() == null
            || !((InetSocketAddress)target).getAddress().isMulticastAddress())
        {
            return;
        }
        final NetworkInterface nif = core.getOption(StandardSocketOptions.IP_MULTICAST_IF);
        if (nif == null || !core.context().router().namesStackInterface(nif))
        {
            return;
        }
        final DatagramBackend b = core.backing();
        if (b == null)
        {
            core.ensureOpen();
            core.choose(Backend.STACK);
        }
        else
        {
            moveToStack(b);
        }
    }

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        use();
        Objects.requireNonNull(dst);
        return core.connected().read(dst);
    }

    @Override
    public long read(final ByteBuffer[] dsts, final int offset, final int length) throws IOException
    {
        use();
        Objects.checkFromIndexSize(offset, length, dsts.length);
        return core.connected().read(dsts, offset, length);
    }

    @Override
    public int write(final ByteBuffer src) throws IOException
    {
        use();
        Objects.requireNonNull(src);
        return core.connected().write(src);
    }

    @Override
    public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        use();
        Objects.checkFromIndexSize(offset, length, srcs.length);
        return core.connected().write(srcs, offset, length);
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException
    {
        core.ensureOpen();
        final DatagramBackend b = core.backing();
        return b == null ? null : b.localAddress();
    }

    @Override
    public MembershipKey join(final InetAddress group, final NetworkInterface interf) throws IOException
    {
        final DatagramBackend b = forMulticast(group, interf);
        if (b instanceof PlatformDatagramBackend)
        {
            return onPlatform(() -> b.join(group, interf));
        }
        return b.join(group, interf);
    }

    @Override
    public MembershipKey join(final InetAddress group, final NetworkInterface interf, final InetAddress source)
        throws IOException
    {
        final DatagramBackend b = forMulticast(group, interf);
        if (b instanceof PlatformDatagramBackend)
        {
            return onPlatform(() -> b.join(group, interf, source));
        }
        return b.join(group, interf, source);
    }

    /** A join on the JDK's side. */
    @FunctionalInterface
    public interface PlatformJoin<T>
    {
        T join() throws IOException;
    }

    /**
     * Joins on the JDK's side, exclusive with a move ({@link #moveToStack}): a channel with a JDK membership never
     * moves, and a move never closes a JDK socket a join is being made on.
     */
    public <T> T onPlatform(final PlatformJoin<T> join) throws IOException
    {
        synchronized (useLock)
        {
            final T result = join.join();
            kernelJoined = true;
            return result;
        }
    }

    /**
     * The backing, or if there is none yet the one the join's interface chooses: the stack's for a stack interface,
     * the JDK's otherwise (as the JDK's, an unbound channel may join and bind later). A JDK backing bound to the
     * wildcard or a group moves to the stack for a join on a stack interface (see the class comment).
     */
    private DatagramBackend forMulticast(final InetAddress group, final NetworkInterface interf) throws IOException
    {
        final DatagramBackend b = core.backing();
        if (b != null)
        {
            return core.context().router().namesStackInterface(interf) ? moveToStack(b) : b;
        }
        core.ensureOpen();
        return core.choose(core.context().router().forJoin(group, interf));
    }

    /**
     * The stack backing this channel moves to, for a join on (or IP_MULTICAST_IF set to) a stack interface; or
     * {@code b} when it does not move: it is the stack's already, it was used, it joined on the JDK's side, it is
     * connected or bound to a unicast address, or {@code multicast.move-on-join} is off.
     */
    private DatagramBackend moveToStack(final DatagramBackend b) throws IOException
    {
        if (!(b instanceof PlatformDatagramBackend) || !core.context().router().movesOnJoin())
        {
            return b;
        }
        synchronized (useLock)
        {
            if (used || kernelJoined || b.isConnected() || b != core.backing())
            {
                return core.backing();
            }
            final SocketAddress local = b.localAddress();
            if (!(local instanceof InetSocketAddress)
                || !isWildcardOrGroup(((InetSocketAddress)local).getAddress()))
            {
                return b;
            }
            try
            {
                return core.move(b, (from, to) -> ((StackDatagramBackend)to).takeOver(
                    (PlatformDatagramBackend)from));
            }
            catch (final ClosedChannelException e)
            {
                throw e;
            }
            catch (final IOException e)
            {
                final SocketException wrapped = new SocketException("jbypass: this datagram socket, bound to " + local
                    + " on the kernel, joins on a stack interface and cannot move to the stack (" + e.getMessage()
                    + "); bind it to the stack's address, or set multicast.move-on-join = false to leave it with "
                    + "the kernel");
                wrapped.initCause(e);
                throw wrapped;
            }
        }
    }

    private static boolean isWildcardOrGroup(final InetAddress address)
    {
        return address.isAnyLocalAddress() || address.isMulticastAddress();
    }

    /** Marks the channel used before its first data operation: it can no longer move ({@link #moveToStack}). */
    private void use()
    {
        if (!used)
        {
            synchronized (useLock)
            {
                used = true;
            }
        }
    }

    /** The membership of {@code group} on {@code interf}, or null: for the MulticastSocket adaptor's checks. */
    public MembershipKey findMembership(final InetAddress group, final NetworkInterface interf) throws IOException
    {
        final DatagramBackend b = core.backing();
        return b instanceof StackDatagramBackend ? ((StackDatagramBackend)b).findMembership(group, interf) : null;
    }

    /**
     * The JDK's own {@code socket()} of the JDK channel serving this one, or null when the stack serves it or
     * nothing does yet: the MulticastSocket adaptor hands a kernel channel's multicast calls to it, for the JDK's
     * exact behaviour (its default interface among them).
     */
    public MulticastSocket platformSocket()
    {
        final DatagramBackend b = core.backing();
        return b instanceof PlatformDatagramBackend ? ((PlatformDatagramBackend)b).platformSocket() : null;
    }

    /**
     * Where a join without an interface goes before the channel has a backing, and the backing it then has: the
     * stack when a route of the stack's covers the group (the kernel picks a group's interface by its route too),
     * the JDK otherwise.
     */
    public void chooseForDefaultJoin(final InetAddress group) throws IOException
    {
        if (core.backing() == null)
        {
            core.ensureOpen();
            core.choose(core.context().router().forDestination(group));
        }
    }

    /**
     * Chooses or moves the backing for a join of {@code group} on {@code interf}, as {@link #join} does, without
     * joining: for the MulticastSocket adaptor, which then joins through the JDK's own adaptor or the channel.
     */
    public void chooseForJoin(final InetAddress group, final NetworkInterface interf) throws IOException
    {
        forMulticast(group, interf);
    }

    /** The stack interface a join without one uses on this stack channel ({@code Router.stackInterfaceFor}). */
    public int defaultStackInterface(final InetAddress group) throws IOException
    {
        return group instanceof Inet4Address ? core.context().router().stackInterfaceFor(Addresses.toStack(group))
            : core.context().router().stackInterfaceFor6(Addresses.hi(group), Addresses.lo(group));
    }

    /** The JDK's own provider. */
    public SelectorProvider platformProvider()
    {
        return core.context().platform();
    }

    /** The stack interfaces of this channel's configuration, as the JDK names them. */
    public StackInterfaces stackInterfaces() throws IOException
    {
        return core.context().router().interfaces();
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

    public void adaptorBind(final SocketAddress local) throws IOException
    {
        bind(local);
    }

    /** A blocking receive with a timeout (0: none), for {@code DatagramSocket.receive}. */
    public void adaptorReceive(final DatagramPacket packet, final int timeoutMillis) throws IOException
    {
        use();
        if (!isBlocking())
        {
            throw new IllegalBlockingModeException();
        }
        core.forLocal(null).adaptorReceive(packet, timeoutMillis);
    }

    /** A blocking send, for {@code DatagramSocket.send}. */
    public void adaptorSend(final DatagramPacket packet) throws IOException
    {
        if (packet.getAddress() != null)
        {
            multicastSender(packet.getSocketAddress());
        }
        use();
        if (!isBlocking())
        {
            throw new IllegalBlockingModeException();
        }
        final InetAddress address = packet.getAddress();
        final DatagramBackend b = address == null ? core.connected() : core.forRemote(packet.getSocketAddress());
        b.adaptorSend(packet);
    }

    @Override
    public String toString()
    {
        final DatagramBackend b = core.backing();
        return getClass().getSuperclass().getName() + '[' + (!isOpen() ? "closed"
            : b == null ? "unbound" : (b.isConnected() ? "connected" : "unconnected")
            + core.servedBy(b)) + ']';
    }
}
