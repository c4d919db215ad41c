package org.jbypass.benchmarks.nio;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
 * TCP request/response, 64 bytes each way, with plain blocking NIO: the benchmark thread writes a request on a
 * {@link SocketChannel} and reads the reply; an echo server thread in the same JVM reads each request from the
 * accepted channel and writes it back. TCP_NODELAY on both ends, as latency-sensitive programs set it. The
 * {@code backend} parameter puts both ends on a jbypass stack address (with the defaults, or with
 * {@code profile = latency}: stack-latency) or on the kernel's loopback ({@link NioBackend}): run them in one run
 * and compare.
 *
 * <p>{@link #roundTrip} gives round trips per second ({@code thrpt}); {@link #roundTripLatency} samples single round
 * trips ({@code sample}: p0.50, p0.99, p0.999 in microseconds). A round trip is two messages and, on the kernel and
 * the default stack, two thread wakeups: the server's and the client's (with the latency profile, none while each
 * reply comes within the busy-wait time). Every reply is checked against its request.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TcpRequestResponseBenchmark
{
    private static final int MESSAGE = 64;

    /** {@code stack}: a jbypass stack address, local delivery; {@code kernel}: the JDK on 127.0.0.1. */
    @Param({NioBackend.STACK, NioBackend.STACK_LATENCY, NioBackend.KERNEL})
    String backend;

    private NioBackend nio;
    private ServerSocketChannel listener;
    private SocketChannel client;
    private Thread server;
    private volatile Throwable serverFailure;
    private volatile boolean closing;
    private final ByteBuffer request = ByteBuffer.allocateDirect(MESSAGE);
    private final ByteBuffer response = ByteBuffer.allocateDirect(MESSAGE);
    private long sequence;

    @Setup(Level.Trial)
    public void open() throws IOException
    {
        nio = NioBackend.open(backend);
        listener = nio.provider.openServerSocketChannel();
        listener.bind(new InetSocketAddress(nio.address, 0));
        server = new Thread(this::serve, "tcp-echo-server");
        server.setDaemon(true);
        server.start();
        client = nio.provider.openSocketChannel();
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        client.connect(listener.getLocalAddress());
        for (int i = 0; i < MESSAGE; i++)
        {
            request.put(i, (byte)i);
        }
    }

    /** The echo server: accepts one connection and returns every 64-byte request as it came. */
    private void serve()
    {
        try (SocketChannel channel = listener.accept())
        {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            final ByteBuffer buffer = ByteBuffer.allocateDirect(MESSAGE);
            while (true)
            {
                buffer.clear();
                while (buffer.hasRemaining())
                {
                    if (channel.read(buffer) < 0)
                    {
                        return;
                    }
                }
                buffer.flip();
                while (buffer.hasRemaining())
                {
                    channel.write(buffer);
                }
            }
        }
        catch (final IOException | RuntimeException e)
        {
            if (!closing)
            {
                serverFailure = e;
            }
        }
    }

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

    /** Writes one request (numbered, so that a stale reply cannot pass) and reads its reply. */
    private long exchange() throws IOException
    {
        request.clear();
        request.putLong(0, ++sequence);
        while (request.hasRemaining())
        {
            client.write(request);
        }
        response.clear();
        while (response.hasRemaining())
        {
            if (client.read(response) < 0)
            {
                throw new EOFException("the echo server closed the connection: " + serverFailure);
            }
        }
        if (response.clear().mismatch(request.clear()) >= 0)
        {
            throw new IllegalStateException("reply " + response.getLong(0) + " to request " + sequence);
        }
        return response.getLong(0);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception
    {
        closing = true;
        client.close();
        server.join(TimeUnit.SECONDS.toMillis(10));
        listener.close();
        nio.close();
        if (serverFailure != null)
        {
            throw new IllegalStateException("the echo server failed", serverFailure);
        }
    }
}
