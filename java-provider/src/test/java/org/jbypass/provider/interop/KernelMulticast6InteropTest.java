package org.jbypass.provider.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.KernelPeerStack;
import org.jbypass.provider.testing.KernelScript;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * IPv6 multicast between the stack and the Linux kernel over a veth ({@link KernelPeer#createWithIpv6()}): the
 * kernel's IPv6 sockets send to and receive from a group, a raw ICMPv6 socket sends MLD queries, and tcpdump in the
 * namespace captures the stack's MLD as the kernel's side of the wire sees it. Needs root, iproute2, python3 and
 * tcpdump; skipped with the reason otherwise.
 */
class KernelMulticast6InteropTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** A transient site-scope group (RFC 4291 section 2.7): its MAC is 33:33:00:02:00:03. */
    private static final String GROUP_TEXT = "ff15::1:2:3";
    private static final long[] GROUP = Ipv6Address.parse(GROUP_TEXT);
    private static final int PORT = 31006;

    private static KernelScript script;
    private static KernelScript mldScript;

    private KernelPeer peer;
    private KernelPeerStack stack;

    @BeforeAll
    static void needsRootAndTools() throws IOException
    {
        KernelPeer.assumeAvailable();
        assumeTrue(Host.tool("tcpdump") != null, "needs tcpdump to capture MLD (apt-get install tcpdump)");
        script = KernelScript.load(KernelMulticast6InteropTest.class, "kernel_multicast6.py");
        mldScript = KernelScript.load(KernelMulticast6InteropTest.class, "kernel_mld.py");
    }

    @BeforeEach
    void start()
    {
        peer = KernelPeer.createWithIpv6();
        stack = KernelPeerStack.startOrClose(peer, p -> KernelPeerStack.startWithIpv6(p, 0));
        stack.addStackAddress6();
    }

    @AfterEach
    void stop()
    {
        KernelPeerStack.closeAfterTest(stack, peer);
    }

    @Test
    void shouldDeliverEveryDatagramOfAKernelStreamToEachJoinedSocketAndNoneToOthers() throws Exception
    {
        final UdpSocket a = openOnPort();
        final UdpSocket b = openOnPort();
        final UdpSocket notJoined = openOnPort();
        assertEquals(0, stack.op(s -> a.joinGroup6(GROUP[0], GROUP[1], 0)));
        assertEquals(0, stack.op(s -> b.joinGroup6(GROUP[0], GROUP[1], 0)));
        final int count = 500;
        try (BackgroundCommand sender = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT),
            Integer.toString(count), peer.kernelAddress6(), peer.kernelInterface()))
        {
            assertEquals(0, sender.waitFor(TIMEOUT), sender.stderr());
        }
        for (final UdpSocket socket : new UdpSocket[] {a, b})
        {
            for (int i = 0; i < count; i++)
            {
                assertEquals(i, awaitDatagram(socket), "every datagram, in order, to every joined socket");
            }
        }
        assertEquals(-Errno.EAGAIN, stack.op(s -> notJoined.receive(ByteBuffer.allocate(64))), "not joined: nothing");
        stack.closeAll(a, b, notJoined);
    }

    @Test
    void shouldFilterASecondSenderOfASourceSpecificJoin() throws Exception
    {
        final String second = peer.kernelAddress6().replaceAll("::1$", "::3");
        peer.execOrThrow("ip", "-6", "addr", "add", second + "/64", "dev", peer.kernelInterface(), "nodad");
        final long[] wantedSource = Ipv6Address.parse(peer.kernelAddress6());
        final UdpSocket socket = openOnPort();
        assertEquals(0, stack.op(s -> socket.joinSource6(GROUP[0], GROUP[1], 0, wantedSource[0], wantedSource[1])));
        try (BackgroundCommand filtered = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "50", second,
            peer.kernelInterface());
            BackgroundCommand wanted = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "50",
                peer.kernelAddress6(), peer.kernelInterface()))
        {
            assertEquals(0, filtered.waitFor(TIMEOUT), filtered.stderr());
            assertEquals(0, wanted.waitFor(TIMEOUT), wanted.stderr());
        }
        for (int i = 0; i < 50; i++)
        {
            assertEquals(i, awaitDatagram(socket));
            assertEquals(wantedSource[1], (long)stack.call(s -> socket.lastSourceLo()));
        }
        assertEquals(-Errno.EAGAIN, stack.op(s -> socket.receive(ByteBuffer.allocate(64))),
            "the second sender filtered");
        assertTrue(stack.call(s -> s.ipCounters().ip6InMulticastFiltered) >= 50, stack.describeCounters());
        stack.closeAll(socket);
    }

    @Test
    void shouldReportJoinAndLeaveAnswerAGeneralQueryAndStopDeliveryOnLeave() throws Exception
    {
        try (BackgroundCommand capture = peer.start("tcpdump", "-i", peer.kernelInterface(), "-n", "-v", "-l",
            "ip6 and not udp"))
        {
            assertTrue(capture.awaitOutput("listening on", TIMEOUT), capture.stderr());
            final UdpSocket socket = openOnPort();
            assertEquals(0, stack.op(s -> socket.joinGroup6(GROUP[0], GROUP[1], 0)));
            assertTrue(capture.awaitOutput("[gaddr " + GROUP_TEXT + " to_ex, 0 source(s)]", TIMEOUT),
                capture.stdout() + capture.stderr());
            assertTrue(capture.stdout().contains("hlim 1") && capture.stdout().contains("rtalert"), capture.stdout());

            // A query counts only from a link-local source (RFC 3810 section 5.1.14): the kernel's must be usable.
            awaitKernelLinkLocal();
            try (BackgroundCommand query = mldScript.start(peer, peer.kernelInterface(), "2", "::",
                "1000"))
            {
                assertEquals(0, query.waitFor(TIMEOUT), query.stderr());
            }
            // Answered within the maximum response delay (1 s) with the group's current state.
            assertTrue(capture.awaitOutput("[gaddr " + GROUP_TEXT + " is_ex, 0 source(s)]", TIMEOUT),
                capture.stdout());
            assertTrue(stack.call(s -> s.ipCounters().mldInQueries) >= 1, stack.describeCounters());

            assertEquals(0, stack.op(s -> socket.leaveGroup6(GROUP[0], GROUP[1], 0)));
            assertTrue(capture.awaitOutput("[gaddr " + GROUP_TEXT + " to_in, 0 source(s)]", TIMEOUT),
                capture.stdout());
            try (BackgroundCommand sender = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "20",
                peer.kernelAddress6(), peer.kernelInterface()))
            {
                assertEquals(0, sender.waitFor(TIMEOUT), sender.stderr());
            }
            // The kernel's datagrams reached the link and were dropped for the group the stack left.
            assertNotNull(stack.awaitCondition(s -> s.ipCounters().ip6InMulticastNotJoined
                + s.ipCounters().framesMulticastFiltered >= 20 ? Boolean.TRUE : null, TIMEOUT),
                stack.describeCounters());
            assertEquals(-Errno.EAGAIN, stack.op(s -> socket.receive(ByteBuffer.allocate(64))), "left: nothing");
            stack.closeAll(socket);
        }
    }

    @Test
    void shouldAnswerAGroupAndSourceSpecificQueryAndCountAFloodOfQueries() throws Exception
    {
        final String kernel = peer.kernelAddress6();
        final long[] source = Ipv6Address.parse(kernel);
        final String other = kernel.replaceAll("::1$", "::9");
        try (BackgroundCommand capture = peer.start("tcpdump", "-i", peer.kernelInterface(), "-n", "-v", "-l",
            "ip6 and not udp"))
        {
            assertTrue(capture.awaitOutput("listening on", TIMEOUT), capture.stderr());
            final UdpSocket socket = openOnPort();
            assertEquals(0, stack.op(s -> socket.joinSource6(GROUP[0], GROUP[1], 0, source[0], source[1])));
            assertTrue(capture.awaitOutput("[gaddr " + GROUP_TEXT + " allow, 1 source(s)]", TIMEOUT),
                capture.stdout());
            awaitKernelLinkLocal();
            // Asked about the kernel's address and another: only the one the filter lets in (RFC 3810 6.3).
            try (BackgroundCommand query = mldScript.start(peer, peer.kernelInterface(), "2",
                GROUP_TEXT, "500", "1", kernel, other))
            {
                assertEquals(0, query.waitFor(TIMEOUT), query.stderr());
            }
            assertTrue(capture.awaitOutput("[gaddr " + GROUP_TEXT + " is_in, 1 source(s)]", TIMEOUT),
                capture.stdout() + capture.stderr() + stack.describeCounters());
            // A thousand general queries at once: a burst is taken, the rest counted and dropped.
            try (BackgroundCommand flood = mldScript.start(peer, peer.kernelInterface(), "2",
                "::", "0", "1000"))
            {
                assertEquals(0, flood.waitFor(TIMEOUT), flood.stderr());
            }
            final Long taken = stack.awaitCondition(s -> s.ipCounters().mldInQueries
                + s.ipCounters().mldInQueriesRateLimited >= 1001 ? s.ipCounters().mldInQueries : null, TIMEOUT);
            assertNotNull(taken, stack.describeCounters());
            assertTrue(taken < 200, "queries taken: " + taken);
            assertTrue(stack.call(s -> s.ipCounters().mldOutReports) < 200, stack.describeCounters());
            stack.closeAll(socket);
        }
    }

    @Test
    void shouldSendToAGroupThatTheKernelsJoinedSocketReceivesWithTheHopLimitSet() throws Exception
    {
        try (BackgroundCommand receiver = script.start(peer, "recv", GROUP_TEXT, Integer.toString(PORT), "20", "10",
            peer.kernelInterface()))
        {
            assertTrue(receiver.awaitOutput("ready", TIMEOUT), receiver.stderr());
            final UdpSocket socket = stack.call(s -> s.openUdp6(false));
            assertEquals(0, stack.op(s -> socket.multicastTtl(7)));
            for (int i = 0; i < 20; i++)
            {
                final long sequence = i;
                final ByteBuffer data = ByteBuffer.allocate(64).putLong(0, sequence);
                assertEquals(64, stack.op(s -> socket.send6(data, GROUP[0], GROUP[1], PORT)));
            }
            assertEquals(0, receiver.waitFor(TIMEOUT), receiver.stderr() + "\n" + stack.describeCounters());
            final List<String> expected = new ArrayList<>();
            final int port = stack.op(s -> socket.localPort());
            for (int i = 0; i < 20; i++)
            {
                expected.add("from " + peer.stackAddress6() + " " + port + " 64 7 " + i);
            }
            assertEquals(expected, receiver.stdout().lines().filter(l -> l.startsWith("from ")).toList());
            stack.closeAll(socket);
        }
    }

    /** Waits (polling the kernel's address list, bounded) until the kernel's link-local address passed DAD. */
    private void awaitKernelLinkLocal()
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (peer.execOrThrow("ip", "-6", "address", "show", "dev", peer.kernelInterface(), "scope", "link",
            "-tentative").stdout().isBlank())
        {
            assertTrue(System.nanoTime() - deadline < 0, "the kernel's link-local address stayed tentative");
            Thread.onSpinWait();
        }
    }

    private UdpSocket openOnPort()
    {
        final UdpSocket socket = stack.call(s ->
        {
            final UdpSocket u = s.openUdp6(false);
            u.reuseAddress(true);
            assertEquals(0, u.bind6(0, 0, PORT));
            return u;
        });
        stack.listen(socket);
        return socket;
    }

    private long awaitDatagram(final UdpSocket socket) throws InterruptedException
    {
        final ByteBuffer b = stack.awaitDatagram(socket, TIMEOUT);
        assertEquals(64, b.remaining());
        return b.getLong(0);
    }
}
