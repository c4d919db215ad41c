package org.jbypass.provider.driver;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCounters;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.util.Errno;

/**
 * A ConnectX port (or SR-IOV VF) as a {@link Link}: raw Ethernet frames through libibverbs, with the rings read
 * and written directly through mlx5 Direct Verbs when the adapter supports it (after FD.io VPP's rdma driver).
 * This is not RDMA: plain Ethernet frames through the verbs API. See {@code docs/RDMA.md}.
 *
 * <h2>Memory</h2>
 * The stack's {@link PacketPool} is registered with the adapter once, as one memory region, so frames are sent
 * from and received into pool buffers without a copy. At open the link takes {@code rx-queues x rx-queue-size}
 * buffers from the pool to fill its receive rings; on receive it swaps each armed buffer of the burst into the
 * ring in exchange for the frame's (the armed receive contract of {@link Link}). Sent buffers stay with the link
 * until the adapter reports their completion, and then go back to the pool: the native side lists the buffers it
 * is done with after each call, and this class frees them. {@link #close()} stops the adapter's DMA first and then
 * returns every buffer.
 *
 * <h2>Steering</h2>
 * Frames to the link's MAC go to it; broadcast and multicast are copied to it while the Linux netdev still gets
 * them; everything else stays with Linux. With more than one receive queue, TCP and UDP over IPv4 and IPv6 are
 * spread by a Toeplitz hash of addresses and ports (RSS); other frames go to queue 0.
 *
 * <h2>Errors</h2>
 * {@link #open} throws {@link DriverException} with a message that says what failed and what to do (no RDMA device,
 * ib_uverbs not loaded, /dev/infiniband not accessible, CAP_NET_RAW, the locked-memory limit, mode=dv without
 * Direct Verbs, rdma-core missing). On the datapath, completion errors are counted per queue and the queue is
 * reset and brought back; a queue that keeps failing, or a fatal device error, is given up and logged.
 *
 * <h2>Threads</h2>
 * One thread at a time drives the link (the one holding the stack's lock); {@link #wakeup()} may be called from any
 * thread, also while or after the link closes.
 */
public final class RdmaLink implements Link
{
    private static final System.Logger LOG = System.getLogger(RdmaLink.class.getName());

    /** Where rdma-core and the kernel's views are found; tests point these elsewhere. */
    static final class Environment
    {
        final String libibverbs;
        final String libmlx5;
        final String sysRoot;
        final String devRoot;

        Environment(final String libibverbs, final String libmlx5, final String sysRoot, final String devRoot)
        {
            this.libibverbs = libibverbs;
            this.libmlx5 = libmlx5;
            this.sysRoot = sysRoot;
            this.devRoot = devRoot;
        }

        static final Environment SYSTEM = new Environment("libibverbs.so.1", "libmlx5.so.1", "/sys", "/dev");
    }

    private final RdmaOptions options;
    private final PacketPool pool;
    private final String name;
    private final String warnings;
    private volatile ByteBuffer status;
    private final ByteBuffer reclaim;
    private final LinkCounters counters = new LinkCounters();
    private final PacketBurst[] rxBursts;
    private final long[] rxAddresses;
    private final int[] reportedState;
    /** Per report slot: the recreations already logged (RdmaNative.TXQ_RECREATIONS, RXQ_RECREATIONS). */
    private final long[] reportedRecreations;
    private final Object closeLock = new Object();
    private final PacketBurst[] txBursts;
    private final long[] txAddresses;
    private long mac;
    private long handle;
    private volatile boolean closed;
    private InterruptWaker waker;

    private RdmaLink(final RdmaOptions options, final PacketPool pool, final long handle, final long mac,
        final String warnings)
    {
        this.options = options;
        this.pool = pool;
        this.handle = handle;
        this.mac = mac;
        this.warnings = warnings;
        this.name = "rdma:" + options.name();
        this.status = RdmaNative.status(handle).order(ByteOrder.nativeOrder());
        this.reclaim = RdmaNative.reclaim(handle).order(ByteOrder.nativeOrder());
        this.rxBursts = new PacketBurst[options.rxQueues()];
        this.rxAddresses = new long[options.rxQueues()];
        this.txBursts = new PacketBurst[options.rxQueues()];
        this.txAddresses = new long[options.rxQueues()];
        // Receive queue q reports in slot q, send queue q in slot rxQueues + q.
        this.reportedState = new int[2 * options.rxQueues()];
        this.reportedRecreations = new long[2 * options.rxQueues()];
        this.waker = new InterruptWaker(this::wakeup);
    }

    /**
     * Opens the port that {@code options} name, over {@code pool}.
     *
     * @throws DriverException          when the port cannot be opened; the message says why and what to do
     * @throws IllegalArgumentException when the pool does not fit the options (the message names the key)
     * @throws UnsatisfiedLinkError     when jbypass's native library cannot be loaded
     */
    public static RdmaLink open(final RdmaOptions options, final PacketPool pool)
    {
        return open(options, pool, Environment.SYSTEM);
    }

    static RdmaLink open(final RdmaOptions options, final PacketPool pool, final Environment env)
    {
        checkPool(options, pool);
        final long mac = options.mac() != RdmaOptions.RANDOM_MAC ? options.mac() : randomMac();
        final String[] texts = new String[RdmaNative.TEXT_COUNT];
        final long h = RdmaNative.open(options.hostIf(), options.mode().code(), options.rxQueues(),
            options.rxQueueSize(), options.txQueueSize(), mac, options.mtu(), options.allowNetdevMac(),
            options.cqeCompression(), pool.memory(), pool.bufferSize(), pool.capacity(), env.libibverbs, env.libmlx5,
            env.sysRoot, env.devRoot, texts);
        if (h < 0)
        {
            final String why = texts[RdmaNative.TEXT_ERROR];
            throw new DriverException("rdma", options.hostIf(), (int)-h, "rdma: " + options.key(RdmaOptions.KEY_HOST_IF)
                + " = " + options.hostIf() + ": " + (why == null || why.isEmpty()
                    ? RdmaNative.errorMessage((int)h) : why));
        }
        final String warnings = texts[RdmaNative.TEXT_WARNINGS];
        return attach(h, options, pool, mac, warnings == null ? "" : warnings);
    }

    /**
     * Wraps a port handle opened elsewhere (by {@link #open}, or by the mlx5 model in tests): maps its status and
     * reclaim memory and fills its receive rings from the pool.
     */
    static RdmaLink attach(final long handle, final RdmaOptions options, final PacketPool pool, final long mac,
        final String warnings)
    {
        final int abi = RdmaNative.check(handle);
        if (abi != 0)
        {
            // Not ours to destroy either: its layout is unknown.
            throw new IllegalStateException("rdma: the port handle was built from a different jbp_rdma.h (" + abi
                + ")");
        }
        final RdmaLink link = new RdmaLink(options, pool, handle, mac, warnings);
        link.fillRings();
        LOG.log(Level.INFO, () -> link.name + ": " + options.hostIf() + " open in " + link.mode() + " mode, mac "
            + RdmaOptions.formatMac(mac) + ", " + options.rxQueues() + " rx queue(s), capabilities "
            + org.jbypass.netstack.link.LinkCapabilities.describe(link.capabilities()));
        if (!warnings.isEmpty())
        {
            LOG.log(Level.WARNING, () -> link.name + ": " + warnings);
        }
        return link;
    }

    private static void checkPool(final RdmaOptions options, final PacketPool pool)
    {
        final int frame = options.mtu() + 18;
        if (pool.bufferSize() < frame)
        {
            throw new IllegalArgumentException(options.key(RdmaOptions.KEY_MTU) + ": " + options.mtu()
                + " needs packet buffers of " + frame + " bytes (a frame with a VLAN tag); the pool's hold "
                + pool.bufferSize());
        }
        final long rings = (long)options.rxQueues() * options.rxQueueSize();
        if (pool.available() < rings + options.txQueueSize())
        {
            throw new IllegalArgumentException(options.key(RdmaOptions.KEY_RX_QUEUE_SIZE) + ": "
                + options.rxQueues() + " receive ring(s) of " + options.rxQueueSize() + " and a send ring of "
                + options.txQueueSize() + " need more buffers than the packet pool has free (" + pool.available()
                + "); enlarge the pool or shrink the rings");
        }
    }

    private static long randomMac()
    {
        // Locally administered (bit 1 of the first octet), unicast (bit 0 clear): IEEE 802, clause 8.2.
        final long r = new SecureRandom().nextLong() & 0xffff_ffff_ffffL;
        return (r & ~(1L << 40)) | (1L << 41);
    }

    private void fillRings()
    {
        final int total = options.rxQueues() * options.rxQueueSize();
        final ByteBuffer ids = ByteBuffer.allocateDirect(total * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < total; i++)
        {
            final int b = pool.allocate();
            if (b == PacketPool.NO_BUFFER)
            {
                for (int j = 0; j < i; j++)
                {
                    pool.free(ids.getInt(j * 4));
                }
                close();
                throw new IllegalArgumentException(options.key(RdmaOptions.KEY_RX_QUEUE_SIZE)
                    + ": the packet pool ran out filling the receive rings");
            }
            ids.putInt(i * 4, b);
        }
        final int rc = RdmaNative.fillRx(handle, ids, total);
        if (rc < 0)
        {
            // Whatever the port did post is reclaimed by close(); the rest is still ours.
            final String why = RdmaNative.lastError(handle);
            close();
            for (int i = 0; i < total; i++)
            {
                final int b = ids.getInt(i * 4);
                if (!pool.isFree(b))
                {
                    pool.free(b);
                }
            }
            throw new DriverException("rdma", options.hostIf(), -rc, "rdma: " + options.hostIf()
                + ": posting the receive buffers failed: " + why);
        }
        reclaim();
    }

    @Override
    public String name()
    {
        return name;
    }

    /**
     * The port's steering already copies every multicast frame that reaches it to queue 0 (DONT_TRAP, beside the
     * netdev), and the stack filters by group in software: no per-group rule (docs/RDMA.md, "Steering and
     * bifurcation"). What may not reach the port is a group the function's embedded switch does not forward (an
     * SR-IOV VF, a PF with VFs): the MAC is registered in the netdev's FDB, its multicast list, as the stack's own
     * MAC is. A refusal only warns: the join stands (a PF without SR-IOV needs no registration).
     */
    @Override
    public int addMulticast(final long groupMac)
    {
        return multicast(groupMac, true);
    }

    @Override
    public int removeMulticast(final long groupMac)
    {
        return multicast(groupMac, false);
    }

    private int multicast(final long groupMac, final boolean join)
    {
        if (closed)
        {
            // The close withdrew every registration; a stack leaving its groups afterwards has nothing to undo.
            return join ? -Errno.ENODEV : 0;
        }
        final long h = handle;
        final int rc = RdmaNative.multicast(h, groupMac, join);
        if (rc > 0)
        {
            final String why = RdmaNative.lastError(h);
            LOG.log(Level.WARNING, () -> name + ": " + options.hostIf() + ": " + why);
            return 0;
        }
        return rc;
    }

    @Override
    public long macAddress()
    {
        return mac;
    }

    /**
     * Steers frames for a new MAC address to this link: the adapter's flow rules are rebuilt (the new ones are in
     * place before the old ones go).
     *
     * @throws DriverException when the adapter refuses the rules, or the MAC belongs to a Linux netdev and
     *                         allow-netdev-mac is false
     */
    public void macAddress(final long newMac)
    {
        final long h = openHandle();
        final int rc = RdmaNative.setMac(h, newMac);
        if (rc < 0)
        {
            throw new DriverException("rdma", options.hostIf(), -rc, "rdma: " + options.hostIf() + ": "
                + RdmaNative.lastError(h));
        }
        mac = newMac;
    }

    @Override
    public int mtu()
    {
        return options.mtu();
    }

    @Override
    public int rxQueueCount()
    {
        return options.rxQueues();
    }

    @Override
    public int txQueueCount()
    {
        // One send queue per receive queue: the poller of receive queue q transmits on send queue q.
        return options.rxQueues();
    }

    @Override
    public int capabilities()
    {
        synchronized (closeLock)
        {
            return (int)word(RdmaNative.ST_CAPABILITIES);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>With {@link org.jbypass.netstack.link.LinkCapabilities#TX_TCP_SEGMENTATION} (Direct Verbs with the
     * adapter's LSO): the adapter's LSO limit ({@code tso_caps.max_tso}), at most a chain's
     * {@link PacketBurst#MAX_FRAME_LENGTH}.
     */
    @Override
    public int maxSuperFrameLength()
    {
        synchronized (closeLock)
        {
            final long maxTso = word(RdmaNative.txqBase(0) + RdmaNative.TXQ_MAX_TSO);
            return maxTso == 0 ? PacketBurst.MAX_FRAME_LENGTH : (int)Math.min(maxTso, PacketBurst.MAX_FRAME_LENGTH);
        }
    }

    @Override
    public PacketPool pool()
    {
        return pool;
    }

    /** The mode in use: "dv" (mlx5 Direct Verbs) or "ibv" (plain verbs). */
    public String mode()
    {
        synchronized (closeLock)
        {
            return word(RdmaNative.ST_MODE) == RdmaNative.MODE_DV ? "dv" : "ibv";
        }
    }

    /** What the port warned about at open (link down, SR-IOV VF MAC), or "". */
    public String warnings()
    {
        return warnings;
    }

    /** The port's last error, or "". */
    public String lastError()
    {
        synchronized (closeLock)
        {
            return closed ? "" : RdmaNative.lastError(handle);
        }
    }

    /**
     * Whether the adapter's embedded switch was told of the stack's MAC through the netdev's FDB (docs/RDMA.md,
     * "MAC admission"): {@code none} (not attempted: a model port), {@code added} (by this port, removed at close),
     * {@code present} (the netdev had it already), or {@code failed} (see {@link #warnings()}).
     */
    public String macAdmission()
    {
        synchronized (closeLock)
        {
            return admissionName(word(RdmaNative.ST_MAC_ADMISSION));
        }
    }

    static String admissionName(final long state)
    {
        return switch ((int)state)
        {
            case 1 -> "added";
            case 2 -> "present";
            case 3 -> "failed";
            default -> "none";
        };
    }

    /** The state of the port as ibv_port_state: 4 is active. */
    public int portState()
    {
        synchronized (closeLock)
        {
            return (int)word(RdmaNative.ST_PORT_STATE);
        }
    }

    /** Whether the adapter reported a fatal error (the port must be reopened after the adapter is reset). */
    public boolean deviceFatal()
    {
        synchronized (closeLock)
        {
            return word(RdmaNative.ST_DEVICE_FATAL) != 0;
        }
    }

    @Override
    public int receive(final int queue, final PacketBurst burst)
    {
        final long h = openHandle();
        if (rxBursts[queue] != burst)
        {
            rxBursts[queue] = burst;
            rxAddresses[queue] = descriptorsOf(burst);
        }
        final int n = RdmaNative.receive(h, queue, rxAddresses[queue], burst.capacity());
        reclaim();
        noteRecreation(queue, RdmaNative.rxqBase(queue) + RdmaNative.RXQ_RECREATIONS, "receive queue ", queue);
        if (n < 0)
        {
            report(queue, (int)word(RdmaNative.rxqBase(queue) + RdmaNative.RXQ_STATE), "receive queue " + queue);
            burst.count(0);
            return 0;
        }
        burst.count(n);
        return n;
    }

    @Override
    public int transmit(final int queue, final PacketBurst burst)
    {
        final long h = openHandle();
        if (txBursts[queue] != burst)
        {
            txBursts[queue] = burst;
            txAddresses[queue] = descriptorsOf(burst);
        }
        final int count = burst.count();
        final int n = RdmaNative.transmit(h, queue, txAddresses[queue], count);
        reclaim();
        final int slot = options.rxQueues() + queue;
        noteRecreation(slot, RdmaNative.txqBase(queue) + RdmaNative.TXQ_RECREATIONS, "send queue ", queue);
        if (n < 0)
        {
            report(slot, (int)word(RdmaNative.txqBase(queue) + RdmaNative.TXQ_STATE), "send queue " + queue);
            return 0;
        }
        // The frames the port took are its own until it reclaims them; those it refused move to the front.
        burst.retainUnaccepted(n);
        if (word(RdmaNative.txqBase(queue) + RdmaNative.TXQ_STATE) == RdmaNative.Q_DEAD)
        {
            report(slot, RdmaNative.Q_DEAD, "send queue " + queue);
        }
        return n;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The send queue's {@code done} word: descriptors completed (their CQE reaped, by this queue's transmit or
     * by the receive of the receive queue of the same index), dropped, or discarded by a reset or a recreation. The
     * adapter serves its send queues in any order, so this is what tells the stack that a flow's last frame can no
     * longer be overtaken by a frame on another queue. One read of the status block, no JNI call.
     */
    @Override
    public long transmitDone(final int queue)
    {
        return status.getLong((RdmaNative.txqBase(queue) + RdmaNative.TXQ_DONE) * 8);
    }

    private static long descriptorsOf(final PacketBurst burst)
    {
        final long address = RdmaNative.address(burst.descriptors());
        if (address <= 0)
        {
            throw new IllegalArgumentException("a burst's descriptors must be a direct buffer");
        }
        return address;
    }

    /** Frees the buffers the last native call handed back. */
    private void reclaim()
    {
        final int n = (int)status.getLong(RdmaNative.ST_RECLAIM_COUNT * 8);
        for (int i = 0; i < n; i++)
        {
            pool.free(reclaim.getInt(i * 4));
        }
    }

    /**
     * Logs that the call just made created a queue's CQ and the queue again (after IBV_EVENT_CQ_ERR or a fatal
     * queue error), with the port's words for why; one status word read per call otherwise.
     */
    private void noteRecreation(final int slot, final int word, final String what, final int queue)
    {
        final long recreations = word(word);
        if (recreations != reportedRecreations[slot])
        {
            reportedRecreations[slot] = recreations;
            final String why = RdmaNative.lastError(handle);
            LOG.log(Level.WARNING, () -> name + ": " + what + queue + " recreated: " + why);
        }
    }

    /** Logs a queue's failure once per state change: the hot path never logs otherwise. */
    private void report(final int slot, final int state, final String what)
    {
        if (reportedState[slot] == state)
        {
            return;
        }
        reportedState[slot] = state;
        final String why = RdmaNative.lastError(handle);
        LOG.log(state == RdmaNative.Q_DEAD ? Level.ERROR : Level.WARNING, () -> name + ": " + what + " "
            + (state == RdmaNative.Q_DEAD ? "stopped" : "failed") + ": " + why);
    }

    @Override
    public void awaitReceive(final long timeoutNanos)
    {
        final long h = openHandle();
        if (timeoutNanos <= 0 || Thread.currentThread().isInterrupted())
        {
            return;
        }
        final InterruptWaker w = waker;
        w.beginBlocking();
        try
        {
            RdmaNative.await(h, timeoutNanos);
        }
        finally
        {
            if (w.endBlocking())
            {
                waker = new InterruptWaker(this::wakeup);
            }
        }
    }

    @Override
    public void wakeup()
    {
        synchronized (closeLock)
        {
            if (!closed)
            {
                RdmaNative.wakeup(handle);
            }
        }
    }

    /**
     * The link's counters, summed over its queues; callable from any thread (values may be slightly stale), also
     * after close (the last values).
     */
    @Override
    public LinkCounters counters()
    {
        synchronized (closeLock)
        {
            return sumCounters();
        }
    }

    private LinkCounters sumCounters()
    {
        long rxPackets = 0, rxBytes = 0, rxDropped = 0, errors = 0;
        long txPackets = 0, txBytes = 0, txDropped = 0;
        for (int q = 0; q < options.rxQueues(); q++)
        {
            final int base = RdmaNative.rxqBase(q);
            rxPackets += word(base + RdmaNative.RXQ_PACKETS);
            rxBytes += word(base + RdmaNative.RXQ_BYTES);
            rxDropped += word(base + RdmaNative.RXQ_DROPS);
            errors += word(base + RdmaNative.RXQ_CQE_ERRORS) + word(base + RdmaNative.RXQ_POST_ERRORS);
            final int tx = RdmaNative.txqBase(q);
            txPackets += word(tx + RdmaNative.TXQ_PACKETS);
            txBytes += word(tx + RdmaNative.TXQ_BYTES);
            txDropped += word(tx + RdmaNative.TXQ_DROPS) + word(tx + RdmaNative.TXQ_RING_FULL);
            errors += word(tx + RdmaNative.TXQ_CQE_ERRORS) + word(tx + RdmaNative.TXQ_POST_ERRORS);
        }
        counters.rxPackets = rxPackets;
        counters.rxBytes = rxBytes;
        counters.rxDropped = rxDropped;
        counters.txPackets = txPackets;
        counters.txBytes = txBytes;
        counters.txDropped = txDropped;
        counters.errors = errors;
        return counters;
    }

    /** A snapshot of one receive queue's counters. */
    public RdmaQueueCounters rxQueueCounters(final int queue)
    {
        synchronized (closeLock)
        {
            return rxSnapshot(queue);
        }
    }

    private RdmaQueueCounters rxSnapshot(final int queue)
    {
        if (queue < 0 || queue >= options.rxQueues())
        {
            throw new IllegalArgumentException("receive queue " + queue + " of " + options.rxQueues());
        }
        final int b = RdmaNative.rxqBase(queue);
        return new RdmaQueueCounters("rx" + queue, word(b + RdmaNative.RXQ_PACKETS), word(b + RdmaNative.RXQ_BYTES),
            word(b + RdmaNative.RXQ_DROPS), word(b + RdmaNative.RXQ_NO_BUFFER), word(b + RdmaNative.RXQ_CQE_ERRORS),
            word(b + RdmaNative.RXQ_RECOVERIES), word(b + RdmaNative.RXQ_LAST_SYNDROME),
            (int)word(b + RdmaNative.RXQ_STATE), word(b + RdmaNative.RXQ_COMPRESSED), 0,
            word(b + RdmaNative.RXQ_POST_ERRORS), syndromeWords(word(b + RdmaNative.RXQ_LAST_SYNDROME)),
            word(b + RdmaNative.RXQ_RECREATIONS));
    }

    /** A snapshot of one send queue's counters (send queue q is the one receive queue q's poller uses). */
    public RdmaQueueCounters txQueueCounters(final int queue)
    {
        synchronized (closeLock)
        {
            return txSnapshot(queue);
        }
    }

    private RdmaQueueCounters txSnapshot(final int queue)
    {
        if (queue < 0 || queue >= options.rxQueues())
        {
            throw new IllegalArgumentException("send queue " + queue + " of " + options.rxQueues());
        }
        final int b = RdmaNative.txqBase(queue);
        return new RdmaQueueCounters("tx" + queue, word(b + RdmaNative.TXQ_PACKETS), word(b + RdmaNative.TXQ_BYTES),
            word(b + RdmaNative.TXQ_DROPS), word(b + RdmaNative.TXQ_RING_FULL), word(b + RdmaNative.TXQ_CQE_ERRORS),
            word(b + RdmaNative.TXQ_RECOVERIES), word(b + RdmaNative.TXQ_LAST_SYNDROME),
            (int)word(b + RdmaNative.TXQ_STATE), word(b + RdmaNative.TXQ_DOORBELLS),
            word(b + RdmaNative.TXQ_IN_FLIGHT), word(b + RdmaNative.TXQ_POST_ERRORS),
            syndromeWords(word(b + RdmaNative.TXQ_LAST_SYNDROME)), word(b + RdmaNative.TXQ_RECREATIONS));
    }

    /** A last_syndrome word's low byte in words, in the port's mode; "" for none. */
    private String syndromeWords(final long lastSyndrome)
    {
        return lastSyndrome == 0 ? "" : RdmaNative.syndromeWords((int)word(RdmaNative.ST_MODE), (int)(lastSyndrome
            & 0xff));
    }

    /** Every counter of the link, for logs and the monitoring API. */
    public String describeCounters()
    {
        synchronized (closeLock)
        {
            final StringBuilder sb = new StringBuilder();
            sb.append(name).append(" mode=").append(word(RdmaNative.ST_MODE) == RdmaNative.MODE_DV ? "dv" : "ibv")
                .append(" dv_fallback=").append((word(RdmaNative.ST_MODE) & RdmaNative.MODE_DV_FALLBACK) != 0)
                .append(" port_state=").append(word(RdmaNative.ST_PORT_STATE))
                .append(" async_events=").append(word(RdmaNative.ST_ASYNC_EVENTS))
                .append(" device_fatal=").append(word(RdmaNative.ST_DEVICE_FATAL) != 0)
                .append(" mac_admission=").append(admissionName(word(RdmaNative.ST_MAC_ADMISSION)))
                .append(" admit_errno=").append(word(RdmaNative.ST_MAC_ADMIT_ERRNO))
                .append(" fdb_added=").append(word(RdmaNative.ST_FDB_ADDED))
                .append(" fdb_removed=").append(word(RdmaNative.ST_FDB_REMOVED))
                .append(" fdb_stale_removed=").append(word(RdmaNative.ST_FDB_STALE_REMOVED))
                .append(" fdb_failures=").append(word(RdmaNative.ST_FDB_FAILURES));
            for (int q = 0; q < options.rxQueues(); q++)
            {
                sb.append('\n').append(txSnapshot(q)).append(" inline=")
                    .append(word(RdmaNative.txqBase(q) + RdmaNative.TXQ_INLINE) == 1 ? "l4" : "l2")
                    .append(" max_tso=").append(word(RdmaNative.txqBase(q) + RdmaNative.TXQ_MAX_TSO))
                    .append(" tso_frames=").append(word(RdmaNative.txqBase(q) + RdmaNative.TXQ_TSO_FRAMES))
                    .append(" done=").append(word(RdmaNative.txqBase(q) + RdmaNative.TXQ_DONE));
            }
            for (int q = 0; q < options.rxQueues(); q++)
            {
                sb.append('\n').append(rxSnapshot(q)).append(" wqe_mismatch=")
                    .append(word(RdmaNative.rxqBase(q) + RdmaNative.RXQ_WQE_MISMATCH));
            }
            return sb.toString();
        }
    }

    private long word(final int index)
    {
        return status.getLong(index * 8);
    }

    private long openHandle()
    {
        if (closed)
        {
            throw new IllegalStateException(name + " is closed");
        }
        return handle;
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        // The adapter stops writing into the pool first; then every buffer the port held comes back.
        RdmaNative.quiesce(handle);
        reclaim();
        synchronized (closeLock)
        {
            // Counters stay readable after close: keep a copy of the status block, then free the native one.
            final ByteBuffer last = ByteBuffer.allocate(status.capacity()).order(ByteOrder.nativeOrder());
            last.put(0, status, 0, status.capacity());
            status = last;
            closed = true;
            RdmaNative.destroy(handle);
            handle = 0;
        }
        LOG.log(Level.DEBUG, () -> name + " closed");
    }
}
