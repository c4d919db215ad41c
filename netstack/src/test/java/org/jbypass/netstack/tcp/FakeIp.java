package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.ip.BufferChain;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Header;

/**
 * IPv4 as TCP's scripted tests see it: a route to 198.18.0.0/15 with a fixed MTU, one local address, and a send
 * that copies each segment out of its pool buffer (and frees the buffer, as a link would) for the test to examine.
 */
final class FakeIp extends TcpTestIpv4
{
    final PacketPool pool;
    final int localAddress;
    final Deque<Captured> sent = new ArrayDeque<>();
    int mtu = 1500;
    /** Sends to refuse with ENOBUFS before accepting again. */
    int refuseSends;
    /** The longest datagram the route's link segments (TSO), 0 for none, as {@link #segmentationLimit} says. */
    int segmentationLimit;
    /** Super-segments received through {@link #sendChain}. */
    int superSegments;
    /** When set, segments go here instead of the queue (two-layer tests). */
    Consumer<Captured> sink;

    FakeIp(final int localAddress, final int poolBuffers)
    {
        this.localAddress = localAddress;
        this.pool = new PacketPool(poolBuffers, 2048);
    }

    static boolean routable(final int destination)
    {
        return (destination & 0xFFFE0000) == 0xC6120000;
    }

    @Override
    public PacketPool pool()
    {
        return pool;
    }

    @Override
    public int sourceAddress(final int destination)
    {
        return routable(destination) ? localAddress : 0;
    }

    @Override
    public int pathMtu(final int destination)
    {
        return routable(destination) ? mtu : 0;
    }

    @Override
    public boolean isLocalAddress(final int address)
    {
        return address == localAddress;
    }

    @Override
    public int segmentationLimit(final int destination)
    {
        return routable(destination) ? segmentationLimit : 0;
    }

    /**
     * Takes a super-segment as a link that passes it whole would (a veth): checks the chain's shape and its partial
     * checksum (the pseudo-header sum over the whole length), completes the checksum and captures it as one
     * segment with its segment size.
     */
    @Override
    public int sendChain(final BufferChain chain, final int l4Length, final int source, final int destination,
        final int tos, final int ttl, final int segmentSize)
    {
        if (!chain.copySlices(pool))
        {
            chain.free(pool);
            return -Errno.ENOMEM;
        }
        final int n = chain.count();
        if (n < 1 || chain.frameLength() != L4_OFFSET + l4Length || segmentationLimit == 0
            || 20 + l4Length > segmentationLimit)
        {
            chain.free(pool);
            throw new AssertionError("a chain of " + n + " buffers, " + chain.frameLength() + " bytes for "
                + l4Length + " (limit " + segmentationLimit + ")");
        }
        final byte[] bytes = new byte[l4Length];
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            final int skip = i == 0 ? L4_OFFSET : 0;
            final int len = chain.length(i) - skip;
            if (chain.length(i) > pool.bufferSize() || len <= 0)
            {
                chain.free(pool);
                throw new AssertionError("buffer " + i + " of a chain holds " + chain.length(i));
            }
            pool.memory().get(pool.offset(chain.buffer(i)) + skip, bytes, at, len);
            at += len;
        }
        chain.free(pool);
        final ByteBuffer b = ByteBuffer.wrap(bytes);
        final int field = b.getShort(16) & 0xFFFF;
        final int pseudo = ~Checksum.fold(Checksum.pseudoHeader(source, destination, Ipv4Header.PROTOCOL_TCP,
            l4Length)) & 0xFFFF;
        if (field != pseudo)
        {
            throw new AssertionError("partial checksum " + field + ", the pseudo-header sum is " + pseudo);
        }
        final int headerLength = ((b.get(12) & 0xF0) >>> 4) * 4;
        if (segmentSize <= 0 || l4Length - headerLength <= segmentSize)
        {
            throw new AssertionError("a super-segment of " + (l4Length - headerLength) + " bytes, segment size "
                + segmentSize);
        }
        b.putShort(16, (short)0);
        b.putShort(16, (short)Checksum.fold(Checksum.sum(b, 0, l4Length, Checksum.pseudoHeader(source, destination,
            Ipv4Header.PROTOCOL_TCP, l4Length))));
        superSegments++;
        final Captured c = new Captured(bytes, source, destination, tos, ttl, true);
        c.segmentSize = segmentSize;
        if (sink != null)
        {
            sink.accept(c);
        }
        else
        {
            sent.add(c);
        }
        return 0;
    }

    @Override
    public int send(final int buffer, final int l4Length, final int source, final int destination, final int protocol,
        final int tos, final int ttl, final boolean dontFragment)
    {
        if (protocol != Ipv4Header.PROTOCOL_TCP)
        {
            pool.free(buffer);
            throw new AssertionError("TCP sent protocol " + protocol);
        }
        if (refuseSends > 0)
        {
            refuseSends--;
            pool.free(buffer);
            return -Errno.ENOBUFS;
        }
        if (!routable(destination))
        {
            pool.free(buffer);
            return -Errno.ENETUNREACH;
        }
        final byte[] bytes = new byte[l4Length];
        pool.memory().get(pool.offset(buffer) + L4_OFFSET, bytes, 0, l4Length);
        pool.free(buffer);
        final Captured c = new Captured(bytes, source, destination, tos, ttl, dontFragment);
        if (!c.checksumOk)
        {
            throw new AssertionError("the stack sent a segment with a bad checksum: " + c);
        }
        if (sink != null)
        {
            sink.accept(c);
        }
        else
        {
            sent.add(c);
        }
        return 0;
    }
}
