package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.IpCounters;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * IPv6 between two complete stacks over the rdma driver's Direct Verbs datapath on two ports of the mlx5 model (the
 * model as the cable): each stack runs duplicate address detection, finds the other by neighbour discovery (the
 * solicitation goes to the solicited-node group's MAC, which the port's multicast copy rule carries to receive
 * queue 0 and the stack's MAC filter passes because the stack joined that group through {@code Link.addMulticast}),
 * and a TCP connection over IPv6 carries several MiB each way at once, checked by SHA-256. B has four receive queues
 * (RSS over the IPv6 addresses and TCP ports) and compressed completions; time is explicit and nothing sleeps.
 */
class RdmaTwoStacksIpv6OverModelTest
{
    private static final long MAC_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:0b:02");
    private static final int IP_A = Ipv4Address.parse("198.18.0.1");
    private static final int IP_B = Ipv4Address.parse("198.18.0.2");
    private static final long NET6 = 0x2001_0DB8_0000_0000L;
    private static final long A6 = 0xA;
    private static final long B6 = 0xB;
    private static final int PREFERRED = 2;

    private long now = 1_000_000_000L;
    private Stack a;
    private Stack b;
    private ModelPort portA;
    private ModelPort portB;
    private NetInterface nifA;
    private NetInterface nifB;

    /** Opens both ports; {@code maxTso} above 0 gives them LSO (and the checksum offload it needs). */
    private void open(final int maxTso)
    {
        // DAD on (one solicitation, RFC 4862 5.4): its solicitations cross the copy rule too.
        a = new Stack(StackConfig.builder().poolBuffers(8192).seed(1).ipv6(Ipv6Config.DEFAULT).build(), now);
        b = new Stack(StackConfig.builder().poolBuffers(8192).seed(2).ipv6(Ipv6Config.DEFAULT).build(), now);
        portA = ModelPort.open(RdmaOptions.builder("a").hostIf("model0").mac(MAC_A).rxQueueSize(1024)
            .txQueueSize(1024).build(), a.pool(), false, maxTso != 0, maxTso);
        portB = ModelPort.open(RdmaOptions.builder("b").hostIf("model0").mac(MAC_B).rxQueues(4).rxQueueSize(512)
            .txQueueSize(1024).build(), b.pool(), true, maxTso != 0, maxTso);
        nifA = a.addInterface("rdma0", portA.link, IP_A, 24, 0);
        nifB = b.addInterface("rdma0", portB.link, IP_B, 24, 0);
        a.addAddress6(nifA, NET6, A6, 64);
        b.addAddress6(nifB, NET6, B6, 64);
    }

    @AfterEach
    void close()
    {
        a.close();
        b.close();
        portA.close();
        portB.close();
        assertEquals(0, a.pool().inUse(), "stack A's pool is whole");
        assertEquals(0, b.pool().inUse(), "stack B's pool is whole");
    }

    /** One step of both hosts and the cable. */
    private void step(final long nanos)
    {
        now += nanos;
        a.poll(now);
        b.poll(now);
        ModelPort.wire(portA, portB);
    }

    @Test
    void shouldResolveByNeighbourDiscoveryAndMoveTcpOverIpv6()
    {
        open(0);
        resolveAndMoveTcp();
    }

    /**
     * With LSO on both ports (the model's TSO limit 64 KiB): the stacks see TX_TCP6_SEGMENTATION, send IPv6 TSO
     * super-segments as chains, each leaves as one LSO WQE with the IPv6 header inlined, the model cuts it as
     * ipv6_gso_segment does, and the streams arrive intact both ways.
     */
    @Test
    void shouldMoveTcpOverIpv6AsLsoSuperSegments()
    {
        open(65536);
        assertTrue((portA.link.capabilities() & LinkCapabilities.TX_TCP6_SEGMENTATION) != 0, "IPv6 LSO offered");
        resolveAndMoveTcp();
        final long wqesA = portA.stat(Mlx5ModelNative.TX_TSO_WQES);
        final long wqesB = portB.stat(Mlx5ModelNative.TX_TSO_WQES);
        assertTrue(wqesA > 10 && wqesB > 10, "both ways, IPv6 super-segments went out as LSO WQEs: " + wqesA + ", "
            + wqesB + "\n" + portA.link.describeCounters());
    }

    /**
     * IPv6 multicast over the model: B's socket joins a group (its MAC registered with the driver through
     * {@code Link.addMulticast}, as an IPv4 group's, RFC 2464 section 7), A sends a numbered stream to the group
     * with hop limit 1, and B's joined socket gets every datagram in order while B's socket on another group's port
     * gets none; after the leave, the frames are filtered by MAC again.
     */
    @Test
    void shouldCarryIpv6MulticastToAJoinedSocket()
    {
        open(0);
        awaitDad();
        final long groupHi = 0xFF15_0000_0000_0000L;
        final long groupLo = 0x0001_0002_0003L;
        final UdpSocket member = b.openUdp6(false);
        assertEquals(0, member.bind6(0, 0, 7100));
        assertEquals(0, member.joinGroup6(groupHi, groupLo, nifB.index()));
        final UdpSocket sender = a.openUdp6(false);
        for (int i = 0; i < 200; i++)
        {
            assertEquals(8, sender.send6(ByteBuffer.allocate(8).putLong(0, i), groupHi, groupLo, 7100));
            a.flush();
            step(20_000);
        }
        for (int i = 0; i < 20; i++)
        {
            step(20_000);
        }
        final ByteBuffer got = ByteBuffer.allocate(64);
        for (int i = 0; i < 200; i++)
        {
            assertEquals(8, member.receive(got.clear()), "datagram " + i);
            assertEquals(i, got.getLong(0));
        }
        assertEquals(-Errno.EAGAIN, member.receive(got.clear()));
        final long filtered = b.ipCounters().framesMulticastFiltered;
        assertEquals(0, member.leaveGroup6(groupHi, groupLo, nifB.index()));
        assertEquals(8, sender.send6(ByteBuffer.allocate(8), groupHi, groupLo, 7100));
        a.flush();
        for (int i = 0; i < 20; i++)
        {
            step(20_000);
        }
        assertEquals(filtered + 1, b.ipCounters().framesMulticastFiltered, "left: the MAC filter drops it");
        assertEquals(-Errno.EAGAIN, member.receive(got.clear()));
        member.close();
        sender.close();
    }

    private void awaitDad()
    {
        // DAD: one solicitation each to their own solicited-node groups, one second (RetransTimer) without answer.
        for (int i = 0; i < 3000 && (a.ipv6().addressState(NET6, A6) != PREFERRED
            || b.ipv6().addressState(NET6, B6) != PREFERRED); i++)
        {
            step(1_000_000);
        }
        assertEquals(PREFERRED, a.ipv6().addressState(NET6, A6), "A's address passed DAD");
        assertEquals(PREFERRED, b.ipv6().addressState(NET6, B6), "B's address passed DAD");
    }

    private void resolveAndMoveTcp()
    {
        awaitDad();
        final IpCounters countersA = a.ipCounters();
        final IpCounters countersB = b.ipCounters();
        // Each saw the other's DAD solicitations (multicast, copied to queue 0) and its MAC filter dropped them:
        // they are for a group it has not joined (ff02::1:ff00:a is A's, ff02::1:ff00:b is B's).
        assertTrue(countersA.framesMulticastFiltered > 0 && countersB.framesMulticastFiltered > 0,
            "the other's DAD solicitations filtered: " + countersA.framesMulticastFiltered + ", "
                + countersB.framesMulticastFiltered);
        final long solicitsB = countersB.ndpInSolicits;

        final TcpSocket listener = b.openTcp6(true);
        assertEquals(0, listener.bind6(0, 0, 7000));
        assertEquals(0, listener.listen(8));
        final TcpSocket client = a.openTcp6(true);
        assertEquals(-Errno.EINPROGRESS, client.connect6(NET6, B6, 7000));
        TcpSocket server = null;
        for (int i = 0; i < 10_000 && (server == null || client.finishConnect() != 0); i++)
        {
            step(20_000);
            if (server == null)
            {
                server = listener.accept();
            }
        }
        assertNotNull(server, "accepted");
        assertEquals(0, client.finishConnect(), "connected");
        assertTrue(countersB.ndpInSolicits > solicitsB, "B got A's solicitation for ::b on its solicited-node group");
        assertEquals(MAC_B, a.ipv6().neighbor(nifA, NET6, B6), "A resolved B by NDP");
        assertEquals(MAC_A, b.ipv6().neighbor(nifB, NET6, A6), "B learnt A (the solicitation's source option)");
        assertTrue(server.isIpv6() && client.isIpv6(), "IPv6 both ends");

        final TcpTransferStream up = new TcpTransferStream(4 << 20, 3);   // A to B
        final TcpTransferStream down = new TcpTransferStream(2 << 20, 4); // B to A, at the same time
        for (int i = 0; !(up.ended && down.ended); i++)
        {
            assertTrue(i < 2_000_000, "stalled: up " + up.receivedBytes + ", down " + down.receivedBytes);
            up.write(client);
            down.write(server);
            a.flush();
            b.flush();
            step(20_000);
            up.read(server);
            down.read(client);
        }
        assertEquals(4 << 20, up.receivedBytes);
        assertEquals(2 << 20, down.receivedBytes);
        assertArrayEquals(up.sent.digest(), up.received.digest(), "SHA-256 A to B");
        assertArrayEquals(down.sent.digest(), down.received.digest(), "SHA-256 B to A");
        client.close();
        server.close();
        listener.close();
        for (int i = 0; i < 1000; i++)
        {
            step(20_000);
        }
        // RSS: the IPv6 flow hashes to one of B's queues and stays there.
        int queuesUsed = 0;
        for (int q = 0; q < 4; q++)
        {
            if (portB.link.rxQueueCounters(q).packets() > 100)
            {
                queuesUsed++;
            }
        }
        assertEquals(1, queuesUsed, "one TCP flow over IPv6 stays on one receive queue (RSS): "
            + portB.link.describeCounters());
        assertEquals(0, portA.link.counters().errors + portB.link.counters().errors);
        assertEquals(0, portA.stat(Mlx5ModelNative.RX_OUT_OF_BUFFER) + portB.stat(Mlx5ModelNative.RX_OUT_OF_BUFFER),
            "no frame dropped for want of a receive buffer");
    }

}
