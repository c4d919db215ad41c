package org.jbypass.provider.config;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.testing.ChannelLink;

/**
 * Coverage-guided fuzzing of the configuration (DEVELOPERS.md, "Fuzzing"): "bad configuration fails fast with a
 * message naming the key". Arbitrary properties, built from the real keys and plausible values mixed with arbitrary
 * text (and, for a part of the inputs, a whole properties file of arbitrary bytes), either parse, or fail with a
 * {@link ConfigurationException} whose key is one of the input's (or a required key of an interface the input
 * names) and whose message names it. Nothing else may escape.
 *
 * <p>A configuration that parses must then build, as {@code StackEngine.start} builds it: the {@link StackConfig}
 * of its pool, and a stack with its interfaces and routes. Anything the stack refuses there would surface in the
 * application as an {@link IllegalArgumentException} naming no key; the parser must have refused it first.
 */
class ConfigFuzzTest
{
    private static final String[] INTERFACE_NAMES = {"eth0", "eth1", "a", "veth-peer_2", "x.y", "", " eth0"};
    private static final String[] INTERFACE_SUFFIXES = {InterfaceConfig.DRIVER, InterfaceConfig.HOST_IF,
        InterfaceConfig.ADDRESS, InterfaceConfig.GATEWAY, InterfaceConfig.MAC, InterfaceConfig.MTU,
        InterfaceConfig.IMPAIR_LOSS, InterfaceConfig.IMPAIR_REORDER, InterfaceConfig.IMPAIR_DUPLICATE,
        InterfaceConfig.IMPAIR_CORRUPT, InterfaceConfig.IMPAIR_SEED, InterfaceConfig.PCAP, InterfaceConfig.IDLE,
        InterfaceConfig.RX_QUEUES, InterfaceConfig.RX_QUEUE_SIZE, InterfaceConfig.TX_QUEUE_SIZE, "rx-ring",
        "rx-block-size", "rx-block-timeout-ms", "promiscuous", "qdisc-bypass", "mode", "allow-netdev-mac",
        "cqe-compression", "impair", "driver.x", "rx-super-frames", "tx-super-frames", InterfaceConfig.ADDRESS6,
        "gro"};
    private static final String[] GLOBAL_KEYS = {BypassConfig.BIND_WILDCARD, PollerConfig.IDLE, PollerConfig.SPINS,
        PollerConfig.YIELDS, PollerConfig.MIN_PARK, PollerConfig.MAX_PARK, StackSettings.BUFFERS,
        StackSettings.BUFFER_SIZE, StackSettings.SEED, "route.", "route.1", "route.default", "interface.",
        "interface.eth0", "stack.unknown"};
    private static final String[] VALUES = {"afpacket", "rdma", "memory", "AFPACKET", "veth1", "wire0",
        "198.18.0.2/24", "198.18.0.3/24", "198.18.1.2/16", "10.0.0.1/8", "198.18.0.2/32", "198.18.0.2/0",
        "198.18.0.2", "198.18.0.1", "198.18.0.254", "0.0.0.0", "255.255.255.255", "127.0.0.1/8", "224.0.0.1/4",
        "02:00:00:00:00:01", "01:00:5e:00:00:01", "00:00:00:00:00:00", "576", "1500", "9000", "9001", "575", "0",
        "-1", "1", "64", "65536", "1048576", "16384", "2048", "1024", "4096", "true", "false", "frame", "block",
        "auto", "dv", "ibv", "busy-spin", "backoff", "kernel", "stack", "0.5", "1.5", "NaN", "1e-3",
        "capture.pcap", "/nonexistent/dir/capture.pcap", "10.0.0.0/8 via eth0", "0.0.0.0/0 via eth0",
        "10.0.0.0/8 via eth0 gateway 198.18.0.1", "10.0.0.0/8 via eth1 gateway 198.18.0.1",
        "10.0.0.1/8 via eth0", "10.0.0.0/8 via nowhere", "2147483648", "9223372036854775807", "", " ",
        "2001:db8::2/64", "2001:db8::2/64, fe80::2/64", "fe80::2/64", "fe80::ff:fe00:1/64", "2001:db8::2", "::1/128",
        "ff02::1/64", "2001:db8::2/129", "2001:db8:1::2/48,2001:db8::2/64", "2001:db8:5::/48 via eth0",
        "::/0 via eth0 gateway fe80::1", "2001:db8:5::/48 via eth1 gateway 2001:db8::1", "2001:db8:5::1/48 via eth0",
        "::/0 via eth0 gateway 198.18.0.1"};

    private static Path dir;

    @FuzzTest(maxDuration = "5m")
    void properties(final FuzzedDataProvider data) throws IOException
    {
        final Path file = file();
        final Properties properties = new Properties();
        final ConfigurationException e;
        if (data.consumeBoolean())
        {
            // A whole file of arbitrary bytes, read as the provider reads it.
            final byte[] bytes = data.consumeRemainingAsBytes();
            Files.write(file, bytes);
            try (var in = Files.newInputStream(file))
            {
                properties.load(in);
            }
            catch (final IllegalArgumentException malformedEscape)
            {
                // BypassConfig.load must report this as a ConfigurationException about the file.
            }
            e = parse(() -> BypassConfig.load(file));
        }
        else
        {
            build(data, properties);
            e = parse(() -> ConfigParser.parse(file, properties));
        }
        if (e != null)
        {
            checkNamesAKeyOfTheInput(e, properties);
        }
    }

    private static void build(final FuzzedDataProvider data, final Properties properties)
    {
        if (data.consumeBoolean())
        {
            // A valid interface to start from, so that the fuzzer's changes reach the checks behind the first ones.
            properties.setProperty("interface.eth0.driver", "memory");
            properties.setProperty("interface.eth0.host-if", "wire0");
            properties.setProperty("interface.eth0.address", "198.18.0.2/24");
        }
        final int entries = data.consumeInt(0, 24);
        for (int i = 0; i < entries && data.remainingBytes() > 0; i++)
        {
            final String key = switch (data.consumeInt(0, 3))
            {
                case 0 -> GLOBAL_KEYS[data.consumeInt(0, GLOBAL_KEYS.length - 1)];
                case 1 -> "route." + data.consumeInt(-1, 300);
                case 2 -> data.consumeString(24);
                default -> InterfaceConfig.PREFIX + INTERFACE_NAMES[data.consumeInt(0, INTERFACE_NAMES.length - 1)]
                    + '.' + INTERFACE_SUFFIXES[data.consumeInt(0, INTERFACE_SUFFIXES.length - 1)];
            };
            properties.setProperty(key, value(data));
        }
        if (data.consumeBoolean())
        {
            // Many routes at once: the tables they fill are bounded, and so must the configuration be.
            final int routes = data.consumeInt(0, 300);
            final String via = INTERFACE_NAMES[data.consumeInt(0, 1)];
            for (int i = 0; i < routes; i++)
            {
                properties.setProperty("route." + i, "10." + (i >>> 8) + '.' + (i & 0xFF) + ".0/24 via " + via);
            }
        }
    }

    private static String value(final FuzzedDataProvider data)
    {
        return switch (data.consumeInt(0, 3))
        {
            case 0 -> data.consumeString(40);
            case 1 -> Integer.toString(data.consumeInt());
            default -> VALUES[data.consumeInt(0, VALUES.length - 1)];
        };
    }

    private interface Parse
    {
        BypassConfig run() throws ConfigurationException;
    }

    /** Parses; a configuration that passes must build. Returns the failure, if any. */
    private static ConfigurationException parse(final Parse parse)
    {
        final BypassConfig config;
        try
        {
            config = parse.run();
        }
        catch (final ConfigurationException e)
        {
            return e;
        }
        assertBuilds(config);
        return null;
    }

    /** What StackEngine.start does with a configuration, on links of the configured MTU instead of drivers. */
    private static void assertBuilds(final BypassConfig config)
    {
        final StackSettings settings = config.stack();
        // The pool as configured must be acceptable to the stack (it is not allocated here: it may be large).
        StackConfig.builder().poolBuffers(settings.buffers()).bufferSize(settings.bufferSize()).seed(1).build();
        final StackConfig small = StackConfig.builder().poolBuffers(64).bufferSize(settings.bufferSize()).seed(1)
            .build();
        try (Stack stack = new Stack(small, 0))
        {
            for (final InterfaceConfig iface : config.interfaces())
            {
                final int mtu = iface.mtu() != 0 ? iface.mtu() : 1500;
                stack.addInterface(iface.name(), new ChannelLink(stack.pool(), 0x020000000001L, mtu),
                    iface.address(), iface.prefixLength(), iface.gateway());
            }
            for (final RouteConfig route : config.routes())
            {
                NetInterface via = null;
                for (final NetInterface nif : stack.interfaces())
                {
                    if (nif.name().equals(route.interfaceName()))
                    {
                        via = nif;
                    }
                }
                assertTrue(via != null, "route " + route.key() + " names a configured interface");
                stack.addRoute(route.network(), route.prefixLength(), via, route.gateway());
            }
            for (final NetInterface nif : stack.interfaces())
            {
                // As StackEngine.start: the link-local addresses first.
                final InterfaceConfig iface = config.interfaceNamed(nif.name());
                for (final boolean linkLocal : new boolean[] {true, false})
                {
                    for (final InterfaceAddress6 a : iface.addresses6())
                    {
                        if (a.isLinkLocal() == linkLocal)
                        {
                            stack.addAddress6(nif, a.hi(), a.lo(), a.prefixLength());
                        }
                    }
                }
            }
            for (final Route6Config route : config.routes6())
            {
                NetInterface via = null;
                for (final NetInterface nif : stack.interfaces())
                {
                    if (nif.name().equals(route.interfaceName()))
                    {
                        via = nif;
                    }
                }
                assertTrue(via != null, "route " + route.key() + " names a configured interface");
                stack.addRoute6(route.networkHi(), route.networkLo(), route.prefixLength(), via, route.gatewayHi(),
                    route.gatewayLo());
            }
        }
    }

    private static void checkNamesAKeyOfTheInput(final ConfigurationException e, final Properties properties)
    {
        final Set<String> keys = properties.stringPropertyNames();
        final String key = e.key();
        if (key == null)
        {
            // Only a problem of the file as a whole names no key: unreadable, or no interface at all.
            final boolean anyInterface = keys.stream().anyMatch(k -> k.startsWith(InterfaceConfig.PREFIX));
            assertTrue(e.detail().startsWith("cannot read") || !anyInterface && e.detail().startsWith("no interface"),
                "an error naming no key: " + e.getMessage());
            return;
        }
        assertTrue(e.getMessage().contains("key " + key + ": "), "the message names the key: " + e.getMessage());
        if (keys.contains(key))
        {
            return;
        }
        // A required key that is missing names the interface the input configures.
        for (final String required : new String[] {InterfaceConfig.DRIVER, InterfaceConfig.HOST_IF,
            InterfaceConfig.ADDRESS})
        {
            final String suffix = '.' + required;
            if (key.startsWith(InterfaceConfig.PREFIX) && key.endsWith(suffix))
            {
                final String prefix = key.substring(0, key.length() - required.length());
                if (keys.stream().anyMatch(k -> k.startsWith(prefix)))
                {
                    return;
                }
            }
        }
        fail("the error names key '" + key + "', which is not in the input " + keys + ": " + e.getMessage());
    }

    private static synchronized Path file()
    {
        try
        {
            if (dir == null)
            {
                dir = Files.createTempDirectory("jbypass-config-fuzz");
                dir.toFile().deleteOnExit();
            }
            final Path file = dir.resolve("jbypass.properties");
            file.toFile().deleteOnExit();
            return file;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
