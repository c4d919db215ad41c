package org.jbypass.benchmarks.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
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
 * Connection churn, stack beside kernel in one run: connections per second that a client opens, uses and closes,
 * one at a time, against an accept loop on its own thread. With {@code exchange = 64} each connection carries a
 * 64-byte request and its reply (connect/request/close, an HTTP/1.0-style client); with 0 it is connect and close.
 * The server closes first, as an HTTP server does, so TIME_WAIT is the server's (records on the stack, see
 * {@code TimeWaitTable}) and a client port comes back as soon as the double-hash search reaches it again, where a
 * new SYN with a newer timestamp reopens the 4-tuple (RFC 6191) on both the stack and the kernel.
 *
 * <p>Each invocation is one whole connection, so the score is connections per second. The stack backend's
 * connections are local to one stack (both ends at its address, see {@link NioBackend}); the kernel's are on
 * loopback. Settings that matter are printed at setup.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ConnectRateBenchmark
{
    @Param({NioBackend.STACK, NioBackend.KERNEL})
    String backend;

    /** Bytes of request and of reply per connection; 0 for none. */
    @Param({"0", "64"})
    int exchange;

    private NioBackend nio;
    private ServerSocketChannel listener;
    private InetSocketAddress target;
    private Thread server;
    private volatile boolean closing;
    private volatile Throwable serverFailure;
    private ByteBuffer request;
    private ByteBuffer reply;

    @Setup(Level.Trial)
    public void open() throws IOException
    {
        nio = NioBackend.open(backend);
        listener = nio.provider.openServerSocketChannel();
        listener.bind(new InetSocketAddress(nio.address, 0), 4096);
        target = (InetSocketAddress) listener.getLocalAddress();
        request = ByteBuffer.allocateDirect(Math.max(1, exchange));
        reply = ByteBuffer.allocateDirect(Math.max(1, exchange));
        System.out.println("connect rate: backend " + backend + " at " + target + ", exchange " + exchange
            + " bytes, server closes first; JVM " + Runtime.version() + ", max heap "
            + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        server = new Thread(this::serve, "accept-loop");
        server.setDaemon(true);
        server.start();
    }

    /** Accepts, answers the request (if any) and closes, one connection at a time. */
    private void serve()
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(Math.max(1, exchange));
        try
        {
            while (!closing)
            {
                try (SocketChannel c = listener.accept())
                {
                    if (exchange > 0)
                    {
                        buffer.clear();
                        while (buffer.hasRemaining())
                        {
                            if (c.read(buffer) < 0)
                            {
                                throw new IOException("end of stream before the request");
                            }
                        }
                        buffer.flip();
                        while (buffer.hasRemaining())
                        {
                            c.write(buffer);
                        }
                    }
                }
            }
        }
        catch (final IOException e)
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
    public int connectRequestClose() throws IOException
    {
        if (serverFailure != null)
        {
            throw new IOException("the accept loop failed", serverFailure);
        }
        try (SocketChannel c = nio.provider.openSocketChannel())
        {
            c.connect(target);
            if (exchange > 0)
            {
                request.clear();
                while (request.hasRemaining())
                {
                    c.write(request);
                }
                reply.clear();
                while (reply.hasRemaining())
                {
                    if (c.read(reply) < 0)
                    {
                        throw new IOException("end of stream before the reply");
                    }
                }
            }
            // The server closes first: wait for its FIN, then close (no TIME_WAIT on the client's side).
            reply.clear();
            return c.read(reply);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException, InterruptedException
    {
        closing = true;
        listener.close();
        server.join(TimeUnit.SECONDS.toMillis(10));
        nio.close();
    }
}
