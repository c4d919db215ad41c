package org.jbypass.netstack.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.tcp.TcpState;
import org.jbypass.netstack.testing.ChannelLink;
import org.jbypass.netstack.testing.PatternStream;
import org.jbypass.netstack.udp.UdpSocket;

/**
 * What the whole-stack fuzz targets share, whatever the IP version ({@link StackFuzzTest}, {@link Stack6FuzzTest}):
 * the stack under test, A, with a listener, UDP sockets, a connection to a peer the fuzzer plays (the "exposed"
 * one) and one with data in flight to a second, real stack B (the "protected" one); one input's run of steps
 * (time, the application, frames the target builds); frames carried between A and B until both fall quiet; the
 * protected connection checked intact at the end; and, once everything is closed and time has passed, every packet
 * buffer back in the pool. A target builds the stacks and the frames, says which frames go to B and learns from
 * the ones to its peer, and checks its own bounds.
 */
abstract class TwoStackFuzzBed
{
    long now;
    Stack a;
    Stack b;
    ChannelLink aLink;
    ChannelLink bLink;
    TcpSocket listener;
    TcpSocket exposed;
    TcpSocket protectedA;
    TcpSocket protectedB;
    UdpSocket udp;
    UdpSocket udpConnected;
    int baseline;
    /** The exposed connection as its peer (the fuzzer) sees it. */
    int peerNxt;
    int stackNxt;
    /** Bytes written and read on the protected connection, each way. */
    long aWrote;
    long bWrote;
    long aRead;
    long bRead;

    /** Builds both stacks and their sockets from nothing (Jazzer reuses the instance: reset every field first). */
    abstract void setUp();

    /** A frame for A, built from the fuzzer's data; {@code what} is the step's choice (2 to 15). */
    abstract byte[] frame(FuzzedDataProvider data, int what);

    /** Whether a frame A sent goes to B (else it is to the fuzzer's peer: {@link #outbound}). */
    abstract boolean toB(byte[] frame);

    /** A frame from A to anyone but B: the fuzzer's peer learns the exposed connection's numbers from it. */
    abstract void outbound(byte[] frame);

    /** The target's bounds, checked after every step. */
    abstract void checkBounds();

    /** The datagrams A is reassembling, none once time has passed. */
    abstract int reassembliesInProgress();

    /** Application operations beyond the common five ({@link #application}), by number from 0. */
    int extraApplicationCases()
    {
        return 0;
    }

    void extraApplication(final int which, final FuzzedDataProvider data)
    {
        throw new IllegalArgumentException("no application case " + which);
    }

    /** One input: 48 steps at most of time, application calls and frames, then the end checks. */
    final void run(final FuzzedDataProvider data)
    {
        now = 1_000_000_000L;
        peerNxt = 0;
        stackNxt = 0;
        aWrote = 0;
        bWrote = 0;
        aRead = 0;
        bRead = 0;
        setUp();
        try
        {
            for (int step = 0; step < 48 && data.remainingBytes() > 0; step++)
            {
                final int what = data.consumeInt(0, 15);
                if (what == 0)
                {
                    advance(data.consumeBoolean() ? data.consumeLong(1, 1_000_000_000L)
                        : data.consumeLong(1, 120_000_000_000L));
                }
                else if (what == 1)
                {
                    application(data);
                }
                else
                {
                    aLink.inject(frame(data, what));
                    poll();
                }
                checkBounds();
            }
            checkProtectedConnection();
            drainAndCheckPool();
        }
        finally
        {
            a.close();
            b.close();
        }
    }

    /** Puts data in flight both ways on the protected connection, once it is established. */
    final void primeProtectedConnection()
    {
        aWrote += protectedA.write(PatternStream.pattern(0, 3000, 'a'));
        bWrote += protectedB.write(PatternStream.pattern(0, 3000, 'b'));
        a.flush();
        b.flush();
        poll();
        aWrote += protectedA.write(PatternStream.pattern(aWrote, 2000, 'a'));
        bWrote += protectedB.write(PatternStream.pattern(bWrote, 2000, 'b'));
        a.flush();
        b.flush();
    }

    /** Polls both stacks and carries frames between A and B until neither sends the other anything more. */
    final void poll()
    {
        for (int round = 0; round < 1000; round++)
        {
            a.poll(now);
            b.poll(now);
            int moved = 0;
            byte[] frame;
            final int fromA = aLink.transmitted();
            for (int i = 0; i < fromA; i++)
            {
                frame = aLink.take();
                if (toB(frame))
                {
                    bLink.inject(frame);
                    moved++;
                }
                else
                {
                    outbound(frame);
                }
            }
            while ((frame = bLink.take()) != null)
            {
                aLink.inject(frame);
                moved++;
            }
            if (moved == 0)
            {
                return;
            }
        }
        fail("A and B did not fall quiet within 1000 rounds");
    }

    final void advance(final long nanos)
    {
        now += nanos;
        poll();
    }

    /** The application, now and then: reads, writes, accepts (and what a target adds). */
    final void application(final FuzzedDataProvider data)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(2048);
        final int choice = data.consumeInt(0, 4 + extraApplicationCases());
        switch (choice)
        {
            case 0 -> udp.receive(buffer);
            case 1 -> udpConnected.receive(buffer);
            case 2 -> exposed.read(ByteBuffer.allocate(data.consumeInt(0, 70_000)));
            case 3 -> exposed.write(ByteBuffer.allocate(data.consumeInt(0, 70_000)));
            default ->
            {
                if (choice - 4 < extraApplicationCases())
                {
                    extraApplication(choice - 4, data);
                }
                else
                {
                    final TcpSocket child = listener.accept();
                    if (child != null)
                    {
                        child.close();
                    }
                }
            }
        }
        a.flush();
        poll();
    }

    /** A TCP segment, its checksum left for the caller to write. */
    static byte[] tcpSegment(final int sourcePort, final int destinationPort, final int seq, final int ack,
        final int flags, final int window, final byte[] options, final byte[] payload)
    {
        final int headerLength = 20 + ((options.length + 3) & ~3);
        final ByteBuffer t = ByteBuffer.allocate(headerLength + payload.length);
        t.putShort(0, (short)sourcePort).putShort(2, (short)destinationPort).putInt(4, seq).putInt(8, ack)
            .put(12, (byte)((headerLength / 4) << 4)).put(13, (byte)flags).putShort(14, (short)window);
        t.put(20, options).put(headerLength, payload);
        return t.array();
    }

    /** The protected connection is untouched: established, and its data, old and new, arrives intact. */
    private void checkProtectedConnection()
    {
        poll();
        assertEquals(TcpState.ESTABLISHED, protectedA.state(), "A's side of the protected connection");
        assertEquals(TcpState.ESTABLISHED, protectedB.state(), "B's side of the protected connection");
        for (int round = 0; round < 2; round++)
        {
            aWrote += Math.max(0, protectedA.write(PatternStream.pattern(aWrote, 5000, 'a')));
            bWrote += Math.max(0, protectedB.write(PatternStream.pattern(bWrote, 5000, 'b')));
            a.flush();
            b.flush();
            for (int i = 0; i < 50 && (aRead < bWrote || bRead < aWrote); i++)
            {
                bRead += PatternStream.readAndCheck(protectedB, bRead, 'a');
                aRead += PatternStream.readAndCheck(protectedA, aRead, 'b');
                advance(200_000_000L);
            }
        }
        assertEquals(bWrote, aRead, "A read everything B wrote");
        assertEquals(aWrote, bRead, "B read everything A wrote");
    }

    private void drainAndCheckPool()
    {
        for (final TcpSocket s : List.of(listener, exposed, protectedA, protectedB))
        {
            s.close();
        }
        udp.close();
        udpConnected.close();
        a.flush();
        b.flush();
        // Long enough for every timer to give up: retransmissions to the silent peer (backed off to the maximum RTO),
        // FIN_WAIT_2, TIME_WAIT, address resolution, reassembly.
        for (int i = 0; i < 40; i++)
        {
            advance(120_000_000_000L);
        }
        aLink.drain();
        assertEquals(0, a.tcp().connectionCount(), "A's connections 80 minutes after closing");
        assertEquals(0, reassembliesInProgress(), "reassemblies left");
        assertEquals(baseline, a.pool().inUse(), "packet buffers held by A 80 minutes after closing (leaked)");
    }
}
