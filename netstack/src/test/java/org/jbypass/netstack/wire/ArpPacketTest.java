package org.jbypass.netstack.wire;

import static org.jbypass.netstack.wire.Fixtures.IP_A;
import static org.jbypass.netstack.wire.Fixtures.IP_B;
import static org.jbypass.netstack.wire.Fixtures.MAC_A;
import static org.jbypass.netstack.wire.Fixtures.MAC_B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class ArpPacketTest
{
    private final EthernetHeader ethernet = new EthernetHeader();
    private final ArpPacket arp = new ArpPacket();

    @Test
    void shouldReadEveryFieldOfTheKernelsRequest()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.ARP_REQUEST);
        arp.wrap(frame, EthernetHeader.LENGTH, frame.capacity() - EthernetHeader.LENGTH);
        assertTrue(arp.isLongEnough());
        assertTrue(arp.isEthernetIpv4());
        assertEquals(ArpPacket.HTYPE_ETHERNET, arp.hardwareType());
        assertEquals(EthernetHeader.TYPE_IPV4, arp.protocolType());
        assertEquals(ArpPacket.OP_REQUEST, arp.operation());
        assertEquals(MAC_A, arp.senderMac());
        assertEquals(IP_A, arp.senderIp());
        assertEquals(MacAddress.ZERO, arp.targetMac());
        assertEquals(IP_B, arp.targetIp());
        assertEquals("198.18.0.2", Ipv4Address.toString(arp.targetIp()));
    }

    @Test
    void shouldReadEveryFieldOfTheKernelsReply()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.ARP_REPLY);
        arp.wrap(frame, EthernetHeader.LENGTH, frame.capacity() - EthernetHeader.LENGTH);
        assertTrue(arp.isLongEnough());
        assertTrue(arp.isEthernetIpv4());
        assertEquals(ArpPacket.OP_REPLY, arp.operation());
        assertEquals(MAC_B, arp.senderMac());
        assertEquals(IP_B, arp.senderIp());
        assertEquals(MAC_A, arp.targetMac());
        assertEquals(IP_A, arp.targetIp());
    }

    @Test
    void shouldWriteTheRequestAndReplyByteForByte()
    {
        final ByteBuffer buffer = Fixtures.filled(100);
        final int offset = 3;
        ethernet.wrap(buffer, offset, 42).destination(MacAddress.BROADCAST).source(MAC_A).type(EthernetHeader.TYPE_ARP);
        arp.wrap(buffer, ethernet.payloadOffset(), ArpPacket.LENGTH)
            .write(ArpPacket.OP_REQUEST, MAC_A, IP_A, MacAddress.ZERO, IP_B);
        assertArrayEquals(Fixtures.bytes(Fixtures.ARP_REQUEST), Fixtures.range(buffer, offset, 42));
        EthernetHeaderTest.assertUntouched(buffer, 0, offset);
        EthernetHeaderTest.assertUntouched(buffer, offset + 42, 100);

        ethernet.destination(MAC_A).source(MAC_B);
        arp.write(ArpPacket.OP_REPLY, MAC_B, IP_B, MAC_A, IP_A);
        assertArrayEquals(Fixtures.bytes(Fixtures.ARP_REPLY), Fixtures.range(buffer, offset, 42));
    }

    @Test
    void shouldRejectTruncatedPacketsBeforeAnyAccessor()
    {
        for (int length = 0; length < ArpPacket.LENGTH; length++)
        {
            final ByteBuffer packet = ByteBuffer.wrap(Fixtures.bytes(Fixtures.ARP_REQUEST), 14, length).slice();
            assertFalse(arp.wrap(packet, 0, length).isLongEnough(), "length " + length);
        }
    }

    @Test
    void shouldAcceptEthernetPaddingAfterThePacket()
    {
        final byte[] padded = new byte[60];
        System.arraycopy(Fixtures.bytes(Fixtures.ARP_REPLY), 0, padded, 0, 42);
        arp.wrap(ByteBuffer.wrap(padded), EthernetHeader.LENGTH, 60 - EthernetHeader.LENGTH);
        assertTrue(arp.isLongEnough());
        assertTrue(arp.isEthernetIpv4());
        assertEquals(IP_A, arp.targetIp());
    }

    @Test
    void shouldRefuseArpForOtherHardwareOrProtocols()
    {
        // The four fixed fields in turn: hardware type (both bytes), protocol type, hardware and protocol lengths.
        final int[][] changes = {{14, 0x01}, {15, 0x06}, {16, 0x86}, {18, 0x08}, {19, 0x10}};
        for (final int[] change : changes)
        {
            final byte[] bytes = Fixtures.bytes(Fixtures.ARP_REQUEST);
            bytes[change[0]] = (byte)change[1];
            arp.wrap(ByteBuffer.wrap(bytes), EthernetHeader.LENGTH, bytes.length - EthernetHeader.LENGTH);
            assertTrue(arp.isLongEnough());
            assertFalse(arp.isEthernetIpv4(), "byte " + change[0]);
        }
    }
}
