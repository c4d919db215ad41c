package org.jbypass.netstack.udp;

import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.UdpHeader;
import org.junit.jupiter.api.Test;

/**
 * IPv6 multicast delivery to and sending from UDP sockets: every joined socket on the port gets a copy, none other
 * does, source filters apply, frames leave to the group's MAC (RFC 2464 section 7) with IPV6_MULTICAST_HOPS as the
 * hop limit, and IPV6_MULTICAST_LOOP loops a copy back to the stack's own members.
 */
class Udp6MulticastTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final long[] STACK6 = Frames6.addr("2001:db8::2");
    private static final long[] PEER6 = Frames6.addr("2001:db8::1");
    private static final long[] OTHER6 = Frames6.addr("2001:db8::77");
    private static final long[] GROUP = Frames6.addr("ff15::1:2:3");
    private static final int PORT = 30016;

    private static StackHarness harness()
    {
        final StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(1024)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), 1500, 0);
        h.stack.addAddress6(h.nif, STACK6[0], STACK6[1], 64);
        h.poll();
        h.link.drain();
        return h;
    }

    private static UdpSocket bound(final StackHarness h, final long[] address)
    {
        final UdpSocket s = h.stack.openUdp6(false);
        s.reuseAddress(true);
        assertEquals(0, s.bind6(address[0], address[1], PORT));
        return s;
    }

    /** A datagram from {@code source} to the group, carrying {@code sequence}. */
    private static byte[] toGroup(final long[] source, final long sequence)
    {
        final ByteBuffer b = ByteBuffer.allocate(16);
        b.putLong(8, sequence);
        new UdpHeader().wrap(b, 0, 16).write(5000, PORT, 16).computeChecksum6(source[0], source[1], GROUP[0],
            GROUP[1]);
        return Frames6.ipv6(Ipv6Address.multicastMac(GROUP[1]), PEER_MAC, source, GROUP, Ipv6Header.NEXT_UDP, 1,
            b.array());
    }

    private static long received(final UdpSocket socket)
    {
        final ByteBuffer b = ByteBuffer.allocate(64);
        final int n = socket.receive(b);
        return n == 8 ? b.getLong(0) : n;
    }

    @Test
    void shouldGiveEveryJoinedSocketOnThePortACopyAndNoneToOthers()
    {
        try (StackHarness h = harness())
        {
            final UdpSocket a = bound(h, new long[2]);
            final UdpSocket b = bound(h, new long[2]);
            final UdpSocket boundToGroup = bound(h, GROUP);
            final UdpSocket notJoined = bound(h, new long[2]);
            assertEquals(0, a.joinGroup6(GROUP[0], GROUP[1], 0));
            assertEquals(0, b.joinGroup6(GROUP[0], GROUP[1], 0));
            assertEquals(0, boundToGroup.joinGroup6(GROUP[0], GROUP[1], 0));
            assertEquals(-Errno.EADDRINUSE, a.joinGroup6(GROUP[0], GROUP[1], 0));
            assertEquals(-Errno.EINVAL, h.stack.openUdp().joinGroup6(GROUP[0], GROUP[1], 0), "an IPv4 socket");
            assertEquals(-Errno.EINVAL, a.joinGroup6(STACK6[0], STACK6[1], 0), "not a group");
            for (int i = 0; i < 100; i++)
            {
                h.receive(toGroup(PEER6, i));
            }
            for (int i = 0; i < 100; i++)
            {
                assertEquals(i, received(a));
                assertEquals(i, received(b));
                assertEquals(i, received(boundToGroup));
            }
            assertEquals(-Errno.EAGAIN, notJoined.receive(ByteBuffer.allocate(64)), "not joined: nothing");
            assertEquals(PEER6[1], a.lastSourceLo());
            assertEquals(0, h.stack.ipCounters().icmp6OutDestUnreachs, "no ICMPv6 about multicast");
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldDropFramesAndPacketsOfGroupsNotJoinedAndApplySourceFilters()
    {
        try (StackHarness h = harness())
        {
            final UdpSocket ssm = bound(h, new long[2]);
            final UdpSocket any = bound(h, new long[2]);
            h.receive(toGroup(PEER6, 1));
            assertEquals(1, h.stack.ipCounters().framesMulticastFiltered, "the group's MAC is not in the filter");
            assertEquals(0, ssm.joinSource6(GROUP[0], GROUP[1], 0, PEER6[0], PEER6[1]));
            assertEquals(0, any.joinGroup6(GROUP[0], GROUP[1], 0));
            assertEquals(0, any.blockSource6(GROUP[0], GROUP[1], 0, PEER6[0], PEER6[1]));
            assertEquals(-Errno.EADDRNOTAVAIL, any.blockSource6(GROUP[0], GROUP[1], 0, PEER6[0], PEER6[1]));
            h.receive(toGroup(PEER6, 2));
            h.receive(toGroup(OTHER6, 3));
            assertEquals(2, received(ssm), "only its source");
            assertEquals(-Errno.EAGAIN, ssm.receive(ByteBuffer.allocate(64)));
            assertEquals(3, received(any), "every source but the blocked one");
            assertEquals(-Errno.EAGAIN, any.receive(ByteBuffer.allocate(64)));
            assertEquals(0, any.leaveGroup6(GROUP[0], GROUP[1], 0));
            h.receive(toGroup(OTHER6, 4));
            assertEquals(1, h.stack.ipCounters().ip6InMulticastFiltered, "the interface filter: INCLUDE {PEER6}");
            assertEquals(0, ssm.leaveSource6(GROUP[0], GROUP[1], 0, PEER6[0], PEER6[1]), "the last source: left");
            assertEquals(0, ssm.membershipCount());
            h.receive(toGroup(PEER6, 5));
            assertEquals(2, h.stack.ipCounters().framesMulticastFiltered, "the MAC is gone with the group");
            assertEquals(0, h.leakedBuffers());
        }
    }

    /**
     * A link-local sender (as MLD queriers and many publishers on one link are): the source filter matches its wire
     * form, and the socket learns it scoped to the arrival interface, as every link-local address it sees.
     */
    @Test
    void shouldFilterALinkLocalSourceByItsWireFormAndReportItScoped()
    {
        try (StackHarness h = harness())
        {
            final long[] linkLocal = Frames6.addr("fe80::1");
            final UdpSocket ssm = bound(h, new long[2]);
            assertEquals(0, ssm.joinSource6(GROUP[0], GROUP[1], 0, linkLocal[0], linkLocal[1]));
            h.receive(toGroup(linkLocal, 7));
            h.receive(toGroup(PEER6, 8));
            assertEquals(7, received(ssm));
            assertEquals(-Errno.EAGAIN, ssm.receive(ByteBuffer.allocate(64)), "the global sender filtered");
            assertEquals(linkLocal[1], ssm.lastSourceLo());
            assertEquals(linkLocal[0], Ipv6Address.withoutScope(ssm.lastSourceHi()));
            assertTrue(Ipv6Address.scope(ssm.lastSourceHi()) != 0, "scoped to the interface it came in on");
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldSendToTheGroupsMacWithTheHopLimitAndLoopACopyToTheStacksMembers()
    {
        try (StackHarness h = harness())
        {
            final UdpSocket member = bound(h, new long[2]);
            assertEquals(0, member.joinGroup6(GROUP[0], GROUP[1], 0));
            h.advance(3 * SECOND);
            h.link.drain();
            final UdpSocket sender = h.stack.openUdp6(false);
            assertEquals(1, sender.multicastTtl(), "hop limit 1 unless asked (RFC 3493 section 5.2)");
            assertEquals(8, sender.send6(ByteBuffer.allocate(8).putLong(0, 41), GROUP[0], GROUP[1], PORT));
            h.poll();
            final byte[] frame = h.link.take();
            assertEquals(0x333300020003L, Frames.ethernet(frame).destination());
            assertEquals(STACK_MAC, Frames.ethernet(frame).source());
            final Ipv6Header ip = Frames6.ip6Of(frame);
            assertEquals(1, ip.hopLimit());
            assertEquals(STACK6[1], ip.sourceLo(), "the interface's address for a site-scope group");
            assertEquals(GROUP[1], ip.destinationLo());
            assertEquals(41, received(member), "looped back (IPV6_MULTICAST_LOOP is on by default)");

            assertEquals(0, sender.multicastTtl(9));
            sender.multicastLoop(false);
            assertEquals(8, sender.send6(ByteBuffer.allocate(8).putLong(0, 42), GROUP[0], GROUP[1], PORT));
            h.poll();
            assertEquals(9, Frames6.ip6Of(h.link.take()).hopLimit());
            assertEquals(-Errno.EAGAIN, member.receive(ByteBuffer.allocate(64)), "no loop");

            assertEquals(0, sender.multicastTtl(0));
            sender.multicastLoop(true);
            assertEquals(8, sender.send6(ByteBuffer.allocate(8).putLong(0, 43), GROUP[0], GROUP[1], PORT));
            h.poll();
            assertNull(h.link.take(), "hop limit 0: nothing on the wire");
            assertEquals(43, received(member), "but the looped copy");

            // Larger than the MTU: fragments, each to the group's MAC, and the looped copy reassembled.
            assertEquals(0, sender.multicastTtl(1));
            final ByteBuffer big = ByteBuffer.allocate(3000).putLong(0, 44);
            assertEquals(3000, sender.send6(big, GROUP[0], GROUP[1], PORT));
            h.poll();
            int fragments = 0;
            byte[] f;
            while ((f = h.link.take()) != null)
            {
                assertEquals(0x333300020003L, Frames.ethernet(f).destination());
                fragments++;
            }
            assertEquals(3, fragments);
            final ByteBuffer got = ByteBuffer.allocate(4000);
            assertEquals(3000, member.receive(got));
            assertEquals(44, got.getLong(0));
            assertTrue(h.stack.ipCounters().ip6OutMulticastLoopback >= 5);
            assertEquals(0, h.leakedBuffers());
        }
    }
}
