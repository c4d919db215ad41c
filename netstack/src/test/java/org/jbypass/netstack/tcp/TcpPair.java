package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.ip.BufferChain;
import org.jbypass.netstack.ip.Ipv6Output;
import org.jbypass.netstack.transport.EventQueue;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Header;

/**
 * Two TCP layers joined by a simulated segment-level wire with a fixed one-way delay, a bandwidth, a bounded queue
 * (tail drop) and seeded impairments: loss, reordering (an extra delay), duplication and corruption (one byte
 * flipped, which the checksum must catch). Time is simulated and jumps from event to event, so long transfers run
 * in seconds of real time and repeat exactly from their seed.
 *
 * <p>With {@link #segmentationLimit} set the wire takes TCP super-segments (TSO): it checks each one's partial
 * checksum and either cuts it into segments of its segment size as a NIC's TSO or the kernel's GSO does
 * ({@link #segmentOnWire}, tcp_gso_segment(): the header copied, sequence numbers advanced, PSH and FIN on the last
 * only, each checksum complete), or carries it whole as a veth carries it to a peer that takes it as one segment.
 * Impairments then hit whole super-segments.
 */
final class TcpPair
{
    static final int A = 0xC6120001;
    static final int B = 0xC6120002;
    /** The sides' IPv6 addresses: 2001:db8::a and 2001:db8::b (each side also has its IPv4 one). */
    static final long NET6 = 0x2001_0DB8_0000_0000L;
    static final long A6 = 0xA;
    static final long B6 = 0xB;

    final Side a;
    final Side b;
    final SplittableRandom random;
    final PriorityQueue<InFlight> wire = new PriorityQueue<>();
    long now = 1_000_000_000L;
    long delayNanos = 100_000L;
    /** Bytes per second the wire carries each way; 0 for unlimited. */
    long bandwidth = 1_000_000_000L;
    /** The most queueing delay the bottleneck holds before it drops (a tail-drop queue of that many seconds). */
    long maxQueueNanos = 2_000_000L;
    /** The longest datagram either side may send as a super-segment; 0 for none. */
    int segmentationLimit;
    /**
     * Whether {@link TcpTransferTest#run} opens IPv6 sockets: a dual-stack listener on A's {@code ::}, and clients
     * that connect alternately to A's IPv6 address and to its IPv4-mapped one (over IPv4).
     */
    boolean ipv6;
    /** Whether the wire cuts super-segments into segments (a NIC), or carries them whole (a veth). */
    boolean segmentOnWire;
    /** Super-segments sent, either way. */
    long superSegments;
    double loss;
    double reorder;
    double duplicate;
    double corrupt;
    long delivered;
    long dropped;
    long queueDrops;
    long order;

    TcpPair(final TcpConfig configA, final TcpConfig configB, final long seed)
    {
        random = new SplittableRandom(seed);
        a = new Side(A, A6, configA, seed * 31 + 1);
        b = new Side(B, B6, configB, seed * 31 + 2);
        a.peer = b;
        b.peer = a;
    }

    /** One endpoint: a layer with its own timers, time and pool, reached over IPv4 and over IPv6. */
    final class Side extends TcpTestIpv4
    {
        final int address;
        final long address6;
        final Ipv6 ipv6 = new Ipv6();
        final StackTime time = new StackTime();
        final TimerQueue timers = new TimerQueue();
        final EventQueue events = new EventQueue();
        final PacketPool pool = new PacketPool(4096, 2048);
        final TcpLayer layer;
        Side peer;
        long busyUntil;
        final ByteBuffer scratch = ByteBuffer.allocate(65_536);

        Side(final int address, final long address6, final TcpConfig config, final long seed)
        {
            this.address = address;
            this.address6 = address6;
            time.reset(now);
            layer = new TcpLayer(this, timers, time, events, config, seed);
            layer.attachIpv6(ipv6);
        }

        /** The side's IPv6: a point-to-point link to the peer's address, MTU 1500, no segmentation offload. */
        final class Ipv6 implements Ipv6Output
        {
            @Override
            public PacketPool pool()
            {
                return pool;
            }

            @Override
            public boolean selectSource(final long destinationHi, final long destinationLo)
            {
                return destinationHi == NET6 && destinationLo == peer.address6;
            }

            @Override
            public long sourceHi()
            {
                return NET6;
            }

            @Override
            public long sourceLo()
            {
                return address6;
            }

            @Override
            public int pathMtu(final long destinationHi, final long destinationLo)
            {
                return selectSource(destinationHi, destinationLo) ? 1500 : 0;
            }

            @Override
            public boolean isLocalAddress(final long hi, final long lo)
            {
                return hi == NET6 && lo == address6;
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
                if (nextHeader != Ipv4Header.PROTOCOL_TCP || !selectSource(destinationHi, destinationLo)
                    || !isLocalAddress(sourceHi, sourceLo))
                {
                    pool.free(buffer);
                    return -Errno.ENETUNREACH;
                }
                final byte[] bytes = new byte[l4Length];
                pool.memory().get(pool.offset(buffer) + Ipv6Output.L4_OFFSET, bytes, 0, l4Length);
                pool.free(buffer);
                return carry(bytes, true, 0, 0, sourceLo, destinationLo);
            }

            @Override
            public int sendFromMemory(final ByteBuffer memory, final int l4Offset, final int l4Length,
                final long sourceHi, final long sourceLo, final long destinationHi, final long destinationLo,
                final int nextHeader, final int trafficClass, final int hopLimit)
            {
                throw new AssertionError("TCP sends from pool buffers only");
            }
        }

        @Override
        public PacketPool pool()
        {
            return pool;
        }

        @Override
        public int sourceAddress(final int destination)
        {
            return destination == peer.address ? address : 0;
        }

        @Override
        public int pathMtu(final int destination)
        {
            return destination == peer.address ? 1500 : 0;
        }

        @Override
        public boolean isLocalAddress(final int address)
        {
            return address == this.address;
        }

        @Override
        public int segmentationLimit(final int destination)
        {
            return destination == peer.address ? segmentationLimit : 0;
        }

        @Override
        public int sendChain(final BufferChain chain, final int l4Length, final int source, final int destination,
            final int tos, final int ttl, final int segmentSize)
        {
            if (destination != peer.address || segmentationLimit == 0 || 20 + l4Length > segmentationLimit
                || chain.frameLength() != L4_OFFSET + l4Length)
            {
                chain.free(pool);
                throw new AssertionError("a super-segment the wire cannot take: " + l4Length);
            }
            if (!chain.copySlices(pool))
            {
                chain.free(pool);
                return -Errno.ENOMEM;
            }
            final byte[] bytes = new byte[l4Length];
            int at = 0;
            for (int i = 0; i < chain.count(); i++)
            {
                final int skip = i == 0 ? L4_OFFSET : 0;
                pool.memory().get(pool.offset(chain.buffer(i)) + skip, bytes, at, chain.length(i) - skip);
                at += chain.length(i) - skip;
            }
            chain.free(pool);
            final ByteBuffer b = ByteBuffer.wrap(bytes);
            final int partial = ~Checksum.fold(Checksum.pseudoHeader(source, destination, Ipv4Header.PROTOCOL_TCP,
                l4Length)) & 0xFFFF;
            if ((b.getShort(16) & 0xFFFF) != partial)
            {
                throw new AssertionError("a super-segment without its pseudo-header sum");
            }
            superSegments++;
            final int headerLength = ((b.get(12) & 0xF0) >>> 4) * 4;
            if (!segmentOnWire)
            {
                complete(bytes, source, destination);
                return carry(bytes, false, source, destination, 0, 0);
            }
            final int seq = b.getInt(4);
            final int flags = b.get(13) & 0xFF;
            for (int offset = headerLength; offset < l4Length; offset += segmentSize)
            {
                final int payload = Math.min(segmentSize, l4Length - offset);
                final byte[] segment = new byte[headerLength + payload];
                System.arraycopy(bytes, 0, segment, 0, headerLength);
                System.arraycopy(bytes, offset, segment, headerLength, payload);
                final ByteBuffer sb = ByteBuffer.wrap(segment);
                sb.putInt(4, seq + offset - headerLength);
                final boolean last = offset + payload == l4Length;
                // tcp_gso_segment(): FIN and PSH stay on the last segment only.
                sb.put(13, (byte)(last ? flags : flags & ~(Tcp.FIN | Tcp.PSH)));
                complete(segment, source, destination);
                carry(segment, false, source, destination, 0, 0);
            }
            return 0;
        }

        private void complete(final byte[] segment, final int source, final int destination)
        {
            final ByteBuffer b = ByteBuffer.wrap(segment);
            b.putShort(16, (short)0);
            b.putShort(16, (short)Checksum.fold(Checksum.sum(b, 0, segment.length, Checksum.pseudoHeader(source,
                destination, Ipv4Header.PROTOCOL_TCP, segment.length))));
        }

        @Override
        public int send(final int buffer, final int l4Length, final int source, final int destination,
            final int protocol, final int tos, final int ttl, final boolean dontFragment)
        {
            if (protocol != Ipv4Header.PROTOCOL_TCP || destination != peer.address)
            {
                pool.free(buffer);
                return -Errno.ENETUNREACH;
            }
            final byte[] bytes = new byte[l4Length];
            pool.memory().get(pool.offset(buffer) + L4_OFFSET, bytes, 0, l4Length);
            pool.free(buffer);
            return carry(bytes, false, source, destination, 0, 0);
        }

        /**
         * Puts a segment (or a super-segment carried whole) on the wire, through its queue and impairments; over
         * IPv6 ({@code v6}) the addresses are 2001:db8:: and the given low halves.
         */
        private int carry(final byte[] bytes, final boolean v6, final int source, final int destination,
            final long sourceLo6, final long destinationLo6)
        {
            final int l4Length = bytes.length;
            final long wireTime = bandwidth == 0 ? 0 : (l4Length + 58) * 1_000_000_000L / bandwidth;
            if (busyUntil - now > maxQueueNanos)
            {
                dropped++;
                queueDrops++;
                return 0;
            }
            busyUntil = Math.max(busyUntil, now) + wireTime;
            if (random.nextDouble() < loss)
            {
                dropped++;
                return 0;
            }
            long at = busyUntil + delayNanos;
            if (random.nextDouble() < reorder)
            {
                at += delayNanos + random.nextLong(4 * delayNanos);
            }
            if (random.nextDouble() < corrupt)
            {
                final int i = random.nextInt(bytes.length);
                bytes[i] ^= (byte)(1 + random.nextInt(255));
            }
            enqueue(new InFlight(at, order++, this, peer, bytes, v6, source, destination, sourceLo6, destinationLo6));
            if (random.nextDouble() < duplicate)
            {
                enqueue(new InFlight(at + random.nextLong(delayNanos), order++, this, peer, bytes.clone(), v6, source,
                    destination, sourceLo6, destinationLo6));
            }
            return 0;
        }

        private void enqueue(final InFlight f)
        {
            wire.add(f);
        }

        void deliver(final InFlight f)
        {
            time.advance(now);
            scratch.clear();
            scratch.put(0, f.bytes);
            if (f.v6)
            {
                layer.receive6(scratch, 0, f.bytes.length, NET6, f.sourceLo6, NET6, f.destinationLo6, 0, 64, 0);
            }
            else
            {
                layer.receive(scratch, 0, f.bytes.length, f.source, f.destination, 0, 64, 0);
            }
        }

        void runTimers()
        {
            time.advance(now);
            timers.expire(now);
            events.dispatch();
        }
    }

    static final class InFlight implements Comparable<InFlight>
    {
        final long at;
        final long order;
        final Side from;
        final Side to;
        final byte[] bytes;
        final boolean v6;
        final int source;
        final int destination;
        final long sourceLo6;
        final long destinationLo6;

        InFlight(final long at, final long order, final Side from, final Side to, final byte[] bytes, final boolean v6,
            final int source, final int destination, final long sourceLo6, final long destinationLo6)
        {
            this.at = at;
            this.order = order;
            this.from = from;
            this.to = to;
            this.bytes = bytes;
            this.v6 = v6;
            this.source = source;
            this.destination = destination;
            this.sourceLo6 = sourceLo6;
            this.destinationLo6 = destinationLo6;
        }

        @Override
        public int compareTo(final InFlight o)
        {
            final int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    /**
     * Moves time to the next event (a delivery or a timer) no later than {@code limit}, and processes every event
     * due then.
     *
     * @return false when nothing is left to happen before the limit
     */
    boolean step(final long limit)
    {
        long next = Math.min(a.timers.nextDeadline(), b.timers.nextDeadline());
        if (!wire.isEmpty())
        {
            next = Math.min(next, wire.peek().at);
        }
        if (next > limit)
        {
            now = Math.max(now, limit);
            a.time.advance(now);
            b.time.advance(now);
            return false;
        }
        now = Math.max(now, next);
        while (!wire.isEmpty() && wire.peek().at <= now)
        {
            final InFlight f = wire.poll();
            delivered++;
            f.to.deliver(f);
        }
        a.runTimers();
        b.runTimers();
        a.events.dispatch();
        b.events.dispatch();
        return true;
    }
}
