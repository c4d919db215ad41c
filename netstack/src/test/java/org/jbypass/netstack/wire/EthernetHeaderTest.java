package org.jbypass.netstack.wire;

import static org.jbypass.netstack.wire.Fixtures.MAC_A;
import static org.jbypass.netstack.wire.Fixtures.MAC_B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class EthernetHeaderTest
{
    private final EthernetHeader ethernet = new EthernetHeader();

    @Test
    void shouldReadEveryFieldOfABroadcastArpFrame()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.ARP_REQUEST);
        ethernet.wrap(frame, 0, frame.capacity());
        assertTrue(ethernet.isValid());
        assertEquals(MacAddress.BROADCAST, ethernet.destination());
        assertTrue(MacAddress.isMulticast(ethernet.destination()));
        assertEquals(MAC_A, ethernet.source());
        assertEquals(EthernetHeader.TYPE_ARP, ethernet.type());
        assertEquals(14, ethernet.payloadOffset());
        assertEquals(ArpPacket.LENGTH, ethernet.payloadLength());
    }

    @Test
    void shouldReadEveryFieldOfAUnicastIpv4Frame()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.TCP_DATA);
        ethernet.wrap(frame, 0, frame.capacity());
        assertTrue(ethernet.isValid());
        assertEquals(MAC_B, ethernet.destination());
        assertFalse(MacAddress.isMulticast(ethernet.destination()));
        assertTrue(MacAddress.isLocallyAdministered(ethernet.destination()));
        assertEquals(MAC_A, ethernet.source());
        assertEquals(EthernetHeader.TYPE_IPV4, ethernet.type());
        assertEquals(91 - 14, ethernet.payloadLength());
    }

    @Test
    void shouldReportAnEightOhTwoDotOneQTagAsItsOwnTypeSoTheTaggedFrameIsNeverParsedAsIpv4()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.VLAN_ICMP_ECHO_REQUEST);
        ethernet.wrap(frame, 0, frame.capacity());
        assertTrue(ethernet.isValid());
        assertEquals(EthernetHeader.TYPE_VLAN, ethernet.type());
        assertNotEquals(EthernetHeader.TYPE_IPV4, ethernet.type());
        // The tag: PCP 5, DEI 0, VID 7; then the encapsulated type.
        final int tci = frame.getShort(ethernet.payloadOffset()) & 0xFFFF;
        assertEquals(5, tci >>> 13);
        assertEquals(7, tci & 0x0FFF);
        assertEquals(EthernetHeader.TYPE_IPV4, frame.getShort(ethernet.payloadOffset() + 2) & 0xFFFF);
        // Whoever ignored the type and read IPv4 at the payload would see version 10: the tag, not a header.
        final Ipv4Header ip = new Ipv4Header().wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength());
        assertEquals(Ipv4Header.BAD_VERSION, ip.validate(true));
    }

    @Test
    void shouldRejectFramesShorterThanTheHeaderBeforeAnyAccessor()
    {
        for (int length = 0; length < EthernetHeader.LENGTH; length++)
        {
            final ByteBuffer frame = Fixtures.truncated(Fixtures.ARP_REQUEST, length);
            assertFalse(ethernet.wrap(frame, 0, length).isValid(), "length " + length);
        }
        final ByteBuffer header = Fixtures.truncated(Fixtures.ARP_REQUEST, EthernetHeader.LENGTH);
        assertTrue(ethernet.wrap(header, 0, EthernetHeader.LENGTH).isValid());
        assertEquals(EthernetHeader.TYPE_ARP, ethernet.type());
        assertEquals(0, ethernet.payloadLength());
    }

    @Test
    void shouldWriteTheCapturedHeaderWithTheSetters()
    {
        final ByteBuffer buffer = Fixtures.filled(64);
        final int offset = 5;
        ethernet.wrap(buffer, offset, 42).destination(MAC_B).source(MAC_A).type(EthernetHeader.TYPE_IPV4);
        assertArrayEquals(Fixtures.range(Fixtures.exact(Fixtures.ICMP_ECHO_REQUEST), 0, 14),
            Fixtures.range(buffer, offset, 14));
        assertUntouched(buffer, 0, offset);
        assertUntouched(buffer, offset + 14, 64);
    }

    @Test
    void shouldParseAndFormatMacAddresses()
    {
        assertEquals(MAC_A, MacAddress.parse("02:00:00:00:00:0a"));
        assertEquals(MAC_B, MacAddress.parse("02-00-00-00-00-0B"));
        assertEquals("02:00:00:00:00:0a", MacAddress.toString(MAC_A));
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.toString(MacAddress.BROADCAST));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00:0g"));
        final long random = MacAddress.randomLocal(0xFFFF_FFFF_FFFF_FFFFL);
        assertTrue(MacAddress.isLocallyAdministered(random));
        assertFalse(MacAddress.isMulticast(random));
    }

    static void assertUntouched(final ByteBuffer buffer, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            assertEquals((byte)0xA5, buffer.get(i), "byte " + i + " outside the packet was written");
        }
    }
}
