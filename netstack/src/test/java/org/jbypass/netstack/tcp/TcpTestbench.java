package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.transport.EventQueue;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Header;

/**
 * One TCP layer on a scripted wire, in the style of packetimpact and packetdrill: the test plays the peer, injects
 * crafted segments and asserts the stack's exact replies. Time moves only when the test says so.
 */
final class TcpTestbench
{
    static final int STACK = 0xC6120001;
    static final int PEER = 0xC6120002;
    static final int OTHER_PEER = 0xC6120003;
    static final int UNROUTABLE = 0x0A000001;

    final StackTime time = new StackTime();
    final TimerQueue timers = new TimerQueue();
    final EventQueue events = new EventQueue();
    final FakeIp ip;
    final TcpLayer layer;
    long now = 1_000_000_000_000L;

    TcpTestbench()
    {
        this(TcpConfig.defaults());
    }

    TcpTestbench(final TcpConfig config)
    {
        this(config, 1024);
    }

    TcpTestbench(final TcpConfig config, final int poolBuffers)
    {
        time.reset(now);
        ip = new FakeIp(STACK, poolBuffers);
        layer = new TcpLayer(ip, timers, time, events, config, 42);
    }

    TcpCounters counters()
    {
        return layer.counters();
    }

    /** Moves time forward and fires the timers that fall due, as Stack.poll does. */
    void advanceMillis(final long millis)
    {
        advanceNanos(millis * 1_000_000L);
    }

    void advanceNanos(final long nanos)
    {
        now += nanos;
        time.advance(now);
        timers.expire(now);
        events.dispatch();
    }

    /** Fires timers due now (e.g. an output continuation scheduled one nanosecond ahead). */
    void tick()
    {
        advanceNanos(1);
    }

    void inject(final Tcp t)
    {
        inject(t, PEER, STACK);
    }

    void inject(final Tcp t, final int source, final int destination)
    {
        inject(t, source, destination, 0);
    }

    /** Delivers a segment with the link's receive flags (a super-segment's GSO type and size, checksum state). */
    void inject(final Tcp t, final int source, final int destination, final int rxFlags)
    {
        final byte[] bytes = build(t, source, destination);
        // Deliver at an offset inside a larger buffer, as IPv4 would (the TCP header does not start at 0).
        final ByteBuffer memory = ByteBuffer.allocate(bytes.length + 64);
        memory.put(34, bytes);
        layer.receive(memory, 34, bytes.length, source, destination, 0, 64, rxFlags);
        events.dispatch();
    }

    static byte[] build(final Tcp t, final int source, final int destination)
    {
        final byte[] options = t.rawOptions != null ? t.rawOptions : options(t);
        final int optionsPadded = (options.length + 3) & ~3;
        final int headerLength = 20 + optionsPadded;
        final int payloadLength = t.payloadLength == null ? 0 : t.payloadLength;
        final byte[] bytes = new byte[headerLength + payloadLength];
        final ByteBuffer b = ByteBuffer.wrap(bytes);
        b.putShort(0, (short)(int)t.sourcePort);
        b.putShort(2, (short)(int)t.destinationPort);
        b.putInt(4, t.seq == null ? 0 : t.seq);
        b.putInt(8, t.ack == null ? 0 : t.ack);
        final int words = t.dataOffsetWords != null ? t.dataOffsetWords : headerLength / 4;
        b.put(12, (byte)(words << 4));
        b.put(13, (byte)(int)t.flags);
        b.putShort(14, (short)(t.window == null ? 65535 : (int)t.window));
        System.arraycopy(options, 0, bytes, 20, options.length);
        for (int i = 20 + options.length; i < headerLength; i++)
        {
            bytes[i] = 0;
        }
        if (t.payload != null)
        {
            System.arraycopy(t.payload, 0, bytes, headerLength, t.payload.length);
        }
        else
        {
            for (int i = 0; i < payloadLength; i++)
            {
                bytes[headerLength + i] = (byte)('a' + i % 26);
            }
        }
        int checksum = Checksum.fold(Checksum.sum(b, 0, bytes.length,
            Checksum.pseudoHeader(source, destination, Ipv4Header.PROTOCOL_TCP, bytes.length)));
        if (t.corruptChecksum)
        {
            checksum ^= 0x5A5A;
        }
        b.putShort(16, (short)checksum);
        return bytes;
    }

    private static byte[] options(final Tcp t)
    {
        final ByteBuffer o = ByteBuffer.allocate(60);
        if (t.mss != null)
        {
            o.put((byte)2).put((byte)4).putShort((short)(int)t.mss);
        }
        if (Boolean.TRUE.equals(t.sackPermitted))
        {
            o.put((byte)1).put((byte)1).put((byte)4).put((byte)2);
        }
        if (t.tsVal != null && !t.noTimestamp)
        {
            o.put((byte)1).put((byte)1).put((byte)8).put((byte)10).putInt(t.tsVal).putInt(t.tsEcr == null ? 0 : t.tsEcr);
        }
        if (t.windowScale != null)
        {
            o.put((byte)1).put((byte)3).put((byte)3).put((byte)(int)t.windowScale);
        }
        if (t.sack != null && t.sack.length > 0)
        {
            o.put((byte)1).put((byte)1).put((byte)5).put((byte)(2 + 8 * t.sack.length));
            for (final int[] block : t.sack)
            {
                o.putInt(block[0]).putInt(block[1]);
            }
        }
        final byte[] out = new byte[o.position()];
        o.flip().get(out);
        return out;
    }

    /** The next segment the stack sent, or a failure naming what was wanted. */
    Captured expect(final Tcp want)
    {
        return expect(want, "");
    }

    Captured expect(final Tcp want, final String why)
    {
        final String context = why.isEmpty() ? "" : " (" + why + ")";
        final Captured got = ip.sent.poll();
        if (got == null)
        {
            fail("expected " + want + context + ", got no segment");
        }
        final List<String> problems = want.mismatches(got);
        if (!problems.isEmpty())
        {
            fail("segment " + got + " does not match " + want + context + ":\n  " + String.join("\n  ", problems));
        }
        return got;
    }

    void expectNothing()
    {
        final Captured got = ip.sent.poll();
        if (got != null)
        {
            fail("expected no segment, got " + got);
        }
    }

    Captured next()
    {
        return ip.sent.poll();
    }

    List<Captured> drain()
    {
        final List<Captured> all = new ArrayList<>(ip.sent);
        ip.sent.clear();
        return all;
    }

    // --------------------------------------------------------------------------------------------------------------
    // Connections.

    TcpSocket listen(final int port, final int backlog)
    {
        final TcpSocket s = layer.open();
        assertEquals(0, s.bind(0, port), "bind");
        assertEquals(0, s.listen(backlog), "listen");
        return s;
    }

    /** The peer opens a connection to a listener with MSS 1460, WS 7, SACK and timestamps, and the stack accepts. */
    PeerConnection acceptFrom(final TcpSocket listener, final int peerPort)
    {
        return acceptFrom(listener, peerPort, 0);
    }

    /** As {@link #acceptFrom(TcpSocket, int)}, the handshake taking {@code rttMillis}: the stack's first RTT. */
    PeerConnection acceptFrom(final TcpSocket listener, final int peerPort, final long rttMillis)
    {
        final PeerConnection c = new PeerConnection(this, PEER, peerPort, listener.localPort(), 1_000_000);
        c.openPassive(rttMillis);
        final TcpSocket accepted = listener.accept();
        assertNotNull(accepted, "accept after the handshake");
        c.socket = accepted;
        return c;
    }

    /** The stack connects to the peer, which answers with MSS 1460, WS 7, SACK and timestamps. */
    PeerConnection connectTo(final int peerPort)
    {
        final TcpSocket s = layer.open();
        assertEquals(-Errno.EINPROGRESS, s.connect(PEER, peerPort), "connect");
        final PeerConnection c = new PeerConnection(this, PEER, peerPort, 0, 5_000_000);
        c.socket = s;
        c.openActive();
        assertEquals(0, s.finishConnect(), "finishConnect");
        return c;
    }
}
