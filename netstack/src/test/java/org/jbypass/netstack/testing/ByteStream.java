package org.jbypass.netstack.testing;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.util.Errno;

/**
 * One direction of one connection in a transfer test: the writer sends {@code total} seeded pseudo-random bytes and
 * then shuts its output; the reader reads to end of stream. Both sides hash with SHA-256 exactly the bytes that
 * write() accepted and read() returned, so a lost, duplicated, reordered or corrupted byte shows as a mismatch.
 */
public final class ByteStream
{
    /** The size of the chunks {@link #fill} is called with. */
    public static final int CHUNK = 64 * 1024;

    public final String name;
    public final TcpSocket writer;
    public final TcpSocket reader;
    public final long total;
    private final SplittableRandom generator;
    private final MessageDigest sentHash;
    private final MessageDigest receivedHash;
    private final ByteBuffer out = ByteBuffer.allocate(CHUNK);
    private final ByteBuffer in = ByteBuffer.allocate(CHUNK);
    private long written;
    private long read;
    private boolean shut;
    private boolean eof;
    private int readError;
    private int writeError;

    public ByteStream(final String name, final TcpSocket writer, final TcpSocket reader, final long total, final long seed)
    {
        this.name = name;
        this.writer = writer;
        this.reader = reader;
        this.total = total;
        this.generator = new SplittableRandom(seed);
        try
        {
            sentHash = MessageDigest.getInstance("SHA-256");
            receivedHash = MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new AssertionError(e);
        }
        out.limit(0);
    }

    /**
     * The stream's bytes: each 64 KiB chunk is filled from the generator 8 bytes at a time, little-endian, the last
     * chunk cut short. A kernel-side peer generating with the same seed and chunking produces the same bytes.
     */
    public static void fill(final SplittableRandom generator, final byte[] chunk, final int n)
    {
        for (int i = 0; i < n; i += 8)
        {
            final long v = generator.nextLong();
            for (int k = 0; k < 8 && i + k < n; k++)
            {
                chunk[i + k] = (byte)(v >>> (8 * k));
            }
        }
    }

    /**
     * Writes what the send buffer takes and reads what has arrived.
     *
     * @return whether anything moved
     */
    public boolean pump()
    {
        final long before = written + read;
        while (written < total && writeError == 0)
        {
            if (!out.hasRemaining())
            {
                out.clear();
                final int n = (int)Math.min(out.capacity(), total - written);
                fill(generator, out.array(), n);
                out.limit(n);
            }
            final int position = out.position();
            final int r = writer.write(out);
            if (r > 0)
            {
                sentHash.update(out.array(), position, r);
                written += r;
            }
            else
            {
                if (r != -Errno.EAGAIN)
                {
                    writeError = r;
                }
                break;
            }
        }
        if (written == total && !shut)
        {
            shut = true;
            writer.shutdownOutput();
        }
        while (!eof && readError == 0)
        {
            in.clear();
            final int r = reader.read(in);
            if (r > 0)
            {
                receivedHash.update(in.array(), 0, r);
                read += r;
            }
            else if (r == Errno.END_OF_STREAM)
            {
                eof = true;
                return true;
            }
            else
            {
                if (r != -Errno.EAGAIN)
                {
                    readError = r;
                }
                break;
            }
        }
        return written + read != before;
    }

    public long written()
    {
        return written;
    }

    public long read()
    {
        return read;
    }

    public boolean done()
    {
        return eof && written == total;
    }

    public boolean failed()
    {
        return readError != 0 || writeError != 0;
    }

    public byte[] sentDigest()
    {
        return sentHash.digest();
    }

    public byte[] receivedDigest()
    {
        return receivedHash.digest();
    }

    @Override
    public String toString()
    {
        return name + "{written=" + written + "/" + total + ", read=" + read + ", eof=" + eof + ", readError="
            + Errno.name(readError) + ", writeError=" + Errno.name(writeError) + ", writer=" + writer.info()
            + ", reader=" + reader.info() + '}';
    }
}
