package org.jbypass.netstack.link.virtual;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.Checksum;
import org.junit.jupiter.api.Test;

/**
 * Software TCP segmentation, as Linux's tcp_gso_segment(): the segments of a super-segment, checked field by field
 * against what the kernel makes, and a memory wire that cuts super-segments on the way.
 */
class TcpSegmenterTest
{
    private static final int SOURCE = 0xC6120001;      // 198.18.0.1
    private static final int DESTINATION = 0xC6120002; // 198.18.0.2
    private static final long SOURCE6_HI = 0x2001_0DB8_0000_0000L;      // 2001:db8::1
    private static final long SOURCE6_LO = 1;
    private static final long DESTINATION6_HI = 0x2001_0DB8_0000_0000L; // 2001:db8::2
    private static final long DESTINATION6_LO = 2;
    private static final int SEQUENCE = 0xFFFF_F000;    // wraps within the super-segment
    private static final int MSS = 1448;
    private static final int FIN = 0x01;
    private static final int PSH = 0x08;
    private static final int ACK = 0x10;
    private static final int CWR = 0x80;

    @Test
    void shouldCutASuperSegmentAsLinuxDoes()
    {
        final PacketPool pool = new PacketPool(64, 2048);
        final byte[] whole = superSegment(64_000, FIN | PSH | ACK | CWR, new SplittableRandom(1));
        final PacketBurst burst = new PacketBurst(64);
        addChain(pool, burst, whole, PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, MSS));
        final List<byte[]> segments = new ArrayList<>();
        final TcpSegmenter segmenter = new TcpSegmenter(1514);
        assertEquals(45, segmenter.segment(pool, burst, 0, (frame, length) ->
        {
            final byte[] copy = new byte[length];
            frame.get(0, copy);
            segments.add(copy);
        }));
        assertEquals(45, segments.size());
        int offset = 0;
        for (int k = 0; k < segments.size(); k++)
        {
            final byte[] s = segments.get(k);
            final int payload = Math.min(MSS, 64_000 - offset);
            assertEquals(54 + payload, s.length, "segment " + k);
            final ByteBuffer b = ByteBuffer.wrap(s);
            assertEquals(40 + payload, b.getShort(16) & 0xFFFF, "IPv4 total length of " + k);
            assertEquals((0x1234 + k) & 0xFFFF, b.getShort(18) & 0xFFFF, "IPv4 identification of " + k);
            assertEquals(0x4000, b.getShort(20) & 0xFFFF, "DF, kept");
            assertEquals(0, Checksum.compute(b, 14, 20), "IPv4 checksum of " + k);
            final int tcpSum = Checksum.sum(b, 34, 20 + payload, Checksum.pseudoHeader(SOURCE, DESTINATION, 6,
                20 + payload));
            assertEquals(0, Checksum.fold(tcpSum), "TCP checksum of " + k);
            assertEquals(SEQUENCE + offset, b.getInt(38), "sequence number of " + k);
            assertEquals(1, b.getInt(42), "acknowledgment number");
            final int flags = s[47] & 0xFF;
            final boolean first = k == 0;
            final boolean last = k == segments.size() - 1;
            assertEquals(ACK | (first ? CWR : 0) | (last ? FIN | PSH : 0), flags, "flags of " + k);
            assertArrayEquals(Arrays.copyOfRange(whole, 54 + offset, 54 + offset + payload),
                Arrays.copyOfRange(s, 54, s.length), "payload of " + k);
            assertArrayEquals(Arrays.copyOfRange(whole, 0, 14), Arrays.copyOfRange(s, 0, 14), "Ethernet header");
            offset += payload;
        }
        burst.releaseAll(pool);
    }

    /**
     * An IPv6 super-segment (GSO_TCPV6) as tcp6_gso_segment() under ipv6_gso_segment() cuts it: each segment with
     * its own payload length, the fixed header otherwise the same (no identification, no header checksum), the TCP
     * checksum over IPv6's pseudo-header.
     */
    @Test
    void shouldCutAnIpv6SuperSegmentAsLinuxDoes()
    {
        final PacketPool pool = new PacketPool(64, 2048);
        final int mss = 1428;
        final byte[] whole = superSegment6(40_000, FIN | PSH | ACK | CWR, new SplittableRandom(11));
        final PacketBurst burst = new PacketBurst(64);
        addChain(pool, burst, whole, PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV6, mss));
        final List<byte[]> segments = new ArrayList<>();
        final TcpSegmenter segmenter = new TcpSegmenter(1514);
        assertEquals(29, segmenter.segment(pool, burst, 0, (frame, length) ->
        {
            final byte[] copy = new byte[length];
            frame.get(0, copy);
            segments.add(copy);
        }));
        int offset = 0;
        for (int k = 0; k < segments.size(); k++)
        {
            final byte[] s = segments.get(k);
            final int payload = Math.min(mss, 40_000 - offset);
            assertEquals(74 + payload, s.length, "segment " + k);
            final ByteBuffer b = ByteBuffer.wrap(s);
            assertEquals(20 + payload, b.getShort(18) & 0xFFFF, "IPv6 payload length of " + k);
            assertArrayEquals(Arrays.copyOfRange(whole, 0, 18), Arrays.copyOfRange(s, 0, 18), "Ethernet, version");
            assertArrayEquals(Arrays.copyOfRange(whole, 20, 54), Arrays.copyOfRange(s, 20, 54),
                "next header, hop limit, addresses");
            final int tcpSum = Checksum.sum(b, 54, 20 + payload, Checksum.pseudoHeader6(SOURCE6_HI, SOURCE6_LO,
                DESTINATION6_HI, DESTINATION6_LO, 6, 20 + payload));
            assertEquals(0, Checksum.fold(tcpSum), "TCP checksum of " + k);
            assertEquals(SEQUENCE + offset, b.getInt(58), "sequence number of " + k);
            final boolean last = k == segments.size() - 1;
            assertEquals(ACK | (k == 0 ? CWR : 0) | (last ? FIN | PSH : 0), s[67] & 0xFF, "flags of " + k);
            assertArrayEquals(Arrays.copyOfRange(whole, 74 + offset, 74 + offset + payload),
                Arrays.copyOfRange(s, 74, s.length), "payload of " + k);
            offset += payload;
        }
        assertEquals(40_000, offset);
        burst.releaseAll(pool);

        // Headers that lie: a payload length other than the chain's, an extension header before TCP, version 4
        // under the IPv6 Ethernet type, and the IPv4 type over an IPv6 frame.
        final TcpSegmenter.Sink never = (frame, length) ->
        {
            throw new AssertionError("a segment of a malformed super-segment");
        };
        final byte[] longer = whole.clone();
        longer[19]--;
        final byte[] extension = whole.clone();
        extension[20] = 60;
        final byte[] version = whole.clone();
        version[14] = 0x40;
        for (final byte[] frame : List.of(longer, extension, version))
        {
            final PacketBurst bad = new PacketBurst(64);
            addChain(pool, bad, frame, PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV6, mss));
            assertEquals(-1, segmenter.segment(pool, bad, 0, never));
            bad.releaseAll(pool);
        }
        final PacketBurst family = new PacketBurst(64);
        addChain(pool, family, whole, PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, mss));
        assertEquals(-1, segmenter.segment(pool, family, 0, never));
        family.releaseAll(pool);
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldRefuseSuperSegmentsWhoseHeadersLie()
    {
        final PacketPool pool = new PacketPool(64, 2048);
        final TcpSegmenter segmenter = new TcpSegmenter(1514);
        final TcpSegmenter.Sink never = (frame, length) ->
        {
            throw new AssertionError("a segment of a malformed super-segment");
        };
        final int gso = PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, MSS);
        final byte[] good = superSegment(10_000, ACK, new SplittableRandom(2));
        // The IPv4 total length says one byte less than the chain holds.
        final byte[] longer = good.clone();
        longer[17]--;
        // Not TCP.
        final byte[] udp = good.clone();
        udp[23] = 17;
        // A fragment.
        final byte[] fragment = good.clone();
        fragment[20] = 0x20;
        for (final byte[] frame : List.of(longer, udp, fragment))
        {
            final PacketBurst burst = new PacketBurst(16);
            addChain(pool, burst, frame, gso);
            assertEquals(-1, segmenter.segment(pool, burst, 0, never));
            burst.releaseAll(pool);
        }
        // No segment size; a segment size whose segments exceed the frame limit; no GSO type at all; no partial
        // checksum (a complete one, which the segments' checksums would hide damage behind).
        for (final int flags : new int[] {PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, 0),
            PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, 1461), PacketBurst.TX_L4_CHECKSUM,
            PacketBurst.gso(PacketBurst.GSO_TCPV4, MSS)})
        {
            final PacketBurst burst = new PacketBurst(16);
            addChain(pool, burst, good, flags);
            assertEquals(-1, segmenter.segment(pool, burst, 0, never));
            burst.releaseAll(pool);
        }
        // A chain cut by the end of the burst.
        final PacketBurst cut = new PacketBurst(16);
        addChain(pool, cut, good, gso);
        final int n = cut.count();
        cut.count(n - 1);
        assertEquals(-1, segmenter.segment(pool, cut, 0, never));
        cut.count(n);
        cut.releaseAll(pool);
        assertEquals(0, pool.inUse());
    }

    /**
     * A wire with TX_TCP_SEGMENTATION carries a super-segment as its segments, between the frames before and
     * after it; a wire without it drops the chain whole and counts it once. Every buffer goes back to its pool.
     */
    @Test
    void shouldSegmentSuperSegmentsOnAWireThatOffersIt()
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION).build();
        final PacketPool poolA = new PacketPool(128, 2048);
        final PacketPool poolB = new PacketPool(128, 2048);
        final MemoryWire.Port a = wire.attach(poolA, 0x02_00_00_00_00_0AL);
        final MemoryWire.Port b = wire.attach(poolB, 0x02_00_00_00_00_0BL);
        assertTrue((a.capabilities() & LinkCapabilities.TX_TCP_SEGMENTATION) != 0);
        assertEquals(PacketBurst.MAX_FRAME_LENGTH, a.maxSuperFrameLength());
        final byte[] whole = superSegment(5_000, PSH | ACK, new SplittableRandom(3));
        final PacketBurst tx = new PacketBurst(16);
        addChain(poolA, tx, whole, PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, MSS));
        addChain(poolA, tx, Arrays.copyOf(whole, 600), 0); // one buffer: a plain frame after the chain
        final int descriptors = tx.count();
        assertEquals(descriptors, a.transmit(0, tx));
        assertEquals(0, poolA.inUse());
        final PacketBurst rx = new PacketBurst(16);
        final List<byte[]> frames = TestFrames.receive(b, rx);
        assertEquals(5, frames.size(), "4 segments and the plain frame");
        assertEquals(54 + MSS, frames.get(0).length);
        assertEquals(54 + 5_000 - 3 * MSS, frames.get(3).length);
        assertEquals(600, frames.get(4).length);
        assertEquals(5, a.counters().txPackets);
        assertEquals(0, a.counters().txDropped);

        final MemoryWire plain = new MemoryWire();
        final MemoryWire.Port c = plain.attach(poolA, 0x02_00_00_00_00_0CL);
        plain.attach(poolB, 0x02_00_00_00_00_0DL);
        assertEquals(0, c.capabilities() & LinkCapabilities.TX_TCP_SEGMENTATION);
        addChain(poolA, tx, whole, PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, MSS));
        assertEquals(tx.count(), c.transmit(0, tx));
        assertEquals(1, c.counters().txDropped);
        assertEquals(0, c.counters().txPackets);
        assertEquals(0, poolA.inUse());
        rx.releaseAll(poolB);
        assertEquals(0, poolB.inUse());
    }

    /**
     * Through an {@link ImpairedLink} on transmit, over a segmenting wire: each super-segment is lost whole,
     * duplicated whole, corrupted (its checksum then complete, no longer partial, so the segmenting wire refuses it
     * and counts it: segments cut from it would carry checksums computed over the damage) or passed on whole, so the
     * receiver sees every segment of the intact ones, with valid checksums, and every buffer comes back.
     */
    @Test
    void shouldImpairTransmittedSuperSegmentsWhole()
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION)
            .queueCapacity(8192).build();
        final PacketPool poolA = new PacketPool(1024, 2048);
        final PacketPool poolB = new PacketPool(1024, 2048);
        final ImpairedLink a = new ImpairedLink(wire.attach(poolA, 0x02_00_00_00_00_0AL), ImpairedLink.config()
            .loss(0.1).duplicate(0.1).corrupt(0.2).reorder(0.1).direction(ImpairedLink.Direction.TRANSMIT).seed(5));
        final MemoryWire.Port b = wire.attach(poolB, 0x02_00_00_00_00_0BL);
        assertTrue((a.capabilities() & LinkCapabilities.TX_TCP_SEGMENTATION) != 0);
        final byte[] whole = superSegment(4 * MSS, PSH | ACK, new SplittableRandom(6));
        final PacketBurst tx = new PacketBurst(32);
        final PacketBurst rx = new PacketBurst(64);
        long segments = 0;
        for (int round = 0; round < 200; round++)
        {
            addChain(poolA, tx, whole, PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, MSS));
            assertEquals(3, a.transmit(0, tx));
            for (final byte[] frame : TestFrames.receive(b, rx))
            {
                final ByteBuffer f = ByteBuffer.wrap(frame);
                assertEquals(54 + MSS, frame.length);
                assertEquals(0, Checksum.compute(f, 14, 20));
                assertEquals(0, Checksum.fold(Checksum.sum(f, 34, 20 + MSS,
                    Checksum.pseudoHeader(SOURCE, DESTINATION, 6, 20 + MSS))));
                final int k = (f.getInt(38) - SEQUENCE) / MSS;
                assertArrayEquals(Arrays.copyOfRange(whole, 54 + k * MSS, 54 + (k + 1) * MSS),
                    Arrays.copyOfRange(frame, 54, frame.length));
                segments++;
            }
        }
        final ImpairedLink.Counters counters = a.txImpairments();
        assertEquals(200, counters.chains);
        assertTrue(counters.lost > 0 && counters.duplicated > 0 && counters.corrupted > 0, counters.describe());
        assertEquals(counters.corrupted, a.counters().txDropped, "the wire refuses every damaged super-segment");
        assertEquals(4 * (200 - counters.lost - counters.corrupted + counters.duplicated), segments,
            counters.describe());
        a.close();
        b.close();
        rx.releaseAll(poolB);
        assertEquals(0, poolA.inUse(), counters.describe());
        assertEquals(0, poolB.inUse());
    }

    /**
     * A super-segment short enough for one buffer (a chain of one, as TCP sends when little is in its window) is
     * still a super-segment: corrupted, its checksum is complete and its TX checksum flags are gone, so the wire
     * refuses it rather than cut it and compute checksums over the damage (which TcpSegmentingWireTest's larger run
     * once read as one flipped bit): nothing damaged reaches the receiver.
     */
    @Test
    void shouldRefuseACorruptedSuperSegmentThatFitsOneBuffer()
    {
        final int size = 500;
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION).build();
        final PacketPool poolA = new PacketPool(64, 2048);
        final PacketPool poolB = new PacketPool(64, 2048);
        final ImpairedLink a = new ImpairedLink(wire.attach(poolA, 0x02_00_00_00_00_0AL), ImpairedLink.config()
            .corrupt(1.0).direction(ImpairedLink.Direction.TRANSMIT).seed(7));
        final MemoryWire.Port b = wire.attach(poolB, 0x02_00_00_00_00_0BL);
        final byte[] whole = superSegment(2 * size, PSH | ACK, new SplittableRandom(8));
        final PacketBurst tx = new PacketBurst(8);
        final PacketBurst rx = new PacketBurst(8);
        int segments = 0;
        for (int round = 0; round < 20; round++)
        {
            addChain(poolA, tx, whole, PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, size));
            assertEquals(1, tx.count(), "one buffer");
            assertEquals(1, a.transmit(0, tx));
            for (final byte[] frame : TestFrames.receive(b, rx))
            {
                final ByteBuffer f = ByteBuffer.wrap(frame);
                assertEquals(54 + size, frame.length);
                assertEquals(0, Checksum.compute(f, 14, 20));
                assertEquals(0, Checksum.fold(Checksum.sum(f, 34, 20 + size,
                    Checksum.pseudoHeader(SOURCE, DESTINATION, 6, 20 + size))));
                final int k = (f.getInt(38) - SEQUENCE) / size;
                assertArrayEquals(Arrays.copyOfRange(whole, 54 + k * size, 54 + (k + 1) * size),
                    Arrays.copyOfRange(frame, 54, frame.length));
                segments++;
            }
        }
        final ImpairedLink.Counters counters = a.txImpairments();
        assertEquals(20, counters.corrupted, counters.describe());
        assertEquals(20, a.counters().txDropped);
        assertEquals(0, segments);
        a.close();
        b.close();
        rx.releaseAll(poolB);
        assertEquals(0, poolA.inUse(), counters.describe());
        assertEquals(0, poolB.inUse());
    }

    /** An Ethernet/IPv4/TCP super-segment (DF, identification 0x1234) with the pseudo-header sum in its checksum. */
    static byte[] superSegment(final int payload, final int flags, final SplittableRandom random)
    {
        final ByteBuffer b = ByteBuffer.allocate(54 + payload);
        b.putLong(0, 0x02_00_00_00_00_0BL << 16).putShort(6, (short)0x0200).putInt(8, 0x0000000A);
        b.putShort(12, (short)0x0800);
        b.put(14, (byte)0x45).putShort(16, (short)(40 + payload)).putShort(18, (short)0x1234)
            .putShort(20, (short)0x4000).put(22, (byte)64).put(23, (byte)6).putInt(26, SOURCE)
            .putInt(30, DESTINATION);
        b.putShort(24, (short)Checksum.compute(b, 14, 20));
        b.putShort(34, (short)1000).putShort(36, (short)2000).putInt(38, SEQUENCE).putInt(42, 1)
            .put(46, (byte)0x50).put(47, (byte)flags).putShort(48, (short)0xFFFF);
        // CHECKSUM_PARTIAL: the folded pseudo-header sum, not complemented.
        b.putShort(50, (short)(~Checksum.fold(Checksum.pseudoHeader(SOURCE, DESTINATION, 6, 20 + payload))));
        final byte[] frame = b.array();
        for (int i = 54; i < frame.length; i++)
        {
            frame[i] = (byte)random.nextInt(256);
        }
        return frame;
    }

    /**
     * An Ethernet/IPv6/TCP super-segment (2001:db8::1 to 2001:db8::2, no extension header) with the IPv6
     * pseudo-header sum in its checksum.
     */
    static byte[] superSegment6(final int payload, final int flags, final SplittableRandom random)
    {
        final ByteBuffer b = ByteBuffer.allocate(74 + payload);
        b.putLong(0, 0x02_00_00_00_00_0BL << 16).putShort(6, (short)0x0200).putInt(8, 0x0000000A);
        b.putShort(12, (short)0x86DD);
        b.putInt(14, 0x6000_0000).putShort(18, (short)(20 + payload)).put(20, (byte)6).put(21, (byte)64)
            .putLong(22, SOURCE6_HI).putLong(30, SOURCE6_LO).putLong(38, DESTINATION6_HI)
            .putLong(46, DESTINATION6_LO);
        b.putShort(54, (short)1000).putShort(56, (short)2000).putInt(58, SEQUENCE).putInt(62, 1)
            .put(66, (byte)0x50).put(67, (byte)flags).putShort(68, (short)0xFFFF);
        b.putShort(70, (short)(~Checksum.fold(Checksum.pseudoHeader6(SOURCE6_HI, SOURCE6_LO, DESTINATION6_HI,
            DESTINATION6_LO, 6, 20 + payload))));
        final byte[] frame = b.array();
        for (int i = 74; i < frame.length; i++)
        {
            frame[i] = (byte)random.nextInt(256);
        }
        return frame;
    }

    /** Adds a frame as a chain of the pool's buffers (PacketBurst, "Chained frames"): metadata on the first. */
    static void addChain(final PacketPool pool, final PacketBurst burst, final byte[] frame, final int flags)
    {
        for (int offset = 0; offset < frame.length; offset += pool.bufferSize())
        {
            final int length = Math.min(pool.bufferSize(), frame.length - offset);
            final int buffer = pool.allocate();
            pool.memory().put(pool.offset(buffer), frame, offset, length);
            final boolean last = offset + length == frame.length;
            burst.add(buffer, length, (offset == 0 ? flags : 0) | (last ? 0 : PacketBurst.CONTINUES));
        }
    }
}
