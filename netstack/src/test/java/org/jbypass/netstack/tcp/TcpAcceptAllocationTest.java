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
 * rounds after the tables have grown. At the SYN the server takes a {@link SynRequest} record from its pool and
 * allocates nothing; at the ACK the socket (control block, state classes, timers) and the state a connection carries
 * data with: its two rings' chunk indexes (no chunk until a byte arrives or is written) and, with SACK, an empty
 * scoreboard and RACK's state; no garbage. A SYN
 * answered by a SYN cookie (past tcp.syn-backlog) allocates nothing. A SYN that never completes costs a pooled
 * {@link SynRequest} record and no socket, and a SYN flood against a listener (scripted: SYNs from random spoofed
 * sources whose SYN-ACKs are lost) allocates nothing once the records of its first tcp.syn-backlog SYNs exist.
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
        assertTrue(synBest <= 8, "bytes per SYN " + synBest + ": a pooled record, no socket (" + socket + ")");
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

    /**
     * SYNs that never complete (their SYN-ACKs lost, the clients gone), in rounds of {@code n}: bytes the server
     * allocated per SYN in each round; after each round the records time out.
     */
    private long[] halfOpens(final int n, final int rounds)
    {
        final StackTime time = new StackTime();
        long now = 1_000_000_000L;
        time.reset(now);
        final TcpConfig config = TcpConfig.defaults();
        final TcpAllocationTest.Side a = new TcpAllocationTest.Side(A, time, 1, config);
        final TcpAllocationTest.Side b = new TcpAllocationTest.Side(B, time, 2, TcpConfig.defaults());
        a.peer = b;
        b.peer = a;
        final TcpSocket listener = a.layer.open();
        assertEquals(0, listener.bind(0, PORT));
        assertEquals(0, listener.listen(n));
        final TcpSocket[] clients = new TcpSocket[n];
        final long[] perSyn = new long[rounds];
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < n; i++)
            {
                clients[i] = b.layer.open();
                assertEquals(-Errno.EINPROGRESS, clients[i].connect(A, PORT));
            }
            final long start = allocated();
            b.deliver();
            perSyn[round] = (allocated() - start) / n;
            assertEquals(0, a.layer.connections.size(), "no socket for a half-open connection");
            assertEquals(n, a.layer.halfOpenCount());
            a.discard();
            for (int i = 0; i < n; i++)
            {
                clients[i].close();
                clients[i] = null;
            }
            b.discard();
            // Past every SYN-ACK retransmission (1 + 2 + ... + 32 s with synAckRetries 5).
            for (int s = 0; s < 100; s++)
            {
                now += 1_000_000_000L;
                time.advance(now);
                a.timers.expire(now);
                a.discard();
            }
            assertEquals(0, a.layer.halfOpenCount(), "forgotten after the retries: " + a.layer.counters());
            assertEquals((long)n * (round + 1), a.layer.counters().requestsTimedOut());
            assertEquals(0, a.layer.connectionCount());
        }
        return perSyn;
    }

    @Test
    void shouldAllocateARecordAndNoSocketForASynThatNeverCompletes()
    {
        final long[] perSyn = halfOpens(200, 4);
        final long socket = socketBytes();
        allocated();
        final long start = allocated();
        final SynRequest one = new SynRequest(null);
        final long record = allocated() - start;
        assertNotNull(one);
        System.out.println("half-open connection: a bare socket " + socket + " bytes, a record " + record
            + "; per SYN (cold pool and tables, then warm) " + java.util.Arrays.toString(perSyn));
        assertTrue(record <= RequestTable.RECORD_BYTES, "a record takes " + record + " bytes, the table's footprint"
            + " counts " + RequestTable.RECORD_BYTES);
        // Cold, a SYN also pays its share of the table's and the timer queue's growth.
        assertTrue(perSyn[0] <= 2L * RequestTable.RECORD_BYTES + 64, "bytes per half-open connection, cold: "
            + perSyn[0] + " (a record is " + record + ")");
        assertTrue(perSyn[0] * 4 < socket, "a record, not a socket (" + socket + " bytes): " + perSyn[0]);
        for (int i = 1; i < perSyn.length; i++)
        {
            assertTrue(perSyn[i] <= 8, "pooled records: bytes per SYN in round " + i + ": " + perSyn[i]);
        }
    }

    @Test
    void shouldHoldMemoryFlatUnderASynFlood()
    {
        final StackTime time = new StackTime();
        long now = 1_000_000_000L;
        time.reset(now);
        final TcpConfig config = TcpConfig.defaults();
        final TcpAllocationTest.Side a = new TcpAllocationTest.Side(A, time, 1, config);
        final TcpAllocationTest.Side b = new TcpAllocationTest.Side(B, time, 2, TcpConfig.defaults());
        a.peer = b;
        b.peer = a;
        final TcpSocket listener = a.layer.open();
        assertEquals(0, listener.bind(0, PORT));
        assertEquals(0, listener.listen(128));
        // One SYN with an MSS option, its checksum trusted as a NIC's (RX_L4_CHECKSUM_OK); sources spoofed at random.
        final java.nio.ByteBuffer syn = java.nio.ByteBuffer.allocateDirect(24);
        final java.util.SplittableRandom random = new java.util.SplittableRandom(13);
        final int flood = 60_000;
        final int warm = 2_000;
        long warmBytes = 0;
        long start = 0;
        for (int i = 0; i < flood; i++)
        {
            if (i == warm)
            {
                warmBytes = a.layer.halfOpenFootprint();
                start = allocated();
            }
            syn.putShort(0, (short)(1024 + random.nextInt(60_000)));
            syn.putShort(2, (short)PORT);
            syn.putInt(4, random.nextInt());
            syn.putInt(8, 0);
            syn.putShort(12, (short)((6 << 12) | 0x02));
            syn.putShort(14, (short)64240);
            syn.putInt(16, 0);
            syn.putInt(20, (2 << 24) | (4 << 16) | 1460);
            a.layer.receive(syn, 0, 24, 0x0A000000 | random.nextInt(1 << 24), A, 0, 64,
                org.jbypass.netstack.link.PacketBurst.RX_L4_CHECKSUM_OK);
            if ((i & 63) == 63)
            {
                // 10,000 SYNs a second of stack time: the records' SYN-ACK timers fire during the flood.
                now += 6_400_000L;
                time.advance(now);
                a.timers.expire(now);
                a.discard();
            }
        }
        final long floodBytes = allocated() - start;
        a.discard();
        final TcpCounters c = a.layer.counters();
        System.out.println("SYN flood of " + flood + ": bytes allocated after the first " + warm + " SYNs "
            + floodBytes + "; half-open records " + a.layer.halfOpenCount() + ", footprint "
            + a.layer.halfOpenFootprint() + " bytes; " + c);
        assertTrue(a.layer.halfOpenCount() <= config.synBacklog(), "bounded by tcp.syn-backlog");
        assertEquals(0, a.layer.connections.size(), "no sockets");
        assertTrue(c.cookiesSent() > flood / 2, "answered by cookies past the backlog: " + c);
        assertTrue(floodBytes <= 4096, "memory flat: " + floodBytes + " bytes over " + (flood - warm) + " SYNs");
        assertEquals(warmBytes, a.layer.halfOpenFootprint(), "the records' footprint held still");

        // A legitimate client still gets in (by a SYN cookie while the queue is full).
        final TcpSocket client = b.layer.open();
        assertEquals(-Errno.EINPROGRESS, client.connect(A, PORT));
        b.deliver();
        a.deliver();
        b.deliver();
        final TcpSocket child = listener.accept();
        assertNotNull(child, "accepted during the flood: " + c);
        assertEquals(0, client.finishConnect());

        // Once the flood stops, every record times out and goes back to the pool; the pool is bounded.
        for (int s = 0; s < 100; s++)
        {
            now += 1_000_000_000L;
            time.advance(now);
            a.timers.expire(now);
            a.discard();
        }
        assertEquals(0, a.layer.halfOpenCount());
        assertTrue(a.layer.halfOpenFootprint() <= warmBytes, "pooled records within the bound");
    }
}
