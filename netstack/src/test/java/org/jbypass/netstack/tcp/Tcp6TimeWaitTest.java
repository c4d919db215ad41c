package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.FIN;
import static org.jbypass.netstack.tcp.Tcp.RST;
import static org.jbypass.netstack.tcp.Tcp.SYN;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.jbypass.netstack.tcp.Tcp6Bench.NET;
import static org.jbypass.netstack.tcp.Tcp6Bench.PEER6;
import static org.jbypass.netstack.tcp.Tcp6Bench.STACK6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.ip.FakeIpv6;
import org.jbypass.netstack.ip.Ipv6Output;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Header;
import org.junit.jupiter.api.Test;

/**
 * TIME_WAIT records of IPv6 connections, scripted as {@link TcpTimeWaitTest} scripts IPv4's: a record answers over
 * IPv6 with its pseudo-header checksum (checked by {@code FakeIpv6}), a SYN reopens the 4-tuple by RFC 6191 with an
 * ISN past the old incarnation's, the record holds its port against bind, bind(0) and connect6 (and gives way to
 * connect6 under timeWaitReuse), and a dual-stack listener's IPv4 and IPv6 records live side by side in one table.
 */
class Tcp6TimeWaitTest
{
    private static final int PEER_PORT = 40000;

    private Tcp6Bench bench = new Tcp6Bench(TcpConfig.defaults());

    /** Where a connection closed into TIME_WAIT left its sequence numbers and the peer's timestamp. */
    private record Closed(int stackPort, int peerPort, long peerLo, int stackNxt, int peerNxt, int peerTs)
    {
        Tcp segment(final int flags)
        {
            return tcp(flags).ports(peerPort, stackPort);
        }
    }

    /** Closes a connection actively, the peer's FIN (TSval {@code peerTs}) answered from TIME_WAIT. */
    private Closed activeClose(final TcpSocket s, final long peerLo, final int peerNxt, final int peerTs,
        final boolean timestamps)
    {
        s.close();
        final Captured fin = bench.expect6(tcp(FIN | ACK).ack(peerNxt), peerLo);
        final Tcp peerFin = tcp(FIN | ACK).ports(fin.destinationPort, fin.sourcePort).seq(peerNxt).ack(fin.seq + 1);
        bench.inject6(timestamps ? peerFin.ts(peerTs, fin.tsVal) : peerFin, peerLo);
        bench.expect6(tcp(ACK).seq(fin.seq + 1).ack(peerNxt + 1).payloadLength(0), peerLo);
        return new Closed(fin.sourcePort, fin.destinationPort, peerLo, fin.seq + 1, peerNxt + 1, peerTs);
    }

    /** An IPv6 connection accepted on port 80 (listening from the first call on), closed into TIME_WAIT. */
    private Closed inTimeWait(final int peerPort)
    {
        if (listener == null)
        {
            listener = bench.listen6(false, 80);
        }
        final TcpSocket child = bench.accept6(listener, peerPort, PEER6);
        return activeClose(child, PEER6, 1001, 102, true);
    }

    private TcpSocket listener;

    /** An IPv6 connection the stack opens to [2001:db8::1]:port, closed into TIME_WAIT. */
    private Closed connectedAndClosed(final int port)
    {
        final TcpSocket s = bench.b.layer.open6(false);
        assertEquals(-Errno.EINPROGRESS, s.connect6(NET, PEER6, port));
        final Captured syn = bench.expect6(tcp(SYN).destinationPort(port));
        bench.inject6(tcp(SYN | ACK).ports(port, syn.sourcePort).seq(7000).ack(syn.seq + 1).mss(1440).sackPermitted()
            .ts(5000, syn.tsVal));
        assertEquals(0, s.finishConnect());
        bench.expect6(tcp(ACK).seq(syn.seq + 1).ack(7001));
        return activeClose(s, PEER6, 7001, 5001, true);
    }

    @Test
    void shouldAnswerARetransmittedFinOverIpv6WithTheAckOfTheConnection()
    {
        final Closed c = inTimeWait(PEER_PORT);
        assertEquals(1, bench.b.layer.timeWaitCount());
        assertEquals(1, bench.b.counters().timeWaitEntered());
        assertEquals(0, bench.b.layer.connections.size(), "the socket is let go: a record only");
        bench.inject6(c.segment(FIN | ACK).seq(c.peerNxt - 1).ack(c.stackNxt).ts(c.peerTs + 10, 0));
        final Captured ack = bench.expect6(tcp(ACK).ports(80, PEER_PORT).seq(c.stackNxt).ack(c.peerNxt)
            .payloadLength(0));
        assertEquals(c.peerTs, ack.tsEcr, "TS.Recent echoed: the FIN that brought TIME_WAIT");
        assertNotNull(ack.tsVal);
        assertTrue(ack.window > 0, "the window last advertised");
        assertEquals(bench.b.layer.config().defaultTtl(), ack.ttl, "the connection's hop limit");
        assertTrue(bench.b.ip.sent.isEmpty(), "nothing over IPv4");
        assertTrue(bench.ip6.sent.isEmpty());
        assertEquals(1, bench.b.layer.timeWaitCount());
    }

    @Test
    void shouldRestartOnALateAckAndExpireAfterTwoMsl()
    {
        final Closed c = inTimeWait(PEER_PORT);
        bench.b.advanceMillis(30_000);
        bench.inject6(c.segment(ACK).seq(c.peerNxt).ack(c.stackNxt).ts(c.peerTs + 1, 0));
        assertTrue(bench.ip6.sent.isEmpty(), "a late ACK is not answered");
        bench.b.advanceMillis(59_999);
        assertEquals(1, bench.b.layer.timeWaitCount(), "restarted by the in-window ACK");
        bench.b.advanceMillis(1);
        assertEquals(0, bench.b.layer.timeWaitCount());
        // Gone: the retransmitted FIN now meets no connection and is reset.
        bench.inject6(c.segment(FIN | ACK).seq(c.peerNxt - 1).ack(c.stackNxt));
        bench.expect6(tcp(RST).seq(c.stackNxt));
    }

    @Test
    void shouldIgnoreResetsRejectOldTimestampsAndRateLimitBareAcks()
    {
        final Closed c = inTimeWait(PEER_PORT);
        bench.inject6(c.segment(RST).seq(c.peerNxt));
        bench.inject6(c.segment(RST | ACK).seq(c.peerNxt + 5000).ack(c.stackNxt));
        assertTrue(bench.ip6.sent.isEmpty());
        assertEquals(2, bench.b.counters().resetsIgnored(), "RFC 1337");
        assertEquals(1, bench.b.layer.timeWaitCount());
        bench.inject6(c.segment(ACK).seq(c.peerNxt).ack(c.stackNxt).ts(c.peerTs - 100, 0));
        bench.expect6(tcp(ACK).seq(c.stackNxt).ack(c.peerNxt));
        assertEquals(1, bench.b.counters().pawsRejected());
        bench.inject6(c.segment(ACK).seq(c.peerNxt + 100_000).ack(c.stackNxt).ts(c.peerTs + 1, 0));
        assertTrue(bench.ip6.sent.isEmpty(), "within invalidAckInterval of the last answer");
        assertEquals(1, bench.b.counters().timeWaitAcksSuppressed());
        bench.inject6(c.segment(FIN | ACK).seq(c.peerNxt - 1).ack(c.stackNxt).ts(c.peerTs + 1, 0));
        bench.expect6(tcp(ACK).ack(c.peerNxt));
        assertTrue(bench.ip6.sent.isEmpty(), "a FIN is always answered, once");
    }

    @Test
    void shouldReopenBySynOnlyPastTheOldIncarnationWithAnIsnBeyondIt()
    {
        final Closed c = inTimeWait(PEER_PORT);
        // Equal timestamp, sequence number not beyond RCV.NXT: the old incarnation's, answered with an ACK.
        bench.inject6(c.segment(SYN).seq(c.peerNxt - 10).mss(1440).ts(c.peerTs, 0));
        bench.expect6(tcp(ACK).seq(c.stackNxt).ack(c.peerNxt));
        assertEquals(1, bench.b.layer.timeWaitCount());
        // A newer timestamp: RFC 6191 section 2 lets it through, to the listener, with an ISN past SND.NXT.
        bench.inject6(c.segment(SYN).seq(c.peerNxt - 10).mss(1440).ts(c.peerTs + 1, 0));
        bench.expect6(tcp(SYN | ACK).ports(80, PEER_PORT).seq(c.stackNxt + 65537).ack(c.peerNxt - 9));
        assertEquals(0, bench.b.layer.timeWaitCount());
        assertEquals(1, bench.b.counters().timeWaitRecycled());
        // Half open, the new incarnation is a request record (SynRequest), not yet a socket.
        assertNotNull(bench.b.layer.requests.find6(NET, STACK6, 80, NET, PEER6, PEER_PORT),
            "the new incarnation, half open");
    }

    @Test
    void shouldReopenWithoutTimestampsOnlyBeyondRcvNxt()
    {
        listener = bench.listen6(false, 80);
        bench.inject6(tcp(SYN).ports(PEER_PORT, 80).seq(1000).mss(1440));
        final Captured synAck = bench.expect6(tcp(SYN | ACK).ack(1001));
        assertEquals(null, synAck.tsVal);
        bench.inject6(tcp(ACK).ports(PEER_PORT, 80).seq(1001).ack(synAck.seq + 1));
        final TcpSocket child = listener.accept();
        assertNotNull(child);
        final Closed c = activeClose(child, PEER6, 1001, 0, false);
        bench.inject6(c.segment(SYN).seq(c.peerNxt - 1).mss(1440));
        assertEquals(null, bench.expect6(tcp(ACK).ack(c.peerNxt)).tsVal, "no timestamps on this connection");
        bench.b.advanceMillis(500);
        bench.inject6(c.segment(SYN).seq(c.peerNxt + 1).mss(1440));
        bench.expect6(tcp(SYN | ACK).seq(c.stackNxt + 65537).ack(c.peerNxt + 2));
        assertEquals(1, bench.b.counters().timeWaitRecycled());
    }

    @Test
    void shouldAcknowledgeASynToAPortNobodyListensOn()
    {
        final Closed c = connectedAndClosed(9000);
        bench.inject6(c.segment(SYN).seq(c.peerNxt + 100_000).ts(c.peerTs + 100, 0));
        bench.expect6(tcp(ACK).seq(c.stackNxt).ack(c.peerNxt));
        assertEquals(1, bench.b.layer.timeWaitCount(), "no listener: the record stays");
    }

    @Test
    void shouldHoldItsPortAgainstBindAndEphemeralChoice()
    {
        bench = new Tcp6Bench(TcpConfig.builder().ephemeralPorts(50000, 50001).msl(Duration.ofSeconds(5)).build());
        final Closed c = connectedAndClosed(9000);
        final int port = c.stackPort;
        final TcpSocket other = bench.b.layer.open6(false);
        assertEquals(0, other.bind6(0, 0, 0));
        assertNotEquals(port, other.localPort(), "bind(0) passes over a port held in TIME_WAIT over IPv6");
        assertEquals(-Errno.EADDRINUSE, bench.b.layer.open6(false).bind6(0, 0, 0), "both ports held");
        assertEquals(-Errno.EADDRINUSE, bench.b.layer.open6(true).bind6(NET, STACK6, port), "the record's address");
        assertEquals(-Errno.EADDRINUSE, bench.b.layer.open6(true).bind6(0, 0, port), ":: overlaps it");
        assertEquals(0, bench.b.layer.open().bind(TcpTestbench.STACK, port),
            "an IPv4 address shares nothing with an IPv6 record");
        final TcpSocket reusing = bench.b.layer.open6(false);
        reusing.reuseAddress(true);
        assertEquals(0, reusing.bind6(NET, STACK6, port), "SO_REUSEADDR passes over TIME_WAIT");
        reusing.close();
        assertEquals(-Errno.EADDRINUSE, bench.b.layer.open6(true).bind6(NET, STACK6, port));
        bench.b.advanceMillis(10_000);
        assertEquals(0, bench.b.layer.timeWaitCount());
        assertEquals(0, bench.b.layer.open6(true).bind6(NET, STACK6, port), "free once TIME_WAIT is over");
    }

    @Test
    void shouldPassConnect6OverAPortWhoseTupleIsInTimeWait()
    {
        bench = new Tcp6Bench(TcpConfig.builder().ephemeralPorts(50000, 50001).build());
        final Closed c = connectedAndClosed(9000);
        final TcpSocket again = bench.b.layer.open6(false);
        assertEquals(-Errno.EINPROGRESS, again.connect6(NET, PEER6, 9000));
        assertNotEquals(c.stackPort, again.localPort(), "the 4-tuple in TIME_WAIT is not reused");
        assertEquals(-Errno.EADDRNOTAVAIL, bench.b.layer.open6(false).connect6(NET, PEER6, 9000));
        assertEquals(-Errno.EINPROGRESS, bench.b.layer.open6(false).connect6(NET, 3, 9000),
            "another destination may share the port");
        final TcpSocket bound = bench.b.layer.open6(false);
        bound.reuseAddress(true);
        assertEquals(0, bound.bind6(NET, STACK6, c.stackPort));
        assertEquals(-Errno.EADDRNOTAVAIL, bound.connect6(NET, PEER6, 9000), "the same 4-tuple is in TIME_WAIT");
        assertEquals(1, bench.b.layer.timeWaitCount());
    }

    @Test
    void shouldLetConnect6TakeTheTupleOverWithTimeWaitReuse()
    {
        bench = new Tcp6Bench(TcpConfig.builder().timeWaitReuse(true).ephemeralPorts(50000, 50000).build());
        final Closed c = connectedAndClosed(9000);
        assertEquals(-Errno.EADDRNOTAVAIL, bench.b.layer.open6(false).connect6(NET, PEER6, 9000),
            "too soon: TS.Recent under a second old");
        bench.b.advanceMillis(1000);
        final TcpSocket again = bench.b.layer.open6(false);
        assertEquals(-Errno.EINPROGRESS, again.connect6(NET, PEER6, 9000));
        assertEquals(c.stackPort, again.localPort());
        // tcp_tw_reuse: the new incarnation starts past the old one's sequence numbers.
        bench.expect6(tcp(SYN).ports(c.stackPort, 9000).seq(c.stackNxt + 65537));
        assertEquals(0, bench.b.layer.timeWaitCount());
        assertEquals(1, bench.b.counters().timeWaitRecycled());
    }

    @Test
    void shouldKeepBothFamiliesRecordsOfADualStackListenerApart()
    {
        bench = new Tcp6Bench(TcpConfig.builder().timeWaitLimit(3).build());
        listener = bench.listen6(false, 80);
        // An IPv4 peer and an IPv6 peer, from the same port to the same port.
        final PeerConnection v4 = new PeerConnection(bench.b, TcpTestbench.PEER, PEER_PORT, 80, 1_000_000);
        v4.openPassive();
        v4.socket = listener.accept();
        assertNotNull(v4.socket);
        v4.socket.close();
        v4.expect(tcp(FIN | ACK));
        v4.send(tcp(FIN | ACK));
        v4.expectAck();
        final Closed v6 = inTimeWait(PEER_PORT);
        assertEquals(2, bench.b.layer.timeWaitCount());
        final TimeWaitTable table = bench.b.layer.timeWait.table;
        final int r4 = table.find(TcpTestbench.STACK, 80, TcpTestbench.PEER, PEER_PORT);
        final int r6 = table.find6(NET, STACK6, 80, NET, PEER6, PEER_PORT);
        assertTrue(r4 != TimeWaitTable.NONE && r6 != TimeWaitTable.NONE && r4 != r6, "two records");
        assertEquals(TimeWaitTable.NONE, table.find(0, 80, 0, PEER_PORT), "an IPv6 record has no IPv4 tuple");
        // Each answers its own family's retransmitted FIN, over its own family.
        bench.inject6(v6.segment(FIN | ACK).seq(v6.peerNxt - 1).ack(v6.stackNxt).ts(v6.peerTs + 1, 0));
        bench.expect6(tcp(ACK).seq(v6.stackNxt).ack(v6.peerNxt));
        assertTrue(bench.b.ip.sent.isEmpty());
        v4.send(tcp(FIN | ACK).seq(v4.peerNxt - 1));
        v4.expect(tcp(ACK).seq(v4.stackNxt).ack(v4.peerNxt));
        assertTrue(bench.ip6.sent.isEmpty());
        // One limit for both families: a third record fits, a fourth skips TIME_WAIT.
        inTimeWait(PEER_PORT + 1);
        inTimeWait(PEER_PORT + 2);
        assertEquals(3, bench.b.layer.timeWaitCount());
        assertEquals(1, bench.b.counters().timeWaitOverflows());
        // The IPv6 SYN reopens the IPv6 tuple only; the IPv4 record stays.
        bench.inject6(v6.segment(SYN).seq(v6.peerNxt + 10).mss(1440).ts(v6.peerTs + 50, 0));
        bench.expect6(tcp(SYN | ACK).seq(v6.stackNxt + 65537));
        assertEquals(TimeWaitTable.NONE, table.find6(NET, STACK6, 80, NET, PEER6, PEER_PORT));
        assertEquals(r4, table.find(TcpTestbench.STACK, 80, TcpTestbench.PEER, PEER_PORT));
        bench.b.advanceMillis(60_000);
        assertEquals(0, bench.b.layer.timeWaitCount(), "both families expire");
    }

    @Test
    void shouldAnswerFromAnIpv6RecordWithoutAllocating()
    {
        final Closed c = inTimeWait(PEER_PORT);
        // The retransmitted FIN, built once; the stack's answers go to an output that only counts and frees them
        // (FakeIpv6 copies what it captures).
        final byte[] bytes = TcpTestbench.build(c.segment(FIN | ACK).seq(c.peerNxt - 1).ack(c.stackNxt)
            .ts(c.peerTs + 1, 0), 0, 0);
        final ByteBuffer header = ByteBuffer.wrap(bytes);
        header.putShort(16, (short)0);
        header.putShort(16, (short)FakeIpv6.checksum(bytes, NET, PEER6, NET, STACK6, Ipv4Header.PROTOCOL_TCP));
        final ByteBuffer memory = ByteBuffer.allocateDirect(bytes.length + Ipv6Output.L4_OFFSET);
        memory.put(Ipv6Output.L4_OFFSET, bytes);
        final CountingOutput out = new CountingOutput(bench.ip6);
        bench.b.layer.attachIpv6(out);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long thread = Thread.currentThread().getId();
        final int rounds = 20_000;
        long allocated = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            // The first pass warms up (the JIT); the second is measured.
            final long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < rounds; i++)
            {
                bench.b.layer.receive6(memory, Ipv6Output.L4_OFFSET, bytes.length, NET, PEER6, NET, STACK6, 0, 64, 0);
            }
            allocated = threads.getThreadAllocatedBytes(thread) - before;
        }
        assertEquals(2L * rounds, out.sent, "every retransmitted FIN answered");
        assertEquals(0, bench.b.ip.pool.inUse(), "every answer's buffer given back");
        assertTrue(allocated < rounds, "bytes allocated for " + rounds + " answers: " + allocated);
    }

    /** An IPv6 output that counts what it is given to send and frees it, allocating nothing. */
    private static final class CountingOutput implements Ipv6Output
    {
        private final FakeIpv6 ip6;
        long sent;

        CountingOutput(final FakeIpv6 ip6)
        {
            this.ip6 = ip6;
        }

        @Override
        public PacketPool pool()
        {
            return ip6.pool;
        }

        @Override
        public boolean selectSource(final long destinationHi, final long destinationLo)
        {
            return ip6.selectSource(destinationHi, destinationLo);
        }

        @Override
        public long sourceHi()
        {
            return ip6.sourceHi();
        }

        @Override
        public long sourceLo()
        {
            return ip6.sourceLo();
        }

        @Override
        public int pathMtu(final long destinationHi, final long destinationLo)
        {
            return ip6.pathMtu(destinationHi, destinationLo);
        }

        @Override
        public boolean isLocalAddress(final long hi, final long lo)
        {
            return ip6.isLocalAddress(hi, lo);
        }

        @Override
        public int defaultHopLimit()
        {
            return ip6.defaultHopLimit();
        }

        @Override
        public int send(final int buffer, final int l4Length, final long sourceHi, final long sourceLo,
            final long destinationHi, final long destinationLo, final int nextHeader, final int trafficClass,
            final int hopLimit)
        {
            ip6.pool.free(buffer);
            sent++;
            return 0;
        }

        @Override
        public int sendFromMemory(final ByteBuffer memory, final int l4Offset, final int l4Length,
            final long sourceHi, final long sourceLo, final long destinationHi, final long destinationLo,
            final int nextHeader, final int trafficClass, final int hopLimit)
        {
            throw new AssertionError("TIME_WAIT answers from a pool buffer");
        }
    }
}
