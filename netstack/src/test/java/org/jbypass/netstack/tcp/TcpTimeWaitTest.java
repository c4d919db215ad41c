package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.FIN;
import static org.jbypass.netstack.tcp.Tcp.RST;
import static org.jbypass.netstack.tcp.Tcp.SYN;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.jbypass.netstack.util.Errno;
import org.junit.jupiter.api.Test;

/**
 * TIME_WAIT as records ({@link TimeWaitTable}, {@link TcpTimeWait}), scripted segment by segment: what a record
 * answers (Linux's tcp_timewait_state_process()), the SYN that may reopen the 4-tuple (RFC 6191), expiry in order,
 * the bound (tcp_max_tw_buckets) and the ports a record holds. {@link TcpCloseTest} covers entering TIME_WAIT.
 */
class TcpTimeWaitTest
{
    private final TcpTestbench bench = new TcpTestbench();

    /** Closes a connection actively through to TIME_WAIT; the ACK of the peer's FIN is consumed. */
    private static void activeClose(final PeerConnection c)
    {
        c.socket.close();
        c.expect(tcp(FIN | ACK));
        c.send(tcp(FIN | ACK));
        c.expectAck();
    }

    /** A connection accepted on port 80 of {@code b} (listening from the first call on), closed into TIME_WAIT. */
    private PeerConnection inTimeWait(final TcpTestbench b, final int peerPort)
    {
        final PeerConnection c = b.acceptFrom(listener(b), peerPort);
        activeClose(c);
        return c;
    }

    private final java.util.Map<TcpTestbench, TcpSocket> listeners = new java.util.IdentityHashMap<>();

    private TcpSocket listener(final TcpTestbench b)
    {
        return listeners.computeIfAbsent(b, x -> x.listen(80, 64));
    }

    @Test
    void shouldAnswerARetransmittedFinWithTheAckOfTheConnection()
    {
        final PeerConnection c = inTimeWait(bench, 40000);
        final int finSeq = c.peerNxt - 1;
        c.peerTs += 10;
        c.send(tcp(FIN | ACK).seq(finSeq));
        final Captured ack = c.expect(tcp(ACK).seq(c.stackNxt).ack(c.peerNxt).payloadLength(0));
        assertEquals(5000, ack.tsEcr, "TS.Recent echoed: the FIN that brought TIME_WAIT");
        assertNotNull(ack.tsVal);
        assertTrue(ack.window > 0, "the window last advertised");
        bench.expectNothing();
        assertEquals(1, bench.layer.timeWaitCount());
    }

    @Test
    void shouldRestartOnALateAckWithoutAnsweringIt()
    {
        final PeerConnection c = inTimeWait(bench, 40000);
        bench.advanceMillis(30_000);
        c.send(tcp(ACK));
        bench.expectNothing();
        bench.advanceMillis(59_999);
        assertEquals(1, bench.layer.timeWaitCount(), "restarted by the in-window ACK, as Linux");
        bench.advanceMillis(1);
        assertEquals(0, bench.layer.timeWaitCount());
    }

    @Test
    void shouldRateLimitAnswersToBareAcksButNotToFins()
    {
        final PeerConnection c = inTimeWait(bench, 40000);
        final int finSeq = c.peerNxt - 1;
        c.send(tcp(ACK).seq(c.peerNxt + 100_000));
        c.expect(tcp(ACK).seq(c.stackNxt).ack(c.peerNxt));
        c.send(tcp(ACK).seq(c.peerNxt + 100_000));
        bench.expectNothing();
        assertEquals(1, bench.counters().timeWaitAcksSuppressed());
        c.send(tcp(FIN | ACK).seq(finSeq));
        c.expect(tcp(ACK).ack(c.peerNxt), "a FIN is always answered");
        bench.advanceMillis(500);
        c.send(tcp(ACK).seq(c.peerNxt + 100_000));
        c.expect(tcp(ACK).ack(c.peerNxt), "again after invalidAckInterval");
    }

    @Test
    void shouldIgnoreResetsInAndOutOfTheWindow()
    {
        final PeerConnection c = inTimeWait(bench, 40000);
        c.send(tcp(RST).seq(c.peerNxt));
        c.send(tcp(RST).seq(c.peerNxt + 5000));
        c.send(tcp(RST | ACK).seq(c.peerNxt - 1));
        bench.expectNothing();
        assertEquals(1, bench.layer.timeWaitCount(), "RFC 1337");
        assertEquals(3, bench.counters().resetsIgnored());
    }

    @Test
    void shouldRejectAnOldTimestampByPawsAndAnswerIt()
    {
        final PeerConnection c = inTimeWait(bench, 40000);
        c.send(tcp(ACK).seq(c.peerNxt).ts(c.peerTs - 100, 0));
        c.expect(tcp(ACK).ack(c.peerNxt));
        assertEquals(1, bench.counters().pawsRejected());
    }

    @Test
    void shouldReopenBySynOnlyWithANewerTimestampOrAnEqualOneAndALargerSequence()
    {
        final PeerConnection c = inTimeWait(bench, 40000);
        // Equal timestamp, sequence number not beyond RCV.NXT: the old incarnation's, answered with an ACK.
        bench.inject(tcp(SYN).ports(40000, 80).seq(c.peerNxt - 10).mss(1460).ts(c.peerTs, 0));
        c.expect(tcp(ACK).ack(c.peerNxt));
        assertEquals(1, bench.layer.timeWaitCount());
        bench.advanceMillis(500);
        // Equal timestamp, larger sequence number: RFC 6191 section 2 lets it through.
        bench.inject(tcp(SYN).ports(40000, 80).seq(c.peerNxt + 7).mss(1460).ts(c.peerTs, 0));
        bench.expect(tcp(SYN | ACK).seq(c.stackNxt + 65537).ack(c.peerNxt + 8));
        assertEquals(0, bench.layer.timeWaitCount());
    }

    @Test
    void shouldReopenWithoutTimestampsOnlyBeyondRcvNxt()
    {
        final TcpSocket l = listener(bench);
        final PeerConnection c = new PeerConnection(bench, TcpTestbench.PEER, 40000, 80, 1_000_000);
        c.timestamps = false;
        c.openPassive();
        c.socket = l.accept();
        assertNotNull(c.socket);
        activeClose(c);
        assertEquals(1, bench.layer.timeWaitCount());
        bench.inject(tcp(SYN).ports(40000, 80).seq(c.peerNxt - 1).mss(1460));
        final Captured ack = c.expect(tcp(ACK).ack(c.peerNxt));
        assertEquals(null, ack.tsVal, "no timestamps on this connection");
        bench.advanceMillis(500);
        bench.inject(tcp(SYN).ports(40000, 80).seq(c.peerNxt + 1).mss(1460));
        bench.expect(tcp(SYN | ACK).seq(c.stackNxt + 65537).ack(c.peerNxt + 2));
        assertEquals(1, bench.counters().timeWaitRecycled());
    }

    @Test
    void shouldAcknowledgeASynToAPortNobodyListensOn()
    {
        final PeerConnection c = bench.connectTo(9000);
        activeClose(c);
        c.send(tcp(SYN).ack(0).seq(c.peerNxt + 100_000).ts(c.peerTs + 100, 0));
        c.expect(tcp(ACK).seq(c.stackNxt).ack(c.peerNxt));
        assertEquals(1, bench.layer.timeWaitCount(), "no listener: the record stays, as Linux's TCP_TW_SYN");
    }

    @Test
    void shouldExpireRecordsInTheOrderOfTheirLastRestart()
    {
        final PeerConnection first = inTimeWait(bench, 40000);
        bench.advanceMillis(10_000);
        inTimeWait(bench, 40001);
        bench.advanceMillis(10_000);
        inTimeWait(bench, 40002);
        assertEquals(3, bench.layer.timeWaitCount());
        // The retransmitted FIN at t = 20 s restarts the first: it now outlives the others.
        first.send(tcp(FIN | ACK).seq(first.peerNxt - 1));
        first.expect(tcp(ACK));
        bench.advanceMillis(49_999);
        assertEquals(3, bench.layer.timeWaitCount(), "the first, due at 60 s, was restarted");
        bench.advanceMillis(1);
        assertEquals(2, bench.layer.timeWaitCount(), "the second, at 70 s");
        bench.advanceMillis(9_999);
        assertEquals(2, bench.layer.timeWaitCount());
        bench.advanceMillis(1);
        assertEquals(0, bench.layer.timeWaitCount(), "the third and the restarted first, at 80 s");
        assertEquals(0, bench.layer.connectionCount());
    }

    @Test
    void shouldKeepAtMostTheLimitAndLetTheNewestSkipTimeWait()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().timeWaitLimit(2).build());
        final PeerConnection one = inTimeWait(b, 40000);
        inTimeWait(b, 40001);
        final PeerConnection three = inTimeWait(b, 40002);
        assertEquals(2, b.layer.timeWaitCount());
        assertEquals(1, b.counters().timeWaitOverflows());
        assertEquals(3, b.counters().timeWaitEntered() + b.counters().timeWaitOverflows());
        // The newest has no record: its retransmitted FIN meets no connection.
        three.send(tcp(FIN | ACK).seq(three.peerNxt - 1));
        three.expect(tcp(RST));
        // The oldest still answers.
        one.send(tcp(FIN | ACK).seq(one.peerNxt - 1));
        one.expect(tcp(ACK).ack(one.peerNxt));
    }

    @Test
    void shouldHoldItsPortAgainstBindAndEphemeralChoice()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().ephemeralPorts(50000, 50001)
            .msl(Duration.ofSeconds(5)).build());
        final PeerConnection c = b.connectTo(9000);
        final int port = c.socket.localPort();
        activeClose(c);
        final TcpSocket other = b.layer.open();
        assertEquals(0, other.bind(0, 0));
        assertNotEquals(port, other.localPort(), "bind(0) passes over a port held in TIME_WAIT");
        assertEquals(-Errno.EADDRINUSE, b.layer.open().bind(0, 0), "both ports held");
        final TcpSocket specific = b.layer.open();
        assertEquals(-Errno.EADDRINUSE, specific.bind(TcpTestbench.STACK, port));
        b.advanceMillis(10_000);
        assertEquals(0, b.layer.timeWaitCount());
        assertEquals(0, b.layer.open().bind(TcpTestbench.STACK, port), "free once TIME_WAIT is over");
    }

    @Test
    void shouldPassConnectOverAPortWhoseTupleIsInTimeWait()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().ephemeralPorts(50000, 50001).build());
        final PeerConnection c = b.connectTo(9000);
        final int port = c.socket.localPort();
        activeClose(c);
        final TcpSocket again = b.layer.open();
        assertEquals(-Errno.EINPROGRESS, again.connect(TcpTestbench.PEER, 9000));
        assertNotEquals(port, again.localPort(), "the 4-tuple in TIME_WAIT is not reused without timeWaitReuse");
        final TcpSocket third = b.layer.open();
        assertEquals(-Errno.EADDRNOTAVAIL, third.connect(TcpTestbench.PEER, 9000));
        assertEquals(-Errno.EINPROGRESS, b.layer.open().connect(TcpTestbench.OTHER_PEER, 9000),
            "another destination may share the port");
    }
}
