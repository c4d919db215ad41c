package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.PSH;
import static org.jbypass.netstack.tcp.Tcp.RST;
import static org.jbypass.netstack.tcp.Tcp.SYN;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.jbypass.netstack.transport.Readiness;
import org.junit.jupiter.api.Test;

/** Listeners: the accept backlog, the SYN queue, and SYN cookies (RFC 4987) against SYN floods. */
class TcpListenTest
{
    private static Captured handshake(final TcpTestbench b, final int peerPort, final int seq)
    {
        b.inject(tcp(SYN).ports(peerPort, 80).seq(seq).mss(1460).ws(7).sackPermitted().ts(100, 0));
        final Captured synAck = b.expect(tcp(SYN | ACK).ack(seq + 1));
        b.inject(tcp(ACK).ports(peerPort, 80).seq(seq + 1).ack(synAck.seq + 1).ts(101, synAck.tsVal));
        return synAck;
    }

    @Test
    void shouldHoldBacklogPlusOneConnectionsAndDropSynsBeyond()
    {
        final TcpTestbench b = new TcpTestbench();
        final TcpSocket listener = b.listen(80, 1);
        handshake(b, 40000, 1000);
        handshake(b, 40001, 2000);
        assertEquals(Readiness.ACCEPT, listener.readyOps());
        b.inject(tcp(SYN).ports(40002, 80).seq(3000).mss(1460));
        b.expectNothing();
        assertEquals(1, b.counters().synDropped());
        assertNotNull(listener.accept());
        b.inject(tcp(SYN).ports(40002, 80).seq(3000).mss(1460));
        b.expect(tcp(SYN | ACK).ack(3001));
    }

    @Test
    void shouldDropTheFinalAckWhenTheAcceptQueueFilledMeanwhile()
    {
        final TcpTestbench b = new TcpTestbench();
        final TcpSocket listener = b.listen(80, 0);
        b.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460));
        final Captured first = b.expect(tcp(SYN | ACK));
        b.inject(tcp(SYN).ports(40001, 80).seq(2000).mss(1460));
        final Captured second = b.expect(tcp(SYN | ACK));
        b.inject(tcp(ACK).ports(40000, 80).seq(1001).ack(first.seq + 1));
        b.inject(tcp(ACK).ports(40001, 80).seq(2001).ack(second.seq + 1));
        assertEquals(1, b.counters().listenOverflows());
        assertNotNull(listener.accept());
        assertNull(listener.accept());
        // The SYN-ACK is retransmitted; the peer's next ACK gets in.
        b.advanceMillis(1000);
        b.expect(tcp(SYN | ACK).seq(second.seq));
        b.inject(tcp(ACK).ports(40001, 80).seq(2001).ack(second.seq + 1));
        assertNotNull(listener.accept());
    }

    @Test
    void shouldClampTheBacklog()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().maxBacklog(2).build());
        final TcpSocket listener = b.listen(80, 1000);
        for (int i = 0; i < 3; i++)
        {
            handshake(b, 40000 + i, 1000 * i);
        }
        b.inject(tcp(SYN).ports(40010, 80).seq(1).mss(1460));
        b.expectNothing();
        assertEquals(1, b.counters().synDropped());
        assertNotNull(listener.accept());
    }

    @Test
    void shouldAnswerWithCookiesWhenTheSynQueueIsFullAndOpenFromTheirAck()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().synBacklog(2).build());
        final TcpSocket listener = b.listen(80, 16);
        b.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460));
        b.expect(tcp(SYN | ACK));
        b.inject(tcp(SYN).ports(40001, 80).seq(2000).mss(1460));
        b.expect(tcp(SYN | ACK));
        assertEquals(2, b.layer.connectionCount());

        b.inject(tcp(SYN).ports(40002, 80).seq(3000).mss(1460).ws(5).sackPermitted().ts(700, 0));
        final Captured cookie = b.expect(tcp(SYN | ACK).ack(3001).mss(1460).sackPermitted()
            .ws(TcpConfig.defaults().offeredWindowScale()).tsEcr(700));
        assertEquals(2, b.layer.connectionCount(), "no state kept for the cookie");
        assertEquals(1, b.counters().cookiesSent());

        b.inject(tcp(ACK | PSH).ports(40002, 80).seq(3001).ack(cookie.seq + 1).ts(701, cookie.tsVal).window(100)
            .payload("GET /"));
        final TcpSocket child = listener.accept();
        assertNotNull(child, "the cookie opened a connection");
        assertEquals(1, b.counters().cookiesValidated());
        assertEquals(TcpState.ESTABLISHED, child.state());
        final TcpInfo info = child.info();
        assertEquals(1460 - 12, info.sendMss, "MSS from the cookie's table");
        assertEquals(5, info.sendWindowScale, "window scale from the timestamp bits");
        assertEquals(100 << 5, info.sendWindow);
        assertTrue(info.sack, "SACK from the timestamp bits");
        assertEquals(5, child.available(), "the ACK's data was kept");
        b.expect(tcp(ACK).ports(80, 40002).seq(cookie.seq + 1).ack(3006).tsEcr(701).payloadLength(0));
        // The connection works: our reply carries the right numbers.
        child.noDelay(true);
        child.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
        b.expect(tcp(ACK | PSH).ports(80, 40002).seq(cookie.seq + 1).ack(3006).tsEcr(701).payloadLength(3));
    }

    @Test
    void shouldUseCookiesWithoutTimestampsAtTheCostOfOptions()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().synBacklog(1).build());
        final TcpSocket listener = b.listen(80, 16);
        b.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460));
        b.expect(tcp(SYN | ACK));
        b.inject(tcp(SYN).ports(40001, 80).seq(5000).mss(1400).ws(5).sackPermitted());
        final Captured cookie = b.expect(tcp(SYN | ACK).noTimestamp().noSackPermitted());
        assertNull(cookie.windowScale, "window scaling cannot be remembered without timestamps");
        b.inject(tcp(ACK).ports(40001, 80).seq(5001).ack(cookie.seq + 1).window(1000));
        final TcpSocket child = listener.accept();
        assertNotNull(child);
        assertEquals(1300, child.info().sendMss, "1400 rounds down to the table's 1300");
        assertEquals(1000, child.info().sendWindow);
    }

    @Test
    void shouldRejectForgedAndExpiredCookies()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().synBacklog(1).build());
        final TcpSocket listener = b.listen(80, 16);
        b.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460));
        b.expect(tcp(SYN | ACK));
        b.inject(tcp(SYN).ports(40001, 80).seq(5000).mss(1460));
        final Captured cookie = b.expect(tcp(SYN | ACK));
        b.inject(tcp(ACK).ports(40001, 80).seq(5001).ack(cookie.seq + 2));
        b.expect(tcp(RST).seq(cookie.seq + 2));
        b.inject(tcp(ACK).ports(40002, 80).seq(5001).ack(cookie.seq + 1));
        b.expect(tcp(RST).seq(cookie.seq + 1), "a cookie is bound to its 4-tuple");
        assertEquals(2, b.counters().cookiesRejected());
        b.advanceMillis(150_000);
        b.drain();
        b.inject(tcp(ACK).ports(40001, 80).seq(5001).ack(cookie.seq + 1));
        b.expect(tcp(RST));
        assertNull(listener.accept());
        assertEquals(0, b.counters().cookiesValidated());
    }

    @Test
    void shouldNotTryCookiesWhenNoneWereSent()
    {
        final TcpTestbench b = new TcpTestbench();
        b.listen(80, 16);
        b.inject(tcp(ACK).ports(40001, 80).seq(5001).ack(12345));
        b.expect(tcp(RST).seq(12345));
        assertEquals(0, b.counters().cookiesRejected());
    }

    @Test
    void shouldDropSynsWithoutCookiesWhenDisabled()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().synBacklog(1).synCookies(false).build());
        b.listen(80, 16);
        b.inject(tcp(SYN).ports(40000, 80).seq(1000).mss(1460));
        b.expect(tcp(SYN | ACK));
        b.inject(tcp(SYN).ports(40001, 80).seq(5000).mss(1460));
        b.expectNothing();
        assertEquals(1, b.counters().synDropped());
    }

    @Test
    void shouldSurviveASynFloodAndStillAcceptALegitimateClient()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().synBacklog(128).build(), 256);
        final TcpSocket listener = b.listen(80, 64);
        final SplittableRandom random = new SplittableRandom(5);
        final long heapBefore = usedHeap();
        for (int i = 0; i < 100_000; i++)
        {
            final int source = 0xC6130000 | random.nextInt(1 << 16);
            b.inject(tcp(SYN).ports(1024 + random.nextInt(60000), 80).seq(random.nextInt()).mss(1460)
                .ts(random.nextInt(), 0), source, TcpTestbench.STACK);
            b.ip.sent.clear();
            assertTrue(b.layer.connectionCount() <= 128, "half-open connections bounded by the SYN queue");
        }
        assertTrue(b.counters().cookiesSent() >= 100_000 - 128, "the rest were answered with cookies");
        // A legitimate client, mid-flood, completes its handshake through a cookie.
        b.inject(tcp(SYN).ports(50000, 80).seq(777).mss(1460).ws(7).sackPermitted().ts(1, 0));
        final Captured synAck = b.expect(tcp(SYN | ACK).ack(778));
        b.inject(tcp(ACK).ports(50000, 80).seq(778).ack(synAck.seq + 1).ts(2, synAck.tsVal));
        final TcpSocket child = listener.accept();
        assertNotNull(child, "the legitimate client got in");
        assertEquals(50000, child.remotePort());
        // Half-open state expires; nothing is left behind but the one real connection.
        for (int second = 0; second < 120; second++)
        {
            b.advanceMillis(1000);
            b.drain();
        }
        assertEquals(1, b.layer.connectionCount());
        assertEquals(0, b.ip.pool.inUse());
        final long grown = usedHeap() - heapBefore;
        assertTrue(grown < 64L << 20, "heap grew by " + grown + " bytes over 100000 SYNs");
    }

    private static long usedHeap()
    {
        System.gc();
        final Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
