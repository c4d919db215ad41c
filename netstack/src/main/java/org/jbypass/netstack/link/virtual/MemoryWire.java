package org.jbypass.netstack.link.virtual;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.LinkCounters;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.MacAddress;

/**
 * An Ethernet segment in memory: the wire that joins two stacks in tests (or a few, as a small switch), each
 * through a {@link Port} that is a {@link Link} over that stack's own {@link PacketPool}.
 *
 * <p>Frames cross by copy. A transmitting port copies each frame into the receive queue of the port it is for (a
 * {@link FrameRing}: bounded, lock-free, off-heap) and returns its buffer to its own pool at once; the receiving port
 * copies it out into the buffers its stack armed. So each stack only ever touches its own pool, and the two stacks
 * may run on different threads. With {@link Builder#holdTransmitBuffers} a unicast frame crosses with one copy, as a
 * NIC's DMA moves it: the receiver's queue holds a reference to the sender's buffer, the receiver copies the frame
 * straight into its own armed buffer, and the buffer goes back to the sender as a transmit completion
 * ({@link TransmitCompletions}), which the sender's own thread frees into its pool. Forwarding is a switch's with a static table: a unicast frame goes to the port with
 * that MAC address, and a broadcast, multicast or unknown-unicast frame to every other port; a frame never goes back
 * out of the port it came in by. With two ports every frame reaches the other one.
 *
 * <p>Like a real link, the wire never pushes back: {@link Port#transmit} accepts every frame, and a frame that finds
 * the receiver's queue full is dropped and counted in the receiver's {@link LinkCounters#rxDropped} (and
 * {@link Port#overruns()}), as a NIC counts frames lost to a full receive ring. Frames longer than MTU + 14 bytes
 * or shorter than an Ethernet header are dropped on transmit and counted in {@link LinkCounters#txDropped}.
 *
 * <p>With {@link LinkCapabilities#TX_TCP_SEGMENTATION} ports take TCP super-segments on transmit (chains of
 * buffers, {@link PacketBurst#GSO_TCPV4}; with {@link LinkCapabilities#TX_TCP6_SEGMENTATION} IPv6 ones,
 * {@link PacketBurst#GSO_TCPV6}) and, by default, cut them into MSS
 * segments in software on the way, as Linux's GSO does for a device without TSO ({@link TcpSegmenter}): the
 * receiver sees ordinary frames of at most
 * MTU + 14 bytes. With {@link Builder#passChainsWhole} they cross whole instead, as a veth hands a GSO packet to its
 * peer: the receiving port delivers the super-segment as one chain of its own buffers (it takes consecutive slots
 * of the queue, {@link FrameRing#offerChain}, and never crosses the end of a receive burst; one longer than the
 * whole burst is dropped and counted in {@link LinkCounters#rxDropped}) with its GSO type and segment size, and with
 * {@link PacketBurst#RX_L4_CHECKSUM_OK} and {@link PacketBurst#RX_L4_CHECKSUM_PARTIAL} when it was sent with a
 * partial checksum ({@link PacketBurst#TX_L4_CHECKSUM}), as Linux trusts CHECKSUM_PARTIAL across a veth; one sent
 * with a complete checksum (see {@link ImpairedLink}) comes with no checksum flag, for the receiver to verify. A
 * chain on a wire without TX_TCP_SEGMENTATION, or a malformed one, is dropped whole and counted once in
 * {@link LinkCounters#txDropped}.
 *
 * <h2>Threading</h2>
 * <ul>
 *   <li>Each port is driven by one thread at a time (its stack's; the {@link Link} rule): {@code receive},
 *       {@code transmit}, {@code awaitReceive} and {@code close} of one port are never called concurrently.</li>
 *   <li>Different ports may be driven by different threads at the same time: their only shared state is the
 *       receive queues, which take any number of producers and one consumer, and the port table, replaced
 *       copy-on-write by {@link #attach} and {@link Port#close()} under a lock that the data path never takes.</li>
 *   <li>{@link Port#wakeup()} may be called from any thread. A wakeup is never lost: one that comes before the
 *       driving thread blocks makes its next {@link Port#awaitReceive} return at once, as does a frame that
 *       arrives before it blocks.</li>
 * </ul>
 *
 * <p>Nothing is allocated per frame: the data path copies between direct buffers and moves indices.
 */
public final class MemoryWire
{
    /** Standard Ethernet's MTU. */
    public static final int DEFAULT_MTU = 1500;
    /** Frames each port's receive queue holds by default. */
    public static final int DEFAULT_QUEUE_CAPACITY = 1024;
    /** The most ports one wire joins (frames are steered with a 64-bit mask). */
    public static final int MAX_PORTS = 64;
    /** The shortest Ethernet frame without its frame check sequence (IEEE 802.3 clause 4.4.2: 64 bytes with it). */
    public static final int MIN_FRAME = 60;
    /** The MAC of the all-systems group 224.0.0.1 (RFC 1112 section 6.4), which every port accepts. */
    private static final long ALL_SYSTEMS_MAC = 0x01_00_5E_00_00_01L;

    private static final int SUPPORTED_CAPABILITIES = LinkCapabilities.RX_L3_CHECKSUM
        | LinkCapabilities.RX_L4_CHECKSUM | LinkCapabilities.TX_L3_CHECKSUM | LinkCapabilities.TX_L4_CHECKSUM
        | LinkCapabilities.TX_TCP_SEGMENTATION | LinkCapabilities.TX_TCP6_SEGMENTATION | LinkCapabilities.TX_GATHER;
    /** Either family's TCP segmentation: what makes a port take chains at all. */
    private static final int SEGMENTATION = LinkCapabilities.TX_TCP_SEGMENTATION
        | LinkCapabilities.TX_TCP6_SEGMENTATION;

    private final String name;
    private final int mtu;
    private final int maxFrame;
    private final int queueCapacity;
    private final int capabilities;
    private final boolean padShortFrames;
    private final boolean passChainsWhole;
    private final int refuseGatherEvery;
    private final boolean passPartialChecksums;
    private final boolean holdTransmitBuffers;
    private final Object portsLock = new Object();
    /** The attached ports: replaced whole under {@link #portsLock}, read without a lock by transmitting ports. */
    private volatile Port[] ports = new Port[0];
    private int attachedSoFar;

    /** A wire with the default MTU and queue capacity, no offloads and no padding. */
    public MemoryWire()
    {
        this(builder());
    }

    private MemoryWire(final Builder builder)
    {
        this.name = builder.name;
        this.mtu = builder.mtu;
        this.maxFrame = builder.mtu + EthernetHeader.LENGTH;
        this.queueCapacity = builder.queueCapacity;
        this.capabilities = builder.capabilities;
        this.padShortFrames = builder.padShortFrames;
        this.passChainsWhole = builder.passChainsWhole;
        this.refuseGatherEvery = builder.refuseGatherEvery;
        this.passPartialChecksums = builder.passPartialChecksums;
        this.holdTransmitBuffers = builder.holdTransmitBuffers;
    }

    /** A builder for a wire with other than the default settings. */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Attaches a port, named after the wire and its number.
     *
     * @see #attach(String, PacketPool, long)
     */
    public Port attach(final PacketPool pool, final long mac)
    {
        final String portName;
        synchronized (portsLock)
        {
            portName = name + "/" + attachedSoFar;
        }
        return attach(portName, pool, mac);
    }

    /**
     * Attaches a port: a link for one stack, over that stack's pool. Callable while other ports carry traffic.
     *
     * @param pool the pool the stack that drives the port owns; its buffers must hold a frame of MTU + 14 bytes
     * @param mac  the port's unicast MAC address, unique on this wire
     * @throws IllegalArgumentException if the pool's buffers are too small, the MAC address is not a unicast one
     *                                  or is already attached, or the wire has {@value #MAX_PORTS} ports
     */
    public Port attach(final String portName, final PacketPool pool, final long mac)
    {
        final int needed = padShortFrames ? Math.max(maxFrame, MIN_FRAME) : maxFrame;
        if (pool.bufferSize() < needed)
        {
            throw new IllegalArgumentException("packet buffers of " + pool.bufferSize() + " bytes cannot hold the "
                + needed + "-byte frames of a wire with MTU " + mtu);
        }
        if ((mac & ~MacAddress.BROADCAST) != 0 || mac == MacAddress.ZERO || MacAddress.isMulticast(mac))
        {
            throw new IllegalArgumentException("a port needs a unicast MAC address: " + Long.toHexString(mac));
        }
        synchronized (portsLock)
        {
            final Port[] current = ports;
            if (current.length == MAX_PORTS)
            {
                throw new IllegalArgumentException("a memory wire joins at most " + MAX_PORTS + " ports");
            }
            for (final Port port : current)
            {
                if (port.mac == mac)
                {
                    throw new IllegalArgumentException("MAC address " + MacAddress.toString(mac)
                        + " is already attached to " + name + " as " + port.name);
                }
            }
            final Port port = new Port(this, portName, pool, mac);
            final Port[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = port;
            ports = next;
            attachedSoFar++;
            return port;
        }
    }

    private void detach(final Port port)
    {
        synchronized (portsLock)
        {
            final Port[] current = ports;
            int index = -1;
            for (int i = 0; i < current.length; i++)
            {
                if (current[i] == port)
                {
                    index = i;
                }
            }
            if (index >= 0)
            {
                final Port[] next = new Port[current.length - 1];
                System.arraycopy(current, 0, next, 0, index);
                System.arraycopy(current, index + 1, next, index, current.length - index - 1);
                ports = next;
            }
        }
    }

    public String name()
    {
        return name;
    }

    public int mtu()
    {
        return mtu;
    }

    /** How many frames each port's receive queue holds. */
    public int queueCapacity()
    {
        return queueCapacity;
    }

    /** The offloads every port emulates, {@link LinkCapabilities} bits. */
    public int capabilities()
    {
        return capabilities;
    }

    /** Whether super-segments cross whole, as chains ({@link Builder#passChainsWhole}), rather than cut. */
    public boolean passesChainsWhole()
    {
        return passChainsWhole;
    }

    /** How many ports are attached now. */
    public int portCount()
    {
        return ports.length;
    }

    @Override
    public String toString()
    {
        return "MemoryWire{" + name + ", mtu=" + mtu + ", ports=" + ports.length + '}';
    }

    /** Settings of a {@link MemoryWire}; each setter checks its value and names it when it is wrong. */
    public static final class Builder
    {
        private String name = "memory";
        private int mtu = DEFAULT_MTU;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private int capabilities;
        private boolean padShortFrames;
        private boolean passChainsWhole;
        private int refuseGatherEvery;
        private boolean passPartialChecksums;
        private boolean holdTransmitBuffers;

        private Builder()
        {
        }

        /** A name for the wire, used in its ports' names. */
        public Builder name(final String name)
        {
            if (name == null || name.isEmpty())
            {
                throw new IllegalArgumentException("memory wire name must not be empty");
            }
            this.name = name;
            return this;
        }

        /** The largest IP datagram a frame carries, 68 (RFC 791's minimum) to 65535. */
        public Builder mtu(final int mtu)
        {
            if (mtu < 68 || mtu > 65535)
            {
                throw new IllegalArgumentException("memory wire mtu must be 68..65535: " + mtu);
            }
            this.mtu = mtu;
            return this;
        }

        /** Frames each port's receive queue holds before it drops: a power of two, 2 to 65536. */
        public Builder queueCapacity(final int queueCapacity)
        {
            if (queueCapacity < 2 || queueCapacity > 65536 || Integer.bitCount(queueCapacity) != 1)
            {
                throw new IllegalArgumentException("memory wire queue capacity must be a power of two, 2..65536: "
                    + queueCapacity);
            }
            this.queueCapacity = queueCapacity;
            return this;
        }

        /**
         * Offloads the ports offer and perform in software ({@link LinkCapabilities}: RX_L3_CHECKSUM,
         * RX_L4_CHECKSUM, TX_L3_CHECKSUM, TX_L4_CHECKSUM, and TX_TCP_SEGMENTATION, TCP super-segments cut into
         * segments on transmit; TX_GATHER, with segmentation: super-frames whose payload lies in heap arrays, copied
         * into the pool in {@link Link#transmitGather} as afpacket's kernel copies them into an skb), so the stack's
         * offload paths run as on a NIC.
         */
        public Builder capabilities(final int capabilities)
        {
            if ((capabilities & ~SUPPORTED_CAPABILITIES) != 0)
            {
                throw new IllegalArgumentException("memory wire capabilities can only be checksum offloads and TCP"
                    + " segmentation: "
                    + LinkCapabilities.describe(capabilities));
            }
            this.capabilities = capabilities;
            return this;
        }

        /**
         * Pads frames shorter than {@value #MIN_FRAME} bytes with zeros on delivery, as Ethernet does on the wire,
         * so the stack sees the trailing padding it must ignore (an ARP packet, a small TCP segment).
         */
        public Builder padShortFrames(final boolean padShortFrames)
        {
            this.padShortFrames = padShortFrames;
            return this;
        }

        /**
         * Whether TCP super-segments cross the wire whole, delivered as chains, as a veth passes GSO packets to its
         * peer (Linux's NETIF_F_GSO_SOFTWARE on both ends), rather than cut into segments on transmit (the default).
         * Needs {@link LinkCapabilities#TX_TCP_SEGMENTATION} or {@link LinkCapabilities#TX_TCP6_SEGMENTATION} in
         * {@link #capabilities}.
         */
        public Builder passChainsWhole(final boolean passChainsWhole)
        {
            this.passChainsWhole = passChainsWhole;
            return this;
        }

        /**
         * With TX_GATHER: every {@code n}th {@link Link#transmitGather} of a port is refused with -EAGAIN, as a full
         * kernel queue refuses it, so that the stack's answer (the chain held back, sent again by TCP later) runs too;
         * 0 (the default) refuses none.
         */
        public Builder refuseGatherEvery(final int n)
        {
            if (n < 0)
            {
                throw new IllegalArgumentException("memory wire refuseGatherEvery must be 0 or more: " + n);
            }
            this.refuseGatherEvery = n;
            return this;
        }

        /**
         * Whether a frame sent with a partial checksum ({@link PacketBurst#TX_L4_CHECKSUM}: the field holds the
         * pseudo-header sum) crosses as it is and is delivered with {@link PacketBurst#RX_L4_CHECKSUM_OK} and
         * {@link PacketBurst#RX_L4_CHECKSUM_PARTIAL}, as a veth hands a CHECKSUM_PARTIAL packet to its peer (which
         * trusts it: the bytes never crossed a wire), rather than completed in software on transmit (the default,
         * a NIC's behaviour). Needs {@link LinkCapabilities#TX_L4_CHECKSUM} in {@link #capabilities}.
         */
        public Builder passPartialChecksums(final boolean passPartialChecksums)
        {
            this.passPartialChecksums = passPartialChecksums;
            return this;
        }

        /**
         * Whether a unicast frame for one port crosses with one copy: the wire holds the sender's
         * buffer, the receiving port copies the frame straight from it into the buffer its stack armed and gives
         * it back as a transmit completion, as a NIC's DMA reads a send buffer once and its completion frees it
         * ({@link TransmitCompletions}): the sender's pool gets the buffer back at its port's next transmit or
         * receive after that (or, once the port is closed, at once). Otherwise (the default) by two copies, into
         * the receiver's queue on transmit and out of it on receive, the sender's buffer freed at once. Either way frames flooded to several ports, super-segments and
         * gathered frames are copied, and so are frames sent while the sender's pool is less than half free (its
         * buffers held in flight never take more).
         *
         * <p>Once a port is closed, what is given back later is freed into its pool by the thread of the port that
         * gives it back (so that every buffer comes back whichever end closes first). So a stack that goes on using
         * a pool after closing its port on such a wire must run on the same thread as the ports it sent to, or close
         * after them; a test's or benchmark's stacks closed at its end are either.
         */
        public Builder holdTransmitBuffers(final boolean holdTransmitBuffers)
        {
            this.holdTransmitBuffers = holdTransmitBuffers;
            return this;
        }

        /**
         * @throws IllegalArgumentException when {@link #passChainsWhole} or TX_GATHER is asked without
         *         TX_TCP_SEGMENTATION or TX_TCP6_SEGMENTATION, or {@link #passPartialChecksums} without TX_L4_CHECKSUM
         */
        public MemoryWire build()
        {
            if (passPartialChecksums && (capabilities & LinkCapabilities.TX_L4_CHECKSUM) == 0)
            {
                throw new IllegalArgumentException("memory wire passPartialChecksums needs the TX_L4_CHECKSUM"
                    + " capability: " + LinkCapabilities.describe(capabilities));
            }
            if ((passChainsWhole || (capabilities & LinkCapabilities.TX_GATHER) != 0)
                && (capabilities & SEGMENTATION) == 0)
            {
                throw new IllegalArgumentException("memory wire passChainsWhole and TX_GATHER need the"
                    + " TX_TCP_SEGMENTATION or TX_TCP6_SEGMENTATION capability: "
                    + LinkCapabilities.describe(capabilities));
            }
            return new MemoryWire(this);
        }
    }

    /**
     * One end of the wire: a single-queue {@link Link} over one stack's pool. See {@link MemoryWire} for the
     * threading rules.
     */
    public static final class Port implements Link
    {
        private static final VarHandle WAITER;
        private static final VarHandle WAKEUP_PENDING;
        private static final VarHandle SHARED_WAITER;
        private static final VarHandle SHARED_WAKEUP_PENDING;

        static
        {
            try
            {
                final MethodHandles.Lookup lookup = MethodHandles.lookup();
                WAITER = lookup.findVarHandle(Port.class, "waiter", Thread.class);
                WAKEUP_PENDING = lookup.findVarHandle(Port.class, "wakeupPending", int.class);
                SHARED_WAITER = lookup.findVarHandle(Port.class, "sharedWaiter", Thread.class);
                SHARED_WAKEUP_PENDING = lookup.findVarHandle(Port.class, "sharedWakeupPending", int.class);
            }
            catch (final ReflectiveOperationException e)
            {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final MemoryWire wire;
        private final String name;
        private final PacketPool pool;
        private final ByteBuffer memory;
        private final long mac;
        private final FrameRing queue;
        private final LinkCounters counters = new LinkCounters();
        private final ChecksumOffload offload = new ChecksumOffload();
        private final int txOffloads;
        private final int rxOffloads;
        /** Cuts super-segments into frames, with TX_TCP_SEGMENTATION unless chains pass whole; null otherwise. */
        private final TcpSegmenter segmenter;
        /** The super-segment being passed whole, with {@link Builder#passChainsWhole}. */
        private final FrameChain txChain = new FrameChain();
        private final TcpSegmenter.Sink segmentSink = this::forwardSegment;
        /** A gathered frame copied into pool buffers, for {@link #transmit}. */
        private final PacketBurst gatherBurst = new PacketBurst(PacketBurst.MAX_FRAME_LENGTH / 512 + 2);
        private long gathers;
        private long gatherRefusals;
        /** During {@link #transmit}: the port table and the ports reached so far, for {@link #forwardSegment}. */
        private Port[] txTargets;
        private long txReached;

        /** The thread blocked (or about to block) in {@link #awaitReceive}, or null. */
        @SuppressWarnings("unused")
        private volatile Thread waiter;
        /** 1 when {@link #wakeup()} was called and no {@link #awaitReceive} has returned since. */
        @SuppressWarnings("unused")
        private volatile int wakeupPending;
        /**
         * The thread blocked in {@link #awaitReceiveShared}, or null, and its own pending wakeup: a slot and a flag
         * of its own, so that the driving thread's wait can neither overwrite its registration nor consume its
         * wakeup (either lost it the wakeup until its timeout).
         */
        @SuppressWarnings("unused")
        private volatile Thread sharedWaiter;
        @SuppressWarnings("unused")
        private volatile int sharedWakeupPending;
        private volatile boolean closed;
        /**
         * The multicast MACs the port accepts (its stack's groups), as a NIC's filter: broadcast and all-systems
         * reach every port, another multicast frame only those that added its MAC. Copy on write: transmitting
         * ports read it from their own threads, and it changes only when the stack joins or leaves.
         */
        private volatile long[] multicastMacs = new long[0];
        /** The queue's overruns already added to {@link LinkCounters#rxDropped}. */
        private long overrunsCounted;
        /** This port's buffers that receivers copied out of and give back ({@link Builder#holdTransmitBuffers}). */
        private final TransmitCompletions completions;
        /** Fewer free buffers than this in the pool and frames are copied on transmit, not held. */
        private final int holdFloor;
        /** During {@link #transmit}: the queues and positions of the references offered, checked at its end. */
        private FrameRing[] heldQueues = new FrameRing[0];
        private long[] heldPositions = new long[0];
        private int heldCount;

        private Port(final MemoryWire wire, final String name, final PacketPool pool, final long mac)
        {
            this.wire = wire;
            this.name = name;
            this.pool = pool;
            this.memory = pool.memory();
            this.mac = mac;
            this.queue = new FrameRing(wire.queueCapacity, Math.max(wire.maxFrame, MIN_FRAME));
            this.txOffloads = ((wire.capabilities & LinkCapabilities.TX_L3_CHECKSUM) != 0
                ? PacketBurst.TX_L3_CHECKSUM : 0)
                | ((wire.capabilities & LinkCapabilities.TX_L4_CHECKSUM) != 0 ? PacketBurst.TX_L4_CHECKSUM : 0);
            this.rxOffloads = wire.capabilities & (LinkCapabilities.RX_L3_CHECKSUM | LinkCapabilities.RX_L4_CHECKSUM);
            this.segmenter = (wire.capabilities & SEGMENTATION) != 0 && !wire.passChainsWhole
                ? new TcpSegmenter(wire.maxFrame) : null;
            this.completions = wire.holdTransmitBuffers ? new TransmitCompletions(pool) : null;
            this.holdFloor = pool.capacity() / 2;
        }

        @Override
        public String name()
        {
            return name;
        }

        @Override
        public long macAddress()
        {
            return mac;
        }

        @Override
        public int mtu()
        {
            return wire.mtu;
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
        public int maxSuperFrameLength()
        {
            return PacketBurst.MAX_FRAME_LENGTH;
        }

        @Override
        public int capabilities()
        {
            // The wait parks on the port's one waiter slot: any one thread at a time may wait (RX_AWAIT_SHARED).
            return wire.capabilities | LinkCapabilities.RX_AWAIT_SHARED;
        }

        @Override
        public PacketPool pool()
        {
            return pool;
        }

        /** The wire this port is attached to. */
        public MemoryWire wire()
        {
            return wire;
        }

        /** Frames dropped so far because they arrived while this port's receive queue was full. */
        public long overruns()
        {
            return queue.overruns();
        }

        @Override
        public int receive(final int queueIndex, final PacketBurst burst)
        {
            checkQueue(queueIndex);
            int received = 0;
            if (!closed)
            {
                if (completions != null)
                {
                    completions.drain();
                }
                final int capacity = burst.capacity();
                while (received < capacity)
                {
                    final int buffer = burst.buffer(received);
                    if (buffer == PacketPool.NO_BUFFER)
                    {
                        break;
                    }
                    if (wire.passChainsWhole)
                    {
                        final int slots = queue.readyAtHead();
                        if (slots == 0)
                        {
                            break;
                        }
                        if (slots > 1 || queue.headFlags() != 0)
                        {
                            final int taken = receiveChain(burst, received, slots);
                            if (taken < 0)
                            {
                                break;
                            }
                            received += taken;
                            continue;
                        }
                    }
                    final int offset = pool.offset(buffer);
                    int length = queue.poll(memory, offset);
                    if (length < 0)
                    {
                        break;
                    }
                    if (length < MIN_FRAME && wire.padShortFrames)
                    {
                        for (int i = length; i < MIN_FRAME; i++)
                        {
                            memory.put(offset + i, (byte)0);
                        }
                        length = MIN_FRAME;
                    }
                    // A partial checksum passed through comes with its RX_L4 flags; what the port verifies is added.
                    final int flags = queue.polledFlags()
                        | (rxOffloads == 0 ? 0 : offload.verify(memory, offset, length, rxOffloads));
                    burst.set(received, buffer, length, flags);
                    counters.rxPackets++;
                    counters.rxBytes += length;
                    received++;
                }
                queue.flushCompletions();
            }
            burst.count(received);
            final long overruns = queue.overruns();
            counters.rxDropped += overruns - overrunsCounted;
            overrunsCounted = overruns;
            return received;
        }

        /**
         * Delivers the super-frame at the head of the queue, {@code slots} slots, into the burst's slots from
         * {@code at} as one chain. Returns how many slots it filled (0 when it was dropped: longer than the whole
         * burst), or -1 when it must wait for the next receive (the burst's armed slots left cannot hold it).
         */
        private int receiveChain(final PacketBurst burst, final int at, final int slots)
        {
            if (slots > burst.capacity())
            {
                for (int k = 0; k < slots; k++)
                {
                    queue.skip();
                }
                counters.rxDropped++;
                return 0;
            }
            if (at + slots > burst.capacity())
            {
                return -1;
            }
            for (int k = 0; k < slots; k++)
            {
                if (burst.buffer(at + k) == PacketPool.NO_BUFFER)
                {
                    return -1;
                }
            }
            long bytes = 0;
            for (int k = 0; k < slots; k++)
            {
                final int buffer = burst.buffer(at + k);
                final int flags = queue.headFlags();
                final int length = queue.poll(memory, pool.offset(buffer));
                burst.set(at + k, buffer, length, flags);
                bytes += length;
            }
            counters.rxPackets++;
            counters.rxBytes += bytes;
            return slots;
        }

        /**
         * Passes a super-segment (the chain {@link #txChain} wraps) whole to the ports it is for, with the flags a
         * receiver gets (see {@link MemoryWire}); false when it is malformed: not an IPv4 (or, for
         * {@link PacketBurst#GSO_TCPV6}, IPv6 without extension headers) TCP super-segment whose headers are in its
         * first buffer and whose IP length is the chain's, or whose segment size does not fit the MTU (a veth's
         * peer could not send it on).
         */
        private boolean passWhole(final Port[] targets)
        {
            final int flags = txChain.flags();
            final int gsoSize = PacketBurst.gsoSize(flags);
            final int base = pool.offset(txChain.firstBuffer());
            final int first = txChain.firstLength();
            final int ip = base + EthernetHeader.LENGTH;
            final boolean valid;
            if (PacketBurst.gsoType(flags) == PacketBurst.GSO_TCPV6)
            {
                // RFC 8200 section 3: version 6, next header TCP, the payload length after the 40-byte header.
                valid = first >= EthernetHeader.LENGTH + 60
                    && (memory.getShort(base + 12) & 0xFFFF) == EthernetHeader.TYPE_IPV6
                    && (memory.get(ip) & 0xF0) == 0x60 && (memory.get(ip + 6) & 0xFF) == 6
                    && EthernetHeader.LENGTH + 40 + (memory.getShort(ip + 4) & 0xFFFF) == txChain.length()
                    && 60 + gsoSize <= wire.mtu;
            }
            else
            {
                valid = PacketBurst.gsoType(flags) == PacketBurst.GSO_TCPV4
                    && first >= EthernetHeader.LENGTH + 40
                    && (memory.getShort(base + 12) & 0xFFFF) == EthernetHeader.TYPE_IPV4
                    && (memory.get(ip) & 0xFF) == 0x45 && (memory.get(ip + 9) & 0xFF) == 6
                    && EthernetHeader.LENGTH + (memory.getShort(ip + 2) & 0xFFFF) == txChain.length()
                    && 40 + gsoSize <= wire.mtu;
            }
            if (!valid || gsoSize == 0)
            {
                return false;
            }
            if ((flags & PacketBurst.TX_L3_CHECKSUM & txOffloads) != 0)
            {
                offload.complete(memory, base, first, PacketBurst.TX_L3_CHECKSUM);
            }
            final int rxFlags = (flags & (PacketBurst.GSO_TYPE_MASK | 0xFFFF << PacketBurst.GSO_SIZE_SHIFT))
                | ((flags & PacketBurst.TX_L4_CHECKSUM) != 0
                    ? PacketBurst.RX_L4_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_PARTIAL : 0);
            txReached |= forward(targets, memory, base, txChain.length(), txChain, rxFlags);
            counters.txPackets++;
            counters.txBytes += txChain.length();
            return true;
        }

        @Override
        public int transmit(final int queueIndex, final PacketBurst burst)
        {
            checkQueue(queueIndex);
            final int count = burst.count();
            final Port[] targets = wire.ports;
            final boolean open = !closed;
            if (open && completions != null)
            {
                completions.drain();
            }
            long reached = 0;
            for (int i = 0; i < count; )
            {
                final int flags = burst.flags(i);
                if ((flags & PacketBurst.CONTINUES) != 0 || PacketBurst.gsoType(flags) != PacketBurst.GSO_NONE)
                {
                    // A super-segment: cut into segments here, or dropped whole (chainLength 0: it runs past the
                    // burst's end, which no chain may).
                    final int descriptors = Math.max(1, burst.chainLength(i));
                    txTargets = targets;
                    txReached = 0;
                    final int segments;
                    // The capability of the chain's family (NETIF_F_TSO6 for GSO_TCPV6, NETIF_F_TSO otherwise).
                    final int capability = PacketBurst.gsoType(flags) == PacketBurst.GSO_TCPV6
                        ? LinkCapabilities.TX_TCP6_SEGMENTATION : LinkCapabilities.TX_TCP_SEGMENTATION;
                    if (!open || (wire.capabilities & capability) == 0)
                    {
                        segments = -1;
                    }
                    else if (segmenter != null)
                    {
                        segments = segmenter.segment(pool, burst, i, segmentSink);
                    }
                    else
                    {
                        segments = txChain.wrap(pool, burst, i) && passWhole(targets) ? 1 : -1;
                    }
                    reached |= txReached;
                    txTargets = null;
                    if (segments < 0)
                    {
                        counters.txDropped++;
                    }
                    for (int j = i; j < i + descriptors; j++)
                    {
                        pool.free(burst.buffer(j));
                        burst.set(j, PacketPool.NO_BUFFER, 0, 0);
                    }
                    i += descriptors;
                    continue;
                }
                final int buffer = burst.buffer(i);
                final int length = burst.length(i);
                boolean held = false;
                if (open && length >= EthernetHeader.LENGTH && length <= wire.maxFrame)
                {
                    final int offset = pool.offset(buffer);
                    int offloads = flags & txOffloads;
                    int rxFlags = 0;
                    if ((offloads & PacketBurst.TX_L4_CHECKSUM) != 0 && wire.passPartialChecksums)
                    {
                        offloads &= ~PacketBurst.TX_L4_CHECKSUM;
                        rxFlags = PacketBurst.RX_L4_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_PARTIAL;
                    }
                    if (offloads != 0)
                    {
                        offload.complete(memory, offset, length, offloads);
                    }
                    final int target = completions != null && pool.available() >= holdFloor
                        ? unicastTarget(targets, memory, offset) : -1;
                    if (target >= 0)
                    {
                        held = hold(targets[target], buffer, length, rxFlags);
                        reached |= held ? 1L << target : 0;
                    }
                    else
                    {
                        reached |= forward(targets, memory, offset, length, null, rxFlags);
                    }
                    counters.txPackets++;
                    counters.txBytes += length;
                }
                else
                {
                    counters.txDropped++;
                }
                if (!held)
                {
                    pool.free(buffer);
                }
                burst.set(i, PacketPool.NO_BUFFER, 0, 0);
                i++;
            }
            burst.count(0);
            if (heldCount > 0)
            {
                takeBackFromClosedQueues();
            }
            // One check per receiving port per burst, after every frame of the burst was queued (see signal()).
            for (int i = 0; reached != 0; i++, reached >>>= 1)
            {
                if ((reached & 1) != 0)
                {
                    targets[i].signal();
                }
            }
            return count;
        }

        /**
         * The index in {@code targets} of the one other port a frame is for (its destination MAC a unicast one of
         * an attached port), or -1: a group's, a broadcast, an unknown unicast or our own frame.
         */
        private int unicastTarget(final Port[] targets, final ByteBuffer frames, final int offset)
        {
            final long destination = MacAddress.read(frames, offset);
            if (!MacAddress.isMulticast(destination))
            {
                for (int i = 0; i < targets.length; i++)
                {
                    if (targets[i].mac == destination)
                    {
                        return targets[i] != this ? i : -1;
                    }
                }
            }
            return -1;
        }

        /**
         * Queues a reference to the frame in {@code buffer} on the target's queue, the buffer held until the target
         * copies it out ({@link TransmitCompletions}); false when the queue was full (the frame is dropped and the
         * buffer still ours).
         */
        private boolean hold(final Port target, final int buffer, final int length, final int rxFlags)
        {
            final long position = target.queue.offerReference(completions, buffer, length, rxFlags);
            if (position < 0)
            {
                return false;
            }
            if (heldCount == heldQueues.length)
            {
                // Grows to the largest burst once; nothing is allocated per frame after that.
                heldQueues = Arrays.copyOf(heldQueues, Math.max(16, 2 * heldCount));
                heldPositions = Arrays.copyOf(heldPositions, heldQueues.length);
            }
            heldQueues[heldCount] = target.queue;
            heldPositions[heldCount] = position;
            heldCount++;
            return true;
        }

        /**
         * After a burst's references are queued: a receiving port that closed meanwhile may have cleared its queue
         * before they were published ({@link FrameRing#offerReference}); the fence orders our publications before
         * our reading of its mark, as its close orders the mark before its clearing, so one of us gives each buffer
         * back.
         */
        private void takeBackFromClosedQueues()
        {
            VarHandle.fullFence();
            for (int k = 0; k < heldCount; k++)
            {
                final FrameRing queue = heldQueues[k];
                if (queue.isClosed())
                {
                    final int buffer = queue.takeBack(heldPositions[k], completions);
                    if (buffer >= 0)
                    {
                        pool.free(buffer);
                    }
                }
                heldQueues[k] = null;
            }
            heldCount = 0;
        }

        /**
         * The head and the slices copied into pool buffers (the copy afpacket's kernel makes into an skb), then
         * transmitted as the chain they make; refused with -EAGAIN every {@link Builder#refuseGatherEvery}th time,
         * or when the pool or the burst cannot hold them.
         */
        @Override
        public int transmitGather(final int queueIndex, final int head, final int headLength, final int flags,
            final byte[][] arrays, final int[] offsets, final int[] lengths, final int count)
        {
            checkQueue(queueIndex);
            if ((wire.capabilities & LinkCapabilities.TX_GATHER) == 0)
            {
                return -Errno.EOPNOTSUPP;
            }
            gathers++;
            if (wire.refuseGatherEvery > 0 && gathers % wire.refuseGatherEvery == 0)
            {
                gatherRefusals++;
                return -Errno.EAGAIN;
            }
            final int bufferSize = pool.bufferSize();
            final PacketBurst burst = gatherBurst;
            int buffer = pool.allocate();
            if (buffer == PacketPool.NO_BUFFER || headLength > bufferSize)
            {
                return refuseGather(buffer);
            }
            memory.put(pool.offset(buffer), memory, pool.offset(head), headLength);
            burst.add(buffer, headLength, flags);
            int filled = headLength;
            for (int i = 0; i < count; i++)
            {
                int from = offsets[i];
                int left = lengths[i];
                while (left > 0)
                {
                    if (filled == bufferSize)
                    {
                        buffer = burst.isFull() ? PacketPool.NO_BUFFER : pool.allocate();
                        if (buffer == PacketPool.NO_BUFFER)
                        {
                            return refuseGather(PacketPool.NO_BUFFER);
                        }
                        final int last = burst.count() - 1;
                        burst.flags(last, burst.flags(last) | PacketBurst.CONTINUES);
                        burst.add(buffer, 0, 0);
                        filled = 0;
                    }
                    final int n = Math.min(left, bufferSize - filled);
                    memory.put(pool.offset(buffer) + filled, arrays[i], from, n);
                    filled += n;
                    burst.length(burst.count() - 1, filled);
                    from += n;
                    left -= n;
                }
            }
            transmit(queueIndex, burst);
            return 0;
        }

        /** Gives back the buffers of a gathered frame being copied, and refuses it as a full queue would. */
        private int refuseGather(final int buffer)
        {
            if (buffer != PacketPool.NO_BUFFER)
            {
                pool.free(buffer);
            }
            gatherBurst.releaseFrames(pool);
            gatherBurst.count(0);
            gatherRefusals++;
            return -Errno.EAGAIN;
        }

        /** Gathered frames refused (by {@link Builder#refuseGatherEvery}, or for want of buffers). */
        public long gatherRefusals()
        {
            return gatherRefusals;
        }

        /** A segment of a super-segment being transmitted: forwarded and counted as a frame. */
        private void forwardSegment(final ByteBuffer frame, final int length)
        {
            txReached |= forward(txTargets, frame, 0, length, null, 0);
            counters.txPackets++;
            counters.txBytes += length;
        }

        /**
         * Copies a frame into the queues of the ports it is for; returns the mask of ports that queued it. The frame
         * is {@code length} bytes at {@code offset}, or, when {@code chain} is not null, the chain it wraps (whose
         * first buffer is at {@code offset}), queued whole; with {@code chainFlags} for the receiver either way.
         */
        private long forward(final Port[] targets, final ByteBuffer memory, final int offset, final int length,
            final FrameChain chain, final int chainFlags)
        {
            final long destination = MacAddress.read(memory, offset);
            if (!MacAddress.isMulticast(destination))
            {
                for (int i = 0; i < targets.length; i++)
                {
                    if (targets[i].mac == destination)
                    {
                        return targets[i] != this && targets[i].offer(memory, offset, length, chain, chainFlags)
                            ? 1L << i : 0;
                    }
                }
            }
            // Broadcast and unknown unicast flood every port; a group's frames only the ports that want its MAC.
            final boolean broadcast = destination == MacAddress.BROADCAST || !MacAddress.isMulticast(destination);
            long reached = 0;
            for (int i = 0; i < targets.length; i++)
            {
                if (targets[i] != this && (broadcast || targets[i].acceptsMulticast(destination))
                    && targets[i].offer(memory, offset, length, chain, chainFlags))
                {
                    reached |= 1L << i;
                }
            }
            return reached;
        }

        /** Queues a frame, or a chain whole, on this port's receive queue (called by the transmitting port). */
        private boolean offer(final ByteBuffer memory, final int offset, final int length, final FrameChain chain,
            final int chainFlags)
        {
            return chain == null ? queue.offer(memory, offset, length, chainFlags)
                : queue.offerChain(chain, chainFlags);
        }

        private boolean acceptsMulticast(final long destination)
        {
            if (destination == ALL_SYSTEMS_MAC)
            {
                return true; // every host is a member of 224.0.0.1 (RFC 1112 section 4): no NIC filters it
            }
            for (final long mac : multicastMacs)
            {
                if (mac == destination)
                {
                    return true;
                }
            }
            return false;
        }

        @Override
        public synchronized int addMulticast(final long mac)
        {
            if (!MacAddress.isMulticast(mac))
            {
                return -Errno.EINVAL;
            }
            if (!acceptsMulticast(mac))
            {
                final long[] grown = Arrays.copyOf(multicastMacs, multicastMacs.length + 1);
                grown[multicastMacs.length] = mac;
                multicastMacs = grown;
            }
            return 0;
        }

        @Override
        public synchronized int removeMulticast(final long mac)
        {
            multicastMacs = Arrays.stream(multicastMacs).filter(m -> m != mac).toArray();
            return 0;
        }

        /**
         * Called by a transmitting port, on its own thread, after queuing frames here: unparks the threads blocked
         * in {@link #awaitReceive} and {@link #awaitReceiveShared}. The queue's claim (a CAS, a volatile write) precedes
         * this volatile read of {@link #waiter}, and the waiter's volatile write of itself precedes its volatile
         * read of the claim counter ({@link FrameRing#mayHaveFrames()}); so either the producer sees the waiter
         * or the waiter sees the frame, and a frame can never arrive unnoticed by a thread about to block.
         */
        private void signal()
        {
            unparkWaiters();
        }

        private void unparkWaiters()
        {
            final Thread thread = (Thread)WAITER.getVolatile(this);
            if (thread != null)
            {
                LockSupport.unpark(thread);
            }
            final Thread shared = (Thread)SHARED_WAITER.getVolatile(this);
            if (shared != null)
            {
                LockSupport.unpark(shared);
            }
        }

        /**
         * Blocks until a frame arrives, {@link #wakeup()} is called, the thread is interrupted or the timeout
         * passes; returns at once if a frame is waiting or a wakeup came since the last return.
         */
        @Override
        public void awaitReceive(final long timeoutNanos)
        {
            await(timeoutNanos, WAITER, WAKEUP_PENDING);
        }

        /**
         * {@link #awaitReceive} on a slot of its own: it parks without looking at interrupts (an interrupted
         * thread's park returns at once, a spurious return); any one thread at a time may take the slot, beside the
         * driving thread's.
         */
        @Override
        public void awaitReceiveShared(final long timeoutNanos)
        {
            await(timeoutNanos, SHARED_WAITER, SHARED_WAKEUP_PENDING);
        }

        private void await(final long timeoutNanos, final VarHandle slot, final VarHandle pending)
        {
            if (timeoutNanos <= 0 || closed)
            {
                return;
            }
            if ((int)pending.getAndSet(this, 0) != 0 || queue.mayHaveFrames())
            {
                return;
            }
            final Thread self = Thread.currentThread();
            slot.setVolatile(this, self);
            try
            {
                // Checked again after announcing ourselves: see signal() and wakeup().
                if (!queue.mayHaveFrames() && (int)pending.getVolatile(this) == 0 && !closed)
                {
                    LockSupport.parkNanos(this, timeoutNanos);
                }
            }
            finally
            {
                slot.compareAndSet(this, self, null);
            }
            // This return answers any wakeup that came meanwhile; the caller polls next and sees its cause.
            pending.getAndSet(this, 0);
        }

        /**
         * Makes the driving thread's current or next {@link #awaitReceive} return. The pending flag is written
         * before the waiter is read, and the waiter writes itself before it reads the flag, so one of the two sees
         * the other.
         */
        @Override
        public void wakeup()
        {
            WAKEUP_PENDING.setVolatile(this, 1);
            SHARED_WAKEUP_PENDING.setVolatile(this, 1);
            unparkWaiters();
        }

        @Override
        public LinkCounters counters()
        {
            return counters;
        }

        /**
         * Detaches the port from the wire and drops the frames waiting in its queue (referenced ones go back to their
         * senders). The port holds no buffer of its pool between calls but, with {@link Builder#holdTransmitBuffers},
         * the frames it sent that another port has not copied yet: those it frees as they are given back, at the
         * latest when that port receives them or closes. Afterwards {@code receive} delivers nothing and
         * {@code transmit} drops (and frees) what it is given.
         */
        @Override
        public void close()
        {
            if (closed)
            {
                return;
            }
            closed = true;
            wire.detach(this);
            queue.close();
            unparkWaiters();
            if (completions != null)
            {
                completions.close();
            }
        }

        private static void checkQueue(final int queueIndex)
        {
            if (queueIndex != 0)
            {
                throw new IllegalArgumentException("a memory wire port has one queue, not queue " + queueIndex);
            }
        }

        @Override
        public String toString()
        {
            return "MemoryWire.Port{" + name + ", mac=" + MacAddress.toString(mac) + '}';
        }
    }
}
