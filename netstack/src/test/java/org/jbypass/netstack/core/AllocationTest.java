package org.jbypass.netstack.core;

import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;

import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.ReplayLink;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * The per-packet path allocates nothing in steady state: measured with the JVM's per-thread allocation counter
 * over many datagrams after a warm-up, so that only allocation proportional to the packet count would show.
 */
class AllocationTest
{
    private static final int WARMUP = 200_000;
    private static final int MEASURED = 200_000;

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void shouldSendAndReceiveUdpWithoutAllocating()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket server = h.stack.openUdp();
            assertEquals(0, server.bind(STACK_IP, 7));
            final UdpSocket client = h.stack.openUdp();
            assertEquals(0, client.connect(STACK_IP, 7));
            assertRoundTripsAllocateNothing(h, "UDP send+receive through the stack", server,
                out -> client.send(out, 0, 0));
            assertEquals(0, h.leakedBuffers());
        }
    }

    /** The same round trip over IPv6, to the stack's own IPv6 address: IPv6, its loopback and UDP's IPv6 path. */
    @Test
    void shouldSendAndReceiveUdpOverIpv6WithoutAllocating()
    {
        try (StackHarness h = harness6())
        {
            final UdpSocket server = h.stack.openUdp6(false);
            assertEquals(0, server.bind6(STACK6_HI, STACK6_LO, 7));
            final UdpSocket client = h.stack.openUdp6(false);
            assertEquals(0, client.connect6(STACK6_HI, STACK6_LO, 7));
            assertRoundTripsAllocateNothing(h, "UDP over IPv6 through the stack", server,
                out -> client.send(out, 0, 0));
            assertTrue(server.lastSourceIs6());
            assertEquals(0, h.leakedBuffers());
        }
    }

    /**
     * IPv6 multicast through the stack: a send to a group (hop limit 0, so that only the looped-back copy moves:
     * IPV6_MULTICAST_LOOP), the interface's membership and source filter, and delivery to the joined socket allocate
     * nothing per datagram.
     */
    @Test
    void shouldSendAndReceiveIpv6MulticastWithoutAllocating()
    {
        try (StackHarness h = harness6())
        {
            final long groupHi = 0xFF15_0000_0000_0000L;
            final long groupLo = 0x0001_0002_0003L;
            final UdpSocket member = h.stack.openUdp6(false);
            assertEquals(0, member.bind6(0, 0, 7));
            assertEquals(0, member.joinGroup6(groupHi, groupLo, 0));
            assertEquals(0, member.blockSource6(groupHi, groupLo, 0, STACK6_HI, STACK6_LO + 1));
            final UdpSocket sender = h.stack.openUdp6(false);
            assertEquals(0, sender.multicastTtl(0));
            assertRoundTripsAllocateNothing(h, "IPv6 multicast through the stack", member,
                out -> sender.send6(out, groupHi, groupLo, 7));
            assertEquals(0, h.leakedBuffers());
        }
    }

    /**
     * Sends a datagram with {@code send}, lets the stack deliver it to {@code receiver} and takes it, {@link #WARMUP}
     * times and then {@link #MEASURED} times counting what the thread allocates: nothing, per datagram.
     */
    private static void assertRoundTripsAllocateNothing(final StackHarness h, final String what,
        final UdpSocket receiver, final Consumer<ByteBuffer> send)
    {
        final ByteBuffer out = ByteBuffer.allocateDirect(64);
        final ByteBuffer in = ByteBuffer.allocateDirect(2048);
        final long[] now = {h.now()};
        final Runnable roundTrip = () ->
        {
            out.clear();
            out.putLong(0, now[0]);
            send.accept(out);
            h.stack.flush();
            in.clear();
            receiver.receive(in);
            now[0] += 1000;
            h.stack.poll(now[0]);
        };
        for (int i = 0; i < WARMUP; i++)
        {
            roundTrip.run();
        }
        final long before = allocatedBytes();
        for (int i = 0; i < MEASURED; i++)
        {
            roundTrip.run();
        }
        final long perPacket = (allocatedBytes() - before) / MEASURED;
        System.out.println(what + ": " + perPacket + " bytes allocated per datagram");
        assertEquals(0, perPacket, "bytes allocated per datagram");
        assertTrue(h.stack.udpCounters().inDatagrams >= WARMUP + MEASURED);
    }

    /** TCP over IPv6 to the stack's own address: data, ACKs and reads in steady state allocate nothing. */
    @Test
    void shouldMoveTcpOverIpv6WithoutAllocating()
    {
        try (StackHarness h = harness6())
        {
            final TcpSocket listener = h.stack.openTcp6(false);
            assertEquals(0, listener.bind6(0, 0, 80));
            assertEquals(0, listener.listen(4));
            final TcpSocket client = h.stack.openTcp6(false);
            client.connect6(STACK6_HI, STACK6_LO, 80);
            long now = h.now();
            for (int i = 0; i < 100 && listener.readyOps() == 0; i++)
            {
                h.stack.flush();
                now += 1000;
                h.stack.poll(now);
            }
            final TcpSocket server = listener.accept();
            assertTrue(server != null && server.isIpv6(), "accepted over IPv6");
            final ByteBuffer out = ByteBuffer.allocateDirect(1024);
            final ByteBuffer in = ByteBuffer.allocateDirect(16 * 1024);
            final long[] clock = {now};
            final long[] moved = {0};
            final Runnable step = () ->
            {
                out.clear();
                client.write(out);
                h.stack.flush();
                in.clear();
                final int n = server.read(in);
                moved[0] += Math.max(0, n);
                clock[0] += 1000;
                h.stack.poll(clock[0]);
            };
            for (int i = 0; i < WARMUP; i++)
            {
                step.run();
            }
            final long before = allocatedBytes();
            final long movedBefore = moved[0];
            for (int i = 0; i < MEASURED; i++)
            {
                step.run();
            }
            final long perWrite = (allocatedBytes() - before) / MEASURED;
            System.out.println("TCP over IPv6 through the stack: " + perWrite + " bytes allocated per 1 KB write");
            assertEquals(0, perWrite, "bytes allocated per write");
            assertTrue(moved[0] - movedBefore > MEASURED * 512L, "data moved: " + (moved[0] - movedBefore));
        }
    }

    /**
     * TCP over IPv6 between two stacks on a wire that takes IPv6 super-segments whole (TX_TCP6_SEGMENTATION, a
     * veth's way): GSO_TCPV6 chains built, sent, received as chains and acknowledged, allocating nothing. As in
     * TcpAllocationTest, the quietest late window must allocate nothing at all (a deoptimisation may materialise
     * an object once; per-super-segment allocation would show in every window).
     */
    @Test
    void shouldMoveTcpSuperSegmentsOverIpv6BetweenStacksWithoutAllocating()
    {
        moveSuperSegmentsOverIpv6(false);
    }

    /**
     * The same with a port that gathers (TX_GATHER): the super-segments' payload goes from the send buffer's chunks
     * as slices ({@link org.jbypass.netstack.ip.BufferChain}), and every third one, refused, is copied into pool
     * buffers and queued; neither path allocates.
     */
    @Test
    void shouldMoveGatheredTcpSuperSegmentsOverIpv6BetweenStacksWithoutAllocating()
    {
        moveSuperSegmentsOverIpv6(true);
    }

    private static void moveSuperSegmentsOverIpv6(final boolean gather)
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION
            | LinkCapabilities.TX_TCP6_SEGMENTATION | (gather ? LinkCapabilities.TX_GATHER : 0))
            .refuseGatherEvery(gather ? 3 : 0).passChainsWhole(true).queueCapacity(4096).build();
        final long[] clock = {1_000_000_000L};
        final Stack a = new Stack(StackConfig.builder().poolBuffers(4096).seed(1)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), clock[0]);
        final Stack b = new Stack(StackConfig.builder().poolBuffers(4096).seed(2)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), clock[0]);
        final NetInterface a0 = a.addInterface("a0", wire.attach(a.pool(), MacAddress.parse("02:00:00:00:00:0a")),
            Ipv4Address.parse("198.18.0.1"), 24, 0);
        final NetInterface b0 = b.addInterface("b0", wire.attach(b.pool(), MacAddress.parse("02:00:00:00:00:0b")),
            Ipv4Address.parse("198.18.0.2"), 24, 0);
        a.addAddress6(a0, STACK6_HI, 0xA, 64);
        b.addAddress6(b0, STACK6_HI, 0xB, 64);
        final TcpSocket listener = b.openTcp6(false);
        assertEquals(0, listener.bind6(0, 0, 80));
        assertEquals(0, listener.listen(1));
        final TcpSocket client = a.openTcp6(false);
        client.noDelay(true);
        client.connect6(STACK6_HI, 0xB, 80);
        TcpSocket accepted = null;
        for (int i = 0; i < 1000 && accepted == null; i++)
        {
            clock[0] += 20_000L;
            a.poll(clock[0]);
            b.poll(clock[0]);
            accepted = listener.accept();
        }
        assertTrue(accepted != null && accepted.isIpv6(), "accepted over IPv6");
        final TcpSocket server = accepted;
        final ByteBuffer out = ByteBuffer.allocateDirect(256 * 1024);
        final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
        final long[] moved = {0};
        final Runnable step = () ->
        {
            out.clear();
            client.write(out);
            a.flush();
            in.clear();
            moved[0] += Math.max(0, server.read(in));
            b.flush();
            clock[0] += 20_000L;
            a.poll(clock[0]);
            b.poll(clock[0]);
        };
        for (int i = 0; i < 20_000; i++)
        {
            step.run();
        }
        final long superBefore = a.ipCounters().ip6OutSuperSegments;
        final long movedBefore = moved[0];
        long least = Long.MAX_VALUE;
        for (int window = 0; window < 5; window++)
        {
            // What reading the counter costs (a constant few hundred bytes here, whatever the window's length),
            // taken off as LinkAllocationTest does.
            final long idle = allocatedBytes();
            final long overhead = allocatedBytes() - idle;
            final long before = allocatedBytes();
            for (int i = 0; i < 5_000; i++)
            {
                step.run();
            }
            least = Math.min(least, allocatedBytes() - before - overhead);
        }
        final long superSegments = a.ipCounters().ip6OutSuperSegments - superBefore;
        System.out.println("IPv6 super-segments between stacks: " + least + " bytes allocated in the quietest window"
            + " of 5000 steps; " + superSegments + " super-segments, " + (moved[0] - movedBefore) + " bytes");
        assertTrue(superSegments > 10_000, "super-segments sent: " + superSegments);
        assertTrue(b.ipCounters().superFramesReceived > 10_000, "received whole: " + b.ipCounters());
        if (gather)
        {
            assertTrue(a.ipCounters().txGathered > superSegments / 2
                && a.ipCounters().txGathered < a.ipCounters().ip6OutSuperSegments, "gathered: "
                + a.ipCounters().txGathered + " of " + a.ipCounters().ip6OutSuperSegments);
        }
        assertEquals(0, least, "bytes allocated in the quietest window");
        a.close();
        b.close();
        assertEquals(0, a.pool().inUse());
        assertEquals(0, b.pool().inUse());
    }

    private static final long STACK6_HI = 0x2001_0DB8_0000_0000L;
    private static final long STACK6_LO = 2;

    private static StackHarness harness6()
    {
        final StackHarness h = new StackHarness(StackConfig.builder()
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), 1500, 0);
        h.stack.addAddress6(h.nif, STACK6_HI, STACK6_LO, 64);
        h.poll();
        h.link.drain();
        return h;
    }

    /**
     * Bulk TCP between two stacks over the memory wire, software GRO coalescing the receiver's bursts: segments held
     * in their receive buffers, super-segments built over pieces and copied into the socket's ring, all without
     * allocating. As TcpAllocationTest does, the test asks for late windows without a single allocation (a
     * deoptimisation may materialise an object once, which per-segment allocation could not hide).
     */
    @Test
    void shouldMoveTcpThroughSoftwareGroWithoutAllocating()
    {
        moveThroughSoftwareGro(false);
    }

    /** The same over IPv6: segments held and coalesced by the IPv6 layer's GRO, allocating nothing. */
    @Test
    void shouldMoveTcpOverIpv6ThroughSoftwareGroWithoutAllocating()
    {
        moveThroughSoftwareGro(true);
    }

    private static void moveThroughSoftwareGro(final boolean v6)
    {
        final long[] now = {1_000_000_000L};
        final MemoryWire wire = new MemoryWire();
        final Stack a = new Stack(StackConfig.builder().poolBuffers(4096).seed(1)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), now[0]);
        final Stack b = new Stack(StackConfig.builder().poolBuffers(4096).seed(2)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), now[0]);
        final int ipA = Ipv4Address.parse("198.18.0.1");
        final int ipB = Ipv4Address.parse("198.18.0.2");
        final NetInterface a0 = a.addInterface("a0", wire.attach(a.pool(), MacAddress.parse("02:00:00:00:00:0a")),
            ipA, 24, 0);
        final NetInterface b0 = b.addInterface("b0", wire.attach(b.pool(), MacAddress.parse("02:00:00:00:00:0b")),
            ipB, 24, 0);
        final TcpSocket listener;
        final TcpSocket client;
        if (v6)
        {
            a.addAddress6(a0, STACK6_HI, 0xA, 64);
            b.addAddress6(b0, STACK6_HI, 0xB, 64);
            listener = b.openTcp6(false);
            assertEquals(0, listener.bind6(0, 0, 5001));
            assertEquals(0, listener.listen(1));
            client = a.openTcp6(false);
            client.connect6(STACK6_HI, 0xB, 5001);
        }
        else
        {
            listener = b.openTcp();
            assertEquals(0, listener.bind(0, 5001));
            assertEquals(0, listener.listen(1));
            client = a.openTcp();
            client.connect(ipB, 5001);
        }
        TcpSocket server = null;
        for (int i = 0; i < 1000 && server == null; i++)
        {
            a.flush();
            now[0] += 10_000;
            a.poll(now[0]);
            b.poll(now[0]);
            b.flush();
            server = listener.accept();
        }
        assertTrue(server != null, "accepted");
        final TcpSocket reader = server;
        final ByteBuffer out = ByteBuffer.allocateDirect(1 << 16);
        final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
        final long[] received = {0};
        final Runnable step = () ->
        {
            out.clear();
            client.write(out);
            a.flush();
            now[0] += 20_000;
            b.poll(now[0]);
            int n;
            while ((n = reader.read(in.clear())) > 0)
            {
                received[0] += n;
            }
            b.flush();
            a.poll(now[0]);
        };
        for (int i = 0; i < 30_000; i++)
        {
            step.run();
        }
        // The bean looked up once: ManagementFactory's lookup allocates.
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long[] windows = new long[5];
        for (int w = 0; w < windows.length; w++)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 5_000; i++)
            {
                step.run();
            }
            windows[w] = threads.getCurrentThreadAllocatedBytes() - before;
        }
        System.out.println("TCP" + (v6 ? " over IPv6" : "") + " through software GRO: bytes allocated per window "
            + java.util.Arrays.toString(windows) + ", " + b.ipCounters().groSegmentsCoalesced + " segments in "
            + b.ipCounters().groSuperSegments + " super-segments, " + (received[0] >> 20) + " MB");
        assertTrue(b.ipCounters().groSuperSegments > 5_000, "GRO at work: " + b.ipCounters().groSuperSegments);
        assertTrue(received[0] > 1L << 30, "bytes moved: " + received[0]);
        long best = Long.MAX_VALUE;
        for (int w = 2; w < windows.length; w++)
        {
            best = Math.min(best, windows[w]);
        }
        assertEquals(0, best, "bytes allocated in the quietest late window: " + java.util.Arrays.toString(windows));
        client.close();
        reader.close();
        a.close();
        b.close();
    }

    /**
     * Super-frames too: a link replays, from off-heap memory, a UDP_SEGMENT super-datagram of 20 datagrams (a chain
     * of ten 2048-byte buffers) and a 30 KB datagram whose checksum the stack checks over the chain; the stack
     * gathers each chain, splits the first into its datagrams, and the socket takes them, allocating nothing.
     */
    @Test
    void shouldReceiveSuperFramesWithoutAllocating()
    {
        final long mac = MacAddress.parse("02:00:00:00:00:02");
        final int address = Ipv4Address.parse("198.18.0.2");
        final int peer = Ipv4Address.parse("198.18.0.1");
        final Stack stack = new Stack(StackConfig.builder().poolBuffers(1024).build(), 1_000_000_000L);
        final byte[] segmented = Frames.udpFrame(mac, 0x020000000001L, peer, address, 5000, 7, new byte[20 * 1000]);
        final byte[] large = Frames.udpFrame(mac, 0x020000000001L, peer, address, 5000, 7, new byte[30_000]);
        final ReplayLink link = new ReplayLink(stack.pool(), mac, List.of(segmented, large), new int[] {
            PacketBurst.gso(PacketBurst.GSO_UDP_L4, 1000) | PacketBurst.RX_L4_CHECKSUM_OK
                | PacketBurst.RX_L4_CHECKSUM_PARTIAL, 0});
        stack.addInterface("replay0", link, address, 24, 0);
        final UdpSocket server = stack.openUdp();
        assertEquals(0, server.bind(address, 7));
        final ByteBuffer in = ByteBuffer.allocateDirect(65536);
        final long[] now = {1_000_000_000L};
        final Runnable round = () ->
        {
            now[0] += 1000;
            stack.poll(now[0]);
            in.clear();
            while (server.receive(in) > 0)
            {
                in.clear();
            }
        };
        for (int i = 0; i < WARMUP / 20; i++)
        {
            round.run();
        }
        final long before = allocatedBytes();
        final int rounds = MEASURED / 20;
        for (int i = 0; i < rounds; i++)
        {
            round.run();
        }
        final long perSuperFrame = (allocatedBytes() - before) / (2L * rounds);
        System.out.println("UDP super-frames into the stack: " + perSuperFrame + " bytes allocated per super-frame");
        assertEquals(0, perSuperFrame, "bytes allocated per super-frame");
        assertEquals(2L * (WARMUP / 20 + rounds), stack.ipCounters().superFramesReceived);
        assertEquals(21L * (WARMUP / 20 + rounds), stack.udpCounters().inDatagrams);
        stack.close();
        assertEquals(0, stack.pool().inUse());
    }
}
