package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.testing.ChannelLink;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;

/**
 * Coverage-guided fuzzing (DEVELOPERS.md, "Fuzzing") of frames with a virtio_net_hdr, as the afpacket driver
 * receives them with super-frames on: "hostile or inconsistent headers are dropped and counted, never trusted".
 *
 * <p>The fuzzer picks a header (flags, GSO type and size, hdr_len, csum_start/csum_offset: the kernel's values,
 * off-by-one values and arbitrary ones) and a frame (IPv4 or IPv6, TCP or UDP, mostly well formed, up to 64 KiB,
 * with lengths, types and fields perturbed), and how much of it is readable (all, or the head a frame ring's slot
 * holds). The driver's own check ({@code jbp_vnet_parse}, through {@link AfPacketNative#parseVnet}) must then agree
 * with a model written here from the contract: what it accepts is consistent (a GSO frame of the type's protocol
 * and family, TCPV4 over IPv4, TCPV6 over IPv6, UDP_L4 over either, whose IPv4 total length or IPv6 payload length
 * is the frame's, a segment size above 0, a partial checksum inside the frame and on the L4 checksum, hdr_len within
 * the frame; only the flags it may set), and every header outside the contract is refused with a reason. An
 * accepted frame then goes, as a chain of 2048-byte buffers with those flags, into a stack with a dual-stack UDP
 * socket and TCP listener: UDP datagrams are never longer than the segment size, and every packet buffer is back
 * once the stack is closed.
 */
class VnetFrameFuzzTest
{
    private static final long STACK_MAC = MacAddress.parse("02:00:00:00:00:02");
    private static final int STACK_IP = Ipv4Address.parse("198.18.0.2");
    private static final int PEER_IP = Ipv4Address.parse("198.18.0.1");
    private static final long NET6 = 0x2001_0DB8_0000_0000L;
    private static final long STACK6 = 2;
    private static final long PEER6 = 1;
    private static final int NEEDS_CSUM = 1;
    private static final int DATA_VALID = 2;
    private static final int GSO_TCPV4 = 1;
    private static final int GSO_TCPV6 = 4;
    private static final int GSO_UDP_L4 = 5;
    private static final int GSO_ECN = 0x80;
    private static final int ALLOWED_FLAGS = PacketBurst.RX_L4_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_PARTIAL
        | PacketBurst.GSO_TYPE_MASK | (0xFFFF << PacketBurst.GSO_SIZE_SHIFT);

    private final ByteBuffer header = ByteBuffer.allocateDirect(10).order(ByteOrder.nativeOrder());
    private final ByteBuffer frame = ByteBuffer.allocateDirect(PacketBurst.MAX_FRAME_LENGTH + 16);

    @FuzzTest(maxDuration = "5m")
    void frames(final FuzzedDataProvider data)
    {
        AfPacketNative.ensureLoaded();
        final boolean v6 = data.consumeBoolean();
        final boolean tcp = data.consumeBoolean();
        final int protocol = data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 255) : tcp ? 6 : 17;
        final int l4Header = protocol == 6 ? (data.consumeBoolean() ? 32 : 20) : 8;
        final int ipHeader = v6 ? 40 : 20;
        final int payload = data.consumeInt(0, 65535 - ipHeader - l4Header);
        // IPv4's total length, or IPv6's fixed header and payload length (RFC 8200 section 3): the IP packet.
        final int ipTotal = ipHeader + l4Header + payload;
        final int length = Math.max(0, Math.min(PacketBurst.MAX_FRAME_LENGTH,
            14 + ipTotal + (data.consumeInt(0, 7) == 0 ? data.consumeInt(-40, 40) : 0)));
        final int vnetFlags = pick(data, 0, NEEDS_CSUM, DATA_VALID, NEEDS_CSUM | DATA_VALID, 4, data.consumeInt(0, 255))
            & 0xFF;
        final int gsoType = pick(data, 0, GSO_TCPV4, GSO_UDP_L4, GSO_TCPV4 | GSO_ECN, 3, GSO_TCPV6,
            GSO_TCPV6 | GSO_ECN, data.consumeInt(0, 255)) & 0xFF;
        final int gsoSize = pick(data, 0, 1448, 1000, 1, 0xFFFF, data.consumeInt(0, 0xFFFF));
        final int hdrLen = pick(data, 0, 14 + ipHeader + l4Header, length, length + 1, data.consumeInt(0, 0xFFFF));
        final int csumStart = pick(data, 14 + ipHeader, 34, 54, 14, length - 1, length, data.consumeInt(0, 0xFFFF));
        final int csumOffset = pick(data, protocol == 6 ? 16 : 6, 16, 6, data.consumeInt(0, 0xFFFF));
        build(data, v6, protocol, l4Header, payload, ipTotal, length, (vnetFlags & NEEDS_CSUM) != 0);
        final int readable = data.consumeBoolean() ? length : Math.min(length, data.consumeInt(0, 2100));

        header.put(0, (byte)vnetFlags).put(1, (byte)gsoType).putShort(2, (short)hdrLen).putShort(4, (short)gsoSize)
            .putShort(6, (short)csumStart).putShort(8, (short)csumOffset);
        final long result = AfPacketNative.parseVnet(header, frame, readable, length);
        assertTrue(result > -1000, "arguments inside the buffers");
        final String what = "flags " + vnetFlags + " gso " + gsoType + "/" + gsoSize + " hdr_len " + hdrLen
            + " csum " + csumStart + "+" + csumOffset + " frame " + length + " (" + readable + " readable) ip "
            + ipTotal + (v6 ? " IPv6" : " IPv4") + " protocol " + protocol;
        if (result < 0)
        {
            assertTrue(result >= -7, "a known reason: " + result + ", " + what);
            return;
        }
        final int flags = (int)result;
        assertEquals(0, flags & ~ALLOWED_FLAGS, "only the bits a vnet header may set: " + what);
        // The model: anything outside the contract is refused.
        assertTrue((vnetFlags & ~(NEEDS_CSUM | DATA_VALID)) == 0 && vnetFlags != (NEEDS_CSUM | DATA_VALID), what);
        assertTrue(hdrLen <= length, "hdr_len within the frame: " + what);
        final int type = gsoType & ~GSO_ECN;
        if ((vnetFlags & NEEDS_CSUM) != 0)
        {
            assertTrue(csumStart < length && csumStart + csumOffset + 2 <= length, "checksum inside: " + what);
            assertEquals(PacketBurst.RX_L4_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_PARTIAL,
                flags & (PacketBurst.RX_L4_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_PARTIAL), what);
        }
        else
        {
            assertEquals(0, flags & PacketBurst.RX_L4_CHECKSUM_PARTIAL, what);
            assertEquals((vnetFlags & DATA_VALID) != 0, (flags & PacketBurst.RX_L4_CHECKSUM_OK) != 0, what);
        }
        if (gsoType == 0)
        {
            assertEquals(0, flags & (PacketBurst.GSO_TYPE_MASK | (0xFFFF << PacketBurst.GSO_SIZE_SHIFT)), what);
        }
        else
        {
            assertTrue(type == GSO_TCPV4 || type == GSO_TCPV6 || type == GSO_UDP_L4, "a type the stack takes: " + what);
            assertTrue(gsoSize > 0 && PacketBurst.gsoSize(flags) == gsoSize, "segment size: " + what);
            assertEquals(type == GSO_TCPV4 ? PacketBurst.GSO_TCPV4 : type == GSO_TCPV6 ? PacketBurst.GSO_TCPV6
                : PacketBurst.GSO_UDP_L4, PacketBurst.gsoType(flags));
            assertEquals(type == GSO_UDP_L4 ? 17 : 6, protocol, "the type's protocol: " + what);
            if (type != GSO_UDP_L4)
            {
                assertEquals(type == GSO_TCPV6, v6, "the type's family: " + what);
            }
            assertEquals(14 + ipTotal, length, "a super-frame as long as its IP header says: " + what);
            assertTrue(readable >= 14 + ipHeader + l4Header, "headers read from what is readable: " + what);
        }
        if (readable == length)
        {
            deliver(length, flags, gsoType == 0 ? 0 : gsoSize);
        }
    }

    /** One of the values, as the header's 16-bit (or 8-bit) field holds it: wider values wrap, as on the wire. */
    private static int pick(final FuzzedDataProvider data, final int... values)
    {
        return values[data.consumeInt(0, values.length - 1)] & 0xFFFF;
    }

    /**
     * Ethernet to the stack, IPv4 or IPv6 (2001:db8::1 to ::2, no extension header) from the peer, a TCP or UDP
     * header and payload; the checksums right or partial.
     */
    private void build(final FuzzedDataProvider data, final boolean v6, final int protocol, final int l4Header,
        final int payload, final int ipTotal, final int length, final boolean partial)
    {
        final ByteBuffer f = frame;
        final int l4 = 14 + (v6 ? 40 : 20);
        for (int i = 0; i < Math.min(length, l4 + l4Header); i++)
        {
            f.put(i, (byte)0);
        }
        f.putShort(0, (short)(STACK_MAC >>> 32)).putInt(2, (int)STACK_MAC).putShort(6, (short)0x0200)
            .putInt(8, 1).putShort(12, (short)(data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 0xFFFF)
                : v6 ? 0x86DD : 0x0800));
        final int l4Length = l4Header + payload;
        final int pseudo;
        if (v6)
        {
            // RFC 8200 section 3: version 6 (sometimes not), the payload length, the next header, the addresses.
            f.putInt(14, data.consumeInt(0, 15) == 0 ? data.consumeInt() : 0x6000_0000)
                .putShort(18, (short)(ipTotal - 40)).put(20, (byte)protocol).put(21, (byte)64)
                .putLong(22, NET6).putLong(30, PEER6).putLong(38, NET6).putLong(46, STACK6);
            pseudo = Checksum.pseudoHeader6(NET6, PEER6, NET6, STACK6, protocol, l4Length);
        }
        else
        {
            f.put(14, (byte)(data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 255) : 0x45))
                .putShort(16, (short)ipTotal).putShort(20, (short)0x4000).put(22, (byte)64).put(23, (byte)protocol)
                .putInt(26, PEER_IP).putInt(30, STACK_IP);
            f.putShort(24, (short)Checksum.compute(f, 14, 20));
            pseudo = Checksum.pseudoHeader(PEER_IP, STACK_IP, protocol, l4Length);
        }
        final int seed = data.consumeInt();
        for (int i = l4 + l4Header; i < length; i++)
        {
            f.put(i, (byte)(seed + i * 31));
        }
        if (l4 + l4Header > length)
        {
            return;
        }
        final boolean listener = data.consumeBoolean();
        f.putShort(l4, (short)40000).putShort(l4 + 2, (short)(listener ? (protocol == 6 ? 80 : 7) : 9));
        int checksumField = l4 + 6;
        if (protocol == 6)
        {
            f.putInt(l4 + 4, data.consumeInt()).putInt(l4 + 8, data.consumeInt())
                .put(l4 + 12, (byte)((l4Header / 4) << 4)).put(l4 + 13, (byte)data.consumeInt(0, 255))
                .putShort(l4 + 14, (short)65535);
            checksumField = l4 + 16;
        }
        else
        {
            f.putShort(l4 + 4, (short)(data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 0xFFFF) : l4Length));
        }
        if (partial)
        {
            f.putShort(checksumField, (short)~Checksum.fold(pseudo));
        }
        else if (l4 + l4Length <= length)
        {
            f.putShort(checksumField, (short)Checksum.fold(Checksum.sum(f, l4, l4Length, pseudo)));
        }
    }

    /** The accepted frame, as a chain with its flags, into a stack: datagrams within the segment size, no leak. */
    private void deliver(final int length, final int flags, final int gsoSize)
    {
        final Stack stack = new Stack(StackConfig.builder().poolBuffers(256)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), 1_000_000_000L);
        final ChannelLink link = new ChannelLink(stack.pool(), STACK_MAC, 1500);
        link.chains(true);
        final NetInterface nif = stack.addInterface("fuzz0", link, STACK_IP, 24, 0);
        stack.addAddress6(nif, NET6, STACK6, 64);
        // Dual-stack: IPv4 frames reach them as IPv4-mapped peers, IPv6 frames as themselves.
        final UdpSocket udp = stack.openUdp6(false);
        udp.bind6(0, 0, 7);
        final TcpSocket listener = stack.openTcp6(false);
        listener.bind6(0, 0, 80);
        listener.listen(4);
        final byte[] bytes = new byte[length];
        frame.get(0, bytes);
        link.inject(bytes, flags);
        stack.poll(1_000_001_000L);
        final ByteBuffer datagram = ByteBuffer.allocate(65536);
        int n;
        while ((n = udp.receive(datagram.clear())) >= 0)
        {
            assertTrue(gsoSize == 0 || n <= gsoSize, "a datagram of at most the segment size: " + n);
        }
        stack.close();
        assertEquals(0, stack.pool().inUse(), "every packet buffer back");
    }
}
