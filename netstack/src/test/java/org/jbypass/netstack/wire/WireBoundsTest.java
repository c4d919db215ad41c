package org.jbypass.netstack.wire;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The flyweights' promise: once the length checks passed ({@link EthernetHeader#isValid()},
 * {@link Ipv4Header#validate}, {@link ArpPacket#isLongEnough()}, {@link IcmpHeader#isLongEnough()},
 * {@link UdpHeader#isValid()}, {@link TcpHeader#isValid()}), no accessor throws or reads outside the packet, and
 * the checks themselves read nothing outside it. The fixtures are mangled (random bytes in their headers, random
 * truncation) by the thousand and parsed as the stack parses, each in a heap buffer of exactly its length, so that
 * any read past the end throws and fails the test.
 */
class WireBoundsTest
{
    private static final String[] FIXTURES = {Fixtures.ARP_REQUEST, Fixtures.ARP_REPLY, Fixtures.ICMP_ECHO_REQUEST,
        Fixtures.ICMP_ECHO_REPLY, Fixtures.UDP_ODD, Fixtures.ICMP_PORT_UNREACHABLE, Fixtures.UDP_EVEN,
        Fixtures.TCP_SYN, Fixtures.TCP_SYN_ACK, Fixtures.TCP_DATA, Fixtures.FRAGMENT_FIRST, Fixtures.FRAGMENT_LAST,
        Fixtures.VLAN_ICMP_ECHO_REQUEST};

    private final EthernetHeader ethernet = new EthernetHeader();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Header ip = new Ipv4Header();
    private final IcmpHeader icmp = new IcmpHeader();
    private final UdpHeader udp = new UdpHeader();
    private final TcpHeader tcp = new TcpHeader();
    private long sink;
    private int arpParsed;
    private int ipValid;
    private int icmpParsed;
    private int udpValid;
    private int tcpValid;

    @Test
    void shouldNeverReadOutsideAPacketThatPassedItsLengthChecks()
    {
        final SplittableRandom random = new SplittableRandom(0x6a627970L);
        for (final String fixture : FIXTURES)
        {
            final byte[] original = Fixtures.bytes(fixture);
            for (int round = 0; round < 4000; round++)
            {
                final byte[] bytes = original.clone();
                final int changes = random.nextInt(4);
                for (int i = 0; i < changes; i++)
                {
                    // Mostly in the headers, where lengths and offsets live.
                    final int at = random.nextInt(Math.min(bytes.length, random.nextBoolean() ? 60 : bytes.length));
                    bytes[at] = (byte)(random.nextBoolean() ? random.nextInt(256) : bytes[at] ^ (1 << random.nextInt(8)));
                }
                final int length = random.nextInt(3) == 0 ? random.nextInt(bytes.length + 1) : bytes.length;
                parse(ByteBuffer.wrap(bytes, 0, length).slice(), length, random.nextBoolean());
            }
        }
        // The mangling must leave enough packets whole for the accessors to have been exercised.
        assertTrue(arpParsed > 1000, "ARP parsed " + arpParsed);
        assertTrue(ipValid > 10_000, "IPv4 valid " + ipValid);
        assertTrue(icmpParsed > 3000, "ICMP parsed " + icmpParsed);
        assertTrue(udpValid > 1000, "UDP valid " + udpValid);
        assertTrue(tcpValid > 3000, "TCP valid " + tcpValid);
    }

    private void parse(final ByteBuffer frame, final int length, final boolean verifyChecksum)
    {
        ethernet.wrap(frame, 0, length);
        if (!ethernet.isValid())
        {
            return;
        }
        sink += ethernet.destination() + ethernet.source() + ethernet.type();
        within(ethernet.payloadOffset(), ethernet.payloadLength(), length);
        if (ethernet.type() == EthernetHeader.TYPE_ARP)
        {
            arp.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength());
            if (arp.isLongEnough())
            {
                arpParsed++;
                sink += (arp.isEthernetIpv4() ? 1 : 0) + arp.hardwareType() + arp.protocolType() + arp.operation()
                    + arp.senderMac() + arp.senderIp() + arp.targetMac() + arp.targetIp();
            }
            return;
        }
        if (ethernet.type() != EthernetHeader.TYPE_IPV4)
        {
            return;
        }
        ip.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength());
        if (ip.validate(verifyChecksum) != Ipv4Header.VALID)
        {
            return;
        }
        ipValid++;
        sink += ip.version() + ip.headerLength() + ip.tos() + ip.totalLength() + ip.identification()
            + ip.flagsAndFragmentOffset() + (ip.dontFragment() ? 1 : 0) + (ip.moreFragments() ? 1 : 0)
            + ip.fragmentOffset() + (ip.isFragment() ? 1 : 0) + ip.ttl() + ip.protocol() + ip.checksum()
            + ip.source() + ip.destination();
        within(ip.payloadOffset(), ip.payloadLength(), length);
        switch (ip.protocol())
        {
            case Ipv4Header.PROTOCOL_ICMP:
                icmp.wrap(frame, ip.payloadOffset(), ip.payloadLength());
                if (icmp.isLongEnough())
                {
                    icmpParsed++;
                    sink += (icmp.checksumOk() ? 1 : 0) + icmp.type() + icmp.code() + icmp.checksum() + icmp.rest()
                        + icmp.identifier() + icmp.sequence() + icmp.nextHopMtu();
                    within(icmp.payloadOffset(), icmp.payloadLength(), length);
                }
                break;
            case Ipv4Header.PROTOCOL_UDP:
                udp.wrap(frame, ip.payloadOffset(), ip.payloadLength());
                if (udp.isValid())
                {
                    udpValid++;
                    sink += (udp.checksumOk(ip.source(), ip.destination()) ? 1 : 0) + udp.sourcePort()
                        + udp.destinationPort() + udp.length() + udp.checksum();
                    within(udp.payloadOffset(), udp.payloadLength(), length);
                }
                break;
            case Ipv4Header.PROTOCOL_TCP:
                tcp.wrap(frame, ip.payloadOffset(), ip.payloadLength());
                if (tcp.isValid())
                {
                    tcpValid++;
                    sink += (tcp.checksumOk(ip.source(), ip.destination()) ? 1 : 0) + tcp.sourcePort()
                        + tcp.destinationPort() + tcp.sequence() + tcp.acknowledgment() + tcp.headerLength()
                        + tcp.flags() + tcp.window() + tcp.checksum() + tcp.urgentPointer();
                    within(tcp.optionsOffset(), tcp.optionsLength(), length);
                    for (int i = 0; i < tcp.optionsLength(); i++)
                    {
                        sink += tcp.buffer().get(tcp.optionsOffset() + i);
                    }
                    within(tcp.payloadOffset(), tcp.payloadLength(), length);
                }
                break;
            default:
                break;
        }
    }

    private static void within(final int offset, final int length, final int frameLength)
    {
        assertTrue(offset >= 0 && length >= 0 && offset + length <= frameLength,
            () -> "range " + offset + "+" + length + " outside a " + frameLength + "-byte frame");
    }
}
