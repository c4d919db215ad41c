package org.jbypass.netstack.udp;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.link.virtual.ImpairedLink;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.UdpHeader;
import org.junit.jupiter.api.Test;

/** Multicast delivery to and sending from UDP sockets: membership, source filters, queues, TTL, loopback. */
class UdpMulticastTest
{
    static final int GROUP = Ipv4Address.parse("239.1.2.3");
    static final long GROUP_MAC = 0x01005E010203L;
    static final int SECOND_SENDER = Ipv4Address.parse("198.18.0.77");
    static final int PORT = 30001;

    static byte[] toGroup(final int source, final int group, final int port, final int sequence)
    {
        final byte[] data = ByteBuffer.allocate(8).putLong(sequence).array();
        return Frames.udpFrame(0x01005E000000L | (group & 0x7FFFFF), PEER_MAC, source, group, 5000, port, data);
    }

    static long received(final UdpSocket socket)
    {
        final ByteBuffer b = ByteBuffer.allocate(64);
        final int n = socket.receive(b);
        return n == 8 ? b.getLong(0) : n;
    }

    @Test
    void shouldGiveEveryJoinedSocketOnThePortACopyAndNoneToOthers()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket a = h.stack.openUdp();
            final UdpSocket b = h.stack.openUdp();
            final UdpSocket boundToGroup = h.stack.openUdp();
            final UdpSocket notJoined = h.stack.openUdp();
            final UdpSocket otherPort = h.stack.openUdp();
            for (final UdpSocket s : new UdpSocket[] {a, b, notJoined})
            {
                s.reuseAddress(true);
                assertEquals(0, s.bind(0, PORT));
            }
            boundToGroup.reuseAddress(true);
            assertEquals(0, boundToGroup.bind(GROUP, PORT));
            assertEquals(0, otherPort.bind(0, PORT + 1));
            assertEquals(0, a.joinGroup(GROUP, 0));
            assertEquals(0, b.joinGroup(GROUP, 0));
            assertEquals(0, boundToGroup.joinGroup(GROUP, 0));
            assertEquals(0, otherPort.joinGroup(GROUP, 0));
            for (int i = 0; i < 100; i++)
            {
                h.receive(toGroup(PEER_IP, GROUP, PORT, i));
            }
            for (int i = 0; i < 100; i++)
            {
                assertEquals(i, received(a));
                assertEquals(i, received(b));
                assertEquals(i, received(boundToGroup));
            }
            assertEquals(-Errno.EAGAIN, notJoined.receive(ByteBuffer.allocate(64)), "not joined: nothing");
            assertEquals(-Errno.EAGAIN, otherPort.receive(ByteBuffer.allocate(64)), "another port: nothing");
            assertEquals(100, h.stack.udpCounters().inDatagrams);
            assertEquals(0, h.stack.ipCounters().icmpOutMsgs, "no ICMP about multicast");
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldFilterFramesAndDatagramsOfGroupsNotJoined()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, PORT);
            h.receive(toGroup(PEER_IP, GROUP, PORT, 1));
            assertEquals(1, h.stack.ipCounters().framesMulticastFiltered, "MAC not in the filter");
            socket.joinGroup(Ipv4Address.parse("224.129.2.3"), 0); // same MAC, another group
            h.receive(toGroup(PEER_IP, GROUP, PORT, 2));
            assertEquals(1, h.stack.ipCounters().ipInMulticastNotJoined, "MAC shared, group not joined");
            assertEquals(-Errno.EAGAIN, socket.receive(ByteBuffer.allocate(64)));
            // IPv6 multicast MACs (33:33:...) and others are filtered too.
            final byte[] v6 = toGroup(PEER_IP, GROUP, PORT, 3);
            Frames.ethernet(v6).destination(0x333300000001L);
            h.receive(v6);
            assertEquals(2, h.stack.ipCounters().framesMulticastFiltered);
        }
    }

    @Test
    void shouldApplySourceFiltersOfSourceSpecificJoinsAndBlocks()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket ssm = h.stack.openUdp();
            final UdpSocket any = h.stack.openUdp();
            ssm.reuseAddress(true);
            any.reuseAddress(true);
            ssm.bind(0, PORT);
            any.bind(0, PORT);
            assertEquals(0, ssm.joinSource(GROUP, 0, PEER_IP));
            assertEquals(0, any.joinGroup(GROUP, 0));
            assertEquals(0, any.blockSource(GROUP, 0, PEER_IP));
            h.receive(toGroup(PEER_IP, GROUP, PORT, 1));
            h.receive(toGroup(SECOND_SENDER, GROUP, PORT, 2));
            assertEquals(1, received(ssm));
            assertEquals(-Errno.EAGAIN, ssm.receive(ByteBuffer.allocate(64)), "the second sender is filtered");
            assertEquals(2, received(any));
            assertEquals(-Errno.EAGAIN, any.receive(ByteBuffer.allocate(64)), "the blocked sender is filtered");

            // With only the source-specific socket left, the interface filters the second sender itself.
            any.close();
            h.receive(toGroup(SECOND_SENDER, GROUP, PORT, 3));
            assertEquals(1, h.stack.ipCounters().ipInMulticastFiltered);
            assertEquals(-Errno.EAGAIN, ssm.receive(ByteBuffer.allocate(64)));
        }
    }

    @Test
    void shouldGiveLinuxsErrorsForMembershipMistakes()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket s = h.stack.openUdp();
            assertEquals(-Errno.EINVAL, s.joinGroup(PEER_IP, 0), "not a group");
            assertEquals(0, s.joinGroup(GROUP, 0));
            assertEquals(-Errno.EADDRINUSE, s.joinGroup(GROUP, 0), "joined twice");
            assertEquals(-Errno.EINVAL, s.joinSource(GROUP, 0, PEER_IP), "source-specific on an any-source join");
            assertEquals(0, s.blockSource(GROUP, 0, PEER_IP));
            assertEquals(-Errno.EADDRNOTAVAIL, s.blockSource(GROUP, 0, PEER_IP), "blocked twice");
            assertEquals(-Errno.EADDRNOTAVAIL, s.unblockSource(GROUP, 0, SECOND_SENDER), "never blocked");
            final int ssmGroup = Ipv4Address.parse("232.1.1.1");
            assertEquals(0, s.joinSource(ssmGroup, 0, PEER_IP));
            assertEquals(-Errno.EADDRINUSE, s.joinGroup(ssmGroup, 0), "any-source on a source-specific join");
            assertEquals(-Errno.EINVAL, s.blockSource(ssmGroup, 0, PEER_IP), "block on a source-specific join");
            assertEquals(-Errno.EADDRNOTAVAIL, s.leaveSource(ssmGroup, 0, SECOND_SENDER));
            assertEquals(0, s.leaveSource(ssmGroup, 0, PEER_IP));
            assertNull(s.membership(ssmGroup, 0), "the last source ends the membership");
            assertEquals(1, s.membershipCount());
            s.close();
            assertEquals(0, s.membershipCount());
            assertEquals(0, h.nif.multicastMacCount());
        }
    }

    @Test
    void shouldCountDropsOfAFullQueueAsForUnicast()
    {
        final StackConfig config = StackConfig.builder().poolBuffers(1024).build();
        try (StackHarness h = new StackHarness(config, 1500, 0))
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, PORT);
            socket.joinGroup(GROUP, 0);
            final int capacity = socket.receiveBufferSize();
            int sent = 0;
            while (socket.drops() == 0)
            {
                h.receive(toGroup(PEER_IP, GROUP, PORT, sent++));
                assertTrue(sent < capacity, "the queue is bounded");
            }
            assertEquals(1, h.stack.udpCounters().rcvbufErrors);
            for (int i = 0; i < sent - 1; i++)
            {
                assertEquals(i, received(socket), "in order, none lost before the queue filled");
            }
        }
    }

    @Test
    void shouldSendToAGroupWithTheMulticastTtlOutOfTheChosenInterface()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket sender = h.stack.openUdp();
            assertEquals(1, sender.multicastTtl(), "IP_MULTICAST_TTL defaults to 1");
            assertEquals(8, sender.send(ByteBuffer.allocate(8), GROUP, PORT));
            h.stack.flush();
            byte[] frame = h.takeIpv4();
            assertEquals(GROUP_MAC, Frames.ethernet(frame).destination());
            assertEquals(STACK_MAC, Frames.ethernet(frame).source());
            Ipv4Header ip = Frames.ipOf(frame);
            assertEquals(1, ip.ttl());
            assertEquals(STACK_IP, ip.source());
            assertEquals(GROUP, ip.destination());
            final ByteBuffer udp = ByteBuffer.wrap(Frames.ipPayload(frame));
            assertTrue(new UdpHeader().wrap(udp, 0, udp.capacity()).checksumOk(STACK_IP, GROUP));

            assertEquals(0, sender.multicastTtl(32));
            assertEquals(-Errno.EINVAL, sender.multicastTtl(256));
            sender.multicastInterface(0);
            sender.send(ByteBuffer.allocate(8), GROUP, PORT);
            h.stack.flush();
            frame = h.takeIpv4();
            assertEquals(32, Frames.ipOf(frame).ttl());

            sender.multicastInterface(3);
            assertEquals(-Errno.ENETUNREACH, sender.send(ByteBuffer.allocate(8), GROUP, PORT), "no interface 3");

            // Larger than the MTU: fragments, every one to the group's MAC.
            sender.multicastInterface(-1);
            assertEquals(3000, sender.send(ByteBuffer.allocate(3000), GROUP, PORT));
            h.stack.flush();
            int fragments = 0;
            while ((frame = h.takeIpv4()) != null)
            {
                assertEquals(GROUP_MAC, Frames.ethernet(frame).destination());
                ip = Frames.ipOf(frame);
                assertTrue(ip.isFragment());
                fragments++;
            }
            assertEquals(3, fragments);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldLoopACopyBackToTheStacksMembersWhenLoopIsOn()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket member = h.stack.openUdp();
            member.bind(0, PORT);
            member.joinGroup(GROUP, 0);
            h.stack.flush();
            h.link.drain();
            final UdpSocket sender = h.stack.openUdp();
            assertTrue(sender.multicastLoop(), "IP_MULTICAST_LOOP defaults to on");
            sender.send(ByteBuffer.allocate(8).putLong(0, 41), GROUP, PORT);
            h.stack.flush();
            assertEquals(41, received(member), "looped back");
            assertEquals(STACK_IP, member.lastSourceAddress());
            assertTrue(h.takeIpv4() != null, "and sent on the wire");
            sender.multicastLoop(false);
            sender.send(ByteBuffer.allocate(8).putLong(0, 42), GROUP, PORT);
            h.stack.flush();
            assertEquals(-Errno.EAGAIN, member.receive(ByteBuffer.allocate(64)), "loop off: no copy");
            assertTrue(h.takeIpv4() != null);

            // A large datagram loops back as fragments, reassembled on the way in.
            sender.multicastLoop(true);
            final ByteBuffer big = ByteBuffer.allocate(4000);
            big.putLong(0, 43);
            sender.send(big, GROUP, PORT);
            h.stack.flush();
            final ByteBuffer in = ByteBuffer.allocate(5000);
            assertEquals(4000, member.receive(in));
            assertEquals(43, in.getLong(0));
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldReachOnlyTheStacksThatJoinedOverAMemoryWireThroughADecorator()
    {
        long now = 1_000_000_000L;
        final Stack sender = new Stack(StackConfig.builder().poolBuffers(256).seed(1).build(), now);
        final Stack member = new Stack(StackConfig.builder().poolBuffers(256).seed(2).build(), now);
        final Stack other = new Stack(StackConfig.builder().poolBuffers(256).seed(3).build(), now);
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port memberPort = wire.attach(member.pool(), 0x020000000002L);
        final MemoryWire.Port otherPort = wire.attach(other.pool(), 0x020000000003L);
        sender.addInterface("s0", wire.attach(sender.pool(), 0x020000000001L), Ipv4Address.parse("10.0.0.1"), 24, 0);
        // The decorator forwards the stack's multicast MACs to the port it wraps.
        member.addInterface("m0", new ImpairedLink(memberPort, ImpairedLink.config().seed(1)),
            Ipv4Address.parse("10.0.0.2"), 24, 0);
        other.addInterface("o0", otherPort, Ipv4Address.parse("10.0.0.3"), 24, 0);
        final UdpSocket in = member.openUdp();
        in.bind(0, PORT);
        assertEquals(0, in.joinGroup(GROUP, 0));
        final UdpSocket notIn = other.openUdp();
        notIn.bind(0, PORT);
        final Stack[] stacks = {sender, member, other};
        for (final Stack s : stacks)
        {
            s.poll(now);
        }
        final long otherFramesBefore = otherPort.counters().rxPackets;
        final UdpSocket out = sender.openUdp();
        for (int i = 0; i < 50; i++)
        {
            out.send(ByteBuffer.allocate(8).putLong(0, i), GROUP, PORT);
            sender.flush();
            now += 1_000_000;
            for (final Stack s : stacks)
            {
                s.poll(now);
            }
        }
        for (int i = 0; i < 50; i++)
        {
            assertEquals(i, received(in));
        }
        assertEquals(-Errno.EAGAIN, notIn.receive(ByteBuffer.allocate(64)));
        assertEquals(otherFramesBefore, otherPort.counters().rxPackets, "the wire filtered the group's frames");
        in.close();
        for (final Stack s : stacks)
        {
            s.close();
        }
    }
}
