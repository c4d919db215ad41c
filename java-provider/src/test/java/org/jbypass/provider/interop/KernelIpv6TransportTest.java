package org.jbypass.provider.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.driver.AfPacketLink;
import org.jbypass.provider.driver.AfPacketOptions;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.KernelPeerStack;
import org.jbypass.provider.testing.KernelScript;
import org.jbypass.provider.testing.StackOverVeth;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TCP and UDP over IPv6 against the Linux kernel: a {@link KernelPeer} namespace with the kernel at
 * 2001:db8:X::1/64 on one end of a veth pair, the stack at 2001:db8:X::2 over afpacket on the other. TCP moves 50 MB
 * each way by SHA-256 with the stack as server (a dual-stack listener on [::]) and as client; UDP datagrams from
 * empty to fragmented are echoed both ways. Needs root, iproute2, ethtool and python3; skipped otherwise.
 *
 * <p>Each TCP transfer runs with the veth's offloads as Linux sets them up (the kernel hands the stack TCP
 * super-frames of GSO type TCPV6, which the stack takes whole, and the stack sends its own, GSO_TCPV6 chains that
 * afpacket gives the kernel with a virtio_net_hdr) and with them off.
 */
class KernelIpv6TransportTest
{
    private static final long BYTES = 50L << 20;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static KernelScript script;

    @BeforeAll
    static void needsRootAndTools() throws IOException
    {
        KernelPeer.assumeAvailable();
        script = KernelScript.load(KernelUdpInteropTest.class, "kernel_udp.py");
    }

    private static void transfer(final boolean stackIsServer, final boolean offloadsOff) throws InterruptedException
    {
        try (KernelPeer peer = KernelPeer.createWithIpv6(offloadsOff);
             StackOverVeth side = new StackOverVeth(peer, TcpConfig.defaults(), link -> link,
                 AfPacketOptions.of(peer.stackInterface()), true))
        {
            final StackOverVeth.Transfer t = side.transfer(stackIsServer, 5206, BYTES, BYTES, TIMEOUT);
            System.out.println("IPv6, stack as " + (stackIsServer ? "server: " : "client: ")
                + String.format("%.0f Mbit/s", t.megabitsPerSecond()) + " " + t.socket.info() + "\n"
                + side.stack.tcpCounters());
            assertTrue(t.socket.isIpv6(), "the connection ran over IPv6");
            if (!offloadsOff)
            {
                final long superFrames = side.stack.ipCounters().superFramesReceived;
                System.out.println("super-frames received: " + superFrames);
                assertTrue(superFrames > 0, "the kernel sent TCPV6 super-frames, and the stack took them");
                assertEquals(0, side.stack.ipCounters().framesBadChain);
                assertEquals(0, side.stack.ipCounters().superFramesGathered,
                    "taken in place: TCP copied each one straight out of its chain");
                // And the stack's own: TCP super-segments over IPv6 (GSO_TCPV6 chains) that afpacket handed the
                // kernel with a virtio_net_hdr, none refused on the way.
                final long sent = side.stack.ipCounters().ip6OutSuperSegments;
                final long chains = ((AfPacketLink)side.link).txSuperFrames();
                System.out.println("IPv6 super-segments sent: " + sent + ", chains afpacket sent: " + chains);
                assertTrue(sent > 0, "the stack sent IPv6 super-segments");
                assertEquals(0, side.stack.ipCounters().ip6OutSuperSegmentFails);
                assertTrue(chains > 0 && chains <= sent, "afpacket sent them as chains: " + chains);
                assertEquals(0, side.link.counters().txDropped, "none refused");
            }
            assertTrue(t.socket.info().timestamps && t.socket.info().sack, "options negotiated: " + t.socket.info());
            assertEquals(1500 - 60 - 12, t.socket.info().sendMss, "MSS from the IPv6 MTU, less timestamps");
        }
    }

    @Test
    void shouldServeTheKernel50MegabytesEachWayOverIpv6() throws InterruptedException
    {
        transfer(true, false);
    }

    @Test
    void shouldConnectToTheKernelAndMove50MegabytesEachWayOverIpv6() throws InterruptedException
    {
        transfer(false, false);
    }

    @Test
    void shouldServeTheKernel50MegabytesEachWayOverIpv6WithOffloadsOff() throws InterruptedException
    {
        transfer(true, true);
    }

    @Test
    void shouldConnectToTheKernelAndMove50MegabytesEachWayOverIpv6WithOffloadsOff() throws InterruptedException
    {
        transfer(false, true);
    }

    private static KernelPeerStack udpStack(final KernelPeer peer)
    {
        final KernelPeerStack stack = KernelPeerStack.startWithIpv6(peer, 0);
        stack.addStackAddress6();
        return stack;
    }

    @Test
    void shouldEchoTheKernelsDatagramsOverIpv6() throws Exception
    {
        try (KernelPeer peer = KernelPeer.createWithIpv6(); KernelPeerStack stack = udpStack(peer))
        {
            // An echo on a dual-stack socket bound to [::], answering each datagram in its sender's family.
            final UdpSocket socket = stack.call(s -> s.openUdp6(false));
            assertEquals(0, (int)stack.call(s -> socket.bind6(0, 0, 7)));
            final Consumer<Stack> echo = stack.echo(socket);
            try (BackgroundCommand client = script.start(peer, "echo-client", peer.stackAddress6(), "7",
                "0,1,18,100,1000,1452,1453,4000,65527", "90", "10", "5"))
            {
                assertEquals(0, client.waitFor(TIMEOUT), client.stderr() + "\n" + stack.describeCounters());
                assertTrue(client.stdout().contains("echoed 90"), client.stdout());
            }
            stack.removePollTask(echo);
            stack.call(s ->
            {
                assertEquals(90, s.udpCounters().inDatagrams, stack.describeCounters());
                assertEquals(90, s.udpCounters().outDatagrams);
                socket.close();
                return null;
            });
        }
    }

    /**
     * A kernel sender with UDP_SEGMENT over IPv6: its super-datagrams (GSO_UDP_L4 over IPv6) reach the stack whole
     * through afpacket and are cut into the datagrams they carry ({@link KernelUdpInteropTest#receiveSegmented}).
     */
    @Test
    void shouldReceiveTheKernelsUdpSegmentTrainsOverIpv6AsTheirDatagrams() throws Exception
    {
        try (KernelPeer peer = KernelPeer.createWithIpv6(); KernelPeerStack stack = udpStack(peer))
        {
            final UdpSocket socket = stack.call(s -> s.openUdp6(false));
            stack.listen(socket);
            assertEquals(0, (int)stack.call(s -> socket.bind6(0, 0, 9150)));
            KernelUdpInteropTest.receiveSegmented(stack, socket, script.start(peer, "send-segmented",
                peer.stackAddress6(), "9150", "1200", Integer.toString(12 * 1200 + 5), "8", "70"), 8 * 13);
            stack.closeAll(socket);
        }
    }

    @Test
    void shouldGetItsDatagramsEchoedByTheKernelOverIpv6() throws Exception
    {
        try (KernelPeer peer = KernelPeer.createWithIpv6(); KernelPeerStack stack = udpStack(peer);
             BackgroundCommand server = script.start(peer, "echo-server", "7007", "::"))
        {
            assertTrue(server.awaitOutput("ready", TIMEOUT), server + ": " + server.stderr());
            final UdpSocket socket = stack.call(s -> s.openUdp6(false));
            stack.listen(socket);
            final long[] kernel = Ipv6Address.parse(peer.kernelAddress6());
            assertEquals(0, (int)stack.call(s -> socket.connect6(kernel[0], kernel[1], 7007)));
            KernelUdpInteropTest.assertEchoedOneByOne(stack, socket, new int[] {0, 1, 18, 100, 1000, 1452, 1453, 4000,
                UdpSocket.MAX_PAYLOAD6}, 45, 600);
            stack.call(s ->
            {
                assertTrue(socket.lastSourceIs6());
                socket.close();
                return null;
            });
        }
    }
}
