package org.jbypass.netstack.tcp;

import static org.jbypass.netstack.tcp.Tcp.ACK;
import static org.jbypass.netstack.tcp.Tcp.RST;
import static org.jbypass.netstack.tcp.Tcp.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.jbypass.netstack.util.Errno;
import org.junit.jupiter.api.Test;

/** Keepalive (RFC 1122 section 4.2.3.6): idle time, interval and count, per socket and from the configuration. */
class TcpKeepaliveTest
{
    @Test
    void shouldProbeAfterTheIdleTimeAndGiveUpAfterTheCount()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = b.acceptFrom(b.listen(80, 4), 40000);
        c.socket.keepAlive(true);
        assertEquals(0, c.socket.keepAliveIdle(10));
        assertEquals(0, c.socket.keepAliveInterval(2));
        assertEquals(0, c.socket.keepAliveCount(3));
        b.advanceMillis(9_999);
        b.expectNothing();
        b.advanceMillis(1);
        // SEG.SEQ = SND.NXT - 1, no data: the peer must answer with an ACK.
        c.expect(tcp(ACK).seq(c.stackNxt - 1).ack(c.peerNxt).payloadLength(0));
        b.advanceMillis(2_000);
        c.expect(tcp(ACK).seq(c.stackNxt - 1));
        b.advanceMillis(2_000);
        c.expect(tcp(ACK).seq(c.stackNxt - 1));
        b.advanceMillis(2_000);
        c.expect(tcp(RST | ACK));
        assertEquals(-Errno.ETIMEDOUT, c.readAll());
        assertEquals(3, b.counters().keepaliveProbes());
    }

    @Test
    void shouldKeepAConnectionWhoseProbesAreAnswered()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = b.acceptFrom(b.listen(80, 4), 40000);
        c.socket.keepAlive(true);
        c.socket.keepAliveIdle(10);
        c.socket.keepAliveInterval(2);
        c.socket.keepAliveCount(2);
        for (int round = 0; round < 5; round++)
        {
            b.advanceMillis(10_000);
            c.expect(tcp(ACK).seq(c.stackNxt - 1));
            c.send(tcp(ACK));
        }
        assertEquals(TcpState.ESTABLISHED, c.socket.state());
    }

    @Test
    void shouldNotProbeWhileTrafficFlows()
    {
        final TcpTestbench b = new TcpTestbench();
        final PeerConnection c = b.acceptFrom(b.listen(80, 4), 40000);
        c.socket.keepAlive(true);
        c.socket.keepAliveIdle(10);
        for (int i = 0; i < 5; i++)
        {
            b.advanceMillis(5_000);
            c.send(tcp(ACK));
        }
        b.expectNothing();
        b.advanceMillis(10_000);
        c.expect(tcp(ACK).seq(c.stackNxt - 1));
    }

    @Test
    void shouldUseTheConfiguredDefaults()
    {
        final TcpTestbench b = new TcpTestbench(TcpConfig.builder().keepaliveIdle(Duration.ofSeconds(30))
            .keepaliveInterval(Duration.ofSeconds(5)).keepaliveCount(1).build());
        final TcpSocket listener = b.listen(80, 4);
        listener.keepAlive(true);
        final PeerConnection c = b.acceptFrom(listener, 40000);
        assertEquals(30, c.socket.keepAliveIdle(), "inherited from the listener and the configuration");
        b.advanceMillis(30_000);
        c.expect(tcp(ACK).seq(c.stackNxt - 1));
        b.advanceMillis(5_000);
        c.expect(tcp(RST | ACK));
    }

    @Test
    void shouldRejectOutOfRangeSettings()
    {
        final TcpTestbench b = new TcpTestbench();
        final TcpSocket s = b.layer.open();
        assertEquals(-Errno.EINVAL, s.keepAliveIdle(0));
        assertEquals(-Errno.EINVAL, s.keepAliveInterval(40_000));
        assertEquals(-Errno.EINVAL, s.keepAliveCount(0));
    }
}
