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

class IcmpHeaderTest
{
    /** Where the ICMP message starts in the fixtures: after Ethernet and a 20-byte IPv4 header. */
    private static final int ICMP_OFFSET = 34;

    private final IcmpHeader icmp = new IcmpHeader();

    @Test
    void shouldReadEveryFieldOfTheEchoRequestAndReply()
    {
        final ByteBuffer request = Fixtures.exact(Fixtures.ICMP_ECHO_REQUEST);
        icmp.wrap(request, ICMP_OFFSET, 40);
        assertTrue(icmp.isLongEnough());
        assertTrue(icmp.checksumOk());
        assertEquals(IcmpHeader.TYPE_ECHO_REQUEST, icmp.type());
        assertEquals(0, icmp.code());
        assertEquals(0x7818, icmp.checksum());
        assertEquals(8367, icmp.identifier());
        assertEquals(1, icmp.sequence());
        assertEquals(0x20AF_0001, icmp.rest());
        assertEquals(ICMP_OFFSET + 8, icmp.payloadOffset());
        assertEquals(32, icmp.payloadLength());
        // ping's 16-byte timestamp, then its pattern.
        assertEquals("ypassjbypassjbyp", text(request, icmp.payloadOffset() + 16, 16));

        final ByteBuffer reply = Fixtures.exact(Fixtures.ICMP_ECHO_REPLY);
        icmp.wrap(reply, ICMP_OFFSET, 40);
        assertTrue(icmp.checksumOk());
        assertEquals(IcmpHeader.TYPE_ECHO_REPLY, icmp.type());
        assertEquals(0x8018, icmp.checksum());
        assertEquals(8367, icmp.identifier());
        assertEquals(1, icmp.sequence());
    }

    @Test
    void shouldReadThePortUnreachableErrorAndTheDatagramItQuotes()
    {
        final ByteBuffer error = Fixtures.exact(Fixtures.ICMP_PORT_UNREACHABLE);
        icmp.wrap(error, ICMP_OFFSET, 51);
        assertTrue(icmp.isLongEnough());
        assertTrue(icmp.checksumOk());
        assertEquals(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, icmp.type());
        assertEquals(IcmpHeader.CODE_PORT_UNREACHABLE, icmp.code());
        assertEquals(0x894D, icmp.checksum());
        assertEquals(0, icmp.rest());
        assertEquals(43, icmp.payloadLength());

        // RFC 792/1122 3.2.2: the quoted header and at least 8 bytes of its payload; Linux quotes it all.
        final Ipv4Header quoted = new Ipv4Header().wrap(error, icmp.payloadOffset(), icmp.payloadLength());
        assertEquals(Ipv4Header.VALID, quoted.validate(true));
        assertEquals(0x6EF7, quoted.identification());
        assertEquals(Ipv4Header.PROTOCOL_UDP, quoted.protocol());
        assertEquals(IP_A, quoted.source());
        assertEquals(IP_B, quoted.destination());
        final UdpHeader udp = new UdpHeader().wrap(error, quoted.payloadOffset(), quoted.payloadLength());
        assertTrue(udp.isValid());
        assertEquals(40000, udp.sourcePort());
        assertEquals(7777, udp.destinationPort());
    }

    @Test
    void shouldWriteTheEchoRequestAndTheErrorByteForByte()
    {
        final ByteBuffer request = Fixtures.exact(Fixtures.ICMP_ECHO_REQUEST);
        final ByteBuffer buffer = Fixtures.filled(64);
        final int offset = 11;
        buffer.put(offset + 8, request, ICMP_OFFSET + 8, 32);
        icmp.wrap(buffer, offset, 40).type(IcmpHeader.TYPE_ECHO_REQUEST).code(0).rest(8367 << 16 | 1)
            .computeChecksum();
        assertArrayEquals(Fixtures.range(request, ICMP_OFFSET, 40), Fixtures.range(buffer, offset, 40));
        EthernetHeaderTest.assertUntouched(buffer, 0, offset);
        EthernetHeaderTest.assertUntouched(buffer, offset + 40, 64);

        final ByteBuffer error = Fixtures.exact(Fixtures.ICMP_PORT_UNREACHABLE);
        final ByteBuffer errorBuffer = Fixtures.filled(51);
        errorBuffer.put(8, error, ICMP_OFFSET + 8, 43);
        icmp.wrap(errorBuffer, 0, 51).type(IcmpHeader.TYPE_DESTINATION_UNREACHABLE)
            .code(IcmpHeader.CODE_PORT_UNREACHABLE).rest(0).computeChecksum();
        assertArrayEquals(Fixtures.range(error, ICMP_OFFSET, 51), Fixtures.range(errorBuffer, 0, 51));
    }

    @Test
    void shouldCarryTheNextHopMtuOfFragmentationNeeded()
    {
        final ByteBuffer buffer = Fixtures.filled(36);
        icmp.wrap(buffer, 0, 36).type(IcmpHeader.TYPE_DESTINATION_UNREACHABLE)
            .code(IcmpHeader.CODE_FRAGMENTATION_NEEDED).rest(1400).computeChecksum();
        assertEquals(1400, icmp.nextHopMtu());
        assertTrue(icmp.checksumOk());
    }

    @Test
    void shouldRejectAMessageShorterThanItsHeader()
    {
        for (int length = 0; length < IcmpHeader.LENGTH; length++)
        {
            final ByteBuffer message = ByteBuffer.wrap(Fixtures.bytes(Fixtures.ICMP_ECHO_REQUEST), ICMP_OFFSET,
                length).slice();
            assertFalse(icmp.wrap(message, 0, length).isLongEnough(), "length " + length);
        }
    }

    @Test
    void shouldDetectAnyFlippedBitWithTheChecksum()
    {
        final byte[] frame = Fixtures.bytes(Fixtures.ICMP_ECHO_REQUEST);
        for (int bit = 0; bit < 40 * 8; bit++)
        {
            final byte[] copy = frame.clone();
            copy[ICMP_OFFSET + bit / 8] ^= (byte)(1 << (bit % 8));
            assertFalse(icmp.wrap(ByteBuffer.wrap(copy), ICMP_OFFSET, 40).checksumOk(), "bit " + bit);
        }
    }

    private static String text(final ByteBuffer buffer, final int offset, final int length)
    {
        return new String(Fixtures.range(buffer, offset, length), StandardCharsets.US_ASCII);
    }
}
