package org.jbypass.jcstress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Properties;

import org.jbypass.netstack.core.Stack;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.StackEngine;

/**
 * One jbypass provider shared by all stress tests: a stack with one interface on a {@link NullLink}, its poller
 * blocking in the link's wait. Tests talk to the stack's own address, which the stack delivers inside itself.
 */
final class StackFixture
{
    static final String ADDRESS = "198.18.201.1";
    static final BypassSelectorProvider PROVIDER = new BypassSelectorProvider(() ->
    {
        final Properties p = new Properties();
        p.setProperty("interface.j0.driver", "memory");
        p.setProperty("interface.j0.host-if", "jcstress");
        p.setProperty("interface.j0.address", ADDRESS + "/24");
        p.setProperty("poller.idle", "block");
        p.setProperty("stack.buffers", "4096");
        p.setProperty("stack.seed", "1");
        return ConfigParser.parse(null, p);
    }, (config, iface, pool, time) -> new NullLink(pool));

    private StackFixture()
    {
    }

    static InetAddress address()
    {
        try
        {
            return InetAddress.getByName(ADDRESS);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** A datagram channel of the stack, bound to the stack's address. */
    static DatagramChannel datagram()
    {
        try
        {
            final DatagramChannel dc = PROVIDER.openDatagramChannel();
            dc.bind(new InetSocketAddress(address(), 0));
            return dc;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    static StackEngine engine()
    {
        try
        {
            return PROVIDER.context().engine();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** A listening stack channel on the stack's address, on a port of its own. */
    static ServerSocketChannel listener()
    {
        try
        {
            final ServerSocketChannel server = PROVIDER.openServerSocketChannel();
            server.bind(new InetSocketAddress(address(), 0));
            return server;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A TCP connection inside the stack (to its own address), both ends blocking: [client, server]. Both have
     * SO_LINGER 0, so that closing them resets the connection and leaves no TIME_WAIT behind: millions of
     * iterations would otherwise run out of ports.
     */
    static SocketChannel[] connectedPair()
    {
        synchronized (StackFixture.class)
        {
            try
            {
                if (pairListener == null)
                {
                    pairListener = listener();
                }
                final SocketChannel client = PROVIDER.openSocketChannel();
                client.setOption(StandardSocketOptions.SO_LINGER, 0);
                client.connect(pairListener.getLocalAddress());
                final SocketChannel server = pairListener.accept();
                server.setOption(StandardSocketOptions.SO_LINGER, 0);
                return new SocketChannel[] {client, server};
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static ServerSocketChannel pairListener;

    /** Closes without a checked exception (actors may not throw one). */
    static void close(final java.io.Closeable c)
    {
        try
        {
            c.close();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** Packet buffers in use now, read under the stack lock. */
    static int buffersInUse()
    {
        final StackEngine engine = engine();
        try
        {
            engine.lock().enter();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        try
        {
            final Stack stack = engine.stack();
            return stack.pool().inUse();
        }
        finally
        {
            engine.lock().exit();
        }
    }
}
