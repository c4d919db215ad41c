package org.jbypass.netstack.wire;

import static org.jbypass.netstack.wire.Fixtures.IP_A;
import static org.jbypass.netstack.wire.Fixtures.IP_B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class Ipv4HeaderTest
{
    private final Ipv4Header ip = new Ipv4Header();

    @Test
    void shouldReadEveryFieldOfTheEchoRequest()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.ICMP_ECHO_REQUEST);
        ip.wrap(frame, EthernetHeader.LENGTH, frame.capacity() - EthernetHeader.LENGTH);
        assertEquals(Ipv4Header.VALID, ip.validate(true));
        assertEquals(4, ip.version());
        assertEquals(20, ip.headerLength());
        assertEquals(0, ip.tos());
        assertEquals(60, ip.totalLength());
        assertEquals(0xD444, ip.identification());
        assertEquals(Ipv4Header.FLAG_DONT_FRAGMENT, ip.flagsAndFragmentOffset());
        assertTrue(ip.dontFragment());
        assertFalse(ip.moreFragments());
        assertEquals(0, ip.fragmentOffset());
        assertFalse(ip.isFragment());
        assertEquals(64, ip.ttl());
        assertEquals(Ipv4Header.PROTOCOL_ICMP, ip.protocol());
        assertEquals(0xDA54, ip.checksum());
        assertEquals(IP_A, ip.source());
        assertEquals(IP_B, ip.destination());
        assertEquals(34, ip.payloadOffset());
        assertEquals(40, ip.payloadLength());
    }

    @Test
    void shouldReadTheKernelsReplyAndItsErrorWithTypeOfService()
    {
        final ByteBuffer reply = Fixtures.exact(Fixtures.ICMP_ECHO_REPLY);
        ip.wrap(reply, EthernetHeader.LENGTH, reply.capacity() - EthernetHeader.LENGTH);
        assertEquals(Ipv4Header.VALID, ip.validate(true));
        assertEquals(0x3C76, ip.identification());
        assertFalse(ip.dontFragment());
        assertEquals(0xB223, ip.checksum());
        assertEquals(IP_B, ip.source());
        assertEquals(IP_A, ip.destination());

        final ByteBuffer error = Fixtures.exact(Fixtures.ICMP_PORT_UNREACHABLE);
        ip.wrap(error, EthernetHeader.LENGTH, error.capacity() - EthernetHeader.LENGTH);
        assertEquals(Ipv4Header.VALID, ip.validate(true));
        assertEquals(0xC0, ip.tos());
        assertEquals(71, ip.totalLength());
        assertEquals(51, ip.payloadLength());
    }

    @Test
    void shouldReadAFragmentPairAndReassembleIt()
    {
        final ByteBuffer first = Fixtures.exact(Fixtures.FRAGMENT_FIRST);
        ip.wrap(first, EthernetHeader.LENGTH, first.capacity() - EthernetHeader.LENGTH);
        assertEquals(Ipv4Header.VALID, ip.validate(true));
        assertEquals(0xD467, ip.identification());
        assertTrue(ip.moreFragments());
        assertFalse(ip.dontFragment());
        assertEquals(0, ip.fragmentOffset());
        assertTrue(ip.isFragment());
        assertEquals(100, ip.totalLength());
        assertEquals(80, ip.payloadLength());
        final byte[] whole = new byte[108];
        first.get(ip.payloadOffset(), whole, 0, 80);

        final ByteBuffer last = Fixtures.exact(Fixtures.FRAGMENT_LAST);
        ip.wrap(last, EthernetHeader.LENGTH, last.capacity() - EthernetHeader.LENGTH);
        assertEquals(Ipv4Header.VALID, ip.validate(true));
        assertEquals(0xD467, ip.identification());
        assertFalse(ip.moreFragments());
        assertEquals(0x000A, ip.flagsAndFragmentOffset());
        assertEquals(80, ip.fragmentOffset());
        assertTrue(ip.isFragment());
        assertEquals(28, ip.payloadLength());
        last.get(ip.payloadOffset(), whole, 80, 28);

        // The reassembled datagram is the 108-byte echo request, whole: its checksum covers both pieces.
        final IcmpHeader icmp = new IcmpHeader().wrap(ByteBuffer.wrap(whole), 0, whole.length);
        assertTrue(icmp.checksumOk());
        assertEquals(IcmpHeader.TYPE_ECHO_REQUEST, icmp.type());
        assertEquals(100, icmp.payloadLength());
    }

    @Test
    void shouldWriteTheCapturedHeadersByteForByte()
    {
        assertWrites(Fixtures.ICMP_ECHO_REQUEST, 0, 60, 0xD444, Ipv4Header.FLAG_DONT_FRAGMENT,
            Ipv4Header.PROTOCOL_ICMP, IP_A, IP_B);
        assertWrites(Fixtures.ICMP_ECHO_REPLY, 0, 60, 0x3C76, 0, Ipv4Header.PROTOCOL_ICMP, IP_B, IP_A);
        assertWrites(Fixtures.ICMP_PORT_UNREACHABLE, 0xC0, 71, 0x3C77, 0, Ipv4Header.PROTOCOL_ICMP, IP_B, IP_A);
        assertWrites(Fixtures.UDP_ODD, 0, 43, 0x6EF7, Ipv4Header.FLAG_DONT_FRAGMENT, Ipv4Header.PROTOCOL_UDP, IP_A,
            IP_B);
        assertWrites(Fixtures.TCP_SYN_ACK, 0, 60, 0, Ipv4Header.FLAG_DONT_FRAGMENT, Ipv4Header.PROTOCOL_TCP, IP_B,
            IP_A);
        assertWrites(Fixtures.FRAGMENT_FIRST, 0, 100, 0xD467, Ipv4Header.FLAG_MORE_FRAGMENTS,
            Ipv4Header.PROTOCOL_ICMP, IP_A, IP_B);
        assertWrites(Fixtures.FRAGMENT_LAST, 0, 48, 0xD467, 80 / 8, Ipv4Header.PROTOCOL_ICMP, IP_A, IP_B);
    }

    private void assertWrites(final String fixture, final int tos, final int totalLength, final int identification,
        final int flagsAndOffset, final int protocol, final int source, final int destination)
    {
        final ByteBuffer buffer = Fixtures.filled(48);
        final int offset = 9;
        ip.wrap(buffer, offset, Ipv4Header.MIN_LENGTH)
            .write(tos, totalLength, identification, flagsAndOffset, 64, protocol, source, destination);
        assertArrayEquals(Fixtures.range(Fixtures.exact(fixture), EthernetHeader.LENGTH, Ipv4Header.MIN_LENGTH),
            Fixtures.range(buffer, offset, Ipv4Header.MIN_LENGTH), fixture);
        EthernetHeaderTest.assertUntouched(buffer, 0, offset);
        EthernetHeaderTest.assertUntouched(buffer, offset + Ipv4Header.MIN_LENGTH, 48);
    }

    @Test
    void shouldAcceptEthernetPaddingBeyondTheTotalLength()
    {
        // A 54-byte frame padded to the 60-byte Ethernet minimum: six bytes past the datagram's end.
        final byte[] padded = new byte[60];
        System.arraycopy(Fixtures.bytes(Fixtures.UDP_EVEN), 0, padded, 0, 54);
        ip.wrap(ByteBuffer.wrap(padded), EthernetHeader.LENGTH, 60 - EthernetHeader.LENGTH);
        assertEquals(Ipv4Header.VALID, ip.validate(true));
        assertEquals(40, ip.totalLength());
        assertEquals(20, ip.payloadLength());
    }

    @Test
    void shouldRejectATruncatedHeaderAsTooShort()
    {
        for (int length = 0; length < Ipv4Header.MIN_LENGTH; length++)
        {
            assertEquals(Ipv4Header.TOO_SHORT, validate(header(Fixtures.UDP_EVEN), length, true), "length " + length);
        }
    }

    @Test
    void shouldRejectAnotherVersion()
    {
        final byte[] header = header(Fixtures.UDP_EVEN);
        header[0] = 0x65;
        fixChecksum(header);
        assertEquals(Ipv4Header.BAD_VERSION, validate(header, header.length, true));
    }

    @Test
    void shouldRejectAHeaderLengthBelowTwentyOrBeyondThePacket()
    {
        final byte[] short16 = header(Fixtures.UDP_EVEN);
        short16[0] = 0x44;
        assertEquals(Ipv4Header.BAD_HEADER_LENGTH, validate(short16, short16.length, true));
        final byte[] zero = header(Fixtures.UDP_EVEN);
        zero[0] = 0x40;
        assertEquals(Ipv4Header.BAD_HEADER_LENGTH, validate(zero, zero.length, true));
        // 60 bytes of header in a 40-byte datagram: the options would run past the packet.
        final byte[] long60 = header(Fixtures.UDP_EVEN);
        long60[0] = 0x4F;
        assertEquals(Ipv4Header.BAD_HEADER_LENGTH, validate(long60, long60.length, true));
        // Options that do fit are fine as far as lengths go.
        final byte[] options = header(Fixtures.UDP_EVEN);
        options[0] = 0x46;
        options[2] = 0;
        options[3] = 40;
        fixChecksum(options);
        assertEquals(Ipv4Header.VALID, validate(options, options.length, true));
    }

    @Test
    void shouldRejectATotalLengthShorterThanTheHeaderOrLongerThanThePacket()
    {
        final byte[] shortTotal = header(Fixtures.UDP_EVEN);
        shortTotal[2] = 0;
        shortTotal[3] = 19;
        fixChecksum(shortTotal);
        assertEquals(Ipv4Header.BAD_TOTAL_LENGTH, validate(shortTotal, shortTotal.length, true));
        final byte[] longTotal = header(Fixtures.UDP_EVEN);
        longTotal[3] = 41;
        fixChecksum(longTotal);
        assertEquals(Ipv4Header.BAD_TOTAL_LENGTH, validate(longTotal, longTotal.length, true));
        // The same datagram cut short by the link: the header's length is not there.
        assertEquals(Ipv4Header.BAD_TOTAL_LENGTH, validate(header(Fixtures.UDP_EVEN), 39, true));
    }

    @Test
    void shouldRejectABadChecksumUnlessTheLinkVerifiedIt()
    {
        final byte[] header = header(Fixtures.UDP_EVEN);
        header[8] = 63;
        assertEquals(Ipv4Header.BAD_CHECKSUM, validate(header, header.length, true));
        assertEquals(Ipv4Header.VALID, validate(header, header.length, false));
    }

    @Test
    void shouldRejectTheReservedFlag()
    {
        final byte[] header = header(Fixtures.UDP_EVEN);
        header[6] = (byte)(header[6] | 0x80);
        fixChecksum(header);
        assertEquals(Ipv4Header.RESERVED_FLAG, validate(header, header.length, true));
    }

    @Test
    void shouldRejectMulticastBroadcastAndLoopbackSources()
    {
        for (final String source : new String[] {"224.0.0.1", "239.255.255.250", "255.255.255.255", "127.0.0.1",
            "127.255.0.9"})
        {
            final byte[] header = header(Fixtures.UDP_EVEN);
            ByteBuffer.wrap(header).putInt(12, Ipv4Address.parse(source));
            fixChecksum(header);
            assertEquals(Ipv4Header.BAD_SOURCE, validate(header, header.length, true), source);
        }
    }

    @Test
    void shouldNameEveryReason()
    {
        assertEquals("valid", Ipv4Header.reason(Ipv4Header.VALID));
        assertEquals("too short", Ipv4Header.reason(Ipv4Header.TOO_SHORT));
        assertEquals("bad version", Ipv4Header.reason(Ipv4Header.BAD_VERSION));
        assertEquals("bad header length", Ipv4Header.reason(Ipv4Header.BAD_HEADER_LENGTH));
        assertEquals("bad total length", Ipv4Header.reason(Ipv4Header.BAD_TOTAL_LENGTH));
        assertEquals("bad checksum", Ipv4Header.reason(Ipv4Header.BAD_CHECKSUM));
        assertEquals("reserved flag set", Ipv4Header.reason(Ipv4Header.RESERVED_FLAG));
        assertEquals("bad source address", Ipv4Header.reason(Ipv4Header.BAD_SOURCE));
    }

    @Test
    void shouldParseFormatAndMaskAddresses()
    {
        assertEquals(IP_A, Ipv4Address.parse("198.18.0.1"));
        assertEquals("198.18.0.2", Ipv4Address.toString(IP_B));
        assertEquals(0xFFFF_FE00, Ipv4Address.mask(23));
        assertEquals(0, Ipv4Address.mask(0));
        assertEquals(-1, Ipv4Address.mask(32));
        assertTrue(Ipv4Address.inSubnet(IP_B, Ipv4Address.parse("198.18.0.0"), 15));
        assertFalse(Ipv4Address.inSubnet(Ipv4Address.parse("198.20.0.1"), Ipv4Address.parse("198.18.0.0"), 15));
        assertArrayEquals(new byte[] {(byte)198, 18, 0, 1}, Ipv4Address.toBytes(IP_A));
        assertEquals(IP_A, Ipv4Address.fromBytes(Ipv4Address.toBytes(IP_A)));
        for (final String bad : new String[] {"198.18.0", "198.18.0.256", "198.18..1", "1.2.3.4.5", "a.b.c.d", ""})
        {
            assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.mask(33));
    }

    /** The IPv4 datagram of a fixture (without its Ethernet header), as a fresh array to change. */
    private static byte[] header(final String fixture)
    {
        final byte[] frame = Fixtures.bytes(fixture);
        final byte[] datagram = new byte[frame.length - EthernetHeader.LENGTH];
        System.arraycopy(frame, EthernetHeader.LENGTH, datagram, 0, datagram.length);
        return datagram;
    }

    private static void fixChecksum(final byte[] datagram)
    {
        final ByteBuffer buffer = ByteBuffer.wrap(datagram);
        final int headerLength = Math.min((datagram[0] & 0x0F) * 4, datagram.length);
        buffer.putShort(10, (short)0);
        buffer.putShort(10, (short)Checksum.compute(buffer, 0, headerLength));
    }

    /** Validates the first {@code length} bytes in a buffer of exactly that size: a stray read would throw. */
    private int validate(final byte[] datagram, final int length, final boolean verifyChecksum)
    {
        final ByteBuffer exact = ByteBuffer.wrap(datagram, 0, length).slice();
        return ip.wrap(exact, 0, length).validate(verifyChecksum);
    }
}
