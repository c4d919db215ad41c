package org.jbypass.netstack.link.virtual;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.LinkDecorator;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.util.StackTime;

/**
 * A decorator that records every frame its inner link receives and transmits into a pcap file ({@link PcapWriter}),
 * stamped with the stack's time, for tcpdump, tshark and Wireshark.
 *
 * <p>Received frames are recorded as the inner link delivers them. Transmitted frames are recorded exactly when
 * the inner link accepts them: the records of a burst are staged before the inner link's transmit and the records
 * of the frames it refused are taken back at once (they stay with the caller and are recorded when a later transmit
 * accepts them), so a frame is never recorded twice nor read after it left the caller's ownership. Bursts whose
 * records exceed the staging buffer are handed to the inner link in pieces that fit, each a run of whole frames.
 *
 * <p>A super-frame (a chain of buffers, see {@link PacketBurst}: a TSO super-segment the stack sends, a GRO
 * super-frame a driver delivers) is one record of its whole length, as tcpdump shows one on a netdev that takes
 * super-frames: the kernel's packet taps see an skb as the device gets it (dev_queue_xmit_nit() from xmit_one(),
 * after validate_xmit_skb() cut only what the device cannot take) and as GRO merged it, so a capture on a veth with
 * its offloads on shows 64 KiB TCP segments both ways. The capture changes nothing: this link offers the inner
 * link's capabilities unchanged, TSO included, so the stack sends through it as it would without it; the TCP
 * checksum of a transmitted super-segment holds its pseudo-header sum, as tcpdump shows the kernel's ("incorrect":
 * the NIC or GSO completes it). A record is cut at the snapshot length or the staging buffer, its original length
 * kept.
 *
 * <p>Timestamps are {@code epochOffsetNanos + time.nanos()}: the stack's notion of now, which {@code poll(nowNanos)}
 * sets, placed on the calendar by an offset ({@link Options#epochOffsetNanos}). netstack reads no clock, so the
 * offset comes from whoever owns the clock: the provider passes the wall clock's distance from
 * {@link System#nanoTime()}; tests pass a fixed value so that files come out the same on every run. Without one,
 * timestamps count from the stack's time origin.
 *
 * <p>Buffering is bounded by {@link Options#bufferBytes}; when it is full the driving thread writes it to the file,
 * a blocking write: put capture files on a fast file system. Recording allocates nothing per frame. A write error
 * never reaches the data path: recording stops, and {@link #close()} reports it.
 */
public final class PcapLink extends LinkDecorator
{
    /** The most records (frames, each maybe a chain) staged for one piece of a transmitted burst. */
    private static final int MAX_PIECE = 256;

    private final PacketPool pool;
    private final ByteBuffer memory;
    private final StackTime time;
    private final long epochOffsetNanos;
    private final PcapWriter writer;
    /** A chain (a super-frame) gathered into one record. */
    private final FrameChain chain = new FrameChain();
    private final ByteBuffer gathered;
    /** Per record of the piece being transmitted: where it starts in the staging buffer, and its first slot. */
    private final int[] recordMarks = new int[MAX_PIECE + 1];
    private final int[] recordSlots = new int[MAX_PIECE + 1];
    private final Path file;
    private boolean closed;

    private PcapLink(final Link inner, final Path file, final StackTime time, final Options options)
        throws IOException
    {
        super(inner);
        this.pool = inner.pool();
        this.memory = pool.memory();
        this.time = time;
        this.file = file;
        this.epochOffsetNanos = options.epochOffsetNanos;
        this.writer = new PcapWriter(file, options.snaplen, options.nanoseconds, options.bufferBytes,
            pool.bufferSize());
        this.gathered = ByteBuffer.allocateDirect(Math.min(PacketBurst.MAX_FRAME_LENGTH, options.snaplen));
    }

    /**
     * Opens a capture with the default options: nanosecond timestamps, snaplen 65535, a 256 KiB buffer.
     *
     * @param inner the link to record; this link owns it from now on and closes it
     * @param file  the pcap file, created or truncated
     * @param time  the stack's time, read for each frame's timestamp
     * @throws IOException when the file cannot be created
     */
    public static PcapLink open(final Link inner, final Path file, final StackTime time) throws IOException
    {
        return open(inner, file, time, options());
    }

    /** Opens a capture with other options; see {@link #open(Link, Path, StackTime)}. */
    public static PcapLink open(final Link inner, final Path file, final StackTime time, final Options options)
        throws IOException
    {
        return new PcapLink(inner, file, time, options);
    }

    /** Default options, to change before {@link #open(Link, Path, StackTime, Options)}. */
    public static Options options()
    {
        return new Options();
    }


    /** The capture file. */
    public Path file()
    {
        return file;
    }

    /** Frames recorded so far. */
    public long records()
    {
        return writer.records();
    }

    /** Frames not recorded because the file could not be written. */
    public long recordsDropped()
    {
        return writer.recordsDropped();
    }

    @Override
    protected String kind()
    {
        return "pcap";
    }






    @Override
    public PacketPool pool()
    {
        return pool;
    }

    /**
     * The inner link's capabilities, TSO included: a capture must not change what the stack sends (a transmitted
     * super-segment is recorded whole, and a piece of a burst never cuts one). All but TX_GATHER, which would send
     * frames past the capture: the stack then copies a super-segment into pool buffers, as before gathering.
     */
    @Override
    public int capabilities()
    {
        // Not TX_GATHER: the capture records frames from pool buffers, so a gathered frame would go unrecorded.
        return inner.capabilities() & ~LinkCapabilities.TX_GATHER;
    }

    @Override
    public int receive(final int queue, final PacketBurst burst)
    {
        final int received = inner.receive(queue, burst);
        if (!closed)
        {
            final long now = epochOffsetNanos + time.nanos();
            for (int i = 0; i < received; )
            {
                if ((burst.flags(i) & PacketBurst.CONTINUES) == 0)
                {
                    writer.append(now, memory, pool.offset(burst.buffer(i)), burst.length(i));
                    i++;
                }
                else if (chain.wrap(pool, burst, i))
                {
                    // A super-frame is one record, as tcpdump shows it on the netdev.
                    appendChain(now);
                    i += chain.descriptors();
                }
                else
                {
                    i++; // a chain that breaks the contract: the stack drops and counts it
                }
            }
        }
        return received;
    }

    @Override
    public int transmit(final int queue, final PacketBurst burst)
    {
        if (closed)
        {
            return inner.transmit(queue, burst);
        }
        final long now = epochOffsetNanos + time.nanos();
        int acceptedTotal = 0;
        int count = burst.count();
        while (count > 0)
        {
            if (writer.failure() != null)
            {
                // Recording stopped: pass the rest through.
                burst.count(count);
                final int accepted = inner.transmit(queue, burst);
                writer.countDropped(accepted);
                return acceptedTotal + accepted;
            }
            final int records = fittingPiece(burst, count);
            if (records == 0)
            {
                // An empty staging buffer holds any record, so the next round has a piece (or a failure).
                writer.flush();
                continue;
            }
            final int piece = recordSlots[records];
            for (int r = 0; r < records; r++)
            {
                recordMarks[r] = writer.mark();
                final int slot = recordSlots[r];
                if (recordSlots[r + 1] - slot > 1 && chain.wrap(pool, burst, slot))
                {
                    appendChain(now);
                }
                else
                {
                    writer.append(now, memory, pool.offset(burst.buffer(slot)), burst.length(slot));
                }
            }
            burst.count(piece);
            final int accepted = inner.transmit(queue, burst);
            if (accepted < piece)
            {
                // A link accepts a prefix of whole frames: the records from the first refused one go.
                int kept = 0;
                while (kept < records && recordSlots[kept + 1] <= accepted)
                {
                    kept++;
                }
                writer.truncate(recordMarks[kept], records - kept);
            }
            // The inner link moved the refused frames of the piece to the front; the frames after the piece follow.
            final int refused = piece - accepted;
            Bursts.move(burst, piece, count - piece, refused);
            Bursts.clear(burst, count - accepted, count);
            count -= accepted;
            burst.count(count);
            acceptedTotal += accepted;
            if (accepted < piece)
            {
                break;
            }
        }
        return acceptedTotal;
    }

    /** Appends the frame {@link #chain} wraps as one record of its whole length (cut at the snapshot length). */
    private void appendChain(final long now)
    {
        final int length = chain.length();
        chain.copyOut(0, gathered, 0, Math.min(length, gathered.capacity()));
        writer.append(now, gathered, 0, length);
    }

    /**
     * How many frames from slot 0 (each a chain of one or more slots) have records that fit in the staging buffer
     * now, at most {@value #MAX_PIECE}; {@link #recordSlots} then holds each one's first slot and, after the last,
     * the slot where the piece ends. A chain the burst cuts (no caller's, see {@link PacketBurst}) is a frame of
     * the slots left, recorded as its first buffer, for the inner link to drop.
     */
    private int fittingPiece(final PacketBurst burst, final int count)
    {
        int room = writer.remaining();
        int records = 0;
        int slot = 0;
        recordSlots[0] = 0;
        while (records < MAX_PIECE && slot < count)
        {
            final int chainLength = burst.chainLength(slot);
            final int slots = chainLength == 0 ? count - slot : chainLength;
            final int length = chainLength > 1 ? burst.frameLength(slot, chainLength) : burst.length(slot);
            final int bytes = writer.recordLength(length);
            if (bytes > room)
            {
                break;
            }
            room -= bytes;
            slot += slots;
            records++;
            recordSlots[records] = slot;
        }
        return records;
    }

    /** Writes the staged records to the file now. */
    public void flush()
    {
        writer.flush();
    }

    /**
     * Closes the inner link (which returns its buffers), then writes what is staged and closes the file.
     *
     * @throws UncheckedIOException when the capture could not be written completely
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            inner.close();
        }
        finally
        {
            try
            {
                writer.close();
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException("pcap capture " + file + " is incomplete", e);
            }
        }
    }

    /** Capture options; each setter checks its value and names it when it is wrong. */
    public static final class Options
    {
        private int snaplen = 65535;
        private boolean nanoseconds = true;
        private int bufferBytes = 256 * 1024;
        private long epochOffsetNanos;

        private Options()
        {
        }

        /** The most bytes of each frame to keep, 1..262144. */
        public Options snaplen(final int snaplen)
        {
            if (snaplen < 1 || snaplen > PcapWriter.MAX_SNAPLEN)
            {
                throw new IllegalArgumentException("pcap snaplen must be 1.." + PcapWriter.MAX_SNAPLEN + ": "
                    + snaplen);
            }
            this.snaplen = snaplen;
            return this;
        }

        /** Nanosecond timestamps (the default) or microsecond ones, for old readers. */
        public Options nanoseconds(final boolean nanoseconds)
        {
            this.nanoseconds = nanoseconds;
            return this;
        }

        /** The staging buffer, at least 16 + min(snaplen, the pool's buffer size) bytes (checked at open). */
        public Options bufferBytes(final int bufferBytes)
        {
            if (bufferBytes < PcapWriter.RECORD_HEADER_LENGTH + 1)
            {
                throw new IllegalArgumentException("pcap bufferBytes must hold a record: " + bufferBytes);
            }
            this.bufferBytes = bufferBytes;
            return this;
        }

        /**
         * Timestamps are {@code epochOffsetNanos + time.nanos()} nanoseconds since 1970-01-01 UTC; the default, 0,
         * counts from the stack's time origin. The provider passes the wall clock's distance from nanoTime.
         */
        public Options epochOffsetNanos(final long epochOffsetNanos)
        {
            this.epochOffsetNanos = epochOffsetNanos;
            return this;
        }
    }
}
