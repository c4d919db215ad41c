package org.jbypass.provider.semantics;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.spi.SelectorProvider;
import java.util.Properties;

import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;
import org.junit.jupiter.api.AfterAll;

/**
 * The suite against two jbypass stacks joined by an in-memory wire, as {@link StackChannelSemanticsTest}, with the
 * latency profile: every blocking operation and every selection on stack keys drives the stack itself for a while
 * before it parks, racing the pollers for the rings. The JDK's semantics must hold all the same.
 */
class BusyWaitChannelSemanticsTest extends ChannelSemanticsSuite
{
    private static final String WIRE = "busy-semantics-" + ProcessHandle.current().pid();
    private static final BypassSelectorProvider CLIENT = provider("198.18.241.1");
    private static final BypassSelectorProvider SERVER = provider("198.18.241.2");

    private static BypassSelectorProvider provider(final String address)
    {
        return new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            p.setProperty("interface.m0.driver", "memory");
            p.setProperty("interface.m0.host-if", WIRE);
            p.setProperty("interface.m0.address", address + "/24");
            p.setProperty("stack.buffers", "8192");
            p.setProperty("stack.seed", "42");
            p.setProperty("profile", "latency");
            return ConfigParser.parse(null, p);
        }, new Drivers());
    }

    @AfterAll
    static void shutdown()
    {
        CLIENT.shutdown();
        SERVER.shutdown();
    }

    @Override
    protected SelectorProvider clientProvider()
    {
        return CLIENT;
    }

    @Override
    protected SelectorProvider serverProvider()
    {
        return SERVER;
    }

    @Override
    protected InetAddress serverAddress()
    {
        return address("198.18.241.2");
    }

    @Override
    protected InetAddress clientAddress()
    {
        return address("198.18.241.1");
    }

    private static InetAddress address(final String text)
    {
        try
        {
            return InetAddress.getByName(text);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException(e);
        }
    }
}
