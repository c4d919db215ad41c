package org.jbypass.provider.interop;

import static org.jbypass.provider.interop.StackNetdev.same;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet6Address;
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
import java.util.Properties;

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
 * {@code DatagramChannel} multicast to IPv6 groups on the provider, with the stack on afpacket over a {@link
 * KernelPeer}'s veth with IPv6: INET6 channels joined on the stack interface's netdev are served by the stack, get
 * the kernel's stream (source-specific joins and blocks filtering a second sender), send to the kernel's joined
 * socket with their hop limit, move to the stack from the kernel when bound to the wildcard, and answer the JDK's
 * error cases as the JDK's own channel does.
 */
class ProviderMulticast6InteropTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String GROUP_TEXT = "ff15::1:2:3";
    private static final int PORT = 31007;

    private static KernelScript script;

    private KernelPeer peer;
    private BypassSelectorProvider provider;
    private NetworkInterface stackNif;
    private InetAddress group;

    @BeforeAll
    static void needsRootAndTools() throws IOException
    {
        KernelPeer.assumeAvailable();
        script = KernelScript.load(ProviderMulticast6InteropTest.class, "kernel_multicast6.py");
    }

    @BeforeEach
    void start() throws IOException
    {
        peer = KernelPeer.createWithIpv6();
        provider = new BypassSelectorProvider(() ->
        {
            final Properties p = StackNetdev.afpacketConfig(peer, 15);
            p.setProperty("interface.v0.address6", peer.stackAddress6() + "/64");
            return ConfigParser.parse(null, p);
        }, new Drivers());
        stackNif = StackNetdev.listed(peer, "198.51.100.15");
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
    void shouldServeChannelsJoinedOnTheStackInterfaceAndFilterBySource() throws Exception
    {
        final String second = peer.kernelAddress6().replaceAll("::1$", "::3");
        peer.execOrThrow("ip", "-6", "addr", "add", second + "/64", "dev", peer.kernelInterface(), "nodad");
        final InetAddress kernel = InetAddress.getByName(peer.kernelAddress6());
        final InetAddress other = InetAddress.getByName(second);
        final List<DatagramChannel> members = new ArrayList<>();
        final List<MembershipKey> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            final DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET6);
            dc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            // Joined before it is bound, as the JDK allows: the interface chooses the stack.
            final MembershipKey key = i == 2 ? dc.join(group, stackNif, kernel) : dc.join(group, stackNif);
            assertTrue(((BypassDatagramChannel)dc).isStackBacked());
            assertSame(key, i == 2 ? dc.join(group, stackNif, kernel) : dc.join(group, stackNif));
            dc.bind(new InetSocketAddress(PORT));
            members.add(dc);
            keys.add(key);
        }
        keys.get(1).block(kernel);
        try (BackgroundCommand filtered = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "50", second,
            peer.kernelInterface()))
        {
            assertEquals(0, filtered.waitFor(TIMEOUT), filtered.stderr());
        }
        try (BackgroundCommand wanted = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "50",
            peer.kernelAddress6(), peer.kernelInterface()))
        {
            assertEquals(0, wanted.waitFor(TIMEOUT), wanted.stderr());
        }
        // Member 0: both senders; member 1 blocked the kernel's address; member 2 joined for it alone.
        assertEquals(expected(other, kernel), receive(members.get(0), 100));
        assertEquals(expected(other), receive(members.get(1), 50));
        assertEquals(expected(kernel), receive(members.get(2), 50));
        for (final DatagramChannel dc : members)
        {
            dc.configureBlocking(false);
            assertEquals(null, dc.receive(ByteBuffer.allocate(64)), "nothing more");
            dc.close();
        }
        assertFalse(keys.get(0).isValid());
    }

    /**
     * Waits until the stack's address passed DAD (a source only then, RFC 4862 section 5.4): the kernel pings it
     * until it answers, bounded.
     */
    private void awaitStackAddress()
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (peer.exec("ping", "-6", "-c", "1", "-W", "1", peer.stackAddress6()).exitCode() != 0)
        {
            assertTrue(System.nanoTime() - deadline < 0, "the stack's address never answered");
        }
    }

    private static List<String> expected(final InetAddress... senders)
    {
        final List<String> out = new ArrayList<>();
        for (final InetAddress sender : senders)
        {
            for (int i = 0; i < 50; i++)
            {
                out.add(sender.getHostAddress() + " " + i);
            }
        }
        return out;
    }

    private static List<String> receive(final DatagramChannel dc, final int count) throws IOException
    {
        final List<String> got = new ArrayList<>();
        final ByteBuffer b = ByteBuffer.allocate(128);
        for (int i = 0; i < count; i++)
        {
            b.clear();
            final InetSocketAddress from = (InetSocketAddress)dc.receive(b);
            assertTrue(from.getAddress() instanceof Inet6Address, from.toString());
            assertEquals(64, b.position());
            got.add(from.getAddress().getHostAddress() + " " + b.getLong(0));
        }
        return got;
    }

    @Test
    void shouldSendToTheKernelsJoinedSocketWithTheMulticastOptions() throws Exception
    {
        try (BackgroundCommand receiver = script.start(peer, "recv", GROUP_TEXT, Integer.toString(PORT), "10", "10",
            peer.kernelInterface());
            DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET6))
        {
            assertTrue(receiver.awaitOutput("ready", TIMEOUT), receiver.stderr());
            dc.join(group, stackNif);
            awaitStackAddress();
            assertEquals(1, dc.getOption(StandardSocketOptions.IP_MULTICAST_TTL));
            dc.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 5);
            dc.setOption(StandardSocketOptions.IP_MULTICAST_IF, stackNif);
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
                expected.add("from " + peer.stackAddress6() + " " + port + " 64 5 " + i);
            }
            assertEquals(expected, receiver.stdout().lines().filter(l -> l.startsWith("from ")).toList());
            dc.configureBlocking(false);
            assertEquals(null, dc.receive(ByteBuffer.allocate(64)), "IP_MULTICAST_LOOP off: no copy of our own");
        }
    }

    @Test
    void shouldMoveAWildcardBoundChannelToTheStackAtAnIpv6Join() throws Exception
    {
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET6))
        {
            dc.bind(new InetSocketAddress(PORT));
            assertFalse(((BypassDatagramChannel)dc).isStackBacked(), "bind.wildcard = kernel: the kernel's");
            dc.join(group, stackNif);
            assertTrue(((BypassDatagramChannel)dc).isStackBacked(), "joined on a stack interface: moved");
            try (BackgroundCommand sender = script.start(peer, "send", GROUP_TEXT, Integer.toString(PORT), "50",
                peer.kernelAddress6(), peer.kernelInterface()))
            {
                assertEquals(0, sender.waitFor(TIMEOUT), sender.stderr());
            }
            assertEquals(expected(InetAddress.getByName(peer.kernelAddress6())), receive(dc, 50));
        }
    }

    /**
     * Each error case on a stack-served INET6 channel and on the JDK's own joined on the same netdev: the same
     * exception class and message, or the same success.
     */
    @Test
    void shouldAnswerTheJdksErrorCasesAsTheJdkDoes() throws Exception
    {
        try (DatagramChannel stack = provider.openDatagramChannel(StandardProtocolFamily.INET6);
            DatagramChannel jdk = DatagramChannel.open(StandardProtocolFamily.INET6);
            DatagramChannel stack4 = provider.openDatagramChannel(StandardProtocolFamily.INET);
            DatagramChannel jdk4 = DatagramChannel.open(StandardProtocolFamily.INET))
        {
            final MembershipKey stackKey = stack.join(group, stackNif);
            final MembershipKey jdkKey = jdk.join(group, stackNif);
            assertTrue(((BypassDatagramChannel)stack).isStackBacked());
            final InetAddress s1 = InetAddress.getByName("2001:db8:9::1");
            final InetAddress s2 = InetAddress.getByName("2001:db8:9::2");
            final InetAddress ssm = InetAddress.getByName("ff35::8000:1");
            stack4.join(InetAddress.getByName("239.1.2.3"), stackNif);
            same("an IPv6 group on an INET channel", () -> stack4.join(group, stackNif),
                () -> jdk4.join(group, stackNif));
            same("source-specific after any-source", () -> stack.join(group, stackNif, s1),
                () -> jdk.join(group, stackNif, s1));
            same("not a group", () -> stack.join(s1, stackNif), () -> jdk.join(s1, stackNif));
            same("an IPv4 source of an IPv6 group", () -> stack.join(ssm, stackNif,
                InetAddress.getByName("10.1.1.1")), () -> jdk.join(ssm, stackNif, InetAddress.getByName("10.1.1.1")));
            same("block", () -> stackKey.block(s1) != null, () -> jdkKey.block(s1) != null);
            same("block twice", () -> stackKey.block(s1) != null, () -> jdkKey.block(s1) != null);
            same("unblock, not blocked", () -> stackKey.unblock(s2), () -> jdkKey.unblock(s2));
            same("block the wildcard", () -> stackKey.block(InetAddress.getByName("::")),
                () -> jdkKey.block(InetAddress.getByName("::")));
            same("block a group", () -> stackKey.block(ssm), () -> jdkKey.block(ssm));
            same("unblock", () -> stackKey.unblock(s1) != null, () -> jdkKey.unblock(s1) != null);
            final MembershipKey stackSsm = stack.join(ssm, stackNif, s1);
            final MembershipKey jdkSsm = jdk.join(ssm, stackNif, s1);
            same("the same source-specific join", () -> stack.join(ssm, stackNif, s1) == stackSsm,
                () -> jdk.join(ssm, stackNif, s1) == jdkSsm);
            same("any-source after source-specific", () -> stack.join(ssm, stackNif),
                () -> jdk.join(ssm, stackNif));
            same("block on a source-specific key", () -> stackSsm.block(s2), () -> jdkSsm.block(s2));
            same("an IPv4 group on an INET6 channel", () -> stack.join(InetAddress.getByName("239.1.2.3"),
                stackNif) != null, () -> jdk.join(InetAddress.getByName("239.1.2.3"), stackNif) != null);
            same("hop limit 256", () -> stack.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 256) != null,
                () -> jdk.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 256) != null);
            stackKey.drop();
            jdkKey.drop();
            same("valid after drop", stackKey::isValid, jdkKey::isValid);
            stack.close();
            jdk.close();
            same("keys after close", stackSsm::isValid, jdkSsm::isValid);
            same("join after close", () -> stack.join(group, stackNif), () -> jdk.join(group, stackNif));
        }
    }
}
