package org.jbypass.netstack.ip;

import static org.jbypass.netstack.ip.Ipv6Test.PEER6;
import static org.jbypass.netstack.ip.Ipv6Test.STACK6;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.link.virtual.PcapFile;
import org.jbypass.netstack.link.virtual.PcapLink;
import org.jbypass.netstack.testing.ChannelLink;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pcap link carries IPv6 as any frame: it records the frames both ways byte for byte, and passes the interface's
 * IPv6 group MACs (all-nodes, solicited-node) on to the link it decorates.
 */
class Ipv6PcapTest
{
    @TempDir
    Path directory;

    @Test
    void shouldCaptureIpv6FramesBothWaysAndPassTheGroupMacsOn() throws IOException
    {
        final Path file = directory.resolve("ipv6.pcap");
        final Stack stack = new Stack(StackConfig.builder().poolBuffers(256)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(), 1_000_000_000L);
        final ChannelLink wire = new ChannelLink(stack.pool(), STACK_MAC, 1500);
        final PcapLink capture = PcapLink.open(wire, file, stack.time());
        final var nif = stack.addInterface("pcap0", capture, 0xC6120002, 24, 0);
        stack.addAddress6(nif, STACK6[0], STACK6[1], 64);
        assertTrue(wire.multicastMacs.contains(0x3333_0000_0001L), "all-nodes through the decorator");
        assertTrue(wire.multicastMacs.contains(0x3333_FF00_0002L), "solicited-node through the decorator");
        stack.poll(1_000_000_000L);
        wire.drain();
        final byte[] ns = Frames6.solicitation(PEER_MAC, PEER6, STACK6, PEER_MAC);
        final byte[] echo = Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 58, 64, Frames6.echo(PEER6, STACK6,
            Icmpv6Header.TYPE_ECHO_REQUEST, 7, 1, new byte[100]));
        wire.inject(ns);
        wire.inject(echo);
        stack.poll(1_000_001_000L);
        final List<byte[]> sent = new ArrayList<>();
        byte[] f;
        while ((f = wire.take()) != null)
        {
            sent.add(f);
        }
        assertEquals(2, sent.size(), "the advertisement and the echo reply");
        stack.close();
        final PcapFile pcap = PcapFile.read(file);
        final List<byte[]> recorded = new ArrayList<>();
        int mldReports = 0;
        for (final PcapFile.Record r : pcap.records)
        {
            if (Frames6.isMld(r.data))
            {
                mldReports++; // the solicited-node group's report, when the address was added
            }
            else if ((r.data[12] & 0xFF) == 0x86 && (r.data[13] & 0xFF) == 0xDD)
            {
                recorded.add(r.data);
            }
        }
        assertEquals(4, recorded.size(), "two IPv6 frames in, two out");
        assertEquals(1, mldReports, "the MLD report sent when the address was added");
        assertArrayEquals(ns, recorded.get(0));
        assertArrayEquals(echo, recorded.get(1));
        assertArrayEquals(sent.get(0), recorded.get(2));
        assertArrayEquals(sent.get(1), recorded.get(3));
    }
}
