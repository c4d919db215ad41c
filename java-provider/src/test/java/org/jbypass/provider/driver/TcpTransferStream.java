package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Random;

import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.util.Errno;

/**
 * One direction of a TCP transfer between two stacks that a test drives itself (the rdma two-stack tests over the
 * mlx5 model): seeded data, what is left to write, and the SHA-256 of what was sent and of what arrived.
 */
final class TcpTransferStream
{
    final ByteBuffer source;
    final MessageDigest sent = sha256();
    final MessageDigest received = sha256();
    final ByteBuffer in = ByteBuffer.allocate(65536);
    boolean shut;
    boolean ended;
    long receivedBytes;

    TcpTransferStream(final int bytes, final long seed)
    {
        final byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        source = ByteBuffer.wrap(data);
        sent.update(data);
    }

    private static MessageDigest sha256()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** Writes what the sender's buffer takes; shuts the output down once everything is queued. */
    void write(final TcpSocket out)
    {
        if (source.hasRemaining())
        {
            final int n = out.write(source);
            assertTrue(n >= 0 || n == -Errno.EAGAIN, "write: " + n);
        }
        else if (!shut)
        {
            assertEquals(0, out.shutdownOutput());
            shut = true;
        }
    }

    void read(final TcpSocket from)
    {
        for (;;)
        {
            in.clear();
            final int n = from.read(in);
            if (n == Errno.END_OF_STREAM)
            {
                ended = true;
                return;
            }
            if (n == -Errno.EAGAIN)
            {
                return;
            }
            assertTrue(n > 0, "read: " + n);
            received.update(in.array(), 0, n);
            receivedBytes += n;
        }
    }
}
