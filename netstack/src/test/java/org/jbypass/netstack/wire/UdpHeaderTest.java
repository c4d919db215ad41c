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

class UdpHeaderTest
{
    private static final int UDP_OFFSET = 34;

    private final UdpHeader udp = new UdpHeader();

    @Test
    void shouldReadEveryFieldOfAnOddLengthDatagram()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.UDP_ODD);
        udp.wrap(frame, UDP_OFFSET, 23);
        assertTrue(udp.isValid());
        assertEquals(40000, udp.sourcePort());
        assertEquals(7777, udp.destinationPort());
        assertEquals(23, udp.length());
        assertEquals(0x473F, udp.checksum());
        assertEquals(UDP_OFFSET + 8, udp.payloadOffset());
        assertEquals(15, udp.payloadLength());
        assertEquals("jbypass fixture", text(frame, udp.payloadOffset(), udp.payloadLength()));
        // The checksum's last word is the odd byte padded with zero (RFC 768).
        assertTrue(udp.checksumOk(IP_A, IP_B));
        assertFalse(udp.checksumOk(IP_B, IP_A + 1), "the pseudo-header's addresses count");
    }

    @Test
    void shouldReadEveryFieldOfAnEvenLengthDatagram()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.UDP_EVEN);
        udp.wrap(frame, UDP_OFFSET, 20);
        assertTrue(udp.isValid());
        assertEquals(40000, udp.sourcePort());
        assertEquals(7777, udp.destinationPort());
        assertEquals(20, udp.length());
        assertEquals(0x98A7, udp.checksum());
        assertEquals(12, udp.payloadLength());
        assertEquals("even length!", text(frame, udp.payloadOffset(), udp.payloadLength()));
        assertTrue(udp.checksumOk(IP_A, IP_B));
    }

    @Test
    void shouldWriteBothDatagramsByteForByte()
    {
        for (final String fixture : new String[] {Fixtures.UDP_ODD, Fixtures.UDP_EVEN})
        {
            final ByteBuffer frame = Fixtures.exact(fixture);
            final int length = frame.capacity() - UDP_OFFSET;
            final ByteBuffer buffer = Fixtures.filled(length + 16);
            final int offset = 7;
            buffer.put(offset + 8, frame, UDP_OFFSET + 8, length - 8);
            udp.wrap(buffer, offset, length).write(40000, 7777, length).computeChecksum(IP_A, IP_B);
            assertArrayEquals(Fixtures.range(frame, UDP_OFFSET, length), Fixtures.range(buffer, offset, length),
                fixture);
            EthernetHeaderTest.assertUntouched(buffer, 0, offset);
            EthernetHeaderTest.assertUntouched(buffer, offset + length, length + 16);
        }
    }

    @Test
    void shouldAcceptAZeroChecksumAsNoChecksum()
    {
        final byte[] frame = Fixtures.bytes(Fixtures.UDP_EVEN);
        frame[UDP_OFFSET + 6] = 0;
        frame[UDP_OFFSET + 7] = 0;
        assertTrue(udp.wrap(ByteBuffer.wrap(frame), UDP_OFFSET, 20).checksumOk(IP_A, IP_B));
    }

    @Test
    void shouldSendAComputedZeroAsAllOnes()
    {
        // Choose the last payload word so that the datagram sums to 0xFFFF: its checksum computes to zero.
        final ByteBuffer buffer = ByteBuffer.allocate(20);
        buffer.put(8, "even length!".getBytes(StandardCharsets.US_ASCII), 0, 10);
        udp.wrap(buffer, 0, 20).write(40000, 7777, 20);
        final int checksum = Checksum.fold(Checksum.sum(buffer, 0, 20,
            Checksum.pseudoHeader(IP_A, IP_B, Ipv4Header.PROTOCOL_UDP, 20)));
        buffer.putShort(18, (short)checksum);
        udp.computeChecksum(IP_A, IP_B);
        assertEquals(0xFFFF, udp.checksum(), "RFC 768: a computed zero is sent as all ones");
        assertTrue(udp.checksumOk(IP_A, IP_B));
    }

    @Test
    void shouldRejectBadLengthsBeforeAnyAccessor()
    {
        final byte[] frame = Fixtures.bytes(Fixtures.UDP_EVEN);
        // Fewer bytes than a header.
        for (int available = 0; available < UdpHeader.LENGTH; available++)
        {
            final ByteBuffer exact = ByteBuffer.wrap(frame, UDP_OFFSET, available).slice();
            assertFalse(udp.wrap(exact, 0, available).isValid(), "available " + available);
        }
        // A length field below the header's own length, and one beyond the IP payload.
        for (final int length : new int[] {0, 7, 21, 0xFFFF})
        {
            final byte[] copy = frame.clone();
            copy[UDP_OFFSET + 4] = (byte)(length >>> 8);
            copy[UDP_OFFSET + 5] = (byte)length;
            final ByteBuffer exact = ByteBuffer.wrap(copy, UDP_OFFSET, 20).slice();
            assertFalse(udp.wrap(exact, 0, 20).isValid(), "length field " + length);
        }
        // A length shorter than the IP payload is valid (trailing bytes are ignored, RFC 1122 4.1.3.4).
        final byte[] copy = frame.clone();
        copy[UDP_OFFSET + 5] = 8;
        assertTrue(udp.wrap(ByteBuffer.wrap(copy, UDP_OFFSET, 20).slice(), 0, 20).isValid());
        assertEquals(0, udp.payloadLength());
    }

    @Test
    void shouldDetectAnyFlippedBitWithTheChecksum()
    {
        final byte[] frame = Fixtures.bytes(Fixtures.UDP_ODD);
        for (int bit = 0; bit < 23 * 8; bit++)
        {
            final byte[] copy = frame.clone();
            copy[UDP_OFFSET + bit / 8] ^= (byte)(1 << (bit % 8));
            udp.wrap(ByteBuffer.wrap(copy), UDP_OFFSET, 23);
            if (udp.isValid() && udp.checksum() != 0)
            {
                assertFalse(udp.checksumOk(IP_A, IP_B), "bit " + bit);
            }
        }
    }

    private static String text(final ByteBuffer buffer, final int offset, final int length)
    {
        return new String(Fixtures.range(buffer, offset, length), StandardCharsets.US_ASCII);
    }
}
