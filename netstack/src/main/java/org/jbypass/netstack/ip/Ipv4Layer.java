package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.IcmpHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.MacAddress;

/**
 * IPv4 for the transports above it and the interfaces below: receive (validation, reassembly, delivery to the
 * transports, ICMP errors for what none of them wants), send (routing, fragmentation, ARP), local delivery to the
 * stack's own addresses, and the list of interfaces and routes. Each {@link NetInterface} demultiplexes its own
 * frames and hands IPv4's to {@link #input}.
 *
 * <p>The stack is a host, not a router (RFC 1122): datagrams for other addresses are dropped, never forwarded. It
 * follows the weak host model, as Linux does: a datagram for any of the stack's addresses is accepted on any of its
 * interfaces (RFC 1122 section 3.3.4.2).
 *
 * <p>Not thread safe: driven by the one thread that holds the stack.
 */
public final class Ipv4Layer implements Ipv4MulticastOutput
{
    /**
     * The most routes a stack holds, its interfaces' own included: one for each interface's subnet, and a default
     * route for each interface with a gateway. A configuration must fit in it.
     */
    public static final int MAX_ROUTES = RouteTable.MAX_ROUTES;

    private static final int LOOPBACK_FLAGS = PacketBurst.RX_L3_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_OK;

    private final PacketPool pool;
    private final ByteBuffer memory;
    private final TimerQueue timers;
    private final StackTime time;
    private final IpCounters counters = new IpCounters();
    private final IpConfig config;
    private final Ipv4Protocol[] protocols = new Ipv4Protocol[256];
    /**
     * The transports registered that act on bursts ({@link Ipv4Protocol#hearsBursts()}), told where each receive
     * burst begins and ends: TCP alone, so that the two calls per burst reach one class and the JIT inlines them.
     * Called on every registered handler (ICMP, IGMP, TCP, UDP), they were megamorphic interface calls through an
     * itable stub, twice per burst, for three empty methods: 4.5% of the echo thread's samples outside its system
     * calls in the UDP echo over veth, 1.0% since (docs/PERFORMANCE.md (a, fifth round)).
     */
    private Ipv4Protocol[] burstTransports = new Ipv4Protocol[0];
    private final Icmp icmp;
    private final Igmp igmp;
    private final Reassembler reassembler;
    private final RouteTable routes = new RouteTable();
    private final List<NetInterface> interfaces = new ArrayList<>();
    private NetInterface[] interfaceArray = new NetInterface[0];
    private final EthernetHeader ethernet = new EthernetHeader();
    private final Ipv4Header ip = new Ipv4Header();
    /**
     * Where a chained datagram is gathered when its path needs it in one piece ({@link #inputChain}). Off-heap,
     * allocated once, when first needed.
     */
    private ByteBuffer gathered;
    private final SoftwareGro gro = new SoftwareGro(counters, false);
    /** Between {@link #burstStart} and {@link #burstEnd}: only then are received buffers kept for GRO to hold. */
    private boolean inBurst;
    private int nextIdentification;
    /**
     * The last unicast destination datagrams were sent to (0: none), classified once rather than at every step of
     * every send (the MTU, the broadcast tests, the local-address test, the route), as Linux keeps a socket's route
     * (sk_dst_cache): its interface, next hop, and whether it is one of the stack's own addresses. Valid while the
     * route table's generation is {@link #cachedGeneration}; an interface's IPv4 address never changes once added,
     * and adding an interface adds its route. The next hop's MAC is not kept: ARP is asked for every datagram, so a
     * changed or expired neighbour entry is seen at once.
     */
    private int cachedDestination;
    private NetInterface cachedNif;
    private int cachedNextHop;
    private boolean cachedLocal;
    /** The last source address found to be neither broadcast nor multicast (0: none), under the same generation. */
    private int checkedSource;
    /** The last received source address found not to be a broadcast (0: none), under the same generation. */
    private int checkedPeer;
    /** The route table's generation the cached classifications were made under. */
    private int cachedGeneration;

    /**
     * Datagrams to the stack's own addresses (interface -1: received on the interface of their destination) and
     * multicast copies looped back to its members (received on the interface they were sent from).
     */
    private final LoopbackQueue loopback;
    private final LoopbackQueue.Receiver loopbackReceiver = this::receiveLooped;

    public Ipv4Layer(final PacketPool pool, final TimerQueue timers, final StackTime time, final IpConfig config,
        final long seed)
    {
        this.pool = pool;
        this.memory = pool.memory();
        this.timers = timers;
        this.time = time;
        this.config = config;
        this.icmp = new Icmp(this, counters, config, time);
        this.reassembler = new Reassembler(config.reassembly(), counters, this, timers);
        this.loopback = new LoopbackQueue(pool, config.loopbackQueue());
        // RFC 6864 asks only that IDs not repeat too soon for a source/destination pair; a random start keeps two
        // stacks started together from using the same sequence.
        this.nextIdentification = (int)(seed ^ (seed >>> 32)) & 0xFFFF;
        protocols[Ipv4Header.PROTOCOL_ICMP] = icmp;
        this.igmp = new Igmp(this, timers, time, counters, seed);
        protocols[Ipv4Header.PROTOCOL_IGMP] = igmp;
    }

    /** Registers the handler of a transport protocol (TCP, UDP). */
    public void register(final int protocol, final Ipv4Protocol handler)
    {
        protocols[protocol] = handler;
        // Derived from the table, so a handler registered again (or for two numbers) hears of each burst once.
        burstTransports = Arrays.stream(protocols).filter(Objects::nonNull).filter(Ipv4Protocol::hearsBursts)
            .distinct().toArray(Ipv4Protocol[]::new);
    }

    /**
     * Adds an interface and its connected route (and a default route when it has a gateway); announces its
     * address with a gratuitous ARP. An address of 0 (with prefix length and gateway 0) adds an interface without
     * IPv4 ({@link NetInterface#hasIpv4()}): no route, no ARP; IPv6 addresses enable it.
     */
    public NetInterface addInterface(final String name, final Link link, final int address, final int prefixLength,
        final int gateway)
    {
        if (link.pool() != pool)
        {
            throw new IllegalArgumentException("interface " + name + ": its link uses another packet pool");
        }
        for (final NetInterface other : interfaces)
        {
            if (other.name().equals(name))
            {
                throw new IllegalArgumentException("interface " + name + " exists already");
            }
            if (address != 0 && other.address() == address)
            {
                throw new IllegalArgumentException("interface " + name + ": address " + Ipv4Address.toString(address)
                    + " is already " + other.name() + "'s");
            }
        }
        final NetInterface nif = new NetInterface(interfaces.size(), name, link, address, prefixLength, gateway,
            config.burstSize(), config.arp(), counters, this);
        interfaces.add(nif);
        interfaceArray = interfaces.toArray(new NetInterface[0]);
        igmp.addInterface(nif);
        if (!nif.hasIpv4())
        {
            return nif;
        }
        routes.add(address, prefixLength, nif, 0);
        if (gateway != 0)
        {
            routes.add(0, 0, nif, gateway);
        }
        nif.arp.start(timers, time.nanos());
        return nif;
    }

    /** Adds a route: {@code network/prefixLength} through {@code nif}, via {@code gateway} (0: on the link). */
    public void addRoute(final int network, final int prefixLength, final NetInterface nif, final int gateway)
    {
        if (!nif.hasIpv4())
        {
            throw new IllegalArgumentException("route " + Ipv4Address.toString(network) + "/" + prefixLength
                + ": interface " + nif.name() + " has no IPv4 address");
        }
        routes.add(network, prefixLength, nif, gateway);
    }

    /**
     * Whether what {@link #classify}, {@link #send} and {@link #admit} remembered still holds: the routes have not
     * changed since. Forgets it when they have.
     */
    private boolean cacheValid()
    {
        final int generation = routes.generation();
        if (generation == cachedGeneration)
        {
            return true;
        }
        cachedGeneration = generation;
        cachedDestination = 0;
        cachedNif = null;
        checkedSource = 0;
        checkedPeer = 0;
        return false;
    }

    /**
     * Makes the destination cache hold {@code destination} when it is a unicast address with a route (or one of the
     * stack's own addresses).
     *
     * @return whether it does
     */
    private boolean classify(final int destination)
    {
        if (destination == cachedDestination && cacheValid() && destination != 0)
        {
            return true;
        }
        if (destination == 0 || Ipv4Address.isMulticast(destination) || isBroadcast(destination))
        {
            return false;
        }
        cacheValid(); // what is remembered next is under the routes as they are now
        final NetInterface local = localInterface(destination);
        if (local != null)
        {
            cachedNif = local;
            cachedNextHop = destination;
            cachedLocal = true;
        }
        else
        {
            final int route = routes.lookup(destination);
            if (route < 0)
            {
                return false;
            }
            cachedNif = routes.nif(route);
            cachedNextHop = routes.nextHop(route, destination);
            cachedLocal = false;
        }
        cachedDestination = destination;
        return true;
    }

    public List<NetInterface> interfaces()
    {
        return Collections.unmodifiableList(interfaces);
    }

    public IpCounters counters()
    {
        return counters;
    }

    Icmp icmp()
    {
        return icmp;
    }

    Igmp igmp()
    {
        return igmp;
    }

    Ipv4Protocol protocol(final int protocol)
    {
        return protocols[protocol];
    }

    @Override
    public PacketPool pool()
    {
        return pool;
    }

    @Override
    public boolean isLocalAddress(final int address)
    {
        // An IPv6-only interface's address is 0, which is no one's.
        if (address == 0)
        {
            return false;
        }
        for (final NetInterface nif : interfaceArray)
        {
            if (nif.address() == address)
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean isBroadcast(final int address)
    {
        if (address == Ipv4Address.BROADCAST)
        {
            return true;
        }
        if (address != 0 && (address == cachedDestination || address == checkedSource || address == checkedPeer)
            && cacheValid())
        {
            return false; // classified or checked already, under the routes as they are
        }
        for (final NetInterface nif : interfaceArray)
        {
            if (nif.isBroadcast(address))
            {
                return true;
            }
        }
        return false;
    }

    /** Whether a route leads to {@code destination} (its own addresses included). */
    public boolean hasRoute(final int destination)
    {
        return isLocalAddress(destination) || routes.lookup(destination) >= 0;
    }

    @Override
    public int sourceAddress(final int destination)
    {
        if (isLocalAddress(destination))
        {
            return destination;
        }
        final int route = lookup(destination);
        return route < 0 ? 0 : routes.nif(route).address();
    }

    @Override
    public int pathMtu(final int destination)
    {
        if (classify(destination))
        {
            return cachedNif.mtu();
        }
        final NetInterface local = localInterface(destination);
        if (local != null)
        {
            return local.mtu();
        }
        final int route = lookup(destination);
        return route < 0 ? 0 : routes.nif(route).mtu();
    }

    @Override
    public int segmentationLimit(final int destination)
    {
        if (localInterface(destination) != null)
        {
            return 0;
        }
        final int route = lookup(destination);
        if (route < 0)
        {
            return 0;
        }
        final NetInterface nif = routes.nif(route);
        final int limit = nif.segmentationLimit(false);
        if (limit == 0 || nif.isBroadcast(destination) || Ipv4Address.isMulticast(destination)
            || nif.arp.resolved(routes.nextHop(route, destination)) < 0)
        {
            return 0;
        }
        return limit;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Receive

    /** A burst of received frames begins: the transports hear of it, so that they may answer it as a whole. */
    void burstStart()
    {
        inBurst = true;
        for (final Ipv4Protocol t : burstTransports)
        {
            t.burstStart();
        }
    }

    /** The burst ends: software GRO sends up what it held, then the transports send what they held back. */
    void burstEnd()
    {
        flushGro();
        inBurst = false;
        for (final Ipv4Protocol t : burstTransports)
        {
            t.burstEnd();
        }
    }

    private void flushGro()
    {
        if (gro.isHolding())
        {
            gro.flush();
        }
    }

    /**
     * Handles one IPv4 datagram received in one buffer of the current burst on {@code nif}: as {@link #input}, but
     * a unicast TCP segment may first go to software GRO ({@link SoftwareGro}) when the interface has it on, to be
     * coalesced with the segments of its flow that follow it in the burst. Its buffer stays in the burst until the
     * burst ends, which is as long as GRO may hold it.
     */
    void inputFromBurst(final NetInterface nif, final ByteBuffer memory, final int offset, final int available,
        final int flags, final long now)
    {
        if (!admit(nif, memory, offset, available, flags))
        {
            return;
        }
        if (ip.protocol() == Ipv4Header.PROTOCOL_TCP)
        {
            final Ipv4Protocol tcp = protocols[Ipv4Header.PROTOCOL_TCP];
            if (nif.gro() && inBurst && tcp != null && ip.headerLength() == Ipv4Header.MIN_LENGTH && !ip.isFragment()
                && isLocalAddress(ip.destination()))
            {
                if (gro.offer(memory, ip, offset, flags, tcp))
                {
                    return;
                }
                // GRO may have sent up what the flow held, and the sending that caused may have moved the header.
                ip.wrap(memory, offset, available);
            }
            else
            {
                // Whatever GRO holds goes up first, so that no TCP segment overtakes one held before it.
                flushGro();
                ip.wrap(memory, offset, available);
            }
        }
        deliverAdmitted(nif, memory, offset, available, flags, now);
    }

    /**
     * Handles one received IPv4 datagram (RFC 791 section 3.2, RFC 1122 section 3.2.1); its memory stays the
     * caller's.
     *
     * @param available the bytes from the IP header to the end of the frame (Ethernet padding included)
     * @param flags     the link's {@code PacketBurst.RX_*} flags for the frame
     */
    void input(final NetInterface nif, final ByteBuffer memory, final int offset, final int available,
        final int flags, final long now)
    {
        if (admit(nif, memory, offset, available, flags))
        {
            deliverAdmitted(nif, memory, offset, available, flags, now);
        }
    }

    /** Reassembles or delivers the datagram {@link #admit} let in, wrapped in {@link #ip}. */
    private void deliverAdmitted(final NetInterface nif, final ByteBuffer memory, final int offset,
        final int available, final int flags, final long now)
    {
        if (ip.isFragment())
        {
            reassembler.add(memory, offset, available, nif.index(), now);
            return;
        }
        deliver(ip.protocol(), memory, offset, ip.headerLength(), memory, ip.payloadOffset(), ip.payloadLength(),
            ip.source(), ip.destination(), ip.tos(), ip.ttl(), flags, nif.index(), now);
    }

    /**
     * Validates a received datagram's header, wrapped in {@link #ip} on return (RFC 791 section 3.2, RFC 1122
     * section 3.2.1), and decides whether it is for the stack; counts it, and why it is dropped.
     *
     * @param available the bytes from the IP header to the end of the frame (Ethernet padding included)
     */
    private boolean admit(final NetInterface nif, final ByteBuffer memory, final int offset, final int available,
        final int flags)
    {
        counters.ipInReceives++;
        ip.wrap(memory, offset, available);
        final int result = ip.validate((flags & PacketBurst.RX_L3_CHECKSUM_OK) == 0);
        if (result != Ipv4Header.VALID)
        {
            countInvalid(result);
            return false;
        }
        // No test of the TTL: RFC 791's "destroy at zero" is for forwarding, and RFC 1122 section 3.2.1.7 says a host
        // MUST NOT discard a datagram addressed to it just because its TTL is below 2.
        final int source = ip.source();
        if (isBroadcast(source))
        {
            // RFC 1122 3.2.1.3: a subnet's broadcast address is no host's, and a datagram from it is discarded. The
            // header's own validation knows the limited broadcast, multicast and loopback; only IPv4 knows subnets.
            counters.ipInBadSource++;
            return false;
        }
        if (source != checkedPeer && cacheValid())
        {
            checkedPeer = source; // the next datagram from the same peer skips the walk
        }
        return acceptsDestination(nif, ip.destination());
    }

    /**
     * Handles one received IPv4 datagram that arrived as a chain of buffers (a super-frame, see
     * {@link PacketBurst}), in place: the header is validated in the chain's first buffer and a unicast datagram
     * goes to its transport's {@link Ipv4Protocol#receiveChain}, which copies what it keeps straight out of the
     * chain (TCP into its socket's ring, UDP into its sockets' queues). The paths that need the datagram in one
     * piece gather the chain into contiguous memory first, and count it ({@link IpCounters#superFramesGathered}): a
     * fragment (reassembly copies from one piece), multicast delivery, a transport that asks for it (ICMP, IGMP; UDP
     * for a broadcast), and a header that crosses a buffer boundary, which no link builds.
     *
     * @param ipFrameOffset where the IP header starts in the frame (after the link header, in the first buffer)
     * @param flags         the link's {@code PacketBurst.RX_*} flags for the frame
     */
    void inputChain(final NetInterface nif, final FrameChain chain, final int ipFrameOffset, final int flags,
        final long now)
    {
        // No super-frame overtakes a segment GRO holds.
        flushGro();
        final int available = chain.length() - ipFrameOffset;
        final int base = chain.firstOffset() + ipFrameOffset;
        final int inFirst = chain.firstLength() - ipFrameOffset;
        if (inFirst < Ipv4Header.MIN_LENGTH || inFirst < (memory.get(base) & 0x0F) * 4)
        {
            input(nif, gather(chain), ipFrameOffset, available, flags, now);
            return;
        }
        if (!admit(nif, memory, base, available, flags))
        {
            return;
        }
        final int protocol = ip.protocol();
        final int destination = ip.destination();
        final Ipv4Protocol handler = protocols[protocol];
        final int headerLength = ip.headerLength();
        if (handler != null && !ip.isFragment() && !Ipv4Address.isMulticast(destination))
        {
            final int source = ip.source();
            final int payloadLength = ip.payloadLength();
            final int unreachable = handler.receiveChain(chain, ipFrameOffset + headerLength, memory,
                base + headerLength, payloadLength, source, destination, ip.tos(), ip.ttl(), flags);
            if (unreachable != Ipv4Protocol.CONTIGUOUS)
            {
                counters.ipInDelivers++;
                if (unreachable != Ipv4Protocol.CONSUMED && isLocalAddress(destination))
                {
                    // The error quotes the start of the payload (RFC 1122 section 3.2.2), which the first buffer
                    // holds.
                    icmp.sendError(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, unreachable, 0, memory, base,
                        headerLength, memory, base + headerLength, Math.min(payloadLength, inFirst - headerLength),
                        now);
                }
                return;
            }
        }
        final ByteBuffer whole = gather(chain);
        ip.wrap(whole, ipFrameOffset, available);
        if (ip.isFragment())
        {
            reassembler.add(whole, ipFrameOffset, available, nif.index(), now);
            return;
        }
        deliver(protocol, whole, ipFrameOffset, headerLength, whole, ip.payloadOffset(), ip.payloadLength(),
            ip.source(), destination, ip.tos(), ip.ttl(), flags, nif.index(), now);
    }

    /**
     * Copies a chained frame into the gathering memory, which it returns; counted. The memory is the layer's, valid
     * until the next gather: whoever takes a datagram from it copies what it keeps.
     */
    ByteBuffer gather(final FrameChain chain)
    {
        if (gathered == null)
        {
            gathered = ByteBuffer.allocateDirect(PacketBurst.MAX_FRAME_LENGTH);
        }
        counters.superFramesGathered++;
        chain.copyOut(0, gathered, 0, chain.length());
        return gathered;
    }

    /**
     * Delivers a whole datagram (one frame's, or a reassembled one) to its transport, and answers it with an ICMP
     * destination unreachable when no transport (protocol unreachable) or no socket of it (the transport's verdict:
     * port unreachable, RFC 1122 section 4.1.3.1) wants it. The error is rate-limited, and never sent about a
     * datagram to a broadcast or multicast address (RFC 1122 section 3.2.2).
     *
     * @param headerMemory  where the datagram's IP header is, to be quoted in an error
     * @param payloadMemory where its payload is (the same memory for a single frame; reassembly memory otherwise)
     * @param interfaceIndex the interface it arrived on
     */
    void deliver(final int protocol, final ByteBuffer headerMemory, final int headerOffset, final int headerLength,
        final ByteBuffer payloadMemory, final int payloadOffset, final int payloadLength, final int source,
        final int destination, final int tos, final int ttl, final int flags, final int interfaceIndex,
        final long now)
    {
        final Ipv4Protocol handler = protocols[protocol];
        if (Ipv4Address.isMulticast(destination) && handler != null)
        {
            // The interface's merged source filter (RFC 3376 section 3.2) applies to data, not to IGMP itself.
            if (protocol != Ipv4Header.PROTOCOL_IGMP && !igmp.allows(interfaceIndex, destination, source))
            {
                counters.ipInMulticastFiltered++;
                return;
            }
            counters.ipInDelivers++;
            handler.receiveMulticast(payloadMemory, payloadOffset, payloadLength, source, destination, tos, ttl,
                flags, interfaceIndex);
            return;
        }
        final int unreachable;
        if (handler == null)
        {
            counters.ipInUnknownProtocols++;
            unreachable = IcmpHeader.CODE_PROTOCOL_UNREACHABLE;
        }
        else
        {
            counters.ipInDelivers++;
            unreachable = handler.receive(payloadMemory, payloadOffset, payloadLength, source, destination, tos, ttl,
                flags);
        }
        if (unreachable != Ipv4Protocol.CONSUMED && isLocalAddress(destination))
        {
            icmp.sendError(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, unreachable, 0, headerMemory, headerOffset,
                headerLength, payloadMemory, payloadOffset, payloadLength, now);
        }
    }

    /**
     * Whether a datagram that arrived on {@code nif} is for the stack: a broadcast there, a group joined there (or
     * all-systems), or any of its addresses.
     */
    private boolean acceptsDestination(final NetInterface nif, final int destination)
    {
        if (Ipv4Address.isMulticast(destination))
        {
            if (igmp.isMember(nif.index(), destination))
            {
                return true;
            }
            counters.ipInMulticastNotJoined++;
            return false;
        }
        if (destination == nif.address() || nif.isBroadcast(destination) || isLocalAddress(destination))
        {
            return true;
        }
        counters.ipInAddrErrors++;
        return false;
    }

    private void countInvalid(final int result)
    {
        switch (result)
        {
            case Ipv4Header.TOO_SHORT -> counters.ipInTooShort++;
            case Ipv4Header.BAD_VERSION -> counters.ipInBadVersion++;
            case Ipv4Header.BAD_HEADER_LENGTH -> counters.ipInBadHeaderLength++;
            case Ipv4Header.BAD_TOTAL_LENGTH -> counters.ipInBadTotalLength++;
            case Ipv4Header.BAD_CHECKSUM -> counters.ipInBadChecksum++;
            case Ipv4Header.RESERVED_FLAG -> counters.ipInReservedFlag++;
            case Ipv4Header.BAD_SOURCE -> counters.ipInBadSource++;
            default -> throw new IllegalStateException("validation result " + result);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Send

    @Override
    public int send(final int buffer, final int l4Length, final int source, final int destination,
        final int protocol, final int tos, final int ttl, final boolean dontFragment)
    {
        return send(buffer, l4Length, source, destination, protocol, tos, ttl, dontFragment, -1);
    }

    @Override
    public int sendPartial(final int buffer, final int l4Length, final int source, final int destination,
        final int protocol, final int tos, final int ttl, final boolean dontFragment, final int checksumAt)
    {
        return send(buffer, l4Length, source, destination, protocol, tos, ttl, dontFragment, checksumAt);
    }

    /** {@link #send}, and with {@code checksumAt} at least 0 {@link #sendPartial}. */
    private int send(final int buffer, final int l4Length, final int source, final int destination,
        final int protocol, final int tos, final int ttl, final boolean dontFragment, final int checksumAt)
    {
        counters.ipOutRequests++;
        if (source != checkedSource || !cacheValid() || source == 0)
        {
            if (isBroadcastOrMulticast(source))
            {
                // RFC 1122 3.2.1.3: a broadcast or multicast address is never a datagram's source.
                pool.free(buffer);
                counters.ipOutBadSource++;
                return -Errno.EINVAL;
            }
            checkedSource = source;
        }
        final NetInterface nif;
        final int nextHop;
        final NetInterface local;
        final boolean unicast = classify(destination);
        if (unicast)
        {
            nif = cachedNif;
            nextHop = cachedNextHop;
            local = cachedLocal ? nif : null;
        }
        else if ((local = localInterface(destination)) != null)
        {
            nif = local;
            nextHop = destination;
        }
        else
        {
            final int route = lookup(destination);
            if (route < 0)
            {
                pool.free(buffer);
                counters.ipOutNoRoutes++;
                return -Errno.ENETUNREACH;
            }
            nif = routes.nif(route);
            nextHop = routes.nextHop(route, destination);
        }
        final int totalLength = Ipv4Header.MIN_LENGTH + l4Length;
        if (totalLength > nif.mtu())
        {
            if (dontFragment)
            {
                pool.free(buffer);
                counters.ipFragFails++;
                return -Errno.EMSGSIZE;
            }
            if (checksumAt >= 0)
            {
                Ipv4Output.completeChecksum(memory, pool.offset(buffer) + L4_OFFSET, l4Length, protocol,
                    checksumAt);
            }
            final int result = fragment(memory, pool.offset(buffer) + L4_OFFSET, l4Length, source, destination,
                protocol, tos, ttl, nif, nextHop, false);
            pool.free(buffer);
            return result;
        }
        final int txFlags = checksumAt < 0 || local != null ? 0 : l4ChecksumOffload(nif, destination, unicast)
            ? PacketBurst.TX_L4_CHECKSUM : complete(buffer, l4Length, protocol, checksumAt);
        final int base = pool.offset(buffer);
        ip.wrap(memory, base + EthernetHeader.LENGTH, totalLength)
            .write(tos, totalLength, nextIdentification(), dontFragment ? Ipv4Header.FLAG_DONT_FRAGMENT : 0, ttl,
                protocol, source, destination);
        if (!unicast)
        {
            return transmit(nif, nextHop, destination, buffer, EthernetHeader.LENGTH + totalLength, false, txFlags);
        }
        // A classified unicast destination: what transmit() would find again (local, or a neighbour's through ARP).
        if (local != null)
        {
            return loopback(buffer, EthernetHeader.LENGTH + totalLength, -1);
        }
        nif.arp.output(nextHop, buffer, EthernetHeader.LENGTH + totalLength, txFlags, time.nanos());
        return 0;
    }

    /**
     * Whether the link completes a partial checksum of a datagram to {@code destination} on {@code nif}: it has
     * the capability (asked each time: a link may lose it), and the frame goes to one neighbour (a broadcast or
     * group's frame is completed here, as its looped-back copies need it whole).
     */
    private static boolean l4ChecksumOffload(final NetInterface nif, final int destination, final boolean unicast)
    {
        return (nif.linkCapabilities() & LinkCapabilities.TX_L4_CHECKSUM) != 0 && (unicast
            || !nif.isBroadcast(destination) && !Ipv4Address.isMulticast(destination));
    }

    /** Completes a partial checksum in software ({@link Ipv4Output#completeChecksum}); no transmit flags left. */
    private int complete(final int buffer, final int l4Length, final int protocol, final int checksumAt)
    {
        Ipv4Output.completeChecksum(memory, pool.offset(buffer) + L4_OFFSET, l4Length, protocol, checksumAt);
        return 0;
    }

    @Override
    public int sendChain(final BufferChain chain, final int l4Length, final int source, final int destination,
        final int tos, final int ttl, final int segmentSize)
    {
        counters.ipOutRequests++;
        final int route = localInterface(destination) != null ? -1 : lookup(destination);
        if (route < 0)
        {
            chain.free(pool);
            counters.ipOutNoRoutes++;
            return -Errno.ENETUNREACH;
        }
        final NetInterface nif = routes.nif(route);
        final int nextHop = routes.nextHop(route, destination);
        final int totalLength = Ipv4Header.MIN_LENGTH + l4Length;
        final long mac = nif.arp.macFor(nextHop, time.nanos());
        if (totalLength > nif.segmentationLimit(false) || mac < 0 || isBroadcastOrMulticast(source))
        {
            // The link lost the capability, the neighbour is being resolved again, or a caller's mistake: the
            // super-segment is lost as a dropped datagram would be, and the transport learns to send segments.
            chain.free(pool);
            counters.ipOutSuperSegmentFails++;
            return -Errno.EMSGSIZE;
        }
        final int base = pool.offset(chain.buffer(0));
        // RFC 791: the total length covers the whole chain; DF is set and the datagram is never fragmented (the
        // link cuts it into segments, each with this header and its own total length, as Linux's TSO does).
        ip.wrap(memory, base + EthernetHeader.LENGTH, Ipv4Header.MIN_LENGTH)
            .write(tos, totalLength, nextIdentification(), Ipv4Header.FLAG_DONT_FRAGMENT, ttl,
                Ipv4Header.PROTOCOL_TCP, source, destination);
        ethernet.wrap(memory, base, EthernetHeader.LENGTH).write(mac, nif.mac(), EthernetHeader.TYPE_IPV4);
        counters.ipOutSuperSegments++;
        return nif.enqueueChain(chain, PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4,
            segmentSize));
    }

    @Override
    public int sendFromMemory(final ByteBuffer source, final int l4Offset, final int l4Length, final int from,
        final int destination, final int protocol, final int tos, final int ttl)
    {
        if (l4Length + Ipv4Header.MIN_LENGTH > Ipv4Header.MAX_DATAGRAM)
        {
            return -Errno.EMSGSIZE;
        }
        final int mtu = pathMtu(destination);
        if (mtu == 0)
        {
            counters.ipOutRequests++;
            counters.ipOutNoRoutes++;
            return -Errno.ENETUNREACH;
        }
        if (Ipv4Header.MIN_LENGTH + l4Length <= mtu)
        {
            final int buffer = pool.allocate();
            if (buffer == PacketPool.NO_BUFFER)
            {
                counters.ipOutDiscards++;
                return -Errno.ENOBUFS;
            }
            memory.put(pool.offset(buffer) + L4_OFFSET, source, l4Offset, l4Length);
            return send(buffer, l4Length, from, destination, protocol, tos, ttl, false);
        }
        counters.ipOutRequests++;
        if (isBroadcastOrMulticast(from))
        {
            counters.ipOutBadSource++;
            return -Errno.EINVAL;
        }
        final NetInterface nif;
        final int nextHop;
        final NetInterface local = localInterface(destination);
        if (local != null)
        {
            nif = local;
            nextHop = destination;
        }
        else
        {
            final int route = lookup(destination);
            nif = routes.nif(route);
            nextHop = routes.nextHop(route, destination);
        }
        return fragment(source, l4Offset, l4Length, from, destination, protocol, tos, ttl, nif, nextHop, false);
    }

    @Override
    public int interfaceIndexOf(final int address)
    {
        final NetInterface nif = localInterface(address);
        return nif == null ? -1 : nif.index();
    }

    @Override
    public int interfaceAddress(final int index)
    {
        return index >= 0 && index < interfaceArray.length ? interfaceArray[index].address() : 0;
    }

    @Override
    public int defaultMulticastInterface(final int group)
    {
        final int route = routes.lookup(group);
        if (route >= 0)
        {
            return routes.nif(route).index();
        }
        final NetInterface first = firstIpv4Interface();
        return first == null ? -1 : first.index();
    }

    @Override
    public int multicastListen(final MulticastMembership membership, final boolean exclude, final int[] sources)
    {
        return igmp.listen(membership, exclude, sources);
    }

    @Override
    public int sendMulticast(final ByteBuffer source, final int l4Offset, final int l4Length, final int from,
        final int group, final int protocol, final int tos, final int ttl, final int interfaceIndex,
        final boolean loop)
    {
        counters.ipOutRequests++;
        if (interfaceIndex < 0 || interfaceIndex >= interfaceArray.length)
        {
            counters.ipOutNoRoutes++;
            return -Errno.ENETUNREACH;
        }
        if (isBroadcastOrMulticast(from))
        {
            counters.ipOutBadSource++;
            return -Errno.EINVAL;
        }
        if (l4Length + Ipv4Header.MIN_LENGTH > Ipv4Header.MAX_DATAGRAM)
        {
            return -Errno.EMSGSIZE;
        }
        final NetInterface nif = interfaceArray[interfaceIndex];
        if (!nif.hasIpv4())
        {
            counters.ipOutNoRoutes++;
            return -Errno.ENETUNREACH;
        }
        // Linux loops a copy back only when the host is a member of the group there (ip_mc_output).
        final boolean copy = loop && igmp.isMember(interfaceIndex, group);
        counters.ipOutMulticast++;
        final int totalLength = Ipv4Header.MIN_LENGTH + l4Length;
        if (totalLength > nif.mtu())
        {
            return fragment(source, l4Offset, l4Length, from, group, protocol, tos, ttl, nif, group, copy);
        }
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.ipOutDiscards++;
            return -Errno.ENOBUFS;
        }
        final int base = pool.offset(buffer);
        memory.put(base + L4_OFFSET, source, l4Offset, l4Length);
        ip.wrap(memory, base + EthernetHeader.LENGTH, totalLength)
            .write(tos, totalLength, nextIdentification(), 0, ttl, protocol, from, group);
        return transmit(nif, group, group, buffer, EthernetHeader.LENGTH + totalLength, copy);
    }

    /** Splits a datagram into fragments of at most the interface's MTU (RFC 791 section 3.2, "Fragmentation"). */
    private int fragment(final ByteBuffer source, final int l4Offset, final int l4Length, final int from,
        final int destination, final int protocol, final int tos, final int ttl, final NetInterface nif,
        final int nextHop, final boolean loopMulticast)
    {
        // Every fragment but the last carries a multiple of 8 bytes.
        final int maxData = (nif.mtu() - Ipv4Header.MIN_LENGTH) & ~7;
        final int identification = nextIdentification();
        int sent = 0;
        for (int offset = 0; offset < l4Length; offset += maxData)
        {
            final int chunk = Math.min(maxData, l4Length - offset);
            final boolean more = offset + chunk < l4Length;
            final int buffer = pool.allocate();
            if (buffer == PacketPool.NO_BUFFER)
            {
                counters.ipFragFails++;
                counters.ipOutDiscards++;
                return -Errno.ENOBUFS;
            }
            final int base = pool.offset(buffer);
            memory.put(base + L4_OFFSET, source, l4Offset + offset, chunk);
            final int totalLength = Ipv4Header.MIN_LENGTH + chunk;
            ip.wrap(memory, base + EthernetHeader.LENGTH, totalLength)
                .write(tos, totalLength, identification, (more ? Ipv4Header.FLAG_MORE_FRAGMENTS : 0) | (offset >>> 3),
                    ttl, protocol, from, destination);
            transmit(nif, nextHop, destination, buffer, EthernetHeader.LENGTH + totalLength, loopMulticast);
            sent++;
        }
        counters.ipFragOks++;
        counters.ipFragCreates += sent;
        return 0;
    }

    /**
     * Puts a complete IPv4 frame on its way: locally, as a broadcast, to a group (and a copy to the stack's own
     * members with {@code loopMulticast}), or to the next hop's MAC through ARP.
     */
    private int transmit(final NetInterface nif, final int nextHop, final int destination, final int buffer,
        final int frameLength, final boolean loopMulticast)
    {
        return transmit(nif, nextHop, destination, buffer, frameLength, loopMulticast, 0);
    }

    /** {@link #transmit}, the frame to a neighbour carrying the link's {@code txFlags}. */
    private int transmit(final NetInterface nif, final int nextHop, final int destination, final int buffer,
        final int frameLength, final boolean loopMulticast, final int txFlags)
    {
        if (isLocalAddress(destination))
        {
            return loopback(buffer, frameLength, -1);
        }
        final int base = pool.offset(buffer);
        if (nif.isBroadcast(destination))
        {
            ethernet.wrap(memory, base, frameLength).destination(MacAddress.BROADCAST).source(nif.mac())
                .type(EthernetHeader.TYPE_IPV4);
            nif.enqueue(buffer, frameLength, 0);
        }
        else if (Ipv4Address.isMulticast(destination))
        {
            // RFC 1112 section 6.4: 01:00:5e and the low 23 bits of the group address.
            ethernet.wrap(memory, base, frameLength).destination(MulticastMacFilter.groupMac(destination))
                .source(nif.mac()).type(EthernetHeader.TYPE_IPV4);
            if (loopMulticast && loopback.offerCopy(buffer, frameLength, nif.index()))
            {
                counters.ipOutMulticastLoopback++;
                counters.ipOutLoopback++;
            }
            else if (loopMulticast)
            {
                counters.ipOutDiscards++;
            }
            nif.enqueue(buffer, frameLength, 0);
        }
        else
        {
            nif.arp.output(nextHop, buffer, frameLength, txFlags, time.nanos());
        }
        return 0;
    }

    private int loopback(final int buffer, final int frameLength, final int interfaceIndex)
    {
        if (!loopback.offer(buffer, frameLength, interfaceIndex))
        {
            counters.ipOutDiscards++;
            return -Errno.ENOBUFS;
        }
        counters.ipOutLoopback++;
        return 0;
    }

    /**
     * Delivers datagrams sent to the stack's own addresses. What their delivery sends in turn (an ACK between two
     * local TCP sockets) is delivered too, up to a bound, so that one call cannot be held forever.
     *
     * @return whether datagrams are still waiting
     */
    public boolean deliverLoopback(final long now)
    {
        return loopback.deliver(loopbackReceiver, now);
    }

    private void receiveLooped(final int buffer, final int frameLength, final int interfaceIndex, final long now)
    {
        final int base = pool.offset(buffer);
        ip.wrap(memory, base + EthernetHeader.LENGTH, frameLength - EthernetHeader.LENGTH);
        final NetInterface nif = interfaceIndex >= 0 ? interfaceArray[interfaceIndex]
            : localInterface(ip.destination());
        if (nif != null)
        {
            input(nif, memory, base + EthernetHeader.LENGTH, frameLength - EthernetHeader.LENGTH, LOOPBACK_FLAGS,
                now);
        }
    }

    /**
     * Makes every interface transmit on the queue that serves receive queue {@code rxQueue} (modulo its link's
     * transmit queues), or on {@link NetInterface#APPLICATION_TX_QUEUE}, until set again.
     */
    public void transmitQueue(final int rxQueue)
    {
        for (final NetInterface nif : interfaceArray)
        {
            nif.transmitQueue(rxQueue);
        }
    }

    /** Hands every interface's queued frames to its link. */
    public void flushTransmit()
    {
        for (final NetInterface nif : interfaceArray)
        {
            nif.flush();
        }
    }

    /** Whether frames wait in a transmit burst (a link's ring was full) or in the loopback queue. */
    public boolean hasPendingWork()
    {
        if (!loopback.isEmpty())
        {
            return true;
        }
        for (final NetInterface nif : interfaceArray)
        {
            if (nif.hasPendingTransmit())
            {
                return true;
            }
        }
        return false;
    }

    /** Returns every buffer the layer holds to the pool. */
    public void release()
    {
        loopback.release();
        for (final NetInterface nif : interfaceArray)
        {
            nif.release();
        }
    }

    /** The number of datagrams being reassembled. */
    public int reassembliesInProgress()
    {
        return reassembler.inProgress();
    }

    /** The route to {@code destination}, choosing for the limited broadcast the first interface. */
    private int lookup(final int destination)
    {
        if (destination == Ipv4Address.BROADCAST)
        {
            final NetInterface first = firstIpv4Interface();
            return first == null ? -1 : routes.lookup(first.address());
        }
        return routes.lookup(destination);
    }

    private NetInterface localInterface(final int address)
    {
        if (address == 0)
        {
            return null;
        }
        for (final NetInterface nif : interfaceArray)
        {
            if (nif.address() == address)
            {
                return nif;
            }
        }
        return null;
    }

    /** The first interface with an IPv4 address, or null. */
    private NetInterface firstIpv4Interface()
    {
        for (final NetInterface nif : interfaceArray)
        {
            if (nif.hasIpv4())
            {
                return nif;
            }
        }
        return null;
    }

    int nextIdentification()
    {
        final int id = nextIdentification;
        nextIdentification = (id + 1) & 0xFFFF;
        return id;
    }

    @Override
    public int defaultTtl()
    {
        return config.defaultTtl();
    }

    /** The routes, one per line, for logs. */
    public String describeRoutes()
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < routes.size(); i++)
        {
            sb.append(routes.describe(i)).append('\n');
        }
        return sb.toString();
    }
}
