package org.jbypass.netstack.link.virtual;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes Ethernet frames to a classic pcap file (the libpcap format that tcpdump, tshark and Wireshark read;
 * draft-ietf-opsawg-pcap, "PCAP Capture File Format"):
 *
 * <pre>
 *   file header (24 bytes)
 *   0           4       6       8           12          16          20          24
 *   +-----------+-------+-------+-----------+-----------+-----------+-----------+
 *   | magic     | major | minor | reserved1 | reserved2 | snaplen   | linktype  |
 *   +-----------+-------+-------+-----------+-----------+-----------+-----------+
 *     0xA1B2C3D4 (microsecond timestamps) or 0xA1B23C4D (nanosecond); version 2.4; LINKTYPE_ETHERNET = 1
 *
 *   record header (16 bytes), then the captured bytes
 *   0           4           8           12          16
 *   +-----------+-----------+-----------+-----------+
 *   | seconds   | fraction  | captured  | original  |
 *   +-----------+-----------+-----------+-----------+
 *     fraction: microseconds or nanoseconds, per the magic; captured = min(original, snaplen)
 * </pre>
 *
 * Fields are written little-endian; readers tell the byte order from the magic number.
 *
 * <p>Records go into a fixed direct staging buffer, written to the file when it is full, on {@link #flush()} and on
 * {@link #close()}: memory stays bounded and appending a record allocates nothing. A failed write does not throw
 * into the caller's data path: the writer remembers the failure ({@link #failure()}), drops later records (counting
 * them), and {@link #close()} reports it. Single-threaded.
 */
public final class PcapWriter implements AutoCloseable
{
    public static final int MAGIC_MICROSECONDS = 0xA1B2_C3D4;
    public static final int MAGIC_NANOSECONDS = 0xA1B2_3C4D;
    /** LINKTYPE_ETHERNET: IEEE 802.3 frames without the frame check sequence. */
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int FILE_HEADER_LENGTH = 24;
    public static final int RECORD_HEADER_LENGTH = 16;
    /** tcpdump's and Wireshark's largest snapshot length (libpcap's MAXIMUM_SNAPLEN). */
    public static final int MAX_SNAPLEN = 262_144;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final FileChannel channel;
    private final ByteBuffer staging;
    private final int snaplen;
    private final boolean nanoseconds;
    private IOException failure;
    private long records;
    private long recordsDropped;
    private boolean closed;

    /**
     * Creates (or truncates) the file and writes its header.
     *
     * @param snaplen     the most bytes of a frame to keep, 1..{@value #MAX_SNAPLEN}
     * @param nanoseconds nanosecond timestamps (magic 0xA1B23C4D) rather than microsecond ones
     * @param bufferBytes the staging buffer's size: at least one largest record,
     *                    {@code 16 + min(snaplen, maxFrame)}
     * @param maxFrame    the longest frame that will be appended (a pool buffer's size)
     * @throws IOException when the file cannot be created
     */
    public PcapWriter(final Path file, final int snaplen, final boolean nanoseconds, final int bufferBytes,
        final int maxFrame) throws IOException
    {
        if (snaplen < 1 || snaplen > MAX_SNAPLEN)
        {
            throw new IllegalArgumentException("pcap snaplen must be 1.." + MAX_SNAPLEN + ": " + snaplen);
        }
        final int largestRecord = RECORD_HEADER_LENGTH + Math.min(snaplen, Math.max(1, maxFrame));
        if (bufferBytes < largestRecord)
        {
            throw new IllegalArgumentException("pcap buffer of " + bufferBytes + " bytes cannot hold a record of "
                + largestRecord + " (16 + snaplen or 16 + the longest frame)");
        }
        this.snaplen = snaplen;
        this.nanoseconds = nanoseconds;
        this.staging = ByteBuffer.allocateDirect(bufferBytes).order(ByteOrder.LITTLE_ENDIAN);
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
        staging.putInt(nanoseconds ? MAGIC_NANOSECONDS : MAGIC_MICROSECONDS)
            .putShort((short)2)
            .putShort((short)4)
            .putInt(0)
            .putInt(0)
            .putInt(snaplen)
            .putInt(LINKTYPE_ETHERNET);
    }

    public int snaplen()
    {
        return snaplen;
    }

    public boolean nanoseconds()
    {
        return nanoseconds;
    }

    /** The bytes a frame of {@code frameLength} bytes takes in the file. */
    public int recordLength(final int frameLength)
    {
        return RECORD_HEADER_LENGTH + Math.min(Math.min(frameLength, snaplen),
            staging.capacity() - RECORD_HEADER_LENGTH);
    }

    /** How many bytes can be appended before the staging buffer must be written out. */
    public int remaining()
    {
        return staging.remaining();
    }

    /** The staging buffer's size: the most bytes appended between two writes. */
    public int capacity()
    {
        return staging.capacity();
    }

    /** Where the next record goes in the staging buffer; see {@link #truncate}. */
    public int mark()
    {
        return staging.position();
    }

    /**
     * Takes back the records appended since {@link #mark()} returned {@code mark}, provided nothing was written
     * out in between (the caller made sure they fitted in {@link #remaining()}).
     */
    public void truncate(final int mark, final int recordCount)
    {
        if (mark > staging.position())
        {
            throw new IllegalArgumentException("pcap mark " + mark + " is past the staging position "
                + staging.position());
        }
        staging.position(mark);
        records -= recordCount;
    }

    /**
     * Appends one frame, writing the staging buffer out first if the record does not fit.
     *
     * @param epochNanos the frame's time in nanoseconds since 1970-01-01 UTC
     */
    public void append(final long epochNanos, final ByteBuffer frame, final int offset, final int length)
    {
        if (closed || failure != null)
        {
            recordsDropped++;
            return;
        }
        // A frame longer than promised is cut to what a record in the buffer can hold rather than lost.
        final int captured = Math.min(Math.min(length, snaplen), staging.capacity() - RECORD_HEADER_LENGTH);
        if (staging.remaining() < RECORD_HEADER_LENGTH + captured)
        {
            flush();
            if (failure != null)
            {
                recordsDropped++;
                return;
            }
        }
        final long time = Math.max(0, epochNanos);
        final long seconds = time / NANOS_PER_SECOND;
        final long fraction = time % NANOS_PER_SECOND;
        final int position = staging.position();
        staging.putInt(position, (int)seconds);
        staging.putInt(position + 4, (int)(nanoseconds ? fraction : fraction / 1000));
        staging.putInt(position + 8, captured);
        staging.putInt(position + 12, length);
        staging.put(position + RECORD_HEADER_LENGTH, frame, offset, captured);
        staging.position(position + RECORD_HEADER_LENGTH + captured);
        records++;
    }

    /** Writes the staged records to the file (a blocking write on the caller's thread). */
    public void flush()
    {
        if (failure != null || staging.position() == 0)
        {
            return;
        }
        staging.flip();
        try
        {
            while (staging.hasRemaining())
            {
                channel.write(staging);
            }
        }
        catch (final IOException e)
        {
            failure = e;
        }
        staging.clear();
    }

    /** Records appended (and not taken back) so far, written out or staged. */
    public long records()
    {
        return records;
    }

    /** Records dropped because the file could not be written. */
    public long recordsDropped()
    {
        return recordsDropped;
    }

    /** Counts frames that were not appended because writing had failed. */
    void countDropped(final int frames)
    {
        recordsDropped += frames;
    }

    /** The first write error, or null. */
    public IOException failure()
    {
        return failure;
    }

    /**
     * Writes what is staged and closes the file.
     *
     * @throws IOException the first error met while writing, or closing's own
     */
    @Override
    public void close() throws IOException
    {
        if (closed)
        {
            return;
        }
        flush();
        closed = true;
        try
        {
            channel.close();
        }
        catch (final IOException e)
        {
            if (failure == null)
            {
                failure = e;
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }
}
