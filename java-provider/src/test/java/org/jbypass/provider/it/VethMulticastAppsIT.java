package org.jbypass.provider.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.CommandResult;
import org.jbypass.provider.testing.Host;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Unmodified multicast programs (the samples {@code MulticastReceiver} and {@code MulticastPublisher}: plain
 * {@code java.net.MulticastSocket} and {@code DatagramChannel}) under the agent, against the Linux kernel over a
 * veth pair: the stack receives a kernel publisher's numbered stream, and a kernel receiver gets the stack's. That
 * the stack, not the kernel of this namespace, served the program is seen on the wire: tcpdump on the kernel's end
 * sees the IGMP report, or the datagrams, come from the stack's address.
 */
class VethMulticastAppsIT extends VethFixture
{
    private static final String RECEIVER = "org.jbypass.samples.MulticastReceiver";
    private static final String PUBLISHER = "org.jbypass.samples.MulticastPublisher";
    private static final String COUNT = "2000";

    @BeforeEach
    void nameTheStackInterface()
    {
        assumeTrue(Host.tool("tcpdump") != null, "needs tcpdump to see who joined (apt-get install tcpdump)");
        // The JDK lists only netdevs with an address: the stack's veth end gets one of the host's own (outside the
        // stack's subnet) so that NetworkInterface.getByName finds it, as a shared NIC has.
        final CommandResult added = Host.run("ip", "addr", "add", "198.51.100.15/32", "dev", peer.stackInterface());
        assertEquals(0, added.exitCode(), added.describe());
    }

    private BackgroundCommand capture(final String filter) throws InterruptedException
    {
        final BackgroundCommand capture = peer.start("tcpdump", "-i", peer.kernelInterface(), "-n", "-l", filter);
        assertTrue(capture.awaitOutput("listening on", START), capture.stderr());
        return capture;
    }

    private void receiveTheKernelsStream(final String mode, final String group, final String port) throws Exception
    {
        try (BackgroundCommand igmp = capture("igmp");
            ChildJvm receiver = ChildJvm.withAgent(config, RECEIVER, group, port, peer.stackInterface(), COUNT, mode,
                "20"))
        {
            awaitStarted(receiver, "receiving " + group + ":" + port);
            // The join was sent by the stack, from its address (the kernel here would have sent it from the
            // netdev's 198.51.100.15).
            assertTrue(igmp.awaitOutput(stack + " > 224.0.0.22: igmp v3 report", RUN), igmp.stdout());
            try (ChildJvm publisher = ChildJvm.inNamespace(peer.namespace(), PUBLISHER, group, port,
                peer.kernelInterface(), COUNT, "20000"))
            {
                assertEquals(0, publisher.waitFor(RUN), publisher::describe);
            }
            assertEquals(0, receiver.waitFor(RUN), receiver::describe);
            assertTrue(receiver.stdout().contains("received " + COUNT + " lost 0 late 0"), receiver::describe);
        }
    }

    @Test
    void shouldReceiveAKernelStreamWithAnUnmodifiedMulticastSocketUnderTheAgent() throws Exception
    {
        receiveTheKernelsStream("socket", "239.1.2.4", "31010");
    }

    @Test
    void shouldReceiveAKernelStreamWithAChannelBoundToTheWildcardThenJoined() throws Exception
    {
        receiveTheKernelsStream("channel", "239.1.2.5", "31011");
    }

    /**
     * The same MulticastSocket calls on the stack's netdev, under the agent (the stack serves the socket) and
     * without it (this namespace's kernel does): the same results and exceptions, line for line.
     */
    @Test
    void shouldAnswerMulticastSocketCallsAsTheKernelsDoes() throws Exception
    {
        final String probe = "org.jbypass.provider.it.apps.MulticastSocketProbe";
        final String[] args = {peer.stackInterface(), "239.1.2.8", "31013"};
        final String stackOutput;
        final String kernelOutput;
        try (BackgroundCommand igmp = capture("igmp"))
        {
            try (ChildJvm onStack = ChildJvm.withAgent(config, probe, args))
            {
                assertEquals(0, onStack.waitFor(RUN), onStack::describe);
                stackOutput = onStack.stdout();
            }
            // Served by the stack: its IGMP, from its address.
            assertTrue(igmp.awaitOutput(stack + " > 224.0.0.22: igmp v3 report", RUN), igmp.stdout());
        }
        // jbypass.jar on the class path without a configuration installs no factory: the JDK's own MulticastSocket.
        try (ChildJvm onKernel = ChildJvm.onClassPath(probe, args))
        {
            assertEquals(0, onKernel.waitFor(RUN), onKernel::describe);
            kernelOutput = onKernel.stdout();
        }
        // Two answers come from the JDK's own NetMulticastSocket, which wraps every DatagramSocketImpl a factory
        // makes (the agent's way in) and checks before the impl is asked; the JDK's own adaptor answers otherwise.
        final String agentsJdk = kernelOutput
            .replace("join unresolved: java.lang.IllegalArgumentException: Unresolved address",
                "join unresolved: java.lang.NullPointerException: Cannot invoke \"java.net.InetAddress"
                + ".isMulticastAddress()\" because the return value of \"java.net.InetSocketAddress.getAddress()\" "
                + "is null")
            .replace("ttl 256: java.lang.IllegalArgumentException: Invalid TTL/hop value",
                "ttl 256: java.lang.IllegalArgumentException: ttl out of range");
        assertEquals(agentsJdk, stackOutput);
    }

    @Test
    void shouldPublishToAKernelReceiverWithAnUnmodifiedMulticastSocketUnderTheAgent() throws Exception
    {
        final String group = "239.1.2.6";
        final String port = "31012";
        try (BackgroundCommand udp = capture("udp port " + port);
            ChildJvm receiver = ChildJvm.inNamespace(peer.namespace(), RECEIVER, group, port,
                peer.kernelInterface(), COUNT, "socket", "20"))
        {
            awaitStarted(receiver, "receiving " + group + ":" + port);
            try (ChildJvm publisher = ChildJvm.withAgent(config, PUBLISHER, group, port, peer.stackInterface(),
                COUNT, "20000", "64", "3"))
            {
                assertEquals(0, publisher.waitFor(RUN), publisher::describe);
            }
            assertEquals(0, receiver.waitFor(RUN), receiver::describe);
            assertTrue(receiver.stdout().contains("received " + COUNT + " lost 0 late 0"), receiver::describe);
            // Sent by the stack, from its address, not by this namespace's kernel from 198.51.100.15.
            assertTrue(udp.awaitOutput("IP " + stack + ".", RUN), udp.stdout());
            assertTrue(!udp.stdout().contains("198.51.100.15"), udp.stdout());
        }
    }
}
