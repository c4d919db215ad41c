package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.testing.ChannelLink;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.Gro;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * The stack takes chained frames (GSO/GRO super-frames, see {@link PacketBurst}) as one frame: IPv4 validated over
 * the whole chain, a UDP_SEGMENT super-datagram split into its datagrams straight out of the chain, a TCP super-segment received as one
 * segment of many MSS with one ACK decision, the checksum checked over the chain unless the link verified it; and
 * every buffer of every chain back in its slot afterwards.
 */
class SuperFrameInputTest
{
    private static byte[] payload(final long seed, final int length)
    {
        final byte[] bytes = new byte[length];
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.nextInt(256);
        }
        return bytes;
    }

    private static StackHarness chained()
    {
        final StackHarness h = new StackHarness();
        h.link.chains(true);
        h.learnPeer();
        return h;
    }

    @Test
    void shouldSplitAUdpSuperDatagramIntoTheDatagramsItCarries()
    {
        try (StackHarness h = chained())
        {
            final UdpSocket socket = h.stack.openUdp();
            assertEquals(0, socket.bind(STACK_IP, 4444));
            final byte[] data = payload(1, 10 * 1000 + 7);
            final byte[] frame = Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5555, 4444, data);
            assertTrue(frame.length > 2048 * 4, "a chain of five buffers");
            h.link.inject(frame, PacketBurst.gso(PacketBurst.GSO_UDP_L4, 1000) | PacketBurst.RX_L4_CHECKSUM_OK
                | PacketBurst.RX_L4_CHECKSUM_PARTIAL);
            h.poll();
            final ByteBuffer got = ByteBuffer.allocate(2000);
            for (int i = 0; i < 11; i++)
            {
                got.clear();
                final int n = socket.receive(got);
                assertEquals(i < 10 ? 1000 : 7, n, "datagram " + i);
                final byte[] want = new byte[n];
                System.arraycopy(data, i * 1000, want, 0, n);
                final byte[] bytes = new byte[n];
                got.flip().get(bytes);
                assertArrayEquals(want, bytes, "datagram " + i);
            }
            got.clear();
            assertEquals(-Errno.EAGAIN, socket.receive(got));
            assertEquals(1, h.stack.ipCounters().superFramesReceived);
            assertEquals(0, h.stack.ipCounters().superFramesGathered, "UDP copies each datagram out of the chain");
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldCheckTheChecksumOfALargeDatagramOverTheWholeChain()
    {
        try (StackHarness h = chained())
        {
            final UdpSocket socket = h.stack.openUdp();
            assertEquals(0, socket.bind(STACK_IP, 4444));
            final byte[] data = payload(2, 30_001);
            final byte[] frame = Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5555, 4444, data);
            h.link.inject(frame, 0);
            final byte[] corrupt = frame.clone();
            corrupt[corrupt.length - 3000] ^= 0x40;
            h.link.inject(corrupt, 0);
            h.poll();
            final ByteBuffer got = ByteBuffer.allocate(40_000);
            assertEquals(data.length, socket.receive(got));
            final byte[] bytes = new byte[data.length];
            got.flip().get(bytes);
            assertArrayEquals(data, bytes);
            got.clear();
            assertEquals(-Errno.EAGAIN, socket.receive(got), "the corrupt copy is dropped");
            assertEquals(1, h.stack.udpCounters().inCsumErrors);
            assertEquals(2, h.stack.ipCounters().superFramesReceived);
            assertEquals(0, h.stack.ipCounters().superFramesGathered, "both checked over their chains, in place");
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldDropASuperFrameLongerThanItsIpv4HeaderSaysAsTheHeaderSays()
    {
        try (StackHarness h = chained())
        {
            final UdpSocket socket = h.stack.openUdp();
            assertEquals(0, socket.bind(STACK_IP, 4444));
            final byte[] frame = Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5555, 4444, payload(3, 5000));
            // An IPv4 total length beyond the chain: cut short, counted by IPv4 as a bad length.
            final byte[] longer = frame.clone();
            ByteBuffer.wrap(longer).putShort(16, (short)(Frames.ipOf(frame).totalLength() + 100));
            ByteBuffer.wrap(longer).putShort(24, (short)0);
            ByteBuffer.wrap(longer).putShort(24, (short)org.jbypass.netstack.wire.Checksum.compute(
                ByteBuffer.wrap(longer), 14, 20));
            h.link.inject(longer, 0);
            h.poll();
            assertEquals(1, h.stack.ipCounters().ipInBadTotalLength);
            assertEquals(-Errno.EAGAIN, socket.receive(ByteBuffer.allocate(10_000)));
            assertEquals(0, h.leakedBuffers());
        }
    }

    /**
     * Two stacks, the frames from A to B merged as GRO merges them (every other super-frame with a partial
     * checksum, the others with a full one that B checks over the chain): 8 MB arrive intact, B takes each
     * super-frame as one segment and answers with far fewer ACKs than A sent segments, and no buffer is lost.
     */
    @Test
    void shouldReceiveTcpSuperSegmentsAsOneSegmentEach() throws NoSuchAlgorithmException
    {
        final Stack b = transfer(8 << 20, 0);
        assertEquals(0, b.ipCounters().superFramesGathered, "TCP copies straight out of the chains");
    }

    /**
     * The chains' first buffers end at odd places: inside the TCP payload at an odd offset (the checksum summed over
     * the chain swaps bytes there, and TCP copies across every boundary), and inside the TCP options, where TCP asks
     * IPv4 for the datagram in one piece and IPv4 gathers it and counts it.
     */
    @Test
    void shouldReceiveTcpSuperSegmentsWhateverTheirBuffersBoundaries() throws NoSuchAlgorithmException
    {
        final Stack inPayload = transfer(1 << 20, 14 + 20 + 40 + 7);
        assertEquals(0, inPayload.ipCounters().superFramesGathered, "copied straight out");
        final Stack inOptions = transfer(1 << 20, 14 + 20 + 25);
        final long gathered = inOptions.ipCounters().superFramesGathered;
        assertTrue(gathered > 10, "gathered, and counted: " + gathered);
    }

    /**
     * Moves {@code total} bytes from A to B, the frames B receives merged as GRO merges them into chains whose first
     * buffer holds {@code chainHead} bytes (0: full buffers), and checks them all; returns B, closed.
     */
    private static Stack transfer(final int total, final int chainHead) throws NoSuchAlgorithmException
    {
        final int ipA = Ipv4Address("198.18.0.1");
        final int ipB = Ipv4Address("198.18.0.2");
        final long macA = MacAddress.parse("02:00:00:00:00:0a");
        final long macB = MacAddress.parse("02:00:00:00:00:0b");
        final StackConfig config = StackConfig.builder().poolBuffers(2048).build();
        long now = 1_000_000_000L;
        final Stack a = new Stack(config, now);
        final Stack b = new Stack(config, now);
        final ChannelLink linkA = new ChannelLink(a.pool(), macA, 1500);
        final ChannelLink linkB = new ChannelLink(b.pool(), macB, 1500);
        linkB.chains(true);
        linkB.chainHead(chainHead);
        a.addInterface("a0", linkA, ipA, 24, 0);
        b.addInterface("b0", linkB, ipB, 24, 0);
        a.poll(now);
        b.poll(now);
        final int baselineA = a.pool().inUse();
        final int baselineB = b.pool().inUse();

        final TcpSocket listener = b.openTcp();
        assertEquals(0, listener.bind(0, 80));
        assertEquals(0, listener.listen(4));
        final TcpSocket client = a.openTcp();
        assertEquals(-Errno.EINPROGRESS, client.connect(ipB, 80));
        a.flush();

        final byte[] data = payload(4, total);
        final MessageDigest sent = MessageDigest.getInstance("SHA-256");
        final MessageDigest received = MessageDigest.getInstance("SHA-256");
        sent.update(data);
        final ByteBuffer source = ByteBuffer.wrap(data);
        final ByteBuffer sink = ByteBuffer.allocate(1 << 16);
        TcpSocket server = null;
        long got = 0;
        long segmentsAtoB = 0;
        long framesBtoA = 0;
        int round = 0;
        for (int step = 0; step < 200_000 && got < total; step++)
        {
            now += 20_000;
            if (server == null)
            {
                server = listener.accept();
            }
            if (client.finishConnect() == 0 && source.hasRemaining())
            {
                client.write(source);
                a.flush();
            }
            a.poll(now);
            final List<byte[]> fromA = new ArrayList<>();
            for (byte[] f; (f = linkA.take()) != null; )
            {
                fromA.add(f);
                segmentsAtoB++;
            }
            for (final Gro.Frame f : Gro.merge(fromA, (round++ & 1) == 0))
            {
                linkB.inject(f.bytes(), f.flags());
            }
            b.poll(now);
            if (server != null)
            {
                int n;
                while ((n = server.read(sink.clear())) > 0)
                {
                    received.update(sink.array(), 0, n);
                    got += n;
                }
                b.flush();
            }
            for (byte[] f; (f = linkB.take()) != null; )
            {
                linkA.inject(f);
                framesBtoA++;
            }
        }
        assertNotNull(server);
        assertEquals(total, got, "every byte arrived");
        assertArrayEquals(sent.digest(), received.digest(), "SHA-256 of the bytes");
        final long superFrames = b.ipCounters().superFramesReceived;
        assertTrue(superFrames > total / (1 << 16), "B received super-frames: " + superFrames);
        assertEquals(0, b.ipCounters().framesBadChain);
        assertEquals(0, b.tcpCounters().badChecksums(), "no checksum failed, partial or full");
        assertTrue(framesBtoA * 4 < segmentsAtoB, "one ACK decision per super-segment: " + framesBtoA
            + " frames B->A for " + segmentsAtoB + " segments A->B");
        client.close();
        server.close();
        a.close();
        b.close();
        assertEquals(0, a.pool().inUse(), "A's buffers");
        assertEquals(0, b.pool().inUse(), "B's buffers");
        assertTrue(baselineA > 0 && baselineB > 0);
        return b;
    }

    private static int Ipv4Address(final String address)
    {
        return org.jbypass.netstack.wire.Ipv4Address.parse(address);
    }

    @Test
    void shouldAnswerATcpSuperFrameForNoListenerWithOneReset()
    {
        // A TCP super-frame for a port with no listener is answered with one RST, as a single segment would be.
        try (StackHarness h = chained())
        {
            final byte[] tcp = new byte[20 + 20_000];
            final ByteBuffer t = ByteBuffer.wrap(tcp);
            t.putShort(0, (short)40000).putShort(2, (short)81).putInt(4, 1).putInt(8, 0);
            t.put(12, (byte)(5 << 4)).put(13, (byte)0x10).putShort(14, (short)1000);
            final int pseudo = org.jbypass.netstack.wire.Checksum.pseudoHeader(PEER_IP, STACK_IP,
                Ipv4Header.PROTOCOL_TCP, tcp.length);
            t.putShort(16, (short)org.jbypass.netstack.wire.Checksum.fold(
                org.jbypass.netstack.wire.Checksum.sum(t, 0, tcp.length, pseudo)));
            final byte[] frame = Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_TCP, 1,
                Ipv4Header.FLAG_DONT_FRAGMENT, 64, tcp);
            h.link.inject(frame, PacketBurst.gso(PacketBurst.GSO_TCPV4, 1448));
            h.poll();
            assertEquals(1, h.stack.ipCounters().superFramesReceived);
            assertNotNull(h.takeIpv4(), "a RST");
            assertEquals(null, h.takeIpv4(), "only one");
            // The same with a byte flipped in the chain's last buffer: the checksum, summed over the chain in place,
            // fails, and nothing answers it.
            final byte[] corrupt = frame.clone();
            corrupt[corrupt.length - 5] ^= 0x01;
            h.link.inject(corrupt, PacketBurst.gso(PacketBurst.GSO_TCPV4, 1448));
            h.poll();
            assertEquals(1, h.stack.tcpCounters().badChecksums());
            assertEquals(null, h.takeIpv4(), "no answer to a corrupt segment");
            assertEquals(0, h.stack.ipCounters().superFramesGathered);
            assertEquals(0, h.leakedBuffers());
        }
    }
}
