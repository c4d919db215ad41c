package org.jbypass.provider.engine;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.function.UnaryOperator;

import org.jbypass.netstack.link.Link;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;

/**
 * The engine tests' providers: one interface, m0, on an in-process memory wire at {@code address}/24, and the link
 * the memory driver opens wrapped by the test (a link whose poll fails, one with four queues, one that gives its
 * frames to application threads only), so that each test sees the engine do what only that link makes it do.
 */
final class MemoryWireProviders
{
    private MemoryWireProviders()
    {
    }

    /**
     * A provider on {@code wire} at {@code address}/24 with the stack seeded {@code seed}, the test's other
     * {@code keys} (in the properties file's format) and its link as {@code wrap} makes it.
     */
    static BypassSelectorProvider provider(final String wire, final String address, final int seed,
        final String keys, final UnaryOperator<Link> wrap)
    {
        final Drivers drivers = new Drivers();
        return new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            p.setProperty("interface.m0.driver", "memory");
            p.setProperty("interface.m0.host-if", wire);
            p.setProperty("interface.m0.address", address + "/24");
            p.setProperty("stack.seed", Integer.toString(seed));
            try
            {
                p.load(new StringReader(keys));
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
            return ConfigParser.parse(null, p);
        }, (config, iface, pool, time) -> wrap.apply(drivers.open(config, iface, pool, time)));
    }
}
