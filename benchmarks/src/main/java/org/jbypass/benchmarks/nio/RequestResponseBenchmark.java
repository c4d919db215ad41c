package org.jbypass.benchmarks.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the request/response benchmarks share, whatever the transport: the backend, the echo server's thread and
 * its failure, the numbered 64-byte request, the two measurements of one exchange (round trips per second, and
 * sampled single round trips), and the order of setting up and tearing down. A subclass opens and closes its
 * channels, serves, and makes one exchange.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class RequestResponseBenchmark
{
    static final int MESSAGE = 64;

    /** {@code stack}: a jbypass stack address, local delivery; {@code kernel}: the JDK on 127.0.0.1. */
    @Param({NioBackend.STACK, NioBackend.STACK_LATENCY, NioBackend.KERNEL})
    String backend;

    /** {@code ipv4}, or {@code ipv6}: the stack's IPv6 address (2001:db8::1), or the kernel's ::1. */
    @Param({NioBackend.IPV4, NioBackend.IPV6})
    String family;

    NioBackend nio;
    volatile Throwable serverFailure;
    volatile boolean closing;
    final ByteBuffer request = ByteBuffer.allocateDirect(MESSAGE);
    long sequence;
    private Thread server;

    @Setup(Level.Trial)
    public void open() throws IOException
    {
        nio = NioBackend.open(backend, family);
        openChannels();
        for (int i = 0; i < MESSAGE; i++)
        {
            request.put(i, (byte)i);
        }
    }

    /** Opens the server's and the client's channels on {@link #nio}, calling {@link #startServer} when it can. */
    abstract void openChannels() throws IOException;

    /** Starts the echo server's thread, which runs {@link #serve}. */
    final void startServer(final String name)
    {
        server = new Thread(this::serve, name);
        server.setDaemon(true);
        server.start();
    }

    /** The echo server: returns every request to its sender until the channels close. */
    abstract void serve();

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long roundTrip() throws IOException
    {
        return exchange();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long roundTripLatency() throws IOException
    {
        return exchange();
    }

    /** Sends one request (numbered, so that a stale reply cannot pass) and reads its reply. */
    abstract long exchange() throws IOException;

    @TearDown(Level.Trial)
    public void close() throws Exception
    {
        closing = true;
        closeChannels();
        nio.close();
        if (serverFailure != null)
        {
            throw new IllegalStateException("the echo server failed", serverFailure);
        }
    }

    /** Closes the channels, calling {@link #joinServer} when that ends the server. */
    abstract void closeChannels() throws Exception;

    /** Waits for the echo server's thread to end. */
    final void joinServer() throws InterruptedException
    {
        server.join(TimeUnit.SECONDS.toMillis(10));
    }
}
