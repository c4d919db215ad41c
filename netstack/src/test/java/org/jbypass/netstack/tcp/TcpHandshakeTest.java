package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.FIN;
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
import java.time.Duration;

import org.jbypass.netstack.transport.Readiness;
import org.jbypass.netstack.util.Errno;
import org.junit.jupiter.api.Test;

/** Opening connections: RFC 9293 sections 3.5 and 3.10.7, options (RFC 7323, RFC 2018), ISNs (RFC 6528). */
class TcpHandshakeTest
{
    private final TcpTestbench bench = new TcpTestbench();

    @Test
    void shouldAnswerSynWithSynAckNegotiatingEveryOption()
    {
        final TcpSocket listener = bench.listen(80, 16);
        bench.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460).ws(7).sackPermitted().ts(100, 0).window(64240));
        final Captured synAck = bench.expect(tcp(SYN | ACK).ports(80, 40000).ack(1001).mss(1460).sackPermitted()
            .ws(TcpConfig.defaults().offeredWindowScale()).tsEcr(100).payloadLength(0));
        // RFC 7323 section 2.2: the SYN-ACK's window is not scaled; it offers the whole default buffer up to 64 KiB.
        assertEquals(65535, synAck.window, "SYN-ACK window");
        assertTrue(synAck.dontFragment, "DF set (RFC 1191)");
        assertEquals(20, synAck.optionsLength, "options fit Linux's 20-byte SYN layout");
        assertNull(listener.accept(), "nothing to accept before the handshake completes");

        bench.inject(tcp(ACK).ports(40000, 80).seq(1001).ack(synAck.seq + 1).ts(101, synAck.tsVal).window(502));
        bench.expectNothing();
        final TcpSocket child = listener.accept();
        assertNotNull(child, "accepted");
        assertEquals(TcpState.ESTABLISHED, child.state());
        assertEquals(TcpTestbench.PEER, child.remoteAddress());
        assertEquals(40000, child.remotePort());
        assertEquals(80, child.localPort());
        final TcpInfo info = child.info();
        assertTrue(info.timestamps && info.sack, "timestamps and SACK on: " + info);
        assertEquals(7, info.sendWindowScale, "peer's shift");
        assertEquals(502 << 7, info.sendWindow, "the ACK's window is scaled by the peer's shift");
        assertEquals(1460 - 12, info.sendMss, "MSS less the timestamp option");
    }

    @Test
    void shouldOfferOnlyWhatThePeerOffered()
    {
        bench.listen(80, 16);
        bench.inject(tcp(SYN).ports(40001, 80).seq(5).window(8192));
        final Captured synAck = bench.expect(tcp(SYN | ACK).ack(6).mss(1460).noTimestamp());
        assertNull(synAck.windowScale, "no window scale without the peer's");
        assertFalse(synAck.sackPermitted, "no SACK-permitted without the peer's");
        assertEquals(4, synAck.optionsLength, "just the MSS");
    }

    @Test
    void shouldUseDefaultMssOf536WithoutTheOption()
    {
        final TcpSocket listener = bench.listen(80, 16);
        bench.inject(tcp(SYN).ports(40002, 80).seq(5).window(8192));
        final Captured synAck = bench.expect(tcp(SYN | ACK));
        bench.inject(tcp(ACK).ports(40002, 80).seq(6).ack(synAck.seq + 1).window(8192));
        final TcpSocket child = listener.accept();
        assertEquals(536, child.info().sendMss, "RFC 9293 section 3.7.1 default send MSS");
    }

    @Test
    void shouldConnectActively()
    {
        final TcpSocket s = bench.layer.open();
        assertEquals(-Errno.EINPROGRESS, s.connect(TcpTestbench.PEER, 443));
        assertTrue(s.isConnectionPending());
        assertEquals(-Errno.EINPROGRESS, s.finishConnect());
        assertEquals(-Errno.EALREADY, s.connect(TcpTestbench.PEER, 443));
        final Captured syn = bench.expect(tcp(SYN).ack(0).mss(1460).sackPermitted()
            .ws(TcpConfig.defaults().offeredWindowScale()).tsEcr(0).payloadLength(0));
        assertTrue(syn.sourcePort >= 32768 && syn.sourcePort <= 60999, "ephemeral port " + syn.sourcePort);
        assertEquals(0, s.readyOps() & Readiness.CONNECT, "not yet");

        bench.inject(tcp(SYN | ACK).ports(443, syn.sourcePort).seq(777).ack(syn.seq + 1).mss(1400).ws(2)
            .sackPermitted().ts(9, syn.tsVal).window(1000));
        bench.expect(tcp(ACK).seq(syn.seq + 1).ack(778).tsEcr(9).payloadLength(0));
        assertEquals(Readiness.CONNECT, s.readyOps() & Readiness.CONNECT, "CONNECT ready");
        assertEquals(0, s.finishConnect());
        assertTrue(s.isConnected());
        assertEquals(-Errno.EISCONN, s.connect(TcpTestbench.PEER, 443));
        final TcpInfo info = s.info();
        assertEquals(1400 - 12, info.sendMss);
        assertEquals(1000, info.sendWindow, "SYN-ACK window is not scaled");
        assertNotEquals(0, s.readyOps() & Readiness.WRITE, "writable");
    }

    @Test
    void shouldReportConnectionRefusedOnReset()
    {
        final TcpSocket s = bench.layer.open();
        s.connect(TcpTestbench.PEER, 9);
        final Captured syn = bench.expect(tcp(SYN));
        bench.inject(tcp(RST | ACK).ports(9, syn.sourcePort).seq(0).ack(syn.seq + 1).window(0));
        assertEquals(Readiness.CONNECT, s.readyOps());
        assertEquals(-Errno.ECONNREFUSED, s.finishConnect());
        assertEquals(TcpState.CLOSED, s.state());
        assertEquals(0, bench.layer.connectionCount());
    }

    @Test
    void shouldIgnoreResetThatDoesNotAcknowledgeTheSyn()
    {
        final TcpSocket s = bench.layer.open();
        s.connect(TcpTestbench.PEER, 9);
        final Captured syn = bench.expect(tcp(SYN));
        bench.inject(tcp(RST | ACK).ports(9, syn.sourcePort).seq(0).ack(syn.seq + 5).window(0));
        bench.expectNothing();
        assertEquals(TcpState.SYN_SENT, s.state());
        bench.inject(tcp(RST).ports(9, syn.sourcePort).seq(0).window(0));
        assertEquals(TcpState.SYN_SENT, s.state(), "RFC 9293 3.10.7.3: RST without ACK is dropped");
    }

    @Test
    void shouldRetransmitSynWithBackoffAndTimeOut()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().synRetries(3).build());
        final TcpSocket s = b.layer.open();
        s.connect(TcpTestbench.PEER, 80);
        final Captured first = b.expect(tcp(SYN));
        b.advanceMillis(999);
        b.expectNothing();
        b.advanceMillis(1);
        b.expect(tcp(SYN).seq(first.seq));
        b.advanceMillis(1999);
        b.expectNothing();
        b.advanceMillis(1);
        b.expect(tcp(SYN).seq(first.seq));
        b.advanceMillis(4000);
        b.expect(tcp(SYN).seq(first.seq));
        b.advanceMillis(8000);
        b.expectNothing();
        assertEquals(-Errno.ETIMEDOUT, s.finishConnect());
        assertEquals(3, b.counters().retransmittedSegments());
    }

    @Test
    void shouldFailConnectWithoutRoute()
    {
        final TcpSocket s = bench.layer.open();
        assertEquals(-Errno.ENETUNREACH, s.connect(TcpTestbench.UNROUTABLE, 80));
        assertEquals(-Errno.EINVAL, s.connect(TcpTestbench.PEER, 0));
        assertEquals(-Errno.ENETUNREACH, s.connect(0xFFFFFFFF, 80));
    }

    @Test
    void shouldOpenSimultaneously()
    {
        final TcpSocket s = bench.layer.open();
        assertEquals(0, s.bind(0, 5000));
        s.connect(TcpTestbench.PEER, 6000);
        final Captured syn = bench.expect(tcp(SYN).ports(5000, 6000));
        // RFC 9293 figure 8: the peer's SYN crosses ours.
        bench.inject(tcp(SYN).ports(6000, 5000).seq(300).mss(1460).ws(7).sackPermitted().ts(50, 0));
        final Captured synAck = bench.expect(tcp(SYN | ACK).seq(syn.seq).ack(301).tsEcr(50));
        assertEquals(TcpState.SYN_RECEIVED, s.state());
        bench.inject(tcp(SYN | ACK).ports(6000, 5000).seq(300).ack(syn.seq + 1).mss(1460).ws(7).sackPermitted()
            .ts(51, synAck.tsVal));
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertEquals(0, s.finishConnect());
    }

    @Test
    void shouldRetransmitSynAckWhenSynIsRepeated()
    {
        bench.listen(80, 16);
        bench.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460).ts(1, 0));
        final Captured first = bench.expect(tcp(SYN | ACK).ack(1001));
        bench.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460).ts(2, 0));
        bench.expect(tcp(SYN | ACK).seq(first.seq).ack(1001).tsEcr(1));
    }

    @Test
    void shouldKeepAHalfOpenConnectionAsARecordAndMakeItsSocketAtTheAck()
    {
        final TcpSocket listener = bench.listen(80, 16);
        bench.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1400).ws(5).sackPermitted().ts(100, 0));
        final Captured synAck = bench.expect(tcp(SYN | ACK).ack(1001).mss(1460).sackPermitted().tsEcr(100));
        assertEquals(0, bench.layer.connections.size(), "no socket for a half-open connection");
        assertEquals(1, bench.layer.halfOpenCount());
        assertEquals(1, bench.layer.connectionCount(), "a half-open connection is known by its 4-tuple");
        // RFC 5961 section 3.2: a reset off RCV.NXT is ignored; the record stays.
        bench.inject(tcp(RST).ports(40000, 80).seq(1002));
        assertEquals(1, bench.layer.halfOpenCount());
        bench.advanceMillis(20);
        // The last ACK carries data and a FIN: the socket is made, and the segment processed as its first.
        bench.inject(tcp(ACK | FIN).ports(40000, 80).seq(1001).ack(synAck.seq + 1).ts(101, synAck.tsVal)
            .window(1000).payload("hello"));
        assertEquals(0, bench.layer.halfOpenCount());
        final TcpSocket child = listener.accept();
        assertNotNull(child);
        assertEquals(TcpState.CLOSE_WAIT, child.state(), "the FIN was taken");
        // The ACK of the FIN waits a moment for the application's own FIN to ride on it.
        bench.advanceMillis(200);
        bench.expect(tcp(ACK).seq(synAck.seq + 1).ack(1007));
        final TcpInfo info = child.info();
        assertTrue(info.timestamps && info.sack, "options from the record: " + info);
        assertEquals(5, info.sendWindowScale);
        assertEquals(1000 << 5, info.sendWindow);
        assertEquals(1400 - 12, info.sendMss);
        assertTrue(info.rttMicros >= 20_000L, "the SYN-ACK timed the round trip: " + info.rttMicros);
        final ByteBuffer in = ByteBuffer.allocate(16);
        assertEquals(5, child.read(in));
        assertEquals(Errno.END_OF_STREAM, child.read(in));
    }

    @Test
    void shouldForgetAHalfOpenConnectionOnAResetAtRcvNxt()
    {
        bench.listen(80, 16);
        bench.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460));
        bench.expect(tcp(SYN | ACK).ack(1001));
        bench.inject(tcp(RST).ports(40000, 80).seq(1001));
        assertEquals(0, bench.layer.halfOpenCount());
        assertEquals(0, bench.layer.connectionCount());
        bench.advanceMillis(2000);
        bench.expectNothing();
    }

    @Test
    void shouldResetHalfOpenConnectionsWhenTheListenerCloses()
    {
        final TcpSocket listener = bench.listen(80, 16);
        bench.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460));
        final Captured synAck = bench.expect(tcp(SYN | ACK).ack(1001));
        listener.close();
        bench.expect(tcp(RST | ACK).ports(80, 40000).seq(synAck.seq + 1).ack(1001));
        assertEquals(0, bench.layer.halfOpenCount());
        bench.advanceMillis(2000);
        bench.expectNothing();
        bench.inject(tcp(ACK).ports(40000, 80).seq(1001).ack(synAck.seq + 1));
        bench.expect(tcp(RST).seq(synAck.seq + 1));
    }

    @Test
    void shouldDropHalfOpenConnectionAfterSynAckRetries()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().synAckRetries(2).build());
        b.listen(80, 16);
        b.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460));
        b.expect(tcp(SYN | ACK));
        b.advanceMillis(1000);
        b.expect(tcp(SYN | ACK));
        b.advanceMillis(2000);
        b.expect(tcp(SYN | ACK));
        b.advanceMillis(4000);
        b.expectNothing();
        assertEquals(0, b.layer.connectionCount(), "forgotten");
    }

    @Test
    void shouldResetAckThatDoesNotMatchTheSynAck()
    {
        bench.listen(80, 16);
        bench.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460));
        final Captured synAck = bench.expect(tcp(SYN | ACK));
        bench.inject(tcp(ACK).ports(40000, 80).seq(1001).ack(synAck.seq + 10));
        bench.expect(tcp(RST).seq(synAck.seq + 10).noOptions());
        assertNotNull(bench.layer.requests.find(TcpTestbench.STACK, 80, TcpTestbench.PEER, 40000),
            "still half-open");
        assertNull(bench.layer.connections.find(TcpTestbench.STACK, 80, TcpTestbench.PEER, 40000), "as a record");
    }

    @Test
    void shouldChooseIsnsThatDifferPerConnectionAndAdvanceWithTime()
    {
        final int a = bench.layer.isn(TcpTestbench.STACK, 1000, TcpTestbench.PEER, 80);
        final int b = bench.layer.isn(TcpTestbench.STACK, 1001, TcpTestbench.PEER, 80);
        assertNotEquals(a, b, "RFC 6528: F differs per 4-tuple");
        bench.advanceMillis(1);
        final int a2 = bench.layer.isn(TcpTestbench.STACK, 1000, TcpTestbench.PEER, 80);
        assertEquals(250, a2 - a, "RFC 6528: M ticks every 4 microseconds");
        final TcpTestbench other = new TcpTestbench();
        final TcpLayer seeded = new TcpLayer(other.ip, other.timers, other.time, other.events, TcpConfig.defaults(), 7);
        assertNotEquals(a, seeded.isn(TcpTestbench.STACK, 1000, TcpTestbench.PEER, 80) + 0, "secret differs by seed");
    }

    @Test
    void shouldPickRandomEphemeralPortsWithoutCollision()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().ephemeralPorts(40000, 40009).build());
        final java.util.Set<Integer> ports = new java.util.HashSet<>();
        for (int i = 0; i < 10; i++)
        {
            final TcpSocket s = b.layer.open();
            assertEquals(-Errno.EINPROGRESS, s.connect(TcpTestbench.PEER, 80));
            assertTrue(ports.add(s.localPort()), "port " + s.localPort() + " used twice");
            assertTrue(s.localPort() >= 40000 && s.localPort() <= 40009);
        }
        final TcpSocket eleventh = b.layer.open();
        assertEquals(-Errno.EADDRNOTAVAIL, eleventh.connect(TcpTestbench.PEER, 80), "range exhausted for this peer");
        assertEquals(-Errno.EINPROGRESS, eleventh.connect(TcpTestbench.OTHER_PEER, 80),
            "ports are shared across destinations");
    }

    @Test
    void shouldPickEphemeralPortsInConstantTimeWithManyConnections()
    {
        final TcpTestbench b = new TcpTestbench();
        final int n = 25_000;
        final java.util.Set<Integer> ports = new java.util.HashSet<>();
        for (int i = 0; i < n; i++)
        {
            final TcpSocket s = b.layer.open();
            assertEquals(-Errno.EINPROGRESS, s.connect(TcpTestbench.PEER, 80));
            assertTrue(ports.add(s.localPort()), "port " + s.localPort() + " used twice");
        }
        assertTrue(b.layer.ports.connectProbes < 2L * n, "ports examined for " + n + " connects to one destination: "
            + b.layer.ports.connectProbes);
        final TcpSocket other = b.layer.open();
        final long before = b.layer.ports.connectProbes;
        assertEquals(-Errno.EINPROGRESS, other.connect(TcpTestbench.OTHER_PEER, 80));
        assertTrue(b.layer.ports.connectProbes - before < 8, "another destination finds a port at once");
    }

    /**
     * A million connections to 16 server ports share each ephemeral port 16 ways: connect must not walk a port's
     * list of connections (which made it O(connections / ports)). Here 32 destinations share 128 ports, 24 each:
     * no list is walked, about one port is examined per connect, and a port bind() holds is still passed over.
     */
    @Test
    void shouldPickEphemeralPortsWithoutWalkingThePortsSharedByManyDestinations()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().ephemeralPorts(40000, 40127).build());
        final TcpSocket held = b.layer.open();
        assertEquals(0, held.bind(0, 40000), "a port that bind() holds, inside the range");
        final int destinations = 32;
        final int each = 96;
        for (int d = 0; d < destinations; d++)
        {
            for (int i = 0; i < each; i++)
            {
                final TcpSocket s = b.layer.open();
                assertEquals(-Errno.EINPROGRESS, s.connect(TcpTestbench.PEER, 1000 + d));
                assertNotEquals(40000, s.localPort(), "the bound port is never picked");
            }
        }
        final int n = destinations * each;
        assertTrue(b.layer.ports.connectProbes < 2L * n, "ports examined for " + n + " connects: "
            + b.layer.ports.connectProbes);
        assertTrue(b.layer.ports.connectListSteps <= b.layer.ports.connectProbes / 64,
            "only the port bind() holds has its list walked: " + b.layer.ports.connectListSteps + " steps");
    }

    @Test
    void shouldEnforceBindRules()
    {
        final TcpSocket a = bench.layer.open();
        assertEquals(0, a.bind(0, 8080));
        assertEquals(-Errno.EINVAL, a.bind(0, 8081), "already bound");
        final TcpSocket b = bench.layer.open();
        assertEquals(-Errno.EADDRINUSE, b.bind(0, 8080));
        assertEquals(-Errno.EADDRINUSE, b.bind(TcpTestbench.STACK, 8080), "wildcard covers every address");
        assertEquals(-Errno.EADDRNOTAVAIL, b.bind(TcpTestbench.PEER, 8080), "not our address");
        a.reuseAddress(true);
        b.reuseAddress(true);
        assertEquals(0, b.bind(0, 8080), "both SO_REUSEADDR, neither listening");
        assertEquals(0, a.listen(5));
        final TcpSocket c = bench.layer.open();
        c.reuseAddress(true);
        assertEquals(-Errno.EADDRINUSE, c.bind(0, 8080), "a listener holds it");
        final TcpSocket d = bench.layer.open();
        assertEquals(0, d.bind(0, 0));
        assertTrue(d.localPort() >= 32768 && d.localPort() <= 60999);
    }

    @Test
    void shouldAnswerClosedPortWithReset()
    {
        bench.inject(tcp(SYN).ports(40000, 81).seq(1000));
        bench.expect(tcp(RST | ACK).ports(81, 40000).seq(0).ack(1001).window(0).noOptions());
        bench.inject(tcp(ACK).ports(40000, 81).seq(1000).ack(5555).payloadLength(10));
        bench.expect(tcp(RST).seq(5555).noOptions());
        bench.inject(tcp(RST).ports(40000, 81).seq(1000));
        bench.expectNothing();
        assertEquals(3, bench.counters().noSocket());
        assertEquals(2, bench.counters().resetsSent());
    }

    @Test
    void shouldFallBackToThreeSecondRtoAfterSynLoss()
    {
        final TcpSocket s = bench.layer.open();
        s.connect(TcpTestbench.PEER, 80);
        final Captured syn = bench.expect(tcp(SYN));
        bench.advanceMillis(1000);
        bench.expect(tcp(SYN));
        bench.inject(tcp(SYN | ACK).ports(80, syn.sourcePort).seq(1).ack(syn.seq + 1).mss(1460).ts(1, syn.tsVal));
        bench.expect(tcp(ACK));
        assertEquals(Duration.ofSeconds(3).toNanos() / 1000, s.info().rtoMicros, "RFC 6298 section 5.7");
    }
}
