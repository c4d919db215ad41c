package org.jbypass.netstack.wire;

import static org.jbypass.netstack.wire.Fixtures.IP_A;
import static org.jbypass.netstack.wire.Fixtures.IP_B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class TcpHeaderTest
{
    private static final int TCP_OFFSET = 34;
    /** Linux's SYN options: MSS 1460, SACK permitted, timestamps (val 0x697b76ac, ecr 0), NOP, window scale 10. */
    private static final String SYN_OPTIONS = "020405b40402080a697b76ac000000000103030a";

    private final TcpHeader tcp = new TcpHeader();

    @Test
    void shouldReadEveryFieldOfTheKernelsSyn()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.TCP_SYN);
        tcp.wrap(frame, TCP_OFFSET, 40);
        assertTrue(tcp.isValid());
        assertEquals(40001, tcp.sourcePort());
        assertEquals(8080, tcp.destinationPort());
        assertEquals(0x018E_C5E6, tcp.sequence());
        assertEquals(0, tcp.acknowledgment());
        assertEquals(40, tcp.headerLength());
        assertEquals(TcpHeader.SYN, tcp.flags());
        assertTrue(tcp.hasFlags(TcpHeader.SYN));
        assertFalse(tcp.hasFlags(TcpHeader.ACK));
        assertFalse(tcp.hasFlags(TcpHeader.SYN | TcpHeader.ACK));
        assertEquals(64240, tcp.window());
        assertEquals(0x5D76, tcp.checksum());
        assertEquals(0, tcp.urgentPointer());
        assertEquals(TCP_OFFSET + 20, tcp.optionsOffset());
        assertEquals(20, tcp.optionsLength());
        assertEquals(TCP_OFFSET + 40, tcp.payloadOffset());
        assertEquals(0, tcp.payloadLength());
        assertTrue(tcp.checksumOk(IP_A, IP_B));
        assertEquals(frame, tcp.buffer());

        final Options options = Options.parse(frame, tcp.optionsOffset(), tcp.optionsLength());
        assertEquals(1460, options.mss);
        assertTrue(options.sackPermitted);
        assertEquals(0x697B_76AC, options.timestampValue);
        assertEquals(0, options.timestampEcho);
        assertEquals(10, options.windowScale);
        assertEquals(1, options.nops);
    }

    @Test
    void shouldReadTheSynAck()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.TCP_SYN_ACK);
        tcp.wrap(frame, TCP_OFFSET, 40);
        assertTrue(tcp.isValid());
        assertEquals(8080, tcp.sourcePort());
        assertEquals(40001, tcp.destinationPort());
        assertEquals(0x847E_A6CB, tcp.sequence());
        assertEquals(0x018E_C5E7, tcp.acknowledgment(), "the SYN's sequence number plus one");
        assertEquals(TcpHeader.SYN | TcpHeader.ACK, tcp.flags());
        assertTrue(tcp.hasFlags(TcpHeader.SYN | TcpHeader.ACK));
        assertEquals(65160, tcp.window());
        assertTrue(tcp.checksumOk(IP_B, IP_A));
        final Options options = Options.parse(frame, tcp.optionsOffset(), tcp.optionsLength());
        assertEquals(1460, options.mss);
        assertEquals(0xB263_31C1, options.timestampValue);
        assertEquals(0x697B_76AC, options.timestampEcho);
        assertEquals(10, options.windowScale);
    }

    @Test
    void shouldReadEveryFieldOfADataSegment()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.TCP_DATA);
        tcp.wrap(frame, TCP_OFFSET, 57);
        assertTrue(tcp.isValid());
        assertEquals(40001, tcp.sourcePort());
        assertEquals(8080, tcp.destinationPort());
        assertEquals(0x018E_C5E7, tcp.sequence());
        assertEquals(0x847E_A6CC, tcp.acknowledgment());
        assertEquals(32, tcp.headerLength());
        assertEquals(TcpHeader.PSH | TcpHeader.ACK, tcp.flags());
        assertFalse(tcp.hasFlags(TcpHeader.FIN));
        assertEquals(63, tcp.window());
        assertEquals(0x2C24, tcp.checksum());
        assertEquals(0, tcp.urgentPointer());
        assertEquals(12, tcp.optionsLength());
        assertEquals(25, tcp.payloadLength());
        assertEquals("GET /jbypass HTTP/1.0\r\n\r\n", new String(Fixtures.range(frame, tcp.payloadOffset(), 25),
            StandardCharsets.US_ASCII));
        assertTrue(tcp.checksumOk(IP_A, IP_B));
        final Options options = Options.parse(frame, tcp.optionsOffset(), tcp.optionsLength());
        assertEquals(2, options.nops);
        assertEquals(0x697B_76AC, options.timestampValue);
        assertEquals(0xB263_31C1, options.timestampEcho);
        assertEquals(-1, options.mss);
    }

    @Test
    void shouldWriteTheSynAndTheDataSegmentByteForByte()
    {
        final ByteBuffer syn = Fixtures.exact(Fixtures.TCP_SYN);
        final ByteBuffer buffer = Fixtures.filled(64);
        final int offset = 13;
        tcp.wrap(buffer, offset, 40).write(40001, 8080, 0x018E_C5E6, 0, 40, TcpHeader.SYN, 64240);
        buffer.put(tcp.optionsOffset(), Fixtures.bytes(SYN_OPTIONS));
        tcp.computeChecksum(IP_A, IP_B);
        assertArrayEquals(Fixtures.range(syn, TCP_OFFSET, 40), Fixtures.range(buffer, offset, 40));
        EthernetHeaderTest.assertUntouched(buffer, 0, offset);
        EthernetHeaderTest.assertUntouched(buffer, offset + 40, 64);

        final ByteBuffer data = Fixtures.exact(Fixtures.TCP_DATA);
        final ByteBuffer dataBuffer = Fixtures.filled(57);
        tcp.wrap(dataBuffer, 0, 57).write(40001, 8080, 0x018E_C5E7, 0x847E_A6CC, 32, TcpHeader.PSH | TcpHeader.ACK,
            63);
        dataBuffer.put(20, Fixtures.bytes("0101080a697b76acb26331c1"));
        dataBuffer.put(32, "GET /jbypass HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        tcp.computeChecksum(IP_A, IP_B);
        assertArrayEquals(Fixtures.range(data, TCP_OFFSET, 57), Fixtures.range(dataBuffer, 0, 57));
    }

    @Test
    void shouldRejectADataOffsetBelowFive()
    {
        for (int dataOffset = 0; dataOffset < 5; dataOffset++)
        {
            assertFalse(isValid(Fixtures.TCP_SYN, dataOffset, 40), "data offset " + dataOffset);
        }
    }

    @Test
    void shouldRejectADataOffsetBeyondTheSegment()
    {
        // The SYN's 40 bytes with offsets of 11 to 15 words: options would run past the segment.
        for (int dataOffset = 11; dataOffset <= 15; dataOffset++)
        {
            assertFalse(isValid(Fixtures.TCP_SYN, dataOffset, 40), "data offset " + dataOffset);
        }
        // The same header cut short by the IP layer's length: 40 bytes of header in 36.
        assertFalse(isValid(Fixtures.TCP_SYN, 10, 36));
        // A header that exactly fills the segment is fine.
        assertTrue(isValid(Fixtures.TCP_SYN, 10, 40));
        assertTrue(isValid(Fixtures.TCP_SYN, 5, 20));
    }

    @Test
    void shouldRejectASegmentShorterThanTheFixedHeader()
    {
        for (int length = 0; length < TcpHeader.MIN_LENGTH; length++)
        {
            assertFalse(isValid(Fixtures.TCP_SYN, 10, length), "segment length " + length);
        }
    }

    @Test
    void shouldDetectAnyFlippedBitWithTheChecksum()
    {
        final byte[] frame = Fixtures.bytes(Fixtures.TCP_DATA);
        for (int bit = 0; bit < 57 * 8; bit++)
        {
            final byte[] copy = frame.clone();
            copy[TCP_OFFSET + bit / 8] ^= (byte)(1 << (bit % 8));
            assertFalse(tcp.wrap(ByteBuffer.wrap(copy), TCP_OFFSET, 57).checksumOk(IP_A, IP_B), "bit " + bit);
        }
    }

    /** Validates a segment with its data offset set, in a buffer of exactly {@code length} bytes. */
    private boolean isValid(final String fixture, final int dataOffset, final int length)
    {
        final byte[] frame = Fixtures.bytes(fixture);
        frame[TCP_OFFSET + 12] = (byte)(dataOffset << 4);
        final ByteBuffer exact = ByteBuffer.wrap(frame, TCP_OFFSET, length).slice();
        return tcp.wrap(exact, 0, length).isValid();
    }

    /** The options the fixtures carry, parsed per RFC 9293 section 3.1 (a reference independent of the stack's). */
    private static final class Options
    {
        int mss = -1;
        boolean sackPermitted;
        int windowScale = -1;
        int timestampValue;
        int timestampEcho;
        int nops;

        static Options parse(final ByteBuffer buffer, final int offset, final int length)
        {
            final Options options = new Options();
            int i = offset;
            final int end = offset + length;
            while (i < end)
            {
                final int kind = buffer.get(i) & 0xFF;
                if (kind == 0)
                {
                    break;
                }
                if (kind == 1)
                {
                    options.nops++;
                    i++;
                    continue;
                }
                final int optionLength = buffer.get(i + 1) & 0xFF;
                switch (kind)
                {
                    case 2:
                        assertEquals(4, optionLength);
                        options.mss = buffer.getShort(i + 2) & 0xFFFF;
                        break;
                    case 3:
                        assertEquals(3, optionLength);
                        options.windowScale = buffer.get(i + 2) & 0xFF;
                        break;
                    case 4:
                        assertEquals(2, optionLength);
                        options.sackPermitted = true;
                        break;
                    case 8:
                        assertEquals(10, optionLength);
                        options.timestampValue = buffer.getInt(i + 2);
                        options.timestampEcho = buffer.getInt(i + 6);
                        break;
                    default:
                        throw new AssertionError("unexpected option kind " + kind);
                }
                i += optionLength;
            }
            assertEquals(end, i, "options end exactly at the data offset");
            return options;
        }
    }
}
