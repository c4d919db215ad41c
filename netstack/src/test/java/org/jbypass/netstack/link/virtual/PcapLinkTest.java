package org.jbypass.netstack.link.virtual;

import static org.jbypass.netstack.link.virtual.TestFrames.MAC_A;
import static org.jbypass.netstack.link.virtual.TestFrames.MAC_B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.testing.ChannelLink;
import org.jbypass.netstack.util.StackTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapLinkTest
{
    /** 2023-11-14T22:13:20Z: timestamps are this plus the stack's time. */
    private static final long EPOCH = 1_700_000_000_000_000_000L;

    @TempDir
    Path directory;

    private final TestFrames frames = new TestFrames();
    private final PacketPool poolA = new PacketPool(64, 2048);
    private final PacketPool poolB = new PacketPool(64, 2048);
    private final StackTime time = new StackTime();

    /** A: 3 UDP frames and an ARP request out at t=123 ns; B: 2 frames back, received at t=2.000345678 s. */
    private Path capture(final PcapLink.Options options) throws IOException
    {
        final Path file = directory.resolve("capture.pcap");
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final PcapLink a = PcapLink.open(wire.attach(poolA, MAC_A), file, time, options);
        final PacketBurst tx = new PacketBurst(8);
        final PacketBurst rxA = new PacketBurst(8);
        final PacketBurst rxB = new PacketBurst(8);
        time.reset(0);
        time.advance(123);
        assertEquals(3, frames.send(a, tx, MAC_B, 0, 3, 12));
        final int arp = poolA.allocate();
        tx.add(arp, frames.arpRequest(poolA, arp), 0);
        assertEquals(1, a.transmit(0, tx));
        assertEquals(4, TestFrames.receive(b, rxB).size());
        frames.send(b, tx, MAC_A, 100, 2, 1000);
        time.advance(2_000_345_678L);
        assertEquals(2, TestFrames.receive(a, rxA).size());
        assertEquals(6, a.records());
        a.close();
        assertEquals(0, wire.portCount() - 1, "closing the capture closes the link it records");
        b.close();
        rxA.releaseAll(poolA);
        rxB.releaseAll(poolB);
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
        return file;
    }

    @Test
    void shouldRecordEveryFrameBothWaysWithTheStacksTimeInNanoseconds() throws IOException
    {
        final PcapFile pcap = PcapFile.read(capture(PcapLink.options().epochOffsetNanos(EPOCH)));
        assertTrue(pcap.nanoseconds);
        assertEquals(2, pcap.versionMajor);
        assertEquals(4, pcap.versionMinor);
        assertEquals(65535, pcap.snaplen);
        assertEquals(PcapWriter.LINKTYPE_ETHERNET, pcap.linkType);
        assertEquals(6, pcap.records.size());
        for (int i = 0; i < 3; i++)
        {
            final PcapFile.Record record = pcap.records.get(i);
            assertEquals(EPOCH + 123, record.epochNanos(true));
            assertEquals(TestFrames.HEADERS + 12, record.originalLength);
            assertEquals(record.originalLength, record.data.length);
            assertEquals(i, TestFrames.sequence(record.data));
            assertTrue(TestFrames.intact(record.data));
            assertEquals(MAC_A, ByteBuffer.wrap(record.data).getLong(4) & 0xFFFF_FFFF_FFFFL, "source MAC");
        }
        assertEquals(42, pcap.records.get(3).originalLength);
        for (int i = 4; i < 6; i++)
        {
            final PcapFile.Record record = pcap.records.get(i);
            assertEquals(EPOCH + 2_000_345_678L, record.epochNanos(true));
            assertEquals(1_700_000_002L, record.seconds);
            assertEquals(345_678, record.fraction);
            assertEquals(100 + i - 4, TestFrames.sequence(record.data));
            assertEquals(TestFrames.HEADERS + 1000, record.data.length);
        }
    }

    @Test
    void shouldWriteMicrosecondTimestampsAndCutFramesAtTheSnaplenWhenAsked() throws IOException
    {
        final PcapFile pcap = PcapFile.read(capture(PcapLink.options().epochOffsetNanos(EPOCH).nanoseconds(false)
            .snaplen(60)));
        assertEquals(false, pcap.nanoseconds);
        assertEquals(60, pcap.snaplen);
        assertEquals(1_700_000_000L, pcap.records.get(0).seconds);
        assertEquals(0, pcap.records.get(0).fraction, "123 ns is 0 us");
        assertEquals(1_700_000_002L, pcap.records.get(4).seconds);
        assertEquals(345, pcap.records.get(4).fraction, "2.000345678 s is 2 s and 345 us");
        for (final PcapFile.Record record : pcap.records)
        {
            assertEquals(Math.min(60, record.originalLength), record.data.length);
        }
        assertEquals(TestFrames.HEADERS + 1000, pcap.records.get(5).originalLength);
    }

    @Test
    void shouldRecordATransmittedFrameOnlyOnceWhenTheInnerLinkAcceptsItInPieces() throws IOException
    {
        final Path file = directory.resolve("pieces.pcap");
        final ScriptedLink inner = new ScriptedLink(poolA, MAC_A);
        // A buffer of 200 bytes holds two records of these frames: the burst goes down in pieces.
        final PcapLink link = PcapLink.open(inner, file, time,
            PcapLink.options().snaplen(128).bufferBytes(200).epochOffsetNanos(EPOCH));
        final PacketBurst burst = new PacketBurst(32);
        for (int i = 0; i < 25; i++)
        {
            final int buffer = poolA.allocate();
            burst.add(buffer, frames.udp(poolA, buffer, MAC_B, MAC_A, i, 30 + i, true), 0);
        }
        int limit = 0;
        int accepted = 0;
        while (burst.count() > 0)
        {
            inner.acceptLimit = limit++ % 4;
            final int before = burst.count();
            final int now = link.transmit(0, burst);
            accepted += now;
            assertEquals(before - now, burst.count());
            for (int i = 0; i < burst.count(); i++)
            {
                assertEquals(accepted + i, TestFrames.sequence(poolA.memory(), poolA.offset(burst.buffer(i))),
                    "refused frames stay in order at the front");
            }
            assertEquals(accepted, link.records());
        }
        assertEquals(25, inner.transmitted().size());
        link.close();
        final PcapFile pcap = PcapFile.read(file);
        assertEquals(25, pcap.records.size());
        for (int i = 0; i < 25; i++)
        {
            assertArrayEquals(inner.transmitted().get(i), pcap.records.get(i).data, "record " + i);
        }
        assertEquals(0, poolA.inUse());
    }

    @Test
    void shouldStopRecordingButKeepTheLinkWorkingWhenTheFileCannotBeWritten()
    {
        final Path full = Path.of("/dev/full");
        assumeTrue(Files.isWritable(full), "needs /dev/full, a device whose writes always fail with ENOSPC");
        final ScriptedLink inner = new ScriptedLink(poolA, MAC_A);
        final PcapLink link;
        try
        {
            link = PcapLink.open(inner, full, time, PcapLink.options().snaplen(100).bufferBytes(116));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        final PacketBurst burst = new PacketBurst(8);
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 4; i++)
            {
                final int buffer = poolA.allocate();
                burst.add(buffer, frames.udp(poolA, buffer, MAC_B, MAC_A, i, 20, true), 0);
            }
            assertEquals(4, link.transmit(0, burst), "the data path never sees the file's trouble");
        }
        assertEquals(12, inner.transmitted().size());
        assertTrue(link.recordsDropped() > 0);
        final UncheckedIOException failure = assertThrows(UncheckedIOException.class, link::close);
        assertTrue(failure.getMessage().contains("/dev/full"), failure.getMessage());
        assertTrue(inner.closed);
        assertEquals(0, poolA.inUse());
    }

    @Test
    void shouldRefuseABufferSmallerThanARecord() throws IOException
    {
        final IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
            () -> PcapLink.open(new ScriptedLink(poolA, MAC_A), directory.resolve("x.pcap"), time,
                PcapLink.options().snaplen(1000).bufferBytes(1000)));
        assertTrue(tooSmall.getMessage().contains("1016"), tooSmall.getMessage());
        assertTrue(tooSmall.getMessage().contains("16 + snaplen"), tooSmall.getMessage());
        // A snaplen beyond the pool's buffers needs no more than the longest frame.
        try (PcapLink link = PcapLink.open(new ScriptedLink(poolA, MAC_A), directory.resolve("y.pcap"), time,
            PcapLink.options().bufferBytes(16 + 2048)))
        {
            assertEquals(0, link.records());
        }
        assertThrows(IllegalArgumentException.class, () -> PcapLink.options().snaplen(0));
        assertThrows(IllegalArgumentException.class, () -> PcapLink.options().snaplen(PcapWriter.MAX_SNAPLEN + 1));
    }

    @Test
    void shouldProduceAFileThatTcpdumpDecodes() throws IOException, InterruptedException
    {
        final Path tcpdump = tool("tcpdump");
        assumeTrue(tcpdump != null, "tcpdump is not installed");
        final Path file = capture(PcapLink.options().epochOffsetNanos(EPOCH));
        final List<String> lines = run(tcpdump.toString(), "-nn", "-tt", "--time-stamp-precision=nano", "-r",
            file.toString());
        assertEquals(6, lines.size(), String.join("\n", lines));
        for (int i = 0; i < 3; i++)
        {
            assertEquals("1700000000.000000123 IP 198.18.0.1.40000 > 198.18.0.2.7777: UDP, length 12",
                lines.get(i));
        }
        assertEquals("1700000000.000000123 ARP, Request who-has 198.18.0.2 tell 198.18.0.1, length 28",
            lines.get(3));
        assertEquals("1700000002.000345678 IP 198.18.0.1.40000 > 198.18.0.2.7777: UDP, length 1000", lines.get(4));
        // The link layer and the checksums, as tcpdump checks them.
        final List<String> verbose = run(tcpdump.toString(), "-nn", "-e", "-vv", "-r", file.toString());
        assertTrue(verbose.get(0).contains("02:00:00:00:00:0a > 02:00:00:00:00:0b, ethertype IPv4 (0x0800), length 54"),
            verbose.get(0));
        assertTrue(verbose.get(1).contains("[udp sum ok]"), verbose.get(1));
    }

    @Test
    void shouldProduceAFileThatTsharkDecodes() throws IOException, InterruptedException
    {
        final Path tshark = tool("tshark");
        assumeTrue(tshark != null, "tshark is not installed");
        final Path file = capture(PcapLink.options().epochOffsetNanos(EPOCH));
        final List<String> lines = run(tshark.toString(), "-r", file.toString(), "-T", "fields", "-E", "separator=,",
            "-e", "frame.time_epoch", "-e", "eth.src", "-e", "eth.dst", "-e", "_ws.col.Protocol", "-e", "ip.src",
            "-e", "udp.dstport", "-e", "frame.len", "-e", "arp.dst.proto_ipv4");
        assertEquals(6, lines.size(), String.join("\n", lines));
        assertEquals("1700000000.000000123,02:00:00:00:00:0a,02:00:00:00:00:0b,UDP,198.18.0.1,7777,54,",
            lines.get(0));
        assertEquals("1700000000.000000123,02:00:00:00:00:0a,ff:ff:ff:ff:ff:ff,ARP,,,42,198.18.0.2", lines.get(3));
        assertEquals("1700000002.000345678,02:00:00:00:00:0b,02:00:00:00:00:0a,UDP,198.18.0.1,7777,1042,",
            lines.get(5));
    }

    private static Path tool(final String name)
    {
        for (final String directory : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(":"))
        {
            final Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate))
            {
                return candidate;
            }
        }
        for (final String directory : new String[] {"/usr/bin", "/usr/sbin", "/sbin", "/bin"})
        {
            final Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private List<String> run(final String... command) throws IOException, InterruptedException
    {
        final Path errors = directory.resolve("stderr.txt");
        final Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        final byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "timed out: " + Arrays.toString(command));
        assertEquals(0, process.exitValue(), () -> Arrays.toString(command) + " failed: " + read(errors));
        final List<String> lines = new ArrayList<>();
        for (final String line : new String(output, StandardCharsets.UTF_8).split("\n"))
        {
            if (!line.isBlank())
            {
                lines.add(line.strip());
            }
        }
        assertNotNull(lines);
        return lines;
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final IOException e)
        {
            return e.toString();
        }
    }

    /** A received super-frame (a chain of buffers) is one record with all its bytes, as tcpdump shows it. */
    @Test
    void shouldRecordAChainAsOneFrame() throws IOException
    {
        final Path file = directory.resolve("chains.pcap");
        final PacketPool pool = new PacketPool(64, 2048);
        final ChannelLink channel = new ChannelLink(pool, MAC_B, 1500);
        channel.chains(true);
        final byte[] large = new byte[10_000];
        final byte[] small = new byte[100];
        for (int i = 0; i < large.length; i++)
        {
            large[i] = (byte)(i * 7);
        }
        small[0] = 42;
        channel.inject(large, 0);
        channel.inject(small, 0);
        final PcapLink link = PcapLink.open(channel, file, time, PcapLink.options().epochOffsetNanos(EPOCH));
        final PacketBurst rx = new PacketBurst(16);
        assertTrue(rx.arm(pool));
        assertEquals(6, link.receive(0, rx), "a chain of five and a frame");
        rx.releaseAll(pool);
        link.close();
        final PcapFile pcap = PcapFile.read(file);
        assertEquals(2, pcap.records.size());
        assertEquals(10_000, pcap.records.get(0).originalLength);
        assertArrayEquals(large, pcap.records.get(0).data);
        assertArrayEquals(small, pcap.records.get(1).data);
        assertEquals(0, pool.inUse());
    }

    /**
     * A capture changes nothing the stack does: it offers TSO as its inner link does, passes super-segments through
     * whole, and records each as one frame of its whole length, as tcpdump shows them on a veth with its offloads;
     * a burst goes down in pieces that never cut a chain, and a super-segment longer than the staging buffer is cut
     * in its record only, its original length kept. A gathering inner link's TX_GATHER is not offered: a gathered
     * frame would pass the capture unrecorded.
     */
    @Test
    void shouldPassSuperSegmentsThroughAndRecordEachWhole() throws IOException
    {
        final Path file = directory.resolve("tso.pcap");
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION
            | LinkCapabilities.TX_GATHER).passChainsWhole(true).build();
        final PacketPool poolC = new PacketPool(512, 2048);
        final PacketPool poolD = new PacketPool(512, 2048);
        final PcapLink link = PcapLink.open(wire.attach(poolC, MAC_A), file, time,
            PcapLink.options().bufferBytes(20_000).epochOffsetNanos(EPOCH));
        final MemoryWire.Port peer = wire.attach(poolD, MAC_B);
        assertTrue((link.capabilities() & LinkCapabilities.TX_TCP_SEGMENTATION) != 0, "TSO offered through it");
        assertEquals(0, link.capabilities() & LinkCapabilities.TX_GATHER, "gathering is not");
        final int gso = PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, 1448);
        final List<byte[]> sent = new ArrayList<>();
        final PacketBurst burst = new PacketBurst(128);
        for (int i = 0; i < 6; i++)
        {
            final int buffer = poolC.allocate();
            final int length = frames.udp(poolC, buffer, MAC_B, MAC_A, i, 100 + i, true);
            burst.add(buffer, length, 0);
            sent.add(TestFrames.copy(poolC, buffer, length));
            final byte[] whole = TcpSegmenterTest.superSegment(12_000 + i, 0x10, new java.util.SplittableRandom(i));
            TcpSegmenterTest.addChain(poolC, burst, whole, gso);
            sent.add(whole);
        }
        final byte[] longest = TcpSegmenterTest.superSegment(30_000, 0x10, new java.util.SplittableRandom(9));
        TcpSegmenterTest.addChain(poolC, burst, longest, gso);
        sent.add(longest);
        final int slots = burst.count();
        assertEquals(slots, link.transmit(0, burst), "every frame accepted whole");
        assertEquals(0, link.counters().txDropped);
        assertEquals(13, link.counters().txPackets, "the wire took each super-segment as one frame");
        assertEquals(13, link.records());
        link.close();
        final PcapFile pcap = PcapFile.read(file);
        assertEquals(13, pcap.records.size());
        for (int i = 0; i < 12; i++)
        {
            assertEquals(sent.get(i).length, pcap.records.get(i).originalLength, "record " + i);
            assertArrayEquals(sent.get(i), pcap.records.get(i).data, "record " + i);
        }
        final PcapFile.Record cut = pcap.records.get(12);
        assertEquals(longest.length, cut.originalLength, "the original length of a super-segment cut in its record");
        assertEquals(20_000 - PcapWriter.RECORD_HEADER_LENGTH, cut.data.length);
        assertArrayEquals(Arrays.copyOf(longest, cut.data.length), cut.data);
        // The peer got the super-segments whole.
        final PacketBurst rx = new PacketBurst(64);
        int chains = 0;
        for (int round = 0; round < 4; round++)
        {
            assertTrue(rx.arm(poolD));
            final int n = peer.receive(0, rx);
            for (int i = 0; i < n; i += Math.max(1, rx.chainLength(i)))
            {
                chains += rx.chainLength(i) > 1 ? 1 : 0;
            }
            rx.count(0);
        }
        assertEquals(7, chains);
        rx.releaseAll(poolD);
        peer.close();
        assertEquals(0, poolC.inUse());
        assertEquals(0, poolD.inUse());
    }
}
