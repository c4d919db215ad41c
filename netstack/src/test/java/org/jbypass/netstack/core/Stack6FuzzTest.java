package org.jbypass.netstack.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.ip.ReassemblyConfig;
import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.netstack.tcp.TcpInvariants;
import org.jbypass.netstack.testing.ChannelLink;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.udp.UdpConfig;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.MacAddress;
import org.jbypass.netstack.wire.TcpHeader;

/**
 * Coverage-guided fuzzing of TCP and UDP over IPv6 through a whole stack (DEVELOPERS.md, "Fuzzing"), as
 * {@link StackFuzzTest} fuzzes them over IPv4. The stack under test, A, is IPv6-only (2001:db8::2 and its
 * link-local address): a dual-stack TCP listener, an established connection with a peer the fuzzer plays (the
 * "exposed" one, from 2001:db8::1), UDP sockets bound and connected, and an established connection with data in
 * flight to a second, real stack B at 2001:db8::3 (the "protected" one). The fuzzer sends A frames: mostly IPv6
 * with TCP segments (the exposed connection's numbers or any, options it picks) and UDP datagrams with correct
 * checksums, sometimes behind extension headers or in fragments, from global or link-local sources (well formed or
 * not), ICMPv6 errors quoting A's packets (packet too big, unreachable) with correct checksums, router
 * advertisements, arbitrary bytes; the passing of time; and the application's reads, writes and accepts.
 *
 * <p>After every step: no exception escaped {@code poll}; the neighbour cache, reassembly slots, path MTU cache and
 * {@link TcpInvariants} stayed within their bounds, and A holds no more buffers than its queues allow. At the end:
 * the protected connection is still established and carries more data both ways, every byte intact and in order;
 * and once everything is closed and time has passed, every packet buffer is back in the pool. The fuzzer never
 * speaks as B (frames from B's addresses are re-addressed), for TCP cannot tell a spoofed in-window segment from
 * its peer's.
 */
class Stack6FuzzTest extends TwoStackFuzzBed
{
    private static final long A_MAC = MacAddress.parse("02:00:00:00:00:02");
    private static final long B_MAC = MacAddress.parse("02:00:00:00:00:03");
    private static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:01");
    private static final long NET = 0x2001_0DB8_0000_0000L;
    private static final long[] A6 = {NET, 2};
    private static final long[] B6 = {NET, 3};
    private static final long[] PEER6 = {NET, 1};
    private static final long[] B_LL = {Ipv6Address.LINK_LOCAL_HI, Ipv6Address.eui64(B_MAC)};
    private static final long[] OTHER6 = {NET, 4};
    private static final long[][] ADDRESSES = {PEER6, A6, {Ipv6Address.LINK_LOCAL_HI, Ipv6Address.eui64(A_MAC)},
        Ipv6Address.parse("fe80::1"), Ipv6Address.parse("fe80:7::1"), Ipv6Address.parse("ff02::1"), OTHER6,
        Ipv6Address.parse("2001:db8:99::1"), Ipv6Address.parse("::1"), Ipv6Address.parse("::ffff:198.18.0.1"),
        {0, 0}};
    private static final int LISTEN_PORT = 80;
    private static final int PEER_PORT = 40000;
    private static final int UDP_PORT = 53;
    private static final int UDP_CONNECTED_PORT = 5353;
    private static final int NEIGHBOURS = 16;

    @FuzzTest(maxDuration = "5m")
    void frames(final FuzzedDataProvider data)
    {
        run(data);
    }

    // ------------------------------------------------------------------------------------------------------------
    // The two stacks.

    @Override
    void setUp()
    {
        a = new Stack(config(256, 7), now);
        b = new Stack(config(128, 8), now);
        aLink = new ChannelLink(a.pool(), A_MAC, 1500);
        bLink = new ChannelLink(b.pool(), B_MAC, 1500);
        a.addAddress6(a.addInterface("a0", aLink), A6[0], A6[1], 64);
        b.addAddress6(b.addInterface("b0", bLink), B6[0], B6[1], 64);
        poll();
        listener = a.openTcp6(false);
        assertEquals(0, listener.bind6(0, 0, LISTEN_PORT));
        assertEquals(0, listener.listen(4));
        udp = a.openUdp6(false);
        assertEquals(0, udp.bind6(0, 0, UDP_PORT));
        udpConnected = a.openUdp6(false);
        assertEquals(0, udpConnected.bind6(0, 0, UDP_CONNECTED_PORT));
        assertEquals(0, udpConnected.connect6(PEER6[0], PEER6[1], UDP_CONNECTED_PORT));

        // The protected connection, from B, with data in flight both ways.
        protectedB = b.openTcp6(true);
        assertEquals(-Errno.EINPROGRESS, protectedB.connect6(A6[0], A6[1], LISTEN_PORT));
        b.flush();
        poll();
        protectedA = listener.accept();
        assertNotNull(protectedA, "A accepts B's connection");
        primeProtectedConnection();

        // The exposed connection: the fuzzer's peer makes itself known to neighbour discovery, then opens it.
        aLink.inject(Frames6.solicitation(PEER_MAC, PEER6, A6, PEER_MAC));
        final int peerIss = 0x10000000;
        aLink.inject(tcpFrame(PEER6, PEER_PORT, peerIss, 0, TcpHeader.SYN, new byte[] {2, 4, 0x05, (byte)0xA0},
            new byte[0]));
        poll();
        peerNxt = peerIss + 1;
        final byte[] hello = new byte[1000];
        aLink.inject(tcpFrame(PEER6, PEER_PORT, peerNxt, stackNxt, TcpHeader.ACK, new byte[0], new byte[0]));
        aLink.inject(tcpFrame(PEER6, PEER_PORT, peerNxt, stackNxt, TcpHeader.ACK | TcpHeader.PSH, new byte[0],
            hello));
        peerNxt += hello.length;
        poll();
        exposed = listener.accept();
        assertNotNull(exposed, "A accepts the fuzzer's connection");
        exposed.write(ByteBuffer.wrap(new byte[4000]));
        a.flush();
        poll();
        baseline = a.pool().inUse();
        checkBounds();
    }

    /** Small tables and buffers, so that the fuzzer fills them; DAD off, so that the addresses work at once. */
    private static StackConfig config(final int buffers, final long seed)
    {
        final Ipv6Config ipv6 = new Ipv6Config(64, 0, NEIGHBOURS, 30_000_000_000L, 1_000_000_000L, 5_000_000_000L, 3,
            4, 8, 600_000_000_000L, new ReassemblyConfig(4, 32, 30_000_000_000L), 0);
        final TcpConfig tcp = TcpConfig.defaults().toBuilder().sendBufferSize(16384).receiveBufferSize(16384)
            .synBacklog(8).timeWaitLimit(8).build();
        return StackConfig.builder().poolBuffers(buffers).seed(seed).ipv6(ipv6).tcp(tcp)
            .udp(new UdpConfig(16384, 16384, 1 << 20, 32768, 60999)).build();
    }

    /** To B: to its MAC, or to a multicast MAC (B's neighbour solicitations and all-nodes). */
    @Override
    boolean toB(final byte[] frame)
    {
        final long destination = ByteBuffer.wrap(frame).getLong(0) >>> 16;
        return destination == B_MAC || MacAddress.isMulticast(destination);
    }

    @Override
    void outbound(final byte[] frame)
    {
        final ByteBuffer f = ByteBuffer.wrap(frame);
        if (frame.length < 14 + 40 + 20 || (f.getShort(12) & 0xFFFF) != EthernetHeader.TYPE_IPV6
            || f.get(14 + Ipv6Header.NEXT_HEADER) != Ipv6Header.NEXT_TCP || f.getLong(14 + 32) != PEER6[1])
        {
            return;
        }
        final int tcp = 14 + 40;
        if ((f.getShort(tcp + 2) & 0xFFFF) == PEER_PORT)
        {
            final int payload = (f.getShort(14 + 4) & 0xFFFF) - ((f.get(tcp + 12) & 0xF0) >>> 4) * 4;
            final int end = f.getInt(tcp + 4) + Math.max(0, payload) + ((f.get(tcp + 13) & 3) != 0 ? 1 : 0);
            if ((f.get(tcp + 13) & TcpHeader.SYN) != 0 || end - stackNxt > 0)
            {
                stackNxt = end;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // What the fuzzer sends.

    @Override
    byte[] frame(final FuzzedDataProvider data, final int what)
    {
        if (what == 2)
        {
            return data.consumeBytes(data.consumeInt(0, 300));
        }
        final long[] source = data.consumeInt(0, 3) == 0 ? pick(data) : PEER6;
        final long[] destination = data.consumeInt(0, 5) == 0 ? pick(data) : A6;
        final int kind = data.consumeInt(0, 9);
        final int nextHeader = kind < 5 ? Ipv6Header.NEXT_TCP : kind < 8 ? Ipv6Header.NEXT_UDP : 58;
        final byte[] upper = switch (kind)
        {
            case 0, 1, 2, 3, 4 -> tcp(data, source, destination);
            case 5, 6, 7 -> udp(data, source, destination);
            default -> icmp6(data, source, destination);
        };
        final byte[] packet;
        final int first;
        switch (data.consumeInt(0, 7))
        {
            case 0 ->
            {
                // Behind a hop-by-hop header of padding (RFC 8200 section 4.3).
                first = Ipv6Header.NEXT_HOP_BY_HOP;
                packet = ByteBuffer.allocate(8 + upper.length).put(0, (byte)nextHeader).put(8, upper).array();
            }
            case 1 ->
            {
                // A fragment of it: an offset and a piece the fuzzer picks, of an identification of a few.
                first = Ipv6Header.NEXT_FRAGMENT;
                final int offset = Math.min(upper.length, data.consumeInt(0, upper.length / 8) * 8);
                final int end = data.consumeBoolean() ? upper.length
                    : Math.min(upper.length, offset + data.consumeInt(1, 100) * 8);
                final byte[] piece = java.util.Arrays.copyOfRange(upper, offset, Math.max(offset, end));
                packet = ByteBuffer.allocate(8 + piece.length).put(0, (byte)nextHeader)
                    .putShort(2, (short)(offset | (end < upper.length ? 1 : 0))).putInt(4, data.consumeInt(0, 3))
                    .put(8, piece).array();
            }
            default ->
            {
                first = nextHeader;
                packet = upper;
            }
        }
        final byte[] frame = Frames6.ipv6(data.consumeInt(0, 15) == 0 ? 0x3333_0000_0001L : A_MAC, PEER_MAC,
            source, destination, first, data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 255) : 64, packet);
        if (data.consumeInt(0, 31) == 0)
        {
            // A payload length that lies.
            ByteBuffer.wrap(frame).putShort(14 + 4, (short)data.consumeInt(0, 0xFFFF));
        }
        return neverFromB(frame);
    }

    private byte[] tcp(final FuzzedDataProvider data, final long[] source, final long[] destination)
    {
        final boolean toExposed = data.consumeBoolean();
        final int sourcePort = toExposed ? PEER_PORT : data.consumeBoolean() ? PEER_PORT + 1 + data.consumeInt(0, 7)
            : data.consumeInt(0, 65535);
        final int destinationPort = data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 65535) : LISTEN_PORT;
        final int seq = data.consumeBoolean() ? peerNxt + data.consumeInt(-70_000, 70_000) : data.consumeInt();
        final int ack = data.consumeBoolean() ? stackNxt + data.consumeInt(-70_000, 70_000) : data.consumeInt();
        final byte[] options = data.consumeBoolean() ? new byte[0] : data.consumeBytes(data.consumeInt(0, 40));
        final byte[] payload = data.consumeBytes(data.consumeInt(0, 1400));
        if (toExposed && seq - peerNxt <= 0 && seq + payload.length - peerNxt > 0)
        {
            peerNxt = seq + payload.length;
        }
        final byte[] segment = tcpSegment(sourcePort, destinationPort, seq, ack, data.consumeInt(0, 255),
            data.consumeInt(0, 65535), options, payload);
        final ByteBuffer t = ByteBuffer.wrap(segment);
        final int sum = Checksum.fold(Checksum.sum(t, 0, segment.length, Checksum.pseudoHeader6(source[0],
            source[1], destination[0], destination[1], Ipv6Header.NEXT_TCP, segment.length)));
        t.putShort(16, (short)(data.consumeInt(0, 31) == 0 ? data.consumeInt(0, 0xFFFF) : sum));
        return segment;
    }

    private static byte[] udp(final FuzzedDataProvider data, final long[] source, final long[] destination)
    {
        final int port = switch (data.consumeInt(0, 3))
        {
            case 0 -> UDP_PORT;
            case 1 -> UDP_CONNECTED_PORT;
            case 2 -> LISTEN_PORT;
            default -> data.consumeInt(0, 65535);
        };
        final byte[] payload = data.consumeBytes(data.consumeInt(0, 1400));
        final ByteBuffer u = ByteBuffer.allocate(8 + payload.length);
        u.putShort(0, (short)(data.consumeBoolean() ? UDP_CONNECTED_PORT : data.consumeInt(0, 65535)))
            .putShort(2, (short)port).put(8, payload);
        u.putShort(4, (short)(data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 0xFFFF) : u.capacity()));
        final int length = u.getShort(4) & 0xFFFF;
        if (length <= u.capacity() && data.consumeInt(0, 7) != 0)
        {
            final int sum = Checksum.fold(Checksum.sum(u, 0, length, Checksum.pseudoHeader6(source[0], source[1],
                destination[0], destination[1], Ipv6Header.NEXT_UDP, length)));
            u.putShort(6, (short)(sum == 0 ? 0xFFFF : sum));
        }
        return u.array();
    }

    /** An ICMPv6 error quoting a packet of A's (to the exposed connection or a UDP socket), or a router advert. */
    private byte[] icmp6(final FuzzedDataProvider data, final long[] source, final long[] destination)
    {
        final int type = switch (data.consumeInt(0, 4))
        {
            case 0 -> Icmpv6Header.TYPE_PACKET_TOO_BIG;
            case 1 -> Icmpv6Header.TYPE_DESTINATION_UNREACHABLE;
            case 2 -> Icmpv6Header.TYPE_TIME_EXCEEDED;
            case 3 -> Icmpv6Header.TYPE_ROUTER_ADVERTISEMENT;
            default -> data.consumeInt(0, 255);
        };
        final boolean tcp = data.consumeBoolean();
        final int quoted = data.consumeInt(0, 60);
        final ByteBuffer quote = ByteBuffer.allocate(40 + quoted);
        quote.put(0, (byte)0x60).putShort(4, (short)(quoted + data.consumeInt(0, 1000)))
            .put(6, (byte)(tcp ? Ipv6Header.NEXT_TCP : Ipv6Header.NEXT_UDP)).put(7, (byte)64);
        Ipv6Address.write(quote, 8, A6[0], A6[1]);
        final long[] quotedDestination = data.consumeInt(0, 3) == 0 ? pick(data) : PEER6;
        Ipv6Address.write(quote, 24, quotedDestination[0], quotedDestination[1]);
        if (quoted >= 8)
        {
            quote.putShort(40, (short)(tcp ? LISTEN_PORT : data.consumeBoolean() ? UDP_CONNECTED_PORT : UDP_PORT))
                .putShort(42, (short)(tcp ? PEER_PORT : UDP_CONNECTED_PORT)).putInt(44, stackNxt
                - data.consumeInt(0, 5000));
        }
        final int rest = type == Icmpv6Header.TYPE_PACKET_TOO_BIG ? data.consumeInt(0, 2000) : data.consumeInt();
        final byte[] message = Frames6.icmp6(source, destination, type, data.consumeInt(0, 3), rest,
            type == Icmpv6Header.TYPE_ROUTER_ADVERTISEMENT ? data.consumeBytes(data.consumeInt(0, 80))
                : quote.array());
        if (data.consumeInt(0, 31) == 0)
        {
            message[2] ^= 1;
        }
        return message;
    }

    private static byte[] tcpFrame(final long[] source, final int sourcePort, final int seq, final int ack,
        final int flags, final byte[] options, final byte[] payload)
    {
        final byte[] tcp = tcpSegment(sourcePort, LISTEN_PORT, seq, ack, flags, 65535, options, payload);
        final ByteBuffer t = ByteBuffer.wrap(tcp);
        t.putShort(16, (short)Checksum.fold(Checksum.sum(t, 0, tcp.length, Checksum.pseudoHeader6(source[0],
            source[1], A6[0], A6[1], Ipv6Header.NEXT_TCP, tcp.length))));
        return Frames6.ipv6(A_MAC, PEER_MAC, source, A6, Ipv6Header.NEXT_TCP, 64, tcp);
    }

    /** B's addresses are B's alone: a frame claiming one is re-addressed from 2001:db8::4. */
    private static byte[] neverFromB(final byte[] frame)
    {
        final ByteBuffer f = ByteBuffer.wrap(frame);
        final long hi = f.getLong(14 + 8);
        final long lo = f.getLong(14 + 16);
        if (hi == B6[0] && lo == B6[1] || hi == B_LL[0] && lo == B_LL[1])
        {
            Ipv6Address.write(f, 14 + 8, OTHER6[0], OTHER6[1]);
        }
        return frame;
    }

    private static long[] pick(final FuzzedDataProvider data)
    {
        return data.consumeInt(0, 7) == 0 ? new long[] {data.consumeLong(), data.consumeLong()}
            : ADDRESSES[data.consumeInt(0, ADDRESSES.length - 1)];
    }

    // ------------------------------------------------------------------------------------------------------------
    // The application: beyond the common calls, a datagram to the peer, fragmented when large.

    @Override
    int extraApplicationCases()
    {
        return 1;
    }

    @Override
    void extraApplication(final int which, final FuzzedDataProvider data)
    {
        udp.send6(ByteBuffer.allocate(data.consumeInt(0, 3000)), PEER6[0], PEER6[1], data.consumeInt(1, 65535));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Invariants.

    @Override
    void checkBounds()
    {
        final NetInterface nif = a.interfaces().get(0);
        final Ipv6Config ipv6 = a.config().ipv6();
        assertTrue(a.ipv6().neighborCount(nif) <= ipv6.neighborCacheSize(), "neighbours "
            + a.ipv6().neighborCount(nif));
        assertTrue(a.ipv6().reassembliesInProgress() <= ipv6.reassembly().maxDatagrams(),
            "reassemblies " + a.ipv6().reassembliesInProgress());
        assertTrue(a.ipv6().pathMtuEntries() <= ipv6.pathMtuEntries(), "path MTUs " + a.ipv6().pathMtuEntries());
        TcpInvariants.check(a.tcp(), List.of(listener, exposed, protectedA));
        TcpInvariants.check(b.tcp(), List.of(protectedB));
        // Beyond the armed receive burst, buffers wait only in the neighbours' bounded queues, a transmit burst and
        // the loopback queue.
        final int bound = ipv6.neighborCacheSize() * ipv6.queueLength() + a.config().ip().burstSize()
            + a.config().ip().loopbackQueue();
        assertTrue(a.pool().inUse() - baseline <= bound, "buffers held: " + (a.pool().inUse() - baseline));
    }

    @Override
    int reassembliesInProgress()
    {
        return a.ipv6().reassembliesInProgress();
    }
}
