package org.jbypass.provider.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.jbypass.provider.driver.AfPacketOptions.RxRing;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.CommandResult;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.KernelPeerStack;
import org.jbypass.provider.testing.KernelScript;
import org.jbypass.provider.testing.KernelPeerStack.Idle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stack against the Linux kernel: a {@link KernelPeer} namespace whose kernel has 198.18.X.1/24 on one end of
 * a veth pair, and the stack (no kernel address) at 198.18.X.2 over afpacket on the other ({@link KernelPeerStack}).
 * From the kernel's side: ARP both ways, ping (also 4000-byte, fragmented both ways), UDP echo in both directions
 * with the kernel's own sockets, 4000-byte UDP datagrams at MTU 1500 both ways compared by SHA-256, and
 * ECONNREFUSED for a kernel socket that sends to a closed stack port. After each test the stack's counters show no
 * unexpected drop, and closing returns every packet buffer to the pool. Needs root, iproute2, ethtool, ping and
 * python3; skipped with the reason otherwise.
 */
class KernelUdpInteropTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final int BIG = 4000;

    private static KernelScript script;

    private KernelPeer peer;
    private KernelPeerStack stack;

    @BeforeAll
    static void needsRootAndTools() throws IOException
    {
        KernelPeer.assumeAvailable();
        assumeTrue(Host.tool("ping") != null, "needs iputils `ping` (apt-get install iputils-ping)");
        script = KernelScript.load(KernelUdpInteropTest.class, "kernel_udp.py");
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
    void shouldBeResolvedByTheKernelAndAnswerItsPings()
    {
        final CommandResult ping = kernelPing(3, 56);
        assertTrue(ping.stdout().contains("3 received"), ping.describe());
        // The kernel learnt the stack's MAC by ARP (RFC 826): the stack answered its request.
        final String neighbour = peer.neighbour(peer.stackAddress());
        assertTrue(neighbour.contains("lladdr " + MacAddress.toString(stack.mac())), neighbour);
        stack.call(s ->
        {
            assertTrue(s.ipCounters().arpRequestsReceived >= 1 && s.ipCounters().arpRepliesSent >= 1,
                stack.describeCounters());
            assertTrue(s.ipCounters().icmpInEchos >= 3 && s.ipCounters().icmpOutEchoReps >= 3);
            return null;
        });
    }

    @Test
    void shouldAnswerFragmentedPingsWithFragmentedReplies()
    {
        // 4000 bytes of ICMP data at MTU 1500: the kernel's request arrives in three fragments that the stack
        // reassembles; the stack fragments its reply, which the kernel reassembles (RFC 791 section 3.2).
        final CommandResult ping = kernelPing(3, BIG);
        assertTrue(ping.stdout().contains("3 received"), ping.describe());
        assertTrue(ping.stdout().contains((BIG + 8) + " bytes from " + Ipv4Address.toString(peer.stackAddress())),
            ping.stdout());
        // The largest echo request there is: 65507 bytes of data, 45 fragments each way.
        final CommandResult largest = kernelPing(2, 65507);
        assertTrue(largest.stdout().contains("2 received"), largest.describe());
        stack.call(s ->
        {
            assertTrue(s.ipCounters().ipReasmOks >= 5, stack.describeCounters());
            assertTrue(s.ipCounters().ipFragCreates >= 9 + 2 * 45, stack.describeCounters());
            return null;
        });
    }

    @Test
    void shouldResolveTheKernelAndDeliverADatagramToIt() throws Exception
    {
        try (BackgroundCommand receiver = kernel("recv", "9000", "1", "10"))
        {
            awaitReady(receiver);
            final byte[] data = payload(1, 100);
            final UdpSocket socket = stack.call(Stack::openUdp);
            // The ARP cache is empty: the datagram waits for the kernel's ARP reply, then goes.
            assertEquals(100, stack.op(s -> socket.send(ByteBuffer.wrap(data), peer.kernelAddress(), 9000)));
            assertEquals(0, receiver.waitFor(TIMEOUT), receiver.stderr());
            final String line = receiver.stdout().lines().filter(l -> l.startsWith("from ")).findFirst().orElse("");
            final int port = stack.op(s -> socket.localPort());
            assertEquals("from " + Ipv4Address.toString(peer.stackAddress()) + " " + port + " 100 " + sha256(data),
                line);
            stack.call(s ->
            {
                assertEquals(peer.kernelMac(), stack.netInterface().arpLookup(peer.kernelAddress()));
                assertTrue(s.ipCounters().arpRequestsSent >= 1 && s.ipCounters().arpRepliesReceived >= 1);
                socket.close();
                return null;
            });
        }
    }

    @ParameterizedTest
    @EnumSource(RxRing.class)
    void shouldEchoTheKernelsDatagrams(final RxRing ring) throws Exception
    {
        restartStack(ring);
        final Consumer<Stack> echo = echoServer(7);
        // Sizes from empty to a full frame (1472) and beyond: 1473, 4000 and the largest UDP datagram, 65507 bytes
        // (45 fragments), are fragmented both ways.
        try (BackgroundCommand client = kernel("echo-client", Ipv4Address.toString(peer.stackAddress()), "7",
            "0,1,18,100,1000,1472,1473,4000,65507", "180", "10", "5"))
        {
            assertEquals(0, client.waitFor(TIMEOUT), client.stderr() + "\n" + stack.describeCounters());
            assertTrue(client.stdout().contains("echoed 180"), client.stdout());
        }
        stack.removePollTask(echo);
        stack.call(s ->
        {
            assertEquals(180, s.udpCounters().inDatagrams, stack.describeCounters());
            assertEquals(180, s.udpCounters().outDatagrams);
            return null;
        });
    }

    @Test
    void shouldGetItsDatagramsEchoedByTheKernel() throws Exception
    {
        try (BackgroundCommand server = kernel("echo-server", "7007"))
        {
            awaitReady(server);
            final UdpSocket socket = stack.call(Stack::openUdp);
            stack.listen(socket);
            assertEquals(0, stack.op(s -> socket.connect(peer.kernelAddress(), 7007)));
            assertEchoedOneByOne(stack, socket, new int[] {0, 1, 18, 100, 1000, 1472, 1473, 4000,
                UdpSocket.MAX_PAYLOAD}, 90, 100);
            stack.closeAll(socket);
        }
    }

    /**
     * Sends {@code count} datagrams, of {@code sizes} in turn, on the connected {@code socket} to a kernel echo
     * server, each back intact before the next goes.
     */
    static void assertEchoedOneByOne(final KernelPeerStack stack, final UdpSocket socket, final int[] sizes,
        final int count, final long seed) throws InterruptedException
    {
        final ByteBuffer back = ByteBuffer.allocate(65536);
        for (int i = 0; i < count; i++)
        {
            final byte[] data = payload(seed + i, sizes[i % sizes.length]);
            assertEquals(data.length, stack.op(s -> socket.send(ByteBuffer.wrap(data), 0, 0)));
            final Integer n = stack.awaitCondition(s ->
            {
                back.clear();
                final int r = socket.receive(back);
                return r == -Errno.EAGAIN ? null : r;
            }, TIMEOUT);
            assertNotNull(n, "datagram " + i + " of " + data.length + " bytes was not echoed; "
                + stack.describeCounters());
            assertEquals(data.length, n.intValue(), "datagram " + i);
            final byte[] got = new byte[n];
            back.flip().get(got);
            assertArrayEquals(data, got, "datagram " + i);
        }
    }

    @Test
    void shouldReceive4000ByteDatagramsFromTheKernel() throws Exception
    {
        // The kernel fragments each datagram at MTU 1500 (1480 + 1480 + 1048 bytes of IP payload); the stack
        // reassembles it and delivers the exact bytes, compared by SHA-256.
        final UdpSocket socket = stack.call(Stack::openUdp);
        stack.listen(socket);
        assertEquals(0, stack.op(s -> socket.bind(0, 9100)));
        receiveAsSent(stack, socket, kernel("send", Ipv4Address.toString(peer.stackAddress()), "9100",
            Integer.toString(BIG), "10", "50"), 10);
        stack.call(s ->
        {
            assertTrue(s.ipCounters().ipReasmOks >= 10, stack.describeCounters());
            socket.close();
            return null;
        });
    }

    /**
     * A kernel sender with UDP_SEGMENT: each send leaves its socket as one super-datagram (GSO_UDP_L4), which the
     * veth passes to its peer whole and afpacket hands the stack with a virtio_net_hdr; the stack cuts it into the
     * datagrams it carries, as Linux's receive path does (udp_rcv_segment()), every one compared by SHA-256.
     */
    @Test
    void shouldReceiveTheKernelsUdpSegmentTrainsAsTheirDatagrams() throws Exception
    {
        // The veth as Linux makes it (GSO on): with it off, the kernel cuts the datagrams before the veth. The
        // peer and stack made for every test give way to such a pair (stop() closes and checks these).
        stack.close();
        peer.close();
        stack = null;
        peer = KernelPeer.createWithDefaultOffloads();
        stack = KernelPeerStack.start(peer);
        final UdpSocket socket = stack.call(Stack::openUdp);
        stack.listen(socket);
        assertEquals(0, stack.op(s -> socket.bind(0, 9150)));
        receiveSegmented(stack, socket, kernel("send-segmented", Ipv4Address.toString(peer.stackAddress()), "9150",
            "1200", Integer.toString(12 * 1200 + 5), "8", "70"), 8 * 13);
        stack.closeAll(socket);
    }

    /**
     * Receives {@code datagrams} datagrams on {@code socket} from a kernel {@code send-segmented} command, checks
     * them against what it says it sent (by SHA-256, in any order) and that at least one arrived as a
     * super-datagram.
     */
    static void receiveSegmented(final KernelPeerStack stack, final UdpSocket socket,
        final BackgroundCommand command, final int datagrams) throws Exception
    {
        receiveAsSent(stack, socket, command, datagrams);
        stack.call(s ->
        {
            assertTrue(s.ipCounters().superFramesReceived > 0, "super-datagrams came whole: "
                + stack.describeCounters());
            assertEquals(0, s.ipCounters().superFramesGathered, "and were cut straight out of their chains: "
                + stack.describeCounters());
            return null;
        });
    }

    /**
     * Receives {@code datagrams} datagrams on {@code socket} from a kernel {@code send} or {@code send-segmented}
     * command and checks them against what it says it sent, by SHA-256, in any order.
     */
    static void receiveAsSent(final KernelPeerStack stack, final UdpSocket socket, final BackgroundCommand command,
        final int datagrams) throws Exception
    {
        try (BackgroundCommand sender = command)
        {
            assertEquals(0, sender.waitFor(TIMEOUT), sender.stderr());
            final List<String> received = new ArrayList<>();
            final ByteBuffer buffer = ByteBuffer.allocate(65536);
            while (received.size() < datagrams)
            {
                final String digest = stack.awaitCondition(s ->
                {
                    buffer.clear();
                    final int n = socket.receive(buffer);
                    if (n < 0)
                    {
                        return null;
                    }
                    final byte[] data = new byte[n];
                    buffer.flip().get(data);
                    return "sent " + n + " " + sha256(data);
                }, TIMEOUT);
                assertNotNull(digest, "datagram " + received.size() + " missing; " + stack.describeCounters());
                received.add(digest);
            }
            // Every datagram, intact, once: compared as multisets. UDP promises no order, and Linux does reorder
            // here. The first datagrams wait in the kernel's neighbour queue for the stack's ARP reply, and a
            // datagram sent the moment the reply lands can go straight out while that queue is still being flushed
            // on another CPU; veth's netif_rx queues each train of a segmenting sender on the backlog of the CPU the
            // sender ran on, and a sender that moved between the two CPUs had a later train delivered first (seen in
            // CI: train 4 before train 1).
            assertEquals(sender.stdout().lines().filter(l -> l.startsWith("sent ")).sorted().toList(),
                received.stream().sorted().toList());
        }
    }

    @Test
    void shouldSend4000ByteDatagramsToTheKernel() throws Exception
    {
        try (BackgroundCommand receiver = kernel("recv", "9200", "10", "10"))
        {
            awaitReady(receiver);
            final UdpSocket socket = stack.call(Stack::openUdp);
            assertEquals(0, stack.op(s -> socket.connect(peer.kernelAddress(), 9200)));
            final List<String> expected = new ArrayList<>();
            final String from = "from " + Ipv4Address.toString(peer.stackAddress()) + " "
                + stack.op(s -> socket.localPort()) + " ";
            for (int i = 0; i < 10; i++)
            {
                final byte[] data = payload(200 + i, BIG);
                expected.add(from + BIG + " " + sha256(data));
                assertEquals(BIG, stack.op(s -> socket.send(ByteBuffer.wrap(data), 0, 0)));
            }
            assertEquals(0, receiver.waitFor(TIMEOUT), receiver.stderr() + "\n" + stack.describeCounters());
            assertEquals(expected, receiver.stdout().lines().filter(l -> l.startsWith("from ")).toList());
            stack.call(s ->
            {
                assertTrue(s.ipCounters().ipFragCreates >= 30, stack.describeCounters());
                socket.close();
                return null;
            });
        }
    }

    @Test
    void shouldRefuseAKernelSocketSendingToAClosedPort() throws Exception
    {
        // RFC 1122 4.1.3.1: a datagram to a port nobody serves gets an ICMP port unreachable, which Linux reports
        // to the connected socket as ECONNREFUSED on its next operation.
        try (BackgroundCommand client = kernel("refused", Ipv4Address.toString(peer.stackAddress()), "9999", "5"))
        {
            assertEquals(0, client.waitFor(TIMEOUT), client.stderr() + "\n" + stack.describeCounters());
            assertTrue(client.stdout().contains("refused ECONNREFUSED"), client.stdout());
        }
        stack.call(s ->
        {
            assertEquals(1, s.udpCounters().noPorts, stack.describeCounters());
            assertEquals(1, s.ipCounters().icmpOutDestUnreachs);
            return null;
        });
    }

    @Test
    void shouldLearnOfTheKernelsPortUnreachable() throws Exception
    {
        // The other way round: the kernel answers a datagram to a port it does not serve with ICMP port
        // unreachable, which the stack reports to its connected socket as ECONNREFUSED, once.
        final UdpSocket socket = stack.call(Stack::openUdp);
        stack.listen(socket);
        assertEquals(0, stack.op(s -> socket.connect(peer.kernelAddress(), 9999)));
        assertEquals(5, stack.op(s -> socket.send(ByteBuffer.wrap(new byte[5]), 0, 0)));
        final ByteBuffer buffer = ByteBuffer.allocate(64);
        final Integer error = stack.awaitCondition(s ->
        {
            final int r = socket.receive(buffer.clear());
            return r == -Errno.EAGAIN ? null : r;
        }, TIMEOUT);
        assertEquals(-Errno.ECONNREFUSED, error, stack.describeCounters());
        assertEquals(-Errno.EAGAIN, stack.op(s -> socket.receive(buffer.clear())), "reported once");
        stack.call(s ->
        {
            assertEquals(1, s.ipCounters().icmpInDestUnreachs, stack.describeCounters());
            socket.close();
            return null;
        });
    }

    // ------------------------------------------------------------------------------------------------------------

    private void restartStack(final RxRing ring)
    {
        stack.close();
        stack = null;
        stack = KernelPeerStack.start(peer, ring, Idle.BLOCK);
    }

    /** A UDP echo on the stack at {@code port}, answering from the poller's thread ({@link KernelPeerStack#echo}). */
    private Consumer<Stack> echoServer(final int port)
    {
        final UdpSocket socket = stack.call(Stack::openUdp);
        assertEquals(0, stack.op(s -> socket.bind(0, port)));
        return stack.echo(socket);
    }

    private CommandResult kernelPing(final int count, final int size)
    {
        return peer.exec("ping", "-c", Integer.toString(count), "-i", "0.2", "-W", "5", "-s", Integer.toString(size),
            Ipv4Address.toString(peer.stackAddress()));
    }

    private BackgroundCommand kernel(final String... args)
    {
        return script.start(peer, args);
    }

    private static void awaitReady(final BackgroundCommand command) throws InterruptedException
    {
        assertTrue(command.awaitOutput("ready", TIMEOUT), command + ": " + command.stderr());
    }

    static byte[] payload(final long seed, final int size)
    {
        final byte[] data = new byte[size];
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < size; i++)
        {
            data[i] = (byte)random.nextInt(256);
        }
        return data;
    }

    static String sha256(final byte[] data)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
