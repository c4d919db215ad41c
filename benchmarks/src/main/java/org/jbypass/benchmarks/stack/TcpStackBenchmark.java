package org.jbypass.benchmarks.stack;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.jbypass.netstack.tcp.TcpCounters;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.util.Errno;
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
 * The stack's cost per in-order TCP segment: one connection from stack A to stack B over the memory wire, one
 * thread driving both stacks ({@link TwoStacks}). One operation is one full-sized data segment (the connection's
 * MSS, 1448 bytes with timestamps at MTU 1500) through both ends: the application's write into A's send buffer,
 * A's output (segment built from the send buffer, checksum, the transmit burst), the wire, B's input (validation,
 * the connection's lookup, RFC 9293 processing, the receive buffer), the application's read, and the share of
 * B's ACKs that the segment causes (one ACK for every second segment, RFC 9293 section 3.8.6.3, received and
 * processed by A: RTT sample, congestion window, send buffer freed). The polls of both stacks are in it: one step
 * per segment in {@link #segment}, one per 16 segments in {@link #burstOf16}. {@link #smallOf16} is the small
 * segments of a request/response stream: 16 writes of {@value #SMALL_SEGMENT} bytes, each its own segment
 * (TCP_NODELAY, as such applications set it), one step, one read.
 *
 * <p>Read {@code avgt} as nanoseconds per data segment for both stacks together, its ACKs included; {@code -prof
 * gc} must show {@code gc.alloc.rate.norm} of 0 B/op. An iteration that retransmitted anything, or left a byte
 * unread, fails the run: the figure is for the in-order path only.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TcpStackBenchmark
{
    private static final int PORT = 5001;
    private static final int BURST = 16;
    /** The payload of each write of {@link #smallOf16}: a 64-byte message. */
    private static final int SMALL_SEGMENT = 64;

    /** Software GRO on both stacks (the default) or off: {@link #burstOf16} is where it coalesces. */
    @Param({"true", "false"})
    public boolean gro;

    /**
     * Who computes and verifies the TCP checksums: {@code software} (both stacks, the default) or {@code offload}
     * (the link, as a veth or a ConnectX: {@link TwoStacks.Checksums}); {@code -p checksums=software,offload}
     * runs both.
     */
    @Param({"software"})
    public String checksums;

    private TwoStacks stacks;
    private TcpSocket listener;
    private TcpSocket client;
    private TcpSocket server;
    private int mss;
    private ByteBuffer out;
    private ByteBuffer in;
    private long written;
    private long read;
    private long retransmittedBefore;

    @Setup(Level.Trial)
    public void open()
    {
        stacks = new TwoStacks(gro, TwoStacks.Checksums.named(checksums));
        listener = stacks.b.openTcp();
        if (listener.bind(0, PORT) != 0 || listener.listen(1) != 0)
        {
            throw new IllegalStateException("listen on B");
        }
        client = stacks.a.openTcp();
        if (client.connect(TwoStacks.IP_B, PORT) != -Errno.EINPROGRESS)
        {
            throw new IllegalStateException("connect from A");
        }
        stacks.stepUntil(() -> (server != null || (server = listener.accept()) != null)
            && client.finishConnect() == 0, "an established connection");
        mss = client.info().sendMss;
        // Small writes go out at once, each its own segment; full segments are sent at once with Nagle's rule too.
        client.noDelay(true);
        server.noDelay(true);
        out = ByteBuffer.allocateDirect(BURST * mss);
        in = ByteBuffer.allocateDirect(BURST * mss);
    }

    @Setup(Level.Iteration)
    public void count()
    {
        retransmittedBefore = retransmitted();
    }

    /** One segment from A to B: write one MSS, one step of both stacks, read it. */
    @Benchmark
    public int segment()
    {
        out.clear().limit(mss);
        written += client.write(out);
        stacks.step();
        in.clear();
        final int n = server.read(in);
        read += Math.max(0, n);
        return n;
    }

    /** 16 segments written at once, one step, read; the figure is per segment. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int burstOf16()
    {
        out.clear();
        written += client.write(out);
        stacks.step();
        in.clear();
        final int n = server.read(in);
        read += Math.max(0, n);
        return n;
    }

    /** 16 writes of 64 bytes, each its own segment (TCP_NODELAY), one step, read; the figure is per segment. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int smallOf16()
    {
        for (int i = 0; i < BURST; i++)
        {
            out.clear().limit(SMALL_SEGMENT);
            written += client.write(out);
        }
        stacks.step();
        in.clear();
        final int n = server.read(in);
        read += Math.max(0, n);
        return n;
    }

    /** Everything written in the iteration arrives, in order, without a retransmission. */
    @TearDown(Level.Iteration)
    public void verify()
    {
        stacks.stepUntil(() ->
        {
            read += Math.max(0, server.read(in.clear()));
            return read == written;
        }, "every byte written read (" + written + ")");
        final long retransmitted = retransmitted() - retransmittedBefore;
        final TcpCounters b = stacks.b.tcpCounters();
        if (retransmitted != 0 || b.outOfOrderSegments() != 0 || b.duplicateSegments() != 0)
        {
            throw new IllegalStateException("not the in-order path: " + retransmitted + " segments retransmitted\nA "
                + stacks.a.tcpCounters() + "\nB " + b);
        }
    }

    @TearDown(Level.Trial)
    public void close()
    {
        stacks.close();
    }

    private long retransmitted()
    {
        return stacks.a.tcpCounters().retransmittedSegments() + stacks.b.tcpCounters().retransmittedSegments();
    }
}
