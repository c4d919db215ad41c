package org.jbypass.provider.driver;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The configuration of an rdma interface (a ConnectX port or VF driven through libibverbs and mlx5 Direct Verbs),
 * immutable and validated. The configuration layer reads the keys of {@code interface.NAME.*} and calls
 * {@link #fromProperties}; programs and tests use {@link #builder}.
 *
 * <pre>
 *   interface.NAME.driver           = rdma
 *   interface.NAME.host-if          = the ConnectX netdev (PF or SR-IOV VF)                  required
 *   interface.NAME.mode             = auto | dv | ibv                                           auto
 *   interface.NAME.rx-queues        = 1..64                                                     1
 *   interface.NAME.rx-queue-size    = a power of two, 64..32768                                 1024
 *   interface.NAME.tx-queue-size    = a power of two, 64..32768                                 1024
 *   interface.NAME.mac              = aa:bb:cc:dd:ee:ff | random (a locally administered one)   random
 *   interface.NAME.mtu              = 68..9600                                                  1500
 *   interface.NAME.allow-netdev-mac = true | false                                              false
 *   interface.NAME.cqe-compression  = true | false (Direct Verbs receive CQE compression)      true
 * </pre>
 *
 * <p>Every invalid value throws {@link IllegalArgumentException} naming the key.
 */
public final class RdmaOptions
{
    /** How the datapath reaches the adapter. */
    public enum Mode
    {
        /** Direct Verbs when the adapter supports it, else plain verbs. */
        AUTO("auto", RdmaNative.MODE_AUTO),
        /** mlx5 Direct Verbs: the rings are read and written by jbypass itself; fails if unsupported. */
        DV("dv", RdmaNative.MODE_DV),
        /** Plain verbs: ibv_post_send, ibv_post_wq_recv, ibv_poll_cq. */
        IBV("ibv", RdmaNative.MODE_IBV);

        private final String key;
        private final int code;

        Mode(final String key, final int code)
        {
            this.key = key;
            this.code = code;
        }

        /** The configuration value, e.g. "dv". */
        public String key()
        {
            return key;
        }

        int code()
        {
            return code;
        }
    }

    public static final String DRIVER = "rdma";
    public static final String KEY_DRIVER = "driver";
    public static final String KEY_HOST_IF = "host-if";
    public static final String KEY_MODE = "mode";
    public static final String KEY_RX_QUEUES = "rx-queues";
    public static final String KEY_RX_QUEUE_SIZE = "rx-queue-size";
    public static final String KEY_TX_QUEUE_SIZE = "tx-queue-size";
    public static final String KEY_MAC = "mac";
    public static final String KEY_MTU = "mtu";
    public static final String KEY_ALLOW_NETDEV_MAC = "allow-netdev-mac";
    public static final String KEY_CQE_COMPRESSION = "cqe-compression";

    /** The keys this driver reads under {@code interface.NAME.}; others belong to other layers. */
    public static final Set<String> KEYS = Set.of(KEY_DRIVER, KEY_HOST_IF, KEY_MODE, KEY_RX_QUEUES, KEY_RX_QUEUE_SIZE,
        KEY_TX_QUEUE_SIZE, KEY_MAC, KEY_MTU, KEY_ALLOW_NETDEV_MAC, KEY_CQE_COMPRESSION);

    public static final int MAX_RX_QUEUES = 64;
    public static final int MIN_QUEUE_SIZE = 64;
    /** The mlx5 WQE counters are 16 bits wide: a ring must stay below 2^16 entries. */
    public static final int MAX_QUEUE_SIZE = 32768;
    public static final int DEFAULT_QUEUE_SIZE = 1024;
    /** The smallest MTU IPv4 allows (RFC 791). */
    public static final int MIN_MTU = 68;
    /** ConnectX-4/5 ports carry frames of 9600 bytes at most on the wire (9614 with the header and FCS). */
    public static final int MAX_MTU = 9600;
    public static final int DEFAULT_MTU = 1500;
    /** Stands for "a random locally administered address" in {@link #mac()}. */
    public static final long RANDOM_MAC = -1L;

    private final String name;
    private final String hostIf;
    private final Mode mode;
    private final int rxQueues;
    private final int rxQueueSize;
    private final int txQueueSize;
    private final long mac;
    private final int mtu;
    private final boolean allowNetdevMac;
    private final boolean cqeCompression;

    private RdmaOptions(final Builder b)
    {
        this.name = b.name;
        this.hostIf = b.hostIf;
        this.mode = b.mode;
        this.rxQueues = b.rxQueues;
        this.rxQueueSize = b.rxQueueSize;
        this.txQueueSize = b.txQueueSize;
        this.mac = b.mac;
        this.mtu = b.mtu;
        this.allowNetdevMac = b.allowNetdevMac;
        this.cqeCompression = b.cqeCompression;
    }

    /**
     * Builds the options of interface {@code name} from its keys (without the {@code interface.NAME.} prefix).
     * Keys that are not in {@link #KEYS} are left to the other layers.
     *
     * @throws IllegalArgumentException naming the key of the first invalid or missing value
     */
    public static RdmaOptions fromProperties(final String name, final Map<String, String> keys)
    {
        final Builder b = builder(name);
        final String driver = keys.get(KEY_DRIVER);
        if (driver != null && !DRIVER.equals(driver.trim()))
        {
            throw new IllegalArgumentException(key(name, KEY_DRIVER) + ": is '" + driver + "', not " + DRIVER);
        }
        final String hostIf = keys.get(KEY_HOST_IF);
        if (hostIf == null || hostIf.isBlank())
        {
            throw new IllegalArgumentException(key(name, KEY_HOST_IF)
                + ": missing; name the ConnectX netdev (PF or SR-IOV VF) this interface drives");
        }
        b.hostIf(hostIf.trim());
        final String mode = keys.get(KEY_MODE);
        if (mode != null)
        {
            b.mode(parseMode(name, mode));
        }
        final String rxq = keys.get(KEY_RX_QUEUES);
        if (rxq != null)
        {
            b.rxQueues(parseInt(name, KEY_RX_QUEUES, rxq));
        }
        final String rxs = keys.get(KEY_RX_QUEUE_SIZE);
        if (rxs != null)
        {
            b.rxQueueSize(parseInt(name, KEY_RX_QUEUE_SIZE, rxs));
        }
        final String txs = keys.get(KEY_TX_QUEUE_SIZE);
        if (txs != null)
        {
            b.txQueueSize(parseInt(name, KEY_TX_QUEUE_SIZE, txs));
        }
        final String mac = keys.get(KEY_MAC);
        if (mac != null)
        {
            b.mac(parseMac(name, mac));
        }
        final String mtu = keys.get(KEY_MTU);
        if (mtu != null)
        {
            b.mtu(parseInt(name, KEY_MTU, mtu));
        }
        final String allow = keys.get(KEY_ALLOW_NETDEV_MAC);
        if (allow != null)
        {
            b.allowNetdevMac(parseBoolean(name, KEY_ALLOW_NETDEV_MAC, allow));
        }
        final String compression = keys.get(KEY_CQE_COMPRESSION);
        if (compression != null)
        {
            b.cqeCompression(parseBoolean(name, KEY_CQE_COMPRESSION, compression));
        }
        return b.build();
    }

    /** A builder with the defaults, for interface {@code name} (used in messages). */
    public static Builder builder(final String name)
    {
        return new Builder(name);
    }

    /** The interface's name in the configuration. */
    public String name()
    {
        return name;
    }

    /** The ConnectX netdev. */
    public String hostIf()
    {
        return hostIf;
    }

    public Mode mode()
    {
        return mode;
    }

    public int rxQueues()
    {
        return rxQueues;
    }

    public int rxQueueSize()
    {
        return rxQueueSize;
    }

    public int txQueueSize()
    {
        return txQueueSize;
    }

    /** The MAC in the low 48 bits, or {@link #RANDOM_MAC}. */
    public long mac()
    {
        return mac;
    }

    public int mtu()
    {
        return mtu;
    }

    public boolean allowNetdevMac()
    {
        return allowNetdevMac;
    }

    public boolean cqeCompression()
    {
        return cqeCompression;
    }

    /** The full name of a key of this interface, e.g. "interface.eth1.mtu". */
    public String key(final String suffix)
    {
        return key(name, suffix);
    }

    @Override
    public String toString()
    {
        return "rdma{" + KEY_HOST_IF + "=" + hostIf + " " + KEY_MODE + "=" + mode.key() + " " + KEY_RX_QUEUES + "="
            + rxQueues + " " + KEY_RX_QUEUE_SIZE + "=" + rxQueueSize + " " + KEY_TX_QUEUE_SIZE + "=" + txQueueSize
            + " " + KEY_MAC + "=" + (mac == RANDOM_MAC ? "random" : formatMac(mac)) + " " + KEY_MTU + "=" + mtu
            + " " + KEY_ALLOW_NETDEV_MAC + "=" + allowNetdevMac + " " + KEY_CQE_COMPRESSION + "=" + cqeCompression
            + "}";
    }

    static String key(final String name, final String suffix)
    {
        return "interface." + name + "." + suffix;
    }

    static String formatMac(final long mac)
    {
        final StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            final int b = (int)(mac >>> shift) & 0xff;
            sb.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 15, 16));
            if (shift > 0)
            {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    private static Mode parseMode(final String name, final String value)
    {
        final String v = value.trim().toLowerCase(Locale.ROOT);
        for (final Mode m : Mode.values())
        {
            if (m.key.equals(v))
            {
                return m;
            }
        }
        throw new IllegalArgumentException(key(name, KEY_MODE) + ": '" + value + "' is not auto, dv or ibv");
    }

    private static int parseInt(final String name, final String suffix, final String value)
    {
        try
        {
            return Integer.parseInt(value.trim());
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException(key(name, suffix) + ": '" + value + "' is not a number", e);
        }
    }

    private static boolean parseBoolean(final String name, final String suffix, final String value)
    {
        final String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("true"))
        {
            return true;
        }
        if (v.equals("false"))
        {
            return false;
        }
        throw new IllegalArgumentException(key(name, suffix) + ": '" + value + "' is not true or false");
    }

    private static long parseMac(final String name, final String value)
    {
        final String v = value.trim();
        if (v.equalsIgnoreCase("random"))
        {
            return RANDOM_MAC;
        }
        final String[] parts = v.split(":", -1);
        if (parts.length != 6)
        {
            throw new IllegalArgumentException(key(name, KEY_MAC) + ": '" + value
                + "' is not a MAC address like 02:00:00:00:00:01 (or random)");
        }
        long mac = 0;
        for (final String p : parts)
        {
            if (p.length() != 2 || Character.digit(p.charAt(0), 16) < 0 || Character.digit(p.charAt(1), 16) < 0)
            {
                throw new IllegalArgumentException(key(name, KEY_MAC) + ": '" + value
                    + "' is not a MAC address like 02:00:00:00:00:01 (or random)");
            }
            mac = (mac << 8) | Integer.parseInt(p, 16);
        }
        return mac;
    }

    /** Builds {@link RdmaOptions}; {@link #build()} validates. */
    public static final class Builder
    {
        private final String name;
        private String hostIf;
        private Mode mode = Mode.AUTO;
        private int rxQueues = 1;
        private int rxQueueSize = DEFAULT_QUEUE_SIZE;
        private int txQueueSize = DEFAULT_QUEUE_SIZE;
        private long mac = RANDOM_MAC;
        private int mtu = DEFAULT_MTU;
        private boolean allowNetdevMac;
        private boolean cqeCompression = true;

        private Builder(final String name)
        {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder hostIf(final String hostIf)
        {
            this.hostIf = hostIf;
            return this;
        }

        public Builder mode(final Mode mode)
        {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        public Builder rxQueues(final int rxQueues)
        {
            this.rxQueues = rxQueues;
            return this;
        }

        public Builder rxQueueSize(final int rxQueueSize)
        {
            this.rxQueueSize = rxQueueSize;
            return this;
        }

        public Builder txQueueSize(final int txQueueSize)
        {
            this.txQueueSize = txQueueSize;
            return this;
        }

        /** @param mac the address in the low 48 bits, or {@link #RANDOM_MAC} */
        public Builder mac(final long mac)
        {
            this.mac = mac;
            return this;
        }

        public Builder mtu(final int mtu)
        {
            this.mtu = mtu;
            return this;
        }

        public Builder allowNetdevMac(final boolean allow)
        {
            this.allowNetdevMac = allow;
            return this;
        }

        public Builder cqeCompression(final boolean compression)
        {
            this.cqeCompression = compression;
            return this;
        }

        /** @throws IllegalArgumentException naming the key of the first invalid value */
        public RdmaOptions build()
        {
            if (hostIf == null || hostIf.isEmpty() || hostIf.length() > 15 || hostIf.indexOf('/') >= 0
                || hostIf.equals(".") || hostIf.equals("..") || !hostIf.chars().allMatch(c -> c > ' ' && c < 127))
            {
                throw new IllegalArgumentException(key(name, KEY_HOST_IF) + ": '" + hostIf
                    + "' is not a network interface name (1 to 15 characters, no '/' or spaces)");
            }
            if (rxQueues < 1 || rxQueues > MAX_RX_QUEUES)
            {
                throw new IllegalArgumentException(key(name, KEY_RX_QUEUES) + ": " + rxQueues + " is not between 1 and "
                    + MAX_RX_QUEUES);
            }
            checkRing(KEY_RX_QUEUE_SIZE, rxQueueSize);
            checkRing(KEY_TX_QUEUE_SIZE, txQueueSize);
            if (mac != RANDOM_MAC)
            {
                if ((mac & ~0xffff_ffff_ffffL) != 0 || mac == 0)
                {
                    throw new IllegalArgumentException(key(name, KEY_MAC) + ": " + Long.toHexString(mac)
                        + " is not a 48-bit MAC address");
                }
                if ((mac & (1L << 40)) != 0)
                {
                    throw new IllegalArgumentException(key(name, KEY_MAC) + ": " + formatMac(mac)
                        + " is a multicast address; an interface needs a unicast one");
                }
            }
            if (mtu < MIN_MTU || mtu > MAX_MTU)
            {
                throw new IllegalArgumentException(key(name, KEY_MTU) + ": " + mtu + " is not between " + MIN_MTU
                    + " and " + MAX_MTU);
            }
            return new RdmaOptions(this);
        }

        private void checkRing(final String suffix, final int size)
        {
            if (size < MIN_QUEUE_SIZE || size > MAX_QUEUE_SIZE || Integer.bitCount(size) != 1)
            {
                throw new IllegalArgumentException(key(name, suffix) + ": " + size + " is not a power of two between "
                    + MIN_QUEUE_SIZE + " and " + MAX_QUEUE_SIZE);
            }
        }
    }
}
