package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.FIN;
import static org.jbypass.netstack.tcp.Tcp.PSH;
import static org.jbypass.netstack.tcp.Tcp.SYN;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.jbypass.netstack.transport.Readiness;
import org.jbypass.netstack.util.Errno;
import org.junit.jupiter.api.Test;

/**
 * Data transfer on one connection: acknowledgment policy, Nagle, windows and silly-window avoidance, zero-window
 * probing, buffers, out-of-order data and SACK generation.
 */
class TcpDataTest
{
    private final TcpTestbench bench = new TcpTestbench();
    private final int ws = TcpConfig.defaults().offeredWindowScale();

    private PeerConnection accepted()
    {
        final TcpSocket listener = bench.listen(80, 16);
        return bench.acceptFrom(listener, 40000);
    }

    @Test
    void shouldAcknowledgeQuicklyAtFirstThenDelayUpToTheTimeout()
    {
        final PeerConnection c = accepted();
        for (int i = 0; i < TcpConfig.defaults().quickAckSegments(); i++)
        {
            c.sendData(100);
            c.expectAck();
        }
        c.sendData(100);
        bench.expectNothing();
        bench.advanceMillis(39);
        bench.expectNothing();
        bench.advanceMillis(1);
        c.expectAck();
        assertEquals(1700, c.readAll());
    }

    @Test
    void shouldAcknowledgeEverySecondSegment()
    {
        final PeerConnection c = accepted();
        for (int i = 0; i < TcpConfig.defaults().quickAckSegments(); i++)
        {
            c.sendData(1448);
            c.expectAck();
        }
        c.sendData(1448);
        bench.expectNothing();
        c.sendData(1448);
        c.expectAck();
        c.sendData(1448);
        bench.expectNothing();
        c.sendData(1448);
        c.expectAck();
    }

    @Test
    void shouldPiggybackTheAckOnData()
    {
        final PeerConnection c = accepted();
        for (int i = 0; i < TcpConfig.defaults().quickAckSegments(); i++)
        {
            c.sendData(10);
            c.expectAck();
        }
        c.sendData(10);
        bench.expectNothing();
        assertEquals(5, c.write(5));
        c.expect(tcp(ACK | PSH).ack(c.peerNxt).payloadLength(5));
        bench.advanceMillis(100);
        bench.expectNothing();
    }

    @Test
    void shouldHoldSmallSegmentsWhileDataIsUnacknowledged()
    {
        final PeerConnection c = accepted();
        assertEquals(100, c.write(100));
        c.expect(tcp(ACK | PSH).payloadLength(100));
        assertEquals(100, c.write(100));
        bench.expectNothing();
        assertEquals(100, c.write(100));
        bench.expectNothing();
        c.send(tcp(ACK));
        c.expect(tcp(ACK | PSH).payloadLength(200));
    }

    @Test
    void shouldSendAtOnceWithNoDelay()
    {
        final PeerConnection c = accepted();
        c.socket.noDelay(true);
        assertEquals(100, c.write(100));
        c.expect(tcp(ACK | PSH).payloadLength(100));
        assertEquals(100, c.write(100));
        c.expect(tcp(ACK | PSH).payloadLength(100));
    }

    @Test
    void shouldSendFullSegmentsDespiteNagle()
    {
        final PeerConnection c = accepted();
        assertEquals(100, c.write(100));
        c.expect(tcp(ACK | PSH).payloadLength(100));
        assertEquals(3000, c.write(3000));
        c.expect(tcp(ACK).payloadLength(1448));
        c.expect(tcp(ACK).payloadLength(1448));
        bench.expectNothing();
    }

    @Test
    void shouldRespectTheInitialCongestionWindowAndThePeerWindow()
    {
        final PeerConnection c = accepted();
        c.socket.noDelay(true);
        assertEquals(100_000, c.write(100_000));
        int total = 0;
        for (int i = 0; i < 10; i++)
        {
            total += c.expect(tcp(ACK).payloadLength(1448)).payload.length;
        }
        bench.expectNothing();
        assertEquals(14480, total, "RFC 6928: ten segments");
        // The peer now offers a window of 3000 bytes (raw 3000 >> 7 is what it sends, scaled back by 128).
        c.window = 3000 >> 7;
        c.send(tcp(ACK));
        // Acknowledging everything opens cwnd, but the peer's window of 2944 bytes bounds the flight.
        c.expect(tcp(ACK).payloadLength(1448));
        c.expect(tcp(ACK).payloadLength(1448));
        bench.expectNothing();
    }

    @Test
    void shouldProbeAZeroWindowWithBackoffAndResumeWhenItOpens()
    {
        final PeerConnection c = accepted();
        c.window = 0;
        c.send(tcp(ACK));
        final int start = c.stackNxt;
        assertEquals(1000, c.write(1000));
        bench.expectNothing();
        bench.advanceMillis(200);
        c.expect(tcp(ACK).seq(start).payloadLength(1));
        c.send(tcp(ACK).ack(start));
        bench.advanceMillis(399);
        bench.expectNothing();
        bench.advanceMillis(1);
        c.expect(tcp(ACK).seq(start).payloadLength(1));
        c.send(tcp(ACK).ack(start));
        assertEquals(2, bench.counters().zeroWindowProbes());
        c.window = 100;
        c.send(tcp(ACK).ack(start));
        c.expect(tcp(ACK | PSH).seq(start).payloadLength(1000));
    }

    @Test
    void shouldAdvertiseTheFreeSpaceOfTheReceiveBuffer()
    {
        final PeerConnection c = accepted();
        final int capacity = TcpConfig.defaults().receiveBufferSize();
        c.sendData(1000);
        Captured ack = c.expect(tcp(ACK));
        assertEquals((capacity - 1000) >> ws, ack.window, "free space, scaled");
        c.sendData(20_000);
        ack = c.expect(tcp(ACK));
        assertEquals((capacity - 21_000) >> ws, ack.window);
        assertEquals(21_000, c.readAll());
        // The window advertised is still more than half the buffer: no window update for this read (Linux's
        // tcp_cleanup_rbuf), the next ACK carries the larger window.
        bench.expectNothing();
        for (int i = 0; i < 10; i++)
        {
            c.sendData(14_000);
            c.expect(tcp(ACK).ack(c.peerNxt));
        }
        assertEquals(140_000, c.readAll());
        // Now at most half the buffer was advertised, and the read opens it to more than double: an update at once.
        ack = c.expect(tcp(ACK).ack(c.peerNxt));
        assertEquals(capacity >> ws, ack.window, "window update after the read");
    }

    @Test
    void shouldCloseTheWindowWhenTheBufferFillsAndReopenAfterReading()
    {
        final TcpSocket listener = bench.listen(80, 16);
        listener.receiveBufferSize(8192);
        final PeerConnection c = bench.acceptFrom(listener, 40000);
        assertEquals(8192, c.socket.receiveBufferSize());
        c.sendData(4096);
        c.expect(tcp(ACK).window(4096 >> ws));
        c.sendData(4096);
        c.expect(tcp(ACK).window(0));
        // A zero-window probe is acknowledged without being taken (RFC 9293 section 3.8.6.1).
        c.send(tcp(ACK).payloadLength(1));
        c.peerNxt--;
        c.expect(tcp(ACK).ack(c.peerNxt).window(0));
        final ByteBuffer buffer = ByteBuffer.allocate(100);
        assertEquals(100, c.socket.read(buffer));
        bench.expectNothing();
        assertEquals(8092, c.readAll());
        c.expect(tcp(ACK).ack(c.peerNxt).window(8192 >> ws));
    }

    @Test
    void shouldNotAdvanceTheWindowInSillySteps()
    {
        final TcpSocket listener = bench.listen(80, 16);
        listener.receiveBufferSize(16384);
        final PeerConnection c = bench.acceptFrom(listener, 40000);
        c.sendData(16384);
        c.expect(tcp(ACK).window(0));
        // Reading 1 KiB frees less than min(buffer / 2, MSS): the right edge stays put (RFC 9293 3.8.6.2.2).
        assertEquals(1024, c.socket.read(ByteBuffer.allocate(1024)));
        bench.expectNothing();
        c.send(tcp(ACK).payloadLength(0));
        bench.expectNothing();
        assertEquals(1024, c.socket.read(ByteBuffer.allocate(1024)));
        c.expect(tcp(ACK).window(2048 >> ws));
    }

    @Test
    void shouldNotSendSillySmallSegmentsIntoASmallWindow()
    {
        final PeerConnection c = accepted();
        c.socket.noDelay(true);
        // The peer's largest window so far is 8 MiB; now it offers 256 bytes: too small to use (RFC 9293 3.8.6.2.1).
        c.send(tcp(ACK).window(2));
        assertEquals(5000, c.write(5000));
        bench.expectNothing();
        // The override timeout (the persist timer) sends what fits.
        bench.advanceMillis(200);
        c.expect(tcp(ACK).payloadLength(256));
    }

    @Test
    void shouldRefuseWritesWhenTheSendBufferIsFullAndReportWritability()
    {
        final TcpSocket listener = bench.listen(80, 16);
        listener.sendBufferSize(8192);
        final PeerConnection c = bench.acceptFrom(listener, 40000);
        c.window = 0;
        c.send(tcp(ACK));
        assertEquals(Readiness.WRITE, c.socket.readyOps() & Readiness.WRITE);
        assertEquals(8192, c.write(10_000), "takes what fits");
        assertEquals(-Errno.EAGAIN, c.write(10));
        assertEquals(0, c.socket.readyOps() & Readiness.WRITE, "not writable when full");
        c.window = 65535;
        c.send(tcp(ACK));
        for (int i = 0; i < 5; i++)
        {
            c.expect(tcp(ACK).payloadLength(1448));
        }
        // Nagle holds the short tail until the flight is acknowledged.
        bench.expectNothing();
        c.send(tcp(ACK));
        c.expect(tcp(ACK | PSH).payloadLength(8192 - 5 * 1448));
        assertEquals(Readiness.WRITE, c.socket.readyOps() & Readiness.WRITE, "writable again");
        assertEquals(10, c.write(10));
    }

    @Test
    void shouldQueueOutOfOrderDataAndReportItWithSack()
    {
        final PeerConnection c = accepted();
        final int base = c.peerNxt;
        c.send(tcp(ACK).seq(base + 1000).payloadLength(500));
        c.expect(tcp(ACK).ack(base).sack(base + 1000, base + 1500));
        c.send(tcp(ACK).seq(base + 2000).payloadLength(500));
        // RFC 2018 section 4: the block holding the latest segment comes first.
        c.expect(tcp(ACK).ack(base).sack(base + 2000, base + 2500, base + 1000, base + 1500));
        c.send(tcp(ACK).seq(base + 1500).payloadLength(500));
        c.expect(tcp(ACK).ack(base).sack(base + 1000, base + 2500));
        assertEquals(0, c.socket.available(), "nothing in order yet");
        c.send(tcp(ACK).seq(base).payloadLength(1000));
        c.peerNxt = base + 2500;
        c.expect(tcp(ACK).ack(base + 2500).noSack());
        final ByteBuffer got = ByteBuffer.allocate(4000);
        assertEquals(2500, c.socket.read(got));
        final byte[] want = new byte[2500];
        for (int i = 0; i < 2500; i++)
        {
            // Each injected payload repeats 'a'..'z' from its own start.
            final int segStart = i < 1000 ? 0 : i < 1500 ? 1000 : i < 2000 ? 1500 : 2000;
            want[i] = (byte)('a' + (i - segStart) % 26);
        }
        assertArrayEquals(want, Arrays.copyOf(got.array(), 2500));
    }

    @Test
    void shouldReportDuplicatesWithDsack()
    {
        final PeerConnection c = accepted();
        final int base = c.peerNxt;
        c.sendData(1000);
        c.expectAck();
        c.send(tcp(ACK).seq(base).payloadLength(1000));
        c.expect(tcp(ACK).ack(base + 1000).sack(base, base + 1000));
        assertEquals(1, bench.counters().duplicateSegments());
    }

    @Test
    void shouldBoundTheOutOfOrderRanges()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().outOfOrderRanges(4).build());
        final PeerConnection c = b.acceptFrom(b.listen(80, 4), 40000);
        final int base = c.peerNxt;
        for (int i = 1; i <= 5; i++)
        {
            c.send(tcp(ACK).seq(base + 200 * i).payloadLength(100));
            c.expect(tcp(ACK).ack(base));
        }
        assertEquals(1, b.counters().outOfOrderDropped(), "the fifth range had no room");
        // Data that extends a known range still fits.
        c.send(tcp(ACK).seq(base + 300).payloadLength(50));
        c.expect(tcp(ACK).ack(base));
        assertEquals(1, b.counters().outOfOrderDropped());
    }

    @Test
    void shouldClampTheMssToTheInterfaceMtu()
    {
        final TcpTestbench b = new TcpTestbench();
        b.ip.mtu = 1400;
        b.listen(80, 4);
        b.inject(tcp(SYN).ports(40000, 80).seq(1).mss(1460));
        b.expect(tcp(SYN | ACK).mss(1360));
        final TcpSocket s = b.layer.open();
        s.connect(TcpTestbench.PEER, 80);
        final Captured syn = b.expect(tcp(SYN).mss(1360));
        b.inject(tcp(SYN | ACK).ports(80, syn.sourcePort).seq(1).ack(syn.seq + 1).mss(9000));
        b.expect(tcp(ACK));
        assertEquals(1360, s.info().sendMss, "the peer's 9000 is clamped to our MTU");
    }

    @Test
    void shouldDeliverDataThenEndOfStream()
    {
        final PeerConnection c = accepted();
        c.send(tcp(ACK | PSH | FIN).payload("hello"));
        // The ACK of a FIN that leaves the connection in CLOSE_WAIT waits for a close or the delayed-ACK timeout.
        bench.expectNothing();
        bench.advanceMillis(40);
        c.expect(tcp(ACK).ack(c.peerNxt));
        assertEquals(Readiness.READ, c.socket.readyOps() & Readiness.READ);
        final ByteBuffer got = ByteBuffer.allocate(64);
        assertEquals(5, c.socket.read(got));
        assertEquals("hello", new String(got.array(), 0, 5));
        assertEquals(Errno.END_OF_STREAM, c.socket.read(got));
        assertEquals(TcpState.CLOSE_WAIT, c.socket.state());
        assertEquals(3, c.write(3), "half-closed: we may still send");
        c.expect(tcp(ACK | PSH).payloadLength(3));
    }

    @Test
    void shouldKeepWritingIntoAGrowingSendBuffer()
    {
        final PeerConnection c = accepted();
        c.socket.sendBufferSize(1 << 20);
        assertEquals(1 << 20, c.write(1 << 20));
        assertEquals(1 << 20, c.socket.unacknowledged());
    }

    @Test
    void shouldDiscardInputAfterShutdownInput()
    {
        final PeerConnection c = accepted();
        c.sendData(100);
        c.expectAck();
        assertEquals(0, c.socket.shutdownInput());
        assertEquals(Errno.END_OF_STREAM, c.socket.read(ByteBuffer.allocate(10)));
        c.sendData(100);
        c.expectAck();
        assertEquals(0, c.socket.available());
        assertTrue(c.socket.isInputShutdown());
    }
}
