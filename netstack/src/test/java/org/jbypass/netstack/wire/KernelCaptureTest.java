package org.jbypass.netstack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

import org.jbypass.netstack.link.virtual.PcapFile;
import org.jbypass.netstack.link.virtual.PcapWriter;
import org.junit.jupiter.api.Test;

/** The fixtures are what the kernel sent: each constant is a frame of the capture it was taken from. */
class KernelCaptureTest
{
    @Test
    void shouldFindEveryFixtureInTheKernelCapture() throws IOException
    {
        final PcapFile capture;
        try (InputStream in = KernelCaptureTest.class.getResourceAsStream("kernel-capture.pcap"))
        {
            assertNotNull(in, "kernel-capture.pcap is missing from the test resources");
            capture = PcapFile.parse(in.readAllBytes());
        }
        assertEquals(PcapWriter.LINKTYPE_ETHERNET, capture.linkType);
        final List<String> frames = capture.records.stream()
            .map(record -> HexFormat.of().formatHex(record.data))
            .collect(Collectors.toList());
        for (final String fixture : List.of(Fixtures.ARP_REQUEST, Fixtures.ARP_REPLY, Fixtures.ICMP_ECHO_REQUEST,
            Fixtures.ICMP_ECHO_REPLY, Fixtures.UDP_ODD, Fixtures.ICMP_PORT_UNREACHABLE, Fixtures.UDP_EVEN,
            Fixtures.TCP_SYN, Fixtures.TCP_SYN_ACK, Fixtures.TCP_DATA, Fixtures.FRAGMENT_FIRST,
            Fixtures.FRAGMENT_LAST))
        {
            assertTrue(frames.contains(fixture), () -> "not in the capture: " + fixture);
        }
    }
}
