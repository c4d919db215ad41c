package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;

import org.jbypass.provider.select.HybridSelector;

/** Creates the provider's channels and selectors: the provider's {@code open*} methods delegate here. */
public final class Channels
{
    private final ProviderContext context;
    private Channel inherited;
    private boolean haveInherited;

    public Channels(final ProviderContext context)
    {
        this.context = context;
    }

    public ProviderContext context()
    {
        return context;
    }

    public SocketChannel openSocketChannel()
    {
        return new BypassSocketChannel(context, (ProtocolFamily)null);
    }

    /** UNIX-domain channels go to the JDK at once; INET and INET6 are routed at bind or connect. */
    public SocketChannel openSocketChannel(final ProtocolFamily family) throws IOException
    {
        if (family == StandardProtocolFamily.INET || family == StandardProtocolFamily.INET6)
        {
            return new BypassSocketChannel(context, family);
        }
        final SocketChannel platform = context.platform().openSocketChannel(family);
        try
        {
            return new BypassSocketChannel(context, platform);
        }
        catch (final IOException | RuntimeException e)
        {
            platform.close();
            throw e;
        }
    }

    public ServerSocketChannel openServerSocketChannel()
    {
        return new BypassServerSocketChannel(context, (ProtocolFamily)null);
    }

    public ServerSocketChannel openServerSocketChannel(final ProtocolFamily family) throws IOException
    {
        if (family == StandardProtocolFamily.INET || family == StandardProtocolFamily.INET6)
        {
            return new BypassServerSocketChannel(context, family);
        }
        final ServerSocketChannel platform = context.platform().openServerSocketChannel(family);
        try
        {
            return new BypassServerSocketChannel(context, platform);
        }
        catch (final IOException | RuntimeException e)
        {
            platform.close();
            throw e;
        }
    }

    public DatagramChannel openDatagramChannel()
    {
        return new BypassDatagramChannel(context, (ProtocolFamily)null);
    }

    public DatagramChannel openDatagramChannel(final ProtocolFamily family) throws IOException
    {
        if (family == StandardProtocolFamily.INET || family == StandardProtocolFamily.INET6)
        {
            return new BypassDatagramChannel(context, family);
        }
        // The JDK throws UnsupportedOperationException for any other family; let it say so.
        final DatagramChannel platform = context.platform().openDatagramChannel(family);
        try
        {
            return new BypassDatagramChannel(context, platform);
        }
        catch (final IOException | RuntimeException e)
        {
            platform.close();
            throw e;
        }
    }

    public Pipe openPipe() throws IOException
    {
        final Pipe platform = context.platform().openPipe();
        try
        {
            return new BypassPipe(context, platform);
        }
        catch (final IOException | RuntimeException e)
        {
            platform.source().close();
            platform.sink().close();
            throw e;
        }
    }

    public AbstractSelector openSelector() throws IOException
    {
        return new HybridSelector(context.provider(), context.platform().openSelector(), new SelectorPolling(context));
    }

    /**
     * The channel this JVM inherited (inetd, systemd socket activation), wrapped so that it can go on our
     * selectors; it stays with the JDK.
     */
    public synchronized Channel inheritedChannel() throws IOException
    {
        // The JDK returns the same channel every time; so do we.
        if (!haveInherited)
        {
            inherited = wrapInherited(context.platform().inheritedChannel());
            haveInherited = true;
        }
        return inherited;
    }

    private Channel wrapInherited(final Channel platform) throws IOException
    {
        if (platform instanceof SocketChannel)
        {
            return new BypassSocketChannel(context, (SocketChannel)platform);
        }
        if (platform instanceof ServerSocketChannel)
        {
            return new BypassServerSocketChannel(context, (ServerSocketChannel)platform);
        }
        if (platform instanceof DatagramChannel)
        {
            return new BypassDatagramChannel(context, (DatagramChannel)platform);
        }
        return platform;
    }
}
