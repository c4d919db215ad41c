package org.jbypass.netstack.link.virtual;

import static org.jbypass.netstack.link.virtual.TestFrames.MAC_A;
import static org.jbypass.netstack.link.virtual.TestFrames.MAC_B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The links under the real stack: two stacks on a memory wire talk UDP through impairments and a capture. */
class LinkStackTest
{
    private static final int IP_A = Ipv4Address.parse("198.18.0.1");
    private static final int IP_B = Ipv4Address.parse("198.18.0.2");
    private static final long MILLISECOND = 1_000_000L;

    @TempDir
    Path directory;

    private long now = 1_000_000_000L;

    /** Two stacks; each one's link is made by the given wrapper around its wire port. */
    private final class Pair implements AutoCloseable
    {
        final Stack a = new Stack(StackConfig.builder().poolBuffers(512).build(), now);
        final Stack b = new Stack(StackConfig.builder().poolBuffers(512).build(), now);
        final Link linkA;
        final Link linkB;
        final UdpSocket sender;
        final UdpSocket receiver;
        final List<byte[]> delivered = new ArrayList<>();

        Pair(final MemoryWire wire, final BiFunction<Stack, Link, Link> wrapA, final BiFunction<Stack, Link, Link> wrapB)
        {
            linkA = wrapA.apply(a, wire.attach(a.pool(), MAC_A));
            linkB = wrapB.apply(b, wire.attach(b.pool(), MAC_B));
            a.addInterface("a0", linkA, IP_A, 24, 0);
            b.addInterface("b0", linkB, IP_B, 24, 0);
            sender = a.openUdp();
            receiver = b.openUdp();
            assertEquals(0, sender.bind(IP_A, 40000));
            assertEquals(0, receiver.bind(IP_B, 7777));
            receiver.receiveBufferSize(1 << 20);
        }

        /** Sends datagrams 0..count-1 from A to B, polling both stacks as pollers would, and collects them. */
        Pair exchange(final int count)
        {
            for (int i = 0; i < count; i++)
            {
                final int sent = sender.send(ByteBuffer.wrap(payload(i)), IP_B, 7777);
                assertTrue(sent > 0 || sent == -Errno.ENOBUFS, "send: " + Errno.name(sent));
                a.flush();
                if (i % 8 == 7)
                {
                    pollBoth(1);
                }
            }
            pollBoth(200);
            return this;
        }

        void pollBoth(final int rounds)
        {
            final ByteBuffer buffer = ByteBuffer.allocate(2048);
            for (int round = 0; round < rounds; round++)
            {
                now += MILLISECOND;
                a.poll(now);
                b.poll(now);
                int length;
                while ((length = receiver.receive(buffer.clear())) >= 0)
                {
                    delivered.add(java.util.Arrays.copyOf(buffer.array(), length));
                }
            }
        }

        @Override
        public void close()
        {
            sender.close();
            receiver.close();
            a.close();
            b.close();
            assertEquals(0, a.pool().inUse(), "stack A's pool is whole after close");
            assertEquals(0, b.pool().inUse(), "stack B's pool is whole after close");
        }
    }

    @Test
    void shouldCarryUdpBetweenTwoStacksAndCaptureTheExchange() throws IOException, InterruptedException
    {
        final Path file = directory.resolve("stack.pcap");
        try (Pair pair = new Pair(new MemoryWire(), (stack, port) ->
        {
            try
            {
                // Stamped with the stack's own time, which starts at 1 s: the file starts at 1970-01-01 00:00:01.
                return PcapLink.open(port, file, stack.time(), PcapLink.options().epochOffsetNanos(0));
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }, (stack, port) -> port))
        {
            pair.exchange(50);
            assertEquals(50, pair.delivered.size());
            for (int i = 0; i < 50; i++)
            {
                assertArrayEquals(payload(i), pair.delivered.get(i));
            }
        }
        final PcapFile pcap = PcapFile.read(file);
        // Each stack announces its address (gratuitous ARP), A asks for B's, B answers; then the 50 datagrams.
        assertEquals(54, pcap.records.size());
        long previous = 0;
        for (int i = 0; i < pcap.records.size(); i++)
        {
            final PcapFile.Record record = pcap.records.get(i);
            assertEquals(i < 4 ? 0x0806 : 0x0800, ByteBuffer.wrap(record.data).getShort(12) & 0xFFFF, "record " + i);
            assertTrue(record.epochNanos(true) >= Math.max(previous, 1_000_000_000L), "record " + i);
            previous = record.epochNanos(true);
        }
        final Path tcpdump = Path.of("/usr/bin/tcpdump");
        assumeTrue(Files.isExecutable(tcpdump), "tcpdump is not installed");
        final Process process = new ProcessBuilder(tcpdump.toString(), "-nn", "-r", file.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final List<String> lines = List.of(new String(process.getInputStream().readAllBytes(),
            StandardCharsets.UTF_8).split("\n"));
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(54, lines.size());
        assertTrue(lines.stream().anyMatch(line -> line.endsWith(
            "ARP, Request who-has 198.18.0.2 tell 198.18.0.1, length 46")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(line -> line.endsWith(
            "ARP, Reply 198.18.0.2 is-at 02:00:00:00:00:0b, length 46")), String.join("\n", lines));
        assertEquals(50, lines.stream().filter(line -> line.endsWith(
            "IP 198.18.0.1.40000 > 198.18.0.2.7777: UDP, length 24")).count());
    }

    @Test
    void shouldDeliverOnlyIntactDatagramsThroughCorruptionEvenWithChecksumOffload()
    {
        final int offloads = LinkCapabilities.RX_L3_CHECKSUM | LinkCapabilities.RX_L4_CHECKSUM;
        final ImpairedLink[] impaired = new ImpairedLink[1];
        try (Pair pair = new Pair(MemoryWire.builder().capabilities(offloads).build(), (stack, port) -> port,
            (stack, port) -> impaired[0] = new ImpairedLink(port, ImpairedLink.config().corrupt(0.3).seed(99)
                .direction(ImpairedLink.Direction.RECEIVE))))
        {
            pair.exchange(2000);
            // ARP is never corrupted (not IPv4): every corrupted frame was a datagram, and the stack dropped each
            // one (mostly on its checksums; a flip in an address or a port is dropped on that before) and
            // delivered every other.
            assertIntactButTheCorrupted(pair, 2000, impaired[0].rxImpairments().corrupted);
            assertTrue(pair.b.ipCounters().ipInBadChecksum > 0 && pair.b.udpCounters().inCsumErrors > 0);
        }
    }

    /**
     * Of the {@code sent} datagrams, a fifth or more were corrupted on the way (the impairment's count) and every
     * other was delivered, intact: the stack dropped each damaged one.
     */
    private static void assertIntactButTheCorrupted(final Pair pair, final int sent, final long corrupted)
    {
        for (final byte[] datagram : pair.delivered)
        {
            final int sequence = ByteBuffer.wrap(datagram).getInt(0);
            assertArrayEquals(payload(sequence), datagram, "datagram " + sequence + " damaged");
        }
        assertTrue(corrupted > sent / 5, "corrupted " + corrupted);
        assertEquals(sent - corrupted, pair.delivered.size());
    }

    /**
     * The sender leaves its UDP checksums partial (the pseudo-header sum) and IPv4 completes them where it costs
     * least: in software over a link without TX_L4_CHECKSUM, on a link that has it (the memory wire does it in
     * software, as a NIC in hardware), or not at all over a wire that passes them partial as a veth, whose
     * receiver trusts them. Captured at B, every datagram carries the checksum each case says.
     */
    @Test
    void shouldCompleteUdpChecksumsInSoftwareOnTheLinkOrPassThemPartial() throws IOException
    {
        final MemoryWire[] wires = {
            new MemoryWire(),
            MemoryWire.builder().capabilities(LinkCapabilities.TX_L4_CHECKSUM).build(),
            MemoryWire.builder().capabilities(LinkCapabilities.TX_L4_CHECKSUM).passPartialChecksums(true).build()};
        for (int w = 0; w < wires.length; w++)
        {
            final Path file = directory.resolve("checksums-" + w + ".pcap");
            try (Pair pair = new Pair(wires[w], (stack, port) -> port, (stack, port) ->
            {
                try
                {
                    return PcapLink.open(port, file, stack.time(), PcapLink.options());
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            }))
            {
                pair.exchange(50);
                assertEquals(50, pair.delivered.size(), "wire " + w);
                for (int i = 0; i < 50; i++)
                {
                    assertArrayEquals(payload(i), pair.delivered.get(i), "wire " + w);
                }
                assertEquals(0, pair.b.udpCounters().inCsumErrors, "wire " + w);
            }
            int datagrams = 0;
            for (final PcapFile.Record record : PcapFile.read(file).records)
            {
                final ByteBuffer frame = ByteBuffer.wrap(record.data);
                if ((frame.getShort(12) & 0xFFFF) != 0x0800 || frame.get(23) != Ipv4Header.PROTOCOL_UDP
                    || frame.getInt(26) != IP_A)
                {
                    continue;
                }
                datagrams++;
                final int udpLength = frame.getShort(38) & 0xFFFF;
                final int pseudo = Checksum.pseudoHeader(IP_A, IP_B, Ipv4Header.PROTOCOL_UDP, udpLength);
                if (w < 2)
                {
                    assertEquals(0, Checksum.fold(Checksum.sum(frame, 34, udpLength, pseudo)), "wire " + w);
                }
                else
                {
                    assertEquals(~Checksum.fold(pseudo) & 0xFFFF, frame.getShort(40) & 0xFFFF, "left partial");
                }
            }
            assertEquals(50, datagrams, "wire " + w);
        }
    }

    /** Damage on the way is still caught when the sender left its checksums to the link. */
    @Test
    void shouldDeliverOnlyIntactDatagramsThroughCorruptionWhenTheSenderOffloadsItsChecksums()
    {
        final ImpairedLink[] impaired = new ImpairedLink[1];
        try (Pair pair = new Pair(MemoryWire.builder().capabilities(LinkCapabilities.TX_L4_CHECKSUM)
            .passPartialChecksums(true).build(), (stack, port) -> impaired[0] = new ImpairedLink(port,
                ImpairedLink.config().corrupt(0.3).seed(7).direction(ImpairedLink.Direction.TRANSMIT)),
            (stack, port) -> port))
        {
            pair.exchange(2000);
            assertIntactButTheCorrupted(pair, 2000, impaired[0].txImpairments().corrupted);
            assertTrue(pair.b.udpCounters().inCsumErrors > 0);
        }
    }

    @Test
    void shouldReturnEveryBufferHeldByTheImpairmentsWhenTheStacksClose()
    {
        final BiFunction<Stack, Link, Link> impair = (stack, port) -> new ImpairedLink(port, ImpairedLink.config().loss(0.1)
            .duplicate(0.1).reorder(0.3).corrupt(0.05).maxHoldCalls(20).reorderDistance(50).maxHeld(64)
            .seed(port.macAddress()));
        final Pair pair = new Pair(new MemoryWire(), impair, impair);
        // Resolve B's address first: while ARP is unresolved the stack queues only a few datagrams, and a lost
        // request or reply is retried on the stack's own timer.
        for (int probe = 0; probe < 50 && pair.delivered.isEmpty(); probe++)
        {
            pair.sender.send(ByteBuffer.wrap(payload(1000 + probe)), IP_B, 7777);
            pair.a.flush();
            pair.pollBoth(100);
        }
        assertTrue(!pair.delivered.isEmpty(), "ARP never resolved");
        pair.delivered.clear();
        pair.exchange(300);
        // A last batch sent without polling: some of it is still held back when the stacks close.
        for (int i = 300; i < 340; i++)
        {
            pair.sender.send(ByteBuffer.wrap(payload(i)), IP_B, 7777);
            pair.a.flush();
        }
        assertTrue(((ImpairedLink)pair.linkA).framesHeld() + ((ImpairedLink)pair.linkB).framesHeld() > 0,
            "the test must leave frames held");
        assertTrue(pair.delivered.size() > 200, "delivered " + pair.delivered.size());
        for (final byte[] datagram : pair.delivered)
        {
            assertArrayEquals(payload(ByteBuffer.wrap(datagram).getInt(0)), datagram);
        }
        pair.close();
    }

    private static byte[] payload(final int sequence)
    {
        final byte[] bytes = new byte[24];
        ByteBuffer.wrap(bytes).putInt(0, sequence);
        for (int i = 4; i < bytes.length; i++)
        {
            bytes[i] = (byte)(sequence * 13 + i);
        }
        return bytes;
    }
}
