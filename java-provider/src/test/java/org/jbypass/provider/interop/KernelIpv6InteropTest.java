package org.jbypass.provider.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.MacAddress;
import org.jbypass.provider.testing.CommandResult;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.KernelPeerStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * IPv6 against the Linux kernel: a {@link KernelPeer} namespace whose kernel has 2001:db8:X::1/64 (and its
 * link-local address) on one end of a veth pair with the offloads Linux sets up, and the stack at 2001:db8:X::2
 * over afpacket on the other. Neighbour discovery both ways (the kernel's {@code ip -6 neigh} shows the stack's MAC;
 * the stack resolves the kernel), {@code ping -6} both ways including 8000-byte echoes fragmented both ways,
 * duplicate address detection finding the kernel on the stack's address, and the path MTU after a packet too big
 * from the kernel acting as a router. After each test the stack's counters show no unexpected drop, and closing
 * returns every packet buffer. Needs root, iproute2, ethtool and ping; skipped with the reason otherwise.
 */
class KernelIpv6InteropTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private KernelPeer peer;
    private KernelPeerStack stack;
    private long[] stackAddress;
    private long[] kernelAddress;

    @BeforeAll
    static void needsRootAndTools()
    {
        KernelPeer.assumeAvailable();
        assumeTrue(Host.tool("ping") != null, "needs iputils `ping` (apt-get install iputils-ping)");
    }

    /** A peer, and a stack on it with 2001:db8:X::2/64 (DAD with {@code dadTransmits} solicitations). */
    private void start(final int dadTransmits, final boolean kernelHoldsStackAddress)
    {
        peer = KernelPeer.createWithIpv6();
        stack = KernelPeerStack.startOrClose(peer, p ->
        {
            if (kernelHoldsStackAddress)
            {
                p.execOrThrow("ip", "-6", "address", "add", p.stackAddress6() + "/64", "dev", p.kernelInterface(),
                    "nodad");
            }
            return KernelPeerStack.startWithIpv6(p, dadTransmits);
        });
        stackAddress = stack.addStackAddress6();
        kernelAddress = Ipv6Address.parse(peer.kernelAddress6());
    }

    @AfterEach
    void stop()
    {
        KernelPeerStack.closeAfterTest(stack, peer, KernelIpv6InteropTest::describe6);
    }

    @Test
    void shouldBeResolvedByTheKernelAndAnswerItsPings() throws Exception
    {
        start(1, false);
        awaitPreferred();
        final CommandResult ping = kernelPing(3, 56);
        assertTrue(ping.stdout().contains("3 received"), ping.describe() + describe());
        // RFC 4861 7.2.4: the stack answered the kernel's solicitation with its MAC.
        final String neighbour = peer.neighbour6(peer.stackAddress6());
        assertTrue(neighbour.contains("lladdr " + MacAddress.toString(stack.mac())), neighbour);
        // And at its link-local address, derived from its MAC (RFC 4291 appendix A), once DAD passed for it too.
        final long ll = Ipv6Address.eui64(stack.mac());
        assertTrue(await(s -> s.ipv6().addressState(Ipv6Address.LINK_LOCAL_HI, ll) == 2), describe());
        final String linkLocal = Ipv6Address.toString(Ipv6Address.LINK_LOCAL_HI, ll);
        final CommandResult local = peer.exec("ping", "-6", "-c", "2", "-i", "0.2", "-W", "5",
            linkLocal + "%" + peer.kernelInterface());
        assertTrue(local.stdout().contains("2 received"), local.describe() + describe());
        stack.call(s ->
        {
            assertTrue(s.ipCounters().ndpInSolicits >= 1 && s.ipCounters().ndpOutAdverts >= 1, describe6(s));
            assertTrue(s.ipCounters().icmp6InEchos >= 3 && s.ipCounters().icmp6OutEchoReplies >= 3, describe6(s));
            return null;
        });
    }

    @Test
    void shouldAnswerFragmentedPingsWithFragmentedReplies() throws Exception
    {
        start(0, false);
        // 8000 bytes of data at MTU 1500: six fragments each way (RFC 8200 section 4.5).
        final CommandResult ping = kernelPing(3, 8000);
        assertTrue(ping.stdout().contains("3 received"), ping.describe() + describe());
        assertTrue(ping.stdout().contains("8008 bytes from " + peer.stackAddress6()), ping.stdout());
        stack.call(s ->
        {
            assertTrue(s.ipCounters().ip6ReasmOks >= 3, describe6(s));
            assertTrue(s.ipCounters().ip6FragCreates >= 3 * 6, describe6(s));
            return null;
        });
    }

    @Test
    void shouldResolveTheKernelAndPingItWithFragmentedEchoes() throws Exception
    {
        start(0, false);
        final byte[] data = new byte[8000];
        new SplittableRandom(15).nextBytes(data);
        for (int seq = 1; seq <= 3; seq++)
        {
            final int sequence = seq;
            final int sent = stack.call(s -> sendEcho(s, 0x6A62, sequence, data));
            assertEquals(0, sent, describe());
        }
        // The stack resolved the kernel (RFC 4861 7.2.2) and the kernel's fragmented replies were reassembled.
        assertTrue(await(s -> s.ipCounters().icmp6InEchoReplies >= 3), describe());
        stack.call(s ->
        {
            assertEquals(peer.kernelMac(), s.ipv6().neighbor(stack.netInterface(), kernelAddress[0],
                kernelAddress[1]), describe6(s));
            assertTrue(s.ipCounters().ndpOutSolicits >= 1 && s.ipCounters().ndpInAdverts >= 1, describe6(s));
            assertTrue(s.ipCounters().ip6ReasmOks >= 3 && s.ipCounters().ip6FragCreates >= 18, describe6(s));
            return null;
        });
        // And the kernel learnt the stack's MAC from its solicitation's source link-layer option.
        final String neighbour = peer.neighbour6(peer.stackAddress6());
        assertTrue(neighbour.contains("lladdr " + MacAddress.toString(stack.mac())), neighbour);
    }

    @Test
    void shouldDetectTheKernelHoldingItsAddress() throws Exception
    {
        start(1, true);
        // RFC 4862 5.4.4: the kernel answers the stack's DAD solicitation; the address is a duplicate, never used.
        assertTrue(await(s -> s.ipv6().addressState(stackAddress[0], stackAddress[1]) == 3), describe());
        // The link-local address, which nobody else holds, passes.
        final long ll = Ipv6Address.eui64(stack.mac());
        assertTrue(await(s -> s.ipv6().addressState(Ipv6Address.LINK_LOCAL_HI, ll) == 2), describe());
        stack.call(s ->
        {
            assertEquals(1, s.ipCounters().dadDuplicates, describe6(s));
            assertEquals(1, s.ipCounters().dadSucceeded, describe6(s));
            // The duplicate is no source: towards the kernel's global address the stack can use only link-local.
            assertTrue(s.ipv6().selectSource(kernelAddress[0], kernelAddress[1]));
            // Scoped to the interface it leaves by (RFC 4007; Ipv6Address.withScope), fe80:: on the wire.
            assertEquals(Ipv6Address.LINK_LOCAL_HI, Ipv6Address.withoutScope(s.ipv6().sourceHi()));
            assertEquals(stack.netInterface().index() + 1, Ipv6Address.scope(s.ipv6().sourceHi()));
            return null;
        });
        // The kernel pinging that address gets its own answer, never the stack's.
        final CommandResult ping = kernelPing(1, 56);
        assertTrue(ping.stdout().contains("1 received"), ping.describe());
        stack.call(s ->
        {
            assertEquals(0, s.ipCounters().icmp6InEchos, describe6(s));
            return null;
        });
    }

    @Test
    void shouldLowerThePathMtuOnTheKernelsPacketTooBig() throws Exception
    {
        start(0, false);
        // The kernel routes 2001:db8:ffXX::/64 to a link of MTU 1300 (a veth pair inside its namespace): a larger
        // packet from the stack gets a packet too big (RFC 4443 section 3.2) from the kernel as a router.
        final String far = "2001:db8:ff" + peer.kernelAddress6().substring(9, peer.kernelAddress6().indexOf("::"))
            + "::1";
        final String farNet = far.substring(0, far.length() - 1) + "/64";
        peer.execOrThrow("sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1");
        peer.execOrThrow("ip", "link", "add", "narrow", "mtu", "1300", "type", "veth", "peer", "name", "narrowp",
            "mtu", "1300");
        peer.execOrThrow("ip", "link", "set", "narrow", "up");
        peer.execOrThrow("ip", "link", "set", "narrowp", "up");
        peer.execOrThrow("ip", "-6", "route", "add", farNet, "dev", "narrow");
        final long[] farAddress = Ipv6Address.parse(far);
        stack.call(s ->
        {
            s.addRoute6(farAddress[0], 0, 64, stack.netInterface(), kernelAddress[0], kernelAddress[1]);
            return null;
        });
        assertEquals(1500, (int)stack.call(s -> s.ipv6().pathMtu(farAddress[0], farAddress[1])));
        final byte[] data = new byte[1400];
        assertEquals(0, (int)stack.call(s -> sendEchoTo(s, farAddress, 1, 1, data)));
        assertTrue(await(s -> s.ipv6().pathMtu(farAddress[0], farAddress[1]) == 1300), describe());
        // What the stack sends there now goes in fragments of at most 1300 bytes, and the kernel forwards them.
        assertEquals(0, (int)stack.call(s -> sendEchoTo(s, farAddress, 1, 2, data)));
        stack.call(s ->
        {
            assertEquals(1, s.ipCounters().pmtuLearned, describe6(s));
            assertTrue(s.ipCounters().icmp6InPktTooBigs >= 1, describe6(s));
            assertTrue(s.ipCounters().ip6FragCreates >= 2, describe6(s));
            return null;
        });
    }

    /** Sends an ICMPv6 echo request to the kernel from the stack, as `ping -6` would. */
    private int sendEcho(final Stack s, final int id, final int seq, final byte[] data)
    {
        return sendEchoTo(s, kernelAddress, id, seq, data);
    }

    private int sendEchoTo(final Stack s, final long[] to, final int id, final int seq, final byte[] data)
    {
        final ByteBuffer message = ByteBuffer.allocate(8 + data.length);
        message.put(8, data);
        new Icmpv6Header().wrap(message, 0, message.capacity()).type(Icmpv6Header.TYPE_ECHO_REQUEST).code(0)
            .rest((id << 16) | seq).computeChecksum(stackAddress[0], stackAddress[1], to[0], to[1]);
        return s.ipv6().sendFromMemory(message, 0, message.capacity(), stackAddress[0], stackAddress[1], to[0], to[1],
            Ipv6Header.NEXT_ICMPV6, 0, 64);
    }

    private void awaitPreferred() throws InterruptedException
    {
        assertTrue(await(s -> s.ipv6().addressState(stackAddress[0], stackAddress[1]) == 2), describe());
    }

    /** Waits for a condition on the stack's state, checked every few milliseconds up to {@link #TIMEOUT}. */
    private boolean await(final Function<Stack, Boolean> condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0)
        {
            if (stack.call(condition))
            {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    private CommandResult kernelPing(final int count, final int size)
    {
        return peer.exec("ping", "-6", "-c", Integer.toString(count), "-i", "0.2", "-W", "5", "-s",
            Integer.toString(size), peer.stackAddress6());
    }

    private String describe()
    {
        return "\n" + stack.describeCounters() + "\n" + stack.call(KernelIpv6InteropTest::describe6);
    }

    private static String describe6(final Stack s)
    {
        final org.jbypass.netstack.ip.IpCounters c = s.ipCounters();
        return "ip6{in=" + c.ip6InReceives + " delivers=" + c.ip6InDelivers + " addrErrors=" + c.ip6InAddrErrors
            + " tentative=" + c.ip6InTentative + " notJoined=" + c.ip6InMulticastNotJoined + " reasmOk="
            + c.ip6ReasmOks + " reasmFails=" + c.ip6ReasmFails + " out=" + c.ip6OutRequests + " fragCreates="
            + c.ip6FragCreates + "} icmp6{in=" + c.icmp6InMsgs + " errors=" + c.icmp6InErrors + " echos="
            + c.icmp6InEchos + " echoReplies=" + c.icmp6InEchoReplies + " ptb=" + c.icmp6InPktTooBigs + " ignored="
            + c.icmp6InIgnored + " out=" + c.icmp6OutMsgs + "} ndp{nsIn=" + c.ndpInSolicits + " naIn="
            + c.ndpInAdverts + " invalid=" + c.ndpInInvalid + " nsOut=" + c.ndpOutSolicits + " naOut="
            + c.ndpOutAdverts + " dadOk=" + c.dadSucceeded + " dup=" + c.dadDuplicates + " failures="
            + c.ndpResolutionFailures + "} pmtu{learned=" + c.pmtuLearned + "} " + s.ipv6().describeRoutes();
    }
}
