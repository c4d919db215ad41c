package org.jbypass.netstack.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jbypass.netstack.ip.ArpConfig;
import org.jbypass.netstack.ip.IpConfig;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.ip.ReassemblyConfig;
import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.netstack.tcp.TcpInvariants;
import org.jbypass.netstack.testing.ChannelLink;
import org.jbypass.netstack.udp.UdpConfig;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.ArpPacket;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.MacAddress;
import org.jbypass.netstack.wire.TcpHeader;

/**
 * Coverage-guided fuzzing of a whole stack's receive path (DEVELOPERS.md, "Fuzzing"). The stack under test, A, has a
 * TCP listener, an established connection with a peer the fuzzer plays (the "exposed" one), UDP sockets bound and
 * connected, and an established connection with data in flight to a second, real stack B (the "protected" one).
 * The fuzzer sends A frames: mostly well-formed Ethernet, ARP, IPv4, ICMP, UDP and TCP headers with correct
 * checksums and fields it picks (so that it gets past validation to the code behind), fragments, arbitrary bytes,
 * and the passing of time; frames between A and B are carried throughout.
 *
 * <p>After every frame: no exception escaped {@code poll}; the bounded structures stayed bounded (ARP cache,
 * reassembly slots, {@link TcpInvariants} for every connection: SYN and accept queues, TIME_WAIT, out-of-order
 * data, windows). At the end: the protected connection is still established and carries more data both ways,
 * every byte intact and in order; and once everything is closed and time has passed, every packet buffer is back
 * in the pool.
 *
 * <p>The fuzzer never speaks as B (frames from B's address are re-addressed): TCP cannot tell a spoofed in-window
 * segment from its peer's, nor ARP a forged answer from a true one, so what those attacks do is not a bug.
 */
class StackFuzzTest extends TwoStackFuzzBed
{
    private static final long A_MAC = MacAddress.parse("02:00:00:00:00:02");
    private static final long B_MAC = MacAddress.parse("02:00:00:00:00:03");
    private static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:01");
    private static final int A_IP = Ipv4Address.parse("198.18.0.2");
    private static final int B_IP = Ipv4Address.parse("198.18.0.3");
    private static final int PEER_IP = Ipv4Address.parse("198.18.0.1");
    private static final int GATEWAY_IP = Ipv4Address.parse("198.18.0.254");
    private static final int SUBNET_BROADCAST = Ipv4Address.parse("198.18.0.255");
    private static final int LISTEN_PORT = 80;
    private static final int PEER_PORT = 40000;
    private static final int UDP_PORT = 53;
    private static final int UDP_CONNECTED_PORT = 5353;
    private static final int[] ADDRESSES = {PEER_IP, A_IP, GATEWAY_IP, SUBNET_BROADCAST, Ipv4Address.BROADCAST,
        Ipv4Address.parse("198.18.0.4"), Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("224.0.0.1"),
        Ipv4Address.parse("127.0.0.1"), 0};

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
        a.addInterface("a0", aLink, A_IP, 24, GATEWAY_IP);
        b.addInterface("b0", bLink, B_IP, 24, 0);
        poll();
        listener = a.openTcp();
        assertEquals(0, listener.bind(0, LISTEN_PORT));
        assertEquals(0, listener.listen(4));
        udp = a.openUdp();
        assertEquals(0, udp.bind(0, UDP_PORT));
        udpConnected = a.openUdp();
        assertEquals(0, udpConnected.bind(0, UDP_CONNECTED_PORT));
        assertEquals(0, udpConnected.connect(PEER_IP, UDP_CONNECTED_PORT));

        // The protected connection, from B, with data in flight both ways.
        protectedB = b.openTcp();
        assertEquals(-Errno.EINPROGRESS, protectedB.connect(A_IP, LISTEN_PORT));
        b.flush();
        poll();
        protectedA = listener.accept();
        assertNotNull(protectedA, "A accepts B's connection");
        primeProtectedConnection();

        // The exposed connection: the fuzzer's peer at PEER_IP opens it by hand.
        aLink.inject(arp(ArpPacket.OP_REPLY, PEER_MAC, PEER_IP, A_MAC, A_IP));
        final int peerIss = 0x10000000;
        aLink.inject(tcpFrame(PEER_IP, PEER_PORT, LISTEN_PORT, peerIss, 0, TcpHeader.SYN, 65535,
            new byte[] {2, 4, 0x05, (byte)0xB4}, new byte[0]));
        // The SYN-ACK goes to the fuzzer's peer, and outbound() learns the stack's sequence numbers from it.
        poll();
        peerNxt = peerIss + 1;
        final byte[] hello = new byte[1000];
        aLink.inject(tcpFrame(PEER_IP, PEER_PORT, LISTEN_PORT, peerNxt, stackNxt, TcpHeader.ACK, 65535, new byte[0],
            new byte[0]));
        aLink.inject(tcpFrame(PEER_IP, PEER_PORT, LISTEN_PORT, peerNxt, stackNxt, TcpHeader.ACK | TcpHeader.PSH,
            65535, new byte[0], hello));
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

    /**
     * Small tables and buffers: the fuzzer fills them sooner (eviction, SYN queue overflow, reassembly without a
     * slot), and a stack is cheap enough to build for every input.
     */
    private static StackConfig config(final int buffers, final long seed)
    {
        final IpConfig ip = new IpConfig(64, 32, 1000, 50, 64, new ArpConfig(16, 30_000_000_000L, 1_000_000_000L, 3, 4),
            new ReassemblyConfig(4, 32, 30_000_000_000L));
        final TcpConfig tcp = TcpConfig.defaults().toBuilder().sendBufferSize(16384).receiveBufferSize(16384)
            .synBacklog(8).timeWaitLimit(8).build();
        return StackConfig.builder().poolBuffers(buffers).seed(seed).ip(ip).tcp(tcp)
            .udp(new UdpConfig(16384, 16384, 1 << 20, 32768, 60999)).build();
    }

    @Override
    void outbound(final byte[] frame)
    {
        if (frame.length < 14 + 20 + 20 || ByteBuffer.wrap(frame).getShort(12) != EthernetHeader.TYPE_IPV4)
        {
            return;
        }
        final ByteBuffer f = ByteBuffer.wrap(frame);
        final int headerLength = (f.get(14) & 0xF) * 4;
        if (f.get(14 + 9) != Ipv4Header.PROTOCOL_TCP || f.getInt(14 + 16) != PEER_IP)
        {
            return;
        }
        final int tcp = 14 + headerLength;
        if ((f.getShort(tcp + 2) & 0xFFFF) == PEER_PORT)
        {
            final int payload = (f.getShort(16) & 0xFFFF) - headerLength - ((f.get(tcp + 12) & 0xF0) >>> 4) * 4;
            final int end = f.getInt(tcp + 4) + Math.max(0, payload) + ((f.get(tcp + 13) & 3) != 0 ? 1 : 0);
            if ((f.get(tcp + 13) & TcpHeader.SYN) != 0 || end - stackNxt > 0)
            {
                stackNxt = end;
            }
        }
    }

    @Override
    boolean toB(final byte[] frame)
    {
        final ByteBuffer f = ByteBuffer.wrap(frame);
        final int type = f.getShort(12) & 0xFFFF;
        if (type == EthernetHeader.TYPE_ARP)
        {
            return f.getInt(14 + 24) == B_IP;
        }
        return type == EthernetHeader.TYPE_IPV4 && f.getInt(14 + 16) == B_IP;
    }

    // ------------------------------------------------------------------------------------------------------------
    // What the fuzzer sends.

    @Override
    byte[] frame(final FuzzedDataProvider data, final int what)
    {
        final byte[] frame = switch (data.consumeInt(0, 9))
        {
            case 0 -> data.consumeBytes(data.consumeInt(0, 1600));
            case 1 -> fuzzedArp(data);
            default -> ipv4(data);
        };
        return neverFromB(frame);
    }

    private byte[] fuzzedArp(final FuzzedDataProvider data)
    {
        final ByteBuffer f = ByteBuffer.allocate(data.consumeInt(14, 80));
        f.putLong(0, (data.consumeBoolean() ? MacAddress.BROADCAST : pickMac(data)) << 16);
        f.putShort(6, (short)(PEER_MAC >>> 32));
        f.putInt(8, (int)PEER_MAC);
        f.putShort(12, (short)EthernetHeader.TYPE_ARP);
        final int op = data.consumeBoolean() ? ArpPacket.OP_REQUEST : data.consumeBoolean() ? ArpPacket.OP_REPLY
            : data.consumeInt(0, 65535);
        final byte[] arp = ByteBuffer.allocate(28).putShort((short)(data.consumeInt(0, 15) == 0 ? data.consumeInt()
            : 1)).putShort((short)(data.consumeInt(0, 15) == 0 ? data.consumeInt() : 0x0800))
            .put((byte)(data.consumeInt(0, 15) == 0 ? data.consumeInt() : 6))
            .put((byte)(data.consumeInt(0, 15) == 0 ? data.consumeInt() : 4)).putShort((short)op)
            .putShort((short)(pickMac(data) >>> 32)).putInt((int)pickMac(data)).putInt(pickAddress(data))
            .putShort((short)(pickMac(data) >>> 32)).putInt((int)pickMac(data)).putInt(pickAddress(data)).array();
        f.put(14, arp, 0, Math.min(28, f.capacity() - 14));
        return f.array();
    }

    private byte[] ipv4(final FuzzedDataProvider data)
    {
        final int protocol = switch (data.consumeInt(0, 7))
        {
            case 0, 1 -> Ipv4Header.PROTOCOL_ICMP;
            case 2, 3 -> Ipv4Header.PROTOCOL_UDP;
            case 7 -> data.consumeInt(0, 255);
            default -> Ipv4Header.PROTOCOL_TCP;
        };
        final int source = data.consumeInt(0, 3) == 0 ? pickAddress(data) : PEER_IP;
        final int destination = data.consumeInt(0, 3) == 0 ? pickAddress(data) : A_IP;
        final byte[] l4 = switch (protocol)
        {
            case Ipv4Header.PROTOCOL_ICMP -> icmp(data);
            case Ipv4Header.PROTOCOL_UDP -> udp(data, source, destination);
            case Ipv4Header.PROTOCOL_TCP -> tcp(data, source, destination);
            default -> data.consumeBytes(data.consumeInt(0, 200));
        };
        // A fragment of the datagram, or the whole of it.
        int flagsAndOffset = data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 0xFFFF) : 0;
        byte[] payload = l4;
        if (data.consumeInt(0, 3) == 0)
        {
            final int offset = data.consumeInt(0, Math.max(0, l4.length / 8)) * 8;
            final int end = data.consumeBoolean() ? l4.length : Math.min(l4.length, offset + data.consumeInt(1, 200) * 8);
            payload = java.util.Arrays.copyOfRange(l4, Math.min(offset, l4.length), Math.max(end, Math.min(offset,
                l4.length)));
            flagsAndOffset = (end < l4.length ? Ipv4Header.FLAG_MORE_FRAGMENTS : 0) | (offset >>> 3)
                | (data.consumeBoolean() ? (data.consumeInt(0, 8191) & Ipv4Header.FRAGMENT_OFFSET_MASK) : 0);
        }
        final int optionWords = data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 10) : 0;
        final int headerLength = 20 + 4 * optionWords;
        final int totalLength = headerLength + payload.length;
        final ByteBuffer f = ByteBuffer.allocate(14 + totalLength + (data.consumeInt(0, 7) == 0 ? 20 : 0));
        f.putShort(0, (short)(A_MAC >>> 32)).putInt(2, (int)A_MAC);
        if (data.consumeInt(0, 15) == 0)
        {
            f.putShort(0, (short)0x0100).putInt(2, 0x5E000001);
        }
        f.putShort(6, (short)(PEER_MAC >>> 32)).putInt(8, (int)PEER_MAC).putShort(12, (short)EthernetHeader.TYPE_IPV4);
        final int versionIhl = data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 255) : 0x40 | (headerLength / 4);
        f.put(14, (byte)versionIhl).put(15, (byte)data.consumeInt(0, 3));
        f.putShort(16, (short)(data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 0xFFFF) : totalLength));
        f.putShort(18, (short)data.consumeInt(1, 4)).putShort(20, (short)flagsAndOffset);
        f.put(22, (byte)(data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 2) : 64)).put(23, (byte)protocol);
        f.putInt(26, source).putInt(30, destination);
        for (int i = 0; i < optionWords * 4; i++)
        {
            f.put(34 + i, data.consumeByte());
        }
        f.put(14 + headerLength, payload);
        final int checksum = Checksum.compute(f, 14, headerLength);
        f.putShort(24, (short)(data.consumeInt(0, 31) == 0 ? data.consumeInt(0, 0xFFFF) : checksum));
        return f.array();
    }

    private byte[] icmp(final FuzzedDataProvider data)
    {
        final int type = switch (data.consumeInt(0, 4))
        {
            case 0 -> 8;
            case 1 -> 3;
            case 2 -> 11;
            case 3 -> 12;
            default -> data.consumeInt(0, 255);
        };
        final ByteBuffer m;
        if (type == 3 || type == 11 || type == 12)
        {
            // An error quoting a datagram of A's: to the fuzzer's peer, for the exposed connection or a UDP socket.
            final int protocol = data.consumeBoolean() ? Ipv4Header.PROTOCOL_TCP : data.consumeBoolean()
                ? Ipv4Header.PROTOCOL_UDP : data.consumeInt(0, 255);
            final int quoted = data.consumeInt(0, 40);
            m = ByteBuffer.allocate(8 + 20 + quoted);
            m.put(8, (byte)0x45).putShort(10, (short)(20 + quoted + data.consumeInt(0, 1000))).put(17, (byte)protocol)
                .putInt(20, data.consumeInt(0, 7) == 0 ? pickAddress(data) : A_IP).putInt(24, PEER_IP);
            if (quoted >= 8)
            {
                final boolean tcp = protocol == Ipv4Header.PROTOCOL_TCP;
                m.putShort(28, (short)(tcp ? LISTEN_PORT : data.consumeBoolean() ? UDP_CONNECTED_PORT : UDP_PORT))
                    .putShort(30, (short)(tcp ? PEER_PORT : UDP_CONNECTED_PORT))
                    .putInt(32, stackNxt - data.consumeInt(0, 5000));
            }
            m.put(1, (byte)data.consumeInt(0, 15)).putInt(4, data.consumeBoolean() ? data.consumeInt(0, 1600)
                : data.consumeInt());
        }
        else
        {
            final byte[] rest = data.consumeBytes(data.consumeInt(0, 1600));
            m = ByteBuffer.allocate(8 + rest.length);
            m.put(8, rest).put(1, (byte)data.consumeInt(0, 1)).putInt(4, data.consumeInt());
        }
        m.put(0, (byte)type);
        m.putShort(2, (short)(data.consumeInt(0, 31) == 0 ? data.consumeInt(0, 0xFFFF)
            : Checksum.compute(m, 0, m.capacity())));
        return m.array();
    }

    private static byte[] udp(final FuzzedDataProvider data, final int source, final int destination)
    {
        final int port = switch (data.consumeInt(0, 3))
        {
            case 0 -> UDP_PORT;
            case 1 -> UDP_CONNECTED_PORT;
            case 2 -> LISTEN_PORT;
            default -> data.consumeInt(0, 65535);
        };
        final int sourcePort = data.consumeBoolean() ? UDP_CONNECTED_PORT : data.consumeInt(0, 65535);
        final byte[] payload = data.consumeBytes(data.consumeInt(0, 1600));
        final ByteBuffer u = ByteBuffer.allocate(8 + payload.length);
        u.putShort(0, (short)sourcePort).putShort(2, (short)port);
        u.putShort(4, (short)(data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 0xFFFF) : u.capacity()));
        u.put(8, payload);
        final int length = u.getShort(4) & 0xFFFF;
        if (length <= u.capacity() && data.consumeInt(0, 7) != 0)
        {
            final int sum = Checksum.fold(Checksum.sum(u, 0, length,
                Checksum.pseudoHeader(source, destination, Ipv4Header.PROTOCOL_UDP, length)));
            u.putShort(6, (short)(sum == 0 ? 0xFFFF : sum));
        }
        return u.array();
    }

    private byte[] tcp(final FuzzedDataProvider data, final int source, final int destination)
    {
        final boolean toExposed = data.consumeBoolean();
        final int sourcePort = toExposed ? PEER_PORT : data.consumeBoolean() ? PEER_PORT + 1 + data.consumeInt(0, 7)
            : data.consumeInt(0, 65535);
        final int destinationPort = data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 65535) : LISTEN_PORT;
        final int seq = data.consumeBoolean() ? peerNxt + data.consumeInt(-70_000, 70_000) : data.consumeInt();
        final int ack = data.consumeBoolean() ? stackNxt + data.consumeInt(-70_000, 70_000) : data.consumeInt();
        final int flags = data.consumeInt(0, 255);
        final byte[] options = data.consumeBoolean() ? new byte[0] : data.consumeBytes(data.consumeInt(0, 40));
        final byte[] payload = data.consumeBytes(data.consumeInt(0, 1460));
        if (toExposed && Seq.le(seq, peerNxt) && Seq.gt(seq + payload.length, peerNxt))
        {
            peerNxt = seq + payload.length;
        }
        final byte[] segment = tcpSegment(sourcePort, destinationPort, seq, ack, flags, data.consumeInt(0, 65535),
            options, payload);
        final ByteBuffer t = ByteBuffer.wrap(segment);
        final int sum = Checksum.fold(Checksum.sum(t, 0, segment.length,
            Checksum.pseudoHeader(source, destination, Ipv4Header.PROTOCOL_TCP, segment.length)));
        t.putShort(16, (short)(data.consumeInt(0, 31) == 0 ? data.consumeInt(0, 0xFFFF) : sum));
        return segment;
    }

    private static byte[] tcpFrame(final int source, final int sourcePort, final int destinationPort, final int seq,
        final int ack, final int flags, final int window, final byte[] options, final byte[] payload)
    {
        final byte[] segment = tcpSegment(sourcePort, destinationPort, seq, ack, flags, window, options, payload);
        final ByteBuffer t = ByteBuffer.wrap(segment);
        t.putShort(16, (short)Checksum.fold(Checksum.sum(t, 0, segment.length,
            Checksum.pseudoHeader(source, A_IP, Ipv4Header.PROTOCOL_TCP, segment.length))));
        final ByteBuffer f = ByteBuffer.allocate(14 + 20 + segment.length);
        f.putShort(0, (short)(A_MAC >>> 32)).putInt(2, (int)A_MAC).putShort(6, (short)(PEER_MAC >>> 32))
            .putInt(8, (int)PEER_MAC).putShort(12, (short)EthernetHeader.TYPE_IPV4);
        new Ipv4Header().wrap(f, 14, 20 + segment.length).write(0, 20 + segment.length, 1, 0, 64,
            Ipv4Header.PROTOCOL_TCP, source, A_IP);
        f.put(34, segment);
        return f.array();
    }

    private static byte[] arp(final int op, final long senderMac, final int senderIp, final long targetMac,
        final int targetIp)
    {
        final ByteBuffer f = ByteBuffer.allocate(60);
        new EthernetHeader().wrap(f, 0, 60).destination(A_MAC).source(senderMac).type(EthernetHeader.TYPE_ARP);
        new ArpPacket().wrap(f, 14, 28).write(op, senderMac, senderIp, targetMac, targetIp);
        return f.array();
    }

    /** B's address is B's alone: a frame claiming it is re-addressed from 198.18.0.4. */
    private static byte[] neverFromB(final byte[] frame)
    {
        if (frame.length < 14)
        {
            return frame;
        }
        final ByteBuffer f = ByteBuffer.wrap(frame);
        final int other = Ipv4Address.parse("198.18.0.4");
        if (f.getShort(12) == EthernetHeader.TYPE_ARP && frame.length >= 14 + 18 && f.getInt(14 + 14) == B_IP)
        {
            f.putInt(14 + 14, other);
        }
        if (f.getShort(12) == EthernetHeader.TYPE_IPV4 && frame.length >= 14 + 16 && f.getInt(14 + 12) == B_IP)
        {
            f.putInt(14 + 12, other);
        }
        return frame;
    }

    private static long pickMac(final FuzzedDataProvider data)
    {
        return switch (data.consumeInt(0, 4))
        {
            case 0 -> A_MAC;
            case 1 -> MacAddress.BROADCAST;
            case 2 -> data.consumeLong() & MacAddress.BROADCAST;
            default -> PEER_MAC;
        };
    }

    private static int pickAddress(final FuzzedDataProvider data)
    {
        return data.consumeInt(0, 7) == 0 ? data.consumeInt() : ADDRESSES[data.consumeInt(0, ADDRESSES.length - 1)];
    }

    // ------------------------------------------------------------------------------------------------------------
    // Invariants.

    @Override
    void checkBounds()
    {
        final NetInterface nif = a.interfaces().get(0);
        final IpConfig ip = a.config().ip();
        assertTrue(nif.arpCacheSize() <= ip.arp().cacheSize(), "ARP cache " + nif.arpCacheSize());
        assertTrue(a.ipv4().reassembliesInProgress() <= ip.reassembly().maxDatagrams(),
            "reassemblies " + a.ipv4().reassembliesInProgress());
        TcpInvariants.check(a.tcp(), List.of(listener, exposed, protectedA));
        TcpInvariants.check(b.tcp(), List.of(protectedB));
        // Beyond the armed receive burst, buffers wait only in ARP's bounded queues, a transmit burst and the
        // loopback queue: whatever the input, no more than those bounds.
        final int bound = ip.arp().cacheSize() * ip.arp().queueLength() + ip.burstSize() + ip.loopbackQueue();
        assertTrue(a.pool().inUse() - baseline <= bound, "buffers held: " + (a.pool().inUse() - baseline));
    }

    @Override
    int reassembliesInProgress()
    {
        return a.ipv4().reassembliesInProgress();
    }

    /** Sequence arithmetic (RFC 9293 section 3.4) for the fuzzer's bookkeeping. */
    private static final class Seq
    {
        static boolean le(final int x, final int y)
        {
            return x - y <= 0;
        }

        static boolean gt(final int x, final int y)
        {
            return x - y > 0;
        }
    }
}
