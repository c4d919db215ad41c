package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.LinkDecorator;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.link.virtual.PcapFile;
import org.jbypass.netstack.link.virtual.PcapLink;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TCP over IPv6 sends TSO super-segments through a whole stack: a connection from A to B over a wire that takes
 * IPv6 super-segments (TX_TCP6_SEGMENTATION, passed whole as a veth passes them), every chain A hands its link
 * checked byte by byte as it leaves: {@link PacketBurst#GSO_TCPV6} with a partial checksum and a segment size that
 * fills the MTU, the Ethernet header to B's MAC with the IPv6 type, the fixed IPv6 header with the payload length
 * of the whole chain and no extension header (never fragmented), and the TCP checksum field holding the IPv6
 * pseudo-header sum over the whole length (RFC 8200 section 8.1; Linux's __tcp_v6_send_check() for
 * CHECKSUM_PARTIAL); the pcap capture on A records each one whole. On a link that segments only IPv4
 * (TX_TCP_SEGMENTATION alone, as rdma's LSO today) the same connection sends MSS-sized segments.
 */
class Tcp6SuperSegmentTest
{
    private static final int IP_A = Ipv4Address.parse("198.18.0.1");
    private static final int IP_B = Ipv4Address.parse("198.18.0.2");
    private static final long MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:00:0b");
    private static final long NET6 = 0x2001_0DB8_0000_0000L;
    private static final long A6 = 0xA;
    private static final long B6 = 0xB;
    private static final int BYTES = 400_000;

    @TempDir
    Path directory;

    /** Keeps a copy of every super-frame (a frame with a GSO type) the stack hands the link, and its flags. */
    private static final class Tap extends LinkDecorator
    {
        final List<byte[]> frames = new ArrayList<>();
        final List<Integer> flags = new ArrayList<>();

        Tap(final Link inner)
        {
            super(inner);
        }

        @Override
        protected String kind()
        {
            return "tap";
        }

        @Override
        public int receive(final int queue, final PacketBurst burst)
        {
            return inner.receive(queue, burst);
        }

        @Override
        public int transmit(final int queue, final PacketBurst burst)
        {
            for (int i = 0; i < burst.count(); )
            {
                final int n = Math.max(1, burst.chainLength(i));
                if (PacketBurst.gsoType(burst.flags(i)) != PacketBurst.GSO_NONE)
                {
                    final byte[] frame = new byte[burst.frameLength(i, n)];
                    int at = 0;
                    for (int k = i; k < i + n; k++)
                    {
                        pool().memory().get(pool().offset(burst.buffer(k)), frame, at, burst.length(k));
                        at += burst.length(k);
                    }
                    frames.add(frame);
                    flags.add(burst.flags(i));
                }
                i += n;
            }
            return inner.transmit(queue, burst);
        }

        @Override
        public void close()
        {
            inner.close();
        }
    }

    @Test
    void shouldSendIpv6SuperSegmentsWithTheirHeadersAndPartialChecksum() throws IOException
    {
        final Path file = directory.resolve("a.pcap");
        final Run run = transfer(LinkCapabilities.TX_TCP_SEGMENTATION | LinkCapabilities.TX_TCP6_SEGMENTATION, file);
        final Tap tap = run.tap;
        assertTrue(tap.frames.size() > 2, "super-segments sent: " + tap.frames.size());
        assertEquals(tap.frames.size(), run.a.ipCounters().ip6OutSuperSegments);
        assertEquals(0, run.a.ipCounters().ip6OutSuperSegmentFails);
        assertEquals(0, run.a.ipCounters().ipOutSuperSegments, "none over IPv4");
        long payloadBytes = 0;
        for (int i = 0; i < tap.frames.size(); i++)
        {
            final byte[] frame = tap.frames.get(i);
            final int flags = tap.flags.get(i);
            final ByteBuffer f = ByteBuffer.wrap(frame);
            assertEquals(PacketBurst.GSO_TCPV6, PacketBurst.gsoType(flags));
            assertTrue((flags & PacketBurst.TX_L4_CHECKSUM) != 0, "a partial checksum for the link to finish");
            assertEquals(MAC_B, f.getLong(0) >>> 16, "to B");
            assertEquals(MAC_A, (f.getLong(6) >>> 16), "from A");
            assertEquals(0x86DD, f.getShort(12) & 0xFFFF);
            assertEquals(6, (frame[14] & 0xFF) >>> 4, "version");
            final int l4Length = f.getShort(18) & 0xFFFF;
            assertEquals(frame.length - 54, l4Length, "the payload length covers the whole chain");
            assertEquals(6, frame[20], "TCP right after the fixed header: no fragment header");
            assertEquals(64, frame[21] & 0xFF, "hop limit");
            assertEquals(NET6, f.getLong(22));
            assertEquals(A6, f.getLong(30));
            assertEquals(NET6, f.getLong(38));
            assertEquals(B6, f.getLong(46));
            final int doff = ((frame[54 + 12] & 0xFF) >>> 4) * 4;
            final int segmentSize = PacketBurst.gsoSize(flags);
            assertEquals(1500, 40 + doff + segmentSize, "segments of the MSS fill the MTU");
            assertTrue(l4Length - doff > segmentSize, "more than one segment: " + (l4Length - doff));
            assertEquals(~Checksum.fold(Checksum.pseudoHeader6(NET6, A6, NET6, B6, 6, l4Length)) & 0xFFFF,
                f.getShort(54 + 16) & 0xFFFF, "the IPv6 pseudo-header sum, not complemented");
            payloadBytes += l4Length - doff;
        }
        assertTrue(payloadBytes > BYTES / 2, "most of the data went as super-segments: " + payloadBytes);

        // The capture holds each super-segment whole, as tcpdump shows the kernel's before segmentation.
        final PcapFile pcap = PcapFile.read(file);
        final List<byte[]> recorded = new ArrayList<>();
        for (final PcapFile.Record record : pcap.records)
        {
            if (record.originalLength > 1514)
            {
                assertEquals(record.originalLength, record.data.length);
                recorded.add(record.data);
            }
        }
        assertEquals(tap.frames.size(), recorded.size());
        for (int i = 0; i < recorded.size(); i++)
        {
            assertArrayEquals(tap.frames.get(i), recorded.get(i), "record of super-segment " + i);
        }
    }

    @Test
    void shouldSendSegmentsOverIpv6WhenTheLinkSegmentsOnlyIpv4() throws IOException
    {
        final Run run = transfer(LinkCapabilities.TX_TCP_SEGMENTATION, directory.resolve("b.pcap"));
        assertEquals(0, run.tap.frames.size());
        assertEquals(0, run.a.ipCounters().ip6OutSuperSegments);
        assertEquals(0, run.a.tcpCounters().superSegmentsOut());
    }

    /**
     * B takes A's IPv6 super-segments in place, as it takes IPv4 ones: TCP copies each chain's payload straight into
     * the socket's ring, nothing gathered into one piece first (the transfer checks every byte).
     */
    @Test
    void shouldReceiveIpv6SuperSegmentsInPlace() throws IOException
    {
        final Run run = transfer(LinkCapabilities.TX_TCP_SEGMENTATION | LinkCapabilities.TX_TCP6_SEGMENTATION,
            directory.resolve("c.pcap"));
        final long received = run.b.ipCounters().superFramesReceived;
        assertEquals(run.a.ipCounters().ip6OutSuperSegments, received, "every super-segment arrived as a chain");
        assertTrue(received > 2, "super-frames received: " + received);
        assertEquals(0, run.b.ipCounters().superFramesGathered, "none gathered into one piece");
    }

    /**
     * Software GRO over IPv6: the wire cuts A's super-segments into MSS frames (TcpSegmenter, as the kernel's GSO),
     * and B, whose link does not merge, coalesces the in-order segments of each burst into super-segments again, as
     * it does over IPv4; with GRO off on B's interface it takes every segment alone.
     */
    @Test
    void shouldCoalesceIpv6SegmentsWithSoftwareGro() throws IOException
    {
        final int segmenting = LinkCapabilities.TX_TCP_SEGMENTATION | LinkCapabilities.TX_TCP6_SEGMENTATION;
        final Run on = transfer(segmenting, directory.resolve("d.pcap"), false, true);
        assertEquals(0, on.b.ipCounters().superFramesReceived, "the wire delivered MSS frames");
        final long supers = on.b.ipCounters().groSuperSegments;
        final long coalesced = on.b.ipCounters().groSegmentsCoalesced;
        assertTrue(supers > 10 && coalesced > 3 * supers, "GRO coalesced " + coalesced + " in " + supers);
        assertTrue(on.b.tcpCounters().segmentsIn() < on.a.tcpCounters().segmentsOut(),
            "B's TCP took fewer segments than A's link sent: " + on.b.tcpCounters().segmentsIn());
        final Run off = transfer(segmenting, directory.resolve("e.pcap"), false, false);
        assertEquals(0, off.b.ipCounters().groSuperSegments, "GRO off");
    }

    /**
     * Over link-local addresses: B's fast paths (a chain taken in place, software GRO) hand TCP the addresses scoped
     * to the arrival interface, as IPv6's own delivery does; unscoped, B would find no connection for them.
     */
    @Test
    void shouldTakeLinkLocalSegmentsInPlaceAndThroughGro() throws IOException
    {
        final int segmenting = LinkCapabilities.TX_TCP_SEGMENTATION | LinkCapabilities.TX_TCP6_SEGMENTATION;
        final Run whole = transfer(segmenting, directory.resolve("f.pcap"), true, true, true);
        assertTrue(whole.b.ipCounters().superFramesReceived > 2, "super-frames: " + whole.b.ipCounters());
        assertEquals(0, whole.b.ipCounters().superFramesGathered, "taken in place");
        final Run cut = transfer(segmenting, directory.resolve("g.pcap"), false, true, true);
        assertTrue(cut.b.ipCounters().groSuperSegments > 10, "GRO: " + cut.b.ipCounters());
    }

    private record Run(Stack a, Stack b, Tap tap)
    {
    }

    /** Moves {@value #BYTES} bytes from A to B over IPv6, checked byte for byte, and closes both stacks. */
    private static Run transfer(final int capabilities, final Path file) throws IOException
    {
        return transfer(capabilities, file, true, true);
    }

    /**
     * As above, over a wire that passes A's super-segments whole ({@code whole}) or cuts them into MSS frames, with
     * software GRO on B's interface on or off.
     */
    private static Run transfer(final int capabilities, final Path file, final boolean whole, final boolean gro)
        throws IOException
    {
        return transfer(capabilities, file, whole, gro, false);
    }

    /** As above, to B's link-local address (scoped to A's interface) when {@code linkLocal}. */
    private static Run transfer(final int capabilities, final Path file, final boolean whole, final boolean gro,
        final boolean linkLocal) throws IOException
    {
        long now = 1_000_000_000L;
        final StackTime time = new StackTime();
        time.reset(now);
        final MemoryWire wire = MemoryWire.builder().capabilities(capabilities).passChainsWhole(whole).build();
        final Stack a = new Stack(StackConfig.builder().poolBuffers(2048).seed(1)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), now);
        final Stack b = new Stack(StackConfig.builder().poolBuffers(2048).seed(2)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), now);
        final Tap tap = new Tap(wire.attach(a.pool(), MAC_A));
        final NetInterface a0 = a.addInterface("a0", PcapLink.open(tap, file, time), IP_A, 24, 0);
        final NetInterface b0 = b.addInterface("b0", wire.attach(b.pool(), MAC_B), IP_B, 24, 0);
        b0.gro(gro);
        a.addAddress6(a0, NET6, A6, 64);
        b.addAddress6(b0, NET6, B6, 64);
        final TcpSocket listener = b.openTcp6(false);
        assertEquals(0, listener.bind6(0, 0, 5001));
        assertEquals(0, listener.listen(1));
        final TcpSocket client = a.openTcp6(false);
        client.noDelay(true);
        if (linkLocal)
        {
            assertEquals(-Errno.EINPROGRESS, client.connect6(Ipv6Address.withScope(Ipv6Address.LINK_LOCAL_HI,
                a0.index() + 1), Ipv6Address.eui64(MAC_B), 5001));
        }
        else
        {
            client.connect6(NET6, B6, 5001);
        }
        TcpSocket server = null;
        final byte[] data = new byte[BYTES];
        for (int i = 0; i < data.length; i++)
        {
            data[i] = (byte)(i * 13 + i / 997);
        }
        final ByteBuffer out = ByteBuffer.wrap(data);
        final ByteBuffer in = ByteBuffer.allocate(BYTES);
        for (int step = 0; step < 100_000 && in.position() < BYTES; step++)
        {
            now += 20_000L;
            time.reset(now);
            a.poll(now);
            b.poll(now);
            if (server == null)
            {
                server = listener.accept();
            }
            if (server != null)
            {
                client.write(out);
                server.read(in);
            }
            a.flush();
            b.flush();
        }
        assertNotNull(server, "accepted");
        assertEquals(BYTES, in.position(), "every byte arrived");
        assertArrayEquals(data, Arrays.copyOf(in.array(), BYTES));
        a.close();
        b.close();
        return new Run(a, b, tap);
    }
}
