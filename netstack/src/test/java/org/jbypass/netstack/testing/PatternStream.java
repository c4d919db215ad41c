package org.jbypass.netstack.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;

import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.util.Errno;

/**
 * The bytes of a connection the fuzz targets protect: a function of each byte's offset in its stream and the
 * stream's name, so that a reader checks every byte it reads, wherever it starts, without keeping what was written.
 */
public final class PatternStream
{
    private PatternStream()
    {
    }

    /** {@code length} bytes of stream {@code stream} from {@code offset} on. */
    public static ByteBuffer pattern(final long offset, final int length, final char stream)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            final long k = offset + i;
            bytes[i] = (byte)((k * 0x9E3779B1L >>> 11) ^ stream ^ (k >>> 8));
        }
        return ByteBuffer.wrap(bytes);
    }

    /**
     * Reads what {@code s} has and fails at the first byte that is not stream {@code stream}'s at its offset.
     *
     * @return the bytes read (0 when none waited)
     */
    public static long readAndCheck(final TcpSocket s, final long offset, final char stream)
    {
        final ByteBuffer dst = ByteBuffer.allocate(65536);
        final int n = s.read(dst);
        if (n <= 0)
        {
            assertEquals(-Errno.EAGAIN, n, "read on the protected connection");
            return 0;
        }
        final ByteBuffer want = pattern(offset, n, stream);
        for (int i = 0; i < n; i++)
        {
            if (dst.get(i) != want.get(i))
            {
                fail("protected connection: byte " + (offset + i) + " of stream " + stream + " corrupted");
            }
        }
        return n;
    }
}
