package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv6Address;

/**
 * IPv6 as the transports' scripted tests see it, until the stack's own IPv6 layer drives them: one local address
 * in 2001:db8::/64, a route to that prefix with a fixed path MTU, and a send that copies each packet out of its
 * pool buffer (freeing the buffer, as a link would) after checking its checksum over IPv6's pseudo-header.
 */
public final class FakeIpv6 implements Ipv6Output
{
    /** 2001:db8::/64, the documentation prefix (RFC 3849). */
    public static final long PREFIX_HI = 0x2001_0DB8_0000_0000L;
    public static final long STACK_LO = 2;
    public static final long PEER_LO = 1;

    /** A packet the transport sent. */
    public static final class Sent
    {
        public final byte[] bytes;
        public final long sourceHi;
        public final long sourceLo;
        public final long destinationHi;
        public final long destinationLo;
        public final int nextHeader;
        public final int trafficClass;
        public final int hopLimit;

        Sent(final byte[] bytes, final long sourceHi, final long sourceLo, final long destinationHi,
            final long destinationLo, final int nextHeader, final int trafficClass, final int hopLimit)
        {
            this.bytes = bytes;
            this.sourceHi = sourceHi;
            this.sourceLo = sourceLo;
            this.destinationHi = destinationHi;
            this.destinationLo = destinationLo;
            this.nextHeader = nextHeader;
            this.trafficClass = trafficClass;
            this.hopLimit = hopLimit;
        }
    }

    public final PacketPool pool;
    public final Deque<Sent> sent = new ArrayDeque<>();
    public int mtu = 1500;
    /** When set, packets go here instead of the queue. */
    public Consumer<Sent> sink;
    private long sourceHi;
    private long sourceLo;

    public FakeIpv6(final PacketPool pool)
    {
        this.pool = pool;
    }

    public static boolean routable(final long hi)
    {
        return hi == PREFIX_HI;
    }

    @Override
    public PacketPool pool()
    {
        return pool;
    }

    @Override
    public boolean selectSource(final long destinationHi, final long destinationLo)
    {
        if (!routable(destinationHi))
        {
            return false;
        }
        sourceHi = PREFIX_HI;
        sourceLo = STACK_LO;
        return true;
    }

    @Override
    public long sourceHi()
    {
        return sourceHi;
    }

    @Override
    public long sourceLo()
    {
        return sourceLo;
    }

    @Override
    public int pathMtu(final long destinationHi, final long destinationLo)
    {
        return routable(destinationHi) ? mtu : 0;
    }

    @Override
    public boolean isLocalAddress(final long hi, final long lo)
    {
        return hi == PREFIX_HI && lo == STACK_LO;
    }

    @Override
    public int defaultHopLimit()
    {
        return 64;
    }

    @Override
    public int send(final int buffer, final int l4Length, final long sourceHi, final long sourceLo,
        final long destinationHi, final long destinationLo, final int nextHeader, final int trafficClass,
        final int hopLimit)
    {
        final byte[] bytes = new byte[l4Length];
        pool.memory().get(pool.offset(buffer) + L4_OFFSET, bytes, 0, l4Length);
        pool.free(buffer);
        return capture(bytes, sourceHi, sourceLo, destinationHi, destinationLo, nextHeader, trafficClass, hopLimit);
    }

    @Override
    public int sendFromMemory(final ByteBuffer memory, final int l4Offset, final int l4Length, final long sourceHi,
        final long sourceLo, final long destinationHi, final long destinationLo, final int nextHeader,
        final int trafficClass, final int hopLimit)
    {
        if (l4Length > 65535)
        {
            return -Errno.EMSGSIZE;
        }
        final byte[] bytes = new byte[l4Length];
        memory.get(l4Offset, bytes, 0, l4Length);
        return capture(bytes, sourceHi, sourceLo, destinationHi, destinationLo, nextHeader, trafficClass, hopLimit);
    }

    private int capture(final byte[] bytes, final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo, final int nextHeader, final int trafficClass, final int hopLimit)
    {
        if (!routable(destinationHi))
        {
            return -Errno.ENETUNREACH;
        }
        if (Ipv6Address.isUnspecified(sourceHi, sourceLo) || Ipv6Address.isMulticast(sourceHi))
        {
            return -Errno.EINVAL;
        }
        if (Checksum.fold(Checksum.sum(ByteBuffer.wrap(bytes), 0, bytes.length, Checksum.pseudoHeader6(sourceHi,
            sourceLo, destinationHi, destinationLo, nextHeader, bytes.length))) != 0)
        {
            throw new AssertionError("a packet with a bad IPv6 checksum, protocol " + nextHeader);
        }
        final Sent s = new Sent(bytes, sourceHi, sourceLo, destinationHi, destinationLo, nextHeader, trafficClass,
            hopLimit);
        if (sink != null)
        {
            sink.accept(s);
        }
        else
        {
            sent.add(s);
        }
        return 0;
    }

    /** The checksum field a transport packet needs over IPv6's pseudo-header (the field itself zero in it). */
    public static int checksum(final byte[] bytes, final long sourceHi, final long sourceLo, final long destinationHi,
        final long destinationLo, final int nextHeader)
    {
        return Checksum.fold(Checksum.sum(ByteBuffer.wrap(bytes), 0, bytes.length, Checksum.pseudoHeader6(sourceHi,
            sourceLo, destinationHi, destinationLo, nextHeader, bytes.length)));
    }
}
