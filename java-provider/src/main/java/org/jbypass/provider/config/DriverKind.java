package org.jbypass.provider.config;

import java.util.Locale;
import java.util.Set;

/**
 * The link drivers an interface can use, by the name given in {@code interface.NAME.driver}, and which of the
 * optional queue keys each one understands. A queue key given for a driver that has no such thing is an error, not
 * something to ignore: the user believes it has an effect.
 */
public enum DriverKind
{
    /** AF_PACKET sockets (TPACKET_V3 rings) on any Linux netdev: veth pairs in tests, any NIC in production. */
    AFPACKET("afpacket", Set.of(InterfaceConfig.RX_QUEUES, InterfaceConfig.RX_QUEUE_SIZE,
        InterfaceConfig.TX_QUEUE_SIZE)),
    /** A Mellanox ConnectX-4/5 port through libibverbs raw-packet queues and mlx5 Direct Verbs. */
    RDMA("rdma", Set.of(InterfaceConfig.RX_QUEUES, InterfaceConfig.RX_QUEUE_SIZE, InterfaceConfig.TX_QUEUE_SIZE)),
    /**
     * An in-memory wire inside this JVM: {@code host-if} names the wire, and the two interfaces that name the same
     * wire (in two providers of one JVM) are its two ends. For tests and demonstrations.
     */
    MEMORY("memory", Set.of());

    private final String configName;
    private final Set<String> queueKeys;

    DriverKind(final String configName, final Set<String> queueKeys)
    {
        this.configName = configName;
        this.queueKeys = queueKeys;
    }

    /** The name used in the configuration file. */
    public String configName()
    {
        return configName;
    }

    /** Whether the driver understands an optional per-interface queue key (the suffix after the interface name). */
    public boolean supports(final String queueKey)
    {
        return queueKeys.contains(queueKey);
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
