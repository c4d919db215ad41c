package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.GATEWAY_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;

import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.testing.ChannelLink;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.ArpPacket;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * IPv4's destination cache (the last unicast destination classified once: interface, next hop, local or not) never
 * sends to a stale next hop or MAC: a route added after the first datagram moves the next one to the new route's
 * gateway, a new interface whose subnet or address covers the destination takes it over, and a neighbour's changed or
 * expired ARP entry is seen by the very next datagram (the MAC is never cached). Each test first sends through the
 * cache, so that it holds the destination when the change comes.
 */
class DestinationCacheTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final int REMOTE = Ipv4Address.parse("203.0.113.7");
    private static final int ROUTER_2 = Ipv4Address.parse("198.18.0.253");
    private static final long GATEWAY_MAC = MacAddress.parse("02:00:00:00:00:fe");
    private static final long ROUTER_2_MAC = MacAddress.parse("02:00:00:00:00:fd");

    private static StackHarness harness()
    {
        final StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(256).build(), 1500, GATEWAY_IP);
        h.link.drain();
        return h;
    }

    /** Teaches the stack a neighbour's MAC, as the neighbour's own ARP request would. */
    private static void learn(final StackHarness h, final int ip, final long mac)
    {
        h.receive(Frames.arp(MacAddress.BROADCAST, mac, ArpPacket.OP_REQUEST, mac, ip, 0, STACK_IP));
        h.link.drain();
    }

    /** Sends one datagram and returns the IPv4 frame that left (ARP frames taken aside into {@code arp}), or null. */
    private static byte[] send(final StackHarness h, final UdpSocket socket, final int destination, final byte[][] arp)
    {
        assertEquals(1, socket.send(ByteBuffer.wrap(new byte[] {42}), destination, 9));
        h.stack.flush();
        byte[] ipv4 = null;
        byte[] frame;
        while ((frame = h.link.take()) != null)
        {
            final int type = Frames.ethernet(frame).type();
            if (type == EthernetHeader.TYPE_IPV4 && ipv4 == null)
            {
                ipv4 = frame;
            }
            else if (type == EthernetHeader.TYPE_ARP)
            {
                arp[0] = frame;
            }
        }
        return ipv4;
    }

    @Test
    void shouldSendThroughANewMoreSpecificRouteAddedAfterTheDestinationWasCached()
    {
        try (StackHarness h = harness())
        {
            learn(h, GATEWAY_IP, GATEWAY_MAC);
            learn(h, ROUTER_2, ROUTER_2_MAC);
            final UdpSocket socket = h.stack.openUdp();
            final byte[][] arp = new byte[1][];
            for (int i = 0; i < 3; i++)
            {
                final byte[] frame = send(h, socket, REMOTE, arp);
                assertNotNull(frame);
                assertEquals(GATEWAY_MAC, Frames.ethernet(frame).destination(), "through the default route");
            }
            h.stack.addRoute(Ipv4Address.parse("203.0.113.0"), 24, h.nif, ROUTER_2);
            final byte[] frame = send(h, socket, REMOTE, arp);
            assertNotNull(frame);
            assertEquals(ROUTER_2_MAC, Frames.ethernet(frame).destination(), "through the route just added");
            assertEquals(REMOTE, Frames.ipOf(frame).destination());
            socket.close();
        }
    }

    @Test
    void shouldSendToANeighboursNewMacAtOnce()
    {
        try (StackHarness h = harness())
        {
            learn(h, PEER_IP, PEER_MAC);
            final UdpSocket socket = h.stack.openUdp();
            final byte[][] arp = new byte[1][];
            assertEquals(PEER_MAC, Frames.ethernet(send(h, socket, PEER_IP, arp)).destination());
            final long newMac = MacAddress.parse("02:00:00:00:00:99");
            // The neighbour moved (a gratuitous ARP, RFC 5227 section 3): the next datagram goes to its new MAC.
            h.receive(Frames.arp(MacAddress.BROADCAST, newMac, ArpPacket.OP_REQUEST, newMac, PEER_IP, 0, PEER_IP));
            h.link.drain();
            assertEquals(newMac, Frames.ethernet(send(h, socket, PEER_IP, arp)).destination());
            socket.close();
        }
    }

    @Test
    void shouldResolveAgainOnceTheNeighboursEntryExpired()
    {
        try (StackHarness h = harness())
        {
            learn(h, PEER_IP, PEER_MAC);
            final UdpSocket socket = h.stack.openUdp();
            final byte[][] arp = new byte[1][];
            assertEquals(PEER_MAC, Frames.ethernet(send(h, socket, PEER_IP, arp)).destination());
            // Stale: the next datagram still goes, with a unicast probe; unanswered, the entry goes.
            h.advance(ArpConfig.DEFAULT.reachableNanos() + SECOND);
            h.link.drain();
            assertEquals(PEER_MAC, Frames.ethernet(send(h, socket, PEER_IP, arp)).destination());
            for (int i = 0; i < ArpConfig.DEFAULT.probes(); i++)
            {
                h.advance(SECOND);
            }
            assertEquals(-1, h.nif.arpLookup(PEER_IP));
            h.link.drain();
            arp[0] = null;
            assertNull(send(h, socket, PEER_IP, arp), "no datagram to the forgotten MAC: it waits for ARP");
            assertNotNull(arp[0], "a new ARP request");
            assertEquals(MacAddress.BROADCAST, Frames.ethernet(arp[0]).destination());
            assertEquals(PEER_IP, Frames.arpOf(arp[0]).targetIp());
            final long newMac = MacAddress.parse("02:00:00:00:00:77");
            h.receive(Frames.arp(STACK_MAC, newMac, ArpPacket.OP_REPLY, newMac, PEER_IP, STACK_MAC, STACK_IP));
            final byte[] released = h.takeIpv4();
            assertNotNull(released, "the queued datagram, once answered");
            assertEquals(newMac, Frames.ethernet(released).destination());
            socket.close();
        }
    }

    @Test
    void shouldSendOutOfANewInterfaceWhoseSubnetOrAddressTakesTheDestinationOver()
    {
        try (StackHarness h = harness())
        {
            learn(h, GATEWAY_IP, GATEWAY_MAC);
            final UdpSocket socket = h.stack.openUdp();
            final byte[][] arp = new byte[1][];
            assertEquals(GATEWAY_MAC, Frames.ethernet(send(h, socket, REMOTE, arp)).destination());
            // A second interface on 203.0.113.0/24: the destination is on its link now (its connected route).
            final long mac2 = MacAddress.parse("02:00:00:00:01:02");
            final ChannelLink link2 = new ChannelLink(h.stack.pool(), mac2, 1500);
            h.stack.addInterface("test1", link2, Ipv4Address.parse("203.0.113.1"), 24, 0);
            h.poll();
            link2.drain();
            assertNull(send(h, socket, REMOTE, arp), "nothing leaves by the first interface any more");
            byte[] request = link2.take();
            assertNotNull(request, "ARP for the destination on the new interface");
            assertEquals(EthernetHeader.TYPE_ARP, Frames.ethernet(request).type());
            assertEquals(REMOTE, Frames.arpOf(request).targetIp());
            // And a third whose own address is the destination: it is local now, looped back, never on a wire.
            final ChannelLink link3 = new ChannelLink(h.stack.pool(), MacAddress.parse("02:00:00:00:01:03"), 1500);
            final int local = Ipv4Address.parse("192.0.2.1");
            final UdpSocket receiver = h.stack.openUdp();
            assertEquals(0, receiver.bind(0, 9));
            final byte[][] none = new byte[1][];
            learn(h, GATEWAY_IP, GATEWAY_MAC);
            assertEquals(GATEWAY_MAC, Frames.ethernet(send(h, socket, local, none)).destination());
            h.stack.addInterface("test2", link3, local, 24, 0);
            h.poll();
            link2.drain();
            link3.drain();
            assertNull(send(h, socket, local, none));
            h.poll();
            assertNull(link2.take());
            assertNull(link3.take());
            assertEquals(1, receiver.receive(ByteBuffer.allocate(16)), "delivered locally");
            receiver.close();
            socket.close();
        }
    }
}
