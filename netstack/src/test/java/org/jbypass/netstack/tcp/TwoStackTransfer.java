package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.virtual.ImpairedLink;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.testing.ByteStream;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.MacAddress;

/**
 * The transfer TcpTwoStacksTest and TcpSegmentingWireTest run, over the wire each gives: two whole stacks, B behind
 * an {@link ImpairedLink} that loses, reorders, duplicates and corrupts frames both ways, many connections moving
 * seeded streams each way, every stream checked by SHA-256 and TCP's invariants checked as it goes, then every
 * connection closed down to nothing and both pools whole.
 *
 * <p>Time is simulated: both stacks are polled with the same clock, which moves in small steps while frames are in
 * flight and jumps to the next timer when nothing else can happen, so retransmission timeouts cost no real time.
 */
final class TwoStackTransfer
{
    private static final int IP_A = Ipv4Address.parse("198.18.0.1");
    private static final int IP_B = Ipv4Address.parse("198.18.0.2");
    private static final long MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:00:0b");
    private static final long STEP_NANOS = 20_000L;
    private static final long NET6 = 0x2001_0DB8_0000_0000L;
    private static final long A6 = 0xA;
    private static final long B6 = 0xB;

    /**
     * What a run did, to compare two runs of one seed; with the most TIME_WAIT records both stacks held at once
     * while the connections closed, and of them IPv6 ones (every record has expired when the run returns).
     */
    record Outcome(long simulatedNanos, String countersA, String countersB, String impairments, int peakTimeWait,
        int peakTimeWait6)
    {
    }

    /** What a test checks of the stacks and the impairment once every stream is done, before they are verified. */
    @FunctionalInterface
    interface AfterTransfer
    {
        /** Checks nothing more. */
        AfterTransfer NOTHING = (a, b, impaired) ->
        {
        };

        void check(Stack a, Stack b, ImpairedLink impaired);
    }

    private TwoStackTransfer()
    {
    }

    /**
     * Runs {@code connections} connections from B to a listener on A over {@code wire}, each moving
     * {@code bytesEachWay} both ways, with the stacks, the impairment and the streams seeded from {@code seed}.
     */
    static Outcome run(final MemoryWire wire, final int connections, final long bytesEachWay, final long seed,
        final AfterTransfer afterTransfer)
    {
        return run(wire, connections, bytesEachWay, seed, afterTransfer, false);
    }

    /**
     * As above; with {@code ipv6} both stacks also have 2001:db8::a and ::b/64 (DAD off, so they serve at once),
     * the listener is a dual-stack IPv6 socket on {@code ::}, and the clients, IPv6 sockets too, connect alternately
     * to A's IPv6 address and to its IPv4-mapped one (over IPv4).
     */
    static Outcome run(final MemoryWire wire, final int connections, final long bytesEachWay, final long seed,
        final AfterTransfer afterTransfer, final boolean ipv6)
    {
        return run(wire, connections, bytesEachWay, seed, afterTransfer, ipv6, true);
    }

    /** As above, with software GRO on or off on both stacks. */
    static Outcome run(final MemoryWire wire, final int connections, final long bytesEachWay, final long seed,
        final AfterTransfer afterTransfer, final boolean ipv6, final boolean gro)
    {
        long now = 1_000_000_000L;
        final Stack a = new Stack(StackConfig.builder().poolBuffers(4096).seed(seed)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), now);
        final Stack b = new Stack(StackConfig.builder().poolBuffers(4096).seed(seed + 1)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), now);
        final ImpairedLink impaired = new ImpairedLink(wire.attach(b.pool(), MAC_B), ImpairedLink.config()
            .loss(0.05).reorder(0.05).duplicate(0.01).corrupt(0.01).seed(seed));
        final NetInterface a0 = a.addInterface("a0", wire.attach(a.pool(), MAC_A), IP_A, 24, 0);
        final NetInterface b0 = b.addInterface("b0", impaired, IP_B, 24, 0);
        a0.gro(gro);
        b0.gro(gro);
        if (ipv6)
        {
            a.addAddress6(a0, NET6, A6, 64);
            b.addAddress6(b0, NET6, B6, 64);
        }
        a.poll(now);
        b.poll(now);
        final int restA = a.pool().inUse();

        final TcpSocket listener = ipv6 ? a.openTcp6(false) : a.openTcp();
        assertEquals(0, ipv6 ? listener.bind6(0, 0, 5001) : listener.bind(0, 5001));
        assertEquals(0, listener.listen(connections));
        final List<TcpSocket> clients = new ArrayList<>();
        for (int i = 0; i < connections; i++)
        {
            final TcpSocket client = ipv6 ? b.openTcp6(false) : b.openTcp();
            assertEquals(-Errno.EINPROGRESS, !ipv6 ? client.connect(IP_A, 5001)
                : i % 2 == 0 ? client.connect6(NET6, A6, 5001)
                : client.connect6(0, Ipv6Address.v4MappedLo(IP_A), 5001));
            clients.add(client);
        }
        b.flush();

        final List<ByteStream> streams = new ArrayList<>();
        final long deadline = now + 3_600_000_000_000L;
        int accepted = 0;
        boolean done = false;
        long steps = 0;
        while (!done)
        {
            a.poll(now);
            b.poll(now);
            boolean progress = false;
            TcpSocket child;
            while ((child = listener.accept()) != null)
            {
                streamBothWays(streams, accepted, child, clients, bytesEachWay, seed * 100 + 2 * accepted);
                accepted++;
                progress = true;
            }
            done = accepted == connections;
            for (final ByteStream stream : streams)
            {
                progress |= stream.pump();
                assertFalse(stream.failed(), () -> "stream failed: " + stream + "\nA " + a.tcpCounters() + "\nB "
                    + b.tcpCounters());
                done &= stream.done();
            }
            if (progress)
            {
                a.flush();
                b.flush();
            }
            now = next(now, a, b, impaired, progress);
            assertTrue(now - deadline < 0, () -> "transfer stalled: " + streams + "\nA " + a.tcpCounters() + "\nB "
                + b.tcpCounters());
            if (++steps % 512 == 0)
            {
                // Recovery's bookkeeping (the scoreboard against SND.UNA and SND.NXT, its counts) under the impairment.
                TcpInvariants.check(a.tcp(), List.of(listener));
                TcpInvariants.check(b.tcp(), clients);
            }
        }
        final long simulated = now - 1_000_000_000L;
        afterTransfer.check(a, b, impaired);
        for (final ByteStream stream : streams)
        {
            assertEquals(bytesEachWay, stream.read(), stream.name + " bytes");
            assertArrayEquals(stream.sentDigest(), stream.receivedDigest(), stream.name + " SHA-256");
        }
        for (final TcpSocket client : clients)
        {
            client.close();
        }
        for (final ByteStream stream : streams)
        {
            stream.writer.close();
        }
        listener.close();
        b.flush();
        a.flush();
        // Closing handshakes, then TIME_WAIT, all the way to nothing.
        int peakTimeWait = 0;
        int peakTimeWait6 = 0;
        while (a.tcp().connectionCount() + b.tcp().connectionCount() > 0)
        {
            peakTimeWait = Math.max(peakTimeWait, a.tcp().timeWaitCount() + b.tcp().timeWaitCount());
            peakTimeWait6 = Math.max(peakTimeWait6, a.tcp().timeWaitCount6() + b.tcp().timeWaitCount6());
            a.poll(now);
            b.poll(now);
            now = next(now, a, b, impaired, false);
            assertTrue(now - deadline < 0, "connections never closed: " + a.tcpCounters() + " " + b.tcpCounters());
        }
        for (int i = 0; i < 10; i++)
        {
            now += STEP_NANOS;
            a.poll(now);
            b.poll(now);
        }
        assertEquals(restA, a.pool().inUse(), "stack A holds no buffer beyond its armed bursts");
        final Outcome outcome = new Outcome(simulated, a.tcpCounters().toString(), b.tcpCounters().toString(),
            impaired.rxImpairments().describe() + " / " + impaired.txImpairments().describe(), peakTimeWait,
            peakTimeWait6);
        a.close();
        b.close();
        assertEquals(0, a.pool().inUse(), "stack A's pool is whole after close");
        assertEquals(0, b.pool().inUse(), "stack B's pool is whole after close (the impairment's held frames too)");
        return outcome;
    }

    /**
     * The next instant to poll at: a small step while anything moves or the impairment holds frames back (it
     * releases them as it is called), else the next timer.
     */
    private static long next(final long now, final Stack a, final Stack b, final ImpairedLink impaired,
        final boolean progress)
    {
        if (progress || a.lastWork() > 0 || b.lastWork() > 0 || impaired.framesHeld() > 0)
        {
            return now + STEP_NANOS;
        }
        final long deadline = Math.min(a.nextDeadline(), b.nextDeadline());
        return deadline == Long.MAX_VALUE ? now + STEP_NANOS : Math.max(now + STEP_NANOS, deadline);
    }

    /**
     * Adds a stream each way, {@code "a->b#index"} and {@code "b->a#index"} seeded {@code seed} and {@code seed + 1},
     * between a listener's {@code child} and the one of {@code clients} connected to it.
     */
    static void streamBothWays(final List<ByteStream> streams, final int index, final TcpSocket child,
        final List<TcpSocket> clients, final long bytesEachWay, final long seed)
    {
        TcpSocket client = null;
        for (final TcpSocket c : clients)
        {
            if (c.localPort() == child.remotePort() && c.isIpv6() == child.isIpv6())
            {
                client = c;
            }
        }
        assertNotNull(client, "the client of " + child);
        streams.add(new ByteStream("a->b#" + index, child, client, bytesEachWay, seed));
        streams.add(new ByteStream("b->a#" + index, client, child, bytesEachWay, seed + 1));
    }
}
