package org.jbypass.provider.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The link drivers an interface can use, by the name given in {@code interface.NAME.driver}, and the optional keys
 * each one understands, with their types and ranges. A key given for a driver that does not have it is an error,
 * not something to ignore: the user believes it has an effect.
 */
public enum DriverKind
{
    /**
     * AF_PACKET sockets (a TPACKET_V2 frame ring or a TPACKET_V3 block ring to receive, a TX ring or sendmmsg to
     * send) on any Linux netdev: veth pairs in tests, any NIC in production. One receive queue.
     */
    AFPACKET("afpacket",
        DriverKey.choice("rx-ring", "frame", "block"),
        DriverKey.integer(InterfaceConfig.RX_QUEUE_SIZE, 64, 1 << 20),
        DriverKey.integer(InterfaceConfig.TX_QUEUE_SIZE, 1, 65536),
        DriverKey.powerOfTwo("rx-block-size", 4096, 4 << 20),
        DriverKey.integer("rx-block-timeout-ms", 1, 1000),
        DriverKey.bool("promiscuous"),
        DriverKey.bool("qdisc-bypass"),
        DriverKey.bool("tx-ring"),
        DriverKey.bool("rx-super-frames"),
        DriverKey.bool("tx-super-frames"),
        DriverKey.bool(InterfaceConfig.GRO),
        DriverKey.bool(InterfaceConfig.ACCEPT_RA)),
    /** A Mellanox ConnectX-4/5 port through libibverbs raw-packet queues and mlx5 Direct Verbs. */
    RDMA("rdma",
        DriverKey.integer(InterfaceConfig.RX_QUEUES, 1, 64),
        DriverKey.powerOfTwo(InterfaceConfig.RX_QUEUE_SIZE, 64, 32768),
        DriverKey.powerOfTwo(InterfaceConfig.TX_QUEUE_SIZE, 64, 32768),
        DriverKey.choice("mode", "auto", "dv", "ibv"),
        DriverKey.bool("allow-netdev-mac"),
        DriverKey.bool("cqe-compression"),
        DriverKey.bool(InterfaceConfig.GRO),
        DriverKey.bool(InterfaceConfig.ACCEPT_RA)),
    /**
     * An in-memory wire inside this JVM: {@code host-if} names the wire, and the interfaces that name the same wire
     * (in several providers of one JVM) are joined by it. For tests and demonstrations.
     */
    MEMORY("memory",
        DriverKey.powerOfTwo(InterfaceConfig.RX_QUEUE_SIZE, 64, 65536),
        DriverKey.bool(InterfaceConfig.GRO),
        DriverKey.bool(InterfaceConfig.ACCEPT_RA));

    private final String configName;
    private final Map<String, DriverKey> keys = new LinkedHashMap<>();

    DriverKind(final String configName, final DriverKey... keys)
    {
        this.configName = configName;
        for (final DriverKey key : keys)
        {
            this.keys.put(key.name(), key);
        }
    }

    /** The name used in the configuration file. */
    public String configName()
    {
        return configName;
    }

    /** The driver's spec of an optional key (the suffix after the interface name), or null if it has none. */
    public DriverKey key(final String suffix)
    {
        return keys.get(suffix);
    }

    /** Whether some driver has this optional key. */
    public static boolean isDriverKey(final String suffix)
    {
        for (final DriverKind kind : values())
        {
            if (kind.keys.containsKey(suffix))
            {
                return true;
            }
        }
        return false;
    }

    /** The driver with that configuration name, or null. */
    public static DriverKind byName(final String name)
    {
        final String lower = name.trim().toLowerCase(Locale.ROOT);
        for (final DriverKind kind : values())
        {
            if (kind.configName.equals(lower))
            {
                return kind;
            }
        }
        return null;
    }

    /** The configuration names of all drivers, for error messages. */
    public static String names()
    {
        final StringBuilder sb = new StringBuilder();
        for (final DriverKind kind : values())
        {
            if (sb.length() > 0)
            {
                sb.append(", ");
            }
            sb.append(kind.configName);
        }
        return sb.toString();
    }
}
