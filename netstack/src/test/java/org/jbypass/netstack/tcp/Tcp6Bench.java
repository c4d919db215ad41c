package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.SYN;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.List;

import org.jbypass.netstack.ip.FakeIpv6;
import org.jbypass.netstack.ip.Ipv6Output;
import org.jbypass.netstack.ip.Ipv6Protocol;
import org.jbypass.netstack.wire.Ipv4Header;

/**
 * A {@link TcpTestbench} with IPv6 ({@link FakeIpv6}): scripted segments from peers at 2001:db8::peerLo to the
 * stack's 2001:db8::2, built with IPv6's pseudo-header checksum, and the segments the stack sends over IPv6.
 */
final class Tcp6Bench
{
    static final long NET = FakeIpv6.PREFIX_HI;
    static final long STACK6 = FakeIpv6.STACK_LO;
    static final long PEER6 = FakeIpv6.PEER_LO;

    final TcpTestbench b;
    final FakeIpv6 ip6;

    Tcp6Bench(final TcpConfig config)
    {
        b = new TcpTestbench(config);
        ip6 = new FakeIpv6(b.ip.pool);
        b.layer.attachIpv6(ip6);
    }

    /** Delivers a segment from [2001:db8::peerLo] to the stack's IPv6 address, as IPv6 would (after its header). */
    void inject6(final Tcp t, final long peerLo)
    {
        inject6(t, NET, peerLo, NET, STACK6, false);
    }

    void inject6(final Tcp t)
    {
        inject6(t, PEER6);
    }

    void inject6(final Tcp t, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final boolean corrupt)
    {
        // TcpTestbench builds over IPv4's pseudo-header (addresses 0): replace the checksum with IPv6's.
        final byte[] bytes = TcpTestbench.build(t, 0, 0);
        final ByteBuffer bb = ByteBuffer.wrap(bytes);
        bb.putShort(16, (short)0);
        int sum = FakeIpv6.checksum(bytes, srcHi, srcLo, dstHi, dstLo, Ipv4Header.PROTOCOL_TCP);
        if (corrupt)
        {
            sum ^= 0x0101;
        }
        bb.putShort(16, (short)sum);
        final ByteBuffer memory = ByteBuffer.allocate(bytes.length + Ipv6Output.L4_OFFSET);
        memory.put(Ipv6Output.L4_OFFSET, bytes);
        assertEquals(Ipv6Protocol.CONSUMED, b.layer.receive6(memory, Ipv6Output.L4_OFFSET, bytes.length, srcHi, srcLo,
            dstHi, dstLo, 0, 64, 0));
        b.events.dispatch();
    }

    /**
     * The next segment sent over IPv6, checked against {@code want} and addressed stack to peer ({@link FakeIpv6}
     * has already checked its checksum over IPv6's pseudo-header).
     */
    Captured expect6(final Tcp want, final long peerLo)
    {
        final FakeIpv6.Sent s = ip6.sent.poll();
        if (s == null)
        {
            fail("expected " + want + " over IPv6, got nothing (IPv4 queue: " + b.ip.sent + ")");
        }
        assertEquals(Ipv4Header.PROTOCOL_TCP, s.nextHeader);
        assertEquals(NET, s.sourceHi);
        assertEquals(STACK6, s.sourceLo);
        assertEquals(NET, s.destinationHi);
        assertEquals(peerLo, s.destinationLo);
        final Captured got = new Captured(s.bytes, 0, 0, s.trafficClass, s.hopLimit, true);
        final List<String> problems = want.mismatches(got);
        if (!problems.isEmpty())
        {
            fail("segment " + got + " does not match " + want + ":\n  " + String.join("\n  ", problems));
        }
        return got;
    }

    Captured expect6(final Tcp want)
    {
        return expect6(want, PEER6);
    }

    TcpSocket listen6(final boolean v6Only, final int port)
    {
        final TcpSocket s = b.layer.open6(v6Only);
        assertEquals(0, s.bind6(0, 0, port), "bind [::]");
        assertEquals(0, s.listen(16), "listen");
        return s;
    }

    /** The peer opens a connection to a listener over IPv6 with MSS 1440, WS 7, SACK and timestamps. */
    TcpSocket accept6(final TcpSocket listener, final int peerPort, final long peerLo)
    {
        inject6(tcp(SYN).ports(peerPort, listener.localPort()).seq(1000).mss(1440).ws(7).sackPermitted()
            .ts(100, 0), peerLo);
        final Captured synAck = expect6(tcp(SYN | ACK).ack(1001).mss(1440).sackPermitted().tsEcr(100), peerLo);
        inject6(tcp(ACK).ports(peerPort, listener.localPort()).seq(1001).ack(synAck.seq + 1).ts(101, synAck.tsVal),
            peerLo);
        final TcpSocket child = listener.accept();
        assertNotNull(child, "accepted");
        return child;
    }
}
