package org.jbypass.benchmarks.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

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
public class UdpRequestResponseBenchmark extends RequestResponseBenchmark
{
    private DatagramChannel serverChannel;
    private DatagramChannel client;
    private final ByteBuffer response = ByteBuffer.allocateDirect(2 * MESSAGE);

    @Override
    void openChannels() throws IOException
    {
        serverChannel = nio.provider.openDatagramChannel();
        serverChannel.bind(new InetSocketAddress(nio.address, 0));
        client = nio.provider.openDatagramChannel();
        client.connect(serverChannel.getLocalAddress());
        startServer("udp-echo-server");
    }

    /** The echo server: returns every datagram to its sender. */
    @Override
    void serve()
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

    /** Sends one request (numbered, so that a stale reply cannot pass) and reads its reply. */
    @Override
    long exchange() throws IOException
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

    @Override
    void closeChannels() throws Exception
    {
        client.close();
        serverChannel.close();
        joinServer();
    }
}
