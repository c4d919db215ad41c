package org.jbypass.netstack.ip;

import org.jbypass.netstack.wire.Ipv6Address;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.MacAddress;

/**
 * One of the stack's network interfaces: a {@link Link}, the IPv4 address and prefix the stack owns on it, an
 * optional default gateway, its ARP cache, the bursts frames cross the link in, and the Ethernet demultiplexing of
 * what it receives.
 *
 * <p>An interface may have no IPv4 address (address 0, {@link #hasIpv4()} false): an IPv6-only interface, as Linux's
 * netdev with only IPv6 addresses. It then sends no ARP, holds no IPv4 route, and drops the ARP and IPv4 frames it
 * receives, counted in {@link IpCounters#framesIpv4Disabled}, before they reach either layer; IPv6 is enabled on it
 * by its first IPv6 address as on any other.
 *
 * <p>Received frames are taken one burst at a time; each is checked for a destination this interface accepts (its
 * own MAC, broadcast, the MACs of the multicast groups joined on it: {@link MulticastMacFilter}) and handed by
 * EtherType to ARP, IPv4 or, once the interface has an IPv6 address, IPv6. Frames tagged 802.1Q or 802.1ad are
 * dropped and
 * counted: the stack speaks no VLANs and must not misparse them.
 *
 * <p>Frames to transmit are gathered in a burst and handed to the link when the burst fills or the stack flushes,
 * so the link (and a native driver behind it) is crossed once per burst. If the link's ring is full, the frames it
 * did not accept wait in the burst for the next flush; when the burst is still full after that, a new frame is
 * dropped and counted, as a full qdisc would.
 *
 * <p>The burst goes to the link's transmit queue of the thread that drives the stack at the time
 * ({@link #transmitQueue(int)}): a poller that serves receive queue q transmits on queue q (modulo the link's
 * transmit queues), so that a multiqueue link's send rings are each filled by their own poller; every other caller
 * (an application thread sending under the stack's lock) on {@link #APPLICATION_TX_QUEUE}.
 *
 * <h2>Per-flow order across transmit queues</h2>
 * An adapter serves its send queues in any order, so two frames of one flow on two queues may leave in either
 * order. As Linux keeps a socket on the queue of its last skb until that skb was freed ({@code netdev_pick_tx} in
 * net/core/dev.c keeps {@code sk_tx_queue_get(sk)} unless the skb is {@code ooo_okay}, which
 * {@code __tcp_transmit_skb} in net/ipv4/tcp_output.c sets when none of the socket's skbs is still in flight), a
 * flow here keeps the queue of its last frame while the link is not done with that frame
 * ({@link Link#transmitDone}), and moves to the caller's queue only once it is. The state lives at this level, where
 * the queues are, in a table of {@value #FLOW_SLOTS} slots indexed by a hash of the flow (IPv4 or IPv6 addresses and
 * protocol, and TCP's ports): per slot, the queue the flow's last frame went to and that frame's number on the
 * queue (descriptors added to the queue's burst, counted from the start, as the link counts what it is done with).
 * Two flows in one slot share one state, which only keeps one of them on a queue longer than it needs; nothing is
 * allocated per frame and no transport is involved (frames released by ARP or neighbour discovery are covered as
 * well). A frame kept on another caller's queue waits in that queue's burst, which the thread that serves the
 * queue hands to the link ({@link #flush()}), so that a send ring's producer index stays with its poller; the stack
 * reports such frames as pending work ({@link #pendingTransmitQueues()}) for the caller to wake that poller. The one
 * exception: when kept frames fill that burst, the caller posts it itself (under the stack's lock, as a thread that
 * polls the queue while it waits would) rather than lose or reorder them ({@link IpCounters#txKeptFlushes}).
 */
public final class NetInterface
{
    /** The transmit queue of a caller that serves no receive queue: an application thread under the stack's lock. */
    public static final int APPLICATION_TX_QUEUE = 0;

    /** Slots of the per-flow queue table (a power of two), on links with more than one transmit queue. */
    static final int FLOW_SLOTS = 1024;
    /** In {@link #flowQueue}: the slot's flow has sent nothing yet, any queue will do. */
    private static final int NO_QUEUE = -1;

    private final int index;
    private final String name;
    private final Link link;
    private final PacketPool pool;
    private final int address;
    private final int prefixLength;
    private final int netmask;
    private final int gateway;
    /** Whether the interface has an IPv4 address; false for an IPv6-only interface. */
    private final boolean hasIpv4;
    private final int mtu;
    private final long mac;
    private final PacketBurst[] rxBursts;
    /** Per receive queue: whether every slot of its burst holds a buffer (false until armed, or after a dry pool). */
    private final boolean[] rxArmed;
    /** Per transmit queue, the frames waiting for it: queued since its last flush, or refused by a full ring. */
    private final PacketBurst[] txBursts;
    /** Per transmit queue, the descriptors ever added to its burst: a frame's number is the count after it. */
    private final long[] txQueued;
    /** Per flow slot, the queue of the flow's last frame ({@link #NO_QUEUE}), and its number; null with one queue. */
    private final int[] flowQueue;
    private final long[] flowNumber;
    private final int txQueues;
    /** The link's queue that {@link #flush()} transmits on: the current caller's ({@link #transmitQueue(int)}). */
    private int txQueue = APPLICATION_TX_QUEUE;
    private final IpCounters counters;
    private final Ipv4Layer ipv4;
    private final ByteBuffer memory;
    private final EthernetHeader ethernet = new EthernetHeader();
    private final FrameChain chain = new FrameChain();
    /** Whether software GRO coalesces the TCP segments received here ({@code interface.NAME.gro}). */
    private boolean gro = true;
    final Arp arp;
    final MulticastMacFilter multicastMacs;
    /** IPv6 on this interface, null until it has an IPv6 address ({@link Ipv6Layer#addAddress}). */
    Ipv6Interface ipv6;
    private Ipv6Layer ipv6Layer;

    NetInterface(final int index, final String name, final Link link, final int address, final int prefixLength,
        final int gateway, final int burstSize, final ArpConfig arpConfig, final IpCounters counters,
        final Ipv4Layer ipv4)
    {
        final boolean ipv4Enabled = address != 0 || prefixLength != 0 || gateway != 0;
        if (ipv4Enabled && (address == 0 || Ipv4Address.isMulticast(address) || Ipv4Address.isLoopback(address)))
        {
            throw new IllegalArgumentException("interface " + name + ": " + Ipv4Address.toString(address)
                + " cannot be a host address");
        }
        if (ipv4Enabled && (prefixLength < 1 || prefixLength > 32))
        {
            throw new IllegalArgumentException("interface " + name + ": prefix length must be 1..32: " + prefixLength);
        }
        if (gateway != 0 && !Ipv4Address.inSubnet(gateway, address, prefixLength))
        {
            throw new IllegalArgumentException("interface " + name + ": gateway " + Ipv4Address.toString(gateway)
                + " is not on " + Ipv4Address.toString(address) + "/" + prefixLength);
        }
        if (link.mtu() < 576)
        {
            // RFC 791 section 3.1: every host must be able to receive a datagram of 576 bytes in one piece.
            throw new IllegalArgumentException("interface " + name + ": MTU " + link.mtu() + " is below 576");
        }
        this.index = index;
        this.name = name;
        this.link = link;
        this.pool = link.pool();
        this.memory = pool.memory();
        this.address = address;
        this.prefixLength = prefixLength;
        this.netmask = ipv4Enabled ? Ipv4Address.mask(prefixLength) : 0;
        this.gateway = gateway;
        this.hasIpv4 = ipv4Enabled;
        this.mac = link.macAddress();
        this.mtu = Math.min(link.mtu(), pool.bufferSize() - EthernetHeader.LENGTH);
        this.counters = counters;
        this.ipv4 = ipv4;
        this.rxBursts = new PacketBurst[link.rxQueueCount()];
        this.rxArmed = new boolean[rxBursts.length];
        for (int i = 0; i < rxBursts.length; i++)
        {
            rxBursts[i] = new PacketBurst(burstSize);
        }
        this.txQueues = Math.max(1, link.txQueueCount());
        this.txBursts = new PacketBurst[txQueues];
        for (int q = 0; q < txQueues; q++)
        {
            txBursts[q] = new PacketBurst(burstSize);
        }
        this.txQueued = new long[txQueues];
        this.flowQueue = txQueues > 1 ? new int[FLOW_SLOTS] : null;
        this.flowNumber = txQueues > 1 ? new long[FLOW_SLOTS] : null;
        if (flowQueue != null)
        {
            Arrays.fill(flowQueue, NO_QUEUE);
        }
        this.arp = new Arp(this, arpConfig, counters);
        this.multicastMacs = new MulticastMacFilter(link);
    }

    /** The interface's position in the stack, from 0. */
    public int index()
    {
        return index;
    }

    public String name()
    {
        return name;
    }

    public Link link()
    {
        return link;
    }

    /** The interface's IPv4 address, or 0 when it has none ({@link #hasIpv4()}). */
    public int address()
    {
        return address;
    }

    /**
     * Whether the interface has an IPv4 address. Without one (an IPv6-only interface) it takes part in no ARP and
     * no IPv4 routing, and drops what arrives for either.
     */
    public boolean hasIpv4()
    {
        return hasIpv4;
    }

    public int prefixLength()
    {
        return prefixLength;
    }

    public int netmask()
    {
        return netmask;
    }

    /** The directed broadcast address of the subnet (RFC 919), or the address itself on a /31 or /32. */
    public int broadcastAddress()
    {
        return prefixLength >= 31 ? address : (address | ~netmask);
    }

    /**
     * Whether {@code address} is a broadcast on this interface: the limited broadcast, or its subnet's directed
     * broadcast (a /31 or /32 has none: RFC 3021).
     */
    public boolean isBroadcast(final int address)
    {
        return hasIpv4 && (address == Ipv4Address.BROADCAST || prefixLength < 31
            && address == (this.address | ~netmask));
    }

    /** The default gateway on this interface, or 0. */
    public int gateway()
    {
        return gateway;
    }

    /** The link's {@link LinkCapabilities} now (a link may lose one, so it is asked each time). */
    int linkCapabilities()
    {
        return link.capabilities();
    }

    /** The IP MTU: the link's, capped by what one pool buffer holds. */
    public int mtu()
    {
        return mtu;
    }

    public long mac()
    {
        return mac;
    }

    /** Whether {@code destination} is on this interface's subnet. */
    public boolean isOnLink(final int destination)
    {
        return hasIpv4 && (destination & netmask) == (address & netmask);
    }

    /**
     * Whether software GRO coalesces in-order TCP segments of one flow within each received burst before TCP sees
     * them ({@link SoftwareGro}); on unless turned off.
     */
    public boolean gro()
    {
        return gro;
    }

    /** Turns software GRO on or off for what this interface receives from now on. */
    public void gro(final boolean on)
    {
        gro = on;
    }

    /** Enables IPv6 on the interface: frames of EtherType 0x86DD go to {@code layer} from now on. */
    void enableIpv6(final Ipv6Layer layer, final Ipv6Interface v6)
    {
        this.ipv6Layer = layer;
        this.ipv6 = v6;
    }

    /** Whether the interface has IPv6 addresses. */
    public boolean hasIpv6()
    {
        return ipv6 != null;
    }

    /**
     * Whether an IPv6 address (a link-local one with or without its scope) is one of the interface's; tentative
     * and duplicate addresses included, since a socket may be bound to an address still under DAD.
     */
    public boolean hasAddress6(final long hi, final long lo)
    {
        return ipv6 != null && ipv6.state(Ipv6Address.withoutScope(hi), lo) != 0;
    }

    /** The number of neighbours in the ARP cache (resolved or being resolved). */
    public int arpCacheSize()
    {
        return arp.size();
    }

    /** The number of multicast MACs the interface accepts besides all-systems', for tests and diagnostics. */
    public int multicastMacCount()
    {
        return multicastMacs.size();
    }

    /** The MAC address the ARP cache holds for {@code ip}, or -1 when it holds none. */
    public long arpLookup(final int ip)
    {
        return arp.resolved(ip);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Receive

    /**
     * Receives one burst from one of the link's queues and processes it: Ethernet, then ARP or IPv4 and above.
     *
     * <p>Every layer copies what it keeps of a frame (reassembly, socket buffers), so once a frame is processed its
     * buffer is free again and simply stays in its slot, armed for the next receive: in steady state a burst
     * neither frees nor allocates a buffer (but where TCP lends an in-order super-segment's payload buffers to its
     * reader and arms free ones in their slots: {@code FrameChain.lend}). Only when the pool ran dry and a slot is
     * left empty is the burst armed again from the pool. The transports are told where the burst begins and ends.
     *
     * @return the frames received
     */
    public int receive(final int queue, final long now)
    {
        final PacketBurst burst = rxBursts[queue];
        if (!rxArmed[queue] && burst.arm(pool))
        {
            rxArmed[queue] = true;
        }
        final int n = link.receive(queue, burst);
        if (n == 0)
        {
            return 0;
        }
        ipv4.burstStart();
        if (ipv6Layer != null)
        {
            ipv6Layer.burstStart();
        }
        for (int i = 0; i < n; )
        {
            final int flags = burst.flags(i);
            if ((flags & PacketBurst.CONTINUES) == 0)
            {
                ethernetInput(memory, pool.offset(burst.buffer(i)), Math.min(burst.length(i), pool.bufferSize()),
                    flags, null, now);
                i++;
            }
            else
            {
                i += chainInput(burst, i, n, now);
            }
        }
        if (ipv6Layer != null)
        {
            ipv6Layer.burstEnd();
        }
        ipv4.burstEnd();
        return n;
    }

    /**
     * Handles the chained frame that starts at {@code slot}, in place: its link header must lie in the first buffer,
     * and IPv4 or IPv6 takes it from there ({@link Ipv4Layer#inputChain}, {@link Ipv6Layer#inputChain}); a frame of
     * another EtherType is gathered. A chain that breaks the burst contract (runs past
     * the burst, a buffer outside the pool, a length outside a buffer, longer than
     * {@link PacketBurst#MAX_FRAME_LENGTH}, a first buffer shorter than an Ethernet header) is counted and dropped.
     *
     * @return the number of descriptors consumed
     */
    private int chainInput(final PacketBurst burst, final int slot, final int count, final long now)
    {
        final int descriptors = burst.chainLength(slot);
        if (!chain.wrap(pool, burst, slot) || chain.firstLength() < EthernetHeader.LENGTH)
        {
            counters.framesReceived++;
            counters.framesBadChain++;
            return descriptors == 0 ? count - slot : descriptors;
        }
        counters.superFramesReceived++;
        final int first = chain.firstOffset();
        final int type = memory.getShort(first + EthernetHeader.LENGTH - 2) & 0xFFFF;
        if (type == EthernetHeader.TYPE_IPV4 || type == EthernetHeader.TYPE_IPV6 && ipv6Layer != null)
        {
            ethernetInput(memory, first, chain.length(), chain.flags(), chain, now);
        }
        else
        {
            // Only IPv4 and IPv6 take a chain in place; whatever else arrives chained is gathered first (and
            // counted), so that its handler sees one piece of memory.
            ethernetInput(ipv4.gather(chain), 0, chain.length(), chain.flags(), null, now);
        }
        return descriptors;
    }

    /**
     * Demultiplexes one received frame by EtherType; its memory stays the caller's. A chained IPv4 or IPv6 frame is
     * passed as {@code chain}: its Ethernet header is at {@code offset} in the first buffer, and {@code length} is
     * the chain's. A frame in {@code memory} with no chain is in one buffer of the burst, or gathered (never IPv4 or
     * IPv6 then).
     */
    private void ethernetInput(final ByteBuffer memory, final int offset, final int length, final int flags,
        final FrameChain chain, final long now)
    {
        counters.framesReceived++;
        ethernet.wrap(memory, offset, length);
        if (!ethernet.isValid())
        {
            counters.framesTooShort++;
            return;
        }
        final int type = ethernet.type();
        if (type == EthernetHeader.TYPE_VLAN || type == EthernetHeader.TYPE_QINQ)
        {
            counters.framesVlanDropped++;
            return;
        }
        final long destination = ethernet.destination();
        if (destination != mac)
        {
            if (!MacAddress.isMulticast(destination))
            {
                counters.framesNotForUs++;
                return;
            }
            if (destination != MacAddress.BROADCAST && !multicastMacs.accepts(destination))
            {
                // A NIC filters imperfectly (and a promiscuous link not at all): the groups joined decide.
                counters.framesMulticastFiltered++;
                return;
            }
        }
        if (!hasIpv4 && (type == EthernetHeader.TYPE_IPV4 || type == EthernetHeader.TYPE_ARP))
        {
            // An IPv6-only interface: no IPv4 address to answer ARP for or to receive at.
            counters.framesIpv4Disabled++;
            return;
        }
        switch (type)
        {
            case EthernetHeader.TYPE_IPV4 ->
            {
                if (chain == null)
                {
                    ipv4.inputFromBurst(this, memory, ethernet.payloadOffset(), ethernet.payloadLength(), flags,
                        now);
                }
                else
                {
                    ipv4.inputChain(this, chain, EthernetHeader.LENGTH, flags, now);
                }
            }
            case EthernetHeader.TYPE_ARP -> arp.input(memory, ethernet.payloadOffset(), ethernet.payloadLength(), now);
            case EthernetHeader.TYPE_IPV6 ->
            {
                if (ipv6Layer == null)
                {
                    counters.framesUnknownType++;
                    return;
                }
                if (chain == null)
                {
                    ipv6Layer.inputFromBurst(this, memory, ethernet.payloadOffset(), ethernet.payloadLength(), flags,
                        ethernet.source(), destination != mac, now);
                }
                else
                {
                    final long sourceMac = ethernet.source();
                    if (ipv6Layer.inputChain(this, chain, EthernetHeader.LENGTH, flags, destination != mac, now))
                    {
                        return;
                    }
                    // Not a packet IPv6 takes in place: in one piece, counted, as any other chain.
                    ipv6Layer.input(this, ipv4.gather(chain), EthernetHeader.LENGTH,
                        chain.length() - EthernetHeader.LENGTH, flags, sourceMac, destination != mac, now);
                }
            }
            default -> counters.framesUnknownType++;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Transmit

    PacketPool pool()
    {
        return pool;
    }

    /**
     * Queues a complete frame for transmission, on the caller's transmit queue or, while the link still holds the
     * last frame of its flow on another, on that one (see the class comment); takes the buffer in all cases.
     *
     * @return false if the frame was dropped because the transmit burst and the link's ring were full
     */
    boolean enqueue(final int buffer, final int frameLength, final int flags)
    {
        final int slot = flowQueue == null ? -1 : flowSlot(pool.offset(buffer), frameLength);
        final int queue = slot < 0 ? txQueue : queueOfFlow(slot);
        final PacketBurst burst = txBursts[queue];
        if (burst.isFull())
        {
            flushFull(queue);
            if (burst.isFull())
            {
                pool.free(buffer);
                counters.txQueueDrops++;
                return false;
            }
        }
        burst.add(buffer, frameLength, flags);
        queued(slot, queue, 1);
        return true;
    }

    /**
     * Hands a burst that has no room for the next frame to its queue. Another caller's queue only when frames kept
     * there fill its burst (one write of the application releasing more segments than a burst holds while the
     * flow's last frame is still on the poller's queue): dropping them would lose them and sending them elsewhere
     * would reorder them, so this caller posts them, under the stack's lock, as a thread that polls that queue
     * while it waits does (counted in {@link IpCounters#txKeptFlushes}).
     */
    private void flushFull(final int queue)
    {
        final PacketBurst burst = txBursts[queue];
        if (queue != txQueue)
        {
            counters.txKeptFlushes++;
        }
        counters.framesTransmitted += link.transmit(queue, burst);
    }

    /**
     * The queue a frame of the flow in {@code slot} goes to: the caller's, unless the flow's last frame went to
     * another queue and the link is not done with it yet (Linux's {@code ooo_okay} false), then that one.
     */
    private int queueOfFlow(final int slot)
    {
        final int last = flowQueue[slot];
        if (last == txQueue || last == NO_QUEUE || link.transmitDone(last) >= flowNumber[slot])
        {
            return txQueue;
        }
        counters.txFlowKept++;
        return last;
    }

    /** Notes {@code descriptors} added to {@code queue}'s burst, the last of them the flow in {@code slot}'s. */
    private void queued(final int slot, final int queue, final int descriptors)
    {
        final long number = txQueued[queue] += descriptors;
        if (slot >= 0)
        {
            flowQueue[slot] = queue;
            flowNumber[slot] = number;
        }
    }

    /**
     * The flow table's slot of the frame at {@code base}: a hash of its IPv4 or IPv6 source, destination and
     * protocol, with the ports for TCP (never fragmented here: DF, RFC 1191); -1 for other frames, whose order
     * across queues nothing relies on. UDP and the other protocols hash without ports, so that every fragment of a
     * datagram falls in the slot of the unfragmented datagrams of its flow.
     */
    private int flowSlot(final int base, final int length)
    {
        final int type = length < EthernetHeader.LENGTH ? 0 : memory.getShort(base + 12) & 0xFFFF;
        final int ip = base + EthernetHeader.LENGTH;
        int h;
        int l4;
        int protocol;
        if (type == EthernetHeader.TYPE_IPV4 && length >= EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH)
        {
            protocol = memory.get(ip + 9) & 0xFF;
            h = mix(mix(memory.getInt(ip + 12), memory.getInt(ip + 16)), protocol);
            l4 = ip + ((memory.get(ip) & 0x0F) << 2);
        }
        else if (type == EthernetHeader.TYPE_IPV6 && length >= EthernetHeader.LENGTH + 40)
        {
            protocol = memory.get(ip + 6) & 0xFF;
            h = protocol;
            for (int i = 8; i < 40; i += 4)
            {
                h = mix(h, memory.getInt(ip + i));
            }
            l4 = ip + 40;
        }
        else
        {
            return -1;
        }
        if (protocol == Ipv4Header.PROTOCOL_TCP && l4 + 4 <= base + length)
        {
            h = mix(h, memory.getInt(l4));
        }
        h ^= h >>> 16;
        return h & (FLOW_SLOTS - 1);
    }

    private static int mix(final int h, final int v)
    {
        // A multiplicative step (the golden ratio's 32 bits, as Linux's hash_32) and a rotation, per word.
        return Integer.rotateLeft((h ^ v) * 0x9E3779B9, 13);
    }

    /**
     * The longest IP datagram this interface sends as one TCP super-segment: the link's limit, and a chain of full
     * buffers that fits the transmit burst; 0 when the link cannot segment IPv4 ({@code v6} false) or IPv6 TCP.
     */
    int segmentationLimit(final boolean v6)
    {
        if ((link.capabilities() & (v6 ? LinkCapabilities.TX_TCP6_SEGMENTATION
            : LinkCapabilities.TX_TCP_SEGMENTATION)) == 0)
        {
            return 0;
        }
        final int frame = Math.min(Math.min(link.maxSuperFrameLength(), PacketBurst.MAX_FRAME_LENGTH),
            txBursts[0].capacity() * pool.bufferSize());
        return Math.min(frame - EthernetHeader.LENGTH, Ipv4Header.MAX_DATAGRAM);
    }

    /**
     * Queues a chained frame for transmission as consecutive descriptors, {@code flags} on the first and
     * {@link PacketBurst#CONTINUES} on all but the last; takes every buffer of the chain in all cases. A chain with
     * slices of heap arrays ({@link BufferChain#addSlice}) goes to the link at once when it gathers
     * ({@link LinkCapabilities#TX_GATHER}), after the frames queued before it, and nothing is copied here; when
     * such a link cannot take it now (its queue is full, or frames before it wait), it is not sent at all, as
     * Linux's TCP stops at a busy device queue rather than drop (the transport sends it again once ACKs come, and
     * the copy it would cost here is saved). On a link that does not gather, its slices are copied into pool
     * buffers and it is queued as any chain.
     *
     * <p>A chain is never dropped for want of room: the transport's super-segments are its bulk, and a drop here
     * would cost a loss recovery (and its retransmission) for a queue that is only busy; the caller learns
     * -EAGAIN and sends it again later, as a TCP sender does when Linux's qdisc pushes back (TSQ, NETDEV_TX_BUSY).
     *
     * @return 0; -ENOBUFS if the link dropped it; -EAGAIN if it was not sent because the transmit burst and the
     *         link's ring were full, or the gathering link could not take it now; -ENOMEM if it was not sent
     *         because the pool had no buffers for its slices (on -EAGAIN and -ENOMEM nothing went out: the
     *         transport may send it again later)
     */
    int enqueueChain(final BufferChain chain, final int flags)
    {
        // Which way a chain goes depends on the link, not on the chain's length: a super-segment whose payload all
        // fits its head buffer (a segment and a short tail, at the end of the data) has no slices, and sending it
        // the other way made the first one after the JIT's compilation an uncommon trap (unstable_if) that threw
        // away the compiled send path.
        if (flowQueue == null && chain.count() == 1 && (link.capabilities() & LinkCapabilities.TX_GATHER) != 0)
        {
            final int sent = transmitGather(chain, flags);
            if (sent <= 0)
            {
                return sent;
            }
        }
        if (chain.slices() > 0 && !chain.copySlices(pool))
        {
            chain.free(pool);
            return -Errno.ENOMEM;
        }
        final int n = chain.count();
        final int slot = flowQueue == null ? -1 : flowSlot(pool.offset(chain.buffer(0)), chain.length(0));
        final int queue = slot < 0 ? txQueue : queueOfFlow(slot);
        final PacketBurst burst = txBursts[queue];
        if (burst.capacity() - burst.count() < n)
        {
            flushFull(queue);
            if (burst.capacity() - burst.count() < n)
            {
                chain.free(pool);
                counters.txChainsHeldBack++;
                return -Errno.EAGAIN;
            }
        }
        for (int i = 0; i < n; i++)
        {
            burst.add(chain.buffer(i), chain.length(i), (i == 0 ? flags : 0) | (i < n - 1 ? PacketBurst.CONTINUES
                : 0));
        }
        queued(slot, queue, n);
        chain.clear();
        return 0;
    }

    /**
     * A chain of one head buffer and its slices (if any), straight to a gathering link after what is queued on this
     * caller's queue (frames the link does not take now keep the chain from overtaking them).
     *
     * @return 0 when it went (the chain is emptied, its head freed), -ENOBUFS when the link dropped it (idem),
     *         -EAGAIN when it cannot go now (idem: the frames before it wait, or the link's queue is full), 1 when
     *         the link does not gather after all (the chain untouched, for the copy)
     */
    private int transmitGather(final BufferChain chain, final int flags)
    {
        final PacketBurst burst = txBursts[txQueue];
        if (burst.count() > 0)
        {
            flush();
            if (burst.count() > 0)
            {
                return heldBack(chain);
            }
        }
        final int r = link.transmitGather(txQueue, chain.buffer(0), chain.length(0), flags, chain.sliceArrays(),
            chain.sliceOffsets(), chain.sliceLengths(), chain.slices());
        if (r == -Errno.EOPNOTSUPP)
        {
            // A link that claims the capability without the method: the copy, queued.
            return 1;
        }
        if (r == -Errno.EAGAIN)
        {
            return heldBack(chain);
        }
        chain.free(pool);
        if (r < 0)
        {
            counters.txGatherDrops++;
            return -Errno.ENOBUFS;
        }
        counters.framesTransmitted++;
        counters.txGathered++;
        return 0;
    }

    /** A chain the link cannot take now: not sent, not copied (see {@link #enqueueChain}). */
    private int heldBack(final BufferChain chain)
    {
        chain.free(pool);
        counters.txChainsHeldBack++;
        return -Errno.EAGAIN;
    }

    /**
     * Makes {@link #flush()} transmit on the queue that serves receive queue {@code rxQueue} ({@code rxQueue}
     * modulo the link's transmit queues), or on {@link #APPLICATION_TX_QUEUE}; set by the stack for the thread that
     * drives it, for the length of the call.
     */
    void transmitQueue(final int rxQueue)
    {
        txQueue = rxQueue % txQueues;
    }

    /** The link's queue the next {@link #flush()} transmits on. */
    public int transmitQueue()
    {
        return txQueue;
    }

    /**
     * Hands the frames queued for the current caller's transmit queue to the link; frames the link does not accept
     * stay queued, in order, for the next flush of that queue. Frames queued for other queues (flows still in flight
     * there) wait for the threads that serve those queues.
     */
    void flush()
    {
        final PacketBurst burst = txBursts[txQueue];
        if (burst.count() > 0)
        {
            counters.framesTransmitted += link.transmit(txQueue, burst);
        }
    }

    /** Whether frames are waiting to be transmitted, on any queue. */
    boolean hasPendingTransmit()
    {
        for (final PacketBurst burst : txBursts)
        {
            if (burst.count() > 0)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The transmit queues that frames wait for, as bits ({@code 1L << (queue % 64)}): the caller wakes whoever
     * serves them (a frame kept on its flow's queue waits for that queue's poller).
     */
    public long pendingTransmitQueues()
    {
        long queues = 0;
        for (int q = 0; q < txBursts.length; q++)
        {
            if (txBursts[q].count() > 0)
            {
                queues |= 1L << (q & 63);
            }
        }
        return queues;
    }

    /** Returns every buffer the interface holds to the pool (before the link closes). */
    void release()
    {
        for (int i = 0; i < rxBursts.length; i++)
        {
            rxBursts[i].releaseAll(pool);
            rxArmed[i] = false;
        }
        for (final PacketBurst burst : txBursts)
        {
            burst.releaseFrames(pool);
        }
        arp.release();
        if (ipv6 != null)
        {
            ipv6.release();
        }
    }

    @Override
    public String toString()
    {
        final StringBuilder v6 = new StringBuilder();
        for (int i = 0; ipv6 != null && i < ipv6.count(); i++)
        {
            v6.append(' ').append(org.jbypass.netstack.wire.Ipv6Address.toString(ipv6.hi(i), ipv6.lo(i))).append('/')
                .append(ipv6.prefixLength(i));
        }
        return name + (hasIpv4 ? " " + Ipv4Address.toString(address) + "/" + prefixLength : "") + v6 + " mac "
            + MacAddress.toString(mac) + " mtu " + mtu + " via " + link.name();
    }
}
