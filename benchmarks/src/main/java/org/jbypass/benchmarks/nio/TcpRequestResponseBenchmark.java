package org.jbypass.benchmarks.nio;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

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
public class TcpRequestResponseBenchmark extends RequestResponseBenchmark
{
    private ServerSocketChannel listener;
    private SocketChannel client;
    private final ByteBuffer response = ByteBuffer.allocateDirect(MESSAGE);

    @Override
    void openChannels() throws IOException
    {
        listener = nio.provider.openServerSocketChannel();
        listener.bind(new InetSocketAddress(nio.address, 0));
        startServer("tcp-echo-server");
        client = nio.provider.openSocketChannel();
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        client.connect(listener.getLocalAddress());
    }

    /** The echo server: accepts one connection and returns every 64-byte request as it came. */
    @Override
    void serve()
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

    /** Writes one request (numbered, so that a stale reply cannot pass) and reads its reply. */
    @Override
    long exchange() throws IOException
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

    @Override
    void closeChannels() throws Exception
    {
        client.close();
        joinServer();
        listener.close();
    }
}
