package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.StackTime;
import org.junit.jupiter.api.Test;

/**
 * What a passive open allocates on the server: SYN, SYN-ACK, ACK and accept() through two layers joined by
 * {@link TcpAllocationTest.Side}'s allocation-free wire, the server's share measured by the thread's allocation
 * counter around the two steps that run only server code (the SYNs arriving, the ACKs arriving and accept), in
 * rounds after the tables have grown. At the SYN the server allocates the socket (control block, state classes,
 * timers) and nothing else; at the ACK the state a connection carries data with: its two rings' chunk indexes (no
 * chunk until a byte arrives or is written) and, with SACK, an empty scoreboard and RACK's state; no garbage. A SYN
 * answered by a SYN cookie (past tcp.syn-backlog) allocates nothing.
 */
class TcpAcceptAllocationTest
{
    private static final int A = 0xC6120001;
    private static final int B = 0xC6120002;
    private static final int PORT = 80;

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private final long thread = Thread.currentThread().getId();

    private long allocated()
    {
        return threads.getThreadAllocatedBytes(thread);
    }

    /**
     * Bytes the server allocated per accepted connection, in each of {@code rounds} rounds of {@code n}: in all
     * ({@code [round][0]}) and while the SYNs arrived ({@code [round][1]}).
     */
    private long[][] passiveOpens(final TcpConfig serverConfig, final int n, final int rounds, final boolean cookies)
    {
        final StackTime time = new StackTime();
        long now = 1_000_000_000L;
        time.reset(now);
        final TcpAllocationTest.Side a = new TcpAllocationTest.Side(A, time, 1, serverConfig);
        final TcpAllocationTest.Side b = new TcpAllocationTest.Side(B, time, 2, TcpConfig.defaults());
        a.peer = b;
        b.peer = a;
        final TcpSocket listener = a.layer.open();
        assertEquals(0, listener.bind(0, PORT));
        assertEquals(0, listener.listen(n));
        final TcpSocket[] clients = new TcpSocket[n];
        final TcpSocket[] accepted = new TcpSocket[n];
        final long[][] perConnection = new long[rounds][2];
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < n; i++)
            {
                clients[i] = b.layer.open();
                assertEquals(-Errno.EINPROGRESS, clients[i].connect(A, PORT));
            }
            final long synStart = allocated();
            b.deliver();
            final long synEnd = allocated();
            a.deliver();
            final long ackStart = allocated();
            b.deliver();
            int count = 0;
            TcpSocket child;
            while ((child = listener.accept()) != null)
            {
                accepted[count++] = child;
            }
            final long ackEnd = allocated();
            assertEquals(n, count, "accepted: " + a.layer.counters());
            if (cookies)
            {
                assertTrue(a.layer.counters().cookiesValidated() >= (long) (round + 1) * (n - 1),
                    "the SYN cookie path ran: " + a.layer.counters());
            }
            perConnection[round][0] = (synEnd - synStart + ackEnd - ackStart) / n;
            perConnection[round][1] = (synEnd - synStart) / n;
            for (int i = 0; i < n; i++)
            {
                assertEquals(0, clients[i].finishConnect());
                accepted[i].linger(0);
                accepted[i].close();
                clients[i].close();
                accepted[i] = null;
                clients[i] = null;
            }
            a.deliver();
            b.deliver();
            now += 1_000_000_000L;
            time.advance(now);
            a.timers.expire(now);
            b.timers.expire(now);
            a.events.dispatch();
            b.events.dispatch();
            assertEquals(0, a.layer.connectionCount());
            assertEquals(0, b.layer.connectionCount());
        }
        return perConnection;
    }

    /** Bytes one bare socket costs: what a passive open cannot avoid. */
    private long socketBytes()
    {
        final StackTime time = new StackTime();
        final TcpAllocationTest.Side a = new TcpAllocationTest.Side(A, time, 1, TcpConfig.defaults());
        a.layer.open();
        final long start = allocated();
        final TcpSocket s = a.layer.open();
        final long bytes = allocated() - start;
        assertNotNull(s);
        return bytes;
    }

    @Test
    void shouldAllocateTheSocketAndItsDataStateOnlyPerAcceptedConnection()
    {
        final long[][] perConnection = passiveOpens(TcpConfig.defaults(), 200, 6, false);
        final long socket = socketBytes();
        long best = Long.MAX_VALUE;
        long synBest = Long.MAX_VALUE;
        for (int i = 2; i < perConnection.length; i++)
        {
            best = Math.min(best, perConnection[i][0]);
            synBest = Math.min(synBest, perConnection[i][1]);
        }
        assertTrue(synBest <= socket + 16, "bytes per SYN " + synBest + ": the socket (" + socket + ") alone");
        System.out.println("passive open: a bare socket " + socket + " bytes; per accepted connection (all, SYN) "
            + java.util.Arrays.deepToString(perConnection));
        assertTrue(best <= socket + 768, "bytes per accepted connection " + best + ", a socket " + socket);
    }

    @Test
    void shouldAllocateNothingForACookieSynAckAndOnlyTheConnectionForItsAck()
    {
        final long[][] perConnection = passiveOpens(TcpConfig.builder().synBacklog(1).build(), 200, 6, true);
        final long socket = socketBytes();
        long best = Long.MAX_VALUE;
        long synBest = Long.MAX_VALUE;
        for (int i = 2; i < perConnection.length; i++)
        {
            best = Math.min(best, perConnection[i][0]);
            synBest = Math.min(synBest, perConnection[i][1]);
        }
        System.out.println("passive open by SYN cookie: a bare socket " + socket + " bytes; per accepted connection"
            + " (all, SYN) " + java.util.Arrays.deepToString(perConnection));
        assertTrue(synBest <= 8, "bytes per SYN answered (one half-open connection, then cookies): " + synBest);
        assertTrue(best <= socket + 768, "bytes per accepted connection " + best + ", a socket " + socket);
    }
}
