package org.jbypass.samples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Random;

/**
 * Sends bytes to an echo server and checks that the same bytes come back; prints throughput. Plain Java.
 *
 * <pre>java org.jbypass.samples.TcpEchoClient ADDRESS PORT [MEGABYTES]</pre>
 */
public final class TcpEchoClient
{
    private TcpEchoClient()
    {
    }

    public static void main(final String[] args) throws IOException, InterruptedException, NoSuchAlgorithmException
    {
        if (args.length < 2)
        {
            System.err.println("usage: TcpEchoClient ADDRESS PORT [MEGABYTES]");
            System.exit(2);
        }
        final InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(args[0]),
            Integer.parseInt(args[1]));
        final int megabytes = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        final byte[] data = new byte[megabytes << 20];
        new Random(1).nextBytes(data);
        final MessageDigest sent = MessageDigest.getInstance("SHA-256");
        final MessageDigest received = MessageDigest.getInstance("SHA-256");
        try (SocketChannel channel = SocketChannel.open(server))
        {
            channel.socket().setTcpNoDelay(true);
            final long start = System.nanoTime();
            // Write on one thread, read on this one: an echo of more than the buffers hold needs both at once.
            final Thread writer = new Thread(() ->
            {
                try
                {
                    final ByteBuffer src = ByteBuffer.wrap(data);
                    while (src.hasRemaining())
                    {
                        channel.write(src);
                    }
                }
                catch (final IOException e)
                {
                    e.printStackTrace();
                }
            });
            writer.start();
            sent.update(data);
            final ByteBuffer buffer = ByteBuffer.allocate(65536);
            long total = 0;
            while (total < data.length)
            {
                buffer.clear();
                final int n = channel.read(buffer);
                if (n < 0)
                {
                    break;
                }
                buffer.flip();
                received.update(buffer);
                total += n;
            }
            writer.join();
            final double seconds = (System.nanoTime() - start) / 1e9;
            final boolean same = total == data.length && Arrays.equals(sent.digest(), received.digest());
            System.out.printf("echoed %d of %d bytes in %.3f s (%.1f MB/s each way): %s%n", total, data.length,
                seconds, total / seconds / 1e6, same ? "identical" : "DIFFERENT");
            if (!same)
            {
                System.exit(1);
            }
        }
    }
}
