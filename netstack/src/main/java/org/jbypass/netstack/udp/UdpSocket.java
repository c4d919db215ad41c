package org.jbypass.netstack.udp;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.ip.Ipv4MulticastOutput;
import org.jbypass.netstack.ip.Ipv4Output;
import org.jbypass.netstack.ip.Ipv6MulticastOutput;
import org.jbypass.netstack.ip.Ipv6Output;
import org.jbypass.netstack.ip.MulticastMembership;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.transport.EventQueue;
import org.jbypass.netstack.transport.LinkScope;
import org.jbypass.netstack.transport.Readiness;
import org.jbypass.netstack.transport.StackSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.UdpHeader;

/**
 * A UDP socket of the stack. Non-blocking: operations return a count or -errno ({@link Errno}); the provider blocks
 * and throws. Used by the one thread that holds the stack.
 *
 * <p>Sending copies the payload into a pool buffer (or, when the datagram exceeds one frame, into scratch memory
 * that IPv4 fragments) and hands it to IPv4 at once: UDP keeps no send queue. Receiving copies queued datagrams out
 * of the socket's {@link DatagramQueue}.
 */
public final class UdpSocket extends StackSocket
{
    /** The largest payload of a UDP datagram over IPv4: 65535 - 20 - 8. */
    public static final int MAX_PAYLOAD = 65507;
    /** The largest payload over IPv6 without jumbograms: a payload length of 65535 less the UDP header. */
    public static final int MAX_PAYLOAD6 = 65527;
    /** Groups one socket may join (per interface): Linux's igmp_max_memberships is 20; market feeds join more. */
    public static final int MAX_MEMBERSHIPS = 256;
    private static final long[] NO_SOURCES = new long[0];
    private static final long MAPPED_HI = Ipv6Address.V4_MAPPED_HI;

    private final UdpLayer layer;
    private final UdpConfig config;
    private final DatagramQueue queue;
    int localAddress;
    int localPort;
    UdpSocket next;
    private int remoteAddress;
    private int remotePort;
    // IPv6, beside the IPv4 fields as Linux's sock_common keeps them (wire.Ipv6Address's hi/lo halves).
    /** Opened as an IPv6 socket (AF_INET6). */
    boolean family6;
    /** IPV6_V6ONLY: bound to {@code ::}, it serves IPv6 only. */
    boolean v6Only;
    /** Bound on the IPv6 side: to an IPv6 address of the stack's ({@link #localHi}, {@link #localLo}) or to ::. */
    boolean v6;
    long localHi;
    long localLo;
    /** Connected to an IPv6 peer ({@link #remoteHi}, {@link #remoteLo}). */
    boolean remoteV6;
    long remoteHi;
    long remoteLo;
    private boolean lastSource6;
    private long lastSourceHi;
    private long lastSourceLo;
    private boolean closed;
    private int pendingError;
    private int sendBufferSize;
    private boolean reuseAddress;
    private boolean broadcast;
    private int tos;
    private int ttl;
    private int lastSourceAddress;
    private int lastSourcePort;
    private long drops;
    /** The groups joined, one membership per group and interface (RFC 3376 section 2's socket state). */
    private MulticastMembership[] memberships = new MulticastMembership[0];
    private int membershipCount;
    /** IP_MULTICAST_IF as an interface index; -1: the interface a route to the group leads to. */
    private int multicastInterface = -1;
    /** IP_MULTICAST_TTL: 1 by default, so that multicast stays on the link unless asked (RFC 1112 section 6.1). */
    private int multicastTtl = 1;
    /** IP_MULTICAST_LOOP: on by default, as Linux's and the JDK's. */
    private boolean multicastLoop = true;

    UdpSocket(final UdpLayer layer, final EventQueue events, final UdpConfig config)
    {
        super(events);
        this.layer = layer;
        this.config = config;
        this.queue = new DatagramQueue(config.receiveBufferSize());
        this.sendBufferSize = config.sendBufferSize();
        this.ttl = -1;
    }

    /**
     * Binds to a local address (0: any) and port (0: an ephemeral port).
     *
     * @return 0, or -EINVAL (already bound or closed), -EADDRNOTAVAIL (not one of the stack's addresses),
     *         -EADDRINUSE
     */
    public int bind(final int address, final int port)
    {
        if (closed || localPort != 0 || port < 0 || port > 65535)
        {
            return -Errno.EINVAL;
        }
        return layer.bind(this, address, port);
    }

    /**
     * Connects: sets the only peer datagrams are sent to by default and received from. Binds first if unbound.
     *
     * @return 0 or -errno (ENETUNREACH when no route leads to the peer)
     */
    public int connect(final int address, final int port)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (address == 0 || port <= 0 || port > 65535)
        {
            return -Errno.EINVAL;
        }
        if (layer.ipv4().sourceAddress(address) == 0 || (localPort != 0 && !covers4()))
        {
            return -Errno.ENETUNREACH;
        }
        if (localPort == 0)
        {
            final int result = family6 ? layer.bind6(this, 0, 0, 0) : layer.bind(this, 0, 0);
            if (result < 0)
            {
                return result;
            }
        }
        remoteV6 = false;
        remoteAddress = address;
        remotePort = port;
        pendingError = 0;
        // Datagrams from other peers that were already queued stay, as on Linux; new ones are filtered.
        signal();
        return 0;
    }

    /**
     * Connects an IPv6 socket ({@link UdpLayer#open6}); to an IPv4-mapped address as {@link #connect} does (over
     * IPv4), unless IPV6_V6ONLY.
     *
     * @return 0 or -errno: EAFNOSUPPORT on an IPv4 socket, ENETUNREACH without a route
     */
    public int connect6(final long peerHi, final long lo, final int port)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (!family6)
        {
            return -Errno.EAFNOSUPPORT;
        }
        // A link-local peer needs its link: the scope given, or the bound address's (RFC 4007; Linux's
        // ip6_datagram_connect refuses it otherwise).
        final long hi = LinkScope.peerHi(peerHi, localPort != 0 ? localHi : 0, true);
        if (hi == LinkScope.INVALID)
        {
            return -Errno.EINVAL;
        }
        if (Ipv6Address.isV4Mapped(hi, lo))
        {
            return v6Only ? -Errno.ENETUNREACH : connect(Ipv6Address.v4FromMapped(lo), port);
        }
        if (Ipv6Address.isUnspecified(hi, lo) || port <= 0 || port > 65535)
        {
            return -Errno.EINVAL;
        }
        final Ipv6Output ip6 = layer.ipv6();
        if (ip6 == null || !ip6.selectSource(hi, lo) || (localPort != 0 && !v6))
        {
            return -Errno.ENETUNREACH;
        }
        if (localPort == 0)
        {
            final int result = layer.bind6(this, 0, 0, 0);
            if (result < 0)
            {
                return result;
            }
        }
        remoteAddress = 0;
        remoteV6 = true;
        remoteHi = hi;
        remoteLo = lo;
        remotePort = port;
        pendingError = 0;
        signal();
        return 0;
    }

    /**
     * Binds an IPv6 socket to an IPv6 address of the stack's, {@code ::} for any (IPv4 too unless IPV6_V6ONLY), or
     * an IPv4-mapped address, which binds the IPv4 address as {@link #bind}.
     *
     * @return as {@link #bind}; -EAFNOSUPPORT on an IPv4 socket
     */
    public int bind6(final long hi, final long lo, final int port)
    {
        if (closed || localPort != 0 || port < 0 || port > 65535)
        {
            return -Errno.EINVAL;
        }
        if (!family6)
        {
            return -Errno.EAFNOSUPPORT;
        }
        if (Ipv6Address.isV4Mapped(hi, lo))
        {
            return v6Only ? -Errno.EINVAL : layer.bind(this, Ipv6Address.v4FromMapped(lo), port);
        }
        if (LinkScope.lacksScope(hi))
        {
            return -Errno.EINVAL;
        }
        return layer.bind6(this, hi, lo, port);
    }

    /** Forgets the peer set by {@link #connect}. */
    public int disconnect()
    {
        remoteV6 = false;
        remoteHi = 0;
        remoteLo = 0;
        remoteAddress = 0;
        remotePort = 0;
        pendingError = 0;
        return 0;
    }

    /**
     * Sends one datagram with the bytes remaining in {@code src}, advancing its position if it was sent.
     *
     * @param address the destination, or 0 for the connected peer
     * @return the bytes sent, or -errno: EDESTADDRREQ (no destination), EMSGSIZE (too large), EACCES (broadcast
     *         without SO_BROADCAST), ENETUNREACH, ENOBUFS (no packet buffer free), ECONNREFUSED (an ICMP error reported
     *         for the connected peer), EBADF (closed)
     */
    public int send(final ByteBuffer src, final int address, final int port)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (pendingError != 0 && isConnected())
        {
            return -takeError();
        }
        if (address == 0 && remoteV6)
        {
            return send6(src, remoteHi, remoteLo, remotePort);
        }
        final int destination = address != 0 ? address : remoteAddress;
        final int destinationPort = address != 0 ? port : remotePort;
        if (destination == 0)
        {
            return -Errno.EDESTADDRREQ;
        }
        if (destinationPort <= 0 || destinationPort > 65535)
        {
            return -Errno.EINVAL;
        }
        final Ipv4MulticastOutput ipv4 = layer.ipv4();
        if (!broadcast && ipv4.isBroadcast(destination))
        {
            return -Errno.EACCES;
        }
        final int length = src.remaining();
        if (length > MAX_PAYLOAD || length + UdpHeader.LENGTH > sendBufferSize)
        {
            return -Errno.EMSGSIZE;
        }
        if (Ipv4Address.isMulticast(destination))
        {
            return sendMulticast(src, destination, destinationPort, length);
        }
        // A socket bound to a broadcast or multicast address sends from the route's address (as Linux, which keeps
        // such a binding for receiving only): RFC 1122 3.2.1.3 forbids them as a source.
        if (localPort != 0 && !covers4())
        {
            // Bound to an IPv6 address (or :: with IPV6_V6ONLY): no IPv4 datagram can leave from it.
            return -Errno.ENETUNREACH;
        }
        final int source = localAddress != 0 && !ipv4.isBroadcastOrMulticast(localAddress) ? localAddress
            : ipv4.sourceAddress(destination);
        final int ready = checkSourceAndBind(source);
        if (ready < 0)
        {
            return ready;
        }
        final int udpLength = UdpHeader.LENGTH + length;
        final int timeToLive = ttl >= 0 ? ttl : ipv4.defaultTtl();
        final int result;
        if (Ipv4Header.MIN_LENGTH + udpLength <= ipv4.pathMtu(destination))
        {
            final PacketPool pool = ipv4.pool();
            final int buffer = pool.allocate();
            if (buffer == PacketPool.NO_BUFFER)
            {
                layer.counters0().sndbufErrors++;
                return -Errno.ENOBUFS;
            }
            final ByteBuffer memory = pool.memory();
            final int base = pool.offset(buffer) + Ipv4Output.L4_OFFSET;
            memory.put(base + UdpHeader.LENGTH, src, src.position(), length);
            // The checksum's pseudo-header part only: IPv4 completes it, or has the link do it (sendPartial).
            layer.header().wrap(memory, base, udpLength).writePartial(localPort, destinationPort, udpLength, source,
                destination);
            result = ipv4.sendPartial(buffer, udpLength, source, destination, Ipv4Header.PROTOCOL_UDP, tos,
                timeToLive, false, UdpHeader.CHECKSUM_OFFSET);
        }
        else
        {
            final ByteBuffer scratch = layer.scratch();
            scratch.put(UdpHeader.LENGTH, src, src.position(), length);
            layer.header().wrap(scratch, 0, udpLength).write(localPort, destinationPort, udpLength)
                .computeChecksum(source, destination);
            result = ipv4.sendFromMemory(scratch, 0, udpLength, source, destination, Ipv4Header.PROTOCOL_UDP, tos,
                timeToLive);
        }
        return completeSend(result, src, length);
    }

    /**
     * Sends one datagram from an IPv6 socket to an IPv6 address (an IPv4-mapped one goes over IPv4, as
     * {@link #send}), advancing {@code src}'s position if it was sent.
     *
     * @return the bytes sent, or -errno as {@link #send}; EAFNOSUPPORT on an IPv4 socket
     */
    public int send6(final ByteBuffer src, final long peerHi, final long lo, final int port)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (!family6)
        {
            return -Errno.EAFNOSUPPORT;
        }
        // A link-local destination on the bound address's link, or left to the routes when unscoped (RFC 4007).
        final long hi = LinkScope.peerHi(peerHi, localPort != 0 ? localHi : 0, false);
        if (hi == LinkScope.INVALID)
        {
            return -Errno.EINVAL;
        }
        if (Ipv6Address.isV4Mapped(hi, lo))
        {
            return v6Only ? -Errno.ENETUNREACH : send(src, Ipv6Address.v4FromMapped(lo), port);
        }
        if (pendingError != 0 && isConnected())
        {
            return -takeError();
        }
        if (Ipv6Address.isUnspecified(hi, lo))
        {
            return -Errno.EDESTADDRREQ;
        }
        if (port <= 0 || port > 65535)
        {
            return -Errno.EINVAL;
        }
        final int length = src.remaining();
        if (length > MAX_PAYLOAD6 || length + UdpHeader.LENGTH > sendBufferSize)
        {
            return -Errno.EMSGSIZE;
        }
        if (Ipv6Address.isMulticast(hi))
        {
            return sendMulticast6(src, hi, lo, port, length);
        }
        final Ipv6Output ip6 = layer.ipv6();
        if (ip6 == null || (localPort != 0 && !v6) || !ip6.selectSource(hi, lo))
        {
            return -Errno.ENETUNREACH;
        }
        final boolean boundAddress = localPort != 0 && !Ipv6Address.isUnspecified(localHi, localLo)
            && !Ipv6Address.isMulticast(localHi);
        final long sourceHi = boundAddress ? localHi : ip6.sourceHi();
        final long sourceLo = boundAddress ? localLo : ip6.sourceLo();
        if (localPort == 0)
        {
            final int result = layer.bind6(this, 0, 0, 0);
            if (result < 0)
            {
                return result;
            }
        }
        final int udpLength = UdpHeader.LENGTH + length;
        final int hopLimit = ttl >= 0 ? ttl : ip6.defaultHopLimit();
        final int result;
        if (Ipv6Output.HEADER_LENGTH + udpLength <= ip6.pathMtu(hi, lo))
        {
            final PacketPool pool = ip6.pool();
            final int buffer = pool.allocate();
            if (buffer == PacketPool.NO_BUFFER)
            {
                layer.counters0().sndbufErrors++;
                return -Errno.ENOBUFS;
            }
            final ByteBuffer memory = pool.memory();
            final int base = pool.offset(buffer) + Ipv6Output.L4_OFFSET;
            memory.put(base + UdpHeader.LENGTH, src, src.position(), length);
            // The checksum's pseudo-header part only: IPv6 completes it, or has the link do it (sendPartial).
            layer.header().wrap(memory, base, udpLength).writePartial6(localPort, port, udpLength, sourceHi, sourceLo,
                hi, lo);
            result = ip6.sendPartial(buffer, udpLength, sourceHi, sourceLo, hi, lo, Ipv4Header.PROTOCOL_UDP, tos,
                hopLimit, UdpHeader.CHECKSUM_OFFSET);
        }
        else
        {
            final ByteBuffer scratch = layer.scratch();
            scratch.put(UdpHeader.LENGTH, src, src.position(), length);
            layer.header().wrap(scratch, 0, udpLength).write(localPort, port, udpLength)
                .computeChecksum6(sourceHi, sourceLo, hi, lo);
            result = ip6.sendFromMemory(scratch, 0, udpLength, sourceHi, sourceLo, hi, lo, Ipv4Header.PROTOCOL_UDP,
                tos, hopLimit);
        }
        return completeSend(result, src, length);
    }

    /**
     * Sends to a group out of IP_MULTICAST_IF's interface (or the route's), with IP_MULTICAST_TTL, and a copy to the
     * stack's own members with IP_MULTICAST_LOOP. The datagram is assembled in scratch memory, which IPv4 copies
     * into frames (fragments when it exceeds the MTU).
     */
    private int sendMulticast(final ByteBuffer src, final int group, final int destinationPort, final int length)
    {
        final Ipv4MulticastOutput ipv4 = layer.ipv4();
        final int index = multicastInterface >= 0 ? multicastInterface : ipv4.defaultMulticastInterface(group);
        if (index < 0)
        {
            return -Errno.ENETUNREACH;
        }
        final int source = localAddress != 0 && !ipv4.isBroadcastOrMulticast(localAddress) ? localAddress
            : ipv4.interfaceAddress(index);
        final int ready = checkSourceAndBind(source);
        if (ready < 0)
        {
            return ready;
        }
        final int udpLength = UdpHeader.LENGTH + length;
        final ByteBuffer scratch = layer.scratch();
        scratch.put(UdpHeader.LENGTH, src, src.position(), length);
        layer.header().wrap(scratch, 0, udpLength).write(localPort, destinationPort, udpLength)
            .computeChecksum(source, group);
        final int result = ipv4.sendMulticast(scratch, 0, udpLength, source, group, Ipv4Header.PROTOCOL_UDP, tos,
            multicastTtl, index, multicastLoop);
        return completeSend(result, src, length);
    }

    /**
     * Sends to an IPv6 group out of IPV6_MULTICAST_IF's interface (or the route's), with IPV6_MULTICAST_HOPS as the
     * hop limit (RFC 3493 section 5.2: 1 by default), and a copy to the stack's own members with
     * IPV6_MULTICAST_LOOP. The source is the bound address, else the interface's address for the group's scope (RFC
     * 6724: a link-local one for ff02::/16). The datagram is assembled in scratch memory, which IPv6 copies into
     * packets (fragments above the link's MTU).
     */
    private int sendMulticast6(final ByteBuffer src, final long groupHi, final long groupLo, final int port,
        final int length)
    {
        if (!(layer.ipv6() instanceof Ipv6MulticastOutput ip6) || (localPort != 0 && !v6))
        {
            return -Errno.ENETUNREACH;
        }
        final int index = multicastInterface >= 0 ? multicastInterface
            : ip6.defaultMulticastInterface6(groupHi, groupLo);
        final boolean boundAddress = localPort != 0 && !Ipv6Address.isUnspecified(localHi, localLo)
            && !Ipv6Address.isMulticast(localHi);
        if (index < 0 || !boundAddress && !ip6.selectMulticastSource(index, groupHi, groupLo))
        {
            return -Errno.ENETUNREACH;
        }
        final long sourceHi = boundAddress ? localHi : ip6.sourceHi();
        final long sourceLo = boundAddress ? localLo : ip6.sourceLo();
        if (localPort == 0)
        {
            final int result = layer.bind6(this, 0, 0, 0);
            if (result < 0)
            {
                return result;
            }
        }
        final int udpLength = UdpHeader.LENGTH + length;
        final ByteBuffer scratch = layer.scratch();
        scratch.put(UdpHeader.LENGTH, src, src.position(), length);
        layer.header().wrap(scratch, 0, udpLength).write(localPort, port, udpLength)
            .computeChecksum6(sourceHi, sourceLo, groupHi, groupLo);
        final int result = ip6.sendMulticast6(scratch, 0, udpLength, sourceHi, sourceLo, groupHi, groupLo,
            Ipv4Header.PROTOCOL_UDP, tos, multicastTtl, index, multicastLoop);
        return completeSend(result, src, length);
    }

    /**
     * The checks both send paths make once the source address is chosen: a route (or interface) gave one, and the
     * socket has a local port, an ephemeral one bound now if not (as Linux's implicit bind on first send).
     *
     * @return 0, or -errno: ENETUNREACH (no source address), or the bind's error
     */
    private int checkSourceAndBind(final int source)
    {
        if (source == 0)
        {
            return -Errno.ENETUNREACH;
        }
        if (localPort == 0)
        {
            final int result = family6 ? layer.bind6(this, 0, 0, 0) : layer.bind(this, 0, 0);
            if (result < 0)
            {
                return result;
            }
        }
        return 0;
    }

    /**
     * Accounts for a send's outcome: a failure for want of buffers counts in SndbufErrors (as Linux's UDP counters),
     * a success in OutDatagrams and consumes the payload from {@code src}.
     *
     * @return the payload length sent, or the -errno of IPv4
     */
    private int completeSend(final int result, final ByteBuffer src, final int length)
    {
        if (result < 0)
        {
            if (result == -Errno.ENOBUFS)
            {
                layer.counters0().sndbufErrors++;
            }
            return result;
        }
        layer.counters0().outDatagrams++;
        src.position(src.position() + length);
        return length;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Multicast memberships (the Linux socket options IP_ADD_MEMBERSHIP, IPV6_JOIN_GROUP, MCAST_JOIN_SOURCE_GROUP and
    // the rest, RFC 3678). A membership holds its group and sources as IPv6 addresses (IPv4 ones IPv4-mapped), so
    // one implementation serves both families; the IPv4 methods take ints, the IPv6 ones hi/lo pairs.

    /**
     * Joins an IPv4 group on an interface for any source (IP_ADD_MEMBERSHIP): the filter EXCLUDE {}.
     *
     * @return 0, or -errno: EINVAL (not a group, closed), EADDRINUSE (already joined there, any-source or
     *         source-specific), ENOBUFS ({@link #MAX_MEMBERSHIPS}, or the interface's tables full), ENODEV
     */
    public int joinGroup(final int group, final int interfaceIndex)
    {
        return Ipv4Address.isMulticast(group) ? join(false, MAPPED_HI, mapped(group), interfaceIndex) : -Errno.EINVAL;
    }

    /** Joins an IPv6 group for any source (IPV6_JOIN_GROUP), as {@link #joinGroup}; EINVAL on an IPv4 socket. */
    public int joinGroup6(final long groupHi, final long groupLo, final int interfaceIndex)
    {
        return Ipv6Address.isMulticast(groupHi) && family6 ? join(true, groupHi, groupLo, interfaceIndex)
            : -Errno.EINVAL;
    }

    private int join(final boolean ipv6, final long groupHi, final long groupLo, final int interfaceIndex)
    {
        if (closed)
        {
            return -Errno.EINVAL;
        }
        if (find(groupHi, groupLo, interfaceIndex) != null)
        {
            return -Errno.EADDRINUSE;
        }
        return listenNew(ipv6, groupHi, groupLo, interfaceIndex, true, NO_SOURCES);
    }

    /** Leaves an IPv4 group on an interface, whatever its filter (IP_DROP_MEMBERSHIP). @return 0 or -EADDRNOTAVAIL */
    public int leaveGroup(final int group, final int interfaceIndex)
    {
        return leave(MAPPED_HI, mapped(group), interfaceIndex);
    }

    /** Leaves an IPv6 group (IPV6_LEAVE_GROUP), as {@link #leaveGroup}. */
    public int leaveGroup6(final long groupHi, final long groupLo, final int interfaceIndex)
    {
        return leave(groupHi, groupLo, interfaceIndex);
    }

    private int leave(final long groupHi, final long groupLo, final int interfaceIndex)
    {
        final MulticastMembership m = find(groupHi, groupLo, interfaceIndex);
        if (m == null)
        {
            return -Errno.EADDRNOTAVAIL;
        }
        listen(m, false, NO_SOURCES);
        forget(m);
        return 0;
    }

    /**
     * Joins an IPv4 group on an interface for one more source (IP_ADD_SOURCE_MEMBERSHIP): the filter INCLUDE, with
     * the source added.
     *
     * @return 0, or -errno: EINVAL (not a group, closed, or joined for any source there), EADDRNOTAVAIL (the source
     *         is already included), ENOBUFS, ENODEV
     */
    public int joinSource(final int group, final int interfaceIndex, final int source)
    {
        return Ipv4Address.isMulticast(group)
            ? joinSource(false, MAPPED_HI, mapped(group), interfaceIndex, MAPPED_HI, mapped(source)) : -Errno.EINVAL;
    }

    /** Joins an IPv6 group for one more source (MCAST_JOIN_SOURCE_GROUP), as {@link #joinSource}. */
    public int joinSource6(final long groupHi, final long groupLo, final int interfaceIndex, final long sourceHi,
        final long sourceLo)
    {
        return Ipv6Address.isMulticast(groupHi) && family6
            ? joinSource(true, groupHi, groupLo, interfaceIndex, sourceHi, sourceLo) : -Errno.EINVAL;
    }

    private int joinSource(final boolean ipv6, final long groupHi, final long groupLo, final int interfaceIndex,
        final long sourceHi, final long sourceLo)
    {
        if (closed)
        {
            return -Errno.EINVAL;
        }
        final MulticastMembership m = find(groupHi, groupLo, interfaceIndex);
        if (m == null)
        {
            return listenNew(ipv6, groupHi, groupLo, interfaceIndex, false, new long[] {sourceHi, sourceLo});
        }
        if (m.isExclude())
        {
            return -Errno.EINVAL;
        }
        if (m.accepts(sourceHi, sourceLo))
        {
            return -Errno.EADDRNOTAVAIL;
        }
        return listen(m, false, with(m.sources6(), sourceHi, sourceLo));
    }

    /**
     * Drops one source of a source-specific membership of an IPv4 group (IP_DROP_SOURCE_MEMBERSHIP); the last one
     * ends it.
     *
     * @return 0, or -errno: EADDRNOTAVAIL (no such membership or source), EINVAL (an any-source membership)
     */
    public int leaveSource(final int group, final int interfaceIndex, final int source)
    {
        return leaveSource(MAPPED_HI, mapped(group), interfaceIndex, MAPPED_HI, mapped(source));
    }

    /** Drops one source of an IPv6 group's source-specific membership (MCAST_LEAVE_SOURCE_GROUP). */
    public int leaveSource6(final long groupHi, final long groupLo, final int interfaceIndex, final long sourceHi,
        final long sourceLo)
    {
        return leaveSource(groupHi, groupLo, interfaceIndex, sourceHi, sourceLo);
    }

    private int leaveSource(final long groupHi, final long groupLo, final int interfaceIndex, final long sourceHi,
        final long sourceLo)
    {
        final MulticastMembership m = find(groupHi, groupLo, interfaceIndex);
        if (m == null)
        {
            return -Errno.EADDRNOTAVAIL;
        }
        if (m.isExclude())
        {
            return -Errno.EINVAL;
        }
        if (!m.accepts(sourceHi, sourceLo))
        {
            return -Errno.EADDRNOTAVAIL;
        }
        final long[] rest = without(m.sources6(), sourceHi, sourceLo);
        final int result = listen(m, false, rest);
        if (result == 0 && rest.length == 0)
        {
            forget(m);
        }
        return result;
    }

    /**
     * Blocks a source of an any-source membership of an IPv4 group (IP_BLOCK_SOURCE).
     *
     * @return 0, or -errno: EINVAL (no membership, or a source-specific one), EADDRNOTAVAIL (already blocked),
     *         ENOBUFS
     */
    public int blockSource(final int group, final int interfaceIndex, final int source)
    {
        return blockSource(MAPPED_HI, mapped(group), interfaceIndex, MAPPED_HI, mapped(source), true);
    }

    /** Blocks a source of an IPv6 group's any-source membership (MCAST_BLOCK_SOURCE). */
    public int blockSource6(final long groupHi, final long groupLo, final int interfaceIndex, final long sourceHi,
        final long sourceLo)
    {
        return blockSource(groupHi, groupLo, interfaceIndex, sourceHi, sourceLo, true);
    }

    /** Blocks ({@code block}) or unblocks a source of an any-source membership: its EXCLUDE list gains or loses it. */
    private int blockSource(final long groupHi, final long groupLo, final int interfaceIndex, final long sourceHi,
        final long sourceLo, final boolean block)
    {
        final MulticastMembership m = find(groupHi, groupLo, interfaceIndex);
        if (m == null || !m.isExclude())
        {
            return -Errno.EINVAL;
        }
        if (m.accepts(sourceHi, sourceLo) != block)
        {
            return -Errno.EADDRNOTAVAIL; // blocking one already blocked, or unblocking one that is not
        }
        return listen(m, true, block ? with(m.sources6(), sourceHi, sourceLo)
            : without(m.sources6(), sourceHi, sourceLo));
    }

    /** Unblocks a source of an IPv4 group (IP_UNBLOCK_SOURCE). @return 0, or -errno: EINVAL, EADDRNOTAVAIL */
    public int unblockSource(final int group, final int interfaceIndex, final int source)
    {
        return blockSource(MAPPED_HI, mapped(group), interfaceIndex, MAPPED_HI, mapped(source), false);
    }

    /** Unblocks a source of an IPv6 group (MCAST_UNBLOCK_SOURCE). */
    public int unblockSource6(final long groupHi, final long groupLo, final int interfaceIndex, final long sourceHi,
        final long sourceLo)
    {
        return blockSource(groupHi, groupLo, interfaceIndex, sourceHi, sourceLo, false);
    }

    /** The socket's membership of an IPv4 group on an interface, or null. */
    public MulticastMembership membership(final int group, final int interfaceIndex)
    {
        return find(MAPPED_HI, mapped(group), interfaceIndex);
    }

    /** The socket's membership of an IPv6 group on an interface, or null. */
    public MulticastMembership membership6(final long groupHi, final long groupLo, final int interfaceIndex)
    {
        return find(groupHi, groupLo, interfaceIndex);
    }

    private MulticastMembership find(final long groupHi, final long groupLo, final int interfaceIndex)
    {
        for (int i = 0; i < membershipCount; i++)
        {
            if (memberships[i].is(groupHi, groupLo, interfaceIndex))
            {
                return memberships[i];
            }
        }
        return null;
    }

    /** The number of groups joined (per interface). */
    public int membershipCount()
    {
        return membershipCount;
    }

    /** IP_MULTICAST_IF (IPV6_MULTICAST_IF): the interface index multicast leaves by, -1 for the route's. */
    public int multicastInterface()
    {
        return multicastInterface;
    }

    public void multicastInterface(final int interfaceIndex)
    {
        this.multicastInterface = interfaceIndex < 0 ? -1 : interfaceIndex;
    }

    public int multicastTtl()
    {
        return multicastTtl;
    }

    /**
     * IP_MULTICAST_TTL (IPV6_MULTICAST_HOPS), 0..255 (0 keeps datagrams on the host: only the looped-back copy is
     * delivered).
     */
    public int multicastTtl(final int ttl)
    {
        if (ttl < 0 || ttl > 255)
        {
            return -Errno.EINVAL;
        }
        multicastTtl = ttl;
        return 0;
    }

    public boolean multicastLoop()
    {
        return multicastLoop;
    }

    public void multicastLoop(final boolean on)
    {
        multicastLoop = on;
    }

    private int listenNew(final boolean ipv6, final long groupHi, final long groupLo, final int interfaceIndex,
        final boolean exclude, final long[] sources)
    {
        if (membershipCount == MAX_MEMBERSHIPS)
        {
            return -Errno.ENOBUFS;
        }
        final MulticastMembership m = ipv6 ? new MulticastMembership(interfaceIndex, groupHi, groupLo)
            : new MulticastMembership(interfaceIndex, Ipv6Address.v4FromMapped(groupLo));
        final int result = listen(m, exclude, sources);
        if (result < 0)
        {
            return result;
        }
        if (membershipCount == memberships.length)
        {
            memberships = java.util.Arrays.copyOf(memberships, Math.max(4, membershipCount * 2));
        }
        memberships[membershipCount++] = m;
        return 0;
    }

    /** Sets a membership's filter through its family's layer: IGMP's for an IPv4 group, MLD's for an IPv6 one. */
    private int listen(final MulticastMembership m, final boolean exclude, final long[] sources)
    {
        if (m.isIpv6())
        {
            return layer.ipv6() instanceof Ipv6MulticastOutput out ? out.multicastListen6(m, exclude, sources)
                : -Errno.ENODEV;
        }
        final int[] v4 = new int[sources.length / 2];
        for (int i = 0; i < v4.length; i++)
        {
            v4[i] = Ipv6Address.v4FromMapped(sources[2 * i + 1]);
        }
        return layer.ipv4().multicastListen(m, exclude, v4);
    }

    private void forget(final MulticastMembership m)
    {
        for (int i = 0; i < membershipCount; i++)
        {
            if (memberships[i] == m)
            {
                memberships[i] = memberships[--membershipCount];
                memberships[membershipCount] = null;
                return;
            }
        }
    }

    private static long mapped(final int ipv4)
    {
        return Ipv6Address.v4MappedLo(ipv4);
    }

    private static long[] with(final long[] sources, final long hi, final long lo)
    {
        final long[] out = java.util.Arrays.copyOf(sources, sources.length + 2);
        out[sources.length] = hi;
        out[sources.length + 1] = lo;
        return out;
    }

    private static long[] without(final long[] sources, final long hi, final long lo)
    {
        final long[] out = new long[sources.length];
        int n = 0;
        for (int i = 0; i < sources.length; i += 2)
        {
            if (sources[i] != hi || sources[i + 1] != lo)
            {
                out[n++] = sources[i];
                out[n++] = sources[i + 1];
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /**
     * Receives one datagram into {@code dst}; what does not fit is discarded.
     *
     * @return the bytes copied, or -EAGAIN when none is queued, or -errno of an ICMP error reported for the connected
     *         peer (reported once)
     */
    public int receive(final ByteBuffer dst)
    {
        if (closed)
        {
            return -Errno.EBADF;
        }
        if (pendingError != 0)
        {
            return -takeError();
        }
        if (queue.isEmpty())
        {
            return -Errno.EAGAIN;
        }
        lastSource6 = queue.peekSourceIs6();
        if (lastSource6)
        {
            lastSourceHi = queue.peekSourceHi();
            lastSourceLo = queue.peekSourceLo();
        }
        lastSourceAddress = queue.peekSourceAddress();
        lastSourcePort = queue.peekSourcePort();
        return queue.poll(dst);
    }

    /** The length of the next datagram's payload, or -1 when none is queued. */
    public int nextDatagramLength()
    {
        return queue.isEmpty() ? -1 : queue.peekLength();
    }

    /** The source address of the datagram last returned by {@link #receive}. */
    public int lastSourceAddress()
    {
        return lastSourceAddress;
    }

    /**
     * Whether the datagram last returned by {@link #receive} came from an IPv6 source ({@link #lastSourceHi},
     * {@link #lastSourceLo}); otherwise its source is {@link #lastSourceAddress}, an IPv4 one (reported by the JDK
     * as an {@code Inet4Address} even on a dual-stack socket).
     */
    public boolean lastSourceIs6()
    {
        return lastSource6;
    }

    public long lastSourceHi()
    {
        return lastSourceHi;
    }

    public long lastSourceLo()
    {
        return lastSourceLo;
    }

    /** The source port of the datagram last returned by {@link #receive}. */
    public int lastSourcePort()
    {
        return lastSourcePort;
    }

    @Override
    public int readyOps()
    {
        if (closed)
        {
            return 0;
        }
        int ops = Readiness.WRITE;
        if (!queue.isEmpty() || pendingError != 0)
        {
            ops |= Readiness.READ;
        }
        return ops;
    }

    @Override
    public boolean isClosed()
    {
        return closed;
    }

    /** Closes the socket: unbinds it and drops what is queued. Idempotent. */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        while (membershipCount > 0)
        {
            final MulticastMembership m = memberships[membershipCount - 1];
            listen(m, false, NO_SOURCES);
            forget(m);
        }
        if (localPort != 0)
        {
            layer.unbind(this);
        }
        queue.clear();
        layer.closed();
        signal();
    }

    public boolean isBound()
    {
        return localPort != 0;
    }

    public boolean isConnected()
    {
        return remoteAddress != 0 || remoteV6;
    }

    /** Whether it is bound on the IPv6 side (to an IPv6 address or ::): its address is {@link #localHi()}... */
    @Override
    public boolean isIpv6()
    {
        return v6;
    }

    /** Whether it was opened as an IPv6 socket ({@link UdpLayer#open6}). */
    public boolean isFamily6()
    {
        return family6;
    }

    @Override
    public long localHi()
    {
        return localHi;
    }

    @Override
    public long localLo()
    {
        return localLo;
    }

    /** Whether it is connected to an IPv6 peer ({@link #remoteHi()}, {@link #remoteLo()}). */
    public boolean isRemoteIpv6()
    {
        return remoteV6;
    }

    public long remoteHi()
    {
        return remoteHi;
    }

    public long remoteLo()
    {
        return remoteLo;
    }

    @Override
    public int localAddress()
    {
        return localAddress;
    }

    public int localPort()
    {
        return localPort;
    }

    public int remoteAddress()
    {
        return remoteAddress;
    }

    public int remotePort()
    {
        return remotePort;
    }

    /** Datagrams dropped because the receive buffer was full. */
    public long drops()
    {
        return drops;
    }

    /** The receive buffer's size in bytes. */
    public int receiveBufferSize()
    {
        return queue.capacity();
    }

    /**
     * Sets the receive buffer's size, clamped to the configured range.
     *
     * @return 0, or -ENOBUFS when more is queued than the new size holds (the size is then unchanged)
     */
    public int receiveBufferSize(final int size)
    {
        final int clamped = Math.max(UdpConfig.MIN_BUFFER_SIZE, Math.min(size, config.maxBufferSize()));
        return queue.resize(clamped) ? 0 : -Errno.ENOBUFS;
    }

    public int sendBufferSize()
    {
        return sendBufferSize;
    }

    /** Sets the send buffer's size (the largest datagram), clamped to the configured range. */
    public void sendBufferSize(final int size)
    {
        sendBufferSize = Math.max(UdpConfig.MIN_BUFFER_SIZE, Math.min(size, config.maxBufferSize()));
    }

    public boolean reuseAddress()
    {
        return reuseAddress;
    }

    public void reuseAddress(final boolean on)
    {
        reuseAddress = on;
    }

    public boolean broadcast()
    {
        return broadcast;
    }

    public void broadcast(final boolean on)
    {
        broadcast = on;
    }

    public int tos()
    {
        return tos;
    }

    public void tos(final int tos)
    {
        this.tos = tos & 0xFF;
    }

    /** The TTL of sent datagrams; -1 means the stack's default. */
    public int ttl()
    {
        return ttl;
    }

    public void ttl(final int ttl)
    {
        this.ttl = ttl < 0 ? -1 : Math.min(ttl, 255);
    }

    /** Takes the pending error, if any, as a positive errno (0 when none). */
    public int takeError()
    {
        final int error = pendingError;
        pendingError = 0;
        return error;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Called by UdpLayer

    /** Whether a datagram to {@code group} from {@code source}, on an interface, passes a membership's filter. */
    boolean acceptsMulticast(final int group, final int interfaceIndex, final int source)
    {
        final MulticastMembership m = find(MAPPED_HI, mapped(group), interfaceIndex);
        return m != null && m.accepts(source);
    }

    /** {@link #acceptsMulticast} for an IPv6 group and source; allocates nothing. */
    boolean acceptsMulticast6(final long groupHi, final long groupLo, final int interfaceIndex, final long sourceHi,
        final long sourceLo)
    {
        final MulticastMembership m = find(groupHi, groupLo, interfaceIndex);
        return m != null && m.accepts(sourceHi, sourceLo);
    }

    boolean accepts(final int source, final int sourcePort)
    {
        return remoteAddress == 0 ? !remoteV6 : remoteAddress == source && remotePort == sourcePort;
    }

    /** Whether an IPv6 datagram from this source passes the connected peer's filter. */
    boolean accepts6(final long sourceHi, final long sourceLo, final int sourcePort)
    {
        return !isConnected() || (remoteV6 && remoteHi == sourceHi && remoteLo == sourceLo
            && remotePort == sourcePort);
    }

    /** Whether it receives IPv4 datagrams: bound to an IPv4 address, or to :: without IPV6_V6ONLY (or unbound). */
    boolean covers4()
    {
        return !v6 || (localHi == 0 && localLo == 0 && !v6Only);
    }

    void deliver6(final ByteBuffer memory, final int offset, final int length, final long sourceHi,
        final long sourceLo, final int sourcePort)
    {
        queued(queue.offer6(memory, offset, length, sourceHi, sourceLo, sourcePort));
    }

    void deliver(final ByteBuffer memory, final int offset, final int length, final int source, final int sourcePort)
    {
        queued(queue.offer(memory, offset, length, source, sourcePort));
    }

    /** {@link #deliver} of a datagram whose payload lies in a chain of buffers (a super-frame taken in place). */
    void deliver(final FrameChain chain, final int frameOffset, final int length, final int source,
        final int sourcePort)
    {
        queued(queue.offer(chain, frameOffset, length, source, sourcePort));
    }

    /** {@link #deliver6} of a datagram whose payload lies in a chain of buffers. */
    void deliver6(final FrameChain chain, final int frameOffset, final int length, final long sourceHi,
        final long sourceLo, final int sourcePort)
    {
        queued(queue.offer6(chain, frameOffset, length, sourceHi, sourceLo, sourcePort));
    }

    private void queued(final boolean accepted)
    {
        if (accepted)
        {
            signal();
        }
        else
        {
            drops++;
            layer.counters0().rcvbufErrors++;
        }
    }

    void error(final int errno)
    {
        pendingError = errno;
        signal();
    }

    @Override
    public String toString()
    {
        final String local = v6 ? "[" + Ipv6Address.toString(localHi, localLo) + "]"
            : Ipv4Address.toString(localAddress);
        final String remote = remoteV6 ? "[" + Ipv6Address.toString(remoteHi, remoteLo) + "]"
            : Ipv4Address.toString(remoteAddress);
        return "udp " + local + ":" + localPort + (isConnected() ? " -> " + remote + ":" + remotePort : "");
    }
}
