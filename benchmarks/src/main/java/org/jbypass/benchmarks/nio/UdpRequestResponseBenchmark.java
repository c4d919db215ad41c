package org.jbypass.benchmarks.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
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
 * UDP request/response, 64-byte datagrams, with plain blocking NIO: the benchmark thread writes a request on a
 * connected {@link DatagramChannel} and reads the reply; an echo server thread in the same JVM receives each
 * datagram and sends it back to where it came from ({@code receive}, {@code send}). The {@code backend} parameter
 * puts both ends on a jbypass stack address (with the defaults, or with {@code profile = latency}: the waiting
 * threads drive the stack) or on the kernel's loopback ({@link NioBackend}): run them in one run and compare.
 *
 * <p>{@link #roundTrip} gives round trips per second ({@code thrpt}); {@link #roundTripLatency} samples single round
 * trips ({@code sample}: p0.50, p0.99, p0.999 in microseconds). Every reply is checked against its request. Neither
 * loopback loses a datagram when one is in flight at a time; if one did, the client would wait for ever and the
 * run would show it by never ending, not by a figure. A server that fails closes the client's channel, which
 * fails the run.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class UdpRequestResponseBenchmark
{
    private static final int MESSAGE = 64;

    /** {@code stack}: a jbypass stack address, local delivery; {@code kernel}: the JDK on 127.0.0.1. */
    @Param({NioBackend.STACK, NioBackend.STACK_LATENCY, NioBackend.KERNEL})
    String backend;

    private NioBackend nio;
    private DatagramChannel serverChannel;
    private DatagramChannel client;
    private Thread server;
    private volatile Throwable serverFailure;
    private volatile boolean closing;
    private final ByteBuffer request = ByteBuffer.allocateDirect(MESSAGE);
    private final ByteBuffer response = ByteBuffer.allocateDirect(2 * MESSAGE);
    private long sequence;

    @Setup(Level.Trial)
    public void open() throws IOException
    {
        nio = NioBackend.open(backend);
        serverChannel = nio.provider.openDatagramChannel();
        serverChannel.bind(new InetSocketAddress(nio.address, 0));
        client = nio.provider.openDatagramChannel();
        client.connect(serverChannel.getLocalAddress());
        server = new Thread(this::serve, "udp-echo-server");
        server.setDaemon(true);
        server.start();
        for (int i = 0; i < MESSAGE; i++)
        {
            request.put(i, (byte)i);
        }
    }

    /** The echo server: returns every datagram to its sender. */
    private void serve()
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
        try
        {
            while (true)
            {
                buffer.clear();
                final SocketAddress from = serverChannel.receive(buffer);
                buffer.flip();
                serverChannel.send(buffer, from);
            }
        }
        catch (final IOException | RuntimeException e)
        {
            if (!closing)
            {
                // Wake the client, which would otherwise wait for its reply for ever.
                serverFailure = e;
                closeQuietly(client);
            }
        }
    }

    private static void closeQuietly(final DatagramChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException e)
        {
            // Closing to wake a waiting reader: the reader reports the failure.
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

    /** Sends one request (numbered, so that a stale reply cannot pass) and reads its reply. */
    private long exchange() throws IOException
    {
        request.clear();
        request.putLong(0, ++sequence);
        client.write(request);
        response.clear();
        final int n = client.read(response);
        response.flip();
        if (n != MESSAGE || response.mismatch(request.clear()) >= 0)
        {
            throw new IllegalStateException("reply of " + n + " bytes numbered " + response.getLong(0)
                + " to request " + sequence + (serverFailure == null ? "" : ": " + serverFailure));
        }
        return response.getLong(0);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception
    {
        closing = true;
        client.close();
        serverChannel.close();
        server.join(TimeUnit.SECONDS.toMillis(10));
        nio.close();
        if (serverFailure != null)
        {
            throw new IllegalStateException("the echo server failed", serverFailure);
        }
    }
}
