package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

import org.jbypass.provider.config.Backend;
import org.jbypass.provider.engine.StackEngine;
import org.jbypass.provider.select.HybridKey;
import org.jbypass.provider.select.SelectorView;

/**
 * The part of a provider channel that does not depend on its kind. The JDK makes each kind of channel extend its own
 * abstract class ({@code SocketChannel}, {@code ServerSocketChannel}, {@code DatagramChannel}, a pipe's ends), so
 * they share this object instead of a base class: the backing slot and its choice at bind or connect, the options
 * set before that choice (kept, read back and replayed onto the backing), the lazy {@code socket()} adaptor, the
 * selector keys and what a {@link org.jbypass.provider.select.HybridSelector} sees, close and blocking mode. The
 * channel's kind-specific operations ask {@link #backing()}, or {@link #forLocal}/{@link #forRemote} to choose one.
 *
 * <p>Locks: the backing is chosen under the channel's registration lock ({@code blockingLock()}), so that the
 * blocking mode it is given cannot change meanwhile; a close racing the choice is caught by re-checking
 * {@code isOpen()} after publishing the backing (the close publishes {@code closed} before it reads the backing).
 *
 * @param <B> the kind's backing
 */
final class ChannelCore<B extends Backing> implements SelectorView
{
    /** Opens a stack backing for a channel; the core configures it and replays the pending options. */
    @FunctionalInterface
    interface StackOpener<B extends Backing>
    {
        B open(ChannelCore<B> core, StackEngine engine) throws IOException;
    }

    /** Opens a JDK backing for a channel, on the JDK's provider. */
    @FunctionalInterface
    interface PlatformOpener<B extends Backing>
    {
        B open(ChannelCore<B> core, SelectorProvider platform) throws IOException;
    }

    /** The JDK's options and their defaults for a new channel of a kind. */
    @FunctionalInterface
    interface DefaultsOf
    {
        PlatformDefaults.Defaults of(SelectorProvider platform) throws IOException;
    }

    /** {@code AbstractInterruptibleChannel.end(boolean)}, which only the channel itself may call. */
    @FunctionalInterface
    interface BlockingEnd
    {
        void end(boolean completed) throws IOException;
    }

    private final AbstractSelectableChannel channel;
    private final ProviderContext context;
    private final DefaultsOf defaults;
    private final StackOpener<B> stackOpener;
    private final PlatformOpener<B> platformOpener;
    private final Runnable begin;
    private final BlockingEnd end;
    private final PendingOptions pending = new PendingOptions();
    private final ChannelKeys keys = new ChannelKeys();
    private volatile B backing;
    private volatile Object adaptor;

    /**
     * @param channel  the channel this is the core of
     * @param defaults the JDK's options for the kind, answered until a backing is chosen
     * @param stack    opens a stack backing when the router chooses the stack
     * @param platform opens a JDK backing when the router chooses the JDK
     * @param begin    the channel's {@code begin()}, around blocking operations of a stack backing
     * @param end      the channel's {@code end(boolean)}
     */
    ChannelCore(final AbstractSelectableChannel channel, final ProviderContext context, final DefaultsOf defaults,
        final StackOpener<B> stack, final PlatformOpener<B> platform, final Runnable begin, final BlockingEnd end)
    {
        this.channel = channel;
        this.context = context;
        this.defaults = defaults;
        this.stackOpener = stack;
        this.platformOpener = platform;
        this.begin = begin;
        this.end = end;
    }

    ProviderContext context()
    {
        return context;
    }

    ChannelKeys keys()
    {
        return keys;
    }

    AbstractSelectableChannel channel()
    {
        return channel;
    }

    boolean isBlocking()
    {
        return channel.isBlocking();
    }

    /** The backing, or null while undecided. */
    B backing()
    {
        return backing;
    }

    /**
     * Sets the backing of a channel backed from the start, in its constructor. Both start in blocking mode; the
     * backing follows the channel from now on.
     */
    void backedBy(final B b) throws IOException
    {
        b.configureBlocking(true);
        backing = b;
    }

    /** The backing of a channel that must be connected (or, for a datagram channel, have one) for an operation. */
    B connected() throws IOException
    {
        final B b = backing;
        if (b == null)
        {
            ensureOpen();
            throw new NotYetConnectedException();
        }
        return b;
    }

    /** Whether the stack serves the channel; false while undecided. */
    boolean isStackBacked()
    {
        final B b = backing;
        return b != null && b.platformChannel() == null;
    }

    void ensureOpen() throws ClosedChannelException
    {
        if (!channel.isOpen())
        {
            throw new ClosedChannelException();
        }
    }

    /** The backing, chosen for a bind to {@code local} (null: the wildcard address) if there is none yet. */
    B forLocal(final SocketAddress local) throws IOException
    {
        final B b = backing;
        if (b != null)
        {
            return b;
        }
        ensureOpen();
        final InetSocketAddress isa = local == null ? null : Addresses.check(local);
        return choose(context.router().forBind(isa == null ? null : isa.getAddress()));
    }

    /** The backing, chosen for a connect or send to {@code remote} if there is none yet. */
    B forRemote(final SocketAddress remote) throws IOException
    {
        final B b = backing;
        if (b != null)
        {
            return b;
        }
        final InetSocketAddress isa = Addresses.check(remote);
        ensureOpen();
        return choose(context.router().forDestination(isa.getAddress()));
    }

    /** The backing, or the one {@code which} names if there is none yet. */
    B choose(final Backend which) throws IOException
    {
        final B chosen;
        synchronized (channel.blockingLock())
        {
            if (backing != null)
            {
                return backing;
            }
            ensureOpen();
            final B b = which == Backend.STACK ? stackOpener.open(this, context.engine())
                : platformOpener.open(this, context.platform());
            try
            {
                b.configureBlocking(channel.isBlocking());
                pending.replay(b);
            }
            catch (final IOException | RuntimeException e)
            {
                b.close();
                throw e;
            }
            backing = b;
            chosen = b;
        }
        if (!channel.isOpen())
        {
            // Closed while we chose: the close may not have seen the new backing.
            chosen.close();
            throw new ClosedChannelException();
        }
        keys.backingChanged();
        return chosen;
    }

    /** Sets up a backing that replaces another ({@link #move}), before it is published. */
    @FunctionalInterface
    interface Handover<B>
    {
        void handOver(B from, B to) throws IOException;
    }

    /**
     * Replaces the JDK backing by a stack backing: opens it, gives it the channel's blocking mode and every option
     * set so far, lets {@code handover} set it up from the old one (bind it as the old one is bound, take what the
     * old one had queued), then publishes it, closes the old one and tells the selector keys. Only for a backing
     * that no operation is using (the caller makes sure); on failure the old backing stays and the new one is
     * closed.
     */
    B move(final B from, final Handover<B> handover) throws IOException
    {
        final B moved;
        synchronized (channel.blockingLock())
        {
            ensureOpen();
            if (backing != from)
            {
                return backing;
            }
            final B b = stackOpener.open(this, context.engine());
            try
            {
                b.configureBlocking(channel.isBlocking());
                pending.replay(b);
                handover.handOver(from, b);
            }
            catch (final IOException | RuntimeException e)
            {
                b.close();
                throw e;
            }
            backing = b;
            moved = b;
        }
        from.close();
        if (!channel.isOpen())
        {
            moved.close();
            throw new ClosedChannelException();
        }
        keys.backingChanged();
        return moved;
    }

    // Options: the backing's, or kept until there is one.

    <T> void setOption(final SocketOption<T> name, final T value) throws IOException
    {
        Objects.requireNonNull(name);
        final B b = backing;
        if (b != null)
        {
            b.setOption(name, value);
            keepForMove(name, value);
            return;
        }
        OptionTable.check(defaults.of(context.platform()).supported(), name, value);
        synchronized (channel.blockingLock())
        {
            ensureOpen();
            if (backing == null)
            {
                pending.put(name, value);
                return;
            }
        }
        backing.setOption(name, value);
        keepForMove(name, value);
    }

    /** A datagram channel may move to the stack at its join ({@link #move}): it keeps its options for that. */
    private void keepForMove(final SocketOption<?> name, final Object value)
    {
        if (channel instanceof DatagramChannel)
        {
            pending.put(name, value);
        }
    }

    <T> T getOption(final SocketOption<T> name) throws IOException
    {
        Objects.requireNonNull(name);
        final B b = backing;
        if (b != null)
        {
            return b.getOption(name);
        }
        final PlatformDefaults.Defaults d = defaults.of(context.platform());
        OptionTable.checkSupported(d.supported(), name);
        ensureOpen();
        return pending.get(name, d.values());
    }

    Set<SocketOption<?>> supportedOptions()
    {
        final B b = backing;
        if (b != null)
        {
            return b.supportedOptions();
        }
        try
        {
            return defaults.of(context.platform()).supported();
        }
        catch (final IOException e)
        {
            throw new IllegalStateException("cannot read the JDK's socket options", e);
        }
    }

    /** The channel's {@code socket()} adaptor, made once. */
    @SuppressWarnings("unchecked")
    <A> A adaptor(final Supplier<A> make)
    {
        Object a = adaptor;
        if (a == null)
        {
            synchronized (this)
            {
                a = adaptor;
                if (a == null)
                {
                    a = adaptor = make.get();
                }
            }
        }
        return (A)a;
    }

    // The channel's implCloseSelectableChannel and implConfigureBlocking.

    void implClose() throws IOException
    {
        final B b = backing;
        if (b != null)
        {
            b.close();
        }
    }

    void implConfigureBlocking(final boolean block) throws IOException
    {
        final B b = backing;
        if (b != null)
        {
            if (block)
            {
                // The keys are cancelled (the JDK refuses to block a channel with a valid key) but the inner keys
                // of the platform channel may not be yet: cancel them, or the JDK channel refuses to block.
                keys.cancelInner();
            }
            b.configureBlocking(block);
        }
    }

    /** The JDK channel under this one was closed (by an interrupt, or a failed connect): close the channel too. */
    void closeAfterBackingClosed()
    {
        try
        {
            channel.close();
        }
        catch (final IOException e)
        {
            // The backing is closed already; nothing else can fail.
        }
    }

    /** The channel's {@code begin()}, for a stack backing's blocking operation. */
    void beginBlocking()
    {
        begin.run();
    }

    /** The channel's {@code end(completed)}. */
    void endBlocking(final boolean completed) throws IOException
    {
        end.end(completed);
    }

    // SelectorView

    @Override
    public SelectableChannel platformChannel()
    {
        final B b = backing;
        return b == null ? null : b.platformChannel();
    }

    @Override
    public int stackReadyOps()
    {
        final B b = backing;
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

    /** " stack" or " kernel", for the channel's toString. */
    String servedBy(final Backing b)
    {
        return b.platformChannel() == null ? " stack" : " kernel";
    }
}
