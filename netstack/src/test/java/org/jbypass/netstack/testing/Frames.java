package org.jbypass.netstack.testing;

import java.nio.ByteBuffer;

import org.jbypass.netstack.wire.ArpPacket;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.IcmpHeader;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.UdpHeader;

/** Builds and reads frames as byte arrays, for tests, with the wire flyweights. */
public final class Frames
{
    private Frames()
    {
    }

    public static byte[] arp(final long dstMac, final long srcMac, final int operation, final long senderMac,
        final int senderIp, final long targetMac, final int targetIp)
    {
        final ByteBuffer b = ByteBuffer.allocate(60);
        new EthernetHeader().wrap(b, 0, 60).destination(dstMac).source(srcMac).type(EthernetHeader.TYPE_ARP);
        new ArpPacket().wrap(b, 14, 28).write(operation, senderMac, senderIp, targetMac, targetIp);
        return b.array();
    }

    /** An IPv4 frame with the given transport bytes; flagsAndOffset as on the wire. */
    public static byte[] ipv4(final long dstMac, final long srcMac, final int src, final int dst, final int protocol,
        final int identification, final int flagsAndOffset, final int ttl, final byte[] payload)
    {
        final int total = 20 + payload.length;
        final ByteBuffer b = ByteBuffer.allocate(Math.max(60, 14 + total));
        new EthernetHeader().wrap(b, 0, b.capacity()).destination(dstMac).source(srcMac)
            .type(EthernetHeader.TYPE_IPV4);
        new Ipv4Header().wrap(b, 14, total).write(0, total, identification, flagsAndOffset, ttl, protocol, src, dst);
        b.put(34, payload);
        return b.array();
    }

    /** UDP header and payload with a correct checksum. */
    public static byte[] udp(final int src, final int dst, final int srcPort, final int dstPort, final byte[] data)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put(8, data);
        new UdpHeader().wrap(b, 0, b.capacity()).write(srcPort, dstPort, b.capacity()).computeChecksum(src, dst);
        return b.array();
    }

    public static byte[] udpFrame(final long dstMac, final long srcMac, final int src, final int dst,
        final int srcPort, final int dstPort, final byte[] data)
    {
        return ipv4(dstMac, srcMac, src, dst, Ipv4Header.PROTOCOL_UDP, 1, 0, 64, udp(src, dst, srcPort, dstPort, data));
    }

    public static byte[] icmpEcho(final int type, final int id, final int seq, final byte[] data)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put(8, data);
        new IcmpHeader().wrap(b, 0, b.capacity()).type(type).code(0).rest((id << 16) | seq).computeChecksum();
        return b.array();
    }

    public static ByteBuffer wrap(final byte[] frame)
    {
        return ByteBuffer.wrap(frame);
    }

    public static EthernetHeader ethernet(final byte[] frame)
    {
        return new EthernetHeader().wrap(ByteBuffer.wrap(frame), 0, frame.length);
    }

    public static ArpPacket arpOf(final byte[] frame)
    {
        return new ArpPacket().wrap(ByteBuffer.wrap(frame), 14, frame.length - 14);
    }

    public static Ipv4Header ipOf(final byte[] frame)
    {
        return new Ipv4Header().wrap(ByteBuffer.wrap(frame), 14, frame.length - 14);
    }

    /** The IPv4 payload of a frame. */
    public static byte[] ipPayload(final byte[] frame)
    {
        final Ipv4Header ip = ipOf(frame);
        final byte[] out = new byte[ip.payloadLength()];
        System.arraycopy(frame, 14 + ip.headerLength(), out, 0, out.length);
        return out;
    }

    public static boolean ipChecksumOk(final byte[] frame)
    {
        final Ipv4Header ip = ipOf(frame);
        return Checksum.compute(ByteBuffer.wrap(frame), 14, ip.headerLength()) == 0;
    }
}
