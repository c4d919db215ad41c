package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.virtual.ImpairedLink;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.testing.ByteStream;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * Connections at scale on a {@link MemoryWire} between two whole stacks: buffer memory that follows the data (an
 * idle connection holds none), the layer's memory limit under load (windows shrink, data is dropped and counted,
 * new connections wait, nothing throws, every byte still arrives intact), and failures contained to one socket.
 * Time is simulated, as in {@link TcpTwoStacksTest}.
 */
class TcpScaleTest
{
    private static final int IP_A = Ipv4Address.parse("198.18.0.1");
    private static final int IP_B = Ipv4Address.parse("198.18.0.2");
    private static final long MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:00:0b");
    private static final long STEP_NANOS = 20_000L;
    private static final int PORT = 7000;
    private static final long NET6 = 0x2001_0DB8_0000_0000L;
    private static final long A6 = 0xA;
    private static final long B6 = 0xB;

    private long now = 1_000_000_000L;
    private Stack a;
    private Stack b;

    private void start(final TcpConfig serverTcp)
    {
        start(serverTcp, null);
    }

    /** Two stacks on a memory wire; B's frames go through {@code impairment} when there is one. */
    private void start(final TcpConfig serverTcp, final ImpairedLink.Config impairment)
    {
        start(serverTcp, impairment, false);
    }

    /** As above; with {@code ipv6} the stacks also have 2001:db8::a and ::b/64 (DAD off: they serve at once). */
    private void start(final TcpConfig serverTcp, final ImpairedLink.Config impairment, final boolean ipv6)
    {
        final StackConfig.Builder configA = StackConfig.builder().poolBuffers(8192).seed(1).tcp(serverTcp);
        final StackConfig.Builder configB = StackConfig.builder().poolBuffers(8192).seed(2);
        if (ipv6)
        {
            configA.ipv6(Ipv6Config.DEFAULT.withDadTransmits(0));
            configB.ipv6(Ipv6Config.DEFAULT.withDadTransmits(0));
        }
        a = new Stack(configA.build(), now);
        b = new Stack(configB.build(), now);
        final MemoryWire wire = new MemoryWire();
        final NetInterface a0 = a.addInterface("a0", wire.attach(a.pool(), MAC_A), IP_A, 24, 0);
        final Link bLink = wire.attach(b.pool(), MAC_B);
        final NetInterface b0 = b.addInterface("b0", impairment == null ? bLink : new ImpairedLink(bLink, impairment),
            IP_B, 24, 0);
        if (ipv6)
        {
            a.addAddress6(a0, NET6, A6, 64);
            b.addAddress6(b0, NET6, B6, 64);
        }
    }

    /** Polls both stacks until {@code done}, moving simulated time; fails after a simulated hour. */
    private void runUntil(final BooleanSupplier done, final String what)
    {
        final long deadline = now + 3_600_000_000_000L;
        while (!done.getAsBoolean())
        {
            a.poll(now);
            b.poll(now);
            if (a.lastWork() == 0 && b.lastWork() == 0)
            {
                final long next = Math.min(a.nextDeadline(), b.nextDeadline());
                now = next == Long.MAX_VALUE ? now + STEP_NANOS : Math.max(now + STEP_NANOS, next);
            }
            else
            {
                now += STEP_NANOS;
            }
            assertTrue(now - deadline < 0, () -> "never " + what + ": A " + a.tcpCounters() + " B " + b.tcpCounters());
        }
    }

    /** Opens {@code n} connections from B to A, returning client and accepted child pairs. */
    private List<TcpSocket[]> connect(final TcpSocket listener, final int n)
    {
        return connect(listener, n, false);
    }

    /** As above, over IPv6 to 2001:db8::a when {@code ipv6}. */
    private List<TcpSocket[]> connect(final TcpSocket listener, final int n, final boolean ipv6)
    {
        final Map<Integer, TcpSocket> clients = new HashMap<>();
        for (int i = 0; i < n; i++)
        {
            final TcpSocket c = ipv6 ? b.openTcp6(true) : b.openTcp();
            assertEquals(-Errno.EINPROGRESS, ipv6 ? c.connect6(NET6, A6, PORT) : c.connect(IP_A, PORT));
            clients.put(c.localPort(), c);
        }
        b.flush();
        final List<TcpSocket[]> pairs = new ArrayList<>();
        runUntil(() ->
        {
            TcpSocket child;
            while ((child = listener.accept()) != null)
            {
                final TcpSocket client = clients.get(child.remotePort());
                assertNotNull(client);
                pairs.add(new TcpSocket[] {client, child});
            }
            return pairs.size() == n;
        }, "accepted " + n);
        runUntil(() -> pairs.stream().allMatch(p -> p[0].finishConnect() == 0), "connected");
        return pairs;
    }

    private static void send(final TcpSocket s, final byte[] message)
    {
        assertEquals(message.length, s.write(ByteBuffer.wrap(message)));
    }

    @Test
    void shouldHoldIdleConnectionsWithoutBufferMemoryAndChargeOnlyWhatArrives()
    {
        start(TcpConfig.defaults());
        final TcpSocket listener = a.openTcp();
        assertEquals(0, listener.bind(0, PORT));
        assertEquals(0, listener.listen(4096));
        final int n = 2000;
        final List<TcpSocket[]> pairs = connect(listener, n);
        assertEquals(0, a.tcp().memoryInUse(), "established and idle: no buffer memory at all");
        final byte[] request = new byte[64];
        final byte[] reply = new byte[64];
        final ByteBuffer in = ByteBuffer.allocate(256);
        for (int round = 0; round < 2; round++)
        {
            for (final TcpSocket[] p : pairs)
            {
                send(p[0], request);
            }
            b.flush();
            runUntil(() -> pairs.stream().allMatch(p -> p[1].available() == request.length), "requests arrived");
            assertEquals((long) n * TcpMemory.CHUNK_SIZE, a.tcp().memoryInUse(),
                "one chunk per connection holding a 64-byte request");
            for (final TcpSocket[] p : pairs)
            {
                in.clear();
                assertEquals(request.length, p[1].read(in));
                send(p[1], reply);
            }
            a.flush();
            runUntil(() -> pairs.stream().allMatch(p -> p[0].available() == reply.length
                && p[1].unacknowledged() == 0), "replies arrived and were acknowledged");
            for (final TcpSocket[] p : pairs)
            {
                in.clear();
                assertEquals(reply.length, p[0].read(in));
            }
            assertEquals(0, a.tcp().memoryInUse(), "replies acknowledged, requests read: nothing held");
            assertEquals(0, b.tcp().memoryInUse());
        }
        assertEquals(0, a.tcpCounters().memoryDrops());
        assertEquals(0, a.tcpCounters().socketFailures());
    }

    @Test
    void shouldStayWithinTheMemoryLimitUnderLoadAndStillDeliverEveryByte()
    {
        final long limit = 1L << 20;
        start(TcpConfig.builder().memoryLimit(limit).build());
        final TcpSocket listener = a.openTcp();
        assertEquals(0, listener.bind(0, PORT));
        assertEquals(0, listener.listen(256));
        final int n = 40;
        final List<TcpSocket[]> pairs = connect(listener, n);
        // Every client sends 256 KiB the server does not read yet: ten times the limit in total.
        final int each = 256 * 1024;
        final byte[][] sent = new byte[n][each];
        final ByteBuffer[] out = new ByteBuffer[n];
        final ByteBuffer[] received = new ByteBuffer[n];
        final java.util.SplittableRandom random = new java.util.SplittableRandom(77);
        for (int i = 0; i < n; i++)
        {
            random.nextBytes(sent[i]);
            out[i] = ByteBuffer.wrap(sent[i]);
            received[i] = ByteBuffer.allocate(each);
        }
        final long[] peak = new long[1];
        final boolean[] sawPressure = new boolean[1];
        runUntil(() ->
        {
            for (int i = 0; i < n; i++)
            {
                if (out[i].hasRemaining())
                {
                    pairs.get(i)[0].write(out[i]);
                }
            }
            b.flush();
            peak[0] = Math.max(peak[0], a.tcp().memoryInUse());
            sawPressure[0] |= a.tcp().underMemoryPressure();
            return a.tcpCounters().memoryDrops() > 0;
        }, "reached the memory limit");
        assertTrue(sawPressure[0], "under pressure before the limit");
        assertTrue(peak[0] <= limit, "charged " + peak[0] + " of " + limit);
        // At the limit a new connection waits: its SYN is dropped and counted; it completes once memory drains.
        final TcpSocket late = b.openTcp();
        assertEquals(-Errno.EINPROGRESS, late.connect(IP_A, PORT));
        b.flush();
        final long refusalsBefore = a.tcpCounters().memoryConnectionRefusals();
        runUntil(() -> a.tcpCounters().memoryConnectionRefusals() > refusalsBefore, "refused the late SYN");
        assertEquals(-Errno.EINPROGRESS, late.finishConnect());
        // Now the server reads: every byte arrives, in order, despite the drops.
        runUntil(() ->
        {
            boolean done = true;
            for (int i = 0; i < n; i++)
            {
                if (out[i].hasRemaining())
                {
                    pairs.get(i)[0].write(out[i]);
                }
                if (received[i].hasRemaining())
                {
                    final int r = pairs.get(i)[1].read(received[i]);
                    assertTrue(r >= 0 || r == -Errno.EAGAIN, "read " + r);
                }
                done &= !received[i].hasRemaining();
            }
            a.flush();
            b.flush();
            peak[0] = Math.max(peak[0], a.tcp().memoryInUse());
            return done;
        }, "delivered every stream");
        for (int i = 0; i < n; i++)
        {
            assertArrayEquals(sent[i], received[i].array(), "stream " + i);
        }
        assertTrue(peak[0] <= limit, "charged " + peak[0] + " of " + limit);
        assertTrue(a.tcpCounters().memoryDrops() > 0, "data dropped at the limit: " + a.tcpCounters());
        runUntil(() -> late.finishConnect() == 0 && listener.accept() != null, "accepted the late connection");
        assertEquals(0, a.tcpCounters().socketFailures());
    }

    @Test
    void shouldResetOnlyTheConnectionWhoseCallbackThrowsAndCarryOnWithTheOthers()
    {
        start(TcpConfig.defaults());
        final TcpSocket listener = a.openTcp();
        assertEquals(0, listener.bind(0, PORT));
        assertEquals(0, listener.listen(64));
        final List<TcpSocket[]> pairs = connect(listener, 8);
        final TcpSocket victim = pairs.get(3)[1];
        victim.listener(socket ->
        {
            throw new IllegalStateException("injected failure in an application callback");
        });
        final List<ByteStream> streams = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++)
        {
            streams.add(new ByteStream("b->a#" + i, pairs.get(i)[0], pairs.get(i)[1], 1 << 20, 900 + i));
        }
        runUntil(() ->
        {
            boolean done = true;
            for (int i = 0; i < streams.size(); i++)
            {
                final ByteStream s = streams.get(i);
                if (i == 3)
                {
                    continue;
                }
                s.pump();
                assertFalse(s.failed(), () -> "stream failed: " + s);
                done &= s.done();
            }
            final ByteBuffer discard = ByteBuffer.allocate(4096);
            streams.get(3).writer.write(ByteBuffer.allocate(1024));
            a.flush();
            b.flush();
            return done && pairs.get(3)[0].write(discard.clear()) == -Errno.ECONNRESET;
        }, "carried on past the failure");
        for (int i = 0; i < streams.size(); i++)
        {
            if (i != 3)
            {
                assertArrayEquals(streams.get(i).sentDigest(), streams.get(i).receivedDigest());
            }
        }
        assertEquals(1, a.tcpCounters().socketFailures());
        final ByteBuffer rest = ByteBuffer.allocate(4096);
        int r;
        while ((r = victim.read(rest.clear())) > 0)
        {
            // What arrived before the reset is still readable, then the error (as in Linux).
        }
        assertEquals(-Errno.ECONNRESET, r);
        // Allocation refused inside segment processing is contained the same way.
        final TcpSocket[] second = pairs.get(5);
        a.tcp().contain(second[1], new OutOfMemoryError("injected"));
        a.flush();
        runUntil(() -> second[0].read(ByteBuffer.allocate(1 << 16)) == -Errno.ECONNRESET, "peer saw the reset");
        assertEquals(2, a.tcpCounters().socketFailures());
        assertEquals(TcpState.CLOSE_WAIT, pairs.get(0)[1].state(), "the others finished normally (their peers half-closed)");
    }

    @Test
    void shouldLeaveNoEntryOfAChildSocketThatFailedToBuildOnEitherPassivePath()
    {
        // synBacklog 1: with two SYNs at once, the first takes a record and the second is answered by a cookie.
        start(TcpConfig.builder().synBacklog(1).build());
        final TcpSocket listener = a.openTcp();
        assertEquals(0, listener.bind(0, PORT));
        assertEquals(0, listener.listen(64));
        final List<TcpSocket[]> pairs = connect(listener, 4);
        final long memoryBefore = a.tcp().memoryInUse();
        final long cookiesSent = a.tcpCounters().cookiesSent();
        final long cookiesValidated = a.tcpCounters().cookiesValidated();
        final int[] struck = {0};
        // As if the child's memory were refused once it is built, before it is published.
        a.tcp().childFault = child ->
        {
            struck[0]++;
            throw new OutOfMemoryError("injected while building " + child);
        };
        final TcpSocket[] doomed = {b.openTcp(), b.openTcp()};
        for (final TcpSocket c : doomed)
        {
            assertEquals(-Errno.EINPROGRESS, c.connect(IP_A, PORT));
        }
        b.flush();
        runUntil(() -> readResult(doomed[0]) == -Errno.ECONNRESET && readResult(doomed[1]) == -Errno.ECONNRESET,
            "both peers reset");
        assertEquals(2, struck[0], "one child from a record, one from a cookie");
        assertEquals(cookiesSent + 1, a.tcpCounters().cookiesSent(), "the second SYN was answered by a cookie");
        assertEquals(cookiesValidated, a.tcpCounters().cookiesValidated(),
            "the cookie's connection counted as failed, not opened");
        assertEquals(2, a.tcpCounters().childFailures());
        assertEquals(4, a.tcp().connectionCount(), "no entry in the connection table");
        assertEquals(0, a.tcp().halfOpenCount(), "no entry in the request table");
        assertEquals(null, listener.accept(), "nothing on the accept queue");
        assertEquals(memoryBefore, a.tcp().memoryInUse(), "no buffer memory kept");
        assertEquals(0, a.tcpCounters().socketFailures(), "the listener and the other connections untouched");
        // Without the fault, the listener serves the next connection and the others carry data.
        a.tcp().childFault = null;
        final TcpSocket[] next = connect(listener, 1).get(0);
        send(next[0], new byte[] {42});
        send(pairs.get(2)[1], new byte[] {7});
        a.flush();
        b.flush();
        final ByteBuffer got = ByteBuffer.allocate(2);
        runUntil(() -> next[1].read(got.clear()) == 1 && got.get(0) == 42, "the new connection carried a byte");
        runUntil(() -> pairs.get(2)[0].read(got.clear()) == 1 && got.get(0) == 7, "an old connection carried a byte");
        assertEquals(5, a.tcp().connectionCount());
    }

    private static int readResult(final TcpSocket s)
    {
        return s.read(ByteBuffer.allocate(16));
    }

    @Test
    void shouldGrowBuffersWithTheTransferUnlessTheApplicationSetTheirSize()
    {
        start(TcpConfig.defaults());
        final TcpSocket listener = a.openTcp();
        assertEquals(0, listener.bind(0, PORT));
        assertEquals(0, listener.listen(16));
        final List<TcpSocket[]> pairs = connect(listener, 2);
        final int initial = TcpConfig.defaults().receiveBufferSize();
        // SO_RCVBUF and SO_SNDBUF set by the application fix those sizes, as in Linux.
        pairs.get(1)[1].receiveBufferSize(initial);
        pairs.get(1)[0].sendBufferSize(initial);
        final List<ByteStream> streams = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            streams.add(new ByteStream("b->a#" + i, pairs.get(i)[0], pairs.get(i)[1], 16L << 20, 500 + i));
            streams.add(new ByteStream("a->b#" + i, pairs.get(i)[1], pairs.get(i)[0], 16L << 20, 600 + i));
        }
        runUntil(() ->
        {
            boolean done = true;
            for (final ByteStream s : streams)
            {
                s.pump();
                assertFalse(s.failed(), () -> "stream failed: " + s);
                done &= s.done();
            }
            a.flush();
            b.flush();
            return done;
        }, "moved 16 MB each way");
        for (final ByteStream s : streams)
        {
            assertArrayEquals(s.sentDigest(), s.receivedDigest(), s.name + " SHA-256");
        }
        final TcpSocket tuned = pairs.get(0)[1];
        assertTrue(tuned.receiveBufferSize() > initial, "auto-tuned receive buffer " + tuned.receiveBufferSize());
        assertTrue(tuned.receiveBufferSize() <= TcpConfig.defaults().maxReceiveBufferSize());
        assertTrue(a.tcpCounters().receiveBufferGrowths() > 0);
        assertTrue(pairs.get(0)[0].sendBufferSize() > initial, "send buffer grown with cwnd "
            + pairs.get(0)[0].sendBufferSize());
        assertEquals(initial, pairs.get(1)[1].receiveBufferSize(), "SO_RCVBUF set: not tuned");
        assertEquals(initial, pairs.get(1)[0].sendBufferSize(), "SO_SNDBUF set: not grown");
    }

    @Test
    void shouldKeepTimeWaitAsCompactRecordsAndLetTheSocketsGo()
    {
        keepTimeWaitAsCompactRecords(false, 96);
    }

    @Test
    void shouldKeepIpv6TimeWaitAsRecordsOnlyTheirAddressesLarger()
    {
        // An IPv6 record holds its 32 bytes of addresses beside the IPv4 record's fields.
        keepTimeWaitAsCompactRecords(true, 96 + 32);
    }

    private void keepTimeWaitAsCompactRecords(final boolean ipv6, final long maxBytesPerRecord)
    {
        start(TcpConfig.defaults(), null, ipv6);
        final TcpSocket listener = ipv6 ? a.openTcp6(true) : a.openTcp();
        assertEquals(0, ipv6 ? listener.bind6(0, 0, PORT) : listener.bind(0, PORT));
        assertEquals(0, listener.listen(4096));
        final int n = 4000;
        List<TcpSocket[]> pairs = connect(listener, n, ipv6);
        final List<java.lang.ref.WeakReference<TcpSocket>> clients = new ArrayList<>();
        for (final TcpSocket[] p : pairs)
        {
            // B closes first, so B's side of every connection ends in TIME_WAIT.
            clients.add(new java.lang.ref.WeakReference<>(p[0]));
            p[0].close();
        }
        b.flush();
        final List<TcpSocket[]> open = pairs;
        runUntil(() ->
        {
            for (final TcpSocket[] p : open)
            {
                if (!p[1].isClosed() && p[1].read(ByteBuffer.allocate(16)) == Errno.END_OF_STREAM)
                {
                    p[1].close();
                }
            }
            a.flush();
            return b.tcp().timeWaitCount() == n && a.tcp().connectionCount() == 0;
        }, "every connection closed, the client's in TIME_WAIT");
        // Emptied, not just dropped: a local that still names the list (here 'open') may keep it reachable for as
        // long as the frame lives when this method runs interpreted, whatever the variable's last use.
        open.clear();
        pairs = null;
        assertEquals(n, b.tcp().connectionCount(), "known by 4-tuple as records only");
        assertEquals(0, b.tcp().memoryInUse());
        // What grows with the records; the table's fixed part is its per-port list heads (256 KiB).
        final long perRecord = (b.tcp().timeWaitFootprint() - TimeWaitTable.PORT_HEADS_BYTES) / n;
        System.out.println("TIME_WAIT" + (ipv6 ? " (IPv6)" : "") + ": " + n + " records take " + b.tcp().timeWaitFootprint() + " bytes with the "
            + TimeWaitTable.PORT_HEADS_BYTES + " of the port heads, " + perRecord + " bytes each beyond them;"
            + " the sockets are released");
        assertTrue(perRecord <= maxBytesPerRecord, "bytes per TIME_WAIT record: " + perRecord);
        // The sockets themselves are gone: nothing in either layer refers to them any more.
        int alive = n;
        for (int i = 0; i < 20 && alive > 0; i++)
        {
            System.gc();
            alive = 0;
            for (final java.lang.ref.WeakReference<TcpSocket> r : clients)
            {
                alive += r.get() != null ? 1 : 0;
            }
        }
        assertEquals(0, alive, "client sockets still reachable after entering TIME_WAIT");
        runUntil(() -> b.tcp().timeWaitCount() == 0, "TIME_WAIT over");
        assertEquals(0, b.tcp().connectionCount());
        assertEquals(n, b.tcpCounters().timeWaitEntered());
    }

    @Test
    void shouldPruneOutOfOrderDataUnderMemoryPressureAndStillDeliverEveryByte() throws Exception
    {
        final long limit = 1L << 20;
        // B's segments are lost and reordered on the way, so A holds out-of-order data when pressure comes.
        start(TcpConfig.builder().memoryLimit(limit).build(),
            ImpairedLink.config().loss(0.02).reorder(0.05).seed(13));
        final TcpSocket listener = a.openTcp();
        assertEquals(0, listener.bind(0, PORT));
        assertEquals(0, listener.listen(256));
        final int n = 24;
        final List<TcpSocket[]> pairs = connect(listener, n);
        final int each = 256 * 1024;
        final java.security.MessageDigest[] sentHash = new java.security.MessageDigest[n];
        final java.security.MessageDigest[] receivedHash = new java.security.MessageDigest[n];
        final ByteBuffer[] out = new ByteBuffer[n];
        final java.util.SplittableRandom random = new java.util.SplittableRandom(99);
        for (int i = 0; i < n; i++)
        {
            final byte[] data = new byte[each];
            random.nextBytes(data);
            sentHash[i] = java.security.MessageDigest.getInstance("SHA-256");
            sentHash[i].update(data);
            receivedHash[i] = java.security.MessageDigest.getInstance("SHA-256");
            out[i] = ByteBuffer.wrap(data);
        }
        final long[] peak = new long[1];
        // A reads nothing until pressure has made it prune: the clients' data fills its memory.
        runUntil(() ->
        {
            for (int i = 0; i < n; i++)
            {
                if (out[i].hasRemaining())
                {
                    pairs.get(i)[0].write(out[i]);
                }
            }
            b.flush();
            peak[0] = Math.max(peak[0], a.tcp().memoryInUse());
            return a.tcpCounters().outOfOrderPruned() > 0;
        }, "pruned out-of-order data");
        assertTrue(a.tcpCounters().memoryPressureEntered() > 0, "under pressure: " + a.tcpCounters());
        final long pruned = a.tcpCounters().outOfOrderPruned();
        final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        final long[] received = new long[n];
        runUntil(() ->
        {
            boolean done = true;
            for (int i = 0; i < n; i++)
            {
                if (out[i].hasRemaining())
                {
                    pairs.get(i)[0].write(out[i]);
                }
                int r;
                while ((r = pairs.get(i)[1].read(in.clear())) > 0)
                {
                    receivedHash[i].update(in.array(), 0, r);
                    received[i] += r;
                }
                assertTrue(r == 0 || r == -Errno.EAGAIN, "read " + r);
                done &= received[i] == each;
            }
            a.flush();
            b.flush();
            peak[0] = Math.max(peak[0], a.tcp().memoryInUse());
            return done;
        }, "delivered every stream");
        for (int i = 0; i < n; i++)
        {
            assertArrayEquals(sentHash[i].digest(), receivedHash[i].digest(), "stream " + i + " SHA-256");
        }
        assertTrue(peak[0] <= limit, "charged " + peak[0] + " of " + limit);
        assertTrue(pruned > 0, "out-of-order ranges pruned: " + a.tcpCounters());
        assertEquals(0, a.tcpCounters().socketFailures());
    }
}
