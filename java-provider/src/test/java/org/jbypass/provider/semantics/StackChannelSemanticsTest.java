package org.jbypass.provider.semantics;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.spi.SelectorProvider;
import java.util.Map;
import java.util.Properties;

import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;
import org.junit.jupiter.api.AfterAll;

/**
 * The suite against two jbypass stacks joined by an in-memory wire: the client's provider has 198.18.240.1, the
 * server's 198.18.240.2, each with its own stack, pollers and pool, so every byte crosses the wire as Ethernet
 * frames (ARP, IPv4, TCP, UDP) exactly as on a NIC. Pollers block in the wire's wait, as with the default
 * configuration. Variants of the configuration subclass this with their own {@link Stacks}.
 */
class StackChannelSemanticsTest extends ChannelSemanticsSuite
{
    private static final Stacks STACKS = new Stacks("semantics-", "198.18.240", Map.of());

    @AfterAll
    static void shutdown()
    {
        STACKS.shutdown();
    }

    /** The two stacks this class runs the suite against. */
    protected Stacks stacks()
    {
        return STACKS;
    }

    @Override
    protected SelectorProvider clientProvider()
    {
        return stacks().client;
    }

    @Override
    protected SelectorProvider serverProvider()
    {
        return stacks().server;
    }

    @Override
    protected InetAddress serverAddress()
    {
        return stacks().serverAddress;
    }

    @Override
    protected InetAddress clientAddress()
    {
        return stacks().clientAddress;
    }

    /**
     * A client's and a server's provider on one memory wire of this JVM, at {@code subnet}.1 and {@code subnet}.2,
     * with the default configuration plus {@code extra}; each starts its stack at first use.
     */
    static final class Stacks
    {
        final BypassSelectorProvider client;
        final BypassSelectorProvider server;
        final InetAddress clientAddress;
        final InetAddress serverAddress;

        Stacks(final String wirePrefix, final String subnet, final Map<String, String> extra)
        {
            this(wirePrefix, subnet, extra, Map.of(), Map.of());
        }

        /** As above, with keys for the client's and the server's configuration only (their IPv6 addresses). */
        Stacks(final String wirePrefix, final String subnet, final Map<String, String> extra,
            final Map<String, String> clientExtra, final Map<String, String> serverExtra)
        {
            final String wire = wirePrefix + ProcessHandle.current().pid();
            final Map<String, String> forClient = new java.util.HashMap<>(extra);
            forClient.putAll(clientExtra);
            final Map<String, String> forServer = new java.util.HashMap<>(extra);
            forServer.putAll(serverExtra);
            client = provider(wire, subnet + ".1", forClient);
            server = provider(wire, subnet + ".2", forServer);
            clientAddress = address(subnet + ".1");
            serverAddress = address(subnet + ".2");
        }

        void shutdown()
        {
            client.shutdown();
            server.shutdown();
        }

        private static BypassSelectorProvider provider(final String wire, final String address,
            final Map<String, String> extra)
        {
            return new BypassSelectorProvider(() ->
            {
                final Properties p = new Properties();
                p.setProperty("interface.m0.driver", "memory");
                p.setProperty("interface.m0.host-if", wire);
                p.setProperty("interface.m0.address", address + "/24");
                p.setProperty("stack.buffers", "8192");
                p.setProperty("stack.seed", "42");
                p.putAll(extra);
                return ConfigParser.parse(null, p);
            }, new Drivers());
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
}
