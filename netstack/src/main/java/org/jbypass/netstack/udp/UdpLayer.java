package org.jbypass.netstack.udp;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.jbypass.netstack.ip.Ipv4MulticastOutput;
import org.jbypass.netstack.ip.Ipv4Protocol;
import org.jbypass.netstack.ip.Ipv6Output;
import org.jbypass.netstack.ip.Ipv6Protocol;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.transport.EventQueue;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.IcmpHeader;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.UdpHeader;

/**
 * UDP (RFC 768, with the host requirements of RFC 1122 section 4.1): demultiplexes datagrams to sockets, has
 * datagrams to closed ports answered with ICMP port unreachable (its verdict to IPv4, which sends the error,
 * rate-limited), and turns ICMP errors into errors of connected sockets, as Linux does.
 *
 * <p>Sockets are found through a table indexed by local port whose entries chain the sockets bound to that port,
 * so demultiplexing allocates nothing and costs one array read plus a short walk.
 *
 * <p>Over IPv6 (RFC 8200 section 8.1) the checksum covers IPv6's pseudo-header and is mandatory: a zero one is
 * dropped and counted. An IPv6 socket bound to {@code ::} without IPV6_V6ONLY serves IPv4 too (RFC 3493 section
 * 3.7), and tells IPv4 sources apart from IPv6 ones so the provider reports them as the JDK does.
 */
public final class UdpLayer implements Ipv4Protocol, Ipv6Protocol
{
    /** Both protocol interfaces name it (the same value); this one is what the layer returns. */
    private static final int CONSUMED = Ipv4Protocol.CONSUMED;
    private static final int CONTIGUOUS = Ipv4Protocol.CONTIGUOUS;
    /** ICMPv6 destination unreachable's code for a port nobody listens on (RFC 4443 section 3.1). */
    private static final int ICMP6_PORT_UNREACHABLE = 4;

    private final Ipv4MulticastOutput ipv4;
    /** IPv6, once the stack has it ({@link #attachIpv6}); null means IPv6 sockets cannot bind or send. */
    private Ipv6Output ipv6;
    private final EventQueue events;
    private final UdpConfig config;
    private final UdpCounters counters = new UdpCounters();
    private final UdpSocket[] byPort = new UdpSocket[65536];
    private final SplittableRandom random;
    private final UdpHeader udp = new UdpHeader();
    /** Where datagrams too large for one frame are assembled before IPv4 fragments them. */
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(65535);
    private int openSockets;

    public UdpLayer(final Ipv4MulticastOutput ipv4, final EventQueue events, final UdpConfig config, final long seed)
    {
        this.ipv4 = ipv4;
        this.events = events;
        this.config = config;
        this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    }

    /** A new, unbound socket. */
    public UdpSocket open()
    {
        openSockets++;
        return new UdpSocket(this, events, config);
    }

    /**
     * A new, unbound IPv6 socket (AF_INET6), dual-stack unless {@code v6Only}: bound to {@code ::} it receives from
     * IPv4 peers too, and it sends to IPv4-mapped addresses over IPv4.
     */
    public UdpSocket open6(final boolean v6Only)
    {
        final UdpSocket socket = open();
        socket.family6 = true;
        socket.v6Only = v6Only;
        return socket;
    }

    /** Gives UDP the IPv6 layer to send through; the stack calls it once, when it has IPv6. */
    public void attachIpv6(final Ipv6Output output)
    {
        this.ipv6 = output;
    }

    /** IPv6, or null when the stack has none. */
    Ipv6Output ipv6()
    {
        return ipv6;
    }

    public UdpCounters counters()
    {
        return counters;
    }

    /** The number of sockets open (not yet closed). */
    public int openSockets()
    {
        return openSockets;
    }

    Ipv4MulticastOutput ipv4()
    {
        return ipv4;
    }

    ByteBuffer scratch()
    {
        return scratch;
    }

    UdpHeader header()
    {
        return udp;
    }

    UdpCounters counters0()
    {
        return counters;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Binding

    /** Binds a socket; port 0 picks an ephemeral port. @return 0 or -errno */
    int bind(final UdpSocket socket, final int address, final int port)
    {
        // A socket may listen on a broadcast or multicast address too: it then receives what is sent there.
        if (address != 0 && !ipv4.isLocalAddress(address) && !ipv4.isBroadcastOrMulticast(address))
        {
            return -Errno.EADDRNOTAVAIL;
        }
        return bind(socket, false, address, 0, 0, port);
    }

    /** Binds a socket to an IPv6 address of the stack's, or {@code ::}; port 0 picks an ephemeral port. */
    int bind6(final UdpSocket socket, final long hi, final long lo, final int port)
    {
        // As over IPv4, a socket may listen on a group's address: it then receives what is sent there.
        if (!Ipv6Address.isUnspecified(hi, lo) && !Ipv6Address.isMulticast(hi)
            && (ipv6 == null || !ipv6.isLocalAddress(hi, lo)))
        {
            return -Errno.EADDRNOTAVAIL;
        }
        return bind(socket, true, 0, hi, lo, port);
    }

    private int bind(final UdpSocket socket, final boolean v6, final int address, final long hi, final long lo,
        final int port)
    {
        final boolean covers4 = !v6 || (hi == 0 && lo == 0 && !socket.v6Only);
        int chosen = port;
        if (chosen == 0)
        {
            chosen = ephemeralPort(socket, covers4, address, v6, hi, lo);
            if (chosen == 0)
            {
                return -Errno.EADDRINUSE;
            }
        }
        else if (conflicts(socket, covers4, address, v6, hi, lo, chosen))
        {
            return -Errno.EADDRINUSE;
        }
        socket.v6 = v6;
        socket.localHi = hi;
        socket.localLo = lo;
        socket.localAddress = address;
        socket.localPort = chosen;
        socket.next = byPort[chosen];
        byPort[chosen] = socket;
        return 0;
    }

    void unbind(final UdpSocket socket)
    {
        final int port = socket.localPort;
        UdpSocket previous = null;
        for (UdpSocket s = byPort[port]; s != null; s = s.next)
        {
            if (s == socket)
            {
                if (previous == null)
                {
                    byPort[port] = s.next;
                }
                else
                {
                    previous.next = s.next;
                }
                s.next = null;
                return;
            }
            previous = s;
        }
    }

    void closed()
    {
        openSockets--;
    }

    /**
     * Whether an address (its IPv4 side when {@code covers4}, its IPv6 side when {@code v6}) shares the port with a
     * socket bound there, as Linux's udp_lib_lport_inuse: a dual-stack {@code ::} overlaps every IPv4 address.
     */
    private boolean conflicts(final UdpSocket socket, final boolean covers4, final int address, final boolean v6,
        final long hi, final long lo, final int port)
    {
        for (UdpSocket s = byPort[port]; s != null; s = s.next)
        {
            final boolean overlaps4 = covers4 && s.covers4()
                && (s.localAddress == 0 || address == 0 || s.localAddress == address);
            final boolean overlaps6 = v6 && s.v6 && (Ipv6Address.isUnspecified(hi, lo)
                || Ipv6Address.isUnspecified(s.localHi, s.localLo) || (s.localHi == hi && s.localLo == lo));
            if ((overlaps4 || overlaps6) && !(s.reuseAddress() && socket.reuseAddress()))
            {
                return true;
            }
        }
        return false;
    }

    private int ephemeralPort(final UdpSocket socket, final boolean covers4, final int address, final boolean v6,
        final long hi, final long lo)
    {
        // RFC 6056 algorithm 1 (simple random selection), with a linear walk from the random start so that a
        // nearly full range still finds its free ports.
        final int low = config.ephemeralLow();
        final int range = config.ephemeralHigh() - low + 1;
        final int start = random.nextInt(range);
        for (int i = 0; i < range; i++)
        {
            final int port = low + (start + i) % range;
            if (!conflicts(socket, covers4, address, v6, hi, lo, port))
            {
                return port;
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Receive

    @Override
    public int receive(final ByteBuffer memory, final int offset, final int length, final int source,
        final int destination, final int tos, final int ttl, final int rxFlags)
    {
        return input(memory, offset, length, source, destination, rxFlags, null, 0);
    }

    /**
     * A datagram to one of our addresses that arrived as a chain of buffers (a UDP_SEGMENT super-datagram, or a
     * large datagram), taken in place: the header is read from the first buffer, the checksum (when the link did
     * not verify it) summed over the chain, and each datagram copied straight from the chain into its socket's
     * queue. A broadcast is left to IPv4 to gather.
     */
    @Override
    public int receiveChain(final FrameChain chain, final int frameOffset, final ByteBuffer memory, final int offset,
        final int length, final int source, final int destination, final int tos, final int ttl, final int rxFlags)
    {
        if (chain.firstLength() - frameOffset < UdpHeader.LENGTH || !ipv4.isLocalAddress(destination))
        {
            return CONTIGUOUS;
        }
        return input(memory, offset, length, source, destination, rxFlags, chain, frameOffset);
    }

    /**
     * A datagram whose header is at {@code offset} in {@code memory}; its payload follows it there, or, when
     * {@code chain} is not null, in the chain from frame offset {@code frameOffset + 8} on.
     */
    private int input(final ByteBuffer memory, final int offset, final int length, final int source,
        final int destination, final int rxFlags, final FrameChain chain, final int frameOffset)
    {
        udp.wrap(memory, offset, length);
        if (!udp.isValid())
        {
            counters.inErrors++;
            return CONSUMED;
        }
        if ((rxFlags & PacketBurst.RX_L4_CHECKSUM_OK) == 0 && !(chain == null ? udp.checksumOk(source, destination)
            : udp.checksum() == 0 || Checksum.fold(chain.sum(frameOffset, udp.length(), Checksum.pseudoHeader(source,
                destination, Ipv4Header.PROTOCOL_UDP, udp.length()))) == 0))
        {
            counters.inCsumErrors++;
            counters.inErrors++;
            return CONSUMED;
        }
        final int sourcePort = udp.sourcePort();
        final int port = udp.destinationPort();
        final int payloadOffset = chain == null ? udp.payloadOffset() : frameOffset + UdpHeader.LENGTH;
        final int payloadLength = udp.payloadLength();
        // A UDP_SEGMENT super-datagram (a GSO frame from the link): the sender's datagrams of gsoSize bytes each,
        // the last maybe shorter, under one header; each is delivered as the datagram it was (Linux's
        // __udp_gso_segment() cuts it the same way).
        final int gsoSize = PacketBurst.gsoType(rxFlags) == PacketBurst.GSO_UDP_L4 ? PacketBurst.gsoSize(rxFlags) : 0;
        final int segment = gsoSize > 0 ? gsoSize : Math.max(payloadLength, 1);
        if (ipv4.isLocalAddress(destination))
        {
            final UdpSocket socket = lookup(destination, port, source, sourcePort);
            if (socket == null)
            {
                counters.noPorts++;
                return IcmpHeader.CODE_PORT_UNREACHABLE;
            }
            for (int at = 0; at < payloadLength || at == 0; at += segment)
            {
                counters.inDatagrams++;
                final int n = Math.min(segment, payloadLength - at);
                if (chain == null)
                {
                    socket.deliver(memory, payloadOffset + at, n, source, sourcePort);
                }
                else
                {
                    socket.deliver(chain, payloadOffset + at, n, source, sourcePort);
                }
            }
            return CONSUMED;
        }
        // Broadcast: every socket bound to the port (on the wildcard address) gets a copy (RFC 1122 4.1.3.6), and
        // no port unreachable answers it (RFC 1122 3.2.2).
        boolean delivered = false;
        for (UdpSocket s = byPort[port]; s != null; s = s.next)
        {
            if (s.covers4() && (s.localAddress == 0 || s.localAddress == destination) && s.accepts(source, sourcePort))
            {
                for (int at = 0; at < payloadLength || at == 0; at += segment)
                {
                    s.deliver(memory, payloadOffset + at, Math.min(segment, payloadLength - at), source, sourcePort);
                }
                delivered = true;
            }
        }
        if (delivered)
        {
            counters.inDatagrams++;
        }
        else
        {
            counters.noPorts++;
        }
        return CONSUMED;
    }

    /**
     * A datagram to a group the interface joined and whose filter lets the source in: every socket bound to the
     * port (on the wildcard address or the group) that joined the group on that interface, and whose own filter
     * lets the source in, gets a copy (RFC 1122 section 4.1.3.6, RFC 3376 section 3.2). Unlike Linux's default
     * (IP_MULTICAST_ALL), a socket that did not join receives nothing, as the JDK asks of Linux. Never answered
     * with an ICMP error.
     */
    @Override
    public int receiveMulticast(final ByteBuffer memory, final int offset, final int length, final int source,
        final int group, final int tos, final int ttl, final int rxFlags, final int interfaceIndex)
    {
        udp.wrap(memory, offset, length);
        if (!udp.isValid())
        {
            counters.inErrors++;
            return CONSUMED;
        }
        if ((rxFlags & PacketBurst.RX_L4_CHECKSUM_OK) == 0 && !udp.checksumOk(source, group))
        {
            counters.inCsumErrors++;
            counters.inErrors++;
            return CONSUMED;
        }
        final int sourcePort = udp.sourcePort();
        final int payloadOffset = udp.payloadOffset();
        final int payloadLength = udp.payloadLength();
        boolean delivered = false;
        for (UdpSocket s = byPort[udp.destinationPort()]; s != null; s = s.next)
        {
            if (s.covers4() && (s.localAddress == 0 || s.localAddress == group)
                && s.acceptsMulticast(group, interfaceIndex, source)
                && s.accepts(source, sourcePort))
            {
                s.deliver(memory, payloadOffset, payloadLength, source, sourcePort);
                delivered = true;
            }
        }
        if (delivered)
        {
            counters.inDatagrams++;
        }
        else
        {
            counters.inMulticastNoMember++;
        }
        return CONSUMED;
    }

    /** The best socket for a unicast datagram: a connected match, then an exact address, then the wildcard. */
    private UdpSocket lookup(final int destination, final int port, final int source, final int sourcePort)
    {
        UdpSocket best = null;
        int bestScore = -1;
        for (UdpSocket s = byPort[port]; s != null; s = s.next)
        {
            if (!s.covers4())
            {
                continue;
            }
            int score = 0;
            if (s.localAddress != 0)
            {
                if (s.localAddress != destination)
                {
                    continue;
                }
                score += 1;
            }
            if (s.isConnected())
            {
                if (!s.accepts(source, sourcePort))
                {
                    continue;
                }
                score += 2;
            }
            if (score > bestScore)
            {
                best = s;
                bestScore = score;
            }
        }
        return best;
    }

    @Override
    public void icmpError(final int type, final int code, final int info, final int source, final int destination,
        final ByteBuffer memory, final int quotedOffset, final int quotedLength)
    {
        // The quoted UDP header: our port first, then the remote one.
        final int localPort = memory.getShort(quotedOffset) & 0xFFFF;
        final int remotePort = memory.getShort(quotedOffset + 2) & 0xFFFF;
        final int error = errorFor(type, code);
        if (error == 0)
        {
            return;
        }
        // Like Linux without IP_RECVERR, only a connected socket learns of the error (RFC 1122 4.1.3.3 leaves it to
        // the application; unconnected sockets could not tell which of their peers it concerns).
        for (UdpSocket s = byPort[localPort]; s != null; s = s.next)
        {
            if (s.isConnected() && !s.remoteV6 && s.remoteAddress() == destination && s.remotePort() == remotePort
                && (s.localAddress == 0 || s.localAddress == source))
            {
                s.error(error);
            }
        }
    }

    @Override
    public int receive6(final ByteBuffer memory, final int offset, final int length, final long sourceHi,
        final long sourceLo, final long destinationHi, final long destinationLo, final int trafficClass,
        final int hopLimit, final int rxFlags)
    {
        return input6(memory, offset, length, sourceHi, sourceLo, destinationHi, destinationLo, rxFlags, null, 0);
    }

    /** An IPv6 datagram in a chain of buffers, taken in place as {@link #receiveChain} takes an IPv4 one. */
    @Override
    public int receiveChain6(final FrameChain chain, final int frameOffset, final ByteBuffer memory,
        final int offset, final int length, final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo, final int trafficClass, final int hopLimit, final int rxFlags)
    {
        if (chain.firstLength() - frameOffset < UdpHeader.LENGTH)
        {
            return CONTIGUOUS;
        }
        return input6(memory, offset, length, sourceHi, sourceLo, destinationHi, destinationLo, rxFlags, chain,
            frameOffset);
    }

    /** As {@link #input}, over IPv6. */
    private int input6(final ByteBuffer memory, final int offset, final int length, final long sourceHi,
        final long sourceLo, final long destinationHi, final long destinationLo, final int rxFlags,
        final FrameChain chain, final int frameOffset)
    {
        udp.wrap(memory, offset, length);
        if (!udp.isValid())
        {
            counters.inErrors++;
            return CONSUMED;
        }
        if (!checksumOk6(sourceHi, sourceLo, destinationHi, destinationLo, rxFlags, chain, frameOffset))
        {
            return CONSUMED;
        }
        final int sourcePort = udp.sourcePort();
        final int port = udp.destinationPort();
        if (Ipv6Address.isMulticast(destinationHi))
        {
            // IPv6 hands groups' datagrams to receiveMulticast6; one that reaches here was never joined.
            counters.inMulticastNoMember++;
            return CONSUMED;
        }
        final UdpSocket socket = lookup6(destinationHi, destinationLo, port, sourceHi, sourceLo, sourcePort);
        if (socket == null)
        {
            counters.noPorts++;
            return ICMP6_PORT_UNREACHABLE;
        }
        // A UDP_SEGMENT super-datagram over IPv6, cut as over IPv4 (see receive): Linux's udpv6_queue_rcv_skb()
        // segments it for a socket without UDP_GRO (udp_rcv_segment(), __udp_gso_segment()), one datagram a piece.
        final int payloadOffset = chain == null ? udp.payloadOffset() : frameOffset + UdpHeader.LENGTH;
        final int payloadLength = udp.payloadLength();
        final int gsoSize = PacketBurst.gsoType(rxFlags) == PacketBurst.GSO_UDP_L4 ? PacketBurst.gsoSize(rxFlags) : 0;
        final int segment = gsoSize > 0 ? gsoSize : Math.max(payloadLength, 1);
        for (int at = 0; at < payloadLength || at == 0; at += segment)
        {
            counters.inDatagrams++;
            final int n = Math.min(segment, payloadLength - at);
            if (chain == null)
            {
                socket.deliver6(memory, payloadOffset + at, n, sourceHi, sourceLo, sourcePort);
            }
            else
            {
                socket.deliver6(chain, payloadOffset + at, n, sourceHi, sourceLo, sourcePort);
            }
        }
        return CONSUMED;
    }

    /**
     * Checks the wrapped datagram's IPv6 checksum, counting a failure; summed over {@code chain} from
     * {@code frameOffset} on when the datagram lies in one.
     */
    private boolean checksumOk6(final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo, final int rxFlags, final FrameChain chain, final int frameOffset)
    {
        if (udp.checksum() == 0)
        {
            // RFC 8200 section 8.1: "IPv6 receivers must discard UDP packets containing a zero checksum".
            counters.inZeroChecksums6++;
            counters.inCsumErrors++;
            counters.inErrors++;
            return false;
        }
        if ((rxFlags & PacketBurst.RX_L4_CHECKSUM_OK) == 0 && !(chain == null
            ? udp.checksumOk6(sourceHi, sourceLo, destinationHi, destinationLo)
            : Checksum.fold(chain.sum(frameOffset, udp.length(), Checksum.pseudoHeader6(sourceHi, sourceLo,
                destinationHi, destinationLo, Ipv4Header.PROTOCOL_UDP, udp.length()))) == 0))
        {
            counters.inCsumErrors++;
            counters.inErrors++;
            return false;
        }
        return true;
    }

    /**
     * An IPv6 datagram to a group the interface listens to, whose merged filter lets the source in: as over IPv4
     * ({@link #receiveMulticast}), every socket bound on the IPv6 side to the port (on {@code ::} or the group) that
     * joined the group on that interface, and whose own filter lets the source in, gets a copy (RFC 3810 section
     * 4.2); a socket that did not join receives nothing.
     */
    @Override
    public void receiveMulticast6(final ByteBuffer memory, final int offset, final int length, final long sourceHi,
        final long sourceLo, final long groupHi, final long groupLo, final int trafficClass, final int hopLimit,
        final int rxFlags, final int interfaceIndex)
    {
        udp.wrap(memory, offset, length);
        if (!udp.isValid())
        {
            counters.inErrors++;
            return;
        }
        if (!checksumOk6(sourceHi, sourceLo, groupHi, groupLo, rxFlags, null, 0))
        {
            return;
        }
        final int sourcePort = udp.sourcePort();
        final int payloadOffset = udp.payloadOffset();
        final int payloadLength = udp.payloadLength();
        boolean delivered = false;
        for (UdpSocket s = byPort[udp.destinationPort()]; s != null; s = s.next)
        {
            if (s.v6
                && (Ipv6Address.isUnspecified(s.localHi, s.localLo) || s.localHi == groupHi && s.localLo == groupLo)
                && s.acceptsMulticast6(groupHi, groupLo, interfaceIndex, Ipv6Address.withoutScope(sourceHi), sourceLo)
                && s.accepts6(sourceHi, sourceLo, sourcePort))
            {
                s.deliver6(memory, payloadOffset, payloadLength, sourceHi, sourceLo, sourcePort);
                delivered = true;
            }
        }
        if (delivered)
        {
            counters.inDatagrams++;
        }
        else
        {
            counters.inMulticastNoMember++;
        }
    }

    /** {@link #lookup} over the sockets bound on the IPv6 side: connected, then an exact address, then {@code ::}. */
    private UdpSocket lookup6(final long destinationHi, final long destinationLo, final int port,
        final long sourceHi, final long sourceLo, final int sourcePort)
    {
        UdpSocket best = null;
        int bestScore = -1;
        for (UdpSocket s = byPort[port]; s != null; s = s.next)
        {
            if (!s.v6)
            {
                continue;
            }
            int score = 0;
            if (!Ipv6Address.isUnspecified(s.localHi, s.localLo))
            {
                if (s.localHi != destinationHi || s.localLo != destinationLo)
                {
                    continue;
                }
                score += 1;
            }
            if (s.isConnected())
            {
                if (!s.accepts6(sourceHi, sourceLo, sourcePort))
                {
                    continue;
                }
                score += 2;
            }
            if (score > bestScore)
            {
                best = s;
                bestScore = score;
            }
        }
        return best;
    }

    /**
     * An ICMPv6 error about a datagram we sent: a connected socket to that peer takes it as its pending error, as
     * Linux's icmpv6_err_convert words them (RFC 4443 section 3.1): port unreachable refuses (ECONNREFUSED), no route
     * is ENETUNREACH, administratively prohibited and the policy codes EACCES, the rest EHOSTUNREACH. Packet too big,
     * time exceeded and parameter problems are not reported, as Linux without IPV6_RECVERR.
     */
    @Override
    public void icmp6Error(final int type, final int code, final int info, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo, final ByteBuffer memory, final int quotedOffset,
        final int quotedLength)
    {
        if (type != 1 || quotedLength < 4)
        {
            return;
        }
        final int error = code == 4 ? Errno.ECONNREFUSED : code == 0 ? Errno.ENETUNREACH
            : code == 1 || code == 5 || code == 6 ? Errno.EACCES : Errno.EHOSTUNREACH;
        final int localPort = memory.getShort(quotedOffset) & 0xFFFF;
        final int remotePort = memory.getShort(quotedOffset + 2) & 0xFFFF;
        for (UdpSocket s = byPort[localPort]; s != null; s = s.next)
        {
            if (s.isConnected() && s.remoteV6 && s.remoteHi == destinationHi && s.remoteLo == destinationLo
                && s.remotePort() == remotePort && s.v6 && (Ipv6Address.isUnspecified(s.localHi, s.localLo)
                    || (s.localHi == sourceHi && s.localLo == sourceLo)))
            {
                s.error(error);
            }
        }
    }

    private static int errorFor(final int type, final int code)
    {
        if (type != IcmpHeader.TYPE_DESTINATION_UNREACHABLE)
        {
            return 0; // time exceeded and parameter problems are soft errors: not reported (Linux ignores them too)
        }
        switch (code)
        {
            case IcmpHeader.CODE_PORT_UNREACHABLE:
            case IcmpHeader.CODE_PROTOCOL_UNREACHABLE:
                return Errno.ECONNREFUSED;
            case IcmpHeader.CODE_NET_UNREACHABLE:
                return Errno.ENETUNREACH;
            case IcmpHeader.CODE_HOST_UNREACHABLE:
                return Errno.EHOSTUNREACH;
            case IcmpHeader.CODE_FRAGMENTATION_NEEDED:
                return 0; // UDP is sent without DF
            default:
                return Errno.EHOSTUNREACH;
        }
    }
}
