package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.testing.ByteStream;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.ArpPacket;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.IcmpHeader;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * An interface with IPv6 addresses and no IPv4 one: it sends no ARP, drops (and counts) the ARP and IPv4 frames it
 * receives, holds no IPv4 route, and carries IPv6 as any interface does, a TCP transfer between two IPv6-only
 * stacks included.
 */
class Ipv6OnlyInterfaceTest
{
    private static final long[] STACK6 = Ipv6Test.STACK6;
    private static final long[] PEER6 = Ipv6Test.PEER6;

    private static StackHarness ipv6Only()
    {
        final StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(1024)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0).withDadDelayNanos(0)).build(), 1500, 0, false);
        h.link.setAside(Frames6::isMld);
        h.stack.addAddress6(h.nif, STACK6[0], STACK6[1], 64);
        h.poll();
        return h;
    }

    @Test
    void shouldSendNoArpAndDropArpAndIpv4CountingThem()
    {
        try (StackHarness h = ipv6Only())
        {
            assertFalse(h.nif.hasIpv4());
            assertEquals(0, h.nif.address());
            byte[] frame;
            while ((frame = h.link.take()) != null)
            {
                assertEquals(EthernetHeader.TYPE_IPV6, Frames.ethernet(frame).type(), "only IPv6 leaves");
            }
            assertEquals(0, h.stack.ipCounters().arpRequestsSent, "no gratuitous ARP");

            h.receive(Frames.arp(MacAddress.BROADCAST, PEER_MAC, ArpPacket.OP_REQUEST, PEER_MAC, PEER_IP, 0,
                STACK_IP));
            assertNull(h.link.take(), "no ARP reply");
            h.receive(Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_ICMP, 1, 0, 64,
                Frames.icmpEcho(IcmpHeader.TYPE_ECHO_REQUEST, 1, 1, new byte[8])));
            h.receive(Frames.ipv4(MacAddress.BROADCAST, PEER_MAC, PEER_IP, -1, Ipv4Header.PROTOCOL_ICMP, 2, 0, 64,
                Frames.icmpEcho(IcmpHeader.TYPE_ECHO_REQUEST, 1, 2, new byte[8])));
            assertNull(h.link.take(), "no IPv4 answer");
            assertEquals(3, h.stack.ipCounters().framesIpv4Disabled);
            assertEquals(0, h.stack.ipCounters().arpRequestsReceived);
            assertEquals(0, h.stack.ipCounters().ipInReceives, "IPv4 never saw them");
            assertEquals(0, h.nif.arpCacheSize(), "nothing learnt from the request");

            // IPv6 works as on any interface.
            h.receive(Frames6.solicitation(PEER_MAC, PEER6, STACK6, PEER_MAC));
            assertTrue(Frames6.isIcmp6(h.link.take(), Icmpv6Header.TYPE_NEIGHBOR_ADVERTISEMENT));
            h.receive(Ipv6Test.echoRequest(7, 1, new byte[16]));
            assertTrue(Frames6.isIcmp6(h.link.take(), Icmpv6Header.TYPE_ECHO_REPLY));
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldHaveNoIpv4AddressRouteOrGroup()
    {
        try (StackHarness h = ipv6Only())
        {
            assertFalse(h.stack.isLocalAddress(0), "0 is no interface's address");
            assertFalse(h.stack.hasRoute(PEER_IP));
            assertFalse(h.nif.isOnLink(PEER_IP));
            assertFalse(h.nif.isBroadcast(-1));
            assertEquals(-1, h.stack.ipv4().defaultMulticastInterface(0xE0000001 + 5));
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> h.stack.addRoute(0, 0, h.nif, PEER_IP));
            assertTrue(e.getMessage().contains("has no IPv4 address"), e.getMessage());

            final UdpSocket udp = h.stack.openUdp();
            assertEquals(-Errno.ENETUNREACH, udp.send(ByteBuffer.wrap(new byte[10]), PEER_IP, 9));
            udp.close();
            final TcpSocket tcp = h.stack.openTcp();
            final int result = tcp.connect(PEER_IP, 80);
            assertEquals(-Errno.ENETUNREACH, result == -Errno.EINPROGRESS ? tcp.finishConnect() : result);
            tcp.close();
            h.poll();
            assertNull(h.link.take(), "nothing sent");
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldAcceptTheInterfaceOnlyWithoutAnyIpv4Setting()
    {
        try (Stack stack = new Stack(StackConfig.builder().poolBuffers(256).build(), 0))
        {
            final MemoryWire wire = MemoryWire.builder().build();
            assertThrows(IllegalArgumentException.class,
                () -> stack.addInterface("x", wire.attach(stack.pool(), 0x0200_0000_0001L), 0, 0, PEER_IP),
                "a gateway without an address");
            assertThrows(IllegalArgumentException.class,
                () -> stack.addInterface("y", wire.attach(stack.pool(), 0x0200_0000_0002L), 0, 24, 0),
                "a prefix without an address");
        }
    }

    @Test
    void shouldCarryTcpBetweenTwoIpv6OnlyStacks() throws Exception
    {
        final long net = 0x2001_0DB8_0000_0000L;
        long now = 1_000_000_000L;
        final MemoryWire wire = MemoryWire.builder().build();
        final Stack a = new Stack(StackConfig.builder().poolBuffers(2048).seed(1)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), now);
        final Stack b = new Stack(StackConfig.builder().poolBuffers(2048).seed(2)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), now);
        try (a; b)
        {
            a.addAddress6(a.addInterface("a0", wire.attach(a.pool(), 0x0200_0000_000AL)), net, 0xA, 64);
            b.addAddress6(b.addInterface("b0", wire.attach(b.pool(), 0x0200_0000_000BL)), net, 0xB, 64);
            final TcpSocket listener = b.openTcp6(true);
            assertEquals(0, listener.bind6(0, 0, 5001));
            assertEquals(0, listener.listen(1));
            final TcpSocket client = a.openTcp6(true);
            assertEquals(-Errno.EINPROGRESS, client.connect6(net, 0xB, 5001));
            TcpSocket server = null;
            ByteStream stream = null;
            for (int step = 0; step < 100_000 && (stream == null || !stream.done() && !stream.failed()); step++)
            {
                now += 20_000L;
                a.poll(now);
                b.poll(now);
                if (server == null && (server = listener.accept()) != null)
                {
                    stream = new ByteStream("a to b", client, server, 300_000, 15);
                }
                if (stream != null)
                {
                    stream.pump();
                }
                a.flush();
                b.flush();
            }
            assertNotNull(stream, "accepted");
            assertTrue(stream.done(), stream::toString);
            assertArrayEquals(stream.sentDigest(), stream.receivedDigest(), "SHA-256 of what was sent and received");
            assertEquals(0, a.ipCounters().arpRequestsSent + b.ipCounters().arpRequestsSent, "no ARP on the wire");
            assertEquals(0, a.ipCounters().ipOutRequests + b.ipCounters().ipOutRequests, "no IPv4 sent");
            client.close();
            server.close();
            listener.close();
        }
    }
}
