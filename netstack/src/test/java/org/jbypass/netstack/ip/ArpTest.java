package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.core.Stack;
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

class ArpTest
{
    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldAnnounceAddressWithGratuitousRequestWhenInterfaceComesUp()
    {
        final Stack stack = new Stack(StackConfig.builder().poolBuffers(256).build(), 0);
        final ChannelLink link = new ChannelLink(stack.pool(), STACK_MAC, 1500);
        stack.addInterface("t0", link, STACK_IP, 24, 0);
        stack.poll(0);
        final byte[] frame = link.take();
        assertNotNull(frame, "gratuitous ARP");
        final EthernetHeader eth = Frames.ethernet(frame);
        assertEquals(MacAddress.BROADCAST, eth.destination());
        assertEquals(EthernetHeader.TYPE_ARP, eth.type());
        final ArpPacket arp = Frames.arpOf(frame);
        assertEquals(ArpPacket.OP_REQUEST, arp.operation());
        assertEquals(STACK_IP, arp.senderIp());
        assertEquals(STACK_IP, arp.targetIp());
        assertEquals(STACK_MAC, arp.senderMac());
        stack.close();
    }

    @Test
    void shouldAnswerRequestForItsAddressAndLearnTheRequester()
    {
        try (StackHarness h = new StackHarness())
        {
            h.link.drain();
            h.receive(Frames.arp(MacAddress.BROADCAST, PEER_MAC, ArpPacket.OP_REQUEST, PEER_MAC, PEER_IP, 0, STACK_IP));
            final byte[] reply = h.link.take();
            assertNotNull(reply);
            assertEquals(PEER_MAC, Frames.ethernet(reply).destination());
            final ArpPacket arp = Frames.arpOf(reply);
            assertEquals(ArpPacket.OP_REPLY, arp.operation());
            assertEquals(STACK_MAC, arp.senderMac());
            assertEquals(STACK_IP, arp.senderIp());
            assertEquals(PEER_MAC, arp.targetMac());
            assertEquals(PEER_IP, arp.targetIp());
            assertEquals(PEER_MAC, h.nif.arpLookup(PEER_IP));
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldIgnoreRequestsForOtherAddressesWithoutLearning()
    {
        try (StackHarness h = new StackHarness())
        {
            h.link.drain();
            h.receive(Frames.arp(MacAddress.BROADCAST, PEER_MAC, ArpPacket.OP_REQUEST, PEER_MAC, PEER_IP, 0,
                Ipv4Address.parse("198.18.0.77")));
            assertNull(h.link.take());
            assertEquals(-1, h.nif.arpLookup(PEER_IP));
            assertEquals(1, h.stack.ipCounters().arpIgnored);
        }
    }

    @Test
    void shouldRejectSenderWithGroupMac()
    {
        try (StackHarness h = new StackHarness())
        {
            h.link.drain();
            h.receive(Frames.arp(MacAddress.BROADCAST, PEER_MAC, ArpPacket.OP_REQUEST, MacAddress.BROADCAST, PEER_IP, 0,
                STACK_IP));
            assertNull(h.link.take());
            assertEquals(-1, h.nif.arpLookup(PEER_IP));
            assertEquals(1, h.stack.ipCounters().arpMalformed);
        }
    }

    @Test
    void shouldQueuePacketsWhileResolvingAndSendThemInOrderWhenAnswered()
    {
        try (StackHarness h = new StackHarness())
        {
            h.link.drain();
            final UdpSocket socket = h.stack.openUdp();
            for (int i = 0; i < 3; i++)
            {
                assertEquals(1, socket.send(ByteBuffer.wrap(new byte[] {(byte)i}), PEER_IP, 9));
            }
            h.stack.flush();
            final byte[] request = h.link.take();
            assertEquals(EthernetHeader.TYPE_ARP, Frames.ethernet(request).type());
            assertEquals(PEER_IP, Frames.arpOf(request).targetIp());
            assertNull(h.link.take(), "data waits for the answer");

            h.receive(Frames.arp(STACK_MAC, PEER_MAC, ArpPacket.OP_REPLY, PEER_MAC, PEER_IP, STACK_MAC, STACK_IP));
            for (int i = 0; i < 3; i++)
            {
                final byte[] frame = h.link.take();
                assertNotNull(frame, "queued datagram " + i);
                assertEquals(PEER_MAC, Frames.ethernet(frame).destination());
                assertEquals(i, Frames.ipPayload(frame)[8]);
            }
            socket.close();
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldRetryThenDropQueuedPacketsWhenNeighbourNeverAnswers()
    {
        try (StackHarness h = new StackHarness())
        {
            h.link.drain();
            final UdpSocket socket = h.stack.openUdp();
            socket.send(ByteBuffer.wrap(new byte[10]), PEER_IP, 9);
            h.stack.flush();
            assertEquals(1, h.stack.ipCounters().arpRequestsSent - 1, "one request besides the gratuitous one");
            h.link.drain();
            h.advance(SECOND);
            h.advance(SECOND);
            assertEquals(2, h.link.transmitted(), "two retransmitted requests");
            h.link.drain();
            h.advance(SECOND);
            assertEquals(1, h.stack.ipCounters().arpResolutionFailures);
            assertEquals(0, h.nif.arpCacheSize());
            assertEquals(0, h.leakedBuffers(), "the queued datagram went back to the pool");
            socket.close();
        }
    }

    @Test
    void shouldBoundQueueDroppingOldest()
    {
        try (StackHarness h = new StackHarness())
        {
            h.link.drain();
            final UdpSocket socket = h.stack.openUdp();
            final int queue = ArpConfig.DEFAULT.queueLength();
            for (int i = 0; i < queue + 5; i++)
            {
                socket.send(ByteBuffer.wrap(new byte[] {(byte)i}), PEER_IP, 9);
            }
            assertEquals(5, h.stack.ipCounters().arpQueueDrops);
            h.stack.flush();
            h.link.drain();
            h.receive(Frames.arp(STACK_MAC, PEER_MAC, ArpPacket.OP_REPLY, PEER_MAC, PEER_IP, STACK_MAC, STACK_IP));
            assertEquals(queue, h.link.transmitted());
            assertEquals(5, Frames.ipPayload(h.link.take())[8], "the oldest five were dropped");
            socket.close();
            h.link.drain();
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldReprobeStaleEntryWhileStillUsingIt()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            h.advance(ArpConfig.DEFAULT.reachableNanos() + SECOND);
            h.link.drain();
            final UdpSocket socket = h.stack.openUdp();
            socket.send(ByteBuffer.wrap(new byte[1]), PEER_IP, 9);
            h.stack.flush();
            final byte[] probe = h.link.take();
            assertEquals(EthernetHeader.TYPE_ARP, Frames.ethernet(probe).type());
            assertEquals(PEER_MAC, Frames.ethernet(probe).destination(), "unicast probe");
            final byte[] data = h.link.take();
            assertEquals(EthernetHeader.TYPE_IPV4, Frames.ethernet(data).type(), "data still flows meanwhile");
            // No answer: after the probes the entry goes.
            for (int i = 0; i < ArpConfig.DEFAULT.probes(); i++)
            {
                h.advance(SECOND);
            }
            assertEquals(-1, h.nif.arpLookup(PEER_IP));
            socket.close();
        }
    }

    @Test
    void shouldUpdateExistingEntryFromGratuitousArp()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final long newMac = MacAddress.parse("02:00:00:00:00:99");
            h.receive(Frames.arp(MacAddress.BROADCAST, newMac, ArpPacket.OP_REQUEST, newMac, PEER_IP, 0, PEER_IP));
            assertEquals(newMac, h.nif.arpLookup(PEER_IP));
        }
    }

    @Test
    void shouldBoundCacheAndEvictOldestResolvedEntry()
    {
        final StackConfig config = StackConfig.builder().poolBuffers(1024)
            .ip(new IpConfig(64, 64, 1000, 50, 1024, new ArpConfig(16, 30 * SECOND, SECOND, 3, 4),
                ReassemblyConfig.DEFAULT)).build();
        try (StackHarness h = new StackHarness(config, 1500, 0))
        {
            for (int i = 0; i < 40; i++)
            {
                final int ip = Ipv4Address.parse("198.18.0.100") + i;
                final long mac = 0x020000001000L + i;
                h.advance(1_000_000);
                h.receive(Frames.arp(MacAddress.BROADCAST, mac, ArpPacket.OP_REQUEST, mac, ip, 0, STACK_IP));
            }
            assertTrue(h.nif.arpCacheSize() <= 16, "cache bounded: " + h.nif.arpCacheSize());
            assertEquals(0x020000001000L + 39, h.nif.arpLookup(Ipv4Address.parse("198.18.0.100") + 39));
        }
    }
}
