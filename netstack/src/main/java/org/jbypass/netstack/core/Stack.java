package org.jbypass.netstack.core;

import java.util.List;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.ip.IpCounters;
import org.jbypass.netstack.ip.Ipv4Layer;
import org.jbypass.netstack.ip.Ipv6Layer;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.tcp.TcpCounters;
import org.jbypass.netstack.tcp.TcpLayer;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.transport.EventQueue;
import org.jbypass.netstack.udp.UdpCounters;
import org.jbypass.netstack.udp.UdpLayer;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.Ipv6Header;

/**
 * The stack: interfaces, IPv4, UDP and TCP over one packet pool, driven from outside.
 *
 * <p>The stack is passive. It starts no thread and reads no clock: {@link #poll(long)} receives what the links
 * have, runs the timers that are due, delivers local traffic, transmits, tells socket listeners of readiness
 * changes, and returns when it next needs to run. Application operations on its sockets are made by whoever holds
 * the stack (the provider's lock), after {@link StackTime#advance(long)}, and end with {@link #flush()}.
 *
 * <p>Not thread safe: one thread at a time.
 */
public final class Stack implements AutoCloseable
{
    private final StackConfig config;
    private final PacketPool pool;
    private final StackTime time = new StackTime();
    private final TimerQueue timers = new TimerQueue();
    private final EventQueue events = new EventQueue();
    private final Ipv4Layer ipv4;
    private final Ipv6Layer ipv6;
    private final UdpLayer udp;
    private final TcpLayer tcp;
    private NetInterface[] interfaces = new NetInterface[0];
    private int lastWork;
    private boolean closed;

    public Stack(final StackConfig config, final long nowNanos)
    {
        this.config = config;
        this.pool = new PacketPool(config.poolBuffers(), config.bufferSize());
        this.time.reset(nowNanos);
        this.ipv4 = new Ipv4Layer(pool, timers, time, config.ip(), config.seed());
        // IPv6 shares IPv4's counters, so that every view of them (JMX, diagnostics) shows both families.
        this.ipv6 = new Ipv6Layer(pool, timers, time, config.ip(), config.ipv6(), ipv4.counters(),
            config.seed() ^ 0x6970763653656564L);
        this.udp = new UdpLayer(ipv4, events, config.udp(), config.seed());
        ipv4.register(Ipv4Header.PROTOCOL_UDP, udp);
        // TCP's secrets and port choices come from their own stream, not UDP's.
        this.tcp = new TcpLayer(ipv4, timers, time, events, config.tcp(), config.seed() ^ 0x7463705365656421L);
        ipv4.register(Ipv4Header.PROTOCOL_TCP, tcp);
        // Both transports serve IPv6 too: they receive from it and send through it.
        ipv6.register(Ipv6Header.NEXT_UDP, udp);
        udp.attachIpv6(ipv6);
        ipv6.register(Ipv6Header.NEXT_TCP, tcp);
        tcp.attachIpv6(ipv6);
    }

    /** The pool every link of this stack must be opened on. */
    public PacketPool pool()
    {
        return pool;
    }

    public StackConfig config()
    {
        return config;
    }

    /** The stack's time; advance it before an application operation. */
    public StackTime time()
    {
        return time;
    }

    /**
     * Adds an interface over a link opened on {@link #pool()}.
     *
     * @param gateway the default gateway on this interface, or 0
     */
    public NetInterface addInterface(final String name, final Link link, final int address, final int prefixLength,
        final int gateway)
    {
        final NetInterface nif = ipv4.addInterface(name, link, address, prefixLength, gateway);
        interfaces = ipv4.interfaces().toArray(new NetInterface[0]);
        return nif;
    }

    /**
     * Adds an interface without IPv4 over a link opened on {@link #pool()}: an IPv6-only interface, which
     * {@link #addAddress6} gives its addresses. It sends no ARP and drops the ARP and IPv4 frames it receives
     * (counted in {@link IpCounters#framesIpv4Disabled}).
     */
    public NetInterface addInterface(final String name, final Link link)
    {
        return addInterface(name, link, 0, 0, 0);
    }

    /** Routes {@code network/prefixLength} through an interface, via {@code gateway} (0: on the link). */
    public void addRoute(final int network, final int prefixLength, final NetInterface via, final int gateway)
    {
        ipv4.addRoute(network, prefixLength, via, gateway);
    }

    /**
     * Gives an interface an IPv6 address ({@code hi}/{@code lo} as {@link org.jbypass.netstack.wire.Ipv6Address}
     * carries them); the first one enables IPv6 there, with the link-local address derived from the MAC unless
     * that first address is link-local itself. See {@link Ipv6Layer#addAddress}.
     */
    public void addAddress6(final NetInterface nif, final long hi, final long lo, final int prefixLength)
    {
        ipv6.addAddress(nif, hi, lo, prefixLength);
    }

    /** Routes an IPv6 network through an interface, via a gateway ({@code 0, 0}: on the link). */
    public void addRoute6(final long networkHi, final long networkLo, final int prefixLength, final NetInterface via,
        final long gatewayHi, final long gatewayLo)
    {
        ipv6.addRoute(networkHi, networkLo, prefixLength, via, gatewayHi, gatewayLo);
    }

    public List<NetInterface> interfaces()
    {
        return ipv4.interfaces();
    }

    /** Whether {@code address} is one of the stack's addresses. */
    public boolean isLocalAddress(final int address)
    {
        return ipv4.isLocalAddress(address);
    }

    /** Whether the stack has a route to {@code destination}. */
    public boolean hasRoute(final int destination)
    {
        return ipv4.hasRoute(destination);
    }

    /**
     * Runs the stack once: receives a burst from every queue of every interface, fires due timers, delivers local
     * traffic, transmits (on {@link NetInterface#APPLICATION_TX_QUEUE}), and dispatches readiness events.
     *
     * @return the time by which it must run again ({@code nowNanos} itself when work is left over), or
     *         {@link Long#MAX_VALUE} when only new frames or operations can give it work
     */
    public long poll(final long nowNanos)
    {
        return poll(nowNanos, NetInterface.APPLICATION_TX_QUEUE);
    }

    /**
     * {@link #poll(long)} for the poller of receive queue {@code rxQueue}: what this run transmits goes to the
     * transmit queue that serves it ({@code rxQueue} modulo each link's transmit queues).
     */
    public long poll(final long nowNanos, final int rxQueue)
    {
        time.advance(nowNanos);
        final long now = time.nanos();
        int work = 0;
        ipv4.transmitQueue(rxQueue);
        try
        {
            for (final NetInterface nif : interfaces)
            {
                final int queues = nif.link().rxQueueCount();
                for (int q = 0; q < queues; q++)
                {
                    work += nif.receive(q, now);
                }
            }
            work += timers.expire(now);
            ipv4.deliverLoopback(now);
            ipv6.deliverLoopback(now);
            ipv4.flushTransmit();
            events.dispatch();
        }
        finally
        {
            ipv4.transmitQueue(NetInterface.APPLICATION_TX_QUEUE);
        }
        lastWork = work;
        return hasPendingWork() ? now : timers.nextDeadline();
    }

    /**
     * Receives and processes one burst from one receive queue only, for pollers that each own a queue; timers are
     * left to {@link #poll}. What the burst makes the stack send (ACKs, replies, data a window update released)
     * leaves on the transmit queue that serves the receive queue ({@code queue} modulo each link's transmit queues),
     * so that each poller fills its own send ring; every other caller transmits on
     * {@link NetInterface#APPLICATION_TX_QUEUE}.
     *
     * @return the frames received
     */
    public int pollQueue(final NetInterface nif, final int queue, final long nowNanos)
    {
        time.advance(nowNanos);
        ipv4.transmitQueue(queue);
        try
        {
            final int n = nif.receive(queue, time.nanos());
            ipv4.deliverLoopback(time.nanos());
            ipv6.deliverLoopback(time.nanos());
            ipv4.flushTransmit();
            events.dispatch();
            return n;
        }
        finally
        {
            ipv4.transmitQueue(NetInterface.APPLICATION_TX_QUEUE);
        }
    }

    /** How many frames and timers the last {@link #poll} handled: zero means it found nothing to do. */
    public int lastWork()
    {
        return lastWork;
    }

    /**
     * Ends an application operation: delivers local traffic, transmits what the operation queued, and dispatches
     * readiness events.
     *
     * @return whether work is left that only a {@link #poll} will do (a full ring, a long local exchange): the
     *         caller should wake the poller
     */
    public boolean flush()
    {
        final long now = time.nanos();
        ipv4.deliverLoopback(now);
        ipv6.deliverLoopback(now);
        ipv4.flushTransmit();
        events.dispatch();
        return hasPendingWork();
    }

    /**
     * The transmit queues that frames wait for, of every interface, as bits ({@code 1L << (queue % 64)}): frames a
     * full ring refused, and frames kept on their flow's queue while the link still holds the flow's last frame
     * there ({@link NetInterface}). Only the thread that serves a queue transmits on it, so a caller that leaves
     * frames for another queue wakes that queue's poller.
     */
    public long pendingTransmitQueues()
    {
        long queues = 0;
        for (final NetInterface nif : interfaces)
        {
            queues |= nif.pendingTransmitQueues();
        }
        return queues;
    }

    private boolean hasPendingWork()
    {
        return ipv4.hasPendingWork() || ipv6.hasPendingWork();
    }

    /** The earliest timer deadline, {@link Long#MAX_VALUE} if none. */
    public long nextDeadline()
    {
        return hasPendingWork() ? time.nanos() : timers.nextDeadline();
    }

    /**
     * {@link #nextDeadline()} right after a {@link #flush()} that returned {@code pending}, without asking every
     * interface's transmit queues again whether work is pending (nothing ran in between): an operation's end asks
     * both, twice per message.
     */
    public long nextDeadlineAfterFlush(final boolean pending)
    {
        return pending ? time.nanos() : timers.nextDeadline();
    }

    /** A new UDP socket. */
    public UdpSocket openUdp()
    {
        return udp.open();
    }

    /** A new TCP socket. */
    public TcpSocket openTcp()
    {
        return tcp.open();
    }

    /** A new IPv6 UDP socket (AF_INET6), dual-stack unless {@code v6Only}. */
    public UdpSocket openUdp6(final boolean v6Only)
    {
        return udp.open6(v6Only);
    }

    /** A new IPv6 TCP socket (AF_INET6), dual-stack unless {@code v6Only}. */
    public TcpSocket openTcp6(final boolean v6Only)
    {
        return tcp.open6(v6Only);
    }

    public TcpCounters tcpCounters()
    {
        return tcp.counters();
    }

    /** The TCP layer, for diagnostics and tests. */
    public TcpLayer tcp()
    {
        return tcp;
    }

    public IpCounters ipCounters()
    {
        return ipv4.counters();
    }

    public UdpCounters udpCounters()
    {
        return udp.counters();
    }

    /** The IP layer, for diagnostics and tests. */
    public Ipv4Layer ipv4()
    {
        return ipv4;
    }

    /** The IPv6 layer: what the transports send IPv6 through, and diagnostics. */
    public Ipv6Layer ipv6()
    {
        return ipv6;
    }

    /**
     * Closes the stack: returns every buffer it holds to the pool and closes the links. Sockets should be closed
     * first; the provider does.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        tcp.releaseLentPayloads();
        ipv6.release();
        ipv4.release();
        for (final NetInterface nif : interfaces)
        {
            nif.link().close();
        }
    }
}
