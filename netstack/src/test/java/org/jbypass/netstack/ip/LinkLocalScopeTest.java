package org.jbypass.netstack.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.testing.ChannelLink;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.UdpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Link-local addresses are scoped (RFC 4007): with two IPv6 interfaces, what is sent to fe80::/64 leaves by the
 * interface its scope names, a packet's link-local addresses reach the transports scoped to the interface it came
 * in on (so a reply goes back out of it), binds and connects follow Linux's rules, and a link-local address is the
 * stack's only on its own link.
 */
class LinkLocalScopeTest
{
    private static final long MAC_A = 0x0200_0000_0A01L;
    private static final long MAC_B = 0x0200_0000_0B01L;
    private static final long PEER_MAC = 0x0200_0000_0C01L;
    private static final long[] LL_A = {Ipv6Address.LINK_LOCAL_HI, Ipv6Address.eui64(MAC_A)};
    private static final long[] LL_B = {Ipv6Address.LINK_LOCAL_HI, Ipv6Address.eui64(MAC_B)};
    private static final long[] PEER_LL = Frames6.addr("fe80::99");

    private long now = 1_000_000_000L;
    private Stack stack;
    private ChannelLink linkA;
    private ChannelLink linkB;
    private NetInterface a;
    private NetInterface b;

    @BeforeEach
    void twoInterfaces()
    {
        stack = new Stack(StackConfig.builder().poolBuffers(1024)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0).withDadDelayNanos(0)).build(), now);
        linkA = new ChannelLink(stack.pool(), MAC_A, 1500);
        linkB = new ChannelLink(stack.pool(), MAC_B, 1500);
        a = stack.addInterface("a", linkA);
        b = stack.addInterface("b", linkB);
        stack.addAddress6(a, 0x2001_0DB8_000A_0000L, 2, 64);
        stack.addAddress6(b, 0x2001_0DB8_000B_0000L, 2, 64);
        linkA.setAside(Frames6::isMld);
        linkB.setAside(Frames6::isMld);
        poll();
        linkA.drain();
        linkB.drain();
    }

    @AfterEach
    void close()
    {
        stack.close();
    }

    private void poll()
    {
        now += 1_000_000L;
        stack.poll(now);
    }

    private static long scoped(final long[] address, final NetInterface nif)
    {
        return Ipv6Address.withScope(address[0], nif.index() + 1);
    }

    @Test
    void shouldConnectOutOfTheInterfaceTheScopeNames()
    {
        final TcpSocket s = stack.openTcp6(false);
        assertEquals(-Errno.EINPROGRESS, s.connect6(scoped(PEER_LL, b), PEER_LL[1], 80));
        stack.flush();
        assertNull(linkA.take(), "nothing leaves by the first interface");
        final byte[] ns = linkB.take();
        assertNotNull(ns);
        assertTrue(Frames6.isIcmp6(ns, Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION));
        // From b's own link-local address, on the wire without any scope.
        assertEquals(LL_B[0], Frames6.ip6Of(ns).sourceHi());
        assertEquals(LL_B[1], Frames6.ip6Of(ns).sourceLo());
        assertEquals(scoped(LL_B, b), s.localHi(), "the socket's source is b's link-local, scoped to b");
        assertEquals(scoped(PEER_LL, b), s.remoteHi());

        // The advertisement releases the SYN, out of b, to the peer's MAC, addresses in wire form.
        linkB.inject(Frames6.advertisement(MAC_B, PEER_MAC, PEER_LL, LL_B,
            Icmpv6Header.NA_SOLICITED | Icmpv6Header.NA_OVERRIDE, PEER_MAC));
        poll();
        final byte[] syn = linkB.take();
        assertNotNull(syn);
        assertEquals(PEER_MAC, Frames.ethernet(syn).destination());
        assertEquals(Ipv6Header.NEXT_TCP, Frames6.ip6Of(syn).nextHeader());
        assertEquals(PEER_LL[0], Frames6.ip6Of(syn).destinationHi());
        assertEquals(LL_B[0], Frames6.ip6Of(syn).sourceHi());
        assertNull(linkA.take());
        s.close();
    }

    @Test
    void shouldRefuseUnscopedLinkLocalConnectsAndBindsAsLinux()
    {
        final TcpSocket tcp = stack.openTcp6(false);
        assertEquals(-Errno.EINVAL, tcp.connect6(PEER_LL[0], PEER_LL[1], 80), "connect needs an interface");
        assertEquals(-Errno.EINVAL, tcp.bind6(LL_A[0], LL_A[1], 0), "bind needs an interface");
        assertEquals(-Errno.EADDRNOTAVAIL, tcp.bind6(scoped(LL_A, b), LL_A[1], 0), "a's address is not b's");
        assertEquals(0, tcp.bind6(scoped(LL_A, a), LL_A[1], 0));
        assertEquals(-Errno.EINVAL, tcp.connect6(scoped(PEER_LL, b), PEER_LL[1], 80),
            "bound on a, the peer scoped on b");
        tcp.close();

        // Bound to a's link-local address, an unscoped peer is on a's link (Linux: the bound device).
        final TcpSocket bound = stack.openTcp6(false);
        assertEquals(0, bound.bind6(scoped(LL_A, a), LL_A[1], 0));
        assertEquals(-Errno.EINPROGRESS, bound.connect6(PEER_LL[0], PEER_LL[1], 80));
        assertEquals(scoped(PEER_LL, a), bound.remoteHi());
        stack.flush();
        assertTrue(Frames6.isIcmp6(linkA.take(), Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION));
        assertNull(linkB.take());
        bound.close();

        final UdpSocket udp = stack.openUdp6(false);
        assertEquals(-Errno.EINVAL, udp.connect6(PEER_LL[0], PEER_LL[1], 9));
        assertEquals(-Errno.EINVAL, udp.bind6(LL_B[0], LL_B[1], 0));
        udp.close();
    }

    @Test
    void shouldSendAnUnscopedDatagramByTheRoutesAsLinux()
    {
        final UdpSocket udp = stack.openUdp6(false);
        assertEquals(4, udp.send6(ByteBuffer.wrap(new byte[4]), PEER_LL[0], PEER_LL[1], 9));
        stack.flush();
        assertTrue(Frames6.isIcmp6(linkA.take(), Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION),
            "fe80::/64 of the first interface with IPv6");
        assertNull(linkB.take());
        assertEquals(4, udp.send6(ByteBuffer.wrap(new byte[4]), scoped(PEER_LL, b), PEER_LL[1], 9));
        stack.flush();
        assertTrue(Frames6.isIcmp6(linkB.take(), Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION), "scoped: out of b");
        udp.close();
    }

    @Test
    void shouldDeliverScopedToTheArrivalInterfaceAndAnswerOutOfIt()
    {
        final UdpSocket udp = stack.openUdp6(false);
        assertEquals(0, udp.bind6(0, 0, 5000));
        final ByteBuffer datagram = ByteBuffer.allocate(8 + 4);
        new UdpHeader().wrap(datagram, 0, 12).write(7000, 5000, 12).computeChecksum6(PEER_LL[0], PEER_LL[1], LL_B[0],
            LL_B[1]);
        linkB.inject(Frames6.ipv6(MAC_B, PEER_MAC, PEER_LL, LL_B, Ipv6Header.NEXT_UDP, 64, datagram.array()));
        poll();
        final ByteBuffer in = ByteBuffer.allocate(64);
        assertEquals(4, udp.receive(in));
        assertEquals(scoped(PEER_LL, b), udp.lastSourceHi(), "the peer, on b's link");
        // The answer to that source goes back out of b (the peer's MAC learnt from nothing yet: a solicitation).
        assertEquals(2, udp.send6(ByteBuffer.wrap(new byte[2]), udp.lastSourceHi(), udp.lastSourceLo(), 7000));
        stack.flush();
        assertTrue(Frames6.isIcmp6(linkB.take(), Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION));
        assertNull(linkA.take());
        udp.close();

        // An echo to b's link-local address from the peer's is answered out of b.
        linkB.inject(Frames6.solicitation(PEER_MAC, PEER_LL, LL_B, PEER_MAC));
        poll();
        linkB.drain();
        linkB.inject(Frames6.ipv6(MAC_B, PEER_MAC, PEER_LL, LL_B, Ipv6Header.NEXT_ICMPV6, 64,
            Frames6.echo(PEER_LL, LL_B, Icmpv6Header.TYPE_ECHO_REQUEST, 1, 1, new byte[8])));
        poll();
        final byte[] reply = linkB.take();
        assertTrue(Frames6.isIcmp6(reply, Icmpv6Header.TYPE_ECHO_REPLY));
        assertTrue(Frames6.icmp6ChecksumOk(reply));
        assertNull(linkA.take());
    }

    @Test
    void shouldTakeALinkLocalAddressAsOursOnlyOnItsLink()
    {
        // b's link-local address arriving on a: not ours there (each link has its own fe80::/64).
        linkA.inject(Frames6.ipv6(MAC_A, PEER_MAC, PEER_LL, LL_B, Ipv6Header.NEXT_ICMPV6, 64,
            Frames6.echo(PEER_LL, LL_B, Icmpv6Header.TYPE_ECHO_REQUEST, 1, 1, new byte[8])));
        poll();
        assertNull(linkA.take());
        assertEquals(1, stack.ipCounters().ip6InAddrErrors);
        assertFalse(stack.ipv6().isLocalAddress(scoped(LL_B, a), LL_B[1]));
        assertTrue(stack.ipv6().isLocalAddress(scoped(LL_B, b), LL_B[1]));
        assertTrue(stack.ipv6().isLocalAddress(LL_B[0], LL_B[1]), "unscoped: any interface's");

        // A link-local address outside fe80::/64 is dropped: its middle bits would pass for a scope.
        final long[] odd = {Ipv6Address.LINK_LOCAL_HI | 0x0002_0000_0000L, LL_A[1]};
        linkA.inject(Frames6.ipv6(MAC_A, PEER_MAC, PEER_LL, odd, Ipv6Header.NEXT_ICMPV6, 64,
            Frames6.echo(PEER_LL, odd, Icmpv6Header.TYPE_ECHO_REQUEST, 1, 1, new byte[8])));
        linkA.inject(Frames6.ipv6(MAC_A, PEER_MAC, odd, LL_A, Ipv6Header.NEXT_ICMPV6, 64,
            Frames6.echo(odd, LL_A, Icmpv6Header.TYPE_ECHO_REQUEST, 1, 1, new byte[8])));
        poll();
        assertNull(linkA.take());
        assertEquals(2, stack.ipCounters().ip6InAddrErrors, () -> "bad dst " + stack.ipCounters().ip6InBadDestination + " tentative " + stack.ipCounters().ip6InTentative + " src " + stack.ipCounters().ip6InBadSource + " rx " + stack.ipCounters().ip6InReceives);
        assertEquals(1, stack.ipCounters().ip6InBadSource);
    }
}
