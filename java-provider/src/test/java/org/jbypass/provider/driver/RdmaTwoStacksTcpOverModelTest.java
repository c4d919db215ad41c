package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;


import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two complete stacks whose link is the rdma driver's Direct Verbs datapath over two ports of the mlx5 model (the
 * model acting as the cable): a TCP connection carries several MiB each way at once, checked by SHA-256. B has
 * four receive queues (RSS) and compressed completions; time is explicit and nothing sleeps.
 */
class RdmaTwoStacksTcpOverModelTest
{
    private static final long MAC_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:0b:02");
    private static final int IP_A = Ipv4Address.parse("198.18.0.1");
    private static final int IP_B = Ipv4Address.parse("198.18.0.2");

    private long now = 1_000_000_000L;
    private Stack a;
    private Stack b;
    private ModelPort portA;
    private ModelPort portB;

    @BeforeEach
    void open()
    {
        open(0);
    }

    /** @param maxTso the model's LSO limit on both ports (with checksum offload); 0: no LSO, no checksum offload */
    private void open(final int maxTso)
    {
        if (a != null)
        {
            close();
        }
        a = new Stack(StackConfig.builder().poolBuffers(8192).seed(1).build(), now);
        b = new Stack(StackConfig.builder().poolBuffers(8192).seed(2).build(), now);
        portA = ModelPort.open(RdmaOptions.builder("a").hostIf("model0").mac(MAC_A).rxQueueSize(1024)
            .txQueueSize(1024).build(), a.pool(), false, maxTso != 0, maxTso);
        portB = ModelPort.open(RdmaOptions.builder("b").hostIf("model0").mac(MAC_B).rxQueues(4).rxQueueSize(512)
            .txQueueSize(1024).build(), b.pool(), true, maxTso != 0, maxTso);
        a.addInterface("rdma0", portA.link, IP_A, 24, 0);
        b.addInterface("rdma0", portB.link, IP_B, 24, 0);
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
        a = null;
    }

    /**
     * With LSO (the model's TSO limit 64 KiB and checksum offload on both ports): the stacks see
     * TX_TCP_SEGMENTATION and send TSO super-segments as buffer chains, each of which leaves as one LSO WQE that the
     * model cuts into MSS-sized frames as the adapter would; the streams arrive intact both ways.
     */
    @Test
    void shouldTransferTcpStreamsWithTsoIntact()
    {
        open(65536);
        assertTrue((portA.link.capabilities() & LinkCapabilities.TX_TCP_SEGMENTATION) != 0, "LSO offered");
        assertEquals(65536, portA.link.maxSuperFrameLength());
        transferBothWays();
        final long wqesA = portA.stat(Mlx5ModelNative.TX_TSO_WQES);
        final long wqesB = portB.stat(Mlx5ModelNative.TX_TSO_WQES);
        final long segments = portA.stat(Mlx5ModelNative.TX_TSO_SEGMENTS)
            + portB.stat(Mlx5ModelNative.TX_TSO_SEGMENTS);
        assertTrue(wqesA > 10 && wqesB > 10, "both ways, super-frames went out as LSO WQEs: " + wqesA + ", " + wqesB
            + "\n" + portA.link.describeCounters());
        assertTrue(segments > 2 * (wqesA + wqesB), "each cut into several segments: " + segments + " of "
            + (wqesA + wqesB));
    }

    /** B runs as the provider's pollers run it, one call per receive queue, rather than one poll of everything. */
    private boolean bPerQueue;

    /** One step of both hosts and the cable: 20 µs pass. */
    private void step()
    {
        now += 20_000;
        a.poll(now);
        if (bPerQueue)
        {
            // As Poller.run: each queue's poller receives its queue; the one whose timers are due runs everything.
            final NetInterface nif = b.interfaces().get(0);
            for (int q = 0; q < nif.link().rxQueueCount(); q++)
            {
                final long due = b.nextDeadline();
                if (due != Long.MAX_VALUE && due - now <= 0)
                {
                    b.poll(now, q);
                }
                else
                {
                    b.pollQueue(nif, q, now);
                }
            }
        }
        else
        {
            b.poll(now);
        }
        ModelPort.wire(portA, portB);
    }

    @Test
    void shouldTransferTcpStreamsBothWaysIntact()
    {
        final int flowQueue = transferBothWays();
        assertTrue(flowQueue >= 0);
    }

    /**
     * With B's receive queues polled one by one, as its pollers do, what B sends while it processes a burst (ACKs,
     * the data those ACKs release) leaves on the send queue of the receive queue the flow arrives on; what the
     * application's writes send, on the application queue (0) once the flow's last frame on its own queue is done
     * (else it waits for that queue: RdmaFlowOrderOverModelTest); no other send queue carries anything.
     */
    @Test
    void shouldSendOnTheSendQueueOfThePollersReceiveQueue()
    {
        bPerQueue = true;
        final int flowQueue = transferBothWays();
        final String counters = portB.link.describeCounters();
        assertTrue(flowQueue != NetInterface.APPLICATION_TX_QUEUE, "seeds that put the flow on a queue of its own: "
            + counters);
        assertTrue(portB.link.txQueueCounters(flowQueue).packets() > (6 << 20) / 1500 / 4,
            "the ACKs of the upload left on the flow's queue: " + counters);
        assertTrue(portB.link.txQueueCounters(NetInterface.APPLICATION_TX_QUEUE).packets() > 0,
            "the application's writes left on queue 0: " + counters);
        for (int q = 0; q < 4; q++)
        {
            if (q != flowQueue && q != NetInterface.APPLICATION_TX_QUEUE)
            {
                assertEquals(0, portB.link.txQueueCounters(q).packets(), "send queue " + q + ": " + counters);
            }
        }
    }

    /** Moves 6 MiB A to B and 3 MiB B to A at once; returns B's receive queue of the flow. */
    private int transferBothWays()
    {
        final TcpSocket listener = b.openTcp();
        assertEquals(0, listener.bind(IP_B, 7000));
        assertEquals(0, listener.listen(8));
        final TcpSocket client = a.openTcp();
        assertEquals(-Errno.EINPROGRESS, client.connect(IP_B, 7000));
        TcpSocket server = null;
        for (int i = 0; i < 10_000 && (server == null || client.finishConnect() != 0); i++)
        {
            step();
            if (server == null)
            {
                server = listener.accept();
            }
        }
        assertNotNull(server, "accepted");
        assertEquals(0, client.finishConnect(), "connected");

        final TcpTransferStream up = new TcpTransferStream(6 << 20, 3);   // A to B
        final TcpTransferStream down = new TcpTransferStream(3 << 20, 4); // B to A, at the same time
        for (int i = 0; !(up.ended && down.ended); i++)
        {
            assertTrue(i < 2_000_000, "stalled: up " + up.receivedBytes + ", down " + down.receivedBytes);
            up.write(client);
            down.write(server);
            a.flush();
            b.flush();
            step();
            up.read(server);
            down.read(client);
        }
        assertEquals(6 << 20, up.receivedBytes);
        assertEquals(3 << 20, down.receivedBytes);
        assertArrayEquals(up.sent.digest(), up.received.digest(), "SHA-256 A to B");
        assertArrayEquals(down.sent.digest(), down.received.digest(), "SHA-256 B to A");
        client.close();
        server.close();
        listener.close();
        for (int i = 0; i < 1000; i++)
        {
            step();
        }
        long rxB = 0;
        int queuesUsed = 0;
        int flowQueue = -1;
        for (int q = 0; q < 4; q++)
        {
            final long n = portB.link.rxQueueCounters(q).packets();
            rxB += n;
            if (n > 100) // ARP (non-IP, queue 0) aside
            {
                queuesUsed++;
                flowQueue = q;
            }
        }
        assertEquals(1, queuesUsed, "one TCP flow stays on one receive queue (RSS): " + portB.link
            .describeCounters());
        assertTrue(rxB > (6 << 20) / 1500, "segments received");
        assertEquals(0, portA.link.counters().errors + portB.link.counters().errors);
        assertEquals(0, portA.stat(Mlx5ModelNative.RX_OUT_OF_BUFFER) + portB.stat(Mlx5ModelNative.RX_OUT_OF_BUFFER),
            "no frame dropped for want of a receive buffer");
        return flowQueue;
    }
}
