package org.jbypass.benchmarks.stack;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.jbypass.netstack.udp.UdpSocket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The stack's cost per UDP datagram: a socket of stack A sends to a socket of stack B over the memory wire and B's
 * socket receives it, one thread driving both stacks ({@link TwoStacks}). One operation is one datagram through
 * everything a datagram meets on both ends: A's UDP send (header, checksum, route, ARP cache, the transmit burst),
 * the wire's copy into B's receive queue and out into B's armed buffer, B's receive (Ethernet, IPv4 and UDP
 * validation with the checksum verified, demultiplexing, the socket's queue) and the application's copy out. The
 * polls of both stacks are in it too: one per datagram in {@link #datagram}, one per 32 in {@link #burstOf32},
 * which is how a poller that finds a burst waiting pays for it.
 *
 * <p>Read {@code avgt} as nanoseconds per datagram for both stacks together; {@code -prof gc} must show
 * {@code gc.alloc.rate.norm} of 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class UdpStackBenchmark
{
    private static final int PORT_A = 5000;
    private static final int PORT_B = 6000;
    private static final int BURST = 32;

    /** Payload bytes per datagram: 64 (a small message) or 1472 (a full 1500-byte frame). */
    @Param({"64", "1472"})
    int payload;

    /**
     * Who computes and verifies the UDP checksums: {@code software} (both stacks, the default) or {@code offload}
     * (the link, as a veth or a ConnectX: {@link TwoStacks.Checksums}); {@code -p checksums=software,offload}
     * runs both.
     */
    @Param({"software"})
    public String checksums;

    private TwoStacks stacks;
    private UdpSocket sender;
    private UdpSocket receiver;
    private ByteBuffer out;
    private ByteBuffer in;
    private long sent;
    private long received;

    @Setup(Level.Trial)
    public void open()
    {
        stacks = new TwoStacks(true, TwoStacks.Checksums.named(checksums));
        sender = stacks.a.openUdp();
        receiver = stacks.b.openUdp();
        check(sender.bind(TwoStacks.IP_A, PORT_A), "bind A");
        check(receiver.bind(TwoStacks.IP_B, PORT_B), "bind B");
        check(sender.connect(TwoStacks.IP_B, PORT_B), "connect A to B");
        out = ByteBuffer.allocateDirect(payload);
        in = ByteBuffer.allocateDirect(2048);
        // The first datagram waits for ARP; once it is through, every one goes straight out.
        sent++;
        check(sender.send(out.clear(), 0, 0), "send");
        stacks.stepUntil(() -> receiver.receive(in.clear()) > 0, "the first datagram received");
        received++;
    }

    /** One datagram from A to B: send, one step of both stacks, receive. */
    @Benchmark
    public int datagram()
    {
        out.clear();
        sender.send(out, 0, 0);
        stacks.step();
        in.clear();
        final int n = receiver.receive(in);
        sent++;
        received += n > 0 ? 1 : 0;
        return n;
    }

    /** 32 datagrams sent, one step, 32 received; the figure is per datagram. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int burstOf32()
    {
        for (int i = 0; i < BURST; i++)
        {
            out.clear();
            sender.send(out, 0, 0);
        }
        stacks.step();
        int bytes = 0;
        for (int i = 0; i < BURST; i++)
        {
            in.clear();
            final int n = receiver.receive(in);
            bytes += n;
            received += n > 0 ? 1 : 0;
        }
        sent += BURST;
        return bytes;
    }

    /** Every datagram sent in the iteration was received, and none was dropped anywhere on the way. */
    @TearDown(Level.Iteration)
    public void verify()
    {
        if (received != sent || receiver.drops() != 0)
        {
            throw new IllegalStateException("sent " + sent + " datagrams, received " + received + ", the socket "
                + "dropped " + receiver.drops() + ", A sent " + stacks.a.udpCounters().outDatagrams + " and failed "
                + stacks.a.udpCounters().sndbufErrors + ", B received " + stacks.b.udpCounters().inDatagrams
                + " with " + stacks.b.udpCounters().inErrors + " errors");
        }
    }

    @TearDown(Level.Trial)
    public void close()
    {
        stacks.close();
    }

    private static void check(final int result, final String what)
    {
        if (result < 0)
        {
            throw new IllegalStateException(what + ": " + result);
        }
    }
}
