package org.jbypass.netstack.link.virtual;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A classic pcap file read whole, independently of {@link PcapWriter}, for checking what was written. */
public final class PcapFile
{
    /** One record. */
    public static final class Record
    {
        public final long seconds;
        public final long fraction;
        public final int originalLength;
        public final byte[] data;

        Record(final long seconds, final long fraction, final int originalLength, final byte[] data)
        {
            this.seconds = seconds;
            this.fraction = fraction;
            this.originalLength = originalLength;
            this.data = data;
        }

        /** The timestamp in nanoseconds since the epoch, given the file's resolution. */
        public long epochNanos(final boolean nanoseconds)
        {
            return seconds * 1_000_000_000L + (nanoseconds ? fraction : fraction * 1000);
        }
    }

    public final boolean nanoseconds;
    public final ByteOrder order;
    public final int versionMajor;
    public final int versionMinor;
    public final int snaplen;
    public final int linkType;
    public final List<Record> records;

    private PcapFile(final boolean nanoseconds, final ByteOrder order, final int versionMajor,
        final int versionMinor, final int snaplen, final int linkType, final List<Record> records)
    {
        this.nanoseconds = nanoseconds;
        this.order = order;
        this.versionMajor = versionMajor;
        this.versionMinor = versionMinor;
        this.snaplen = snaplen;
        this.linkType = linkType;
        this.records = records;
    }

    public static PcapFile read(final Path path) throws IOException
    {
        return parse(Files.readAllBytes(path));
    }

    public static PcapFile parse(final byte[] bytes)
    {
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        final int magicLittle = buffer.getInt(0);
        final ByteOrder order;
        final boolean nanoseconds;
        if (magicLittle == 0xA1B2C3D4 || magicLittle == 0xA1B23C4D)
        {
            order = ByteOrder.LITTLE_ENDIAN;
            nanoseconds = magicLittle == 0xA1B23C4D;
        }
        else
        {
            final int magicBig = Integer.reverseBytes(magicLittle);
            if (magicBig != 0xA1B2C3D4 && magicBig != 0xA1B23C4D)
            {
                throw new IllegalArgumentException("not a pcap file: magic " + Integer.toHexString(magicLittle));
            }
            order = ByteOrder.BIG_ENDIAN;
            nanoseconds = magicBig == 0xA1B23C4D;
        }
        buffer.order(order);
        final int major = buffer.getShort(4) & 0xFFFF;
        final int minor = buffer.getShort(6) & 0xFFFF;
        final int snaplen = buffer.getInt(16);
        final int linkType = buffer.getInt(20);
        final List<Record> records = new ArrayList<>();
        int position = 24;
        while (position < bytes.length)
        {
            if (bytes.length - position < 16)
            {
                throw new IllegalArgumentException("truncated record header at " + position);
            }
            final long seconds = buffer.getInt(position) & 0xFFFF_FFFFL;
            final long fraction = buffer.getInt(position + 4) & 0xFFFF_FFFFL;
            final int captured = buffer.getInt(position + 8);
            final int original = buffer.getInt(position + 12);
            if (captured < 0 || captured > bytes.length - position - 16)
            {
                throw new IllegalArgumentException("truncated record at " + position);
            }
            records.add(new Record(seconds, fraction, original,
                Arrays.copyOfRange(bytes, position + 16, position + 16 + captured)));
            position += 16 + captured;
        }
        return new PcapFile(nanoseconds, order, major, minor, snaplen, linkType, records);
    }
}
