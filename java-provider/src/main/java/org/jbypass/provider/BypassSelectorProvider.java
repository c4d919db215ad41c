package org.jbypass.provider;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;

import org.jbypass.provider.channel.Channels;
import org.jbypass.provider.channel.PlatformProvider;
import org.jbypass.provider.channel.ProviderContext;
import org.jbypass.provider.engine.Drivers;
import org.jbypass.provider.engine.LinkFactory;
import org.jbypass.provider.net.Adaptors;

/**
 * The jbypass {@link SelectorProvider}: install it with
 * {@code -Djava.nio.channels.spi.SelectorProvider=org.jbypass.provider.BypassSelectorProvider
 * -Djbypass.config=FILE}, or let the agent ({@code -javaagent:jbypass.jar=config=FILE}) install it.
 *
 * <p>Every channel it opens decides at bind or connect time whether the jbypass stack or the JDK serves it (see
 * {@link org.jbypass.provider.config.Router}); its selectors multiplex both kinds; pipes and UNIX-domain channels are
 * the JDK's, wrapped so that they can share a selector. The configuration is read at first use and the stack is
 * started the first time a socket is routed to it, so a JVM that never touches a configured address pays nothing.
 *
 * <p>The constructor does nothing that could call {@link SelectorProvider#provider()}: while the JDK builds the
 * system-wide provider, that method returns null.
 */
public class BypassSelectorProvider extends SelectorProvider
{
    private final Channels channels;

    /** The provider the JDK instantiates: configuration from {@code -Djbypass.config}, the real drivers. */
    public BypassSelectorProvider()
    {
        this(ProviderContext.systemConfig(), new Drivers());
    }

    /**
     * A provider with its own configuration and drivers, for tests and for several stacks in one JVM.
     *
     * @param config reads the configuration, at first use
     * @param links  opens the links of the configured interfaces
     */
    public BypassSelectorProvider(final ProviderContext.ConfigSource config, final LinkFactory links)
    {
        this.channels = new Channels(new ProviderContext(this, PlatformProvider.get(), config, links,
            new Adaptors()));
    }

    /** The provider's shared state: configuration, stack, the JDK's provider. */
    public ProviderContext context()
    {
        return channels.context();
    }

    /** Stops this provider's stack, if it was started; its channels fail from then on. */
    public void shutdown()
    {
        channels.context().shutdown();
    }

    @Override
    public DatagramChannel openDatagramChannel()
    {
        return channels.openDatagramChannel();
    }

    @Override
    public DatagramChannel openDatagramChannel(final ProtocolFamily family) throws IOException
    {
        return channels.openDatagramChannel(family);
    }

    @Override
    public Pipe openPipe() throws IOException
    {
        return channels.openPipe();
    }

    @Override
    public AbstractSelector openSelector() throws IOException
    {
        return channels.openSelector();
    }

    @Override
    public ServerSocketChannel openServerSocketChannel()
    {
        return channels.openServerSocketChannel();
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(final ProtocolFamily family) throws IOException
    {
        return channels.openServerSocketChannel(family);
    }

    @Override
    public SocketChannel openSocketChannel()
    {
        return channels.openSocketChannel();
    }

    @Override
    public SocketChannel openSocketChannel(final ProtocolFamily family) throws IOException
    {
        return channels.openSocketChannel(family);
    }

    @Override
    public Channel inheritedChannel() throws IOException
    {
        return channels.inheritedChannel();
    }
}
