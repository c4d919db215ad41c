package org.jbypass.provider.driver;

import java.util.Locale;

import org.jbypass.netstack.wire.MacAddress;

/**
 * The messages of the afpacket driver's failures: what went wrong, in the kernel's words (strerror), and what to
 * do about it. Separate from {@link AfPacketLink} so that every message can be tested without root.
 */
final class AfPacketErrors
{
    // Linux's errno values (asm-generic/errno-base.h, errno.h) that the messages tell apart.
    static final int EPERM = 1;
    static final int ENXIO = 6;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int EMSGSIZE = 90;
    static final int EPROTONOSUPPORT = 93;
    static final int EAFNOSUPPORT = 97;
    static final int EADDRINUSE = 98;
    static final int ENETDOWN = 100;

    /** ARPHRD_LOOPBACK, the link type of "lo", named in the message because it is the likeliest mistake. */
    private static final int ARPHRD_LOOPBACK = 772;
    private static final int ETHERNET_HEADER = 14;

    private AfPacketErrors()
    {
    }

    /**
     * The exception for a failed open.
     *
     * @param errno      the positive errno
     * @param strerror   the kernel's text for it
     * @param info       what open learned ({@link AfPacketNative}{@code .INFO_*})
     * @param bufferSize the pool's buffer size
     */
    static DriverException openFailure(final AfPacketOptions options, final int errno, final String strerror,
        final long[] info, final int bufferSize)
    {
        final String ifname = options.interfaceName();
        final String message;
        switch ((int)info[AfPacketNative.INFO_FAILED_STEP])
        {
            case AfPacketNative.STEP_SOCKET:
                message = "cannot open " + ifname + ": " + strerror + socketHint(errno);
                break;
            case AfPacketNative.STEP_INTERFACE:
                message = errno == ENODEV
                    ? "no interface named " + ifname + " (see `ip link`)"
                    : "cannot query interface " + ifname + ": " + strerror;
                break;
            case AfPacketNative.STEP_LINK_TYPE:
                final int linkType = (int)info[AfPacketNative.INFO_LINK_TYPE];
                message = ifname + " is not an Ethernet interface (link type " + linkType
                    + (linkType == ARPHRD_LOOPBACK ? ", loopback" : "") + "); afpacket drives Ethernet netdevs only";
                break;
            case AfPacketNative.STEP_LINK_DOWN:
                message = down(ifname);
                break;
            case AfPacketNative.STEP_MTU:
                message = mtu(options, errno, info, bufferSize);
                break;
            case AfPacketNative.STEP_MAC:
                message = errno == EADDRINUSE
                    ? "the stack's MAC " + MacAddress.toString(options.macAddress()) + " is " + ifname
                        + "'s own address; the kernel would take the stack's frames as its own and answer its TCP"
                        + " segments with resets: give the stack a MAC of its own (leave " + options.key("mac")
                        + " unset for a random one)"
                    : "the stack's MAC " + MacAddress.toString(options.macAddress())
                        + " must be a unicast, non-zero address (" + options.key("mac") + ")";
                break;
            case AfPacketNative.STEP_RX_RING:
                final String ring = bytes(info[AfPacketNative.INFO_RX_RING_BYTES]);
                message = errno == ENOMEM
                    ? "cannot map a " + ring + " receive ring on " + ifname + ": " + strerror + " (lower "
                        + options.key("rx-queue-size") + ")"
                    : "cannot set up a " + ring + " receive ring on " + ifname + ": " + strerror
                        + (errno == EINVAL ? " (the kernel refused the geometry: " + options.key("rx-ring") + "="
                            + options.rxRing().key() + ", " + options.key("rx-block-size")
                            + "=" + options.rxBlockSize() + ", " + options.key("rx-queue-size") + "="
                            + options.rxQueueSize() + ")" : "");
                break;
            case AfPacketNative.STEP_TX_SETUP:
                message = "cannot set up transmission on " + ifname + ": " + strerror
                    + (options.qdiscBypass() ? " (the kernel may lack PACKET_QDISC_BYPASS: unset "
                        + options.key("qdisc-bypass") + ")" : "")
                    + (options.txRing() ? " (" + (errno == ENOMEM ? "lower " + options.key("tx-queue-size") + " or "
                        : "") + "set " + options.key("tx-ring") + "=false to send with sendmmsg)" : "");
                break;
            case AfPacketNative.STEP_BIND:
                message = errno == ENETDOWN ? down(ifname) : "cannot bind to " + ifname + ": " + strerror
                    + (errno == ENODEV || errno == ENXIO ? " (the interface went away: see `ip link`)" : "");
                break;
            case AfPacketNative.STEP_MEMBERSHIP:
                message = options.promiscuous()
                    ? "cannot put " + ifname + " in promiscuous mode: " + strerror
                    : "cannot make " + ifname + " accept the stack's MAC " + MacAddress.toString(options.macAddress())
                        + ": " + strerror + " (or set " + options.key("promiscuous") + "=true)";
                break;
            case AfPacketNative.STEP_EVENTFD:
                message = "cannot create an eventfd for " + ifname + ": " + strerror + fileLimitHint(errno);
                break;
            case AfPacketNative.STEP_ARGUMENTS:
            default:
                message = "cannot open " + ifname + ": " + strerror + " (the driver refused " + options + ")";
                break;
        }
        return new DriverException("afpacket", ifname, errno, "afpacket: " + message);
    }

    /** A closed link was used. */
    static IllegalStateException closed(final String ifname)
    {
        return new IllegalStateException("afpacket: the link on " + ifname + " is closed");
    }

    private static String socketHint(final int errno)
    {
        switch (errno)
        {
            case EPERM:
            case EACCES:
                return " (needs CAP_NET_RAW)";
            case EAFNOSUPPORT:
                return " (the kernel lacks AF_PACKET: modprobe af_packet)";
            default:
                return fileLimitHint(errno);
        }
    }

    private static String fileLimitHint(final int errno)
    {
        return errno == EMFILE || errno == ENFILE ? " (too many open files: raise `ulimit -n`)" : "";
    }

    private static String down(final String ifname)
    {
        return ifname + " is down (bring it up: ip link set " + ifname + " up)";
    }

    private static String mtu(final AfPacketOptions options, final int errno, final long[] info,
        final int bufferSize)
    {
        final String ifname = options.interfaceName();
        final long netdevMtu = info[AfPacketNative.INFO_NETDEV_MTU];
        if (errno == EINVAL)
        {
            return options.key("mtu") + " " + options.mtu() + " exceeds " + ifname + "'s MTU " + netdevMtu
                + " (lower " + options.key("mtu") + ", or raise the netdev's: ip link set " + ifname + " mtu "
                + options.mtu() + ")";
        }
        final long mtu = options.mtu() != 0 ? options.mtu() : netdevMtu;
        final int largest = bufferSize - ETHERNET_HEADER;
        return "packet buffers of " + bufferSize + " bytes cannot hold the frames of MTU " + mtu + " on " + ifname
            + " (an MTU of " + largest + " at most fits: set " + options.key("mtu") + " to " + largest
            + " or less, or use larger packet buffers)";
    }

    /** "2 GiB", "64 MiB", "1.5 MiB", "512 KiB". */
    static String bytes(final long bytes)
    {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0)
        {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1 << 20)
        {
            return bytes % (1 << 20) == 0
                ? (bytes >> 20) + " MiB" : String.format(Locale.ROOT, "%.1f MiB", bytes / (double)(1 << 20));
        }
        if (bytes >= 1 << 10)
        {
            return bytes % (1 << 10) == 0
                ? (bytes >> 10) + " KiB" : String.format(Locale.ROOT, "%.1f KiB", bytes / (double)(1 << 10));
        }
        return bytes + " bytes";
    }
}
