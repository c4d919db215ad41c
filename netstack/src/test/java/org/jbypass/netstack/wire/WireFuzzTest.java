package org.jbypass.netstack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the wire flyweights (DEVELOPERS.md, "Fuzzing"): arbitrary bytes go through every
 * flyweight's validation and then every accessor, as a frame and at every layer's offset. The bytes sit in a heap
 * buffer of exactly their length with the packet at index 0, so a read before or past the packet throws. After a
 * validation passed no accessor may throw, and the ranges the accessors describe lie inside what was validated.
 *
 * <p>Oracles beyond "does not throw": the checksum of a {@link ByteBuffer} range equals the heap-array sum and a
 * plain 16-bit reference; an incremental update (RFC 1624) equals a recomputation; a TCP or UDP checksum computed
 * by the flyweight verifies; the address parsers accept only what they print.
 *
 * <p>{@code mvn test} replays the inputs under {@code src/test/resources/.../WireFuzzTestInputs/}; with
 * {@code JAZZER_FUZZ=1} Jazzer fuzzes (see DEVELOPERS.md).
 */
class WireFuzzTest
{
    private static final Pattern DOTTED_QUAD = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}");

    private final EthernetHeader ethernet = new EthernetHeader();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Header ip = new Ipv4Header();
    private final IcmpHeader icmp = new IcmpHeader();
    private final UdpHeader udp = new UdpHeader();
    private final TcpHeader tcp = new TcpHeader();
    private long sink;

    @FuzzTest(maxDuration = "5m")
    void flyweights(final byte[] data)
    {
        final ByteBuffer packet = ByteBuffer.wrap(data).slice();
        final int length = data.length;

        // The packet as a frame, parsed down the layers as the stack parses it.
        frame(packet, length);
        // Every flyweight straight at the start, and inside, so that each is reached without the layers above.
        final int inner = length == 0 ? 0 : (data[0] & 0xFF) % (length + 1);
        for (final int at : new int[] {0, inner})
        {
            arp(packet, at, length - at);
            ipv4(packet, at, length - at, true);
            ipv4(packet, at, length - at, false);
            icmp(packet, at, length - at);
            udp(packet, at, length - at, 0xC6120001, 0xC6120002);
            tcp(packet, at, length - at, 0xC6120001, 0xC6120002);
        }
        checksums(data);
        addresses(data);
        assertTrue(sink != 1, "keeps the reads alive");
    }

    private void frame(final ByteBuffer packet, final int length)
    {
        ethernet.wrap(packet, 0, length);
        if (!ethernet.isValid())
        {
            assertTrue(length < EthernetHeader.LENGTH, "a frame of " + length + " bytes is long enough");
            return;
        }
        sink += ethernet.destination() + ethernet.source() + ethernet.type();
        assertEquals(length, ethernet.payloadOffset() + ethernet.payloadLength(), "Ethernet payload ends the frame");
        final int offset = ethernet.payloadOffset();
        final int available = ethernet.payloadLength();
        switch (ethernet.type())
        {
            case EthernetHeader.TYPE_ARP -> arp(packet, offset, available);
            case EthernetHeader.TYPE_IPV4 -> ipv4(packet, offset, available, true);
            default -> { }
        }
    }

    private void arp(final ByteBuffer packet, final int offset, final int length)
    {
        arp.wrap(packet, offset, length);
        if (!arp.isLongEnough())
        {
            return;
        }
        sink += (arp.isEthernetIpv4() ? 1 : 0) + arp.hardwareType() + arp.protocolType() + arp.operation()
            + arp.senderMac() + arp.senderIp() + arp.targetMac() + arp.targetIp();
    }

    private void ipv4(final ByteBuffer packet, final int offset, final int available, final boolean verifyChecksum)
    {
        ip.wrap(packet, offset, available);
        final int result = ip.validate(verifyChecksum);
        assertTrue(!Ipv4Header.reason(result).equals("unknown"), "validate returned " + result);
        if (result != Ipv4Header.VALID)
        {
            return;
        }
        sink += ip.version() + ip.tos() + ip.identification() + ip.flagsAndFragmentOffset() + ip.fragmentOffset()
            + (ip.dontFragment() ? 1 : 0) + (ip.moreFragments() ? 1 : 0) + (ip.isFragment() ? 1 : 0) + ip.ttl()
            + ip.checksum();
        final int headerLength = ip.headerLength();
        assertTrue(headerLength >= Ipv4Header.MIN_LENGTH && headerLength <= Ipv4Header.MAX_LENGTH,
            "header length " + headerLength);
        assertTrue(ip.totalLength() <= available, "total length inside the frame");
        within(ip.payloadOffset(), ip.payloadLength(), offset, available);
        if (verifyChecksum)
        {
            assertEquals(0, Checksum.compute(packet, offset, headerLength), "a valid header's checksum verifies");
        }
        final int source = ip.source();
        final int destination = ip.destination();
        assertTrue(!Ipv4Address.isMulticast(source) && !Ipv4Address.isLoopback(source)
            && source != Ipv4Address.BROADCAST, "a valid datagram's source is a host");
        final int payloadOffset = ip.payloadOffset();
        final int payloadLength = ip.payloadLength();
        switch (ip.protocol())
        {
            case Ipv4Header.PROTOCOL_ICMP -> icmp(packet, payloadOffset, payloadLength);
            case Ipv4Header.PROTOCOL_UDP -> udp(packet, payloadOffset, payloadLength, source, destination);
            case Ipv4Header.PROTOCOL_TCP -> tcp(packet, payloadOffset, payloadLength, source, destination);
            default -> { }
        }
    }

    private void icmp(final ByteBuffer packet, final int offset, final int length)
    {
        icmp.wrap(packet, offset, length);
        if (!icmp.isLongEnough())
        {
            return;
        }
        sink += (icmp.checksumOk() ? 1 : 0) + icmp.type() + icmp.code() + icmp.checksum() + icmp.rest()
            + icmp.identifier() + icmp.sequence() + icmp.nextHopMtu();
        within(icmp.payloadOffset(), icmp.payloadLength(), offset, length);
        // An error quotes an IPv4 header: the stack reads it with validation off (it is ours, possibly cut short).
        final int quotedOffset = icmp.payloadOffset();
        final int quotedLength = icmp.payloadLength();
        ip.wrap(packet, quotedOffset, quotedLength);
        if (ip.validate(false) == Ipv4Header.VALID)
        {
            within(ip.payloadOffset(), ip.payloadLength(), quotedOffset, quotedLength);
        }
    }

    private void udp(final ByteBuffer packet, final int offset, final int available, final int source,
        final int destination)
    {
        udp.wrap(packet, offset, available);
        if (!udp.isValid())
        {
            return;
        }
        sink += udp.sourcePort() + udp.destinationPort() + udp.checksum();
        within(udp.payloadOffset(), udp.payloadLength(), offset, available);
        final boolean ok = udp.checksumOk(source, destination);
        if (udp.checksum() == 0)
        {
            assertTrue(ok, "a zero UDP checksum means none (RFC 768)");
        }
        // Compute the checksum in a copy: the flyweight's own must then verify, and is never zero on the wire.
        final ByteBuffer copy = copyOf(packet, offset, udp.length());
        final UdpHeader written = new UdpHeader().wrap(copy, 0, copy.capacity()).computeChecksum(source, destination);
        assertTrue(written.checksum() != 0, "a computed UDP checksum of zero is sent as 0xFFFF");
        assertTrue(written.checksumOk(source, destination), "a computed UDP checksum verifies");
        assertEquals(ok, udp.checksum() == 0 || sameOnesComplement(udp.checksum(), written.checksum()),
            "verification agrees with computation");
    }

    private void tcp(final ByteBuffer packet, final int offset, final int length, final int source,
        final int destination)
    {
        tcp.wrap(packet, offset, length);
        if (!tcp.isValid())
        {
            return;
        }
        sink += tcp.sourcePort() + tcp.destinationPort() + tcp.sequence() + tcp.acknowledgment() + tcp.flags()
            + (tcp.hasFlags(TcpHeader.SYN | TcpHeader.ACK) ? 1 : 0) + tcp.window() + tcp.checksum()
            + tcp.urgentPointer();
        final int headerLength = tcp.headerLength();
        assertTrue(headerLength >= TcpHeader.MIN_LENGTH && headerLength <= TcpHeader.MAX_LENGTH,
            "header length " + headerLength);
        within(tcp.optionsOffset(), tcp.optionsLength(), offset, length);
        for (int i = 0; i < tcp.optionsLength(); i++)
        {
            sink += tcp.buffer().get(tcp.optionsOffset() + i);
        }
        within(tcp.payloadOffset(), tcp.payloadLength(), offset, length);
        assertEquals(offset + length, tcp.payloadOffset() + tcp.payloadLength(), "TCP payload ends the segment");
        final boolean ok = tcp.checksumOk(source, destination);
        final ByteBuffer copy = copyOf(packet, offset, length);
        final TcpHeader written = new TcpHeader().wrap(copy, 0, length).computeChecksum(source, destination);
        assertTrue(written.checksumOk(source, destination), "a computed TCP checksum verifies");
        assertEquals(ok, sameOnesComplement(tcp.checksum(), written.checksum()),
            "verification agrees with computation");
    }

    /**
     * The checksum routines against a plain reference: RFC 1071's 16-bit sum with end-around carry, over a range the
     * input chooses and from an initial sum it chooses.
     */
    private static void checksums(final byte[] data)
    {
        if (data.length < 6)
        {
            return;
        }
        final ByteBuffer b = ByteBuffer.wrap(data);
        final int initial = b.getInt(0);
        final int offset = (data[4] & 0xFF) % (data.length + 1);
        final int length = (data[5] & 0xFF) * 7 % (data.length - offset + 1);
        final int expected = referenceChecksum(data, offset, length, initial);
        assertEquals(expected, Checksum.fold(Checksum.sum(b, offset, length, initial)), "ByteBuffer sum");
        assertEquals(expected, Checksum.fold(Checksum.sum(data, offset, length, initial)), "array sum");
        // RFC 1624 eqn. 3: changing a 16-bit word and updating the checksum gives the recomputed checksum (0x0000
        // and 0xFFFF being the two zeros of one's complement).
        if (length >= 2)
        {
            final int word = offset + ((data[1] & 0xFF) % (length / 2)) * 2;
            final byte[] changed = data.clone();
            final int before = ((data[word] & 0xFF) << 8) | (data[word + 1] & 0xFF);
            final int after = (data[2] & 0xFF) << 8 | (data[3] & 0xFF);
            changed[word] = (byte)(after >>> 8);
            changed[word + 1] = (byte)after;
            final int original = Checksum.compute(b, offset, length);
            final int recomputed = Checksum.compute(ByteBuffer.wrap(changed), offset, length);
            assertTrue(sameOnesComplement(recomputed, Checksum.update16(original, before, after)),
                "incremental update16");
            if (length >= 4 && (word - offset) + 4 <= length)
            {
                final int before32 = ByteBuffer.wrap(data).getInt(word);
                final int after32 = b.getInt(0);
                final byte[] changed32 = data.clone();
                ByteBuffer.wrap(changed32).putInt(word, after32);
                final int recomputed32 = Checksum.compute(ByteBuffer.wrap(changed32), offset, length);
                assertTrue(sameOnesComplement(recomputed32, Checksum.update32(original, before32, after32)),
                    "incremental update32");
            }
        }
    }

    private static int referenceChecksum(final byte[] data, final int offset, final int length, final int initial)
    {
        long sum = (initial >>> 16) + (initial & 0xFFFF);
        for (int i = 0; i < length; i += 2)
        {
            final int high = data[offset + i] & 0xFF;
            final int low = i + 1 < length ? data[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)(~sum & 0xFFFF);
    }

    /** The address parsers: what they accept is exactly what they print, and they fail only as documented. */
    private static void addresses(final byte[] data)
    {
        final String text = new String(data, StandardCharsets.UTF_8);
        try
        {
            final int address = Ipv4Address.parse(text);
            assertTrue(DOTTED_QUAD.matcher(text.trim()).matches(), "accepted '" + text + "' as an IPv4 address");
            assertEquals(address, Ipv4Address.parse(Ipv4Address.toString(address)), "IPv4 round trip");
        }
        catch (final IllegalArgumentException expected)
        {
            assertTrue(expected.getMessage().contains("IPv4"), expected.getMessage());
        }
        try
        {
            final long mac = MacAddress.parse(text);
            assertTrue(MAC.matcher(text.trim()).matches(), "accepted '" + text + "' as a MAC address");
            assertEquals(mac, MacAddress.parse(MacAddress.toString(mac)), "MAC round trip");
        }
        catch (final IllegalArgumentException expected)
        {
            assertTrue(expected.getMessage().contains("MAC"), expected.getMessage());
        }
        if (data.length >= 8)
        {
            final ByteBuffer b = ByteBuffer.wrap(data);
            final int address = b.getInt(0);
            assertEquals(address, Ipv4Address.parse(Ipv4Address.toString(address)), "IPv4 round trip");
            assertEquals(address, Ipv4Address.fromBytes(Ipv4Address.toBytes(address)), "IPv4 bytes round trip");
            final long mac = b.getLong(0) & MacAddress.BROADCAST;
            assertEquals(mac, MacAddress.parse(MacAddress.toString(mac)), "MAC round trip");
            final int prefix = (data[7] & 0xFF) % 33;
            assertTrue(Ipv4Address.inSubnet(address, address & Ipv4Address.mask(prefix), prefix), "in its subnet");
        }
    }

    private static ByteBuffer copyOf(final ByteBuffer packet, final int offset, final int length)
    {
        final ByteBuffer copy = ByteBuffer.allocate(length);
        copy.put(0, packet, offset, length);
        return copy;
    }

    private static boolean sameOnesComplement(final int a, final int b)
    {
        return a == b || (a == 0 || a == 0xFFFF) && (b == 0 || b == 0xFFFF);
    }

    private static void within(final int at, final int length, final int start, final int available)
    {
        if (at < start || length < 0 || at + length > start + available)
        {
            fail("range " + at + "+" + length + " outside " + start + "+" + available);
        }
    }
}
