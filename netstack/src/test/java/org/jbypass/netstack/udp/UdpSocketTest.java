package org.jbypass.netstack.udp;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.transport.Readiness;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.IcmpHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.UdpHeader;
import org.junit.jupiter.api.Test;

class UdpSocketTest
{
    @Test
    void shouldSendDatagramWithCorrectHeadersAndChecksum()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final UdpSocket socket = h.stack.openUdp();
            assertEquals(0, socket.bind(STACK_IP, 4444));
            final ByteBuffer src = ByteBuffer.wrap("hello".getBytes());
            assertEquals(5, socket.send(src, PEER_IP, 7));
            assertEquals(5, src.position());
            h.stack.flush();
            final byte[] frame = h.link.take();
            assertEquals(PEER_MAC, Frames.ethernet(frame).destination());
            final Ipv4Header ip = Frames.ipOf(frame);
            assertEquals(STACK_IP, ip.source());
            assertEquals(PEER_IP, ip.destination());
            assertEquals(Ipv4Header.PROTOCOL_UDP, ip.protocol());
            assertEquals(64, ip.ttl());
            assertTrue(Frames.ipChecksumOk(frame));
            final UdpHeader udp = new UdpHeader().wrap(ByteBuffer.wrap(frame), 34, ip.payloadLength());
            assertTrue(udp.isValid());
            assertEquals(4444, udp.sourcePort());
            assertEquals(7, udp.destinationPort());
            assertEquals(13, udp.length());
            assertTrue(udp.checksumOk(STACK_IP, PEER_IP));
        }
    }

    @Test
    void shouldAutobindToRandomEphemeralPortsWithoutCollision()
    {
        try (StackHarness h = new StackHarness())
        {
            final Set<Integer> ports = new HashSet<>();
            final List<UdpSocket> sockets = new ArrayList<>();
            for (int i = 0; i < 500; i++)
            {
                final UdpSocket s = h.stack.openUdp();
                assertEquals(0, s.bind(0, 0));
                assertTrue(s.localPort() >= 32768 && s.localPort() <= 60999);
                assertTrue(ports.add(s.localPort()), "no collision");
                sockets.add(s);
            }
            sockets.forEach(UdpSocket::close);
        }
    }

    @Test
    void shouldRefuseConflictingBindsUnlessBothReuse()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket a = h.stack.openUdp();
            final UdpSocket b = h.stack.openUdp();
            assertEquals(0, a.bind(0, 5000));
            assertEquals(-Errno.EADDRINUSE, b.bind(STACK_IP, 5000));
            assertEquals(-Errno.EADDRNOTAVAIL, b.bind(Ipv4Address.parse("10.1.1.1"), 5001));
            a.close();
            assertEquals(0, b.bind(STACK_IP, 5000), "closing frees the port");
            final UdpSocket c = h.stack.openUdp();
            final UdpSocket d = h.stack.openUdp();
            c.reuseAddress(true);
            d.reuseAddress(true);
            assertEquals(0, c.bind(0, 6000));
            assertEquals(0, d.bind(0, 6000));
        }
    }

    @Test
    void shouldDropDatagramsWithBadChecksumAndAcceptZeroChecksum()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            final byte[] bad = Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 1, 7, new byte[] {1, 2, 3});
            bad[14 + 20 + 8] ^= 0x40;
            h.receive(bad);
            assertEquals(1, h.stack.udpCounters().inCsumErrors);
            assertEquals(-Errno.EAGAIN, socket.receive(ByteBuffer.allocate(8)));
            final byte[] none = Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 1, 7, new byte[] {1, 2, 3});
            none[14 + 20 + 6] = 0;
            none[14 + 20 + 7] = 0;
            h.receive(none);
            assertEquals(3, socket.receive(ByteBuffer.allocate(8)), "RFC 768: zero means no checksum");
        }
    }

    @Test
    void shouldDropDatagramsWithInconsistentLength()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            final byte[] frame = Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 1, 7, new byte[] {1, 2, 3});
            ByteBuffer.wrap(frame).putShort(38, (short)200);
            h.receive(frame);
            assertEquals(1, h.stack.udpCounters().inErrors);
        }
    }

    @Test
    void shouldBoundReceiveQueueAndCountDrops()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            assertEquals(0, socket.receiveBufferSize(4096));
            for (int i = 0; i < 10; i++)
            {
                h.link.inject(Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 1, 7, new byte[1000]));
            }
            h.poll();
            assertEquals(6, socket.drops(), "4 x (1000 + 12) fit in 4096, the other 6 are dropped");
            assertEquals(6, h.stack.udpCounters().rcvbufErrors);
            for (int i = 0; i < 4; i++)
            {
                assertEquals(1000, socket.receive(ByteBuffer.allocate(2000)));
            }
            assertEquals(-Errno.EAGAIN, socket.receive(ByteBuffer.allocate(2000)));
            assertEquals(0, h.leakedBuffers(), "queued datagrams hold no packet buffers");
        }
    }

    @Test
    void shouldTruncateIntoSmallBufferAndDiscardTheRest()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            h.receive(Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 1, 7, "0123456789".getBytes()));
            h.receive(Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 1, 7, "abc".getBytes()));
            final ByteBuffer small = ByteBuffer.allocate(4);
            assertEquals(4, socket.receive(small));
            assertArrayEquals("0123".getBytes(), small.array());
            final ByteBuffer next = ByteBuffer.allocate(10);
            assertEquals(3, socket.receive(next));
            assertEquals('a', next.get(0));
        }
    }

    @Test
    void shouldReportPortUnreachableToConnectedSocketOnce()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final UdpSocket socket = h.stack.openUdp();
            assertEquals(0, socket.connect(PEER_IP, 9999));
            socket.send(ByteBuffer.wrap(new byte[4]), 0, 0);
            h.stack.flush();
            final byte[] sent = h.link.take();
            final byte[] quoted = new byte[28];
            System.arraycopy(sent, 14, quoted, 0, 28);
            final ByteBuffer icmp = ByteBuffer.allocate(8 + 28);
            icmp.put(0, (byte)IcmpHeader.TYPE_DESTINATION_UNREACHABLE).put(1, (byte)IcmpHeader.CODE_PORT_UNREACHABLE);
            icmp.put(8, quoted);
            new IcmpHeader().wrap(icmp, 0, icmp.capacity()).computeChecksum();
            h.receive(Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_ICMP, 3, 0, 64,
                icmp.array()));
            assertTrue((socket.readyOps() & Readiness.READ) != 0, "the error makes the socket readable");
            assertEquals(-Errno.ECONNREFUSED, socket.receive(ByteBuffer.allocate(10)));
            assertEquals(-Errno.EAGAIN, socket.receive(ByteBuffer.allocate(10)), "reported once");
        }
    }

    @Test
    void shouldFilterDatagramsFromOtherPeersWhenConnected()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            socket.connect(PEER_IP, 5000);
            h.receive(Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5001, 7, new byte[] {1}));
            assertEquals(-Errno.EAGAIN, socket.receive(ByteBuffer.allocate(10)));
            h.receive(Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5000, 7, new byte[] {2}));
            assertEquals(1, socket.receive(ByteBuffer.allocate(10)));
        }
    }

    @Test
    void shouldFragmentLargeDatagramsAtTheMtu()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final UdpSocket socket = h.stack.openUdp();
            final byte[] data = new byte[4000];
            new Random(3).nextBytes(data);
            assertEquals(4000, socket.send(ByteBuffer.wrap(data), PEER_IP, 7));
            h.stack.flush();
            final ByteBuffer whole = ByteBuffer.allocate(4008);
            int fragments = 0;
            int identification = -1;
            byte[] frame;
            while ((frame = h.link.take()) != null)
            {
                final Ipv4Header ip = Frames.ipOf(frame);
                assertTrue(ip.totalLength() <= 1500);
                assertTrue(Frames.ipChecksumOk(frame));
                if (identification >= 0)
                {
                    assertEquals(identification, ip.identification());
                }
                identification = ip.identification();
                whole.put(ip.fragmentOffset(), Frames.ipPayload(frame));
                fragments++;
            }
            assertEquals(3, fragments);
            final UdpHeader udp = new UdpHeader().wrap(whole, 0, 4008);
            assertTrue(udp.isValid());
            assertTrue(udp.checksumOk(STACK_IP, PEER_IP));
            final byte[] payload = new byte[4000];
            whole.get(8, payload);
            assertArrayEquals(data, payload);
        }
    }

    @Test
    void shouldRefuseOversizedAndBroadcastWithoutPermission()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            assertEquals(-Errno.EMSGSIZE, socket.send(ByteBuffer.allocate(UdpSocket.MAX_PAYLOAD + 1), PEER_IP, 7));
            assertEquals(-Errno.EACCES, socket.send(ByteBuffer.allocate(4), Ipv4Address.BROADCAST, 7));
            socket.broadcast(true);
            assertEquals(4, socket.send(ByteBuffer.allocate(4), Ipv4Address.BROADCAST, 7));
            assertEquals(-Errno.EDESTADDRREQ, socket.send(ByteBuffer.allocate(4), 0, 0));
            assertEquals(-Errno.ENETUNREACH, socket.send(ByteBuffer.allocate(4), Ipv4Address.parse("10.9.9.9"), 7));
        }
    }

    @Test
    void shouldRouteOffLinkDestinationsThroughTheGateway()
    {
        try (StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(1024).build(), 1500,
            StackHarness.PEER_IP))
        {
            h.learnPeer();
            final UdpSocket socket = h.stack.openUdp();
            assertEquals(2, socket.send(ByteBuffer.allocate(2), Ipv4Address.parse("10.9.9.9"), 7));
            h.stack.flush();
            final byte[] frame = h.link.take();
            assertNotNull(frame);
            assertEquals(PEER_MAC, Frames.ethernet(frame).destination(), "to the gateway's MAC");
            assertEquals(Ipv4Address.parse("10.9.9.9"), Frames.ipOf(frame).destination());
        }
    }

    @Test
    void shouldDeliverToOwnAddressWithoutTouchingTheWire()
    {
        try (StackHarness h = new StackHarness())
        {
            h.link.drain();
            final UdpSocket server = h.stack.openUdp();
            server.bind(STACK_IP, 7);
            final UdpSocket client = h.stack.openUdp();
            final byte[] data = new byte[5000];
            new Random(4).nextBytes(data);
            assertEquals(5000, client.send(ByteBuffer.wrap(data), STACK_IP, 7));
            h.stack.flush();
            assertNull(h.link.take(), "nothing on the wire");
            final ByteBuffer dst = ByteBuffer.allocate(6000);
            assertEquals(5000, server.receive(dst));
            assertArrayEquals(data, java.util.Arrays.copyOf(dst.array(), 5000));
            assertEquals(client.localPort(), server.lastSourcePort());
            assertEquals(STACK_IP, server.lastSourceAddress());
            assertNotEquals(0, h.stack.ipCounters().ipOutLoopback);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldSignalListenerOncePerPollNotPerDatagram()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            final int[] calls = new int[1];
            socket.listener(s -> calls[0]++);
            for (int i = 0; i < 10; i++)
            {
                h.link.inject(Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 1, 7, new byte[] {1}));
            }
            h.poll();
            assertEquals(1, calls[0]);
        }
    }
}
