package org.jbypass.provider.driver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.ReentrantLock;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.LinkCounters;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.MacAddress;

/**
 * A {@link Link} on a Linux netdev through an AF_PACKET socket: how the stack runs on any interface, and how it is
 * tested against the Linux kernel over veth pairs.
 *
 * <h2>Datapath</h2>
 * Receive reads a ring that the kernel fills, of frame slots (TPACKET_V2, each frame handed over at once) or of
 * blocks (TPACKET_V3, handed over full or after a timeout), as {@link AfPacketOptions#rxRing()} says; each frame
 * is copied into the armed pool buffer of the next burst slot, a frame longer than a buffer into the buffers of as
 * many slots as it needs, a chain (see "Offloads"; the buffers stay where they were armed). Transmit
 * hands the whole burst to the kernel in one system call: by default each frame is copied into a slot of a
 * PACKET_TX_RING and one {@code send(2)} transmits them all ({@link AfPacketOptions#txRing()}); otherwise one
 * {@code sendmmsg(2)} whose iovecs point into the pool. Either way the kernel is done with the pool's bytes when
 * the call returns, so the buffers of accepted frames go back to the pool at once. Each burst is one JNI call;
 * nothing is allocated per packet or per burst, and the counters are read from memory the driver shares with
 * Java. An idle poller blocks in {@link #awaitReceive} (in an epoll instance of its thread's own, where the socket
 * and an eventfd that {@link #wakeup()} and {@link Thread#interrupt()} signal are registered; ppoll(2) on both
 * where epoll_pwait2(2) is missing). A burst of one frame while the TX ring is idle goes out with one sendmsg(2)
 * rather than through the ring, sent by the kick like the ring's frames (the driver's jbp_afpacket.h says why).
 *
 * <h2>Offloads</h2>
 * AF_PACKET sees frames as the netdev hands them to the kernel's stack. With GRO, LRO or (for frames the host
 * sends itself, such as the kernel's end of a veth) TSO/GSO, those are "super-frames" of up to 64 KiB that no
 * wire carried. With {@link AfPacketOptions#rxSuperFrames()} (the default) the socket has PACKET_VNET_HDR: the
 * kernel puts a virtio_net_hdr before each frame, saying its segmentation (TCPV4 or UDP_L4 and the segment size)
 * and checksum state, which the driver checks against the frame (a hostile or inconsistent one is dropped and
 * counted) and turns into the burst's flags; a frame longer than a buffer arrives as a chain of burst slots
 * (see {@link PacketBurst}). Nothing needs turning off on the netdev, whatever its offloads. On transmit, with
 * {@link AfPacketOptions#txSuperFrames()} (the default with super-frames) the link has
 * {@link LinkCapabilities#TX_TCP_SEGMENTATION} and {@link LinkCapabilities#TX_TCP6_SEGMENTATION}: a TCP
 * super-segment (a chain with {@link PacketBurst#GSO_TCPV4} or {@link PacketBurst#GSO_TCPV6} and a partial
 * checksum) goes to the kernel whole with a virtio_net_hdr (GSO_TCPV4 or GSO_TCPV6, the segment size,
 * NEEDS_CSUM), which cuts it into segments in software (GSO) whatever the netdev's TSO setting, or hands it whole to
 * a device that takes it (a veth, a NIC with TSO). A chain whose headers do not bear out its flags is dropped and
 * counted. Without it, super-frames
 * are dropped and counted ({@link #offloadHint()} then says so). Frames the NIC verified (TP_STATUS_CSUM_VALID,
 * DATA_VALID) and frames made on this host with a checksum still to fill in (TP_STATUS_CSUMNOTREADY, NEEDS_CSUM,
 * e.g. the kernel across a veth) carry {@link PacketBurst#RX_L4_CHECKSUM_OK}. A VLAN tag that the netdev stripped
 * is put back into the frame, so the stack sees (and drops) a tagged frame.
 *
 * <h2>MAC address</h2>
 * The stack has its own MAC ({@link AfPacketOptions#macAddress()}, by default a random locally administered one)
 * while the netdev keeps its own and its traffic. The driver asks the NIC to accept the stack's MAC too
 * (PACKET_ADD_MEMBERSHIP, PACKET_MR_UNICAST: an entry in the NIC's unicast filter, or promiscuous mode on NICs
 * without one), or puts the NIC in promiscuous mode when so configured. Frames to the stack's MAC are "other
 * host" frames to Linux, which ignores them. On a veth no filter exists and all of this is harmless.
 *
 * <h2>Permissions</h2>
 * Opening an AF_PACKET socket needs CAP_NET_RAW (root, or {@code setcap cap_net_raw+ep} on the java binary);
 * rings larger than {@code net.core.wmem_max} for transmit use SO_SNDBUFFORCE when CAP_NET_ADMIN is there and are
 * capped otherwise. The netdev must be up.
 *
 * <h2>Threads</h2>
 * One thread drives the link ({@link #receive}, {@link #transmit}, {@link #awaitReceive}, {@link #close});
 * {@link #wakeup()} may be called from any thread, also while or after the link closes. One receive and one
 * transmit queue.
 */
public final class AfPacketLink implements Link
{
    /** Room for the TPACKET_V3 block and frame headers in front of a frame in a block. */
    private static final int BLOCK_OVERHEAD = 256;
    private static final long MAX_RING_BYTES = 1L << 30;

    private final AfPacketOptions options;
    private final PacketPool pool;
    private final String name;
    private final int mtu;
    private final int netdevMtu;
    private final int ifindex;
    private final long netdevMac;
    private final long ringBytes;
    private final int ringFrames;
    /** The driver's counters (struct jbp_afpacket_stats), which it writes and {@link #counters()} reads. */
    private final ByteBuffer stats;
    private final LinkCounters counters = new LinkCounters();
    private final Object wakeLock = new Object();
    /** Deferred transmission: frames put in the TX ring wait for a kick; close waits for a kick under way. */
    private final KickGate kicks = new KickGate();
    /** Held by a thread in {@link #awaitReceiveShared}; {@link #close()} takes it once it has woken that thread. */
    private final ReentrantLock sharedWait = new ReentrantLock();
    /** Set by {@link #close()} before it wakes a shared waiter: no shared wait begins after it. */
    private volatile boolean closing;
    private boolean deferred;

    /** The native handle; 0 once closed. Written under wakeLock, read without it by the driving thread. */
    private long handle;
    private InterruptWaker waker;
    private PacketBurst rxBurst;
    private long rxDescriptors;
    private PacketBurst txBurst;
    private long txDescriptors;

    private AfPacketLink(final AfPacketOptions options, final PacketPool pool, final long handle,
        final ByteBuffer stats, final long[] info)
    {
        this.options = options;
        this.pool = pool;
        this.handle = handle;
        this.stats = stats;
        this.name = "afpacket:" + options.interfaceName();
        this.mtu = (int)info[AfPacketNative.INFO_MTU];
        this.netdevMtu = (int)info[AfPacketNative.INFO_NETDEV_MTU];
        this.ifindex = (int)info[AfPacketNative.INFO_IFINDEX];
        this.netdevMac = info[AfPacketNative.INFO_NETDEV_MAC];
        this.ringBytes = info[AfPacketNative.INFO_RX_RING_BYTES];
        this.ringFrames = (int)info[AfPacketNative.INFO_RX_RING_FRAMES];
        this.waker = new InterruptWaker(this::wakeup);
    }

    /**
     * Opens a link on a netdev.
     *
     * @param pool the pool whose buffers the link fills and sends; its buffers must hold a frame of the MTU
     * @throws DriverException          when the netdev cannot be driven; the message says what to do
     * @throws IllegalArgumentException when the options do not fit the pool (the message names the option)
     * @throws UnsatisfiedLinkError     when the native library cannot be loaded
     */
    public static AfPacketLink open(final AfPacketOptions options, final PacketPool pool)
    {
        final int bufferSize = pool.bufferSize();
        final int blockSize = options.rxBlockSize();
        final boolean frameRing = options.rxRing() == AfPacketOptions.RxRing.FRAME;
        final boolean superFrames = options.rxSuperFrames();
        // A block holds whole frames (block ring) or whole slots (frame ring), never part of one. A frame ring's
        // slots hold a buffer whatever super-frames do (the kernel queues a longer frame on the socket); a block
        // ring's blocks must hold the largest super-frame (AfPacketOptions checks the size).
        final int unit = frameRing ? frameSlot(bufferSize) : bufferSize + BLOCK_OVERHEAD;
        if (blockSize < unit)
        {
            throw new IllegalArgumentException(options.key("rx-block-size") + ": " + blockSize
                + " bytes cannot hold a frame of the " + bufferSize + "-byte packet buffers; use "
                + Integer.highestOneBit(unit * 2 - 1) + " or more");
        }
        final long blockCount;
        if (frameRing)
        {
            final int slotsPerBlock = blockSize / unit;
            blockCount = Math.max(2, (options.rxQueueSize() + slotsPerBlock - 1) / slotsPerBlock);
        }
        else
        {
            final long wanted = (long)options.rxQueueSize() * bufferSize;
            blockCount = Math.max(2, (wanted + blockSize - 1) / blockSize);
        }
        if (blockCount * blockSize > MAX_RING_BYTES)
        {
            throw new IllegalArgumentException(options.key("rx-queue-size") + ": " + options.rxQueueSize()
                + (frameRing ? " frames in slots of " + unit : " frames of " + bufferSize)
                + " bytes need a receive ring of " + AfPacketErrors.bytes(blockCount * blockSize)
                + ", more than the 1 GiB allowed");
        }
        AfPacketNative.ensureLoaded();
        final ByteBuffer stats = ByteBuffer.allocateDirect(AfPacketNative.STATS_WORDS * Long.BYTES + Long.BYTES)
            .alignedSlice(Long.BYTES).order(ByteOrder.nativeOrder());
        final long[] info = new long[AfPacketNative.INFO_LENGTH];
        final int flags = (options.promiscuous() ? AfPacketNative.FLAG_PROMISCUOUS : 0)
            | (options.qdiscBypass() ? AfPacketNative.FLAG_QDISC_BYPASS : 0)
            | (options.txRing() ? AfPacketNative.FLAG_TX_RING : 0)
            | (superFrames ? AfPacketNative.FLAG_SUPER_FRAMES : 0);
        final long handle = AfPacketNative.open(options.interfaceName(), pool.memory(), bufferSize,
            pool.capacity(), frameRing ? AfPacketNative.RX_FRAME : AfPacketNative.RX_BLOCK, blockSize, (int)blockCount,
            options.rxBlockTimeoutMillis(), options.txQueueSize(), options.mtu(), options.macAddress(), flags, stats,
            info);
        if (handle < 0)
        {
            final int errno = (int)-handle;
            throw AfPacketErrors.openFailure(options, errno, AfPacketNative.errorMessage(errno), info, bufferSize);
        }
        return new AfPacketLink(options, pool, handle, stats, info);
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public long macAddress()
    {
        return options.macAddress();
    }

    @Override
    public int mtu()
    {
        return mtu;
    }

    @Override
    public int rxQueueCount()
    {
        return 1;
    }

    @Override
    public int txQueueCount()
    {
        return 1;
    }

    @Override
    public int capabilities()
    {
        return LinkCapabilities.RX_L4_CHECKSUM | LinkCapabilities.RX_READY | LinkCapabilities.RX_AWAIT_SHARED
            | (options.txSuperFrames() ? LinkCapabilities.TX_TCP_SEGMENTATION | LinkCapabilities.TX_TCP6_SEGMENTATION
                | LinkCapabilities.TX_GATHER : 0);
    }

    /** One look at the ring's next slot (or block), without a system call. */
    @Override
    public boolean receiveReady(final int queue)
    {
        final long h = handle;
        return h != 0 && AfPacketNative.receiveReady(h) > 0;
    }

    /**
     * Has the netdev accept a group's MAC (PACKET_ADD_MEMBERSHIP, PACKET_MR_MULTICAST): without it a NIC filtering
     * multicast, and a veth peer's kernel, would not hand the group's frames to the socket.
     */
    @Override
    public int addMulticast(final long mac)
    {
        return AfPacketNative.multicast(openHandle(0), mac, true);
    }

    @Override
    public int removeMulticast(final long mac)
    {
        final long h = handle;
        return h == 0 ? 0 : AfPacketNative.multicast(h, mac, false); // closing the socket dropped them all
    }

    @Override
    public PacketPool pool()
    {
        return pool;
    }

    /** The options the link was opened with. */
    public AfPacketOptions options()
    {
        return options;
    }

    /** The netdev's MTU (the link's {@link #mtu()} may be lower, by configuration). */
    public int netdevMtu()
    {
        return netdevMtu;
    }

    /** The netdev's own MAC address, which the stack does not use. */
    public long netdevMacAddress()
    {
        return netdevMac;
    }

    /** The netdev's interface index. */
    public int interfaceIndex()
    {
        return ifindex;
    }

    /** The size of the receive ring in bytes. */
    public long rxRingBytes()
    {
        return ringBytes;
    }

    /** The frame slots of a frame ring ({@link AfPacketOptions.RxRing#FRAME}); 0 for a block ring. */
    public int rxRingFrames()
    {
        return ringFrames;
    }

    /**
     * The size of a frame ring's slot for buffers of {@code bufferSize} bytes: JBP_AFP_RX_FRAME_SLOT of
     * {@code jbp_afpacket.h}, the buffer plus room for the kernel's headers, 16-byte aligned (TPACKET_ALIGNMENT).
     */
    static int frameSlot(final int bufferSize)
    {
        final int align = AfPacketNative.RX_FRAME_ALIGNMENT;
        return (AfPacketNative.RX_FRAME_HEADROOM + bufferSize + align - 1) & -align;
    }

    @Override
    public int receive(final int queue, final PacketBurst burst)
    {
        final long h = openHandle(queue);
        if (burst != rxBurst)
        {
            rxDescriptors = descriptorsOf(burst);
            rxBurst = burst;
        }
        int n = AfPacketNative.receive(h, rxDescriptors, burst.capacity());
        if (n < 0)
        {
            n = 0; // the ring is memory: nothing fails here, but a count it is
        }
        burst.count(n);
        return n;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Frames the kernel cannot take now (its queue for the socket is full) are refused: they move to the front
     * of the burst, whose count becomes their number ({@link PacketBurst#retainUnaccepted}). Accepted frames'
     * buffers are back in the pool when this returns: the kernel copied them. Malformed frames (a length outside
     * 14..MTU+14, a buffer outside the pool) are accepted and dropped, and counted in
     * {@link LinkCounters#txDropped}.
     */
    @Override
    public int transmit(final int queue, final PacketBurst burst)
    {
        final long h = openHandle(queue);
        final int count = burst.count();
        if (count == 0)
        {
            return 0;
        }
        if (burst != txBurst)
        {
            txDescriptors = descriptorsOf(burst);
            txBurst = burst;
        }
        int accepted = AfPacketNative.transmit(h, txDescriptors, count);
        if (accepted < 0)
        {
            accepted = 0;
        }
        if (deferred && accepted > 0)
        {
            kicks.pending();
        }
        settle(pool, burst, accepted);
        return accepted;
    }

    /**
     * One frame through one sendmsg(2) whose iovecs point at the head buffer and at the slices in the Java arrays
     * (pinned for the call): the kernel's copy into its skb is the only one, where a chain would first be copied
     * into pool buffers ({@code jbp_afpacket_tx_gather}). The head buffer stays the caller's. Frames the TX ring
     * holds go first; a frame the kernel's queue cannot take now (or that they cannot go before) is refused with
     * -EAGAIN, and the stack holds it back for its transport to send again.
     */
    @Override
    public int transmitGather(final int queue, final int head, final int headLength, final int flags,
        final byte[][] arrays, final int[] offsets, final int[] lengths, final int count)
    {
        final long h = openHandle(queue);
        if (count > AfPacketNative.MAX_GATHER)
        {
            return -Errno.EAGAIN;
        }
        return AfPacketNative.transmitGather(h, head, headLength, flags, arrays, offsets, lengths, count);
    }

    /**
     * After a transmit of which the first {@code accepted} frames were taken: returns their buffers to the pool (a
     * copying driver is done with them) and keeps the refused frames at the front. Package-private for tests.
     */
    static void settle(final PacketPool pool, final PacketBurst burst, final int accepted)
    {
        for (int i = 0; i < accepted; i++)
        {
            final int buffer = burst.buffer(i);
            // A buffer outside the pool was refused by the driver as malformed; there is nothing to free.
            if (buffer >= 0 && buffer < pool.capacity())
            {
                pool.free(buffer);
            }
        }
        burst.retainUnaccepted(accepted);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Returns at once if the thread's interrupt status is set; an interrupt while blocked releases the wait
     * and leaves the status set.
     */
    @Override
    public void awaitReceive(final long timeoutNanos)
    {
        final long h = openHandle(0);
        if (timeoutNanos <= 0 || Thread.currentThread().isInterrupted())
        {
            return;
        }
        final InterruptWaker w = waker;
        w.beginBlocking();
        try
        {
            AfPacketNative.await(h, timeoutNanos);
        }
        finally
        {
            if (w.endBlocking())
            {
                waker = new InterruptWaker(this::wakeup);
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The same wait on the socket and the eventfd as {@link #awaitReceive}, which is safe from a second thread
     * (it reads the ring's status only, each thread waits in an epoll instance of its own, and a wakeup releases
     * every waiting thread), without the interrupt waker: that would replace the blocked channel operation's own
     * interruptor, the thread's only one.
     */
    @Override
    public void awaitReceiveShared(final long timeoutNanos)
    {
        // close() wakes the wait and then takes this lock, so the handle outlives every native wait on it.
        if (timeoutNanos <= 0 || !sharedWait.tryLock())
        {
            return;
        }
        try
        {
            final long h = handle;
            if (h != 0 && !closing)
            {
                AfPacketNative.await(h, timeoutNanos);
            }
        }
        finally
        {
            sharedWait.unlock();
        }
    }

    @Override
    public void wakeup()
    {
        synchronized (wakeLock)
        {
            if (handle != 0)
            {
                AfPacketNative.wakeup(handle);
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Copied from the driver's counters when asked, not after every burst: a dozen loads per burst on the
     * receive and transmit paths bought nothing while nobody looked (the driver's memory is the Java heap's direct
     * buffer, so a reader on any thread, even after {@link #close()}, reads it safely).
     */
    @Override
    public LinkCounters counters()
    {
        readCounters();
        return counters;
    }

    /**
     * Reads the kernel's drop counters for the receive ring (PACKET_STATISTICS) into {@link #counters()}. The
     * driver does this by itself whenever the kernel flags a block as having lost frames; call it to be exact at
     * a given moment (one system call). Driving thread only.
     */
    public void refreshKernelStatistics()
    {
        AfPacketNative.refreshStatistics(openHandle(0));
        readCounters();
    }

    /** Frames dropped because they did not fit a pool buffer (longer than the buffer or the MTU allows). */
    public long rxOversize()
    {
        return stats.getLong(AfPacketNative.STAT_RX_OVERSIZE);
    }

    /**
     * Frames dropped because the ring cut them short: larger than a block in the block ring (GRO or LRO
     * super-frames), larger than a slot (a buffer plus 62 bytes) in the frame ring.
     */
    public long rxTruncated()
    {
        return stats.getLong(AfPacketNative.STAT_RX_TRUNCATED);
    }

    /** Frames dropped because their virtio_net_hdr was hostile or inconsistent with the frame. */
    public long rxBadVnet()
    {
        return stats.getLong(AfPacketNative.STAT_RX_BAD_VNET);
    }

    /** Frames delivered as chains of more than one buffer (GSO/GRO super-frames). */
    public long rxSuperFrames()
    {
        return stats.getLong(AfPacketNative.STAT_RX_SUPER_FRAMES);
    }

    /** Frames sent from chains of more than one buffer (TCP super-segments); counted in txPackets too. */
    public long txSuperFrames()
    {
        return stats.getLong(AfPacketNative.STAT_TX_SUPER_FRAMES);
    }

    /** Frames the kernel dropped because the receive ring was full (as of the last refresh). */
    public long rxKernelDrops()
    {
        return stats.getLong(AfPacketNative.STAT_RX_KERNEL_DROPS);
    }

    /** Frames transmit refused because the kernel's queue was full (they stayed with the caller). */
    public long txRefused()
    {
        return stats.getLong(AfPacketNative.STAT_TX_REFUSED);
    }

    /** The errno of the last failed system call, or 0. */
    public int lastErrno()
    {
        return (int)stats.getLong(AfPacketNative.STAT_LAST_ERRNO);
    }

    /**
     * Says what to do when frames too large for the pool's buffers were dropped, or returns null if none were:
     * on a netdev with GRO/LRO or TSO/GSO on, AF_PACKET sees merged super-frames that must be split in the
     * kernel first.
     */
    public String offloadHint()
    {
        final long oversize = rxOversize();
        final long truncated = rxTruncated();
        if (oversize == 0 && truncated == 0)
        {
            return null;
        }
        final String ifname = options.interfaceName();
        if (options.rxSuperFrames())
        {
            return "afpacket: " + ifname + " dropped " + (oversize + truncated) + " frames longer than a receive"
                + " burst holds as a chain of " + pool.bufferSize() + "-byte packet buffers or than 64 KiB ("
                + truncated + " cut short by the ring): raise the stack's burst size, or look for jumbo or BIG TCP"
                + " frames (gso_max_size above 65536) on " + ifname;
        }
        return "afpacket: " + ifname + " delivered " + (oversize + truncated) + " frames too large for the "
            + pool.bufferSize() + "-byte packet buffers (" + truncated + " cut short by the ring): these are"
            + " GRO/LRO/TSO/GSO super-frames, or frames above the stack's MTU " + mtu + ": set "
            + options.key("rx-super-frames") + "=true (the default) to receive them, or disable offloads with"
            + " `ethtool -K " + ifname + " gro off lro off tso off gso off`";
    }

    /** Every counter of the driver, for logs. */
    public String describeStatistics()
    {
        return "rx_packets=" + stats.getLong(AfPacketNative.STAT_RX_PACKETS)
            + " rx_bytes=" + stats.getLong(AfPacketNative.STAT_RX_BYTES)
            + " rx_oversize=" + rxOversize()
            + " rx_truncated=" + rxTruncated()
            + " rx_kernel_drops=" + rxKernelDrops()
            + " rx_freezes=" + stats.getLong(AfPacketNative.STAT_RX_FREEZES)
            + " rx_bad_slots=" + stats.getLong(AfPacketNative.STAT_RX_BAD_SLOTS)
            + " tx_packets=" + stats.getLong(AfPacketNative.STAT_TX_PACKETS)
            + " tx_bytes=" + stats.getLong(AfPacketNative.STAT_TX_BYTES)
            + " tx_refused=" + txRefused()
            + " tx_dropped=" + stats.getLong(AfPacketNative.STAT_TX_DROPPED)
            + " rx_bad_vnet=" + stats.getLong(AfPacketNative.STAT_RX_BAD_VNET)
            + " rx_super_frames=" + stats.getLong(AfPacketNative.STAT_RX_SUPER_FRAMES)
            + " tx_super_frames=" + stats.getLong(AfPacketNative.STAT_TX_SUPER_FRAMES)
            + " errors=" + stats.getLong(AfPacketNative.STAT_ERRORS)
            + " last_errno=" + lastErrno();
    }

    /** With a TX ring ({@link AfPacketOptions#txRing()}), transmit only fills it and {@link #kick()} sends. */
    @Override
    public boolean deferTransmit()
    {
        deferred = AfPacketNative.deferTransmit(openHandle(0), true) == 0;
        return deferred;
    }

    /** Sends what the TX ring holds: one send(2), without the stack's lock, one kicker at a time ({@link KickGate}). */
    @Override
    public void kick()
    {
        while (kicks.tryBegin())
        {
            try
            {
                final long h = handle;
                if (h == 0)
                {
                    return;
                }
                // Frames the kernel could not take now (1, or an error) stay in the ring; awaitReceive retries them.
                AfPacketNative.kick(h);
            }
            finally
            {
                kicks.end();
            }
        }
    }

    /**
     * Closes the socket and unmaps the rings, after any kick under way. The driver holds no pool buffer between
     * calls (it copies), so the pool has every buffer the link was given back. Idempotent.
     */
    @Override
    public void close()
    {
        final long h;
        closing = true;
        wakeup();
        sharedWait.lock();
        kicks.exclude();
        try
        {
            synchronized (wakeLock)
            {
                h = handle;
                handle = 0;
            }
        }
        finally
        {
            kicks.release();
            sharedWait.unlock();
        }
        if (h != 0)
        {
            readCounters();
            AfPacketNative.close(h);
            rxBurst = null;
            txBurst = null;
        }
    }

    @Override
    public String toString()
    {
        return name + "{mac=" + MacAddress.toString(options.macAddress()) + ", mtu=" + mtu + ", ring="
            + options.rxRing().key() + " " + AfPacketErrors.bytes(ringBytes) + (handle == 0 ? ", closed" : "") + '}';
    }

    private long openHandle(final int queue)
    {
        final long h = handle;
        if (h == 0)
        {
            throw AfPacketErrors.closed(options.interfaceName());
        }
        if (queue != 0)
        {
            throw new IllegalArgumentException(name + " has one queue, 0; asked for " + queue);
        }
        return h;
    }

    private static long descriptorsOf(final PacketBurst burst)
    {
        final long address = AfPacketNative.address(burst.descriptors());
        if (address <= 0)
        {
            throw new IllegalArgumentException("a burst's descriptors must be a direct buffer");
        }
        return address;
    }

    /** Copies the driver's counters into the link's: a handful of loads, no system call. */
    private void readCounters()
    {
        final ByteBuffer s = stats;
        final LinkCounters c = counters;
        c.rxPackets = s.getLong(AfPacketNative.STAT_RX_PACKETS);
        c.rxBytes = s.getLong(AfPacketNative.STAT_RX_BYTES);
        c.rxDropped = s.getLong(AfPacketNative.STAT_RX_OVERSIZE) + s.getLong(AfPacketNative.STAT_RX_TRUNCATED)
            + s.getLong(AfPacketNative.STAT_RX_KERNEL_DROPS) + s.getLong(AfPacketNative.STAT_RX_BAD_VNET);
        c.txPackets = s.getLong(AfPacketNative.STAT_TX_PACKETS);
        c.txBytes = s.getLong(AfPacketNative.STAT_TX_BYTES);
        c.txDropped = s.getLong(AfPacketNative.STAT_TX_DROPPED) + s.getLong(AfPacketNative.STAT_TX_REFUSED);
        c.errors = s.getLong(AfPacketNative.STAT_ERRORS) + s.getLong(AfPacketNative.STAT_RX_BAD_SLOTS);
    }
}
