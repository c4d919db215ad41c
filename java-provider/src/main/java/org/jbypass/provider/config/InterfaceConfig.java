package org.jbypass.provider.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.jbypass.netstack.wire.Ipv4Address;

/**
 * One {@code interface.NAME.*} block of the configuration, validated.
 *
 * @param name         the interface's name in the configuration (and the stack's name for it)
 * @param driver       the link driver
 * @param hostIf       the Linux netdev the driver opens (the wire's name for the memory driver)
 * @param address      the stack's IPv4 address on the interface, or 0 for an IPv6-only interface (no
 *                     {@code address}, only {@code address6})
 * @param prefixLength the subnet's prefix length, 1 to 32 (0 without IPv4)
 * @param gateway      the next hop for routes through this interface that name none, or 0 for none
 * @param mac          the MAC address to use, or {@link #DEFAULT_MAC} for the driver's choice
 * @param mtu          the MTU to use, or 0 for the link's
 * @param options      the driver's optional keys that were given (see {@link DriverKind}): Integer, Boolean or
 *                     String values by key suffix
 * @param impairment   loss, reordering, duplication and corruption applied to received and sent frames
 * @param pcap         a file to capture the interface's frames to, or null
 * @param idle         the pollers' idle strategy for this interface, or null for {@code poller.idle}
 * @param busyWaitNanos how long a thread waiting on a socket of this interface drives the stack before it parks,
 *                     or null for {@code poller.busy-wait-ns}
 * @param addresses6   the stack's IPv6 addresses on the interface ({@code address6}), in the order given; empty when
 *                     the interface speaks no IPv6. Without a link-local one among them, the stack derives one from
 *                     the MAC.
 */
public record InterfaceConfig(String name, DriverKind driver, String hostIf, int address, int prefixLength,
    int gateway, long mac, int mtu, Map<String, Object> options, ImpairmentConfig impairment, Path pcap,
    IdleStrategyKind idle, Long busyWaitNanos, List<InterfaceAddress6> addresses6)
{
    /** The prefix of every interface key: {@code interface.NAME.}. */
    public static final String PREFIX = "interface.";

    public static final String DRIVER = "driver";
    public static final String HOST_IF = "host-if";
    public static final String ADDRESS = "address";
    /** IPv6 addresses with their prefix lengths, comma separated: {@code 2001:db8::2/64, fe80::2/64}. */
    public static final String ADDRESS6 = "address6";
    /** The most IPv6 addresses {@link #ADDRESS6} may list (the stack's bound, less the derived link-local). */
    public static final int MAX_ADDRESSES6 = 15;
    public static final String GATEWAY = "gateway";
    public static final String MAC = "mac";
    public static final String MTU = "mtu";
    public static final String RX_QUEUES = "rx-queues";
    public static final String RX_QUEUE_SIZE = "rx-queue-size";
    public static final String TX_QUEUE_SIZE = "tx-queue-size";
    public static final String IMPAIR_LOSS = "impair.loss";
    public static final String IMPAIR_REORDER = "impair.reorder";
    public static final String IMPAIR_DUPLICATE = "impair.duplicate";
    public static final String IMPAIR_CORRUPT = "impair.corrupt";
    public static final String IMPAIR_SEED = "impair.seed";
    public static final String PCAP = "pcap";
    public static final String IDLE = "idle";
    public static final String BUSY_WAIT = "busy-wait-ns";
    /** Software GRO on the interface's receive path (a key every driver has; on unless set to false). */
    public static final String GRO = "gro";
    /**
     * Whether the interface learns default routers, on-link prefixes and its MTU from router advertisements (RFC 4861
     * section 6.3.4; Linux's accept_ra); a key every driver has, on unless set to false; needs {@link #ADDRESS6}.
     */
    public static final String ACCEPT_RA = "accept-ra";

    /** {@link #mac} when the driver chooses the MAC address. */
    public static final long DEFAULT_MAC = -1L;

    public InterfaceConfig
    {
        options = Map.copyOf(options);
        addresses6 = List.copyOf(addresses6);
    }

    /** An integer driver option, or the default when it was not given. */
    public int intOption(final String suffix, final int defaultValue)
    {
        final Object value = options.get(suffix);
        return value == null ? defaultValue : (Integer)value;
    }

    /** A boolean driver option, or the default when it was not given. */
    public boolean booleanOption(final String suffix, final boolean defaultValue)
    {
        final Object value = options.get(suffix);
        return value == null ? defaultValue : (Boolean)value;
    }

    /** A word-valued driver option, or the default when it was not given. */
    public String stringOption(final String suffix, final String defaultValue)
    {
        final Object value = options.get(suffix);
        return value == null ? defaultValue : (String)value;
    }

    /** The number of receive queues, each with its poller: 1 unless the driver has more and more were asked for. */
    public int rxQueues()
    {
        return intOption(RX_QUEUES, 1);
    }

    /** The full key of one of this interface's settings, for messages. */
    public String key(final String suffix)
    {
        return PREFIX + name + '.' + suffix;
    }

    /** Whether the interface has an IPv4 address; false for an IPv6-only one ({@code address6} alone). */
    public boolean hasIpv4()
    {
        return address != 0;
    }

    /** The subnet's network address. */
    public int network()
    {
        return address & Ipv4Address.mask(prefixLength);
    }

    /** Whether a destination is on this interface's subnet. */
    public boolean onSubnet(final int destination)
    {
        return hasIpv4() && Ipv4Address.inSubnet(destination, address, prefixLength);
    }

    @Override
    public String toString()
    {
        return name + '{' + driver.configName() + ':' + hostIf + (hasIpv4() ? " " + Ipv4Address.toString(address)
            + '/' + prefixLength : "") + (gateway != 0 ? " gw " + Ipv4Address.toString(gateway) : "")
            + (addresses6.isEmpty() ? "" : " " + addresses6) + '}';
    }
}
