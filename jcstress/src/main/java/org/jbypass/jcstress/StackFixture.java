package org.jbypass.jcstress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
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
            engine.enter();
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
            engine.exit();
        }
    }
}
