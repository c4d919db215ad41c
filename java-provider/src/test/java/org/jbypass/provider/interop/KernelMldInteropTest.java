package org.jbypass.provider.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.time.Duration;

import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.KernelPeerStack;
import org.jbypass.provider.testing.KernelScript;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MLD against the Linux kernel: the stack on one end of a veth pair over afpacket, tcpdump on the kernel's end
 * seeing what a snooping switch would see. The stack reports the solicited-node group of the address it is given
 * (MLDv2, hop limit 1, Router Alert) before its DAD solicitation; a raw socket of the kernel's, acting as the querier,
 * sends an MLDv2 general query, answered within its delay with the group's state, then an MLDv1 query, answered with
 * a version 1 report to the group. Needs root, iproute2, python3 and tcpdump; skipped with the reason otherwise.
 */
class KernelMldInteropTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static KernelScript script;

    private KernelPeer peer;
    private KernelPeerStack stack;

    @BeforeAll
    static void needsRootAndTools() throws IOException
    {
        KernelPeer.assumeAvailable();
        assumeTrue(Host.tool("tcpdump") != null, "needs tcpdump to capture MLD (apt-get install tcpdump)");
        script = KernelScript.load(KernelMldInteropTest.class, "kernel_mld.py");
    }

    @AfterEach
    void stop()
    {
        KernelPeerStack.closeAfterTest(stack, peer);
    }

    @Test
    void shouldReportItsSolicitedNodeGroupAndAnswerTheKernelsQueriesOfBothVersions() throws Exception
    {
        peer = KernelPeer.createWithIpv6();
        stack = KernelPeerStack.startOrClose(peer, p -> KernelPeerStack.startWithIpv6(p, 1));
        final long[] address = Ipv6Address.parse(peer.stackAddress6());
        final String group = Ipv6Address.toString(Ipv6Address.solicitedNodeHi(),
            Ipv6Address.solicitedNodeLo(address[1]));
        try (BackgroundCommand capture = peer.start("tcpdump", "-i", peer.kernelInterface(), "-n", "-v", "-l",
            "ip6"))
        {
            assertTrue(capture.awaitOutput("listening on", TIMEOUT), capture.stderr());
            stack.addStackAddress6();
            // RFC 3810 6.1 and 5.2.13: CHANGE_TO_EXCLUDE {} from :: (the link-local address is still tentative).
            final String report = "ff02::16: HBH (rtalert: 0x0000) (padn) [icmp6 sum ok] ICMP6, multicast listener "
                + "report v2, 1 group record(s) [gaddr " + group + " to_ex, 0 source(s)]";
            final String dad = "who has " + peer.stackAddress6();
            assertTrue(capture.awaitOutput(report, TIMEOUT), capture.stdout());
            assertTrue(capture.awaitOutput(dad, TIMEOUT), capture.stdout());
            final String first = capture.stdout();
            assertTrue(first.contains("(hlim 1, next-header Options (0) payload length: 36) :: > " + report), first);
            assertTrue(first.indexOf(report) < first.indexOf(dad),
                "the report before DAD's solicitation (RFC 4862 5.4.2): " + first);
            assertTrue(stack.awaitCondition(s -> s.ipv6().addressState(address[0], address[1]) == 2 ? Boolean.TRUE
                : null, TIMEOUT) != null, stack.describeCounters());

            query(2, "::", 1000);
            assertTrue(capture.awaitOutput("gaddr " + group + " is_ex", TIMEOUT), capture.stdout());
            assertTrue(stack.call(s -> s.ipCounters().mldInQueries) >= 1, stack.describeCounters());

            // tcpdump prints a version 1 report without a space after "report"
            query(1, "::", 1000);
            assertTrue(capture.awaitOutput("multicast listener reportmax resp delay: 0 addr: " + group, TIMEOUT),
                capture.stdout());
            assertTrue(stack.call(s -> s.ipCounters().mldInBadQueries) == 0, stack.describeCounters());
        }
    }

    private void query(final int version, final String group, final int maxResponseMillis) throws Exception
    {
        try (BackgroundCommand query = script.start(peer, peer.kernelInterface(), Integer.toString(version), group,
            Integer.toString(maxResponseMillis)))
        {
            assertEquals(0, query.waitFor(TIMEOUT), query.stderr());
        }
    }
}
