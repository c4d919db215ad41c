package org.jbypass.provider.semantics;

import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.Properties;

import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.junit.jupiter.api.AfterAll;

/**
 * The suite against jbypass's provider with every socket routed to the JDK (loopback is no stack address): the
 * wrapper channels, option replay, adaptors and the hybrid selector over JDK channels.
 */
class KernelRoutedChannelSemanticsTest extends ChannelSemanticsSuite
{
    private static final BypassSelectorProvider PROVIDER = new BypassSelectorProvider(() ->
    {
        final Properties p = new Properties();
        p.setProperty("interface.s0.driver", "memory");
        p.setProperty("interface.s0.host-if", "unused-wire");
        p.setProperty("interface.s0.address", "198.18.250.1/24");
        return ConfigParser.parse(null, p);
    }, (config, iface, pool, time) ->
    {
        throw new AssertionError("no socket of this test may reach the stack");
    });

    @AfterAll
    static void shutdown()
    {
        PROVIDER.shutdown();
    }

    @Override
    protected SelectorProvider clientProvider()
    {
        return PROVIDER;
    }

    @Override
    protected SelectorProvider serverProvider()
    {
        return PROVIDER;
    }

    @Override
    protected InetAddress serverAddress()
    {
        return InetAddress.getLoopbackAddress();
    }

    @Override
    protected InetAddress clientAddress()
    {
        return InetAddress.getLoopbackAddress();
    }
}
