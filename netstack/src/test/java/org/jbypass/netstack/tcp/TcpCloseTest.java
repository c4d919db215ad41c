package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.FIN;
import static org.jbypass.netstack.tcp.Tcp.PSH;
import static org.jbypass.netstack.tcp.Tcp.RST;
import static org.jbypass.netstack.tcp.Tcp.SYN;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;

import org.jbypass.netstack.transport.Readiness;
import org.jbypass.netstack.util.Errno;
import org.junit.jupiter.api.Test;

/** Closing: half-close, simultaneous close, TIME_WAIT and its reuse rules, resets on close, linger, orphans. */
class TcpCloseTest
{
    private final TcpTestbench bench = new TcpTestbench();

    private PeerConnection accepted(final TcpTestbench b)
    {
        return b.acceptFrom(b.listen(80, 16), 40000);
    }

    @Test
    void shouldCloseActivelyThroughTimeWaitFor2Msl()
    {
        final PeerConnection c = accepted(bench);
        c.socket.close();
        c.expect(tcp(FIN | ACK).payloadLength(0));
        assertEquals(TcpState.FIN_WAIT_1, c.socket.state());
        c.send(tcp(ACK));
        assertEquals(TcpState.FIN_WAIT_2, c.socket.state());
        c.send(tcp(FIN | ACK));
        c.expectAck();
        // TIME_WAIT is a record from here on: the socket is done with, as Linux's tcp_time_wait() then tcp_done().
        assertEquals(TcpState.CLOSED, c.socket.state());
        assertEquals(1, bench.layer.timeWaitCount());
        assertEquals(1, bench.layer.connectionCount(), "the record is known by its 4-tuple");
        bench.advanceMillis(59_999);
        assertEquals(1, bench.layer.timeWaitCount(), "TIME_WAIT lasts 2 x MSL = 60 s by default");
        bench.advanceMillis(1);
        assertEquals(0, bench.layer.connectionCount());
        assertEquals(0, bench.layer.timeWaitCount());
    }

    @Test
    void shouldHonourAConfiguredMsl()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().msl(Duration.ofSeconds(2)).build());
        final PeerConnection c = accepted(b);
        c.socket.close();
        c.expect(tcp(FIN | ACK));
        c.send(tcp(FIN | ACK));
        c.expectAck();
        assertEquals(1, b.layer.timeWaitCount());
        b.advanceMillis(3999);
        assertEquals(1, b.layer.timeWaitCount());
        b.advanceMillis(1);
        assertEquals(0, b.layer.connectionCount());
    }

    @Test
    void shouldAcknowledgeARetransmittedFinInTimeWaitAndRestartTheTimer()
    {
        final PeerConnection c = accepted(bench);
        c.socket.close();
        c.expect(tcp(FIN | ACK));
        final int finSeq = c.peerNxt;
        c.send(tcp(FIN | ACK));
        c.expectAck();
        bench.advanceMillis(30_000);
        c.send(tcp(FIN | ACK).seq(finSeq));
        c.expect(tcp(ACK).seq(c.stackNxt).ack(finSeq + 1));
        bench.advanceMillis(59_999);
        assertEquals(1, bench.layer.timeWaitCount(), "restarted");
        bench.advanceMillis(1);
        assertEquals(0, bench.layer.timeWaitCount());
    }

    @Test
    void shouldIgnoreResetsInTimeWait()
    {
        final PeerConnection c = accepted(bench);
        c.socket.close();
        c.expect(tcp(FIN | ACK));
        c.send(tcp(FIN | ACK));
        c.expectAck();
        c.send(tcp(RST).seq(c.peerNxt));
        assertEquals(1, bench.layer.timeWaitCount(), "RFC 1337");
        assertEquals(1, bench.counters().resetsIgnored());
    }

    @Test
    void shouldCloseSimultaneously()
    {
        final PeerConnection c = accepted(bench);
        c.socket.close();
        final Captured fin = c.expect(tcp(FIN | ACK));
        // The peer's FIN crosses ours: it does not acknowledge our FIN.
        c.send(tcp(FIN | ACK).ack(fin.seq));
        c.expect(tcp(ACK).ack(c.peerNxt));
        assertEquals(TcpState.CLOSING, c.socket.state());
        c.send(tcp(ACK).ack(fin.seq + 1));
        assertEquals(TcpState.CLOSED, c.socket.state());
        assertEquals(1, bench.layer.timeWaitCount());
    }

    @Test
    void shouldHalfCloseAndKeepReceiving()
    {
        final PeerConnection c = accepted(bench);
        assertEquals(0, c.socket.shutdownOutput());
        assertTrue(c.socket.isOutputShutdown());
        c.expect(tcp(FIN | ACK));
        assertEquals(-Errno.EPIPE, c.write(1));
        c.send(tcp(ACK));
        assertEquals(TcpState.FIN_WAIT_2, c.socket.state());
        c.sendData(3000);
        c.expectAck();
        assertEquals(3000, c.readAll());
        // A read that leaves the window more than half open sends no window update (tcp_cleanup_rbuf).
        bench.expectNothing();
        c.send(tcp(FIN | ACK));
        c.expectAck();
        assertEquals(Errno.END_OF_STREAM, c.readAll());
        // The application still holds the socket: it reads the end of stream and cannot write, as in Linux.
        assertEquals(TcpState.CLOSED, c.socket.state());
        assertEquals(1, bench.layer.timeWaitCount());
        assertEquals(Readiness.READ | Readiness.WRITE, c.socket.readyOps());
        assertEquals(-Errno.EPIPE, c.write(1));
    }

    @Test
    void shouldClosePassivelyThroughLastAck()
    {
        final PeerConnection c = accepted(bench);
        c.send(tcp(FIN | ACK));
        // The FIN's ACK is delayed: the application's close within the delay sends one FIN+ACK, as Linux does.
        bench.expectNothing();
        assertEquals(TcpState.CLOSE_WAIT, c.socket.state());
        assertEquals(Readiness.READ, c.socket.readyOps() & Readiness.READ, "end of stream is readable");
        c.socket.close();
        c.expect(tcp(FIN | ACK).ack(c.peerNxt));
        bench.expectNothing();
        assertEquals(1, bench.layer.connectionCount());
        c.send(tcp(ACK));
        assertEquals(0, bench.layer.connectionCount(), "LAST_ACK -> CLOSED, no TIME_WAIT");
    }

    @Test
    void shouldAcknowledgeThePeersFinWithinTheDelayedAckTimeoutWhenTheApplicationDoesNotClose()
    {
        final PeerConnection c = accepted(bench);
        c.send(tcp(FIN | ACK));
        bench.expectNothing();
        bench.advanceMillis(40);
        c.expect(tcp(ACK).ack(c.peerNxt));
        assertEquals(TcpState.CLOSE_WAIT, c.socket.state());
    }

    @Test
    void shouldSendQueuedDataBeforeTheFin()
    {
        final PeerConnection c = accepted(bench);
        assertEquals(3000, c.write(3000));
        c.expect(tcp(ACK).payloadLength(1448));
        c.expect(tcp(ACK).payloadLength(1448));
        bench.expectNothing();
        // Nagle held the tail; close() sends it with the FIN on it.
        c.socket.close();
        c.expect(tcp(FIN | PSH | ACK).payloadLength(104));
    }

    @Test
    void shouldResetWhenClosingWithUnreadData()
    {
        final PeerConnection c = accepted(bench);
        c.sendData(100);
        c.expectAck();
        c.socket.close();
        c.expect(tcp(RST | ACK).seq(c.stackNxt).ack(c.peerNxt));
        assertEquals(0, bench.layer.connectionCount());
        assertEquals(1, bench.counters().resetsAfterClose());
    }

    @Test
    void shouldResetOnCloseWithZeroLinger()
    {
        final PeerConnection c = accepted(bench);
        c.socket.linger(0);
        assertEquals(0, c.socket.linger());
        c.socket.close();
        c.expect(tcp(RST | ACK).seq(c.stackNxt));
        assertEquals(0, bench.layer.connectionCount());
    }

    @Test
    void shouldResetWhenDataArrivesAfterClose()
    {
        final PeerConnection c = accepted(bench);
        c.socket.close();
        c.expect(tcp(FIN | ACK));
        c.send(tcp(ACK));
        assertEquals(TcpState.FIN_WAIT_2, c.socket.state());
        c.sendData(10);
        c.expect(tcp(RST | ACK));
        assertEquals(0, bench.layer.connectionCount());
    }

    @Test
    void shouldForgetAnOrphanStuckInFinWait2()
    {
        final PeerConnection c = accepted(bench);
        c.socket.close();
        c.expect(tcp(FIN | ACK));
        c.send(tcp(ACK));
        bench.advanceMillis(59_999);
        assertEquals(TcpState.FIN_WAIT_2, c.socket.state());
        bench.advanceMillis(1);
        c.expect(tcp(RST | ACK));
        assertEquals(0, bench.layer.connectionCount());
    }

    @Test
    void shouldAbortWithReset()
    {
        final PeerConnection c = accepted(bench);
        c.socket.abort();
        c.expect(tcp(RST | ACK));
        assertTrue(c.socket.isClosed());
        assertEquals(-Errno.EBADF, c.socket.read(ByteBuffer.allocate(1)));
    }

    @Test
    void shouldReportResetToTheApplication()
    {
        final PeerConnection c = accepted(bench);
        c.sendData(10);
        c.expectAck();
        c.send(tcp(RST).seq(c.peerNxt));
        assertEquals(TcpState.CLOSED, c.socket.state());
        assertEquals(Readiness.READ | Readiness.WRITE, c.socket.readyOps());
        assertEquals(10, c.readAll(), "data before the reset is still readable");
        assertEquals(-Errno.ECONNRESET, c.readAll());
        assertEquals(-Errno.ECONNRESET, c.write(1));
        assertEquals(1, bench.counters().connectionResets());
    }

    @Test
    void shouldResetQueuedConnectionsWhenTheListenerCloses()
    {
        final TcpSocket listener = bench.listen(80, 16);
        bench.inject(tcp(SYN).ports(40000, 80).seq(100).mss(1460));
        final Captured synAck = bench.expect(tcp(SYN | ACK));
        bench.inject(tcp(ACK).ports(40000, 80).seq(101).ack(synAck.seq + 1));
        bench.inject(tcp(SYN).ports(40001, 80).seq(500).mss(1460));
        bench.expect(tcp(SYN | ACK));
        listener.close();
        bench.expect(tcp(RST | ACK).destinationPort(40000));
        bench.expect(tcp(RST | ACK).destinationPort(40001));
        assertEquals(0, bench.layer.connectionCount());
        final TcpSocket again = bench.layer.open();
        assertEquals(0, again.bind(0, 80), "the port is free again");
    }

    @Test
    void shouldLetANewSynWithANewerTimestampReuseTimeWait()
    {
        final TcpSocket listener = bench.listen(80, 16);
        final PeerConnection c = bench.acceptFrom(listener, 40000);
        c.socket.close();
        c.expect(tcp(FIN | ACK));
        c.send(tcp(FIN | ACK));
        c.expectAck();
        assertEquals(1, bench.layer.timeWaitCount());
        // An old timestamp: not a new incarnation (RFC 6191); it draws an ACK.
        bench.inject(tcp(SYN).ports(40000, 80).seq(c.peerNxt + 100_000).mss(1460).ts(c.peerTs - 1, 0));
        bench.expect(tcp(ACK).seq(c.stackNxt).ack(c.peerNxt));
        assertEquals(1, bench.layer.timeWaitCount());
        bench.inject(tcp(SYN).ports(40000, 80).seq(c.peerNxt + 100_000).mss(1460).ts(c.peerTs + 1, 0));
        // RFC 1122 section 4.2.2.13 (1): the new incarnation's ISN lies past everything the old one sent.
        bench.expect(tcp(SYN | ACK).seq(c.stackNxt + 65537).ack(c.peerNxt + 100_001));
        assertEquals(0, bench.layer.timeWaitCount(), "TIME_WAIT ended early");
        assertEquals(1, bench.layer.connectionCount(), "the new incarnation");
        assertEquals(1, bench.counters().timeWaitRecycled());
    }

    @Test
    void shouldLetReuseAddressBindAPortHeldByTimeWait()
    {
        final PeerConnection c = bench.connectTo(9000);
        final int port = c.socket.localPort();
        c.socket.close();
        c.expect(tcp(FIN | ACK));
        c.send(tcp(FIN | ACK));
        c.expectAck();
        assertEquals(1, bench.layer.timeWaitCount());
        final TcpSocket plain = bench.layer.open();
        assertEquals(-Errno.EADDRINUSE, plain.bind(0, port));
        final TcpSocket reusing = bench.layer.open();
        reusing.reuseAddress(true);
        assertEquals(0, reusing.bind(0, port));
        assertEquals(-Errno.EADDRNOTAVAIL, reusing.connect(TcpTestbench.PEER, 9000),
            "the same 4-tuple is still in TIME_WAIT");
        assertEquals(-Errno.EINPROGRESS, reusing.connect(TcpTestbench.OTHER_PEER, 9000));
    }

    @Test
    void shouldReuseTimeWaitForConnectWhenEnabled()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().timeWaitReuse(true).build());
        final PeerConnection c = b.connectTo(9000);
        final int port = c.socket.localPort();
        c.socket.close();
        c.expect(tcp(FIN | ACK));
        c.send(tcp(FIN | ACK));
        c.expectAck();
        final TcpSocket again = b.layer.open();
        again.reuseAddress(true);
        assertEquals(0, again.bind(0, port));
        assertEquals(-Errno.EADDRNOTAVAIL, again.connect(TcpTestbench.PEER, 9000), "too soon: under 1 s");
        b.advanceMillis(1000);
        assertEquals(-Errno.EINPROGRESS, again.connect(TcpTestbench.PEER, 9000));
        // tcp_tw_reuse: the new incarnation starts past the old one's sequence numbers.
        final Captured syn = b.expect(tcp(SYN).sourcePort(port).seq(c.stackNxt + 65537));
        assertNotNull(syn);
        assertEquals(0, b.layer.timeWaitCount());
        assertEquals(1, b.counters().timeWaitRecycled());
    }

    @Test
    void shouldSkipTimeWaitBeyondItsLimit()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().timeWaitLimit(0).build());
        final PeerConnection c = accepted(b);
        c.socket.close();
        c.expect(tcp(FIN | ACK));
        c.send(tcp(FIN | ACK));
        c.expectAck();
        assertEquals(TcpState.CLOSED, c.socket.state());
        assertEquals(1, b.counters().timeWaitOverflows());
    }

    @Test
    void shouldRetransmitAnUnacknowledgedFin()
    {
        final PeerConnection c = accepted(bench);
        c.socket.close();
        final Captured fin = c.expect(tcp(FIN | ACK));
        bench.advanceMillis(200);
        c.expect(tcp(FIN | ACK).seq(fin.seq));
    }
}
