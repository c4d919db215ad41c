package org.jbypass.netstack.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.testing.ChannelLink;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.ArpPacket;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.MacAddress;
import org.jbypass.netstack.wire.TcpHeader;
import org.junit.jupiter.api.Test;

/**
 * Every layer asks IPv4 whether an address is a broadcast (the subnet's included) or multicast one, and so treats
 * 198.51.100.255 on 198.51.100.0/24 as it treats 255.255.255.255 (RFC 1122 sections 3.2.1.3, 3.2.2, 4.2.3.10).
 */
class BroadcastAddressTest
{
    private static final long STACK_MAC = MacAddress.parse("02:00:00:00:00:02");
    private static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:01");
    private static final int STACK_IP = Ipv4Address.parse("198.51.100.2");
    private static final int PEER_IP = Ipv4Address.parse("198.51.100.1");
    private static final int SUBNET_BROADCAST = Ipv4Address.parse("198.51.100.255");

    /** One stack at 198.51.100.2/24 on a scripted link; the test plays its peer 198.51.100.1. */
    private static final class Subnet implements AutoCloseable
    {
        final Stack stack = new Stack(StackConfig.builder().poolBuffers(256).build(), 1_000_000_000L);
        final ChannelLink link = new ChannelLink(stack.pool(), STACK_MAC, 1500);
        final int baseline;

        Subnet()
        {
            stack.addInterface("test0", link, STACK_IP, 24, 0);
            poll();
            link.drain();
            receive(Frames.arp(MacAddress.BROADCAST, PEER_MAC, ArpPacket.OP_REQUEST, PEER_MAC, PEER_IP, 0, STACK_IP));
            link.drain();
            baseline = stack.pool().inUse();
        }

        void poll()
        {
            stack.poll(1_000_000_000L);
        }

        void receive(final byte[] frame)
        {
            link.inject(frame);
            poll();
        }

        @Override
        public void close()
        {
            stack.close();
        }
    }

    private static byte[] syn(final long destinationMac, final int source, final int destination, final int port)
    {
        final ByteBuffer segment = ByteBuffer.allocate(TcpHeader.MIN_LENGTH);
        new TcpHeader().wrap(segment, 0, TcpHeader.MIN_LENGTH)
            .write(40000, port, 12345, 0, TcpHeader.MIN_LENGTH, TcpHeader.SYN, 65535)
            .computeChecksum(source, destination);
        return Frames.ipv4(destinationMac, PEER_MAC, source, destination, Ipv4Header.PROTOCOL_TCP, 1, 0, 64,
            segment.array());
    }

    @Test
    void shouldSilentlyDiscardSynToTheSubnetBroadcast()
    {
        try (Subnet s = new Subnet())
        {
            // A closed port: before, the SYN was answered with a RST from 198.51.100.255.
            s.receive(syn(MacAddress.BROADCAST, PEER_IP, SUBNET_BROADCAST, 80));
            assertNull(s.link.take(), "no answer to a SYN sent to a broadcast address");
            assertEquals(1, s.stack.tcpCounters().notUnicast());
            assertEquals(0, s.stack.tcpCounters().resetsSent());

            // A listener on the wildcard address does not take it either.
            final TcpSocket listener = s.stack.openTcp();
            assertEquals(0, listener.bind(0, 80));
            assertEquals(0, listener.listen(8));
            s.receive(syn(MacAddress.BROADCAST, PEER_IP, SUBNET_BROADCAST, 80));
            assertNull(s.link.take(), "no SYN-ACK from a broadcast address");
            assertEquals(2, s.stack.tcpCounters().notUnicast());
            assertEquals(0, listener.readyOps());
            listener.close();
            assertEquals(0, s.stack.pool().inUse() - s.baseline);
        }
    }

    @Test
    void shouldSilentlyDiscardSynToTheLimitedBroadcast()
    {
        try (Subnet s = new Subnet())
        {
            s.receive(syn(MacAddress.BROADCAST, PEER_IP, Ipv4Address.BROADCAST, 80));
            assertNull(s.link.take());
            assertEquals(1, s.stack.tcpCounters().notUnicast());
        }
    }

    @Test
    void shouldRefuseToConnectToTheSubnetBroadcast()
    {
        try (Subnet s = new Subnet())
        {
            final TcpSocket socket = s.stack.openTcp();
            assertEquals(-Errno.ENETUNREACH, socket.connect(SUBNET_BROADCAST, 80));
            s.stack.flush();
            assertNull(s.link.take(), "no SYN sent");
            socket.close();
        }
    }

    @Test
    void shouldDropDatagramsFromTheSubnetBroadcast()
    {
        try (Subnet s = new Subnet())
        {
            final UdpSocket socket = s.stack.openUdp();
            assertEquals(0, socket.bind(0, 7));
            s.receive(Frames.udpFrame(STACK_MAC, PEER_MAC, SUBNET_BROADCAST, STACK_IP, 5000, 7, new byte[] {1}));
            assertEquals(1, s.stack.ipCounters().ipInBadSource);
            assertEquals(-Errno.EAGAIN, socket.receive(ByteBuffer.allocate(8)));
            // And no port unreachable about such a datagram to a closed port (RFC 1122 3.2.2).
            s.receive(Frames.udpFrame(STACK_MAC, PEER_MAC, SUBNET_BROADCAST, STACK_IP, 5000, 9, new byte[] {1}));
            assertEquals(2, s.stack.ipCounters().ipInBadSource);
            assertNull(s.link.take());
            socket.close();
        }
    }

    @Test
    void shouldAnswerNoDatagramToTheSubnetBroadcastWithPortUnreachable()
    {
        try (Subnet s = new Subnet())
        {
            s.receive(Frames.udpFrame(MacAddress.BROADCAST, PEER_MAC, PEER_IP, SUBNET_BROADCAST, 5000, 9,
                new byte[] {1}));
            assertEquals(1, s.stack.udpCounters().noPorts);
            assertNull(s.link.take());
            assertEquals(0, s.stack.ipCounters().icmpOutDestUnreachs);
        }
    }

    @Test
    void shouldSendFromTheInterfaceAddressWhenBoundToTheSubnetBroadcast()
    {
        try (Subnet s = new Subnet())
        {
            final UdpSocket socket = s.stack.openUdp();
            assertEquals(0, socket.bind(SUBNET_BROADCAST, 7));
            // It receives what is broadcast to the port...
            s.receive(Frames.udpFrame(MacAddress.BROADCAST, PEER_MAC, PEER_IP, SUBNET_BROADCAST, 5000, 7,
                new byte[] {1, 2}));
            assertEquals(2, socket.receive(ByteBuffer.allocate(8)));
            // ...and what it sends leaves from the interface's own address (RFC 1122 3.2.1.3).
            assertEquals(3, socket.send(ByteBuffer.wrap(new byte[] {4, 5, 6}), PEER_IP, 5000));
            s.stack.flush();
            final byte[] frame = s.link.take();
            assertNotNull(frame);
            assertEquals(EthernetHeader.TYPE_IPV4, Frames.ethernet(frame).type());
            assertEquals(STACK_IP, Frames.ipOf(frame).source());
            assertEquals(PEER_IP, Frames.ipOf(frame).destination());
            socket.close();
        }
    }

    @Test
    void shouldNeverSendFromABroadcastOrMulticastSource()
    {
        try (Subnet s = new Subnet())
        {
            final Ipv4Layer ipv4 = s.stack.ipv4();
            final PacketPool pool = s.stack.pool();
            final int[] sources = {SUBNET_BROADCAST, Ipv4Address.BROADCAST, Ipv4Address.parse("224.0.0.1")};
            for (final int source : sources)
            {
                final int buffer = pool.allocate();
                assertEquals(-Errno.EINVAL, ipv4.send(buffer, 8, source, PEER_IP, 253, 0, 64, false));
            }
            final ByteBuffer big = ByteBuffer.allocate(3000);
            assertEquals(-Errno.EINVAL, ipv4.sendFromMemory(big, 0, big.capacity(), SUBNET_BROADCAST, PEER_IP, 253,
                0, 64));
            s.stack.flush();
            assertNull(s.link.take());
            assertEquals(4, s.stack.ipCounters().ipOutBadSource);
            assertEquals(0, pool.inUse() - s.baseline, "the refused buffers went back to the pool");
        }
    }

    @Test
    void shouldClassifyAddressesOnceForEveryLayer()
    {
        try (Subnet s = new Subnet())
        {
            final Ipv4Layer ipv4 = s.stack.ipv4();
            assertTrue(ipv4.isBroadcast(SUBNET_BROADCAST));
            assertTrue(ipv4.isBroadcast(Ipv4Address.BROADCAST));
            assertFalse(ipv4.isBroadcast(Ipv4Address.parse("198.51.101.255")), "not one of the stack's subnets");
            assertFalse(ipv4.isBroadcast(Ipv4Address.parse("224.0.0.1")));
            assertTrue(ipv4.isBroadcastOrMulticast(Ipv4Address.parse("224.0.0.1")));
            assertTrue(ipv4.isBroadcastOrMulticast(Ipv4Address.parse("239.255.255.250")));
            assertTrue(ipv4.isBroadcastOrMulticast(SUBNET_BROADCAST));
            assertFalse(ipv4.isBroadcastOrMulticast(PEER_IP));
            assertFalse(ipv4.isBroadcastOrMulticast(STACK_IP));
        }
    }
}
