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
 * The unmodified sample {@code MulticastReceiver} (a plain {@code java.net.MulticastSocket}, or a
 * {@code DatagramChannel} bound to the wildcard then joined) with an IPv6 group under the agent, against a kernel
 * publisher over a veth pair with IPv6: the socket, bound by the JDK to {@code [::]:PORT}, moves to the stack when
 * it joins on the stack's netdev, and receives the kernel's numbered stream without a loss. That the stack served
 * it is seen on the wire: this namespace's end of the veth has IPv6 disabled, so the MLD report tcpdump sees on the
 * kernel's end can only be the stack's.
 */
class VethMulticast6AppsIT extends VethFixture
{
    private static final String RECEIVER = "org.jbypass.samples.MulticastReceiver";
    private static final String PUBLISHER = "org.jbypass.samples.MulticastPublisher";
    private static final String COUNT = "2000";

    @Override
    boolean ipv6()
    {
        return true;
    }

    @Override
    String extraConfiguration()
    {
        return "interface.veth.address6 = " + peer.stackAddress6() + "/64\n";
    }

    @BeforeEach
    void nameTheStackInterface()
    {
        assumeTrue(Host.tool("tcpdump") != null, "needs tcpdump to see who joined (apt-get install tcpdump)");
        // The JDK lists only netdevs with an address: the stack's veth end gets one of the host's own.
        final CommandResult added = Host.run("ip", "addr", "add", "198.51.100.16/32", "dev", peer.stackInterface());
        assertEquals(0, added.exitCode(), added.describe());
    }

    private void receiveTheKernelsStream(final String mode, final String group, final String port) throws Exception
    {
        try (BackgroundCommand mld = peer.start("tcpdump", "-i", peer.kernelInterface(), "-n", "-l", "-v",
            "ip6 and not udp"))
        {
            assertTrue(mld.awaitOutput("listening on", START), mld.stderr());
            try (ChildJvm receiver = ChildJvm.withAgent(config, RECEIVER, group, port, peer.stackInterface(), COUNT,
                mode, "20"))
            {
                // The JDK prints an IPv6 address uncompressed, tcpdump compressed.
                awaitStarted(receiver, "receiving " + java.net.InetAddress.getByName(group).getHostAddress() + ":"
                    + port);
                assertTrue(mld.awaitOutput("[gaddr " + group + " to_ex, 0 source(s)]", RUN), mld.stdout());
                try (ChildJvm publisher = ChildJvm.inNamespace(peer.namespace(), PUBLISHER, group, port,
                    peer.kernelInterface(), COUNT, "20000"))
                {
                    assertEquals(0, publisher.waitFor(RUN), publisher::describe);
                }
                assertEquals(0, receiver.waitFor(RUN), receiver::describe);
                assertTrue(receiver.stdout().contains("received " + COUNT + " lost 0 late 0"), receiver::describe);
            }
        }
    }

    @Test
    void shouldReceiveAKernelStreamToAnIpv6GroupWithAnUnmodifiedMulticastSocketUnderTheAgent() throws Exception
    {
        receiveTheKernelsStream("socket", "ff15::1:2:4", "31020");
    }

    @Test
    void shouldReceiveAKernelStreamToAnIpv6GroupWithAChannelBoundToTheWildcardThenJoined() throws Exception
    {
        receiveTheKernelsStream("channel", "ff15::1:2:5", "31021");
    }
}
