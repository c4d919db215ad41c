package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.util.Set;

/**
 * A backing that is a JDK channel (a kernel socket, or a pipe's end): every operation is the JDK channel's own, so
 * it behaves exactly as without jbypass. The JDK channel's blocking mode follows the wrapper's; its interrupt
 * handling is its own (a thread has one blocker slot, so the wrapper does not call {@code begin()} around it), and
 * when an interrupt or a failure closes it the wrapper closes too, as the JDK's channel would have: every operation
 * that can close it runs through {@link #call}.
 *
 * @param <C> the JDK channel
 */
abstract class PlatformBacking<C extends SelectableChannel> implements Backing
{
    /** An operation on the JDK channel. */
    @FunctionalInterface
    interface PlatformCall<T>
    {
        T call() throws IOException;
    }

    final C channel;
    final ChannelCore<?> owner;

    PlatformBacking(final ChannelCore<?> owner, final C channel)
    {
        this.owner = owner;
        this.channel = channel;
    }

    /** Runs an operation of the JDK channel; if it failed because the JDK channel was closed, closes the wrapper. */
    final <T> T call(final PlatformCall<T> operation) throws IOException
    {
        try
        {
            return operation.call();
        }
        catch (final IOException e)
        {
            if (!channel.isOpen())
            {
                owner.closeAfterBackingClosed();
            }
            throw e;
        }
    }

    private NetworkChannel network()
    {
        if (channel instanceof NetworkChannel)
        {
            return (NetworkChannel)channel;
        }
        throw new UnsupportedOperationException("a pipe has no socket options");
    }

    @Override
    public SocketAddress localAddress() throws IOException
    {
        return network().getLocalAddress();
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        return channel instanceof NetworkChannel ? ((NetworkChannel)channel).supportedOptions() : Set.of();
    }

    @Override
    public <T> void setOption(final SocketOption<T> name, final T value) throws IOException
    {
        network().setOption(name, value);
    }

    @Override
    public <T> T getOption(final SocketOption<T> name) throws IOException
    {
        return network().getOption(name);
    }

    @Override
    public void configureBlocking(final boolean block) throws IOException
    {
        channel.configureBlocking(block);
    }

    @Override
    public void close() throws IOException
    {
        channel.close();
    }

    @Override
    public SelectableChannel platformChannel()
    {
        return channel;
    }

    @Override
    public int stackReadyOps()
    {
        return 0;
    }
}
