package org.jbypass.benchmarks.stack;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;

/**
 * The per-packet cost of {@link UdpStackBenchmark#burstOf32} and {@link TcpStackBenchmark#burstOf16}, split into
 * the phases of one burst and read as the median over many bursts: the sender's part (UDP sends, or the TCP write
 * and its output), the step (the sender's transmit, the memory wire's copies, the receiver's whole receive path,
 * and for TCP the ACKs of the last step taken in), and the application's receive or read. Each phase is timed with
 * {@link System#nanoTime()} around a whole burst, so the clock costs little against it; the total is the sum of
 * the three medians.
 *
 * <p>Why besides JMH: on a machine shared with other busy processes JMH's mean wall time per operation counts every
 * time the thread waited for a core, and varies by a factor of several between runs. The median of many short
 * bursts is one that ran undisturbed, so two builds compare within a few per cent in one run even when the load
 * is high; and the split says which part moved. Run it as
 *
 * <pre>
 *   java -cp benchmarks/target/benchmarks.jar org.jbypass.benchmarks.stack.StackPhases [udp64|udp1472|tcp|tcp-gro|tcp64]...
 * </pre>
 *
 * (all five by default; {@code tcp64} is 16 segments of 64 bytes each, written one by one with TCP_NODELAY as a
 * request/response stream writes its messages, each its own segment with PSH, GRO on; each name with {@code -offload} appended, {@code tcp-offload}, runs over a wire that
 * offloads the TCP and UDP checksums as a veth does, {@link TwoStacks.Checksums#OFFLOAD}); each prints three rounds of 100,000 bursts after a warm-up round, in ns per packet.
 * Pinning it ({@code taskset -c 0}) keeps it off a core whose timing differs. The figures are the stack's alone, as
 * the benchmarks': no thread, lock, system call or clock read is in them.
 */
public final class StackPhases
{
    private static final int BURSTS = 100_000;
    private static final int ROUNDS = 3;
    private static final int UDP_BURST = 32;
    private static final int TCP_BURST = 16;
    /** The payload of a small segment: a 64-byte message of a request/response stream. */
    private static final int SMALL_SEGMENT = 64;

    private final long[] first = new long[BURSTS];
    private final long[] step = new long[BURSTS];
    private final long[] last = new long[BURSTS];

    private StackPhases()
    {
    }

    public static void main(final String[] args)
    {
        final String[] cases = args.length == 0 ? new String[] {"udp64", "udp1472", "tcp", "tcp-gro", "tcp64"} : args;
        final String known = "udp64, udp1472, tcp, tcp-gro, tcp64, each also with -offload (checksums offloaded as a veth"
            + " does: TwoStacks.Checksums.OFFLOAD)";
        final StackPhases phases = new StackPhases();
        for (final String c : cases)
        {
            final boolean offload = c.endsWith("-offload");
            final TwoStacks.Checksums checksums = offload ? TwoStacks.Checksums.OFFLOAD : TwoStacks.Checksums.SOFTWARE;
            switch (offload ? c.substring(0, c.length() - "-offload".length()) : c)
            {
                case "udp64" -> phases.udp(64, checksums);
                case "udp1472" -> phases.udp(1472, checksums);
                case "tcp" -> phases.tcp(false, 0, checksums);
                case "tcp-gro" -> phases.tcp(true, 0, checksums);
                case "tcp64" -> phases.tcp(true, SMALL_SEGMENT, checksums);
                default -> throw new IllegalArgumentException("unknown case " + c + ": " + known);
            }
        }
    }

    private void udp(final int payload, final TwoStacks.Checksums checksums)
    {
        try (TwoStacks stacks = new TwoStacks(true, checksums))
        {
            final UdpSocket sender = stacks.a.openUdp();
            final UdpSocket receiver = stacks.b.openUdp();
            check(sender.bind(TwoStacks.IP_A, 5000), "bind A");
            check(receiver.bind(TwoStacks.IP_B, 6000), "bind B");
            check(sender.connect(TwoStacks.IP_B, 6000), "connect A to B");
            final ByteBuffer out = ByteBuffer.allocateDirect(payload);
            final ByteBuffer in = ByteBuffer.allocateDirect(2048);
            check(sender.send(out.clear(), 0, 0), "send");
            stacks.stepUntil(() -> receiver.receive(in.clear()) > 0, "the first datagram received");
            for (int round = 0; round <= ROUNDS; round++)
            {
                long received = 0;
                for (int k = 0; k < BURSTS; k++)
                {
                    final long t0 = System.nanoTime();
                    for (int i = 0; i < UDP_BURST; i++)
                    {
                        sender.send(out.clear(), 0, 0);
                    }
                    final long t1 = System.nanoTime();
                    stacks.step();
                    final long t2 = System.nanoTime();
                    for (int i = 0; i < UDP_BURST; i++)
                    {
                        received += receiver.receive(in.clear()) > 0 ? 1 : 0;
                    }
                    final long t3 = System.nanoTime();
                    record(k, t0, t1, t2, t3);
                }
                if (received != (long)BURSTS * UDP_BURST)
                {
                    throw new IllegalStateException("received " + received + " of " + (long)BURSTS * UDP_BURST
                        + " datagrams; the socket dropped " + receiver.drops());
                }
                print("udp " + payload + " B" + suffix(checksums), round, UDP_BURST, "send", "step", "receive");
            }
        }
    }

    /**
     * @param small 0 for MSS segments (the burst written at once), or the size of each of the burst's writes, each
     *              its own segment (TCP_NODELAY on both ends)
     */
    private void tcp(final boolean gro, final int small, final TwoStacks.Checksums checksums)
    {
        try (TwoStacks stacks = new TwoStacks(gro, checksums))
        {
            final TcpSocket listener = stacks.b.openTcp();
            check(listener.bind(0, 5001), "bind B");
            check(listener.listen(1), "listen on B");
            final TcpSocket client = stacks.a.openTcp();
            if (client.connect(TwoStacks.IP_B, 5001) != -Errno.EINPROGRESS)
            {
                throw new IllegalStateException("connect from A");
            }
            final TcpSocket[] server = new TcpSocket[1];
            stacks.stepUntil(() -> (server[0] != null || (server[0] = listener.accept()) != null)
                && client.finishConnect() == 0, "an established connection");
            final int mss = client.info().sendMss;
            final ByteBuffer out = ByteBuffer.allocateDirect(TCP_BURST * mss);
            final ByteBuffer in = ByteBuffer.allocateDirect(TCP_BURST * mss);
            if (small != 0)
            {
                client.noDelay(true);
                server[0].noDelay(true);
            }
            for (int round = 0; round <= ROUNDS; round++)
            {
                long written = 0;
                long read = 0;
                final long segmentsBefore = stacks.a.tcpCounters().segmentsOut();
                for (int k = 0; k < BURSTS; k++)
                {
                    final long t0 = System.nanoTime();
                    if (small == 0)
                    {
                        written += Math.max(0, client.write(out.clear()));
                    }
                    else
                    {
                        for (int i = 0; i < TCP_BURST; i++)
                        {
                            written += Math.max(0, client.write(out.clear().limit(small)));
                        }
                    }
                    final long t1 = System.nanoTime();
                    stacks.step();
                    final long t2 = System.nanoTime();
                    read += Math.max(0, server[0].read(in.clear()));
                    final long t3 = System.nanoTime();
                    record(k, t0, t1, t2, t3);
                }
                final long expected = written;
                final long[] total = {read};
                stacks.stepUntil(() ->
                {
                    total[0] += Math.max(0, server[0].read(in.clear()));
                    return total[0] == expected;
                }, "every byte written read");
                if (small != 0 && (stacks.a.tcpCounters().retransmittedSegments() != 0
                    || stacks.b.tcpCounters().outOfOrderSegments() != 0
                    || stacks.a.tcpCounters().segmentsOut() - segmentsBefore < (long)BURSTS * TCP_BURST))
                {
                    throw new IllegalStateException("not the in-order path, one segment per write:\nA " + stacks.a.tcpCounters() + "\nB "
                        + stacks.b.tcpCounters());
                }
                print((small == 0 ? "tcp MSS " + mss : "tcp " + small) + " B, gro " + gro + suffix(checksums), round,
                    TCP_BURST, "write+output", "step", "read");
            }
        }
    }

    private static String suffix(final TwoStacks.Checksums checksums)
    {
        return checksums == TwoStacks.Checksums.OFFLOAD ? ", offload" : "";
    }

    private void record(final int k, final long t0, final long t1, final long t2, final long t3)
    {
        first[k] = t1 - t0;
        step[k] = t2 - t1;
        last[k] = t3 - t2;
    }

    /** Prints the medians per packet; round 0 is the warm-up, printed too so that the JIT's progress shows. */
    private void print(final String what, final int round, final int burst, final String firstName,
        final String stepName, final String lastName)
    {
        final double a = median(first) / burst;
        final double b = median(step) / burst;
        final double c = median(last) / burst;
        System.out.printf("%-28s %s  %s %6.1f  %s %6.1f  %s %6.1f  total %6.1f ns per packet (median of %d bursts)%n",
            what, round == 0 ? "warm-up" : "round " + round, firstName, a, stepName, b, lastName, c, a + b + c,
            BURSTS);
    }

    private static double median(final long[] values)
    {
        Arrays.sort(values);
        return values[values.length / 2];
    }

    private static void check(final int result, final String what)
    {
        if (result < 0)
        {
            throw new IllegalStateException(what + ": " + result);
        }
    }
}
