package org.jbypass.netstack.testing;

import java.nio.ByteBuffer;

import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.MldMessage;
import org.jbypass.netstack.wire.NdpOptions;

/** Builds and reads IPv6 frames as byte arrays, for tests; addresses as {hi, lo} pairs. */
public final class Frames6
{
    private Frames6()
    {
    }

    public static long[] addr(final String text)
    {
        return Ipv6Address.parse(text);
    }

    /** An IPv6 frame with the given bytes after the fixed header. */
    public static byte[] ipv6(final long dstMac, final long srcMac, final long[] src, final long[] dst,
        final int nextHeader, final int hopLimit, final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(Math.max(60, 54 + payload.length));
        new EthernetHeader().wrap(b, 0, b.capacity()).destination(dstMac).source(srcMac)
            .type(EthernetHeader.TYPE_IPV6);
        new Ipv6Header().wrap(b, 14, 40 + payload.length).write(0, 0, payload.length, nextHeader, hopLimit, src[0],
            src[1], dst[0], dst[1]);
        b.put(54, payload);
        return b.array();
    }

    /** An ICMPv6 message with a correct checksum. */
    public static byte[] icmp6(final long[] src, final long[] dst, final int type, final int code, final int rest,
        final byte[] body)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + body.length);
        b.put(8, body);
        new Icmpv6Header().wrap(b, 0, b.capacity()).type(type).code(code).rest(rest).computeChecksum(src[0], src[1],
            dst[0], dst[1]);
        return b.array();
    }

    public static byte[] echo(final long[] src, final long[] dst, final int type, final int id, final int seq,
        final byte[] data)
    {
        return icmp6(src, dst, type, 0, (id << 16) | (seq & 0xFFFF), data);
    }

    /** A neighbour solicitation or advertisement's body: the target and, unless {@code mac} is -1, the option. */
    public static byte[] neighborBody(final long[] target, final int optionType, final long mac)
    {
        final ByteBuffer b = ByteBuffer.allocate(16 + (mac < 0 ? 0 : 8));
        Ipv6Address.write(b, 0, target[0], target[1]);
        if (mac >= 0)
        {
            NdpOptions.writeLinkLayer(b, 16, optionType, mac);
        }
        return b.array();
    }

    /** A neighbour solicitation frame, hop limit 255, to the target's solicited-node group. */
    public static byte[] solicitation(final long srcMac, final long[] src, final long[] target, final long sllMac)
    {
        final long[] group = {Ipv6Address.solicitedNodeHi(), Ipv6Address.solicitedNodeLo(target[1])};
        return ipv6(Ipv6Address.multicastMac(group[1]), srcMac, src, group, 58, 255, icmp6(src, group,
            Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION, 0, 0, neighborBody(target, NdpOptions.SOURCE_LINK_LAYER_ADDRESS,
                sllMac)));
    }

    /** A neighbour advertisement frame for {@code target} from its owner. */
    public static byte[] advertisement(final long dstMac, final long srcMac, final long[] src, final long[] dst,
        final int flags, final long tllMac)
    {
        return ipv6(dstMac, srcMac, src, dst, 58, 255, icmp6(src, dst, Icmpv6Header.TYPE_NEIGHBOR_ADVERTISEMENT, 0,
            flags, neighborBody(src, NdpOptions.TARGET_LINK_LAYER_ADDRESS, tllMac)));
    }

    public static Ipv6Header ip6Of(final byte[] frame)
    {
        return new Ipv6Header().wrap(ByteBuffer.wrap(frame), 14, frame.length - 14);
    }

    /** The bytes after the fixed IPv6 header, as long as the payload length says. */
    public static byte[] ip6Payload(final byte[] frame)
    {
        final int length = ip6Of(frame).payloadLength();
        final byte[] payload = new byte[length];
        System.arraycopy(frame, 54, payload, 0, length);
        return payload;
    }

    /** Whether the frame is IPv6 carrying ICMPv6 of the given type directly after the fixed header. */
    public static boolean isIcmp6(final byte[] frame, final int type)
    {
        return frame.length >= 55 + 1 && ByteBuffer.wrap(frame).getShort(12) == (short)EthernetHeader.TYPE_IPV6
            && (frame[20] & 0xFF) == 58 && (frame[54] & 0xFF) == type;
    }

    /** Whether an ICMPv6 frame's checksum is right. */
    public static boolean icmp6ChecksumOk(final byte[] frame)
    {
        final Ipv6Header ip = ip6Of(frame);
        return new Icmpv6Header().wrap(ByteBuffer.wrap(frame), 54, ip.payloadLength()).checksumOk(ip.sourceHi(),
            ip.sourceLo(), ip.destinationHi(), ip.destinationLo());
    }

    /** Whether the frame is an MLD message behind a Router Alert hop-by-hop header, as the stack sends them. */
    public static boolean isMld(final byte[] frame)
    {
        return frame.length >= 54 + 8 + 24 && ByteBuffer.wrap(frame).getShort(12) == (short)EthernetHeader.TYPE_IPV6
            && frame[20] == 0 && (frame[54] & 0xFF) == 58 && frame[56] == 5
            && ((frame[62] & 0xFF) == MldMessage.TYPE_V2_REPORT || (frame[62] & 0xFF) == MldMessage.TYPE_V1_REPORT
                || (frame[62] & 0xFF) == MldMessage.TYPE_V1_DONE);
    }

    /**
     * A multicast listener query frame: version 1 (24 bytes) when {@code version1}, else version 2 with the given
     * QRV, QQIC and sources; behind a Router Alert hop-by-hop header like a real querier's.
     */
    public static byte[] mldQuery(final long srcMac, final long[] src, final long[] dst, final int hopLimit,
        final long[] group, final int maxResponseCode, final boolean version1, final int qrv, final int qqic,
        final long[]... sources)
    {
        final ByteBuffer body = ByteBuffer.allocate(version1 ? 24 : 28 + 16 * sources.length);
        body.put(0, (byte)MldMessage.TYPE_QUERY);
        body.putShort(4, (short)maxResponseCode);
        Ipv6Address.write(body, 8, group[0], group[1]);
        if (!version1)
        {
            body.put(24, (byte)qrv);
            body.put(25, (byte)qqic);
            body.putShort(26, (short)sources.length);
            for (int i = 0; i < sources.length; i++)
            {
                Ipv6Address.write(body, 28 + 16 * i, sources[i][0], sources[i][1]);
            }
        }
        new Icmpv6Header().wrap(body, 0, body.capacity()).computeChecksum(src[0], src[1], dst[0], dst[1]);
        final byte[] payload = new byte[8 + body.capacity()];
        MldMessage.writeRouterAlert(ByteBuffer.wrap(payload), 0);
        System.arraycopy(body.array(), 0, payload, 8, body.capacity());
        return ipv6(Ipv6Address.multicastMac(dst[1]), srcMac, src, dst, 0, hopLimit, payload);
    }
}
