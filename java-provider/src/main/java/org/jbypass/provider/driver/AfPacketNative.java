package org.jbypass.provider.driver;

import java.nio.ByteBuffer;

/**
 * The natives of the afpacket driver ({@code native/src/jbp_afpacket_jni.c}, registered by {@code JNI_OnLoad}),
 * under the native contract of {@code docs/ARCHITECTURE.md}.
 *
 * <p>Every native returns a count, a handle or {@code -errno} and throws nothing; object arguments are checked
 * ({@code -EINVAL}); {@link AfPacketLink} turns errors into {@link DriverException}s, worded from what
 * {@link #open} reports in its {@code long[]} and from {@link #errorMessage}. Handles and memory addresses are
 * {@code long}s. The hot natives ({@link #receive}, {@link #transmit}) take only primitives: a burst's descriptor
 * address is taken once per burst object with {@link #address}.
 */
final class AfPacketNative
{
    // Open flags (jbp_afpacket.h).
    static final int FLAG_PROMISCUOUS = 1;
    static final int FLAG_QDISC_BYPASS = 1 << 1;
    static final int FLAG_TX_RING = 1 << 2;
    /** JBP_AFP_SUPER_FRAMES: PACKET_VNET_HDR, super-frames delivered as chains of burst slots. */
    static final int FLAG_SUPER_FRAMES = 1 << 3;

    // Receive ring layouts (enum jbp_afp_rx_ring).
    static final int RX_BLOCK = 0;
    static final int RX_FRAME = 1;
    /** JBP_AFP_RX_FRAME_HEADROOM: a frame-mode slot is this much larger than a buffer, rounded up to 16. */
    static final int RX_FRAME_HEADROOM = 128;
    /** TPACKET_ALIGNMENT. */
    static final int RX_FRAME_ALIGNMENT = 16;

    // Steps of open that can fail (enum jbp_afp_step).
    static final int STEP_NONE = 0;
    static final int STEP_ARGUMENTS = 1;
    static final int STEP_SOCKET = 2;
    static final int STEP_INTERFACE = 3;
    static final int STEP_LINK_TYPE = 4;
    static final int STEP_LINK_DOWN = 5;
    static final int STEP_MTU = 6;
    static final int STEP_MAC = 7;
    static final int STEP_RX_RING = 8;
    static final int STEP_TX_SETUP = 9;
    static final int STEP_BIND = 10;
    static final int STEP_MEMBERSHIP = 11;
    static final int STEP_EVENTFD = 12;

    // Indices of the long[] that open fills (jbp_afpacket_jni.c).
    static final int INFO_FAILED_STEP = 0;
    static final int INFO_IFINDEX = 1;
    static final int INFO_NETDEV_MTU = 2;
    static final int INFO_MTU = 3;
    static final int INFO_IFFLAGS = 4;
    static final int INFO_LINK_TYPE = 5;
    static final int INFO_NETDEV_MAC = 6;
    static final int INFO_RX_RING_BYTES = 7;
    static final int INFO_RX_RING_FRAMES = 8;
    static final int INFO_RX_FRAME_SIZE = 9;
    static final int INFO_LENGTH = 10;

    // Byte offsets of the u64 counters of struct jbp_afpacket_stats.
    static final int STAT_RX_PACKETS = 0;
    static final int STAT_RX_BYTES = 8;
    static final int STAT_RX_OVERSIZE = 16;
    static final int STAT_RX_TRUNCATED = 24;
    static final int STAT_RX_KERNEL_DROPS = 32;
    static final int STAT_RX_FREEZES = 40;
    static final int STAT_RX_BAD_SLOTS = 48;
    static final int STAT_TX_PACKETS = 56;
    static final int STAT_TX_BYTES = 64;
    static final int STAT_TX_REFUSED = 72;
    static final int STAT_TX_DROPPED = 80;
    static final int STAT_ERRORS = 88;
    static final int STAT_LAST_ERRNO = 96;
    static final int STAT_RX_BAD_VNET = 104;
    static final int STAT_RX_SUPER_FRAMES = 112;
    static final int STAT_TX_SUPER_FRAMES = 120;
    static final int STATS_WORDS = 16;

    static
    {
        NativeLibrary.load();
        if (statsWords() != STATS_WORDS || infoLength() != INFO_LENGTH)
        {
            throw new UnsatisfiedLinkError("jbypass: libjbypass.so does not match the Java classes (afpacket stats "
                + statsWords() + " words, info " + infoLength() + "): rebuild both with `mvn package`");
        }
    }

    private AfPacketNative()
    {
    }

    /** Forces the library to load (and the layouts to be checked) without doing anything else. */
    static void ensureLoaded()
    {
        // The static initializer did the work.
    }

    /**
     * Opens the driver on a netdev.
     *
     * @param info out: at least {@link #INFO_LENGTH} values, filled on success and, as far as open got, on failure
     *             (a null or shorter array: -EINVAL, and nothing filled)
     * @return a handle (positive), or -errno with {@code info[INFO_FAILED_STEP]} naming the step that failed
     */
    static native long open(String interfaceName, ByteBuffer pool, int bufferSize, int bufferCount, int rxRing,
        int blockSize, int blockCount, int blockTimeoutMillis, int txQueueSize, int mtu, long mac, int flags,
        ByteBuffer stats, long[] info);

    /** Fills an armed burst; returns the number of frames. */
    static native int receive(long handle, long descriptors, int capacity);

    /**
     * Transmits slots 0..count-1; returns how many, from slot 0, were accepted (their buffers are free again: the
     * kernel copied them), and leaves the descriptors as they were.
     */
    static native int transmit(long handle, long descriptors, int count);

    /** The most slices {@link #transmitGather} takes (JBP_AFP_MAX_GATHER). */
    static final int MAX_GATHER = 32;

    /**
     * One frame now: {@code headLength} bytes of pool buffer {@code head} with a burst's first-descriptor
     * {@code flags}, then {@code count} slices of the arrays, copied by the kernel in one sendmsg(2)
     * (jbp_afpacket_tx_gather); 0 when sent, -EAGAIN when the kernel's queue is full, -EINVAL for a malformed frame
     * or slices outside their arrays, another -errno when the device failed. The one hot native that takes objects:
     * the arrays are pinned for the system call.
     */
    static native int transmitGather(long handle, int head, int headLength, int flags, byte[][] arrays,
        int[] offsets, int[] lengths, int count);

    /** With a TX ring: transmit only fills it (on), and {@link #kick} sends; 0, or -EINVAL without a TX ring. */
    static native int deferTransmit(long handle, boolean on);

    /** Sends what the TX ring holds; 1 when frames still wait, 0 when none do, or -errno. Any thread. */
    static native int kick(long handle);

    /** 1 when the receive ring's next slot (or block) is the user's, else 0; no system call. */
    static native int receiveReady(long handle);

    /** Has the netdev accept ({@code add}) or drop a multicast MAC (low 48 bits); 0 or -errno. Driving thread. */
    static native int multicast(long handle, long mac, boolean add);

    /** Blocks until frames may be ready, a wakeup, a signal or the timeout; 1 when frames are ready, else 0. */
    static native int await(long handle, long timeoutNanos);

    /** Makes a concurrent or the next {@link #await} return; any thread. */
    static native int wakeup(long handle);

    /** Adds the kernel's drop counters (PACKET_STATISTICS) to the stats. */
    static native int refreshStatistics(long handle);

    /** Closes the socket, unmaps the ring and frees the handle. */
    static native int close(long handle);

    /** The address of a direct buffer, or -EINVAL. */
    static native long address(ByteBuffer buffer);

    /** strerror(3) of an errno (positive or negative). */
    static native String errorMessage(int errno);

    static native int statsWords();

    static native int infoLength();

    /**
     * The check the receive path makes of a frame's virtio_net_hdr (jbp_vnet_parse, {@code native/src/jbp_vnet.c}),
     * for tests and fuzzing: the first descriptor's flags (GSO type and size, checksum bits), or minus the
     * reason the header was refused (1 to 7, jbp_vnet.h), or below -1000 for arguments outside the buffers.
     *
     * @param header   the 10-byte virtio_net_hdr, in the platform's byte order (a direct buffer)
     * @param frame    the frame's first {@code readable} bytes (a direct buffer)
     * @param length   the whole frame's length
     */
    static native long parseVnet(ByteBuffer header, ByteBuffer frame, int readable, int length);
}
