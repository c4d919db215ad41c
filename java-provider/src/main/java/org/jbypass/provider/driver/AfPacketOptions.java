package org.jbypass.provider.driver;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

import org.jbypass.netstack.wire.MacAddress;

/**
 * How an {@link AfPacketLink} is opened: immutable, validated when built. Each option corresponds to a key of
 * the interface's configuration ({@code interface.NAME.KEY}); error messages name the key.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@link #interfaceName()}</td><td>NAME</td><td>(required)</td><td>the Linux netdev</td></tr>
 *   <tr><td>{@link #macAddress()}</td><td>mac</td><td>random, locally administered</td>
 *       <td>the stack's MAC: never the netdev's own</td></tr>
 *   <tr><td>{@link #mtu()}</td><td>mtu</td><td>0: the netdev's</td><td>the stack's MTU, at most the netdev's</td></tr>
 *   <tr><td>{@link #rxRing()}</td><td>rx-ring</td><td>frame</td>
 *       <td>the receive ring's layout: {@code frame} (TPACKET_V2, lowest latency) or {@code block}
 *       (TPACKET_V3)</td></tr>
 *   <tr><td>{@link #rxQueueSize()}</td><td>rx-queue-size</td><td>{@value #DEFAULT_RX_QUEUE_SIZE}</td>
 *       <td>full-size frames the receive ring holds at least</td></tr>
 *   <tr><td>{@link #rxBlockSize()}</td><td>rx-block-size</td><td>{@value #DEFAULT_RX_BLOCK_SIZE}; a block ring
 *       with super-frames {@value #DEFAULT_SUPER_FRAME_BLOCK_SIZE}, at least {@value #MIN_SUPER_FRAME_BLOCK_SIZE}</td>
 *       <td>bytes of one ring block: a power of two, 4 KiB to 4 MiB</td></tr>
 *   <tr><td>{@link #rxBlockTimeoutMillis()}</td><td>rx-block-timeout-ms</td>
 *       <td>{@value #DEFAULT_RX_BLOCK_TIMEOUT_MILLIS}</td><td>block ring: how long a partly filled block
 *       waits</td></tr>
 *   <tr><td>{@link #txQueueSize()}</td><td>tx-queue-size</td><td>{@value #DEFAULT_TX_QUEUE_SIZE}</td>
 *       <td>frames that may wait in the kernel before transmit refuses more</td></tr>
 *   <tr><td>{@link #promiscuous()}</td><td>promiscuous</td><td>false</td>
 *       <td>promiscuous mode instead of a unicast filter entry for the stack's MAC</td></tr>
 *   <tr><td>{@link #qdiscBypass()}</td><td>qdisc-bypass</td><td>false</td>
 *       <td>PACKET_QDISC_BYPASS: skip the netdev's qdisc</td></tr>
 *   <tr><td>{@link #txRing()}</td><td>tx-ring</td><td>true</td>
 *       <td>transmit through a PACKET_TX_RING with one send(2) per burst, rather than sendmmsg(2)</td></tr>
 *   <tr><td>{@link #rxSuperFrames()}</td><td>rx-super-frames</td><td>true</td>
 *       <td>receive GSO/GRO super-frames of up to 64 KiB (PACKET_VNET_HDR) as chains of pool buffers</td></tr>
 *   <tr><td>{@link #txSuperFrames()}</td><td>tx-super-frames</td><td>rx-super-frames</td>
 *       <td>take TCP super-segments of up to 64 KiB on transmit, IPv4 and IPv6 (LinkCapabilities.TX_TCP_SEGMENTATION
 *       and TX_TCP6_SEGMENTATION), sent with a
 *       virtio_net_hdr that has the kernel segment them (GSO) or pass them whole; needs rx-super-frames</td></tr>
 * </table>
 *
 * <h2>The stack's MAC</h2>
 * The stack has a MAC of its own on the shared netdev. Were it the netdev's MAC, the Linux kernel would take the
 * stack's frames as its own: it would answer TCP segments meant for the stack with resets, and ARP for the
 * stack's address could be answered by either. So the default is a random locally administered unicast address
 * (IEEE 802 bit "U/L" set, as Linux's random MACs), and the netdev's own MAC is refused when the link opens.
 *
 * <h2>The receive ring: frame or block</h2>
 * The kernel fills a ring that it shares with the driver (Documentation/networking/packet_mmap.rst), in one of two
 * layouts:
 * <ul>
 *   <li>{@link RxRing#FRAME} (TPACKET_V2, the default): fixed slots of one frame each (a packet buffer plus 128
 *       bytes). The kernel hands each frame over, and wakes a blocked poller, as soon as it has written it: no
 *       latency is added. This is what libpcap's "immediate mode" uses, for the same reason. The ring holds
 *       {@link #rxQueueSize()} frames whatever their size. With {@link #rxSuperFrames()} the slots keep their
 *       size: the kernel puts the head of a longer frame in its slot and queues the whole frame on the socket
 *       (PACKET_COPY_THRESH), which the driver reads with one recvmsg(2) straight into a chain of pool buffers; the
 *       socket's receive buffer, the size of the ring, bounds how many wait so.</li>
 *   <li>{@link RxRing#BLOCK} (TPACKET_V3): blocks of {@link #rxBlockSize()} bytes packed with frames of any size,
 *       handed over when a block is full or when it has waited {@link #rxBlockTimeoutMillis()} (at least 1 ms, the
 *       kernel's unit) with frames in it. At high rates blocks fill at once and the driver touches one status word
 *       and takes one wakeup per block rather than per frame; at low rates every frame can wait up to the timeout,
 *       which puts a floor of about a millisecond on each hop (two on a round trip).</li>
 * </ul>
 * The default is {@code frame} because jbypass is for latency-critical applications. Measured over a veth pair
 * with one frame in flight ({@code AfPacketRoundTripTest}), the a→b→a round trip between two links has a median of
 * about 30 µs with the frame ring and 0.7 to 1.7 ms with the block ring (a frame waits for the block's retire timer
 * in each of the two rings, up to the 1 ms timeout each), with pollers blocking in {@code awaitReceive}; against a
 * kernel client, the stack's UDP echo answers in a median of 31 to 41 µs with the frame ring (the kernel's own echo:
 * 29 to 32 µs) and 0.85 ms with the block ring ({@code UdpEchoLatencyTest}). Busy-polling does not help the block
 * ring, whose frames wait for the kernel's timer whatever the reader does. The block ring pays off only at sustained
 * rates high enough to fill blocks within the timeout, where it touches fewer cache lines and takes one wakeup per
 * block: receiving 64-byte frames costs about 15 ns per frame from blocks against 35 to 45 ns from frame slots, next
 * to several microseconds per frame for the kernel to deliver it. Choose {@code block} for capture-like,
 * throughput-only workloads.
 */
public final class AfPacketOptions
{
    public static final int DEFAULT_RX_QUEUE_SIZE = 4096;
    public static final int DEFAULT_RX_BLOCK_SIZE = 64 * 1024;
    /** The default {@code rx-block-size} of a block ring with {@code rx-super-frames}: 1 MiB, some fifteen of them. */
    public static final int DEFAULT_SUPER_FRAME_BLOCK_SIZE = 1 << 20;
    /**
     * The least {@code rx-block-size} of a block ring with {@code rx-super-frames}: a block must hold the largest
     * super-frame (65,553 bytes) and the kernel's headers before it.
     */
    public static final int MIN_SUPER_FRAME_BLOCK_SIZE = 128 * 1024;
    public static final int DEFAULT_RX_BLOCK_TIMEOUT_MILLIS = 1;
    public static final int DEFAULT_TX_QUEUE_SIZE = 1024;
    public static final RxRing DEFAULT_RX_RING = RxRing.FRAME;

    /** The layout of the receive ring (configuration key {@code rx-ring}). */
    public enum RxRing
    {
        /** TPACKET_V2: one slot per frame, each handed over at once. Key value {@code frame}. */
        FRAME("frame"),
        /** TPACKET_V3: blocks of frames, handed over full or after the block timeout. Key value {@code block}. */
        BLOCK("block");

        private final String key;

        RxRing(final String key)
        {
            this.key = key;
        }

        /** The value of the configuration key: {@code frame} or {@code block}. */
        public String key()
        {
            return key;
        }

        /** The layout a configuration value names, or null if none. */
        public static RxRing ofKey(final String value)
        {
            for (final RxRing ring : values())
            {
                if (ring.key.equals(value))
                {
                    return ring;
                }
            }
            return null;
        }
    }

    /** Linux's IFNAMSIZ, 16, less the terminating NUL. */
    public static final int MAX_INTERFACE_NAME_BYTES = 15;
    public static final int MIN_RX_BLOCK_SIZE = 4096;
    public static final int MAX_RX_BLOCK_SIZE = 4 << 20;
    public static final int MAX_RX_BLOCK_TIMEOUT_MILLIS = 1000;
    public static final int MAX_RX_QUEUE_SIZE = 1 << 20;
    public static final int MAX_TX_QUEUE_SIZE = 65536;
    /** The smallest MTU of an IPv4 link (RFC 791: every host must accept a 68-byte datagram unfragmented). */
    public static final int MIN_MTU = 68;
    public static final int MAX_MTU = 65535;

    private final String interfaceName;
    private final long macAddress;
    private final int mtu;
    private final RxRing rxRing;
    private final int rxQueueSize;
    private final int rxBlockSize;
    private final int rxBlockTimeoutMillis;
    private final int txQueueSize;
    private final boolean promiscuous;
    private final boolean qdiscBypass;
    private final boolean txRing;
    private final boolean rxSuperFrames;
    private final boolean txSuperFrames;

    private AfPacketOptions(final Builder b)
    {
        this.interfaceName = b.interfaceName;
        this.macAddress = b.macAddress;
        this.mtu = b.mtu;
        this.rxRing = b.rxRing;
        this.rxQueueSize = b.rxQueueSize;
        this.rxBlockSize = b.rxBlockSize;
        this.rxBlockTimeoutMillis = b.rxBlockTimeoutMillis;
        this.txQueueSize = b.txQueueSize;
        this.promiscuous = b.promiscuous;
        this.qdiscBypass = b.qdiscBypass;
        this.txRing = b.txRing;
        this.rxSuperFrames = b.rxSuperFrames;
        this.txSuperFrames = b.txSuperFrames;
    }

    /** Options for a netdev, every other option at its default (a fresh random MAC). */
    public static AfPacketOptions of(final String interfaceName)
    {
        return builder(interfaceName).build();
    }

    /**
     * A builder for a netdev's options.
     *
     * @throws IllegalArgumentException if the name is not a valid Linux interface name
     */
    public static Builder builder(final String interfaceName)
    {
        return new Builder(interfaceName);
    }

    /** A builder holding these options, to derive others from. */
    public Builder toBuilder()
    {
        final Builder b = new Builder(interfaceName);
        b.macAddress = macAddress;
        b.mtu = mtu;
        b.rxRing = rxRing;
        b.rxQueueSize = rxQueueSize;
        b.rxBlockSize = rxBlockSize;
        b.rxBlockTimeoutMillis = rxBlockTimeoutMillis;
        b.txQueueSize = txQueueSize;
        b.promiscuous = promiscuous;
        b.qdiscBypass = qdiscBypass;
        b.txRing = txRing;
        b.rxSuperFrames = rxSuperFrames;
        return b;
    }

    /** The Linux netdev, e.g. "jbp0". */
    public String interfaceName()
    {
        return interfaceName;
    }

    /** The stack's MAC address, in the low 48 bits. */
    public long macAddress()
    {
        return macAddress;
    }

    /** The stack's MTU, or 0 for the netdev's. */
    public int mtu()
    {
        return mtu;
    }

    /** The receive ring's layout. */
    public RxRing rxRing()
    {
        return rxRing;
    }

    /** How many full-size frames the receive ring holds at least. */
    public int rxQueueSize()
    {
        return rxQueueSize;
    }

    /** The size of one receive block in bytes (in the frame ring, the unit in which slots are allocated). */
    public int rxBlockSize()
    {
        return rxBlockSize;
    }

    /** How long the kernel keeps a partly filled block before handing it over (block ring only). */
    public int rxBlockTimeoutMillis()
    {
        return rxBlockTimeoutMillis;
    }

    /** How many frames may wait in the kernel for transmission before transmit refuses more. */
    public int txQueueSize()
    {
        return txQueueSize;
    }

    /** Whether the netdev is put in promiscuous mode rather than given a unicast filter entry. */
    public boolean promiscuous()
    {
        return promiscuous;
    }

    /** Whether frames are sent through a PACKET_TX_RING (one send(2) per burst) rather than with sendmmsg(2). */
    public boolean txRing()
    {
        return txRing;
    }

    /** Whether GSO/GRO super-frames are received (PACKET_VNET_HDR) as chains of pool buffers. */
    public boolean rxSuperFrames()
    {
        return rxSuperFrames;
    }

    /**
     * Whether the link takes TCP super-segments on transmit: chains of pool buffers sent with a virtio_net_hdr
     * (GSO_TCPV4 or GSO_TCPV6, NEEDS_CSUM) that the kernel cuts into segments in software, whatever the netdev's
     * TSO setting, or
     * hands whole to a device that takes them (a veth, a NIC with TSO).
     */
    public boolean txSuperFrames()
    {
        return txSuperFrames;
    }

    /** Whether frames bypass the netdev's qdisc (PACKET_QDISC_BYPASS). */
    public boolean qdiscBypass()
    {
        return qdiscBypass;
    }

    /** The configuration key of an option, for messages: {@code interface.jbp0.rx-queue-size}. */
    public String key(final String option)
    {
        return "interface." + interfaceName + "." + option;
    }

    @Override
    public String toString()
    {
        return "AfPacketOptions{interface=" + interfaceName + ", mac=" + MacAddress.toString(macAddress)
            + ", mtu=" + (mtu == 0 ? "netdev" : Integer.toString(mtu)) + ", rx-ring=" + rxRing.key()
            + ", rx-queue-size=" + rxQueueSize
            + ", rx-block-size=" + rxBlockSize + ", rx-block-timeout-ms=" + rxBlockTimeoutMillis
            + ", tx-queue-size=" + txQueueSize + ", promiscuous=" + promiscuous + ", qdisc-bypass=" + qdiscBypass
            + ", tx-ring=" + txRing + ", rx-super-frames=" + rxSuperFrames
            + ", tx-super-frames=" + txSuperFrames + '}';
    }

    /** Builds {@link AfPacketOptions}; each setter checks its value and names the option when it is wrong. */
    public static final class Builder
    {
        private final String interfaceName;
        private long macAddress;
        private int mtu;
        private RxRing rxRing = DEFAULT_RX_RING;
        private int rxQueueSize = DEFAULT_RX_QUEUE_SIZE;
        /** 0 until set: the default depends on the ring and on super-frames. */
        private int rxBlockSize;
        private int rxBlockTimeoutMillis = DEFAULT_RX_BLOCK_TIMEOUT_MILLIS;
        private int txQueueSize = DEFAULT_TX_QUEUE_SIZE;
        private boolean promiscuous;
        private boolean qdiscBypass;
        private boolean txRing = true;
        private boolean rxSuperFrames = true;
        /** null until set: follows rx-super-frames. */
        private Boolean txSuperFrames;

        private Builder(final String interfaceName)
        {
            checkInterfaceName(interfaceName);
            this.interfaceName = interfaceName;
            this.macAddress = MacAddress.randomLocal(ThreadLocalRandom.current().nextLong());
        }

        /** The stack's MAC: unicast and not all zeros (the netdev's own is refused at open). */
        public Builder macAddress(final long mac)
        {
            if ((mac & ~MacAddress.BROADCAST) != 0)
            {
                throw invalid("mac", MacAddress.toString(mac) + " has more than 48 bits");
            }
            if (mac == MacAddress.ZERO || MacAddress.isMulticast(mac))
            {
                throw invalid("mac", MacAddress.toString(mac) + " is not a unicast address");
            }
            this.macAddress = mac;
            return this;
        }

        /** The stack's MAC as text, "02:00:5e:10:00:01". */
        public Builder macAddress(final String mac)
        {
            final long value;
            try
            {
                value = MacAddress.parse(mac);
            }
            catch (final IllegalArgumentException e)
            {
                throw invalid("mac", e.getMessage());
            }
            return macAddress(value);
        }

        /** The stack's MTU, {@value #MIN_MTU} to {@value #MAX_MTU}, or 0 for the netdev's. */
        public Builder mtu(final int mtu)
        {
            if (mtu != 0 && (mtu < MIN_MTU || mtu > MAX_MTU))
            {
                throw invalid("mtu", mtu + " is outside " + MIN_MTU + ".." + MAX_MTU + " (0: the netdev's)");
            }
            this.mtu = mtu;
            return this;
        }

        /** The receive ring's layout. */
        public Builder rxRing(final RxRing ring)
        {
            if (ring == null)
            {
                throw invalid("rx-ring", "missing (frame or block)");
            }
            this.rxRing = ring;
            return this;
        }

        /** The receive ring's layout as the configuration names it: {@code frame} or {@code block}. */
        public Builder rxRing(final String value)
        {
            final RxRing ring = RxRing.ofKey(value == null ? null : value.trim());
            if (ring == null)
            {
                throw invalid("rx-ring", "'" + value + "' is neither frame (TPACKET_V2) nor block (TPACKET_V3)");
            }
            return rxRing(ring);
        }

        /** Full-size frames the receive ring holds at least, 1 to {@value #MAX_RX_QUEUE_SIZE}. */
        public Builder rxQueueSize(final int frames)
        {
            if (frames < 1 || frames > MAX_RX_QUEUE_SIZE)
            {
                throw invalid("rx-queue-size", frames + " is outside 1.." + MAX_RX_QUEUE_SIZE);
            }
            this.rxQueueSize = frames;
            return this;
        }

        /** Bytes of one receive block: a power of two from 4 KiB to 4 MiB. */
        public Builder rxBlockSize(final int bytes)
        {
            if (bytes < MIN_RX_BLOCK_SIZE || bytes > MAX_RX_BLOCK_SIZE || Integer.bitCount(bytes) != 1)
            {
                throw invalid("rx-block-size", bytes + " is not a power of two from " + MIN_RX_BLOCK_SIZE + " to "
                    + MAX_RX_BLOCK_SIZE);
            }
            this.rxBlockSize = bytes;
            return this;
        }

        /** How long a partly filled block waits before the kernel hands it over, 1 to 1000 ms. */
        public Builder rxBlockTimeoutMillis(final int millis)
        {
            if (millis < 1 || millis > MAX_RX_BLOCK_TIMEOUT_MILLIS)
            {
                throw invalid("rx-block-timeout-ms", millis + " is outside 1.." + MAX_RX_BLOCK_TIMEOUT_MILLIS);
            }
            this.rxBlockTimeoutMillis = millis;
            return this;
        }

        /** Frames that may wait in the kernel for transmission, 1 to {@value #MAX_TX_QUEUE_SIZE}. */
        public Builder txQueueSize(final int frames)
        {
            if (frames < 1 || frames > MAX_TX_QUEUE_SIZE)
            {
                throw invalid("tx-queue-size", frames + " is outside 1.." + MAX_TX_QUEUE_SIZE);
            }
            this.txQueueSize = frames;
            return this;
        }

        /** Promiscuous mode instead of a unicast filter entry for the stack's MAC. */
        public Builder promiscuous(final boolean promiscuous)
        {
            this.promiscuous = promiscuous;
            return this;
        }

        /** PACKET_QDISC_BYPASS: frames skip the qdisc; a busy device queue refuses them instead of queueing. */
        public Builder qdiscBypass(final boolean bypass)
        {
            this.qdiscBypass = bypass;
            return this;
        }

        /**
         * Transmit through a PACKET_TX_RING of {@link #txQueueSize} slots and one send(2) per burst (the default), or
         * with one sendmmsg(2) per burst. The kernel's sendmmsg offers to reschedule after every frame; when a frame
         * wakes the receiver on the same CPU (a veth peer in another namespace), the sender is preempted frame by
         * frame, while the TX ring's send(2) transmits the whole burst first.
         */
        public Builder txRing(final boolean ring)
        {
            this.txRing = ring;
            return this;
        }

        /**
         * Receive GSO/GRO super-frames (PACKET_VNET_HDR) as chains of pool buffers (the default), so that the stack
         * runs on a netdev whatever its offloads; {@code false}: frames longer than a buffer are dropped and
         * counted, as they are cut by a ring sized for MTU frames.
         */
        public Builder rxSuperFrames(final boolean superFrames)
        {
            this.rxSuperFrames = superFrames;
            return this;
        }

        /**
         * Take TCP super-segments on transmit (the default whenever {@link #rxSuperFrames} is on: PACKET_VNET_HDR
         * serves both directions, so this needs it); {@code false}: the stack sends MSS-sized segments only.
         */
        public Builder txSuperFrames(final boolean superFrames)
        {
            this.txSuperFrames = superFrames;
            return this;
        }

        public AfPacketOptions build()
        {
            if (txSuperFrames == null)
            {
                txSuperFrames = rxSuperFrames;
            }
            else if (txSuperFrames && !rxSuperFrames)
            {
                throw invalid("tx-super-frames", "true needs rx-super-frames=true (PACKET_VNET_HDR, which puts a"
                    + " virtio_net_hdr before the frames of both directions): set rx-super-frames=true, or"
                    + " tx-super-frames=false");
            }
            final boolean superBlocks = rxSuperFrames && rxRing == RxRing.BLOCK;
            if (rxBlockSize == 0)
            {
                rxBlockSize = superBlocks ? DEFAULT_SUPER_FRAME_BLOCK_SIZE : DEFAULT_RX_BLOCK_SIZE;
            }
            if (superBlocks && rxBlockSize < MIN_SUPER_FRAME_BLOCK_SIZE)
            {
                throw invalid("rx-block-size", rxBlockSize + " bytes cannot hold a super-frame of up to 64 KiB in the"
                    + " block ring: use " + MIN_SUPER_FRAME_BLOCK_SIZE + " or more (default "
                    + DEFAULT_SUPER_FRAME_BLOCK_SIZE + "), or set rx-super-frames=false");
            }
            return new AfPacketOptions(this);
        }

        private IllegalArgumentException invalid(final String option, final String why)
        {
            return new IllegalArgumentException("interface." + interfaceName + "." + option + ": " + why);
        }
    }

    /** Linux's dev_valid_name(): 1 to 15 bytes, not "." or "..", no '/', ':' or white space. */
    private static void checkInterfaceName(final String name)
    {
        if (name == null || name.isEmpty())
        {
            throw new IllegalArgumentException("interface name: missing");
        }
        final int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_INTERFACE_NAME_BYTES)
        {
            throw new IllegalArgumentException("interface name: '" + name + "' is " + bytes + " bytes, Linux allows "
                + MAX_INTERFACE_NAME_BYTES);
        }
        if (name.equals(".") || name.equals(".."))
        {
            throw new IllegalArgumentException("interface name: '" + name + "' is not a valid interface name");
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || Character.isISOControl(c))
            {
                throw new IllegalArgumentException("interface name: '" + name + "' contains '" + c
                    + "', which Linux does not allow");
            }
        }
    }
}
