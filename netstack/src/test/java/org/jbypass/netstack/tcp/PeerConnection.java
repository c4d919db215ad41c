package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;

/**
 * The scripted peer's side of one connection: it remembers both sequence spaces and the timestamps, so a test says
 * only what matters ("send 100 bytes", "expect an ACK of them") and unset fields are filled in.
 */
final class PeerConnection
{
    final TcpTestbench bench;
    final int peerAddress;
    final int peerPort;
    int stackPort;
    TcpSocket socket;
    /** The peer's next sequence number. */
    int peerNxt;
    int peerIss;
    /** The stack's next sequence number, as far as the peer has seen. */
    int stackNxt;
    int stackIss;
    boolean timestamps = true;
    int peerTs = 5000;
    int lastStackTs;
    /** The raw window field the peer sends. */
    int window = 65535;
    int peerWindowScale = 7;

    PeerConnection(final TcpTestbench bench, final int peerAddress, final int peerPort, final int stackPort,
        final int peerIss)
    {
        this.bench = bench;
        this.peerAddress = peerAddress;
        this.peerPort = peerPort;
        this.stackPort = stackPort;
        this.peerIss = peerIss;
        this.peerNxt = peerIss;
    }

    /** SYN, SYN-ACK, ACK with the peer opening. */
    void openPassive()
    {
        openPassive(0);
    }

    /** SYN, SYN-ACK, ACK with the peer opening, the ACK {@code rttMillis} after the SYN-ACK (the first RTT). */
    void openPassive(final long rttMillis)
    {
        send(Tcp.tcp(Tcp.SYN).mss(1460).ws(peerWindowScale).sackPermitted());
        final Tcp want = Tcp.tcp(Tcp.SYN | Tcp.ACK).ack(peerIss + 1).mss(1460);
        want.sackPermitted = bench.layer.config().sack();
        final Captured synAck = expect(want);
        stackIss = synAck.seq;
        if (rttMillis > 0)
        {
            bench.advanceMillis(rttMillis);
        }
        send(Tcp.tcp(Tcp.ACK));
    }

    /** The stack's SYN, the peer's SYN-ACK, the stack's ACK. */
    void openActive()
    {
        final Tcp want = Tcp.tcp(Tcp.SYN).ack(0).mss(1460);
        want.sackPermitted = bench.layer.config().sack();
        final Captured syn = expect(want);
        stackPort = syn.sourcePort;
        stackIss = syn.seq;
        send(Tcp.tcp(Tcp.SYN | Tcp.ACK).mss(1460).ws(peerWindowScale).sackPermitted());
        expect(Tcp.tcp(Tcp.ACK).seq(stackIss + 1).ack(peerIss + 1).payloadLength(0));
    }

    /** Injects a segment, filling ports, SEQ, ACK, window and timestamps the template leaves unset. */
    void send(final Tcp t)
    {
        send(t, 0);
    }

    /** As {@link #send(Tcp)}, with the link's receive flags (a super-segment's GSO type and size). */
    void send(final Tcp t, final int rxFlags)
    {
        if (t.sourcePort == null)
        {
            t.sourcePort = peerPort;
            t.destinationPort = stackPort;
        }
        final boolean autoSeq = t.seq == null;
        if (autoSeq)
        {
            t.seq = peerNxt;
        }
        if (t.ack == null && (t.flags & Tcp.ACK) != 0)
        {
            t.ack = stackNxt;
        }
        if (t.window == null)
        {
            t.window = window;
        }
        if (timestamps && t.tsVal == null && !t.noTimestamp && t.rawOptions == null)
        {
            t.tsVal = peerTs;
            t.tsEcr = (t.flags & Tcp.ACK) != 0 ? lastStackTs : 0;
        }
        bench.inject(t, peerAddress, TcpTestbench.STACK, rxFlags);
        if (autoSeq)
        {
            final int len = (t.payloadLength == null ? 0 : t.payloadLength) + ((t.flags & Tcp.SYN) != 0 ? 1 : 0)
                + ((t.flags & Tcp.FIN) != 0 ? 1 : 0);
            peerNxt += len;
        }
    }

    /** Expects the next segment, checks it is for this connection, and tracks the stack's sequence space. */
    Captured expect(final Tcp want)
    {
        return expect(want, "");
    }

    Captured expect(final Tcp want, final String why)
    {
        if (want.sourcePort == null && stackPort != 0)
        {
            want.sourcePort = stackPort;
        }
        if (want.destinationPort == null)
        {
            want.destinationPort = peerPort;
        }
        final Captured got = bench.expect(want, why);
        final int end = got.seq + got.length();
        if (got.has(Tcp.SYN))
        {
            stackNxt = end;
        }
        else if (!got.has(Tcp.RST) && Seq.gt(end, stackNxt))
        {
            stackNxt = end;
        }
        if (got.tsVal != null)
        {
            lastStackTs = got.tsVal;
        }
        return got;
    }

    /** Sends {@code n} bytes of data (a recognisable pattern) from the peer. */
    void sendData(final int n)
    {
        send(Tcp.tcp(Tcp.ACK | Tcp.PSH).payloadLength(n));
    }

    /** Has the application write {@code n} bytes; returns what write() returned. */
    int write(final int n)
    {
        final byte[] data = new byte[n];
        for (int i = 0; i < n; i++)
        {
            data[i] = (byte)i;
        }
        return socket.write(ByteBuffer.wrap(data));
    }

    /** Reads everything available; returns the count (or a negative read() result). */
    int readAll()
    {
        final ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        final int r = socket.read(buffer);
        return r;
    }

    void expectAck()
    {
        expect(Tcp.tcp(Tcp.ACK).seq(stackNxt).ack(peerNxt).payloadLength(0));
    }

    /** Reads and asserts exactly {@code n} bytes arrived. */
    void expectRead(final int n)
    {
        assertEquals(n, readAll(), "bytes read");
    }
}
