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

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
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
 * Multicast between the stack and the Linux kernel over a veth ({@link KernelPeer}, {@link KernelPeerStack}): the
 * kernel's sockets send and receive, a raw socket sends IGMP queries, and tcpdump in the namespace captures the
 * stack's IGMP as the kernel's side of the wire sees it. Needs root, iproute2, python3 and tcpdump; skipped with
 * the reason otherwise.
 */
class KernelMulticastInteropTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final int GROUP = Ipv4Address.parse("239.1.2.3");
    private static final String GROUP_TEXT = "239.1.2.3";
    private static final int PORT = 31001;

    private static KernelScript script;

    private KernelPeer peer;
    private KernelPeerStack stack;

    @BeforeAll
    static void needsRootAndTools() throws IOException
    {
        KernelPeer.assumeAvailable();
        assumeTrue(Host.tool("tcpdump") != null, "needs tcpdump to capture IGMP (apt-get install tcpdump)");
        script = KernelScript.load(KernelMulticastInteropTest.class, "kernel_multicast.py");
    }

    @BeforeEach
    void start()
    {
        peer = KernelPeer.create();
        stack = KernelPeerStack.startOrClose(peer, KernelPeerStack::start);
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
        assertEquals(0, stack.op(s -> a.joinGroup(GROUP, 0)));
        assertEquals(0, stack.op(s -> b.joinGroup(GROUP, 0)));
        final int count = 500;
        try (BackgroundCommand sender = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT),
            Integer.toString(count), kernelAddress()))
        {
            assertEquals(0, sender.waitFor(TIMEOUT), sender.stderr());
        }
        for (final UdpSocket socket : new UdpSocket[] {a, b})
        {
            for (int i = 0; i < count; i++)
            {
                final long sequence = awaitDatagram(socket);
                assertEquals(i, sequence, "every datagram, in order, to every joined socket");
            }
        }
        assertEquals(-Errno.EAGAIN, stack.op(s -> notJoined.receive(ByteBuffer.allocate(64))), "not joined: nothing");
        stack.call(s ->
        {
            assertTrue(stack.link().counters().rxPackets >= count);
            a.close();
            b.close();
            notJoined.close();
            return null;
        });
    }

    @Test
    void shouldFilterASecondSenderOfASourceSpecificJoin() throws Exception
    {
        final String second = Ipv4Address.toString(peer.subnet() + 3);
        peer.execOrThrow("ip", "addr", "add", second + "/" + peer.prefixLength(), "dev", peer.kernelInterface());
        final UdpSocket socket = openOnPort();
        assertEquals(0, stack.op(s -> socket.joinSource(GROUP, 0, peer.kernelAddress())));
        try (BackgroundCommand filtered = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "50", second);
            BackgroundCommand wanted = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "50",
                kernelAddress()))
        {
            assertEquals(0, filtered.waitFor(TIMEOUT), filtered.stderr());
            assertEquals(0, wanted.waitFor(TIMEOUT), wanted.stderr());
        }
        for (int i = 0; i < 50; i++)
        {
            assertEquals(i, awaitDatagram(socket));
            assertEquals(peer.kernelAddress(), (int)stack.op(s -> socket.lastSourceAddress()));
        }
        // Both senders have exited, but the stack may not have polled all of the second one's frames yet: wait
        // until it has filtered all 50, then none of them may be waiting on the socket.
        assertTrue(stack.awaitCondition(s -> s.ipCounters().ipInMulticastFiltered >= 50 ? Boolean.TRUE : null,
            TIMEOUT) != null, stack.describeCounters());
        assertEquals(-Errno.EAGAIN, stack.op(s -> socket.receive(ByteBuffer.allocate(64))),
            "the second sender filtered");
        stack.op(s ->
        {
            socket.close();
            return 0;
        });
    }

    @Test
    void shouldReportJoinAndLeaveAnswerAGeneralQueryAndStopDeliveryOnLeave() throws Exception
    {
        try (BackgroundCommand capture = peer.start("tcpdump", "-i", peer.kernelInterface(), "-n", "-v", "-l",
            "igmp"))
        {
            assertTrue(capture.awaitOutput("listening on", TIMEOUT), capture.stderr());
            final UdpSocket socket = openOnPort();
            assertEquals(0, stack.op(s -> socket.joinGroup(GROUP, 0)));
            assertTrue(capture.awaitOutput("gaddr " + GROUP_TEXT + " to_ex, 0 source(s)", TIMEOUT),
                capture.stdout() + capture.stderr());
            assertTrue(capture.stdout().contains("ttl 1") && capture.stdout().contains("options (RA)"),
                capture.stdout());

            try (BackgroundCommand query = script.start(peer, "query", "0.0.0.0", "10", kernelAddress(), "1"))
            {
                assertEquals(0, query.waitFor(TIMEOUT), query.stderr());
            }
            // Answered within Max Resp Time (1 s) with the group's current state.
            assertTrue(capture.awaitOutput("gaddr " + GROUP_TEXT + " is_ex, 0 source(s)", TIMEOUT), capture.stdout());
            assertTrue(stack.call(s -> s.ipCounters().igmpInQueries) >= 1, stack.describeCounters());

            assertEquals(0, stack.op(s -> socket.leaveGroup(GROUP, 0)));
            assertTrue(capture.awaitOutput("gaddr " + GROUP_TEXT + " to_in, 0 source(s)", TIMEOUT), capture.stdout());
            try (BackgroundCommand sender = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "20",
                kernelAddress()))
            {
                assertEquals(0, sender.waitFor(TIMEOUT), sender.stderr());
            }
            // The kernel's datagrams reached the stack (rxPackets) and were dropped for the group it left.
            final long before = stack.link().counters().rxPackets;
            assertTrue(stack.awaitCondition(s -> s.ipCounters().ipInMulticastNotJoined
                + s.ipCounters().framesMulticastFiltered >= 20 ? Boolean.TRUE : null, TIMEOUT) != null,
                stack.describeCounters() + " rx " + before);
            assertEquals(-Errno.EAGAIN, stack.op(s -> socket.receive(ByteBuffer.allocate(64))), "left: nothing");
            stack.op(s ->
            {
                socket.close();
                return 0;
            });
        }
    }

    @Test
    void shouldSendToAGroupThatTheKernelsJoinedSocketReceivesWithTheTtlSet() throws Exception
    {
        try (BackgroundCommand receiver = script.start(peer, "recv", GROUP_TEXT, Integer.toString(PORT), "20", "10",
            kernelAddress()))
        {
            assertTrue(receiver.awaitOutput("ready", TIMEOUT), receiver.stderr());
            final UdpSocket socket = stack.call(Stack::openUdp);
            assertEquals(0, stack.op(s -> socket.multicastTtl(7)));
            for (int i = 0; i < 20; i++)
            {
                final long sequence = i;
                final ByteBuffer data = ByteBuffer.allocate(64).putLong(0, sequence);
                assertEquals(64, stack.op(s -> socket.send(data, GROUP, PORT)));
            }
            assertEquals(0, receiver.waitFor(TIMEOUT), receiver.stderr() + "\n" + stack.describeCounters());
            final List<String> expected = new ArrayList<>();
            final int port = stack.op(s -> socket.localPort());
            for (int i = 0; i < 20; i++)
            {
                expected.add("from " + Ipv4Address.toString(peer.stackAddress()) + " " + port + " 64 7 " + i);
            }
            assertEquals(expected, receiver.stdout().lines().filter(l -> l.startsWith("from ")).toList());
            stack.op(s ->
            {
                socket.close();
                return 0;
            });
        }
    }

    @Test
    void shouldCountAndDropAFloodOfQueries() throws Exception
    {
        final UdpSocket socket = openOnPort();
        assertEquals(0, stack.op(s -> socket.joinGroup(GROUP, 0)));
        try (BackgroundCommand query = script.start(peer, "query", GROUP_TEXT, "0", kernelAddress(), "1000"))
        {
            assertEquals(0, query.waitFor(TIMEOUT), query.stderr());
        }
        // A thousand queries in far less time than the rate refills: a burst is answered, the rest counted.
        final Long seen = stack.awaitCondition(s -> s.ipCounters().igmpInQueries
            + s.ipCounters().igmpInQueriesRateLimited >= 1000 ? s.ipCounters().igmpInQueries : null, TIMEOUT);
        assertNotNull(seen, stack.describeCounters());
        assertTrue(seen < 200, "queries taken: " + seen);
        assertTrue(stack.call(s -> s.ipCounters().igmpOutReports) < 200, stack.describeCounters());
        stack.op(s ->
        {
            socket.close();
            return 0;
        });
    }

    private UdpSocket openOnPort()
    {
        final UdpSocket socket = stack.call(s ->
        {
            final UdpSocket u = s.openUdp();
            u.reuseAddress(true);
            assertEquals(0, u.bind(0, PORT));
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

    private String kernelAddress()
    {
        return Ipv4Address.toString(peer.kernelAddress());
    }
}
