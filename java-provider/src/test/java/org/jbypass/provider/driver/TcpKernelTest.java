package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.jbypass.netstack.link.virtual.ImpairedLink;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.netstack.tcp.TcpInfo;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.CommandResult;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.StackOverVeth;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stack's TCP against the Linux kernel's, over a veth pair through the afpacket driver: 50 MB each way at once
 * with the stack as server and as client, checked by SHA-256 on both sides, with and without an {@link ImpairedLink}
 * on the stack's link (loss, reordering, duplication and corruption both ways, so the kernel's recovery is tested as
 * much as ours); each also with both veth ends' offloads as Linux sets them up (TSO, GSO, GRO on: the kernel sends
 * 64 KiB super-frames, which the stack takes as chains; 100 MB each way without impairment); and a capture of the
 * handshake showing that the two negotiate timestamps, SACK and window scaling.
 * Needs root.
 */
class TcpKernelTest
{
    private static final long BYTES = 50L << 20;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @BeforeAll
    static void needsRoot()
    {
        KernelPeer.assumeAvailable();
    }

    private static StackOverVeth.Transfer transfer(final boolean stackIsServer, final UnaryOperator<Link> decorate)
        throws InterruptedException
    {
        return transfer(stackIsServer, decorate, false, BYTES);
    }

    /**
     * @param defaultOffloads both veth ends as Linux creates them (TSO, GSO, GRO, checksum offload on): the kernel
     *                        sends the stack 64 KiB super-frames, which it must take as chains
     */
    private static StackOverVeth.Transfer transfer(final boolean stackIsServer, final UnaryOperator<Link> decorate,
        final boolean defaultOffloads, final long bytes) throws InterruptedException
    {
        try (KernelPeer peer = defaultOffloads ? KernelPeer.createWithDefaultOffloads() : KernelPeer.create();
             StackOverVeth side = new StackOverVeth(peer, TcpConfig.defaults(), decorate))
        {
            final StackOverVeth.Transfer t = side.transfer(stackIsServer, 5201, bytes, bytes, TIMEOUT);
            if (defaultOffloads)
            {
                final long superFrames = side.stack.ipCounters().superFramesReceived;
                System.out.println("super-frames received: " + superFrames + ", " + side.stack.ipCounters()
                    .framesBadChain + " bad chains");
                assertTrue(superFrames > 0, "the kernel sent super-frames, and the stack took them");
                assertEquals(0, side.stack.ipCounters().framesBadChain);
            }
            final TcpInfo info = t.socket.info();
            final String impairments = side.link instanceof ImpairedLink
                ? "\nimpaired rx " + ((ImpairedLink)side.link).rxImpairments().describe() + ", tx "
                    + ((ImpairedLink)side.link).txImpairments().describe()
                : "";
            System.out.println((stackIsServer ? "stack as server: " : "stack as client: ")
                + String.format("%.0f Mbit/s", t.megabitsPerSecond()) + " " + info + "\n" + side.stack.tcpCounters()
                + impairments);
            assertTrue(info.timestamps && info.sack, "timestamps and SACK negotiated with the kernel: " + info);
            assertTrue(info.sendWindowScale > 0, "window scaling negotiated with the kernel: " + info);
            return t;
        }
    }

    /** 2% loss, 2% reordering, 0.5% duplication and 0.5% corruption, each way, seeded. */
    static UnaryOperator<Link> impaired(final long seed)
    {
        return link -> new ImpairedLink(link, ImpairedLink.config().loss(0.02).reorder(0.02).duplicate(0.005)
            .corrupt(0.005).seed(seed));
    }

    @Test
    void shouldServeTheKernelThroughAnImpairedLink() throws InterruptedException
    {
        transfer(true, impaired(11));
    }

    @Test
    void shouldConnectToTheKernelThroughAnImpairedLink() throws InterruptedException
    {
        transfer(false, impaired(12));
    }

    @Test
    void shouldServeTheKernel50MegabytesEachWay() throws InterruptedException
    {
        transfer(true, UnaryOperator.identity());
    }

    @Test
    void shouldConnectToTheKernelAndMove50MegabytesEachWay() throws InterruptedException
    {
        transfer(false, UnaryOperator.identity());
    }

    @Test
    void shouldServeTheKernel100MegabytesEachWayWithDefaultOffloads() throws InterruptedException
    {
        transfer(true, UnaryOperator.identity(), true, 100L << 20);
    }

    @Test
    void shouldConnectToTheKernelAndMove100MegabytesEachWayWithDefaultOffloads() throws InterruptedException
    {
        transfer(false, UnaryOperator.identity(), true, 100L << 20);
    }

    @Test
    void shouldServeTheKernelThroughAnImpairedLinkWithDefaultOffloads() throws InterruptedException
    {
        transfer(true, impaired(13), true, BYTES);
    }

    @Test
    void shouldConnectToTheKernelThroughAnImpairedLinkWithDefaultOffloads() throws InterruptedException
    {
        transfer(false, impaired(14), true, BYTES);
    }

    @Test
    void shouldNegotiateTimestampsSackAndWindowScalingWithTheKernel() throws Exception
    {
        final Path capture = Files.createTempFile("jbp-tcp-handshake", ".pcap");
        try (KernelPeer peer = KernelPeer.create();
             StackOverVeth side = new StackOverVeth(peer, TcpConfig.defaults(), UnaryOperator.identity()))
        {
            final BackgroundCommand tcpdump = peer.start("tcpdump", "-i", peer.kernelInterface(), "-U", "-n", "-w",
                capture.toString(), "-c", "4", "tcp[tcpflags] & tcp-syn != 0");
            assertTrue(tcpdump.awaitOutput("listening on", Duration.ofSeconds(30)), "tcpdump: " + tcpdump.stderr());
            // Both directions of the handshake: the stack's SYN to the kernel, the kernel's SYN to the stack.
            side.transfer(false, 5202, 4096, 4096, TIMEOUT);
            side.transfer(true, 5203, 4096, 4096, TIMEOUT);
            // tcpdump stops by itself after the four SYNs.
            assertEquals(0, tcpdump.waitFor(Duration.ofSeconds(20)), "tcpdump: " + tcpdump.stderr());
            final CommandResult fields = peer.execOrThrow("tshark", "-r", capture.toString(), "-Y",
                "tcp.flags.syn == 1", "-T", "fields", "-E", "separator=;", "-e", "ip.src", "-e", "tcp.flags.ack",
                "-e", "tcp.options.mss_val", "-e", "tcp.options.wscale.shift", "-e", "tcp.options.sack_perm",
                "-e", "tcp.options.timestamp.tsval", "-e", "tcp.options.timestamp.tsecr");
            final List<String[]> syns = new ArrayList<>();
            for (final String line : fields.stdout().split("\n"))
            {
                if (!line.isBlank())
                {
                    syns.add(line.split(";", -1));
                }
            }
            assertEquals(4, syns.size(), "two handshakes, SYN and SYN-ACK each:\n" + fields.stdout());
            for (final String[] syn : syns)
            {
                final String what = String.join(" ", syn);
                assertFalse(syn[2].isEmpty(), "MSS in " + what);
                assertFalse(syn[3].isEmpty(), "window scale in " + what);
                assertFalse(syn[4].isEmpty(), "SACK permitted in " + what);
                assertFalse(syn[5].isEmpty(), "timestamp in " + what);
            }
            // Each SYN-ACK echoes its SYN's TSval (RFC 7323 section 3.2): the option was taken up, not just sent.
            assertEquals(syns.get(0)[5], syns.get(1)[6], "the kernel echoes the stack's SYN timestamp");
            assertEquals(syns.get(2)[5], syns.get(3)[6], "the stack echoes the kernel's SYN timestamp");
            assertEquals(Integer.toString(TcpConfig.defaults().offeredWindowScale()), syns.get(0)[3]);
            System.out.println("handshakes with the kernel:\n" + fields.stdout());
        }
        finally
        {
            Files.deleteIfExists(capture);
        }
    }
}
