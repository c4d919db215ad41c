package org.jbypass.provider.interop;

import static org.jbypass.provider.interop.StackNetdev.same;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.channel.BypassDatagramChannel;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.KernelScript;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code DatagramChannel} multicast on the provider, with the stack on afpacket over a {@link KernelPeer}'s veth:
 * a channel joined on the stack interface's netdev is served by the stack, gets the kernel's stream, sends to the
 * kernel's joined socket with its TTL, and answers the JDK's error cases as the JDK's own channel does.
 */
class ProviderMulticastInteropTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String GROUP_TEXT = "239.1.2.3";
    private static final int PORT = 31002;

    private static KernelScript script;

    private KernelPeer peer;
    private BypassSelectorProvider provider;
    private NetworkInterface stackNif;
    private InetAddress group;

    @BeforeAll
    static void needsRootAndTools() throws IOException
    {
        KernelPeer.assumeAvailable();
        script = KernelScript.load(ProviderMulticastInteropTest.class, "kernel_multicast.py");
    }

    @BeforeEach
    void start() throws IOException
    {
        peer = KernelPeer.create();
        provider = new BypassSelectorProvider(() -> ConfigParser.parse(null, StackNetdev.afpacketConfig(peer, 14)),
            new Drivers());
        stackNif = StackNetdev.listed(peer, "198.51.100.14");
        group = InetAddress.getByName(GROUP_TEXT);
    }

    @AfterEach
    void stop()
    {
        try
        {
            if (provider != null)
            {
                provider.shutdown();
            }
        }
        finally
        {
            peer.close();
        }
    }

    @Test
    void shouldServeAChannelJoinedOnTheStackInterfaceAndDeliverTheKernelsStreamToEveryMember() throws Exception
    {
        final List<DatagramChannel> members = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            final DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET);
            dc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            // Joined before it is bound, as the JDK allows: the interface chooses the stack.
            final MembershipKey key = dc.join(group, stackNif);
            assertTrue(((BypassDatagramChannel)dc).isStackBacked());
            assertTrue(key.isValid());
            assertSame(key, dc.join(group, stackNif), "the same membership, the same key");
            dc.bind(new InetSocketAddress(PORT));
            members.add(dc);
        }
        try (BackgroundCommand sender = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "100",
            Ipv4Address.toString(peer.kernelAddress())))
        {
            assertEquals(0, sender.waitFor(TIMEOUT), sender.stderr());
        }
        for (final DatagramChannel dc : members)
        {
            final ByteBuffer b = ByteBuffer.allocate(128);
            for (int i = 0; i < 100; i++)
            {
                b.clear();
                final InetSocketAddress from = (InetSocketAddress)dc.receive(b);
                assertEquals(Ipv4Address.toString(peer.kernelAddress()), from.getAddress().getHostAddress());
                assertEquals(64, b.position());
                assertEquals(i, b.getLong(0));
            }
        }
        for (final DatagramChannel dc : members)
        {
            dc.close();
        }
    }

    @Test
    void shouldSendToTheKernelsJoinedSocketWithTheMulticastOptions() throws Exception
    {
        try (BackgroundCommand receiver = script.start(peer, "recv", GROUP_TEXT, Integer.toString(PORT), "10", "10",
            Ipv4Address.toString(peer.kernelAddress()));
            DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET))
        {
            assertTrue(receiver.awaitOutput("ready", TIMEOUT), receiver.stderr());
            dc.join(group, stackNif);
            assertEquals(1, dc.getOption(StandardSocketOptions.IP_MULTICAST_TTL));
            assertEquals(true, dc.getOption(StandardSocketOptions.IP_MULTICAST_LOOP));
            assertNull(dc.getOption(StandardSocketOptions.IP_MULTICAST_IF));
            dc.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 5);
            dc.setOption(StandardSocketOptions.IP_MULTICAST_IF, stackNif);
            assertEquals(stackNif, dc.getOption(StandardSocketOptions.IP_MULTICAST_IF));
            dc.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, false);
            for (int i = 0; i < 10; i++)
            {
                final ByteBuffer b = ByteBuffer.allocate(64).putLong(0, i);
                assertEquals(64, dc.send(b, new InetSocketAddress(group, PORT)));
            }
            assertEquals(0, receiver.waitFor(TIMEOUT), receiver.stderr());
            final int port = ((InetSocketAddress)dc.getLocalAddress()).getPort();
            final List<String> expected = new ArrayList<>();
            for (int i = 0; i < 10; i++)
            {
                expected.add("from " + Ipv4Address.toString(peer.stackAddress()) + " " + port + " 64 5 " + i);
            }
            assertEquals(expected, receiver.stdout().lines().filter(l -> l.startsWith("from ")).toList());
        }
    }

    /**
     * Each error case on a stack-served channel and on the JDK's own (joined on the loopback interface): the same
     * exception class and message, or the same success.
     */
    @Test
    void shouldAnswerTheJdksErrorCasesAsTheJdkDoes() throws Exception
    {
        final NetworkInterface lo = NetworkInterface.getByName("lo");
        try (DatagramChannel stack = provider.openDatagramChannel(StandardProtocolFamily.INET);
            DatagramChannel jdk = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            final MembershipKey stackKey = stack.join(group, stackNif);
            final MembershipKey jdkKey = jdk.join(group, lo);
            assertTrue(((BypassDatagramChannel)stack).isStackBacked());
            final InetAddress s1 = InetAddress.getByName("10.1.1.1");
            final InetAddress s2 = InetAddress.getByName("10.1.1.2");
            final InetAddress ssm = InetAddress.getByName("232.1.1.1");
            same("source-specific after any-source", () -> stack.join(group, stackNif, s1),
                () -> jdk.join(group, lo, s1));
            same("not a group", () -> stack.join(s1, stackNif), () -> jdk.join(s1, lo));
            same("an IPv6 group", () -> stack.join(InetAddress.getByName("ff02::1"), stackNif),
                () -> jdk.join(InetAddress.getByName("ff02::1"), lo));
            same("block", () -> stackKey.block(s1) != null, () -> jdkKey.block(s1) != null);
            same("block twice", () -> stackKey.block(s1) != null, () -> jdkKey.block(s1) != null);
            same("unblock, not blocked", () -> stackKey.unblock(s2), () -> jdkKey.unblock(s2));
            same("block the wildcard", () -> stackKey.block(InetAddress.getByName("0.0.0.0")),
                () -> jdkKey.block(InetAddress.getByName("0.0.0.0")));
            same("block a group", () -> stackKey.block(ssm), () -> jdkKey.block(ssm));
            same("unblock", () -> stackKey.unblock(s1) != null, () -> jdkKey.unblock(s1) != null);
            final MembershipKey stackSsm = stack.join(ssm, stackNif, s1);
            final MembershipKey jdkSsm = jdk.join(ssm, lo, s1);
            same("the same source-specific join", () -> stack.join(ssm, stackNif, s1) == stackSsm,
                () -> jdk.join(ssm, lo, s1) == jdkSsm);
            same("any-source after source-specific", () -> stack.join(ssm, stackNif), () -> jdk.join(ssm, lo));
            same("block on a source-specific key", () -> stackSsm.block(s2), () -> jdkSsm.block(s2));
            same("a wildcard source", () -> stack.join(ssm, stackNif, InetAddress.getByName("0.0.0.0")),
                () -> jdk.join(ssm, lo, InetAddress.getByName("0.0.0.0")));
            same("TTL 256", () -> stack.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 256) != null,
                () -> jdk.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 256) != null);
            stackKey.drop();
            jdkKey.drop();
            same("valid after drop", stackKey::isValid, jdkKey::isValid);
            same("drop twice", () ->
            {
                stackKey.drop();
                return true;
            }, () ->
            {
                jdkKey.drop();
                return true;
            });
            stack.close();
            jdk.close();
            same("keys after close", stackSsm::isValid, jdkSsm::isValid);
            same("join after close", () -> stack.join(group, stackNif), () -> jdk.join(group, lo));
        }
    }

    @Test
    void shouldRefuseAKernelInterfaceOnAStackServedChannel() throws Exception
    {
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET))
        {
            dc.join(group, stackNif);
            final IOException e = assertThrows(IOException.class,
                () -> dc.join(InetAddress.getByName("239.9.9.9"), NetworkInterface.getByName("lo")));
            assertTrue(e.getMessage().contains("lo is not a stack interface"), e.getMessage());
        }
        // Joined first on a kernel interface, a channel stays the JDK's.
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET))
        {
            dc.join(group, NetworkInterface.getByName("lo"));
            assertFalse(((BypassDatagramChannel)dc).isStackBacked());
        }
    }
}
