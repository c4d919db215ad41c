package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.MacAddress;

/**
 * IPv6 for the transports above it and the interfaces below, beside {@link Ipv4Layer}: receive (validation with a
 * counter per reason, the extension header walk, reassembly, delivery to the {@link Ipv6Protocol} registered for
 * the next header, ICMPv6 errors for what none of them wants), send ({@link Ipv6Output}: source selection, routes,
 * path MTU, fragmentation, neighbour discovery), delivery to the stack's own addresses through a bounded loopback
 * queue, and the IPv6 side of each interface ({@link Ipv6Interface}).
 *
 * <p>IPv6 is enabled on an interface by giving it an address; its link-local address comes first (RFC 4291 section
 * 2.1: every interface has one). The stack is a host (RFC 8200 section 1: it forwards nothing) and, as for IPv4,
 * accepts a packet for any of its addresses on any interface.
 *
 * <p>Link-local addresses are scoped (RFC 4007): above this layer they carry the index + 1 of the interface whose
 * link they are on ({@link Ipv6Address#withScope}). A received packet's link-local source and destination are given
 * to the transports scoped to the interface it arrived on; a packet sent to a scoped link-local destination leaves
 * by the interface the scope names, from that interface's addresses, whatever the route table says; an unscoped
 * one follows the routes (fe80::/64 of the first interface with IPv6, as Linux's route lookup picks without an
 * output device). Headers and checksums always carry the wire form.
 *
 * <p>Not thread safe: driven by the one thread that holds the stack.
 */
public final class Ipv6Layer implements Ipv6MulticastOutput
{
    private static final int LOOPBACK_FLAGS = PacketBurst.RX_L3_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_OK;

    private final PacketPool pool;
    private final ByteBuffer memory;
    private final TimerQueue timers;
    private final StackTime time;
    private final IpCounters counters;
    private final Ipv6Config config;
    private final long seed;
    private final Ipv6Protocol[] protocols = new Ipv6Protocol[256];
    private final Icmpv6 icmp;
    private final PathMtuCache pathMtus;
    private final Ipv6Reassembler reassembler;
    private final Ipv6Routes routes = new Ipv6Routes();
    private final Ipv6ExtensionHeaders headers;
    private final List<Ipv6Interface> interfaceList = new ArrayList<>();
    private Ipv6Interface[] interfaces = new Ipv6Interface[0];
    /** The IPv6 side of each stack interface by its index (a scope less one); null where IPv6 is off. */
    private Ipv6Interface[] byIndex = new Ipv6Interface[0];
    /** The interface the last {@link #resolve} chose, and the next hop there (wire form). */
    private NetInterface resolvedNif;
    private long nextHopHi;
    private long nextHopLo;
    private final Ipv6Header ip = new Ipv6Header();
    private final SoftwareGro gro;
    /** Whether a receive burst is being processed (software GRO holds segments only within one). */
    private boolean inBurst;
    private final EthernetHeader ethernet = new EthernetHeader();
    private long selectedHi;
    private long selectedLo;
    /** The fragment identification: a counter run through a keyed permutation, so IDs are not predictable from one
     * another (RFC 7739 section 5.1). */
    private int fragmentCounter;
    private final int fragmentKey;

    /** Packets to the stack's own addresses, each with the interface it is received on. */
    private final LoopbackQueue loopback;
    private final LoopbackQueue.Receiver loopbackReceiver = this::receiveLooped;

    public Ipv6Layer(final PacketPool pool, final TimerQueue timers, final StackTime time, final IpConfig ipConfig,
        final Ipv6Config config, final IpCounters counters, final long seed)
    {
        this.pool = pool;
        this.memory = pool.memory();
        this.timers = timers;
        this.time = time;
        this.config = config;
        this.counters = counters;
        this.seed = seed;
        this.pathMtus = new PathMtuCache(config.pathMtuEntries(), config.pathMtuAgeNanos(), counters);
        this.icmp = new Icmpv6(this, counters, ipConfig, pathMtus);
        this.reassembler = new Ipv6Reassembler(config.reassembly(), counters, this, timers);
        this.headers = new Ipv6ExtensionHeaders(counters);
        this.gro = new SoftwareGro(counters, true);
        this.loopback = new LoopbackQueue(pool, ipConfig.loopbackQueue());
        this.fragmentKey = (int)(seed * 0x9E3779B97F4A7C15L >>> 32) | 1;
        this.fragmentCounter = (int)seed;
    }

    /** Registers the transport that receives packets whose upper-layer header is {@code nextHeader} (6, 17). */
    public void register(final int nextHeader, final Ipv6Protocol handler)
    {
        if (nextHeader == Ipv6Header.NEXT_ICMPV6 || nextHeader == Ipv6Header.NEXT_HOP_BY_HOP
            || nextHeader == Ipv6Header.NEXT_ROUTING || nextHeader == Ipv6Header.NEXT_FRAGMENT
            || nextHeader == Ipv6Header.NEXT_DESTINATION_OPTIONS || nextHeader == Ipv6Header.NEXT_NONE)
        {
            throw new IllegalArgumentException("next header " + nextHeader + " belongs to IPv6 itself");
        }
        protocols[nextHeader] = handler;
    }

    /**
     * Gives an interface an IPv6 address, enabling IPv6 on it with the first one. An interface without a link-local
     * address gets the one derived from its MAC (modified EUI-64, RFC 4291 appendix A; RFC 4862 section 5.3) before
     * its first other address. The address's prefix becomes an on-link route. Unless DAD is disabled the address is
     * tentative for a second (RFC 4862 section 5.4).
     */
    public void addAddress(final NetInterface nif, final long hi, final long lo, final int prefixLength)
    {
        if (nif.pool() != pool)
        {
            throw new IllegalArgumentException("interface " + nif.name() + ": its link uses another packet pool");
        }
        if (prefixLength < 1 || prefixLength > 128)
        {
            throw new IllegalArgumentException("interface " + nif.name() + ": IPv6 prefix length must be 1..128: "
                + prefixLength);
        }
        if (Ipv6Address.isUnspecified(hi, lo) || Ipv6Address.isLoopback(hi, lo) || Ipv6Address.isMulticast(hi)
            || Ipv6Address.isV4Mapped(hi, lo) || Ipv6Address.isLinkLocal(hi) && !Ipv6Address.isWellFormedLinkLocal(hi))
        {
            throw new IllegalArgumentException("interface " + nif.name() + ": " + Ipv6Address.toString(hi, lo)
                + " cannot be a host address");
        }
        for (final Ipv6Interface other : interfaces)
        {
            // A link-local address is unique on its link only (RFC 4291 section 2.5.6): two interfaces may have
            // the same one, as they do when their MACs are the same.
            if (other.nif != nif && !Ipv6Address.isLinkLocal(hi) && other.find(hi, lo) >= 0)
            {
                throw new IllegalArgumentException("interface " + nif.name() + ": " + Ipv6Address.toString(hi, lo)
                    + " is already " + other.nif.name() + "'s");
            }
        }
        final long now = time.nanos();
        Ipv6Interface v6 = nif.ipv6;
        if (v6 == null)
        {
            if (nif.index() >= Ipv6Address.MAX_SCOPE)
            {
                // Its scope would not fit a link-local address's second word (Ipv6Address.withScope).
                throw new IllegalArgumentException("interface " + nif.name() + ": IPv6 on at most "
                    + (Ipv6Address.MAX_SCOPE - 1) + " interfaces");
            }
            v6 = new Ipv6Interface(nif, config, counters, timers, seed ^ nif.index());
            nif.enableIpv6(this, v6);
            interfaceList.add(v6);
            interfaces = interfaceList.toArray(new Ipv6Interface[0]);
            if (byIndex.length <= nif.index())
            {
                byIndex = java.util.Arrays.copyOf(byIndex, nif.index() + 1);
            }
            byIndex[nif.index()] = v6;
            routes.add(Ipv6Address.LINK_LOCAL_HI, 0, 64, nif, 0, 0);
            if (!Ipv6Address.isLinkLocal(hi))
            {
                v6.add(Ipv6Address.LINK_LOCAL_HI, Ipv6Address.eui64(nif.mac()), 64, now);
            }
        }
        v6.add(hi, lo, prefixLength, now);
        if (!Ipv6Address.isLinkLocal(hi) && !routes.contains(hi, lo, prefixLength, nif))
        {
            routes.add(hi, lo, prefixLength, nif, 0, 0);
        }
    }

    /** Adds a route: {@code network/prefixLength} through an interface, via a gateway (:: when on the link). */
    public void addRoute(final long networkHi, final long networkLo, final int prefixLength, final NetInterface nif,
        final long gatewayHi, final long gatewayLo)
    {
        if (nif.ipv6 == null)
        {
            throw new IllegalArgumentException("route " + Ipv6Address.toString(networkHi, networkLo) + "/"
                + prefixLength + ": interface " + nif.name() + " has no IPv6 address");
        }
        routes.add(networkHi, networkLo, prefixLength, nif, gatewayHi, gatewayLo);
    }

    public IpCounters counters()
    {
        return counters;
    }

    Icmpv6 icmp()
    {
        return icmp;
    }

    Ipv6Protocol protocol(final int nextHeader)
    {
        return protocols[nextHeader];
    }

    @Override
    public PacketPool pool()
    {
        return pool;
    }

    @Override
    public int defaultHopLimit()
    {
        return config.hopLimit();
    }

    @Override
    public boolean isLocalAddress(final long hi, final long lo)
    {
        return localInterface(hi, lo) != null;
    }

    /**
     * The interface a scope names ({@link Ipv6Address#scope}), or null when it names none with IPv6.
     */
    private Ipv6Interface byScope(final int scope)
    {
        return scope > 0 && scope <= byIndex.length ? byIndex[scope - 1] : null;
    }

    /** The scope of the stack interface {@code nif} for the link-local addresses on its link. */
    static int scopeOf(final NetInterface nif)
    {
        return nif.index() + 1;
    }

    /**
     * The state of one of the stack's addresses: 1 tentative, 2 preferred, 3 duplicate (RFC 4862 section 5.4), or
     * 0 when it is not one of them.
     */
    public int addressState(final long hi, final long lo)
    {
        final int scope = Ipv6Address.scope(hi);
        if (scope != 0)
        {
            final Ipv6Interface v6 = byScope(scope);
            return v6 == null ? 0 : v6.state(Ipv6Address.withoutScope(hi), lo);
        }
        for (final Ipv6Interface v6 : interfaces)
        {
            final int state = v6.state(hi, lo);
            if (state != 0)
            {
                return state;
            }
        }
        return 0;
    }

    /** The addresses of an interface, as text with their prefix length, for logs and diagnostics. */
    public List<String> describeAddresses(final NetInterface nif)
    {
        final List<String> result = new ArrayList<>();
        final Ipv6Interface v6 = nif.ipv6;
        for (int i = 0; v6 != null && i < v6.count(); i++)
        {
            result.add(Ipv6Address.toString(v6.hi(i), v6.lo(i)) + "/" + v6.prefixLength(i));
        }
        return result;
    }

    /** The MAC the interface's neighbour cache holds for an address, or -1. */
    public long neighbor(final NetInterface nif, final long hi, final long lo)
    {
        return nif.ipv6 == null ? -1 : nif.ipv6.ndp.lookup(hi, lo);
    }

    /** The number of neighbours an interface's cache holds (resolved or being resolved). */
    public int neighborCount(final NetInterface nif)
    {
        return nif.ipv6 == null ? 0 : nif.ipv6.ndp.size();
    }

    /** The neighbour cache state of an address on an interface (0 none, 1 INCOMPLETE ... 5 PROBE). */
    public int neighborState(final NetInterface nif, final long hi, final long lo)
    {
        return nif.ipv6 == null ? 0 : nif.ipv6.ndp.state(hi, lo);
    }

    @Override
    public boolean selectSource(final long destinationHi, final long destinationLo)
    {
        if (isLocalAddress(destinationHi, destinationLo))
        {
            selectedHi = destinationHi;
            selectedLo = destinationLo;
            return true;
        }
        final Ipv6Interface v6 = outputInterface(destinationHi, destinationLo);
        if (v6 == null)
        {
            return false;
        }
        final int slot = v6.preferredSource(Ipv6Address.withoutScope(destinationHi), destinationLo);
        if (slot < 0)
        {
            return false;
        }
        // A link-local source is on the link of the interface it leaves by: scoped to it.
        selectedHi = Ipv6Address.withScope(v6.hi(slot), scopeOf(v6.nif));
        selectedLo = v6.lo(slot);
        return true;
    }

    @Override
    public long sourceHi()
    {
        return selectedHi;
    }

    @Override
    public long sourceLo()
    {
        return selectedLo;
    }

    @Override
    public int pathMtu(final long destinationHi, final long destinationLo)
    {
        final int linkMtu = linkMtu(destinationHi, destinationLo);
        if (linkMtu == 0)
        {
            return 0;
        }
        // Packet-too-big messages name the wire form; a link-local destination's path is its link anyway.
        return pathMtus.mtu(Ipv6Address.withoutScope(destinationHi), destinationLo, linkMtu, time.nanos());
    }

    @Override
    public int segmentationLimit(final long destinationHi, final long destinationLo)
    {
        if (Ipv6Address.isMulticast(destinationHi) || localInterface(destinationHi, destinationLo) != null
            || !resolve(destinationHi, destinationLo))
        {
            return 0;
        }
        final NetInterface nif = resolvedNif;
        final int limit = nif.segmentationLimit(true);
        if (limit == 0 || nif.ipv6.ndp.lookup(nextHopHi, nextHopLo) < 0)
        {
            return 0;
        }
        return limit;
    }

    @Override
    public void confirmReachable(final long destinationHi, final long destinationLo)
    {
        if (!Ipv6Address.isMulticast(destinationHi) && localInterface(destinationHi, destinationLo) == null
            && resolve(destinationHi, destinationLo))
        {
            resolvedNif.ipv6.ndp.confirm(nextHopHi, nextHopLo, time.nanos());
        }
    }

    /** The MTU of the interface a destination is reached through, or 0 when there is no route. */
    int linkMtu(final long destinationHi, final long destinationLo)
    {
        final Ipv6Interface local = localInterface(destinationHi, destinationLo);
        if (local != null)
        {
            return local.routers.mtu();
        }
        final Ipv6Interface v6 = outputInterface(destinationHi, destinationLo);
        return v6 == null ? 0 : v6.routers.mtu();
    }

    /** The interface a packet to a (non-local) destination leaves by; multicast leaves by the first. */
    private Ipv6Interface outputInterface(final long destinationHi, final long destinationLo)
    {
        if (Ipv6Address.isMulticast(destinationHi))
        {
            return interfaces.length > 0 ? interfaces[0] : null;
        }
        return resolve(destinationHi, destinationLo) ? resolvedNif.ipv6 : null;
    }

    /**
     * Finds the interface a unicast packet to {@code destination} leaves by and its next hop, in
     * {@link #resolvedNif}, {@link #nextHopHi} and {@link #nextHopLo}: for a scoped link-local destination the
     * interface its scope names, the destination itself the next hop (RFC 4007 section 9: a scoped address is
     * reached on its zone, whatever the routes); otherwise the longest matching route, through its gateway if it
     * has one.
     *
     * @return false when no interface leads there
     */
    private boolean resolve(final long destinationHi, final long destinationLo)
    {
        final int scope = Ipv6Address.scope(destinationHi);
        if (scope != 0)
        {
            final Ipv6Interface v6 = byScope(scope);
            if (v6 == null)
            {
                return false;
            }
            resolvedNif = v6.nif;
            nextHopHi = Ipv6Address.withoutScope(destinationHi);
            nextHopLo = destinationLo;
            return true;
        }
        final int route = routes.lookup(destinationHi, destinationLo);
        if (route < 0 || routes.prefixLength(route) == 0)
        {
            // Not covered by a route more specific than ::/0: what router advertisements taught comes in.
            if (resolveLearnt(destinationHi, destinationLo, route >= 0))
            {
                return true;
            }
            if (route < 0)
            {
                return false;
            }
        }
        resolvedNif = routes.nif(route);
        final boolean viaGateway = routes.hasGateway(route);
        nextHopHi = viaGateway ? routes.gatewayHi(route) : destinationHi;
        nextHopLo = viaGateway ? routes.gatewayLo(route) : destinationLo;
        return true;
    }

    /**
     * A destination the routes do not cover but with ::/0: on a prefix a router advertised on-link (the longest
     * one), else, without a configured default route, through the first live default router learnt (RFC 4861
     * section 6.3.6's next-hop determination, with the configuration first).
     */
    private boolean resolveLearnt(final long destinationHi, final long destinationLo, final boolean configuredDefault)
    {
        final long now = time.nanos();
        Ipv6Interface onLink = null;
        int longest = -1;
        for (final Ipv6Interface v6 : interfaces)
        {
            final int length = v6.routers.onLink(destinationHi, destinationLo, now);
            if (length > longest)
            {
                longest = length;
                onLink = v6;
            }
        }
        if (onLink != null)
        {
            resolvedNif = onLink.nif;
            nextHopHi = destinationHi;
            nextHopLo = destinationLo;
            return true;
        }
        if (configuredDefault)
        {
            return false;
        }
        for (final Ipv6Interface v6 : interfaces)
        {
            final int router = v6.routers.defaultRouter(now);
            if (router >= 0)
            {
                resolvedNif = v6.nif;
                nextHopHi = v6.routers.routerHi(router);
                nextHopLo = v6.routers.routerLo(router);
                return true;
            }
        }
        return false;
    }

    /**
     * Turns the taking of router advertisements on an interface on or off (Linux's accept_ra; on by default):
     * default routers, on-link prefixes and the MTU (RFC 4861 section 6.3.4).
     */
    public void acceptRouterAdvertisements(final NetInterface nif, final boolean accept)
    {
        if (nif.ipv6 == null)
        {
            throw new IllegalArgumentException("interface " + nif.name() + " has no IPv6 address");
        }
        nif.ipv6.routers.accept = accept;
    }

    /** Whether an interface takes router advertisements ({@link #acceptRouterAdvertisements}). */
    public boolean acceptsRouterAdvertisements(final NetInterface nif)
    {
        return nif.ipv6 != null && nif.ipv6.routers.accept;
    }

    /** The live default routers router advertisements taught an interface. */
    public int defaultRouterCount(final NetInterface nif)
    {
        return nif.ipv6 == null ? 0 : nif.ipv6.routers.routerCount(time.nanos());
    }

    /** The live on-link prefixes router advertisements taught an interface. */
    public int onLinkPrefixCount(final NetInterface nif)
    {
        return nif.ipv6 == null ? 0 : nif.ipv6.routers.prefixCount(time.nanos());
    }

    /**
     * The interface one of the stack's addresses is on, or null: a scoped link-local address is the stack's on the
     * interface its scope names only; an unscoped one on any.
     */
    private Ipv6Interface localInterface(final long hi, final long lo)
    {
        final int scope = Ipv6Address.scope(hi);
        if (scope != 0)
        {
            final Ipv6Interface v6 = byScope(scope);
            return v6 != null && v6.isLocal(Ipv6Address.withoutScope(hi), lo) ? v6 : null;
        }
        for (final Ipv6Interface v6 : interfaces)
        {
            if (v6.isLocal(hi, lo))
            {
                return v6;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Multicast (Ipv6MulticastOutput)

    @Override
    public int defaultMulticastInterface6(final long groupHi, final long groupLo)
    {
        final int route = routes.lookup(groupHi, groupLo);
        if (route >= 0 && routes.nif(route).ipv6 != null)
        {
            return routes.nif(route).index();
        }
        return interfaces.length > 0 ? interfaces[0].nif.index() : -1;
    }

    @Override
    public boolean selectMulticastSource(final int interfaceIndex, final long groupHi, final long groupLo)
    {
        final Ipv6Interface v6 = findInterface(interfaceIndex);
        final int slot = v6 == null ? -1 : v6.preferredSource(groupHi, groupLo);
        if (slot < 0)
        {
            return false;
        }
        selectedHi = v6.hi(slot);
        selectedLo = v6.lo(slot);
        return true;
    }

    @Override
    public int multicastListen6(final MulticastMembership membership, final boolean exclude, final long[] sources)
    {
        final Ipv6Interface v6 = findInterface(membership.interfaceIndex());
        if (v6 == null)
        {
            return -Errno.ENODEV;
        }
        return v6.mld.listen6(membership, exclude, sources, time.nanos());
    }

    @Override
    public int sendMulticast6(final ByteBuffer source, final int l4Offset, final int l4Length, final long sourceHi,
        final long sourceLo, final long groupHi, final long groupLo, final int nextHeader, final int trafficClass,
        final int hopLimit, final int interfaceIndex, final boolean loop)
    {
        counters.ip6OutRequests++;
        final Ipv6Interface v6 = findInterface(interfaceIndex);
        if (v6 == null || !Ipv6Address.isMulticast(groupHi))
        {
            counters.ip6OutNoRoutes++;
            return -Errno.ENETUNREACH;
        }
        if (Ipv6Address.isMulticast(sourceHi) || Ipv6Address.isUnspecified(sourceHi, sourceLo))
        {
            counters.ip6OutBadSource++;
            return -Errno.EINVAL;
        }
        if (l4Length > Ipv6Header.MAX_PAYLOAD)
        {
            return -Errno.EMSGSIZE;
        }
        // Linux loops a copy back only when the host listens to the group there (ip6_mc_output, ipv6_chk_mcast_addr).
        final boolean copy = loop && v6.isMember(groupHi, groupLo);
        counters.ip6OutMulticast++;
        final int mtu = v6.routers.mtu();
        if (Ipv6Header.LENGTH + l4Length > mtu)
        {
            return fragment(source, l4Offset, l4Length, sourceHi, sourceLo, groupHi, groupLo, nextHeader,
                trafficClass, hopLimit, mtu, v6, copy);
        }
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            counters.ip6OutDiscards++;
            return -Errno.ENOBUFS;
        }
        final int base = pool.offset(buffer);
        memory.put(base + L4_OFFSET, source, l4Offset, l4Length);
        ip.wrap(memory, base + EthernetHeader.LENGTH, Ipv6Header.LENGTH + l4Length).write(trafficClass, 0, l4Length,
            nextHeader, hopLimit, Ipv6Address.withoutScope(sourceHi), sourceLo, groupHi, groupLo);
        return transmitMulticast(v6, groupLo, buffer, L4_OFFSET + l4Length, copy, hopLimit > 0);
    }

    /** The number of packets being reassembled. */
    public int reassembliesInProgress()
    {
        return reassembler.inProgress();
    }

    /** The destinations with a path MTU learnt from packet-too-big messages. */
    public int pathMtuEntries()
    {
        return pathMtus.size();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Receive

    /** A burst of received frames begins: software GRO may hold TCP segments until it ends. */
    void burstStart()
    {
        inBurst = true;
    }

    /** The burst ends: software GRO sends up what it held (before the transports hear of the end, from IPv4). */
    void burstEnd()
    {
        flushGro();
        inBurst = false;
    }

    private void flushGro()
    {
        if (gro.isHolding())
        {
            gro.flush();
        }
    }

    /**
     * Handles one IPv6 packet received in one buffer of the current burst on {@code nif}: as {@link #input}, but a
     * unicast TCP segment right after the fixed header may first go to software GRO ({@link SoftwareGro}) when the
     * interface has it on, as {@link Ipv4Layer#inputFromBurst} offers IPv4 ones. Its buffer stays in the burst until
     * the burst ends, which is as long as GRO may hold it.
     */
    void inputFromBurst(final NetInterface nif, final ByteBuffer memory, final int offset, final int available,
        final int flags, final long sourceMac, final boolean linkMulticast, final long now)
    {
        final Ipv6Protocol tcp = protocols[Ipv6Header.NEXT_TCP];
        if (nif.gro() && inBurst && tcp != null && available >= Ipv6Header.LENGTH
            && (memory.get(offset + Ipv6Header.NEXT_HEADER) & 0xFF) == Ipv6Header.NEXT_TCP)
        {
            ip.wrap(memory, offset, available);
            if (ip.validate() == Ipv6Header.VALID && unicastToUs(nif))
            {
                counters.ip6InReceives++;
                final int length = Ipv6Header.LENGTH + ip.payloadLength();
                if (gro.offer6(memory, ip, offset, flags, tcp, scopeOf(nif)))
                {
                    return;
                }
                // Not held: GRO sent up what its flow held first; it goes up now, as IPv6 delivers it.
                process(nif.ipv6, memory, offset, length, flags, sourceMac, linkMulticast, false, now);
                return;
            }
        }
        else
        {
            // Whatever GRO holds goes up first, so that no TCP segment overtakes one held before it.
            flushGro();
        }
        input(nif, memory, offset, available, flags, sourceMac, linkMulticast, now);
    }

    /**
     * Handles one received IPv6 packet (RFC 8200); its memory stays the caller's.
     *
     * @param available the bytes from the IPv6 header to the end of the frame (Ethernet padding included)
     * @param sourceMac the frame's Ethernet source (neighbour discovery checks it against DAD's own echoes)
     * @param linkMulticast whether the frame was sent to a multicast or broadcast MAC
     */
    void input(final NetInterface nif, final ByteBuffer memory, final int offset, final int available,
        final int flags, final long sourceMac, final boolean linkMulticast, final long now)
    {
        counters.ip6InReceives++;
        ip.wrap(memory, offset, available);
        final int result = ip.validate();
        if (result != Ipv6Header.VALID)
        {
            countInvalid(result);
            return;
        }
        final long destinationHi = ip.destinationHi();
        final long destinationLo = ip.destinationLo();
        final long sourceHi = ip.sourceHi();
        if (Ipv6Address.isLinkLocal(sourceHi) && !Ipv6Address.isWellFormedLinkLocal(sourceHi))
        {
            // Outside fe80::/64 (RFC 4291 section 2.5.6): bits the stack could not tell from a scope.
            counters.ip6InBadSource++;
            return;
        }
        final boolean multicast = Ipv6Address.isMulticast(destinationHi);
        // A link-local destination is ours only on the link it arrived on: scoped to this interface.
        final long localHi = Ipv6Address.withScope(destinationHi, scopeOf(nif));
        if (multicast)
        {
            if (!nif.ipv6.isMember(destinationHi, destinationLo))
            {
                counters.ip6InMulticastNotJoined++;
                return;
            }
        }
        else if (Ipv6Address.isLinkLocal(destinationHi) && !Ipv6Address.isWellFormedLinkLocal(destinationHi))
        {
            counters.ip6InAddrErrors++;
            return;
        }
        else if (!isLocalAddress(localHi, destinationLo))
        {
            if (addressState(localHi, destinationLo) != 0)
            {
                counters.ip6InTentative++;
            }
            else
            {
                counters.ip6InAddrErrors++;
            }
            return;
        }
        process(nif.ipv6, memory, offset, Ipv6Header.LENGTH + ip.payloadLength(), flags, sourceMac, linkMulticast,
            false, now);
    }

    /**
     * Handles one received IPv6 packet that arrived as a chain of buffers (a super-frame, see {@link PacketBurst}),
     * in place when it can, as {@link Ipv4Layer#inputChain} does: a valid unicast packet to one of our addresses
     * whose fixed header lies in the chain's first buffer and is followed by the transport header (a GSO_TCPV6
     * super-frame's shape) goes to its transport's {@link Ipv6Protocol#receiveChain6}, which copies what it keeps
     * straight out of the chain. Anything else (extension headers, ICMPv6, multicast, an invalid header, a transport
     * that asks for one piece) is left to the caller, which gathers the chain and calls {@link #input}: nothing is
     * counted here then, so the gathered copy is counted once, with its reason.
     *
     * @param ipFrameOffset where the IPv6 header starts in the frame (after the link header, in the first buffer)
     * @return whether the packet was taken
     */
    boolean inputChain(final NetInterface nif, final FrameChain chain, final int ipFrameOffset, final int flags,
        final boolean linkMulticast, final long now)
    {
        // No super-frame overtakes a segment GRO holds (nor does the gathered copy the caller makes of a refused one).
        flushGro();
        final int base = chain.firstOffset() + ipFrameOffset;
        final int inFirst = chain.firstLength() - ipFrameOffset;
        if (inFirst < Ipv6Header.LENGTH)
        {
            return false;
        }
        ip.wrap(memory, base, chain.length() - ipFrameOffset);
        if (ip.validate() != Ipv6Header.VALID)
        {
            return false;
        }
        final int nextHeader = ip.nextHeader();
        final Ipv6Protocol handler = protocols[nextHeader];
        if (handler == null || !unicastToUs(nif))
        {
            return false;
        }
        final int length = ip.payloadLength();
        final int trafficClass = ip.trafficClass();
        final int hopLimit = ip.hopLimit();
        // The transports see link-local addresses scoped to the interface the packet arrived on, as in process.
        final int scope = scopeOf(nif);
        final int verdict = handler.receiveChain6(chain, ipFrameOffset + Ipv6Header.LENGTH, memory,
            base + Ipv6Header.LENGTH, length, Ipv6Address.withScope(ip.sourceHi(), scope), ip.sourceLo(),
            Ipv6Address.withScope(ip.destinationHi(), scope), ip.destinationLo(), trafficClass, hopLimit, flags);
        if (verdict == Ipv6Protocol.CONTIGUOUS)
        {
            return false;
        }
        counters.ip6InReceives++;
        counters.ip6InDelivers++;
        if (verdict != Ipv6Protocol.CONSUMED)
        {
            // The error quotes the start of the packet, which the first buffer holds.
            icmp.sendError(Icmpv6Header.TYPE_DESTINATION_UNREACHABLE, verdict, 0, memory, base,
                Math.min(Ipv6Header.LENGTH + length, inFirst), nextHeader, base + Ipv6Header.LENGTH, linkMulticast,
                scope, now);
        }
        return true;
    }

    /**
     * Whether the wrapped, valid packet is a unicast one to one of our addresses on {@code nif}, its link-local
     * addresses well formed: what {@link #input} accepts for unicast, checked without counting, so that the fast
     * paths (a chain in place, software GRO) leave anything else to {@link #input}, which counts why it drops.
     */
    private boolean unicastToUs(final NetInterface nif)
    {
        final long sourceHi = ip.sourceHi();
        final long destinationHi = ip.destinationHi();
        return !(Ipv6Address.isLinkLocal(sourceHi) && !Ipv6Address.isWellFormedLinkLocal(sourceHi))
            && !Ipv6Address.isMulticast(destinationHi)
            && !(Ipv6Address.isLinkLocal(destinationHi) && !Ipv6Address.isWellFormedLinkLocal(destinationHi))
            && isLocalAddress(Ipv6Address.withScope(destinationHi, scopeOf(nif)), ip.destinationLo());
    }

    /** Processes a reassembled packet, held contiguously from its IPv6 header. */
    void processReassembled(final ByteBuffer packet, final int offset, final int length, final int interfaceIndex,
        final long now)
    {
        process(interfaceAt(interfaceIndex), packet, offset, length, 0, MacAddress.ZERO, false, true, now);
    }

    private Ipv6Interface interfaceAt(final int interfaceIndex)
    {
        final Ipv6Interface v6 = findInterface(interfaceIndex);
        return v6 != null ? v6 : interfaces[0];
    }

    /** The IPv6 side of the interface at a stack index, or null when it has no IPv6. */
    private Ipv6Interface findInterface(final int interfaceIndex)
    {
        return byScope(interfaceIndex + 1);
    }

    /** Walks the extension headers and delivers, reassembles, or answers with a parameter problem. */
    private void process(final Ipv6Interface v6, final ByteBuffer packet, final int offset, final int length,
        final int flags, final long sourceMac, final boolean linkMulticast, final boolean reassembled,
        final long now)
    {
        ip.wrap(packet, offset, length);
        final long sourceHi = ip.sourceHi();
        final long sourceLo = ip.sourceLo();
        final long destinationHi = ip.destinationHi();
        final long destinationLo = ip.destinationLo();
        final int trafficClass = ip.trafficClass();
        final int hopLimit = ip.hopLimit();
        final boolean multicast = Ipv6Address.isMulticast(destinationHi);
        final int end = offset + length;
        int start = offset + Ipv6Header.LENGTH;
        int nextHeader = ip.nextHeader();
        int field = offset + Ipv6Header.NEXT_HEADER;
        while (true)
        {
            final int verdict = headers.walk(packet, offset, start, end, nextHeader, field, multicast);
            if (verdict == Ipv6ExtensionHeaders.UPPER_LAYER)
            {
                break;
            }
            if (verdict == Ipv6ExtensionHeaders.PARAMETER_PROBLEM)
            {
                icmp.sendError(Icmpv6Header.TYPE_PARAMETER_PROBLEM, headers.problemCode(), headers.problemPointer(),
                    packet, offset, length, -1, -1, linkMulticast, scopeOf(v6.nif), now);
                return;
            }
            if (verdict == Ipv6ExtensionHeaders.DROP)
            {
                return;
            }
            final int fragment = headers.offset();
            if ((packet.getShort(fragment + 2) & 0xFFF9) == 0)
            {
                // An atomic fragment (offset 0, M clear): processed on its own, never with other fragments of the
                // same identification (RFC 6946 section 4; RFC 8021 deprecates sending them, not receiving).
                counters.ip6InAtomicFragments++;
                field = fragment;
                nextHeader = packet.get(fragment) & 0xFF;
                start = fragment + 8;
                continue;
            }
            if (reassembled)
            {
                counters.ip6ReasmBadChain++;
                return;
            }
            if (reassembler.add(packet, offset, fragment, headers.nextHeaderField(), end, v6.nif.index(), now)
                == Ipv6Reassembler.PARAMETER_PROBLEM)
            {
                icmp.sendError(Icmpv6Header.TYPE_PARAMETER_PROBLEM, reassembler.problemCode(),
                    reassembler.problemPointer(), packet, offset, length, -1, -1, linkMulticast, scopeOf(v6.nif), now);
            }
            return;
        }
        final int upper = headers.offset();
        final int upperLength = end - upper;
        nextHeader = headers.nextHeader();
        if (nextHeader == Ipv6Header.NEXT_ICMPV6)
        {
            counters.ip6InDelivers++;
            icmp.input(v6, packet, upper, upperLength, sourceHi, sourceLo, destinationHi, destinationLo, trafficClass,
                hopLimit, sourceMac, now);
            return;
        }
        final Ipv6Protocol handler = protocols[nextHeader];
        if (multicast && handler != null)
        {
            // The interface's merged source filter (RFC 3810 section 4.2) applies to data; all-nodes has none.
            if (!(destinationHi == Ipv6Address.ALL_NODES_HI && destinationLo == Ipv6Address.ALL_NODES_LO)
                && !v6.mld.allows(destinationHi, destinationLo, sourceHi, sourceLo))
            {
                counters.ip6InMulticastFiltered++;
                return;
            }
            counters.ip6InDelivers++;
            // As for unicast, a link-local source is given to the transport scoped to the arrival interface.
            handler.receiveMulticast6(packet, upper, upperLength, Ipv6Address.withScope(sourceHi, scopeOf(v6.nif)),
                sourceLo, destinationHi, destinationLo, trafficClass, hopLimit, reassembled ? 0 : flags,
                v6.nif.index());
            return;
        }
        if (handler == null)
        {
            // RFC 8200 section 4: an unrecognised next header is answered with a parameter problem, code 1,
            // pointing at the field that names it.
            counters.ip6InUnknownProtocols++;
            icmp.sendError(Icmpv6Header.TYPE_PARAMETER_PROBLEM, Icmpv6Header.CODE_UNRECOGNIZED_NEXT_HEADER,
                headers.nextHeaderField() - offset, packet, offset, length, nextHeader, upper, linkMulticast, scopeOf(v6.nif), now);
            return;
        }
        counters.ip6InDelivers++;
        // The transports see link-local addresses scoped to the interface the packet arrived on.
        final int scope = scopeOf(v6.nif);
        final int unreachable = handler.receive6(packet, upper, upperLength, Ipv6Address.withScope(sourceHi, scope),
            sourceLo, Ipv6Address.withScope(destinationHi, scope), destinationLo, trafficClass, hopLimit,
            reassembled ? 0 : flags);
        if (unreachable != Ipv6Protocol.CONSUMED)
        {
            icmp.sendError(Icmpv6Header.TYPE_DESTINATION_UNREACHABLE, unreachable, 0, packet, offset, length,
                nextHeader, upper, linkMulticast, scopeOf(v6.nif), now);
        }
    }

    private void countInvalid(final int result)
    {
        switch (result)
        {
            case Ipv6Header.TOO_SHORT -> counters.ip6InTooShort++;
            case Ipv6Header.BAD_VERSION -> counters.ip6InBadVersion++;
            case Ipv6Header.BAD_PAYLOAD_LENGTH -> counters.ip6InBadPayloadLength++;
            case Ipv6Header.BAD_SOURCE -> counters.ip6InBadSource++;
            default -> counters.ip6InBadDestination++;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Send

    @Override
    public int send(final int buffer, final int l4Length, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo, final int nextHeader, final int trafficClass,
        final int hopLimit)
    {
        return send(buffer, l4Length, sourceHi, sourceLo, destinationHi, destinationLo, nextHeader, trafficClass,
            hopLimit, -1);
    }

    @Override
    public int sendPartial(final int buffer, final int l4Length, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo, final int nextHeader, final int trafficClass,
        final int hopLimit, final int checksumAt)
    {
        return send(buffer, l4Length, sourceHi, sourceLo, destinationHi, destinationLo, nextHeader, trafficClass,
            hopLimit, checksumAt);
    }

    /** {@link #send}, and with {@code checksumAt} at least 0 {@link #sendPartial}. */
    private int send(final int buffer, final int l4Length, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo, final int nextHeader, final int trafficClass,
        final int hopLimit, final int checksumAt)
    {
        counters.ip6OutRequests++;
        if (Ipv6Address.isMulticast(sourceHi) || Ipv6Address.isUnspecified(sourceHi, sourceLo))
        {
            pool.free(buffer);
            counters.ip6OutBadSource++;
            return -Errno.EINVAL;
        }
        final int mtu = pathMtu(destinationHi, destinationLo);
        if (mtu == 0)
        {
            pool.free(buffer);
            counters.ip6OutNoRoutes++;
            return -Errno.ENETUNREACH;
        }
        if (Ipv6Header.LENGTH + l4Length > mtu)
        {
            if (checksumAt >= 0)
            {
                completeChecksum(buffer, l4Length, nextHeader, checksumAt);
            }
            final int result = fragment(memory, pool.offset(buffer) + L4_OFFSET, l4Length, sourceHi, sourceLo,
                destinationHi, destinationLo, nextHeader, trafficClass, hopLimit, mtu, null, false);
            pool.free(buffer);
            return result;
        }
        final int base = pool.offset(buffer);
        ip.wrap(memory, base + EthernetHeader.LENGTH, Ipv6Header.LENGTH + l4Length).write(trafficClass, 0, l4Length,
            nextHeader, hopLimit, Ipv6Address.withoutScope(sourceHi), sourceLo, Ipv6Address.withoutScope(destinationHi),
            destinationLo);
        return transmit(destinationHi, destinationLo, buffer, L4_OFFSET + l4Length, l4Length, nextHeader,
            checksumAt);
    }

    /** Completes a partial checksum in software ({@link Ipv4Output#completeChecksum}, which serves both families). */
    private void completeChecksum(final int buffer, final int l4Length, final int nextHeader, final int checksumAt)
    {
        Ipv4Output.completeChecksum(memory, pool.offset(buffer) + L4_OFFSET, l4Length, nextHeader, checksumAt);
    }

    @Override
    public int sendChain(final BufferChain chain, final int l4Length, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo, final int trafficClass, final int hopLimit,
        final int segmentSize)
    {
        counters.ip6OutRequests++;
        if (Ipv6Address.isMulticast(destinationHi) || localInterface(destinationHi, destinationLo) != null
            || !resolve(destinationHi, destinationLo))
        {
            chain.free(pool);
            counters.ip6OutNoRoutes++;
            return -Errno.ENETUNREACH;
        }
        final NetInterface nif = resolvedNif;
        final long mac = nif.ipv6.ndp.resolved(nextHopHi, nextHopLo, time.nanos());
        if (Ipv6Header.LENGTH + l4Length > nif.segmentationLimit(true) || mac < 0 || Ipv6Address.isMulticast(sourceHi)
            || Ipv6Address.isUnspecified(sourceHi, sourceLo))
        {
            // The link lost the capability, the neighbour is being resolved again, or a caller's mistake: lost as
            // a dropped packet would be, and the transport learns to send segments.
            chain.free(pool);
            counters.ip6OutSuperSegmentFails++;
            return -Errno.EMSGSIZE;
        }
        final int base = pool.offset(chain.buffer(0));
        // RFC 8200 section 3: the payload length covers the whole chain, and no fragment header goes in (section
        // 4.5 lets only the source fragment, and the link's segments each fit the path MTU, TCP's MSS being
        // derived from it); the link gives each segment this header with its own payload length
        // (tcp6_gso_segment() under ipv6_gso_segment()).
        ip.wrap(memory, base + EthernetHeader.LENGTH, Ipv6Header.LENGTH).write(trafficClass, 0, l4Length,
            Ipv6Header.NEXT_TCP, hopLimit, Ipv6Address.withoutScope(sourceHi), sourceLo,
            Ipv6Address.withoutScope(destinationHi), destinationLo);
        ethernet.wrap(memory, base, EthernetHeader.LENGTH).write(mac, nif.mac(), EthernetHeader.TYPE_IPV6);
        counters.ip6OutSuperSegments++;
        return nif.enqueueChain(chain, PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV6,
            segmentSize));
    }

    @Override
    public int sendFromMemory(final ByteBuffer source, final int l4Offset, final int l4Length, final long sourceHi,
        final long sourceLo, final long destinationHi, final long destinationLo, final int nextHeader,
        final int trafficClass, final int hopLimit)
    {
        if (l4Length > Ipv6Header.MAX_PAYLOAD)
        {
            return -Errno.EMSGSIZE;
        }
        final int mtu = pathMtu(destinationHi, destinationLo);
        if (mtu == 0)
        {
            counters.ip6OutRequests++;
            counters.ip6OutNoRoutes++;
            return -Errno.ENETUNREACH;
        }
        if (Ipv6Header.LENGTH + l4Length <= mtu)
        {
            final int buffer = pool.allocate();
            if (buffer == PacketPool.NO_BUFFER)
            {
                counters.ip6OutDiscards++;
                return -Errno.ENOBUFS;
            }
            memory.put(pool.offset(buffer) + L4_OFFSET, source, l4Offset, l4Length);
            return send(buffer, l4Length, sourceHi, sourceLo, destinationHi, destinationLo, nextHeader, trafficClass,
                hopLimit);
        }
        counters.ip6OutRequests++;
        if (Ipv6Address.isMulticast(sourceHi) || Ipv6Address.isUnspecified(sourceHi, sourceLo))
        {
            counters.ip6OutBadSource++;
            return -Errno.EINVAL;
        }
        return fragment(source, l4Offset, l4Length, sourceHi, sourceLo, destinationHi, destinationLo, nextHeader,
            trafficClass, hopLimit, mtu, null, false);
    }

    /**
     * Sends a packet as fragments of at most {@code mtu} bytes (RFC 8200 section 4.5): each the IPv6 header, a
     * fragment header naming the upper layer, and a multiple of 8 bytes of the payload but the last.
     *
     * @param via  the interface a multicast packet leaves by, or null for the route's
     * @param loop whether each multicast fragment is looped back to the stack's members too
     */
    private int fragment(final ByteBuffer source, final int l4Offset, final int l4Length, final long sourceHi,
        final long sourceLo, final long destinationHi, final long destinationLo, final int nextHeader,
        final int trafficClass, final int hopLimit, final int mtu, final Ipv6Interface via, final boolean loop)
    {
        final int maxData = (mtu - Ipv6Header.LENGTH - 8) & ~7;
        final int identification = nextFragmentId();
        int sent = 0;
        for (int offset = 0; offset < l4Length; offset += maxData)
        {
            final int chunk = Math.min(maxData, l4Length - offset);
            final boolean more = offset + chunk < l4Length;
            final int buffer = pool.allocate();
            if (buffer == PacketPool.NO_BUFFER)
            {
                counters.ip6FragFails++;
                counters.ip6OutDiscards++;
                return -Errno.ENOBUFS;
            }
            final int base = pool.offset(buffer);
            final int fragmentHeader = base + L4_OFFSET;
            memory.put(fragmentHeader, (byte)nextHeader);
            memory.put(fragmentHeader + 1, (byte)0);
            memory.putShort(fragmentHeader + 2, (short)(offset | (more ? 1 : 0)));
            memory.putInt(fragmentHeader + 4, identification);
            memory.put(fragmentHeader + 8, source, l4Offset + offset, chunk);
            ip.wrap(memory, base + EthernetHeader.LENGTH, Ipv6Header.LENGTH + 8 + chunk).write(trafficClass, 0,
                8 + chunk, Ipv6Header.NEXT_FRAGMENT, hopLimit, Ipv6Address.withoutScope(sourceHi), sourceLo,
                Ipv6Address.withoutScope(destinationHi), destinationLo);
            final int result = via != null
                ? transmitMulticast(via, destinationLo, buffer, L4_OFFSET + 8 + chunk, loop, hopLimit > 0)
                : transmit(destinationHi, destinationLo, buffer, L4_OFFSET + 8 + chunk);
            if (result < 0)
            {
                counters.ip6FragFails++;
                return result;
            }
            sent++;
        }
        counters.ip6FragOks++;
        counters.ip6FragCreates += sent;
        return 0;
    }

    private int nextFragmentId()
    {
        // A bijection of a counter under a key: IDs repeat only after 2^32 packets and do not reveal the count.
        int x = (fragmentCounter++) * fragmentKey;
        x ^= x >>> 16;
        x *= 0x45D9F3B;
        x ^= x >>> 16;
        return x;
    }

    /**
     * Puts a complete IPv6 frame on its way: locally, to a group's MAC (RFC 2464 section 7), or to the next hop
     * through neighbour discovery. Takes the buffer.
     */
    private int transmit(final long destinationHi, final long destinationLo, final int buffer, final int frameLength)
    {
        return transmit(destinationHi, destinationLo, buffer, frameLength, 0, 0, -1);
    }

    /**
     * {@link #transmit}, the packet's TCP or UDP checksum partial when {@code checksumAt} is at least 0
     * ({@link #sendPartial}): left for the link of one neighbour that completes it, left as it is for the stack's
     * own address (looped-back packets come marked verified), completed here otherwise.
     */
    private int transmit(final long destinationHi, final long destinationLo, final int buffer, final int frameLength,
        final int l4Length, final int nextHeader, final int checksumAt)
    {
        final Ipv6Interface local = localInterface(destinationHi, destinationLo);
        if (local != null)
        {
            return loopback(buffer, frameLength, local.nif.index());
        }
        if (Ipv6Address.isMulticast(destinationHi))
        {
            if (checksumAt >= 0)
            {
                // A group's frame is completed here: its looped-back copies need it whole.
                completeChecksum(buffer, l4Length, nextHeader, checksumAt);
            }
            final Ipv6Interface v6 = outputInterface(destinationHi, destinationLo);
            if (v6 == null)
            {
                pool.free(buffer);
                counters.ip6OutNoRoutes++;
                return -Errno.ENETUNREACH;
            }
            counters.ip6OutMulticast++;
            return transmitMulticast(v6, destinationLo, buffer, frameLength, false, true);
        }
        if (!resolve(destinationHi, destinationLo))
        {
            pool.free(buffer);
            counters.ip6OutNoRoutes++;
            return -Errno.ENETUNREACH;
        }
        int txFlags = 0;
        if (checksumAt >= 0)
        {
            // Asked each time: a link may lose the capability.
            if ((resolvedNif.linkCapabilities() & LinkCapabilities.TX_L4_CHECKSUM) != 0)
            {
                txFlags = PacketBurst.TX_L4_CHECKSUM;
            }
            else
            {
                completeChecksum(buffer, l4Length, nextHeader, checksumAt);
            }
        }
        resolvedNif.ipv6.ndp.output(nextHopHi, nextHopLo, buffer, frameLength, txFlags, time.nanos());
        return 0;
    }

    /**
     * Puts a frame to a group on an interface's link (RFC 2464 section 7: 33:33 and the group's low 32 bits), a copy
     * of it first on the loopback queue with {@code loop} (Linux's ip6_mc_output), and drops it rather than sending
     * it with {@code outward} false (hop limit 0: ip6_finish_output2). Takes the buffer.
     */
    private int transmitMulticast(final Ipv6Interface v6, final long groupLo, final int buffer, final int frameLength,
        final boolean loop, final boolean outward)
    {
        final int base = pool.offset(buffer);
        ethernet.wrap(memory, base, frameLength).destination(Ipv6Address.multicastMac(groupLo)).source(v6.nif.mac())
            .type(EthernetHeader.TYPE_IPV6);
        if (loop && loopback.offerCopy(buffer, frameLength, v6.nif.index()))
        {
            counters.ip6OutMulticastLoopback++;
            counters.ip6OutLoopback++;
        }
        else if (loop)
        {
            counters.ip6OutDiscards++;
        }
        if (!outward)
        {
            pool.free(buffer);
            return 0;
        }
        return v6.nif.enqueue(buffer, frameLength, 0) ? 0 : -Errno.ENOBUFS;
    }

    /** Queues a frame to be received on the interface at {@code interfaceIndex}; takes the buffer. */
    private int loopback(final int buffer, final int frameLength, final int interfaceIndex)
    {
        if (!loopback.offer(buffer, frameLength, interfaceIndex))
        {
            counters.ip6OutDiscards++;
            return -Errno.ENOBUFS;
        }
        counters.ip6OutLoopback++;
        return 0;
    }

    /**
     * Delivers packets sent to the stack's own addresses, and what their delivery sends in turn, up to a bound.
     *
     * @return whether packets are still waiting
     */
    public boolean deliverLoopback(final long now)
    {
        return loopback.deliver(loopbackReceiver, now);
    }

    /** Receives a looped-back packet on the interface it was queued for. */
    private void receiveLooped(final int buffer, final int frameLength, final int interfaceIndex, final long now)
    {
        final Ipv6Interface v6 = byScope(interfaceIndex + 1);
        if (v6 != null)
        {
            final int base = pool.offset(buffer);
            input(v6.nif, memory, base + EthernetHeader.LENGTH, frameLength - EthernetHeader.LENGTH, LOOPBACK_FLAGS,
                v6.nif.mac(), false, now);
        }
    }

    /** Whether packets wait in the loopback queue. */
    public boolean hasPendingWork()
    {
        return !loopback.isEmpty();
    }

    /** Returns every buffer the layer holds to the pool. */
    public void release()
    {
        loopback.release();
        // Each interface's neighbour queues and timers go with the interface (NetInterface.release).
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
