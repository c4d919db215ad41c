package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Packet buffers taken and given back by several threads at once: two application threads send datagrams through
 * the stack (each send takes a buffer from the pool, the delivery returns it) while the poller runs, all under the
 * stack lock. Every buffer must come back: the pool's count in use returns to where it started, and every datagram
 * arrives. Result: (datagrams received by A's peer, by B's peer, buffers in use after minus before).
 */
@JCStressTest
@Outcome(id = "4, 4, 0", expect = ACCEPTABLE, desc = "every datagram arrived, every buffer came back")
@Outcome(id = ".*", expect = FORBIDDEN, desc = "a datagram or a packet buffer went missing")
@State
public class BufferRecyclingTest
{
    private static final int DATAGRAMS = 4;

    private final DatagramChannel senderA = StackFixture.datagram();
    private final DatagramChannel senderB = StackFixture.datagram();
    private final DatagramChannel peerA = StackFixture.datagram();
    private final DatagramChannel peerB = StackFixture.datagram();
    private final int baseline = StackFixture.buffersInUse();

    private static void sendAll(final DatagramChannel sender, final DatagramChannel peer)
    {
        try
        {
            final SocketAddress target = peer.getLocalAddress();
            for (int i = 0; i < DATAGRAMS; i++)
            {
                sender.send(ByteBuffer.wrap(new byte[] {(byte)i, 2, 3, 4}), target);
            }
        }
        catch (final IOException e)
        {
            throw new IllegalStateException(e);
        }
    }

    @Actor
    public void a()
    {
        sendAll(senderA, peerA);
    }

    @Actor
    public void b()
    {
        sendAll(senderB, peerB);
    }

    private static int drain(final DatagramChannel peer) throws IOException
    {
        peer.configureBlocking(false);
        int n = 0;
        while (peer.receive(ByteBuffer.allocate(8)) != null)
        {
            n++;
        }
        return n;
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        try
        {
            r.r1 = drain(peerA);
            r.r2 = drain(peerB);
            r.r3 = StackFixture.buffersInUse() - baseline;
            senderA.close();
            senderB.close();
            peerA.close();
            peerB.close();
        }
        catch (final IOException e)
        {
            r.r1 = -1;
        }
    }
}
