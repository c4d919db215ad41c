package org.jbypass.provider.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.jbypass.netstack.tcp.TcpConfig;

/**
 * The whole configuration, validated: interfaces, routes, where wildcard binds go, pollers and the stack's pool.
 * Built by {@link ConfigParser}; see docs/PROVIDER.md for every key, its default and its range.
 *
 * @param source     the file it was read from, or null when built in code (tests)
 * @param interfaces the stack's interfaces, at least one, ordered by name
 * @param routes     remote networks reached through the stack
 * @param wildcard   where binds to the wildcard address go
 * @param poller     how pollers idle
 * @param stack      the stack's pool and randomness
 * @param tcp        TCP's settings ({@code tcp.*} keys over TCP's defaults)
 * @param routes6    remote IPv6 networks reached through the stack (the {@code route.N} lines with an IPv6 network)
 * @param multicastMoveOnJoin whether a datagram channel the JDK serves because it was bound to the wildcard or a
 *                   group moves to the stack when it joins on a stack interface before it sent or received
 *                   ({@code multicast.move-on-join})
 */
public record BypassConfig(Path source, List<InterfaceConfig> interfaces, List<RouteConfig> routes,
    WildcardBinding wildcard, PollerConfig poller, StackSettings stack, TcpConfig tcp, List<Route6Config> routes6,
    boolean multicastMoveOnJoin)
{
    /** The system property naming the configuration file. */
    public static final String FILE_PROPERTY = "jbypass.config";

    public static final String BIND_WILDCARD = "bind.wildcard";

    public static final String MULTICAST_MOVE_ON_JOIN = "multicast.move-on-join";

    public BypassConfig
    {
        interfaces = List.copyOf(interfaces);
        routes = List.copyOf(routes);
        routes6 = List.copyOf(routes6);
    }

    /**
     * Reads and validates a configuration file.
     *
     * @throws ConfigurationException naming the file, and the key when one is at fault
     */
    public static BypassConfig load(final Path file) throws ConfigurationException
    {
        final Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file))
        {
            properties.load(in);
        }
        catch (final NoSuchFileException e)
        {
            throw new ConfigurationException(file, null, "file not found", e);
        }
        catch (final IOException | IllegalArgumentException e)
        {
            // Properties.load throws IllegalArgumentException for a malformed \\uXXXX escape.
            throw new ConfigurationException(file, null, "cannot read: " + e.getMessage(), e);
        }
        return ConfigParser.parse(file, properties);
    }

    /** The interface with that name, or null. */
    public InterfaceConfig interfaceNamed(final String name)
    {
        for (final InterfaceConfig config : interfaces)
        {
            if (config.name().equals(name))
            {
                return config;
            }
        }
        return null;
    }

    /** How long a thread waiting on a socket of an interface drives the stack before it parks; 0 never. */
    public long busyWaitOf(final InterfaceConfig config)
    {
        return config.busyWaitNanos() != null ? config.busyWaitNanos() : poller.busyWaitNanos();
    }

    /** The idle strategy of an interface's pollers. */
    public IdleStrategyKind idleOf(final InterfaceConfig config)
    {
        return config.idle() != null ? config.idle() : poller.idle();
    }
}
