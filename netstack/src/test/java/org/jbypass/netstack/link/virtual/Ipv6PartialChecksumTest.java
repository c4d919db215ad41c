package org.jbypass.netstack.link.virtual;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.Ipv4Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TCP and UDP over IPv6 send partial checksums (the RFC 8200 section 8.1 pseudo-header sum) and IPv6 completes them
 * where it costs least, as IPv4 does: two stacks on a memory wire without checksum offload (completed in software by
 * the sender), with TX_L4_CHECKSUM (completed by the link, as a NIC does) and with TX_L4_CHECKSUM passed partial (as
 * a veth does). Each frame A sends is checked as B's capture records it, and the data arrives intact every time.
 */
class Ipv6PartialChecksumTest
{
    private static final long NET = 0x2001_0DB8_0000_0000L;
    private static final long MILLISECOND = 1_000_000L;
    private static final int IPV6 = 14;
    private static final int L4 = IPV6 + 40;

    @TempDir
    Path directory;

    private long now = 1_000_000_000L;

    private static MemoryWire[] wires()
    {
        return new MemoryWire[] {
            new MemoryWire(),
            MemoryWire.builder().capabilities(LinkCapabilities.TX_L4_CHECKSUM).build(),
            MemoryWire.builder().capabilities(LinkCapabilities.TX_L4_CHECKSUM).passPartialChecksums(true).build()};
    }

    private static byte[] payload(final int i, final int length)
    {
        final byte[] b = new byte[length];
        for (int k = 0; k < length; k++)
        {
            b[k] = (byte)(i * 31 + k * 7);
        }
        return b;
    }

    @Test
    void shouldCompleteUdpAndTcpChecksumsOverIpv6WhereTheyCostLeast() throws IOException
    {
        final MemoryWire[] wires = wires();
        for (int w = 0; w < wires.length; w++)
        {
            final Path file = directory.resolve("ipv6-checksums-" + w + ".pcap");
            final Stack a = new Stack(StackConfig.builder().poolBuffers(1024).seed(1)
                .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), now);
            final Stack b = new Stack(StackConfig.builder().poolBuffers(1024).seed(2)
                .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), now);
            final MemoryWire wire = wires[w];
            final NetInterface a0 = a.addInterface("a0", wire.attach(a.pool(), 0x0200_0000_000AL));
            final NetInterface b0 = b.addInterface("b0", PcapLink.open(wire.attach(b.pool(), 0x0200_0000_000BL),
                file, b.time(), PcapLink.options()));
            a.addAddress6(a0, NET, 0xA, 64);
            b.addAddress6(b0, NET, 0xB, 64);
            final String on = "wire " + w;
            try
            {
                final UdpSocket sender = a.openUdp6(true);
                final UdpSocket receiver = b.openUdp6(true);
                assertEquals(0, receiver.bind6(0, 0, 9));
                final ByteBuffer in = ByteBuffer.allocate(2048);
                for (int i = 0; i < 20; i++)
                {
                    final byte[] data = payload(i, 1 + i * 61);
                    assertEquals(data.length, sender.send6(ByteBuffer.wrap(data), NET, 0xB, 9), on);
                    a.flush();
                    int length = -1;
                    for (int k = 0; k < 100 && length < 0; k++)
                    {
                        step(a, b);
                        length = receiver.receive(in.clear());
                    }
                    assertEquals(data.length, length, on + " datagram " + i);
                    assertArrayEquals(data, java.util.Arrays.copyOf(in.array(), length), on + " datagram " + i);
                }
                final TcpSocket[] pair = connect(a, b);
                final byte[] bytes = payload(7, 20_000);
                final ByteBuffer out = ByteBuffer.wrap(bytes);
                final ByteBuffer got = ByteBuffer.allocate(bytes.length);
                for (int k = 0; k < 10_000 && got.hasRemaining(); k++)
                {
                    if (out.hasRemaining())
                    {
                        pair[0].write(out);
                        a.flush();
                    }
                    step(a, b);
                    pair[1].read(got);
                }
                assertArrayEquals(bytes, got.array(), on + ": the TCP bytes");
                assertEquals(0, b.udpCounters().inCsumErrors, on);
                assertEquals(0, b.tcpCounters().badChecksums(), on);
            }
            finally
            {
                a.close();
                b.close();
            }
            checkCapture(file, w);
        }
    }

    /** What A's frames carried on the wire: complete checksums, or (passed partial) the pseudo-header sum alone. */
    private static void checkCapture(final Path file, final int w)
    {
        final String on = "wire " + w;
        int udp = 0;
        int tcp = 0;
        final PcapFile capture;
        try
        {
            capture = PcapFile.read(file);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        for (final PcapFile.Record record : capture.records)
        {
            final ByteBuffer frame = ByteBuffer.wrap(record.data);
            if ((frame.getShort(12) & 0xFFFF) != 0x86DD || frame.getLong(IPV6 + 8) != NET
                || frame.getLong(IPV6 + 16) != 0xA)
            {
                continue;
            }
            final int nextHeader = frame.get(IPV6 + 6) & 0xFF;
            final int length = frame.getShort(IPV6 + 4) & 0xFFFF;
            final int checksumAt;
            if (nextHeader == Ipv4Header.PROTOCOL_UDP)
            {
                udp++;
                checksumAt = L4 + 6;
            }
            else if (nextHeader == Ipv4Header.PROTOCOL_TCP)
            {
                tcp++;
                checksumAt = L4 + 16;
            }
            else
            {
                continue; // ICMPv6: neighbour discovery, always complete
            }
            final int pseudo = Checksum.pseudoHeader6(NET, 0xA, NET, 0xB, nextHeader, length);
            if (w < 2)
            {
                assertEquals(0, Checksum.fold(Checksum.sum(frame, L4, length, pseudo)), on + ": complete");
            }
            else
            {
                assertEquals(~Checksum.fold(pseudo) & 0xFFFF, frame.getShort(checksumAt) & 0xFFFF, on + ": partial");
            }
        }
        assertEquals(20, udp, on + ": datagrams captured");
        assertTrue(tcp > 10, on + ": segments captured: " + tcp);
    }

    @Test
    void shouldDeliverToTheStacksOwnIpv6AddressWithAPartialChecksum()
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_L4_CHECKSUM).build();
        final Stack a = new Stack(StackConfig.builder().poolBuffers(256).seed(1)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), now);
        try
        {
            final NetInterface a0 = a.addInterface("a0", wire.attach(a.pool(), 0x0200_0000_000AL));
            a.addAddress6(a0, NET, 0xA, 64);
            final UdpSocket sender = a.openUdp6(true);
            final UdpSocket receiver = a.openUdp6(true);
            assertEquals(0, receiver.bind6(NET, 0xA, 9));
            final byte[] data = payload(3, 300);
            assertEquals(data.length, sender.send6(ByteBuffer.wrap(data), NET, 0xA, 9));
            a.flush();
            now += MILLISECOND;
            a.poll(now);
            final ByteBuffer in = ByteBuffer.allocate(2048);
            assertEquals(data.length, receiver.receive(in));
            assertArrayEquals(data, java.util.Arrays.copyOf(in.array(), data.length));
            assertEquals(0, a.udpCounters().inCsumErrors);
        }
        finally
        {
            a.close();
        }
    }

    private TcpSocket[] connect(final Stack a, final Stack b)
    {
        final TcpSocket listener = b.openTcp6(true);
        assertEquals(0, listener.bind6(0, 0, 80));
        assertEquals(0, listener.listen(1));
        final TcpSocket client = a.openTcp6(true);
        assertEquals(-Errno.EINPROGRESS, client.connect6(NET, 0xB, 80));
        a.flush();
        TcpSocket server = null;
        for (int i = 0; i < 1000 && server == null; i++)
        {
            step(a, b);
            server = listener.accept();
        }
        assertNotNull(server);
        return new TcpSocket[] {client, server};
    }

    private void step(final Stack a, final Stack b)
    {
        now += MILLISECOND;
        a.poll(now);
        b.poll(now);
    }
}
