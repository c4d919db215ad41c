package org.jbypass.provider.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.ip.Ipv4Layer;
import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.MacAddress;

/**
 * Turns the properties of a configuration file into a validated {@link BypassConfig}. Every problem is reported as
 * a {@link ConfigurationException} naming the file and the key; unknown keys are errors too, because a misspelt key
 * would otherwise be a setting the user believes in and the stack ignores.
 */
public final class ConfigParser
{
    private static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final Pattern ROUTE = Pattern.compile(
        "(\\S+)\\s+via\\s+(\\S+)(?:\\s+gateway\\s+(\\S+))?", Pattern.CASE_INSENSITIVE);
    private static final Set<String> INTERFACE_KEYS = Set.of(InterfaceConfig.DRIVER, InterfaceConfig.HOST_IF,
        InterfaceConfig.ADDRESS, InterfaceConfig.ADDRESS6, InterfaceConfig.GATEWAY, InterfaceConfig.MAC, InterfaceConfig.MTU,
        InterfaceConfig.IMPAIR_LOSS, InterfaceConfig.IMPAIR_REORDER, InterfaceConfig.IMPAIR_DUPLICATE,
        InterfaceConfig.IMPAIR_CORRUPT, InterfaceConfig.IMPAIR_SEED, InterfaceConfig.PCAP, InterfaceConfig.IDLE,
        InterfaceConfig.BUSY_WAIT);
    private static final Set<String> GLOBAL_KEYS = Set.of(BypassConfig.BIND_WILDCARD,
        BypassConfig.MULTICAST_MOVE_ON_JOIN, PollerConfig.IDLE,
        PollerConfig.SPINS, PollerConfig.YIELDS, PollerConfig.MIN_PARK, PollerConfig.MAX_PARK, PollerConfig.BUSY_POLL,
        PollerConfig.BUSY_WAIT, PollerConfig.RING_WAIT, Profile.KEY, StackSettings.BUFFERS, StackSettings.BUFFER_SIZE,
        StackSettings.SEED,
        TcpSettings.RECEIVE_BUFFER_MIN, TcpSettings.RECEIVE_BUFFER_DEFAULT, TcpSettings.RECEIVE_BUFFER_MAX,
        TcpSettings.SEND_BUFFER_MIN, TcpSettings.SEND_BUFFER_DEFAULT, TcpSettings.SEND_BUFFER_MAX,
        TcpSettings.MEMORY_LIMIT, TcpSettings.MEMORY_PRESSURE, TcpSettings.MEMORY_LOW, TcpSettings.TIME_WAIT_LIMIT,
        TcpSettings.TIME_WAIT_REUSE, TcpSettings.BACKLOG_MAX, TcpSettings.SYN_BACKLOG, TcpSettings.SYN_COOKIES);

    /** The IPv6 routes a stack holds (the interfaces' prefixes included): Ipv6Routes.MAX_ROUTES. */
    static final int MAX_ROUTES6 = 256;

    /** Ethernet II header in front of the IP datagram. */
    private static final int ETHERNET_HEADER = 14;
    public static final int MIN_MTU = 576;
    public static final int MAX_MTU = 9_000;

    private final Path file;
    private final Properties properties;

    private ConfigParser(final Path file, final Properties properties)
    {
        this.file = file;
        this.properties = properties;
    }

    /**
     * Validates a configuration.
     *
     * @param file       where the properties came from (named in errors; relative paths in values are resolved
     *                   against its directory), or null
     * @param properties the keys and values
     */
    public static BypassConfig parse(final Path file, final Properties properties) throws ConfigurationException
    {
        return new ConfigParser(file, properties).parse();
    }

    private BypassConfig parse() throws ConfigurationException
    {
        final Map<String, Map<String, String>> interfaceKeys = new TreeMap<>();
        final Map<String, String> routeKeys = new TreeMap<>();
        for (final String key : new TreeSet<>(properties.stringPropertyNames()))
        {
            final String value = properties.getProperty(key).trim();
            if (key.startsWith(InterfaceConfig.PREFIX))
            {
                final String rest = key.substring(InterfaceConfig.PREFIX.length());
                final int dot = rest.indexOf('.');
                if (dot <= 0)
                {
                    throw error(key, "expected interface.NAME.SETTING");
                }
                final String name = rest.substring(0, dot);
                final String suffix = rest.substring(dot + 1);
                if (!INTERFACE_NAME.matcher(name).matches())
                {
                    throw error(key, "interface name '" + name + "' must be 1 to 32 letters, digits, '-' or '_'");
                }
                if (!INTERFACE_KEYS.contains(suffix) && !DriverKind.isDriverKey(suffix))
                {
                    throw error(key, "unknown interface setting '" + suffix + "' (expected one of "
                        + String.join(", ", new TreeSet<>(INTERFACE_KEYS)) + ", or a key of the driver)");
                }
                interfaceKeys.computeIfAbsent(name, n -> new HashMap<>()).put(suffix, value);
            }
            else if (key.startsWith(RouteConfig.PREFIX))
            {
                if (key.length() == RouteConfig.PREFIX.length())
                {
                    throw error(key, "expected route.N");
                }
                routeKeys.put(key, value);
            }
            else if (!GLOBAL_KEYS.contains(key))
            {
                throw error(key, "unknown key");
            }
        }

        final StackSettings stack = parseStack();
        final Profile profile = parseProfile();
        final List<InterfaceConfig> interfaces = new ArrayList<>();
        // The stack's route table is bounded: each interface takes a route for its subnet, and one more as the
        // default route when it has a gateway; the routes given here share what is left.
        int routesTaken = 0;
        for (final Map.Entry<String, Map<String, String>> e : interfaceKeys.entrySet())
        {
            final InterfaceConfig config = parseInterface(e.getKey(), e.getValue(), stack);
            routesTaken += !config.hasIpv4() ? 0 : config.gateway() != 0 ? 2 : 1;
            if (routesTaken > Ipv4Layer.MAX_ROUTES)
            {
                throw error(config.key(InterfaceConfig.ADDRESS), "too many interfaces: their routes exceed the "
                    + "stack's " + Ipv4Layer.MAX_ROUTES);
            }
            interfaces.add(config);
        }
        if (interfaces.isEmpty())
        {
            throw error(null, "no interface is configured: give at least interface.NAME.driver, "
                + "interface.NAME.host-if and interface.NAME.address");
        }
        checkDistinctAddresses(interfaces);
        checkDistinctAddresses6(interfaces);
        // IPv6's route table is bounded too: fe80::/64 and one prefix per address on each IPv6 interface.
        int routes6Taken = 0;
        for (final InterfaceConfig config : interfaces)
        {
            routes6Taken += config.addresses6().isEmpty() ? 0 : 1 + config.addresses6().size();
        }

        final List<RouteConfig> routes = new ArrayList<>();
        final List<Route6Config> routes6 = new ArrayList<>();
        for (final Map.Entry<String, String> e : routeKeys.entrySet())
        {
            if (isIpv6Route(e.getValue()))
            {
                if (routes6Taken + routes6.size() + 1 > MAX_ROUTES6)
                {
                    throw error(e.getKey(), "too many IPv6 routes: the stack holds " + MAX_ROUTES6 + ", of which the "
                        + "interfaces' prefixes take " + routes6Taken);
                }
                routes6.add(parseRoute6(e.getKey(), e.getValue(), interfaces));
                continue;
            }
            if (routesTaken + routes.size() + 1 > Ipv4Layer.MAX_ROUTES)
            {
                throw error(e.getKey(), "too many routes: the stack holds " + Ipv4Layer.MAX_ROUTES + ", of which the "
                    + "interfaces take " + routesTaken + ", leaving " + (Ipv4Layer.MAX_ROUTES - routesTaken)
                    + " for route.* keys (" + routeKeys.size() + " given)");
            }
            routes.add(parseRoute(e.getKey(), e.getValue(), interfaces));
        }

        final WildcardBinding wildcard = parseWildcard();
        final PollerConfig poller = parsePoller(profile);
        return new BypassConfig(file, interfaces, routes, wildcard, poller, stack, parseTcp(), routes6,
            booleanValue(BypassConfig.MULTICAST_MOVE_ON_JOIN, true));
    }

    /** The {@code tcp.*} keys over TCP's defaults; each checked against its range, naming the key. */
    private TcpConfig parseTcp() throws ConfigurationException
    {
        final TcpConfig d = TcpConfig.defaults();
        final int rcvMax = sizeValue(TcpSettings.RECEIVE_BUFFER_MAX, d.maxReceiveBufferSize(), 65_536, 1 << 30);
        final int rcvMin = sizeValue(TcpSettings.RECEIVE_BUFFER_MIN, d.minReceiveBufferSize(),
            TcpConfig.MIN_BUFFER_SIZE, rcvMax);
        final int rcvDefault = sizeValue(TcpSettings.RECEIVE_BUFFER_DEFAULT,
            Math.max(rcvMin, Math.min(d.receiveBufferSize(), rcvMax)), rcvMin, rcvMax);
        final int sndMax = sizeValue(TcpSettings.SEND_BUFFER_MAX, d.maxSendBufferSize(), 65_536, 1 << 30);
        final int sndMin = sizeValue(TcpSettings.SEND_BUFFER_MIN, d.minSendBufferSize(), TcpConfig.MIN_BUFFER_SIZE,
            sndMax);
        final int sndDefault = sizeValue(TcpSettings.SEND_BUFFER_DEFAULT,
            Math.max(sndMin, Math.min(d.sendBufferSize(), sndMax)), sndMin, sndMax);
        final long limit = longSizeValue(TcpSettings.MEMORY_LIMIT, d.memoryLimit(), 65_536, 1L << 46);
        final TcpConfig.Builder b = d.toBuilder()
            .maxReceiveBufferSize(rcvMax).minReceiveBufferSize(rcvMin).receiveBufferSize(rcvDefault)
            .maxSendBufferSize(sndMax).minSendBufferSize(sndMin).sendBufferSize(sndDefault)
            .memoryLimit(limit);
        if (get(TcpSettings.MEMORY_PRESSURE) != null || get(TcpSettings.MEMORY_LOW) != null)
        {
            final long pressure = longSizeValue(TcpSettings.MEMORY_PRESSURE, limit / 3 * 2, 0, limit);
            final long low = longSizeValue(TcpSettings.MEMORY_LOW, Math.min(pressure, limit / 2), 0, pressure);
            b.memory(low, pressure, limit);
        }
        b.timeWaitLimit(intValue(TcpSettings.TIME_WAIT_LIMIT, d.timeWaitLimit(), 0, 1 << 24));
        b.timeWaitReuse(booleanValue(TcpSettings.TIME_WAIT_REUSE, d.timeWaitReuse()));
        b.maxBacklog(intValue(TcpSettings.BACKLOG_MAX, d.maxBacklog(), 1, 65_535));
        b.synBacklog(intValue(TcpSettings.SYN_BACKLOG, d.synBacklog(), 1, 65_535));
        b.synCookies(booleanValue(TcpSettings.SYN_COOKIES, d.synCookies()));
        try
        {
            return b.build();
        }
        catch (final IllegalArgumentException e)
        {
            // Every key was checked against its range above; what remains is a relation the builder checks.
            throw error(TcpSettings.PREFIX + "*", e.getMessage());
        }
    }

    private int sizeValue(final String key, final int defaultValue, final int min, final int max)
        throws ConfigurationException
    {
        return (int) longSizeValue(key, defaultValue, min, max);
    }

    /** A size in bytes: digits with an optional k, m or g suffix (powers of 1024). */
    private long longSizeValue(final String key, final long defaultValue, final long min, final long max)
        throws ConfigurationException
    {
        final String text = get(key);
        if (text == null)
        {
            return defaultValue;
        }
        final String lower = text.toLowerCase(java.util.Locale.ROOT);
        final char unit = lower.charAt(lower.length() - 1);
        final int shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : 0;
        final String digits = shift == 0 ? lower : lower.substring(0, lower.length() - 1).trim();
        final long value;
        try
        {
            final long n = Long.parseLong(digits);
            if (n < 0 || n > (Long.MAX_VALUE >> shift))
            {
                throw new NumberFormatException();
            }
            value = n << shift;
        }
        catch (final NumberFormatException e)
        {
            throw error(key, "malformed size '" + text + "' (expected bytes, or a number with k, m or g)");
        }
        if (value < min || value > max)
        {
            throw error(key, "size " + text + " is out of range (" + min + " to " + max + " bytes)");
        }
        return value;
    }

    private boolean booleanValue(final String key, final boolean defaultValue) throws ConfigurationException
    {
        final String text = get(key);
        if (text == null)
        {
            return defaultValue;
        }
        if (text.equalsIgnoreCase("true"))
        {
            return true;
        }
        if (text.equalsIgnoreCase("false"))
        {
            return false;
        }
        throw error(key, "expected true or false: '" + text + "'");
    }

    private StackSettings parseStack() throws ConfigurationException
    {
        final int buffers = intValue(StackSettings.BUFFERS, StackSettings.DEFAULT_BUFFERS,
            StackSettings.MIN_BUFFERS, StackSettings.MAX_BUFFERS);
        final int bufferSize = intValue(StackSettings.BUFFER_SIZE, StackSettings.DEFAULT_BUFFER_SIZE,
            StackSettings.MIN_BUFFER_SIZE, StackSettings.MAX_BUFFER_SIZE);
        if ((bufferSize & 63) != 0)
        {
            throw error(StackSettings.BUFFER_SIZE, "must be a multiple of 64: " + bufferSize);
        }
        if (!PacketPool.fits(buffers, bufferSize))
        {
            throw error(StackSettings.BUFFERS, buffers + " buffers of " + bufferSize + " bytes exceeds 2 GiB, the most "
                + "one packet pool holds: use fewer buffers");
        }
        final String seedText = get(StackSettings.SEED);
        final Long seed = seedText == null ? null : longValue(StackSettings.SEED, seedText);
        return new StackSettings(buffers, bufferSize, seed);
    }

    private InterfaceConfig parseInterface(final String name, final Map<String, String> keys,
        final StackSettings stack) throws ConfigurationException
    {
        final String prefix = InterfaceConfig.PREFIX + name + '.';
        final String driverKey = prefix + InterfaceConfig.DRIVER;
        final String driverName = keys.get(InterfaceConfig.DRIVER);
        if (driverName == null || driverName.isEmpty())
        {
            throw error(driverKey, "required (one of " + DriverKind.names() + ")");
        }
        final DriverKind driver = DriverKind.byName(driverName);
        if (driver == null)
        {
            throw error(driverKey, "unknown driver '" + driverName + "' (expected one of " + DriverKind.names() + ")");
        }

        final String hostIf = keys.get(InterfaceConfig.HOST_IF);
        if (hostIf == null || hostIf.isEmpty())
        {
            throw error(prefix + InterfaceConfig.HOST_IF, "required: the Linux netdev the " + driver.configName()
                + " driver uses" + (driver == DriverKind.MEMORY ? " (for memory: the wire's name)" : ""));
        }
        if (driver != DriverKind.MEMORY && (hostIf.length() > 15 || hostIf.contains("/") || hostIf.contains(" ")))
        {
            // IFNAMSIZ is 16 with the terminating NUL (linux/if.h).
            throw error(prefix + InterfaceConfig.HOST_IF, "'" + hostIf + "' is not a Linux interface name");
        }

        final String addressKey = prefix + InterfaceConfig.ADDRESS;
        final String addressText = keys.get(InterfaceConfig.ADDRESS);
        final String addresses6Text = keys.get(InterfaceConfig.ADDRESS6);
        int address = 0;
        int prefixLength = 0;
        if (addressText == null && addresses6Text != null)
        {
            // An IPv6-only interface: no IPv4 address, so nothing IPv4 may name it.
            if (keys.containsKey(InterfaceConfig.GATEWAY))
            {
                throw error(prefix + InterfaceConfig.GATEWAY, "an IPv4 gateway needs an IPv4 address: "
                    + addressKey + " is not set (the interface is IPv6-only)");
            }
        }
        else
        {
            if (addressText == null || addressText.isEmpty())
            {
                throw error(addressKey, "required: the stack's IPv4 address and prefix, e.g. 198.18.0.2/24 (or give "
                    + prefix + InterfaceConfig.ADDRESS6 + " alone for an IPv6-only interface)");
            }
            final int slash = addressText.indexOf('/');
            if (slash < 0)
            {
                throw error(addressKey, "'" + addressText + "' has no prefix length (expected e.g. 198.18.0.2/24)");
            }
            address = ipv4(addressKey, addressText.substring(0, slash));
            prefixLength = prefixLength(addressKey, addressText.substring(slash + 1), 1);
            checkHostAddress(addressKey, address);
        }

        int gateway = 0;
        final String gatewayText = keys.get(InterfaceConfig.GATEWAY);
        if (gatewayText != null)
        {
            final String gatewayKey = prefix + InterfaceConfig.GATEWAY;
            gateway = ipv4(gatewayKey, gatewayText);
            checkGateway(gatewayKey, gateway, address, prefixLength);
        }

        long mac = InterfaceConfig.DEFAULT_MAC;
        final String macText = keys.get(InterfaceConfig.MAC);
        if (macText != null)
        {
            final String macKey = prefix + InterfaceConfig.MAC;
            try
            {
                mac = MacAddress.parse(macText);
            }
            catch (final IllegalArgumentException e)
            {
                throw error(macKey, "malformed MAC address '" + macText + "' (expected e.g. 02:00:00:00:00:01)");
            }
            if (MacAddress.isMulticast(mac) || mac == MacAddress.ZERO)
            {
                throw error(macKey, macText + " is not a unicast MAC address");
            }
        }

        int mtu = 0;
        if (keys.containsKey(InterfaceConfig.MTU))
        {
            final String mtuKey = prefix + InterfaceConfig.MTU;
            mtu = intIn(mtuKey, keys.get(InterfaceConfig.MTU), MIN_MTU, MAX_MTU);
            if (mtu + ETHERNET_HEADER > stack.bufferSize())
            {
                throw error(mtuKey, "an MTU of " + mtu + " needs " + StackSettings.BUFFER_SIZE + " of at least "
                    + roundUp64(mtu + ETHERNET_HEADER) + " (it is " + stack.bufferSize() + ")");
            }
        }

        final Map<String, Object> options = new HashMap<>();
        for (final Map.Entry<String, String> e : keys.entrySet())
        {
            if (!INTERFACE_KEYS.contains(e.getKey()))
            {
                options.put(e.getKey(), driverOption(prefix + e.getKey(), driver, e.getKey(), e.getValue()));
            }
        }

        final ImpairmentConfig impairment = new ImpairmentConfig(
            probability(prefix, keys, InterfaceConfig.IMPAIR_LOSS),
            probability(prefix, keys, InterfaceConfig.IMPAIR_REORDER),
            probability(prefix, keys, InterfaceConfig.IMPAIR_DUPLICATE),
            probability(prefix, keys, InterfaceConfig.IMPAIR_CORRUPT),
            keys.containsKey(InterfaceConfig.IMPAIR_SEED)
                ? longValue(prefix + InterfaceConfig.IMPAIR_SEED, keys.get(InterfaceConfig.IMPAIR_SEED))
                : ImpairmentConfig.DEFAULT_SEED);

        Path pcap = null;
        final String pcapText = keys.get(InterfaceConfig.PCAP);
        if (pcapText != null)
        {
            pcap = pcapPath(prefix + InterfaceConfig.PCAP, pcapText);
        }

        IdleStrategyKind idle = null;
        if (keys.containsKey(InterfaceConfig.IDLE))
        {
            idle = idleStrategy(prefix + InterfaceConfig.IDLE, keys.get(InterfaceConfig.IDLE));
        }

        Long busyWait = null;
        if (keys.containsKey(InterfaceConfig.BUSY_WAIT))
        {
            busyWait = (long)intIn(prefix + InterfaceConfig.BUSY_WAIT, keys.get(InterfaceConfig.BUSY_WAIT), 0,
                PollerConfig.MAX_BUSY_NANOS);
        }

        final List<InterfaceAddress6> addresses6 = new ArrayList<>();
        if (addresses6Text == null && keys.containsKey(InterfaceConfig.ACCEPT_RA))
        {
            throw error(prefix + InterfaceConfig.ACCEPT_RA, "router advertisements are IPv6's: give " + prefix
                + InterfaceConfig.ADDRESS6 + " too");
        }
        if (addresses6Text != null)
        {
            addresses6.addAll(addresses6(prefix + InterfaceConfig.ADDRESS6, addresses6Text));
            if (mtu != 0 && mtu < Ipv6Header.MIN_MTU)
            {
                // RFC 8200 section 5: a link that carries IPv6 has an MTU of at least 1280.
                throw error(prefix + InterfaceConfig.MTU, "an MTU of " + mtu + " is below the 1280 IPv6 needs ("
                    + prefix + InterfaceConfig.ADDRESS6 + " is set)");
            }
        }

        return new InterfaceConfig(name, driver, hostIf, address, prefixLength, gateway, mac, mtu, options,
            impairment, pcap, idle, busyWait, addresses6);
    }

    /** Parses {@code ADDRESS/LENGTH[, ADDRESS/LENGTH...]}: host addresses, each once. */
    private List<InterfaceAddress6> addresses6(final String key, final String text) throws ConfigurationException
    {
        final List<InterfaceAddress6> result = new ArrayList<>();
        for (final String item : text.split(",", -1))
        {
            final String cidr = item.trim();
            if (cidr.isEmpty())
            {
                throw error(key, "empty entry in '" + text + "' (expected e.g. 2001:db8::2/64, fe80::2/64)");
            }
            final int slash = cidr.indexOf('/');
            if (slash < 0)
            {
                throw error(key, "'" + cidr + "' has no prefix length (expected e.g. 2001:db8::2/64)");
            }
            final long[] address = ipv6(key, cidr.substring(0, slash));
            final int length = intIn(key, cidr.substring(slash + 1), 1, 128, "prefix length");
            checkHostAddress6(key, address);
            for (final InterfaceAddress6 other : result)
            {
                if (other.hi() == address[0] && other.lo() == address[1])
                {
                    throw error(key, Ipv6Address.toString(address[0], address[1]) + " is listed twice");
                }
            }
            result.add(new InterfaceAddress6(address[0], address[1], length));
        }
        if (result.size() > InterfaceConfig.MAX_ADDRESSES6)
        {
            throw error(key, result.size() + " addresses: an interface holds at most " + InterfaceConfig.MAX_ADDRESSES6);
        }
        return result;
    }

    private void checkHostAddress6(final String key, final long[] address) throws ConfigurationException
    {
        if (Ipv6Address.isUnspecified(address[0], address[1]) || Ipv6Address.isLoopback(address[0], address[1])
            || Ipv6Address.isMulticast(address[0]) || Ipv6Address.isV4Mapped(address[0], address[1]))
        {
            throw error(key, Ipv6Address.toString(address[0], address[1]) + " cannot be an interface's address");
        }
    }

    private long[] ipv6(final String key, final String text) throws ConfigurationException
    {
        try
        {
            return Ipv6Address.parse(text);
        }
        catch (final IllegalArgumentException e)
        {
            throw error(key, "malformed IPv6 address '" + text.trim() + "'");
        }
    }

    /** Whether a route line's network is IPv6: its address has a colon (IPv4 addresses never do). */
    private static boolean isIpv6Route(final String value)
    {
        final String trimmed = value.trim();
        final int end = trimmed.indexOf(' ');
        return (end < 0 ? trimmed : trimmed.substring(0, end)).indexOf(':') >= 0;
    }

    private Route6Config parseRoute6(final String key, final String value, final List<InterfaceConfig> interfaces)
        throws ConfigurationException
    {
        final Matcher m = ROUTE.matcher(value);
        if (!m.matches())
        {
            throw error(key, "'" + value + "' is not 'NETWORK/LENGTH via INTERFACE [gateway ADDRESS]'");
        }
        final String cidr = m.group(1);
        final int slash = cidr.indexOf('/');
        if (slash < 0)
        {
            throw error(key, "'" + cidr + "' has no prefix length (expected e.g. 2001:db8:5::/48)");
        }
        final long[] network = ipv6(key, cidr.substring(0, slash));
        final int prefixLength = intIn(key, cidr.substring(slash + 1), 0, 128, "prefix length");
        final long maskHi = prefixLength == 0 ? 0 : prefixLength >= 64 ? -1L : -1L << (64 - prefixLength);
        final long maskLo = prefixLength <= 64 ? 0 : prefixLength == 128 ? -1L : -1L << (128 - prefixLength);
        if ((network[0] & ~maskHi) != 0 || (network[1] & ~maskLo) != 0)
        {
            throw error(key, cidr + " has host bits set (did you mean "
                + Ipv6Address.toString(network[0] & maskHi, network[1] & maskLo) + '/' + prefixLength + "?)");
        }
        final String via = m.group(2);
        InterfaceConfig through = null;
        for (final InterfaceConfig config : interfaces)
        {
            if (config.name().equals(via))
            {
                through = config;
            }
        }
        if (through == null)
        {
            throw error(key, "no interface named '" + via + "' is configured");
        }
        if (through.addresses6().isEmpty())
        {
            throw error(key, "interface '" + via + "' has no IPv6 address (give " + through.key(InterfaceConfig.ADDRESS6)
                + ")");
        }
        long gatewayHi = 0;
        long gatewayLo = 0;
        if (m.group(3) != null)
        {
            final long[] gateway = ipv6(key, m.group(3));
            checkHostAddress6(key, gateway);
            for (final InterfaceConfig config : interfaces)
            {
                for (final InterfaceAddress6 own : config.addresses6())
                {
                    if (own.hi() == gateway[0] && own.lo() == gateway[1])
                    {
                        throw error(key, "the gateway " + own + " is the stack's own address");
                    }
                }
            }
            gatewayHi = gateway[0];
            gatewayLo = gateway[1];
        }
        return new Route6Config(key, network[0], network[1], prefixLength, via, gatewayHi, gatewayLo);
    }

    private Object driverOption(final String key, final DriverKind driver, final String suffix, final String text)
        throws ConfigurationException
    {
        final DriverKey spec = driver.key(suffix);
        if (spec == null)
        {
            throw error(key, "the " + driver.configName() + " driver has no such setting");
        }
        switch (spec.type())
        {
            case INTEGER:
            {
                final int value = intIn(key, text, spec.min(), spec.max());
                if (spec.powerOfTwo() && Integer.bitCount(value) != 1)
                {
                    throw error(key, "must be a power of two from " + spec.min() + " to " + spec.max() + ": "
                        + value);
                }
                return value;
            }
            case BOOLEAN:
            {
                final String lower = text.toLowerCase(Locale.ROOT);
                if (!lower.equals("true") && !lower.equals("false"))
                {
                    throw error(key, "'" + text + "' is neither true nor false");
                }
                return Boolean.valueOf(lower);
            }
            case CHOICE:
            default:
            {
                final String lower = text.toLowerCase(Locale.ROOT);
                if (!spec.choices().contains(lower))
                {
                    throw error(key, "'" + text + "' is not one of " + String.join(", ", spec.choices()));
                }
                return lower;
            }
        }
    }

    private double probability(final String prefix, final Map<String, String> keys, final String suffix)
        throws ConfigurationException
    {
        final String text = keys.get(suffix);
        if (text == null)
        {
            return 0;
        }
        final String key = prefix + suffix;
        final double value;
        try
        {
            value = Double.parseDouble(text);
        }
        catch (final NumberFormatException e)
        {
            throw error(key, "malformed number '" + text + "' (expected a probability from 0 to 1)");
        }
        if (!(value >= 0 && value <= 1))
        {
            throw error(key, "must be a probability from 0 to 1: " + text);
        }
        return value;
    }

    private Path pcapPath(final String key, final String text) throws ConfigurationException
    {
        Path path;
        try
        {
            path = Path.of(text);
        }
        catch (final RuntimeException e)
        {
            throw error(key, "malformed path '" + text + "'");
        }
        if (!path.isAbsolute() && file != null && file.toAbsolutePath().getParent() != null)
        {
            path = file.toAbsolutePath().getParent().resolve(path);
        }
        final Path parent = path.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent))
        {
            throw error(key, "the directory of " + path + " does not exist");
        }
        return path;
    }

    private RouteConfig parseRoute(final String key, final String value, final List<InterfaceConfig> interfaces)
        throws ConfigurationException
    {
        final Matcher m = ROUTE.matcher(value);
        if (!m.matches())
        {
            throw error(key, "'" + value + "' is not 'NETWORK/LENGTH via INTERFACE [gateway ADDRESS]'");
        }
        final String cidr = m.group(1);
        final int slash = cidr.indexOf('/');
        if (slash < 0)
        {
            throw error(key, "'" + cidr + "' has no prefix length (expected e.g. 10.0.0.0/8)");
        }
        final int network = ipv4(key, cidr.substring(0, slash));
        final int prefixLength = prefixLength(key, cidr.substring(slash + 1), 0);
        if ((network & ~Ipv4Address.mask(prefixLength)) != 0)
        {
            throw error(key, cidr + " has host bits set (did you mean "
                + Ipv4Address.toString(network & Ipv4Address.mask(prefixLength)) + '/' + prefixLength + "?)");
        }
        final String via = m.group(2);
        InterfaceConfig through = null;
        for (final InterfaceConfig config : interfaces)
        {
            if (config.name().equals(via))
            {
                through = config;
            }
        }
        if (through == null)
        {
            throw error(key, "no interface named '" + via + "' is configured");
        }
        if (!through.hasIpv4())
        {
            throw error(key, "interface '" + via + "' has no IPv4 address (give " + through.key(InterfaceConfig.ADDRESS)
                + ")");
        }
        int gateway = through.gateway();
        if (m.group(3) != null)
        {
            gateway = ipv4(key, m.group(3));
            checkGateway(key, gateway, through.address(), through.prefixLength());
        }
        return new RouteConfig(key, network, prefixLength, via, gateway);
    }

    private WildcardBinding parseWildcard() throws ConfigurationException
    {
        final String text = get(BypassConfig.BIND_WILDCARD);
        if (text == null)
        {
            return WildcardBinding.KERNEL;
        }
        for (final WildcardBinding binding : WildcardBinding.values())
        {
            if (binding.configName().equals(text.toLowerCase(Locale.ROOT)))
            {
                return binding;
            }
        }
        throw error(BypassConfig.BIND_WILDCARD, "'" + text + "' is neither kernel nor stack");
    }

    private Profile parseProfile() throws ConfigurationException
    {
        final String text = get(Profile.KEY);
        if (text == null)
        {
            return Profile.DEFAULT;
        }
        for (final Profile profile : Profile.values())
        {
            if (profile.configName().equals(text.toLowerCase(Locale.ROOT)))
            {
                return profile;
            }
        }
        throw error(Profile.KEY, "unknown profile '" + text + "' (expected default, latency or throughput)");
    }

    private PollerConfig parsePoller(final Profile profile) throws ConfigurationException
    {
        final String idleText = get(PollerConfig.IDLE);
        final IdleStrategyKind idle = idleText == null ? profile.idle() : idleStrategy(PollerConfig.IDLE, idleText);
        final int spins = intValue(PollerConfig.SPINS, PollerConfig.DEFAULT_SPINS, 0, 1_000_000);
        final int yields = intValue(PollerConfig.YIELDS, PollerConfig.DEFAULT_YIELDS, 0, 1_000_000);
        final long minPark = intValue(PollerConfig.MIN_PARK, (int)PollerConfig.DEFAULT_MIN_PARK_NANOS, 1_000,
            1_000_000_000);
        final long maxPark = intValue(PollerConfig.MAX_PARK, (int)PollerConfig.DEFAULT_MAX_PARK_NANOS, 1_000,
            1_000_000_000);
        if (maxPark < minPark)
        {
            // Blame the key the user gave: a min-park-ns above the default max-park-ns is min-park-ns's fault.
            if (get(PollerConfig.MAX_PARK) == null)
            {
                throw error(PollerConfig.MIN_PARK, "must not exceed " + PollerConfig.MAX_PARK + " (" + maxPark
                    + " by default): " + minPark);
            }
            throw error(PollerConfig.MAX_PARK, "must not be less than " + PollerConfig.MIN_PARK + " (" + minPark
                + ")");
        }
        final long busyPoll = intValue(PollerConfig.BUSY_POLL, profile.busyPollNanos(), 0, PollerConfig.MAX_BUSY_NANOS);
        final long busyWait = intValue(PollerConfig.BUSY_WAIT, profile.busyWaitNanos(), 0, PollerConfig.MAX_BUSY_NANOS);
        final boolean ringWait = booleanValue(PollerConfig.RING_WAIT, PollerConfig.DEFAULT_RING_WAIT);
        return new PollerConfig(idle, spins, yields, minPark, maxPark, busyPoll, busyWait, ringWait);
    }

    private IdleStrategyKind idleStrategy(final String key, final String text) throws ConfigurationException
    {
        for (final IdleStrategyKind kind : IdleStrategyKind.values())
        {
            if (kind.configName().equals(text.toLowerCase(Locale.ROOT)))
            {
                return kind;
            }
        }
        throw error(key, "unknown idle strategy '" + text + "' (expected busy-spin, backoff or block)");
    }

    private void checkDistinctAddresses(final List<InterfaceConfig> interfaces) throws ConfigurationException
    {
        for (int i = 0; i < interfaces.size(); i++)
        {
            for (int j = i + 1; j < interfaces.size(); j++)
            {
                if (interfaces.get(j).hasIpv4() && interfaces.get(i).address() == interfaces.get(j).address())
                {
                    throw error(interfaces.get(j).key(InterfaceConfig.ADDRESS), "address "
                        + Ipv4Address.toString(interfaces.get(j).address()) + " is already the address of interface "
                        + interfaces.get(i).name());
                }
            }
        }
    }

    private void checkDistinctAddresses6(final List<InterfaceConfig> interfaces) throws ConfigurationException
    {
        for (int i = 0; i < interfaces.size(); i++)
        {
            for (int j = i + 1; j < interfaces.size(); j++)
            {
                for (final InterfaceAddress6 a : interfaces.get(j).addresses6())
                {
                    for (final InterfaceAddress6 b : interfaces.get(i).addresses6())
                    {
                        // Link-local addresses are unique per link only (RFC 4291 section 2.5.6).
                        if (a.hi() == b.hi() && a.lo() == b.lo() && !a.isLinkLocal())
                        {
                            throw error(interfaces.get(j).key(InterfaceConfig.ADDRESS6), "address "
                                + Ipv6Address.toString(a.hi(), a.lo()) + " is already an address of interface "
                                + interfaces.get(i).name());
                        }
                    }
                }
            }
        }
    }

    private void checkHostAddress(final String key, final int address) throws ConfigurationException
    {
        if (address == Ipv4Address.ANY || address == Ipv4Address.BROADCAST || Ipv4Address.isMulticast(address)
            || Ipv4Address.isLoopback(address))
        {
            throw error(key, Ipv4Address.toString(address) + " cannot be an interface's address");
        }
    }

    private void checkGateway(final String key, final int gateway, final int address, final int prefixLength)
        throws ConfigurationException
    {
        checkHostAddress(key, gateway);
        if (gateway == address)
        {
            throw error(key, "the gateway " + Ipv4Address.toString(gateway) + " is the interface's own address");
        }
        if (!Ipv4Address.inSubnet(gateway, address, prefixLength))
        {
            throw error(key, "the gateway " + Ipv4Address.toString(gateway) + " is not on the interface's subnet "
                + Ipv4Address.toString(address & Ipv4Address.mask(prefixLength)) + '/' + prefixLength);
        }
    }

    private int ipv4(final String key, final String text) throws ConfigurationException
    {
        try
        {
            return Ipv4Address.parse(text);
        }
        catch (final IllegalArgumentException e)
        {
            throw error(key, "malformed IPv4 address '" + text.trim() + "'");
        }
    }

    private int prefixLength(final String key, final String text, final int min) throws ConfigurationException
    {
        return intIn(key, text, min, 32, "prefix length");
    }

    private int intValue(final String key, final int defaultValue, final int min, final int max)
        throws ConfigurationException
    {
        final String text = get(key);
        return text == null ? defaultValue : intIn(key, text, min, max);
    }

    private int intIn(final String key, final String text, final int min, final int max)
        throws ConfigurationException
    {
        return intIn(key, text, min, max, "value");
    }

    private int intIn(final String key, final String text, final int min, final int max, final String what)
        throws ConfigurationException
    {
        final int value;
        try
        {
            value = Integer.parseInt(text.trim());
        }
        catch (final NumberFormatException e)
        {
            throw error(key, "malformed " + what + " '" + text.trim() + "' (expected an integer from " + min + " to "
                + max + ")");
        }
        if (value < min || value > max)
        {
            throw error(key, what + " " + value + " is out of range (" + min + " to " + max + ")");
        }
        return value;
    }

    private long longValue(final String key, final String text) throws ConfigurationException
    {
        try
        {
            return Long.parseLong(text.trim());
        }
        catch (final NumberFormatException e)
        {
            throw error(key, "malformed number '" + text.trim() + "' (expected a 64-bit integer)");
        }
    }

    private String get(final String key) throws ConfigurationException
    {
        final String value = properties.getProperty(key);
        if (value == null)
        {
            return null;
        }
        final String trimmed = value.trim();
        if (trimmed.isEmpty())
        {
            throw error(key, "empty value");
        }
        return trimmed;
    }

    private static int roundUp64(final int n)
    {
        return (n + 63) & ~63;
    }

    private ConfigurationException error(final String key, final String detail)
    {
        return new ConfigurationException(file, key, detail);
    }
}
