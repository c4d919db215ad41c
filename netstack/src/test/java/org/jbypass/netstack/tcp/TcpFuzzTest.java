package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jbypass.netstack.util.Errno;

/**
 * Coverage-guided fuzzing of TCP's state machine (DEVELOPERS.md, "Fuzzing"): one TCP layer on the scripted wire of
 * {@link TcpTestbench}, a listener or an active open to start, then a sequence the fuzzer chooses of peer segments
 * (flags, sequence and acknowledgment numbers near the connection's or anywhere, windows, options well-formed or
 * arbitrary, payloads), application calls (write, read, shutdown, close, abort, accept, buffer sizes), ICMP errors
 * and the passing of time. The fuzzer reaches every state this way, and keeps what reaches new code.
 *
 * <p>After every step: {@link TcpInvariants} hold for every connection; no packet buffer is held (the fake IP layer
 * copies and frees every segment); the application reads, in order, exactly the bytes the peer sent at those
 * sequence numbers (the peer is consistent: the byte at sequence number q is always {@link #peerByte(int) the
 * same}); and every byte the stack sends is the byte the application wrote at that offset, never beyond what it
 * wrote.
 */
class TcpFuzzTest
{
    private static final int LISTEN_PORT = 80;
    private static final int[] PEER_PORTS = {5000, 5001, 5002};
    private static final int[] FLAGS = {Tcp.SYN, Tcp.SYN | Tcp.ACK, Tcp.ACK, Tcp.ACK | Tcp.PSH, Tcp.FIN | Tcp.ACK,
        Tcp.RST, Tcp.RST | Tcp.ACK, Tcp.FIN, Tcp.SYN | Tcp.FIN, Tcp.URG | Tcp.ACK};

    private TcpTestbench bench;
    private TcpSocket listener;
    private final List<TcpSocket> sockets = new ArrayList<>();
    private final Map<TcpSocket, Integer> written = new IdentityHashMap<>();
    private final Map<TcpSocket, Integer> read = new IdentityHashMap<>();
    private final Map<Integer, Peer> peers = new HashMap<>();
    private int peerClock = 1000;

    /** What the peer knows of one connection, by its port. */
    private static final class Peer
    {
        final int port;
        int stackPort;
        int iss;
        int nxt;
        boolean synSent;
        int stackIss;
        int stackNxt;
        boolean stackSynSeen;
        int lastStackTs;

        Peer(final int port)
        {
            this.port = port;
        }
    }

    @FuzzTest(maxDuration = "5m")
    void segments(final FuzzedDataProvider data)
    {
        // Jazzer runs every input on the same instance: start each from nothing, so that an input alone reproduces.
        listener = null;
        sockets.clear();
        written.clear();
        read.clear();
        peers.clear();
        peerClock = 1000;
        final TcpConfig config = TcpConfig.defaults().toBuilder()
            .sendBufferSize(TcpConfig.MIN_BUFFER_SIZE * data.consumeInt(1, 4))
            .receiveBufferSize(TcpConfig.MIN_BUFFER_SIZE * data.consumeInt(1, 4))
            .outOfOrderRanges(4)
            .synBacklog(data.consumeInt(1, 4))
            .timestamps(data.consumeBoolean())
            .sack(data.consumeBoolean())
            .windowScaling(data.consumeBoolean())
            .synCookies(data.consumeBoolean())
            .timeWaitLimit(data.consumeInt(0, 3))
            .msl(Duration.ofSeconds(data.consumeInt(0, 2)))
            .build();
        bench = new TcpTestbench(config, 256);
        bench.ip.sink = this::sent;
        for (final int port : PEER_PORTS)
        {
            peers.put(port, new Peer(port));
        }
        if (data.consumeBoolean())
        {
            listener = bench.layer.open();
            assertEquals(0, listener.bind(0, LISTEN_PORT), "bind");
            assertEquals(0, listener.listen(data.consumeInt(1, 4)), "listen");
            for (final Peer p : peers.values())
            {
                p.stackPort = LISTEN_PORT;
            }
        }
        else
        {
            connect(PEER_PORTS[0]);
        }
        check();

        for (int step = 0; step < 64 && data.remainingBytes() > 0; step++)
        {
            switch (data.consumeInt(0, 9))
            {
                case 0, 1, 2, 3 -> segment(data);
                case 4 -> write(data);
                case 5 -> read(data);
                case 6 -> bench.advanceNanos(data.consumeBoolean() ? data.consumeLong(1, 2_000_000_000L)
                    : data.consumeLong(1, 600_000_000_000L));
                case 7 -> application(data);
                case 8 -> icmp(data);
                default -> segmentInWindow(data);
            }
            check();
        }
        // Whatever happened, the connections drain: close everything and let time pass.
        for (final TcpSocket s : sockets)
        {
            s.close();
        }
        if (listener != null)
        {
            listener.close();
        }
        for (int i = 0; i < 60; i++)
        {
            bench.advanceNanos(60_000_000_000L);
            check();
        }
        assertEquals(0, bench.layer.connectionCount(), "connections left an hour after everything closed");
        assertEquals(0, bench.layer.timeWaitCount(), "TIME_WAIT left");
    }

    // ----------------------------------------------------------------------------------------------------------
    // The peer.

    /** A segment with fields the fuzzer picks, near the tracked connection's numbers or anywhere. */
    private void segment(final FuzzedDataProvider data)
    {
        final Peer p = peer(data);
        final int flags = data.consumeBoolean() ? FLAGS[data.consumeInt(0, FLAGS.length - 1)] : data.consumeInt(0, 255);
        final int seq = switch (data.consumeInt(0, 3))
        {
            case 0 -> p.nxt + data.consumeInt(-70_000, 70_000);
            case 1 -> p.iss + data.consumeInt(-2, 2);
            case 2 -> data.consumeInt();
            default -> p.nxt;
        };
        final int ack = switch (data.consumeInt(0, 3))
        {
            case 0 -> p.stackNxt + data.consumeInt(-70_000, 70_000);
            case 1 -> p.stackIss + data.consumeInt(-2, 2);
            case 2 -> data.consumeInt();
            default -> p.stackNxt;
        };
        send(data, p, flags, seq, ack);
    }

    /** A well-formed next segment of the tracked connection: what a correct peer would send, with a choice of flags. */
    private void segmentInWindow(final FuzzedDataProvider data)
    {
        final Peer p = peer(data);
        final int flags = FLAGS[data.consumeInt(0, FLAGS.length - 1)];
        final int seq = (flags & Tcp.SYN) != 0 && !p.synSent ? 1_000_000 * p.port : p.nxt;
        send(data, p, flags, seq, p.stackNxt);
    }

    private Peer peer(final FuzzedDataProvider data)
    {
        return peers.get(PEER_PORTS[data.consumeInt(0, PEER_PORTS.length - 1)]);
    }

    private void send(final FuzzedDataProvider data, final Peer p, final int flags, final int seq, final int ack)
    {
        final Tcp t = Tcp.tcp(flags).seq(seq).ack(ack);
        final boolean otherPort = data.consumeInt(0, 15) == 0;
        t.ports(p.port, otherPort ? data.consumeInt(0, 65535) : p.stackPort);
        t.window(data.consumeBoolean() ? 65535 : data.consumeInt(0, 65535));
        final int payload = data.consumeBoolean() ? 0 : data.consumeInt(0, 3000);
        final int first = seq + ((flags & Tcp.SYN) != 0 ? 1 : 0);
        final byte[] bytes = new byte[payload];
        for (int i = 0; i < payload; i++)
        {
            bytes[i] = peerByte(first + i);
        }
        t.payload(bytes);
        peerClock += data.consumeInt(0, 3);
        switch (data.consumeInt(0, 3))
        {
            case 0 ->
            {
                // The options a peer sends on a SYN and on every segment once timestamps are agreed.
                if ((flags & Tcp.SYN) != 0)
                {
                    t.mss(data.consumeBoolean() ? 1460 : data.consumeInt(0, 65535));
                    if (data.consumeBoolean())
                    {
                        t.ws(data.consumeInt(0, 15));
                    }
                    if (data.consumeBoolean())
                    {
                        t.sackPermitted();
                    }
                }
                if (data.consumeBoolean())
                {
                    t.ts(peerClock + data.consumeInt(-2, 2), p.lastStackTs);
                }
            }
            case 1 ->
            {
                // SACK blocks around what the stack sent.
                final int n = data.consumeInt(1, 4);
                final int[] edges = new int[2 * n];
                for (int i = 0; i < 2 * n; i++)
                {
                    edges[i] = p.stackNxt + data.consumeInt(-70_000, 70_000);
                }
                t.sack(edges);
                t.ts(peerClock, p.lastStackTs);
            }
            case 2 ->
            {
                final byte[] raw = data.consumeBytes(40);
                t.rawOptions = raw;
            }
            default ->
            {
            }
        }
        if (data.consumeInt(0, 31) == 0)
        {
            t.corruptChecksum();
        }
        bench.inject(t, TcpTestbench.PEER, TcpTestbench.STACK);
        // The peer's view: a SYN starts its sequence space; data and FIN in order extend it.
        if ((flags & Tcp.SYN) != 0 && (flags & Tcp.RST) == 0)
        {
            p.synSent = true;
            p.iss = seq;
            p.nxt = seq + 1 + payload + ((flags & Tcp.FIN) != 0 ? 1 : 0);
        }
        else if (Seq.le(seq, p.nxt) && Seq.gt(seq + payload, p.nxt))
        {
            p.nxt = seq + payload + ((flags & Tcp.FIN) != 0 ? 1 : 0);
        }
    }

    /** The byte a consistent peer sends at sequence number {@code seq}, whatever segment carries it. */
    static byte peerByte(final int seq)
    {
        final int x = seq * 0x9E3779B1;
        return (byte)(x ^ (x >>> 15) ^ (x >>> 24));
    }

    /** The byte the application writes at offset {@code offset} of its stream. */
    static byte appByte(final int offset)
    {
        final int x = (offset + 0x5bd1e995) * 0x85EBCA6B;
        return (byte)(x ^ (x >>> 13) ^ (x >>> 22));
    }

    /** A segment the stack sent: its payload must be what the application wrote there. */
    private void sent(final Captured c)
    {
        assertEquals(TcpTestbench.STACK, c.source, "source address");
        final Peer p = peers.get(c.destinationPort);
        if (p != null)
        {
            if (c.has(Tcp.SYN))
            {
                p.stackIss = c.seq;
                p.stackSynSeen = true;
                p.stackPort = c.sourcePort;
            }
            if (!c.has(Tcp.RST) && (!p.stackSynSeen || Seq.gt(c.seq + c.length(), p.stackNxt)))
            {
                p.stackNxt = c.seq + c.length();
            }
            if (c.tsVal != null)
            {
                p.lastStackTs = c.tsVal;
            }
        }
        if (c.payload.length == 0)
        {
            return;
        }
        final TcpSocket s = bench.layer.connections.find(c.source, c.sourcePort, c.destination, c.destinationPort);
        if (s == null)
        {
            fail("data sent by no connection: " + c);
        }
        final int offset = c.seq + (c.has(Tcp.SYN) ? 1 : 0) - s.snd.iss - 1;
        final int wrote = written.getOrDefault(s, 0);
        if (offset < 0 || offset + c.payload.length > wrote)
        {
            fail("sent bytes " + offset + ".." + (offset + c.payload.length) + " of a stream of " + wrote + ": " + c
                + " from " + s);
        }
        for (int i = 0; i < c.payload.length; i++)
        {
            if (c.payload[i] != appByte(offset + i))
            {
                fail("sent a byte at offset " + (offset + i) + " that the application did not write: " + c);
            }
        }
    }

    private void icmp(final FuzzedDataProvider data)
    {
        final Peer p = peer(data);
        final ByteBuffer quoted = ByteBuffer.allocate(28);
        quoted.putShort(0, (short)p.stackPort);
        quoted.putShort(2, (short)p.port);
        quoted.putInt(4, data.consumeBoolean() ? p.stackNxt - data.consumeInt(0, 5000) : data.consumeInt());
        final int type = data.consumeBoolean() ? 3 : data.consumeInt(0, 255);
        bench.layer.icmpError(type, data.consumeInt(0, 15), data.consumeInt(), TcpTestbench.STACK,
            TcpTestbench.PEER, quoted, 0, data.consumeInt(0, 28));
        bench.events.dispatch();
    }

    // ----------------------------------------------------------------------------------------------------------
    // The application.

    private void connect(final int peerPort)
    {
        final TcpSocket s = bench.layer.open();
        final int r = s.connect(TcpTestbench.PEER, peerPort);
        assertEquals(-Errno.EINPROGRESS, r, "connect");
        track(s);
    }

    private void track(final TcpSocket s)
    {
        sockets.add(s);
        written.put(s, 0);
        read.put(s, 0);
    }

    private TcpSocket socket(final FuzzedDataProvider data)
    {
        return sockets.isEmpty() ? null : sockets.get(data.consumeInt(0, sockets.size() - 1));
    }

    private void write(final FuzzedDataProvider data)
    {
        final TcpSocket s = socket(data);
        if (s == null)
        {
            return;
        }
        final int n = data.consumeInt(0, 20_000);
        final int offset = written.get(s);
        final byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++)
        {
            bytes[i] = appByte(offset + i);
        }
        final ByteBuffer src = ByteBuffer.wrap(bytes);
        // The stack sends during the call: until it returns, any of the offered bytes may go out.
        written.put(s, offset + n);
        final int r = s.write(src);
        assertTrue(r >= 0 && r <= n || isErrno(r), "write returned " + r);
        assertEquals(Math.max(r, 0), src.position(), "write consumed what it returned");
        written.put(s, offset + Math.max(r, 0));
        bench.events.dispatch();
    }

    private void read(final FuzzedDataProvider data)
    {
        final TcpSocket s = socket(data);
        if (s == null)
        {
            return;
        }
        final ByteBuffer dst = ByteBuffer.allocate(data.consumeInt(0, 20_000));
        final int r = s.read(dst);
        assertTrue(r >= 0 && r <= dst.capacity() || r == Errno.END_OF_STREAM || isErrno(r), "read returned " + r);
        if (r > 0)
        {
            final int offset = read.get(s);
            for (int i = 0; i < r; i++)
            {
                final int seq = s.rcv.irs + 1 + offset + i;
                if (dst.get(i) != peerByte(seq))
                {
                    fail("the application read at offset " + (offset + i) + " (sequence " + Integer.toUnsignedString(
                        seq) + ") a byte the peer did not send there, in " + s);
                }
            }
            read.put(s, offset + r);
        }
        bench.events.dispatch();
    }

    private void application(final FuzzedDataProvider data)
    {
        final int what = data.consumeInt(0, 9);
        if (what == 0 && listener != null)
        {
            final TcpSocket child = listener.accept();
            if (child != null)
            {
                track(child);
            }
            return;
        }
        if (what == 1)
        {
            if (listener != null && data.consumeBoolean())
            {
                listener.close();
                listener = null;
            }
            else if (sockets.size() < 4)
            {
                connect(PEER_PORTS[data.consumeInt(0, PEER_PORTS.length - 1)]);
            }
            return;
        }
        final TcpSocket s = socket(data);
        if (s == null)
        {
            return;
        }
        switch (what)
        {
            case 2 -> s.shutdownOutput();
            case 3 -> s.shutdownInput();
            case 4 -> s.close();
            case 5 -> s.abort();
            case 6 -> s.receiveBufferSize(data.consumeInt(-1, 70_000));
            case 7 -> s.sendBufferSize(data.consumeInt(-1, 70_000));
            case 8 ->
            {
                s.keepAlive(data.consumeBoolean());
                s.keepAliveIdle(data.consumeInt(0, 10));
                s.keepAliveInterval(data.consumeInt(0, 10));
            }
            default -> s.noDelay(data.consumeBoolean());
        }
        bench.events.dispatch();
    }

    private static boolean isErrno(final int r)
    {
        return r < 0 && r > -200 && r != -Errno.EINPROGRESS;
    }

    private void check()
    {
        final List<TcpSocket> more = new ArrayList<>(sockets);
        if (listener != null)
        {
            more.add(listener);
        }
        TcpInvariants.check(bench.layer, more);
        assertEquals(0, bench.ip.pool.inUse(), "packet buffers held by TCP after a step");
    }
}
