package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.virtual.PcapFile;
import org.jbypass.netstack.link.virtual.PcapLink;
import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.StackOverVeth;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What crosses the veth when the stack's TCP talks to the kernel's, seen by two captures of one transfer (8 MB
 * each way, by SHA-256): tcpdump on the kernel's end of the pair, and the stack's own capture ({@link PcapLink}
 * around its afpacket link, which must not change what the stack sends).
 * <ul>
 *   <li>With the offloads Linux sets up (TSO, GSO, GRO on both ends), super-frames, frames longer than the MTU,
 *       cross both ways: the stack's TSO super-segments reach the kernel whole, and the kernel's reach the stack
 *       whole; both captures show them, as one frame each.</li>
 *   <li>With every offload off, the wire carries MTU-sized frames both ways: the stack still hands the kernel TSO
 *       super-segments (its capture shows them), which the kernel cuts in software (GSO, as for its own sockets on
 *       a device without TSO) before its tap sees them, and the kernel sends MSS segments that nothing merges.</li>
 * </ul>
 * Needs root.
 */
class TcpKernelCaptureTest
{
    private static final long BYTES = 8L << 20;
    private static final int MAX_FRAME = 1500 + 14;
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private Path directory;

    @BeforeAll
    static void needsRoot()
    {
        KernelPeer.assumeAvailable();
    }

    @BeforeEach
    void directory() throws IOException
    {
        directory = Files.createTempDirectory("jbp-tcp-capture");
    }

    @AfterEach
    void removeDirectory() throws IOException
    {
        try (Stream<Path> files = Files.walk(directory))
        {
            for (final Path file : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(file);
            }
        }
    }

    /** Frames longer than the MTU and at most it, by direction, in a capture. */
    private record Sizes(int toKernelLong, int toKernelShort, int toStackLong, int toStackShort)
    {
    }

    private static Sizes sizes(final Path file, final int stackAddress) throws IOException
    {
        int toKernelLong = 0;
        int toKernelShort = 0;
        int toStackLong = 0;
        int toStackShort = 0;
        for (final PcapFile.Record record : PcapFile.read(file).records)
        {
            final ByteBuffer frame = ByteBuffer.wrap(record.data);
            if (record.data.length < 34 || frame.getShort(12) != 0x0800 || record.data[23] != 6)
            {
                continue; // ARP, and nothing but TCP
            }
            final boolean fromStack = frame.getInt(26) == stackAddress;
            final boolean longer = record.originalLength > MAX_FRAME;
            if (fromStack)
            {
                toKernelLong += longer ? 1 : 0;
                toKernelShort += longer ? 0 : 1;
            }
            else
            {
                toStackLong += longer ? 1 : 0;
                toStackShort += longer ? 0 : 1;
            }
        }
        return new Sizes(toKernelLong, toKernelShort, toStackLong, toStackShort);
    }

    /** One transfer, 8 MB each way with the stack as server, captured on both ends; the two captures' sizes. */
    private Sizes[] captureTransfer(final KernelPeer peer) throws Exception
    {
        final Path stackFile = directory.resolve("stack.pcap");
        final Path kernelFile = directory.resolve("kernel.pcap");
        // --immediate-mode: without it libpcap's TPACKET_V3 ring hands tcpdump a block only when it fills or its
        // timeout passes, and a transfer of few large frames can end (and SIGTERM arrive) with every packet still
        // in an unretired block: an empty file under load.
        final BackgroundCommand tcpdump = peer.start("tcpdump", "-i", peer.kernelInterface(), "--immediate-mode",
            "-U", "-n", "-s", "128", "-B", "16384", "-w", kernelFile.toString(), "tcp");
        try
        {
            assertTrue(tcpdump.awaitOutput("listening on", Duration.ofSeconds(30)), "tcpdump: " + tcpdump.stderr());
            try (StackOverVeth side = new StackOverVeth(peer, TcpConfig.defaults(), link ->
            {
                try
                {
                    return PcapLink.open(link, stackFile, new StackTime(), PcapLink.options().snaplen(128));
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            }))
            {
                assertTrue((side.link.capabilities() & LinkCapabilities.TX_TCP_SEGMENTATION) != 0,
                    "the capture offers the afpacket link's TSO");
                final StackOverVeth.Transfer t = side.transfer(true, 5210, BYTES, BYTES, TIMEOUT);
                System.out.println(String.format("captured transfer: %.0f Mbit/s, ", t.megabitsPerSecond())
                    + side.stack.ipCounters());
            }
        }
        finally
        {
            // SIGTERM: tcpdump writes what it holds and closes the file (-U wrote each packet already).
            tcpdump.close();
        }
        final Sizes stack = sizes(stackFile, peer.stackAddress());
        final Sizes kernel = sizes(kernelFile, peer.stackAddress());
        System.out.println("the stack's capture: " + stack + "\nthe kernel's capture: " + kernel + "\ntcpdump: "
            + tcpdump.stderr().trim());
        return new Sizes[] {stack, kernel};
    }

    @Test
    void shouldShowSuperFramesBothWaysWithTheDefaultOffloads() throws Exception
    {
        try (KernelPeer peer = KernelPeer.createWithDefaultOffloads())
        {
            final Sizes[] seen = captureTransfer(peer);
            for (final Sizes sizes : seen)
            {
                assertTrue(sizes.toKernelLong() > 0, "super-segments from the stack to the kernel: " + sizes);
                assertTrue(sizes.toStackLong() > 0, "super-frames from the kernel to the stack: " + sizes);
            }
        }
    }

    @Test
    void shouldCarryMtuSizedFramesBothWaysWithOffloadsOff() throws Exception
    {
        try (KernelPeer peer = KernelPeer.create())
        {
            final Sizes[] seen = captureTransfer(peer);
            final Sizes stack = seen[0];
            final Sizes kernel = seen[1];
            assertEquals(0, kernel.toKernelLong() + kernel.toStackLong(), "only MTU-sized frames on the wire: "
                + kernel);
            assertTrue(kernel.toKernelShort() > 0 && kernel.toStackShort() > 0, kernel.toString());
            assertEquals(0, stack.toStackLong(), "the kernel sends the stack MSS segments: " + stack);
            assertTrue(stack.toKernelLong() > 0, "the stack still hands the kernel super-segments to cut: " + stack);
        }
    }
}
