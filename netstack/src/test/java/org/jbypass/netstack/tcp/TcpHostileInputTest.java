package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.FIN;
import static org.jbypass.netstack.tcp.Tcp.PSH;
import static org.jbypass.netstack.tcp.Tcp.RST;
import static org.jbypass.netstack.tcp.Tcp.SYN;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.util.Errno;
import org.junit.jupiter.api.Test;

/**
 * Hostile and malformed input, in the spirit of packetimpact's tcp_outside_the_window, tcp_paws_mechanism and
 * friends: every such segment is dropped and counted, answered only as the RFCs say, and never changes a
 * connection it should not.
 */
class TcpHostileInputTest
{
    private final TcpTestbench bench = new TcpTestbench();

    private PeerConnection accepted()
    {
        return bench.acceptFrom(bench.listen(80, 16), 40000);
    }

    @Test
    void shouldAcknowledgeDataOutsideTheWindowAndDropIt()
    {
        final PeerConnection c = accepted();
        // Far beyond the right edge of the window.
        c.send(tcp(ACK | PSH).seq(c.peerNxt + (1 << 30)).payloadLength(100));
        c.expect(tcp(ACK).seq(c.stackNxt).ack(c.peerNxt).payloadLength(0));
        // Old data, wholly before RCV.NXT.
        c.send(tcp(ACK | PSH).seq(c.peerNxt - 5000).payloadLength(100));
        c.expect(tcp(ACK).ack(c.peerNxt));
        assertEquals(0, c.socket.available());
        assertEquals(TcpState.ESTABLISHED, c.socket.state());
        assertEquals(1, bench.counters().outOfWindow());
        assertEquals(1, bench.counters().duplicateSegments());
    }

    @Test
    void shouldRateLimitAcksToOutOfWindowPureAcks()
    {
        final PeerConnection c = accepted();
        c.send(tcp(ACK).seq(c.peerNxt + (1 << 30)));
        c.expectAck();
        c.send(tcp(ACK).seq(c.peerNxt + (1 << 30)));
        bench.expectNothing();
        bench.advanceMillis(500);
        c.send(tcp(ACK).seq(c.peerNxt + (1 << 30)));
        c.expectAck();
    }

    @Test
    void shouldDropSegmentsWithBadChecksumsSilently()
    {
        final PeerConnection c = accepted();
        c.send(tcp(ACK | PSH).payloadLength(100).corruptChecksum());
        bench.expectNothing();
        assertEquals(0, c.socket.available());
        assertEquals(1, bench.counters().badChecksums());
        bench.inject(tcp(SYN).ports(40001, 80).seq(1).corruptChecksum());
        bench.inject(tcp(SYN).ports(40001, 81).seq(1).corruptChecksum());
        bench.expectNothing();
        assertEquals(3, bench.counters().badChecksums());
    }

    @Test
    void shouldDropSynFin()
    {
        bench.listen(80, 16);
        bench.inject(tcp(SYN | FIN).ports(40000, 80).seq(1).mss(1460));
        bench.expectNothing();
        assertEquals(0, bench.layer.connectionCount());
        assertEquals(1, bench.counters().synFinDropped());
    }

    @Test
    void shouldAnswerSynFinOnAConnectionWithAChallengeAck()
    {
        final PeerConnection c = accepted();
        c.send(tcp(SYN | FIN).seq(c.peerNxt));
        c.expect(tcp(ACK).ack(c.peerNxt));
        assertEquals(TcpState.ESTABLISHED, c.socket.state());
        assertEquals(1, bench.counters().challengeAcks());
    }

    @Test
    void shouldChallengeABlindResetInsideTheWindow()
    {
        final PeerConnection c = accepted();
        c.send(tcp(RST).seq(c.peerNxt + 1000));
        c.expect(tcp(ACK).seq(c.stackNxt).ack(c.peerNxt));
        assertEquals(TcpState.ESTABLISHED, c.socket.state(), "RFC 5961 section 3.2: only an exact RST resets");
        assertEquals(1, bench.counters().challengeAcks());
        // The true peer answers the challenge ACK with an exact reset.
        c.send(tcp(RST).seq(c.peerNxt));
        assertEquals(TcpState.CLOSED, c.socket.state());
        assertEquals(-Errno.ECONNRESET, c.readAll());
    }

    @Test
    void shouldIgnoreAResetOutsideTheWindow()
    {
        final PeerConnection c = accepted();
        c.send(tcp(RST).seq(c.peerNxt - 1));
        c.send(tcp(RST).seq(c.peerNxt + (1 << 30)));
        bench.expectNothing();
        assertEquals(TcpState.ESTABLISHED, c.socket.state());
        assertEquals(2, bench.counters().resetsIgnored());
    }

    @Test
    void shouldChallengeABlindSyn()
    {
        final PeerConnection c = accepted();
        c.send(tcp(SYN).seq(c.peerNxt + 10).mss(1460));
        c.expect(tcp(ACK).seq(c.stackNxt).ack(c.peerNxt));
        c.send(tcp(SYN).seq(c.peerNxt - 100_000).mss(1460));
        c.expect(tcp(ACK).seq(c.stackNxt).ack(c.peerNxt));
        assertEquals(TcpState.ESTABLISHED, c.socket.state(), "RFC 5961 section 4: a SYN never resets");
        assertEquals(2, bench.counters().challengeAcks());
    }

    @Test
    void shouldRateLimitChallengeAcks()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().challengeAckLimit(3).build());
        final PeerConnection c = b.acceptFrom(b.listen(80, 4), 40000);
        for (int i = 0; i < 10; i++)
        {
            c.send(tcp(RST).seq(c.peerNxt + 100 + i));
        }
        assertEquals(3, b.drain().size());
        assertEquals(3, b.counters().challengeAcks());
        assertEquals(7, b.counters().challengeAcksSuppressed());
        b.advanceMillis(1000);
        c.send(tcp(RST).seq(c.peerNxt + 100));
        assertEquals(1, b.drain().size(), "a new second, a new allowance");
    }

    @Test
    void shouldAnswerAnAckOfUnsentDataAndDropTheSegment()
    {
        final PeerConnection c = accepted();
        c.send(tcp(ACK | PSH).ack(c.stackNxt + 5000).payloadLength(100));
        c.expect(tcp(ACK).ack(c.peerNxt - 100));
        c.peerNxt -= 100;
        assertEquals(0, c.socket.available(), "dropped with its data");
        assertEquals(1, bench.counters().ackOfUnsentData());
    }

    @Test
    void shouldChallengeAnAckOlderThanTheWindow()
    {
        final PeerConnection c = accepted();
        c.send(tcp(ACK).ack(c.stackNxt - (1 << 30)));
        c.expectAck();
        assertEquals(1, bench.counters().ackTooOld());
    }

    @Test
    void shouldIgnoreDataAfterTheFin()
    {
        final PeerConnection c = accepted();
        c.send(tcp(FIN | ACK));
        bench.advanceMillis(40);
        c.expectAck();
        c.send(tcp(ACK | PSH).payloadLength(50));
        assertEquals(0, c.socket.available());
        assertEquals(Errno.END_OF_STREAM, c.readAll());
        assertEquals(1, bench.counters().dataAfterFin());
        assertEquals(TcpState.CLOSE_WAIT, c.socket.state());
    }

    @Test
    void shouldDropSegmentsWithMalformedOptions()
    {
        final PeerConnection c = accepted();
        final int[][] bad = {
            {2, 0, 0, 0},                  // length 0
            {2, 1, 0, 0},                  // length 1
            {1, 1, 8, 12, 0, 0, 0, 0},     // runs past the header
            {2, 3, 5, 0},                  // MSS of length 3
            {3, 4, 7, 0},                  // window scale of length 4
            {4, 3, 0, 0},                  // SACK-permitted of length 3
            {5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},  // SACK of length 11
            {8, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},   // timestamps of length 9
            {30},                          // a kind without its length byte
        };
        for (final int[] options : bad)
        {
            c.send(tcp(ACK | PSH).rawOptions(options).payloadLength(10));
            c.peerNxt -= 10;
        }
        bench.expectNothing();
        assertEquals(0, c.socket.available());
        assertEquals(bad.length, bench.counters().badOptions());
        bench.inject(tcp(SYN).ports(40001, 80).seq(1).rawOptions(2, 0, 5, 0xB4));
        bench.expectNothing();
        assertEquals(1, bench.layer.connectionCount(), "no half-open connection from a malformed SYN");
    }

    @Test
    void shouldSkipUnknownOptionsAndHonourEndOfList()
    {
        final PeerConnection c = accepted();
        // Unknown kind 30 of length 4, then EOL followed by garbage that must not be parsed.
        c.send(tcp(ACK | PSH).rawOptions(30, 4, 0, 0, 0, 0xFF, 0xFF, 0xFF).payloadLength(10).noTimestamp());
        bench.expectNothing();
        assertEquals(1, bench.counters().missingTimestamp(), "parsed fine, then dropped for lack of timestamps");
    }

    @Test
    void shouldDropHeadersWithImpossibleDataOffsets()
    {
        final PeerConnection c = accepted();
        c.send(tcp(ACK).dataOffsetWords(4).payloadLength(10));
        c.send(tcp(ACK).dataOffsetWords(15).payloadLength(10));
        bench.expectNothing();
        assertEquals(2, bench.counters().malformed());
    }

    @Test
    void shouldRejectOldTimestampsWithPaws()
    {
        final PeerConnection c = accepted();
        c.peerTs = 10_000;
        c.sendData(100);
        c.expectAck();
        // One tick behind TS.Recent passes, as in Linux (TCP_PAWS_WINDOW): paced senders stamp slightly ahead.
        c.peerTs = 9_999;
        c.sendData(100);
        c.expectAck();
        c.peerTs = 9_000;
        c.sendData(100);
        c.expect(tcp(ACK).ack(c.peerNxt - 100));
        c.peerNxt -= 100;
        assertEquals(200, c.socket.available(), "the old segment was not taken");
        assertEquals(1, bench.counters().pawsRejected());
        // A reset is exempt from PAWS.
        c.send(tcp(RST).seq(c.peerNxt));
        assertEquals(TcpState.CLOSED, c.socket.state());
    }

    @Test
    void shouldDropSegmentsWithoutTheNegotiatedTimestamp()
    {
        final PeerConnection c = accepted();
        c.send(tcp(ACK | PSH).payloadLength(10).noTimestamp());
        bench.expectNothing();
        assertEquals(0, c.socket.available());
        assertEquals(1, bench.counters().missingTimestamp());
    }

    @Test
    void shouldDropSegmentsToBroadcastOrMulticast()
    {
        bench.listen(80, 16);
        bench.inject(tcp(SYN).ports(40000, 80).seq(1), TcpTestbench.PEER, 0xFFFFFFFF);
        bench.inject(tcp(SYN).ports(40000, 80).seq(1), TcpTestbench.PEER, 0xE0000001);
        bench.inject(tcp(SYN).ports(40000, 80).seq(1), 0xE0000001, TcpTestbench.STACK);
        bench.expectNothing();
        assertEquals(3, bench.counters().notUnicast());
    }

    @Test
    void shouldSurviveARandomSegmentStorm()
    {
        final PeerConnection c = accepted();
        final java.util.SplittableRandom random = new java.util.SplittableRandom(99);
        for (int i = 0; i < 20_000; i++)
        {
            final Tcp t = tcp(random.nextInt(256)).ports(40000, 80).seq(c.peerNxt + random.nextInt(1 << 20) - (1 << 19))
                .ack(c.stackNxt + random.nextInt(1 << 20) - (1 << 19)).window(random.nextInt(65536))
                .payloadLength(random.nextInt(200));
            if (random.nextBoolean())
            {
                t.ts(c.peerTs + random.nextInt(100) - 50, 0);
            }
            bench.inject(t);
            bench.drain();
            if (i % 100 == 0)
            {
                bench.advanceMillis(random.nextInt(300));
                bench.drain();
            }
        }
        // Whatever happened to the connection, the layer is consistent: buffers bounded, counters moved.
        assertTrue(bench.counters().segmentsIn() >= 20_000);
        assertTrue(c.socket.available() <= c.socket.receiveBufferSize());
        c.socket.read(ByteBuffer.allocate(1 << 20));
        c.socket.close();
        bench.advanceMillis(200_000);
        bench.drain();
        assertEquals(0, bench.ip.pool.inUse(), "no pool buffer kept");
    }
}
