package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.PSH;
import static org.jbypass.netstack.tcp.Tcp.RST;
import static org.jbypass.netstack.tcp.Tcp.SYN;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import org.jbypass.netstack.ip.FakeIpv6;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv6Address;
import org.junit.jupiter.api.Test;

/**
 * TCP over IPv6, scripted (RFC 8200 section 8, RFC 9293): the pseudo-header checksum both ways, MSS from the IPv6
 * MTU (MTU - 60), handshakes in both directions, SYN cookies and ISNs keyed by IPv6 4-tuples, dual-stack and
 * IPV6_V6ONLY listeners, resets, and the ICMPv6 errors that reach a connection.
 */
class Tcp6Test
{
    private static final long NET = Tcp6Bench.NET;
    private static final long STACK6 = Tcp6Bench.STACK6;
    private static final long PEER6 = Tcp6Bench.PEER6;

    private Tcp6Bench bench;
    private TcpTestbench b;
    private FakeIpv6 ip6;

    Tcp6Test()
    {
        init(TcpConfig.defaults());
    }

    private void init(final TcpConfig config)
    {
        bench = new Tcp6Bench(config);
        b = bench.b;
        ip6 = bench.ip6;
    }

    private void inject6(final Tcp t, final long peerLo)
    {
        bench.inject6(t, peerLo);
    }

    private void inject6(final Tcp t)
    {
        bench.inject6(t);
    }

    private void inject6(final Tcp t, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final boolean corrupt)
    {
        bench.inject6(t, srcHi, srcLo, dstHi, dstLo, corrupt);
    }

    private Captured expect6(final Tcp want, final long peerLo)
    {
        return bench.expect6(want, peerLo);
    }

    private Captured expect6(final Tcp want)
    {
        return bench.expect6(want);
    }

    private TcpSocket listen6(final boolean v6Only, final int port)
    {
        return bench.listen6(v6Only, port);
    }

    private TcpSocket accept6(final TcpSocket listener, final int peerPort, final long peerLo)
    {
        return bench.accept6(listener, peerPort, peerLo);
    }

    @Test
    void shouldAcceptAnIpv6ConnectionAndMoveDataBothWays()
    {
        final TcpSocket listener = listen6(false, 80);
        assertTrue(listener.isIpv6());
        final TcpSocket child = accept6(listener, 40000, PEER6);
        assertTrue(child.isIpv6());
        assertEquals(NET, child.localHi());
        assertEquals(STACK6, child.localLo());
        assertEquals(NET, child.remoteHi());
        assertEquals(PEER6, child.remoteLo());
        assertEquals(40000, child.remotePort());
        assertEquals(80, child.localPort());
        assertEquals(1, b.layer.connectionCount());
        // RFC 8200 section 8.3: MSS = 1500 - 60, less the 12 bytes of timestamps each segment carries.
        assertEquals(1440 - 12, child.info().sendMss);

        final int seq = child.snd.nxt;
        assertEquals(5, child.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII))));
        final Captured data = expect6(tcp(ACK | PSH).seq(seq).ack(1001).ports(80, 40000));
        assertEquals("hello", new String(data.payload, StandardCharsets.US_ASCII));

        inject6(tcp(ACK | PSH).ports(40000, 80).seq(1001).ack(seq + 5).ts(102, data.tsVal).payload("world"));
        final ByteBuffer in = ByteBuffer.allocate(16);
        assertEquals(5, child.read(in));
        assertEquals("world", new String(in.array(), 0, 5, StandardCharsets.US_ASCII));
        b.drain();
        assertTrue(b.ip.sent.isEmpty(), "nothing went over IPv4");
    }

    @Test
    void shouldKeepAnIpv6HalfOpenConnectionAsARecordAndRetransmitItsSynAck()
    {
        final TcpSocket listener = listen6(false, 80);
        inject6(tcp(SYN).ports(40000, 80).seq(1000).mss(1440).ts(100, 0));
        final Captured synAck = expect6(tcp(SYN | ACK).ports(80, 40000).ack(1001).mss(1440).tsEcr(100));
        assertEquals(0, b.layer.connections.size(), "no socket for a half-open connection");
        assertNotNull(b.layer.requests.find6(NET, STACK6, 80, NET, PEER6, 40000));
        assertNull(b.layer.requests.find(0, 80, 0, 40000), "an IPv6 record has no IPv4 tuple");
        b.advanceMillis(1000);
        expect6(tcp(SYN | ACK).seq(synAck.seq).ack(1001).tsEcr(100));
        inject6(tcp(ACK).ports(40000, 80).seq(1001).ack(synAck.seq + 1).ts(101, synAck.tsVal));
        final TcpSocket child = listener.accept();
        assertNotNull(child, "accepted");
        assertTrue(child.isIpv6());
        assertEquals(0, b.layer.halfOpenCount());
        assertEquals(1, child.info().retransmits, "the SYN-ACK's retransmission counted on the connection");

        inject6(tcp(SYN).ports(40001, 80).seq(5000).mss(1440));
        expect6(tcp(SYN | ACK).ports(80, 40001).ack(5001));
        inject6(tcp(RST).ports(40001, 80).seq(5001));
        assertEquals(0, b.layer.halfOpenCount(), "a reset at RCV.NXT forgets it");
        b.advanceMillis(2000);
        assertTrue(ip6.sent.isEmpty(), "no SYN-ACK after the reset: " + ip6.sent);
    }

    @Test
    void shouldConnectOverIpv6WithTheMssOfTheIpv6Mtu()
    {
        ip6.mtu = 9000;
        final TcpSocket s = b.layer.open6(false);
        assertEquals(-Errno.EINPROGRESS, s.connect6(NET, PEER6, 443));
        assertTrue(s.isIpv6());
        assertEquals(NET, s.localHi());
        assertEquals(STACK6, s.localLo(), "the source IPv6 chose");
        final Captured syn = expect6(tcp(SYN).destinationPort(443).mss(9000 - 60).sackPermitted());
        assertTrue(syn.sourcePort >= b.layer.config().ephemeralPortLow);
        inject6(tcp(SYN | ACK).ports(443, syn.sourcePort).seq(7000).ack(syn.seq + 1).mss(8940).ws(2).sackPermitted()
            .ts(5, syn.tsVal));
        assertEquals(0, s.finishConnect());
        expect6(tcp(ACK).seq(syn.seq + 1).ack(7001));
        assertEquals(8940 - 12, s.info().sendMss);
    }

    @Test
    void shouldServeIpv4AndIpv6OnADualStackListener()
    {
        final TcpSocket listener = listen6(false, 80);
        // An IPv4 peer: the child is an IPv4 connection of an IPv6 socket, answered over IPv4.
        b.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460));
        final Captured synAck4 = b.expect(tcp(SYN | ACK).ack(1001).mss(1460));
        assertEquals(TcpTestbench.STACK, synAck4.source);
        b.inject(tcp(ACK).ports(40000, 80).seq(1001).ack(synAck4.seq + 1));
        final TcpSocket child4 = listener.accept();
        assertNotNull(child4);
        assertFalse(child4.isIpv6());
        assertTrue(child4.isFamily6());
        assertEquals(TcpTestbench.STACK, child4.localAddress());
        assertEquals(TcpTestbench.PEER, child4.remoteAddress());
        // An IPv6 peer on the same port.
        final TcpSocket child6 = accept6(listener, 40000, PEER6);
        assertTrue(child6.isIpv6());
        assertEquals(2, b.layer.connectionCount(), "same ports, two families: two 4-tuples");
        assertTrue(ip6.sent.isEmpty());
        assertTrue(b.ip.sent.isEmpty());
    }

    @Test
    void shouldNotServeIpv4OnAV6OnlyListenerButLetAnIpv4OneShareThePort()
    {
        final TcpSocket v6only = listen6(true, 80);
        b.inject(tcp(SYN).ports(40000, 80).seq(1000));
        b.expect(tcp(RST | ACK).ack(1001), "no IPv4 listener");
        assertNull(v6only.accept());
        final TcpSocket v4 = b.listen(80, 4);
        b.inject(tcp(SYN).ports(40001, 80).seq(1000));
        b.expect(tcp(SYN | ACK));
        final TcpSocket dual = b.layer.open6(false);
        assertEquals(-Errno.EADDRINUSE, dual.bind6(0, 0, 80), "a dual-stack :: overlaps 0.0.0.0");
        final TcpSocket other6only = b.layer.open6(true);
        assertEquals(-Errno.EADDRINUSE, other6only.bind6(NET, STACK6, 80), ":: overlaps every IPv6 address");
        assertNotNull(v4);
    }

    @Test
    void shouldRefuseIpv6BindsAndConnectsThatCannotWork()
    {
        final TcpSocket v4 = b.layer.open();
        assertEquals(-Errno.EAFNOSUPPORT, v4.bind6(0, 0, 80));
        assertEquals(-Errno.EAFNOSUPPORT, v4.connect6(NET, PEER6, 80));
        final TcpSocket s = b.layer.open6(false);
        assertEquals(-Errno.EADDRNOTAVAIL, s.bind6(NET, 99, 80), "not the stack's address");
        assertEquals(-Errno.ENETUNREACH, s.connect6(0x2001_0DB8_0001_0000L, PEER6, 80), "no route");
        assertEquals(-Errno.ENETUNREACH, s.connect6(Ipv6Address.ALL_NODES_HI, 1, 80), "multicast");
        final TcpSocket bound6 = b.layer.open6(false);
        assertEquals(0, bound6.bind6(NET, STACK6, 0));
        assertEquals(-Errno.ENETUNREACH, bound6.connect(TcpTestbench.PEER, 80), "an IPv6 source for IPv4");
        final TcpSocket only = b.layer.open6(true);
        assertEquals(-Errno.ENETUNREACH, only.connect6(0, Ipv6Address.v4MappedLo(TcpTestbench.PEER), 80),
            "IPV6_V6ONLY has no IPv4");
        assertTrue(ip6.sent.isEmpty());
    }

    @Test
    void shouldConnectToAnIpv4MappedAddressOverIpv4()
    {
        final TcpSocket s = b.layer.open6(false);
        assertEquals(-Errno.EINPROGRESS, s.connect6(0, Ipv6Address.v4MappedLo(TcpTestbench.PEER), 80));
        assertFalse(s.isIpv6());
        final Captured syn = b.expect(tcp(SYN).destinationPort(80).mss(1460));
        assertEquals(TcpTestbench.PEER, syn.destination);
        assertEquals(TcpTestbench.STACK, s.localAddress());
        assertTrue(ip6.sent.isEmpty());
    }

    @Test
    void shouldDropIpv6SegmentsWithABadChecksumOrIllegalAddresses()
    {
        listen6(false, 80);
        inject6(tcp(SYN).ports(40000, 80).seq(1), NET, PEER6, NET, STACK6, true);
        assertEquals(1, b.counters().badChecksums());
        final byte[] bytes = TcpTestbench.build(tcp(SYN).ports(40000, 80).seq(1), 0, 0);
        final ByteBuffer m = ByteBuffer.wrap(bytes);
        b.layer.receive6(m, 0, bytes.length, NET, PEER6, NET, STACK6, 0, 64, 0);
        assertEquals(2, b.counters().badChecksums(), "an IPv4 pseudo-header checksum does not pass over IPv6");
        final long before = b.counters().notUnicast();
        inject6(tcp(SYN).ports(40000, 80).seq(1), Ipv6Address.ALL_NODES_HI, 1, NET, STACK6, false);
        inject6(tcp(SYN).ports(40000, 80).seq(1), 0, 0, NET, STACK6, false);
        inject6(tcp(SYN).ports(40000, 80).seq(1), 0, Ipv6Address.v4MappedLo(TcpTestbench.PEER), NET, STACK6, false);
        inject6(tcp(SYN).ports(40000, 80).seq(1), NET, PEER6, Ipv6Address.ALL_NODES_HI, 1, false);
        assertEquals(before + 4, b.counters().notUnicast());
        assertTrue(ip6.sent.isEmpty(), "none answered: " + ip6.sent.size());
    }

    @Test
    void shouldResetIpv6SegmentsToClosedPorts()
    {
        inject6(tcp(SYN).ports(40000, 81).seq(1000));
        expect6(tcp(RST | ACK).seq(0).ack(1001).ports(81, 40000));
        inject6(tcp(ACK).ports(40000, 81).seq(1000).ack(777));
        expect6(tcp(RST).seq(777));
        assertEquals(2, b.counters().noSocket());
    }

    @Test
    void shouldAnswerWithSynCookiesKeyedByTheIpv6FourTuple()
    {
        final Tcp6Test t = new Tcp6Test();
        t.init(TcpConfig.builder().synBacklog(1).build());
        final TcpSocket listener = t.listen6(false, 80);
        t.inject6(tcp(SYN).ports(40000, 80).seq(1000).mss(1440));
        t.expect6(tcp(SYN | ACK));
        t.inject6(tcp(SYN).ports(40001, 80).seq(5000).mss(1360).ts(10, 0).sackPermitted().ws(4));
        final Captured cookie = t.expect6(tcp(SYN | ACK).mss(1440).tsEcr(10));
        assertEquals(1, t.b.counters().cookiesSent());
        // The cookie is bound to the whole IPv6 tuple: another peer address returning it is refused.
        t.inject6(tcp(ACK).ports(40001, 80).seq(5001).ack(cookie.seq + 1).ts(11, cookie.tsVal), PEER6 + 0x100);
        t.expect6(tcp(RST).seq(cookie.seq + 1), PEER6 + 0x100);
        t.inject6(tcp(ACK).ports(40001, 80).seq(5001).ack(cookie.seq + 1).ts(11, cookie.tsVal));
        final TcpSocket child = listener.accept();
        assertNotNull(child);
        assertTrue(child.isIpv6());
        assertEquals(1, t.b.counters().cookiesValidated());
        assertEquals(1, t.b.counters().cookiesRejected());
        // 1360 rounds down to the IPv6 table's 1280; the timestamps' 12 bytes come off.
        assertEquals(1280 - 12, child.info().sendMss);
    }

    @Test
    void shouldDrawIpv6IsnsAndPortsFromTheWholeTuple()
    {
        final Set<Integer> isns = new HashSet<>();
        final Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 64; i++)
        {
            final TcpSocket s = b.layer.open6(false);
            // Peers that differ only in one bit of their high half: every bit of the tuple must reach the PRF.
            final long peerHi = i < 32 ? NET : NET | (1L << (i - 32));
            if (!FakeIpv6.routable(peerHi))
            {
                continue;
            }
            assertEquals(-Errno.EINPROGRESS, s.connect6(peerHi, PEER6 + (i << 40), 80));
            isns.add(s.snd.iss);
            ports.add(s.localPort());
        }
        assertEquals(32, isns.size(), "distinct ISNs at the same instant (RFC 6528)");
        assertEquals(32, ports.size());
        assertTrue(b.layer.ports.connectProbes <= 40, "about one port probed per connect (RFC 6056 3.3.4): "
            + b.layer.ports.connectProbes);
        assertEquals(32, b.layer.connectionCount());
    }

    @Test
    void shouldReuseAnEphemeralPortForAnotherIpv6Destination()
    {
        final TcpTestbench narrow = new TcpTestbench(TcpConfig.builder().ephemeralPorts(50000, 50000).build());
        narrow.layer.attachIpv6(new FakeIpv6(narrow.ip.pool));
        final TcpSocket a = narrow.layer.open6(false);
        final TcpSocket c = narrow.layer.open6(false);
        final TcpSocket d = narrow.layer.open6(false);
        assertEquals(-Errno.EINPROGRESS, a.connect6(NET, PEER6, 80));
        assertEquals(-Errno.EINPROGRESS, c.connect6(NET, PEER6 + 1, 80));
        assertEquals(-Errno.EADDRNOTAVAIL, d.connect6(NET, PEER6, 80), "the one port already goes there");
        assertEquals(50000, a.localPort());
        assertEquals(50000, c.localPort());
    }

    @Test
    void shouldLowerTheMssOnPacketTooBigAndNeverBelow1280()
    {
        final TcpSocket child = accept6(listen6(false, 80), 40000, PEER6);
        final int seq = child.snd.nxt;
        child.write(ByteBuffer.allocate(3000));
        final Captured first = expect6(tcp(ACK).seq(seq));
        assertEquals(1428, first.payload.length);
        ip6.sent.clear();
        final ByteBuffer quote = ByteBuffer.allocate(8).putShort(0, (short)80).putShort(2, (short)40000)
            .putInt(4, seq);
        b.layer.icmp6Error(2, 0, 1000, NET, STACK6, NET, PEER6, quote, 0, 8);
        b.events.dispatch();
        assertEquals(1280 - 60 - 12, child.info().sendMss, "RFC 8201 section 4: 1000 is taken as 1280");
        assertEquals(1, b.counters().pmtuUpdates());
        final Captured again = expect6(tcp(ACK).seq(seq));
        assertEquals(1208, again.payload.length, "what was in flight goes again in smaller segments");
    }

    @Test
    void shouldRefuseAConnectOnIcmpv6PortUnreachable()
    {
        final TcpSocket s = b.layer.open6(false);
        assertEquals(-Errno.EINPROGRESS, s.connect6(NET, PEER6, 443));
        final Captured syn = expect6(tcp(SYN));
        final ByteBuffer quote = ByteBuffer.allocate(8).putShort(0, (short)syn.sourcePort).putShort(2, (short)443)
            .putInt(4, syn.seq);
        // An error quoting another sequence number is ignored (RFC 5927 section 4.1).
        b.layer.icmp6Error(1, 4, 0, NET, STACK6, NET, PEER6, ByteBuffer.allocate(8).putShort(0,
            (short)syn.sourcePort).putShort(2, (short)443).putInt(4, syn.seq + 5), 0, 8);
        assertEquals(-Errno.EINPROGRESS, s.finishConnect());
        b.layer.icmp6Error(1, 4, 0, NET, STACK6, NET, PEER6, quote, 0, 8);
        b.events.dispatch();
        assertEquals(-Errno.ECONNREFUSED, s.finishConnect());
        assertEquals(0, b.layer.connectionCount());
    }

    @Test
    void shouldKeepIpv4AndIpv6ConnectionsWithTheSamePortsApart()
    {
        final TcpSocket listener = listen6(false, 80);
        final TcpSocket c6 = accept6(listener, 40000, PEER6);
        b.inject(tcp(SYN).ports(40000, 80).seq(1000));
        final Captured synAck = b.expect(tcp(SYN | ACK));
        b.inject(tcp(ACK).ports(40000, 80).seq(1001).ack(synAck.seq + 1));
        final TcpSocket c4 = listener.accept();
        assertNotNull(c4);
        assertNotEquals(c4, c6);
        assertEquals(c6, b.layer.connections.find6(NET, STACK6, 80, NET, PEER6, 40000));
        assertEquals(c4, b.layer.connections.find(TcpTestbench.STACK, 80, TcpTestbench.PEER, 40000));
        assertNull(b.layer.connections.find(0, 80, 0, 40000), "an IPv6 connection has no IPv4 tuple");
        c6.abort();
        expect6(tcp(RST | ACK));
        assertNull(b.layer.connections.find6(NET, STACK6, 80, NET, PEER6, 40000));
        assertEquals(c4, b.layer.connections.find(TcpTestbench.STACK, 80, TcpTestbench.PEER, 40000));
    }
}
