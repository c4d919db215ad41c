package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkDecorator;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * Per-flow order across send queues, on the adversarial model: the mlx5 model's hardware thread executes the posted
 * send WQEs of one SQ at a time, picked at random, with seeded random batches and delays, concurrently with the
 * driver, so two frames of one flow on two send queues leave in either order unless the stack keeps the flow on
 * one queue while the adapter holds its last frame there. Stack B (four RSS queues, driven one queue at a time as
 * its pollers drive it) sends a stream to A both from the application (its writes, on queue 0) and from the poller
 * of the flow's receive queue (the data A's ACKs release, on that queue); A sends a stream back. A counts, on the
 * wire (a decorator over its link, before its TCP), every segment of B's flow that arrived ahead of a gap and every
 * ACK number that went backwards: both must stay zero, which SHA-256 alone would not show (TCP repairs reordering).
 * Seeds: 4 by default, {@code -Djbypass.test.hwSeeds=N} for more; odd seeds run with LSO, so that super-frames
 * (several descriptors each) are counted done as well.
 */
class RdmaFlowOrderOverModelTest
{
    private static final long MAC_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:0b:02");
    private static final int IP_A = Ipv4Address.parse("198.18.0.1");
    private static final int IP_B = Ipv4Address.parse("198.18.0.2");
    private static final int PORT_B = 7000;

    /** What one seed showed. */
    private record Outcome(int flowQueue, long kept, long appFrames, long flowFrames)
    {
    }

    @Test
    void shouldKeepEveryFlowInOrderOnTheWireWhileTheApplicationAndThePollerBothSend()
    {
        final int seeds = Integer.getInteger("jbypass.test.hwSeeds", 4);
        int exercised = 0;
        for (int seed = 1; seed <= seeds; seed++)
        {
            final Outcome o = run(seed);
            if (o.flowQueue != NetInterface.APPLICATION_TX_QUEUE && o.kept > 0 && o.appFrames > 0
                && o.flowFrames > 0)
            {
                exercised++;
            }
        }
        assertTrue(exercised > 0, "in some seed, B's flow used its own queue and the application's, and frames were"
            + " kept on the flow's queue");
    }

    private static Outcome run(final int seed)
    {
        long now = 1_000_000_000L;
        final Stack a = new Stack(StackConfig.builder().poolBuffers(8192).seed(100 + seed).build(), now);
        final Stack b = new Stack(StackConfig.builder().poolBuffers(8192).seed(200 + seed).build(), now);
        final int maxTso = (seed & 1) != 0 ? 65536 : 0;
        // Receive rings that hold a whole window (the sockets' buffers are fixed at 512 KiB below): the hardware
        // thread may run far ahead of this thread on a loaded machine, and a frame dropped for want of a receive
        // buffer would look like reordering.
        final ModelPort portA = ModelPort.open(RdmaOptions.builder("a").hostIf("model0").mac(MAC_A)
            .rxQueueSize(2048).txQueueSize(1024).build(), a.pool(), false, maxTso != 0, maxTso);
        final ModelPort portB = ModelPort.open(RdmaOptions.builder("b").hostIf("model0").mac(MAC_B).rxQueues(4)
            .rxQueueSize(1024).txQueueSize(1024).build(), b.pool(), (seed & 2) != 0, maxTso != 0, maxTso);
        final WireOrder order = new WireOrder(portA.link, IP_B, PORT_B);
        a.addInterface("rdma0", order, IP_A, 24, 0);
        b.addInterface("rdma0", portB.link, IP_B, 24, 0);
        final NetInterface nifB = b.interfaces().get(0);
        long hw = Mlx5ModelNative.hwStart(portA.model, portB.model, seed, 2000);
        assertTrue(hw > 0, "hardware thread: " + hw);
        try
        {
            final TcpSocket listener = b.openTcp();
            listener.receiveBufferSize(512 << 10);
            assertEquals(0, listener.bind(IP_B, PORT_B));
            assertEquals(0, listener.listen(8));
            final TcpSocket client = a.openTcp();
            client.receiveBufferSize(512 << 10);
            // A client port per seed: RSS puts the flow on different queues of B's.
            assertEquals(0, client.bind(IP_A, 40000 + 37 * seed));
            assertEquals(-Errno.EINPROGRESS, client.connect(IP_B, PORT_B));
            TcpSocket server = null;
            for (int i = 0; i < 2_000_000 && (server == null || client.finishConnect() != 0); i++)
            {
                now = step(a, b, nifB, now);
                if (server == null)
                {
                    server = listener.accept();
                }
            }
            assertNotNull(server, "seed " + seed + ": accepted");
            server.receiveBufferSize(512 << 10);
            assertEquals(0, client.finishConnect(), "seed " + seed + ": connected");

            final TcpTransferStream down = new TcpTransferStream(4 << 20, seed);      // B to A: the flow whose order A checks
            final TcpTransferStream up = new TcpTransferStream(1 << 20, seed + 1000); // A to B: B's pollers receive data and ACKs
            for (int i = 0; !(up.ended && down.ended); i++)
            {
                assertTrue(i < 20_000_000, "seed " + seed + ": stalled: down " + down.receivedBytes + ", up "
                    + up.receivedBytes + "\n" + portB.link.describeCounters());
                down.write(server);
                up.write(client);
                b.flush(); // B's application thread: its writes leave on queue 0, or wait for the flow's queue
                a.flush();
                now = step(a, b, nifB, now);
                down.read(client);
                up.read(server);
            }
            assertArrayEquals(down.sent.digest(), down.received.digest(), "seed " + seed + ": SHA-256 B to A");
            assertArrayEquals(up.sent.digest(), up.received.digest(), "seed " + seed + ": SHA-256 A to B");
            client.close();
            server.close();
            listener.close();
            for (int i = 0; i < 2000; i++)
            {
                now = step(a, b, nifB, now);
            }
            Mlx5ModelNative.hwStop(hw);
            hw = 0;

            int flowQueue = -1;
            for (int q = 0; q < 4; q++)
            {
                if (portB.link.rxQueueCounters(q).packets() > 100)
                {
                    flowQueue = q;
                }
            }
            final String where = "seed " + seed + " (flow on B's queue " + flowQueue + ", LSO " + (maxTso != 0)
                + "): ";
            assertEquals(0, portA.stat(Mlx5ModelNative.RX_OUT_OF_BUFFER) + portB.stat(
                Mlx5ModelNative.RX_OUT_OF_BUFFER), where + "no frame lost for want of a receive buffer (a loss would"
                + " look like reordering)");
            assertEquals(0, b.ipCounters().txQueueDrops, where + "B's transmit bursts dropped nothing");
            assertEquals(0, order.gaps, where + "segments of B's flow arrived ahead of earlier ones (retransmitted: "
                + b.tcpCounters().retransmittedSegments() + ", kept " + b.ipCounters().txFlowKept + ")\n"
                + portB.link.describeCounters());
            assertEquals(0, order.ackRegressions, where + "ACK numbers of B's flow went backwards on the wire");
            assertTrue(order.segments > (4 << 20) / 1460 / (maxTso != 0 ? 45 : 1), where + "segments seen: "
                + order.segments);
            assertEquals(0, a.tcpCounters().outOfOrderSegments(), where + "A's TCP saw reordering");
            assertEquals(0, b.tcpCounters().outOfOrderSegments(), where + "B's TCP saw reordering");
            assertEquals(0, portA.stat(Mlx5ModelNative.TX_WQE_REWRITTEN) + portB.stat(
                Mlx5ModelNative.TX_WQE_REWRITTEN), where + "no send WQE rewritten after its doorbell");
            assertEquals(0, portA.link.counters().errors + portB.link.counters().errors, where + "errors");
            final long kept = b.ipCounters().txFlowKept;
            final long app = portB.link.txQueueCounters(NetInterface.APPLICATION_TX_QUEUE).packets();
            final long flow = flowQueue >= 0 ? portB.link.txQueueCounters(flowQueue).packets() : 0;
            System.out.println(where + order.segments + " segments in order, " + kept + " frames kept on their"
                + " flow's queue, " + app + " frames on queue 0, " + flow + " on the flow's queue");
            return new Outcome(flowQueue, kept, app, flow);
        }
        finally
        {
            if (hw > 0)
            {
                Mlx5ModelNative.hwStop(hw);
            }
            a.close();
            b.close();
            portA.close();
            portB.close();
            assertEquals(0, a.pool().inUse(), "stack A's pool is whole");
            assertEquals(0, b.pool().inUse(), "stack B's pool is whole");
        }
    }

    /**
     * One step of both hosts; the hardware thread is the cable. B runs as its pollers do (Poller.run): each queue
     * received by its own call, what the call sends on that queue; the one whose timers are due runs everything.
     * Time moves 5 µs a step: the model moves frames on its own clock, so no step waits for it.
     */
    private static long step(final Stack a, final Stack b, final NetInterface nifB, final long before)
    {
        final long now = before + 5_000;
        a.poll(now);
        for (int q = 0; q < nifB.link().rxQueueCount(); q++)
        {
            final long due = b.nextDeadline();
            if (due != Long.MAX_VALUE && due - now <= 0)
            {
                b.poll(now, q);
            }
            else
            {
                b.pollQueue(nifB, q, now);
            }
        }
        return now;
    }

    /**
     * A's link, watched: every TCP segment of one flow that arrives, before the stack sees it. A data segment (or a
     * FIN) that starts beyond everything received so far left a gap: on this lossless cable, only reordering makes
     * one (a retransmission starts at or before it). An ACK number below one already seen was overtaken.
     */
    private static final class WireOrder extends LinkDecorator
    {
        private final int source;
        private final int sourcePort;
        private final PacketPool pool;
        private boolean started;
        private int next;
        private int highestAck;
        long segments;
        long gaps;
        long ackRegressions;

        WireOrder(final Link inner, final int source, final int sourcePort)
        {
            super(inner);
            this.source = source;
            this.sourcePort = sourcePort;
            this.pool = inner.pool();
        }

        @Override
        protected String kind()
        {
            return "order";
        }

        @Override
        public int receive(final int queue, final PacketBurst burst)
        {
            final int n = inner.receive(queue, burst);
            for (int i = 0; i < n; i++)
            {
                inspect(pool.memory(), pool.offset(burst.buffer(i)), burst.length(i));
            }
            return n;
        }

        private void inspect(final ByteBuffer m, final int frame, final int length)
        {
            if (length < 54 || (m.getShort(frame + 12) & 0xFFFF) != 0x0800)
            {
                return;
            }
            final int ip = frame + 14;
            final int ihl = (m.get(ip) & 0x0F) * 4;
            if (m.get(ip + 9) != 6 || m.getInt(ip + 12) != source)
            {
                return;
            }
            final int tcp = ip + ihl;
            if ((m.getShort(tcp) & 0xFFFF) != sourcePort)
            {
                return;
            }
            final int seq = m.getInt(tcp + 4);
            final int ack = m.getInt(tcp + 8);
            final int flags = m.get(tcp + 13) & 0xFF;
            final int payload = (m.getShort(ip + 2) & 0xFFFF) - ihl - ((m.get(tcp + 12) & 0xF0) >> 2);
            segments++;
            if ((flags & 0x02) != 0) // SYN
            {
                started = true;
                next = seq + 1;
                highestAck = ack;
                return;
            }
            if (!started)
            {
                return;
            }
            final int span = payload + ((flags & 0x01) != 0 ? 1 : 0);
            if (span > 0)
            {
                if (seq - next > 0)
                {
                    gaps++;
                }
                if (seq + span - next > 0)
                {
                    next = seq + span;
                }
            }
            if ((flags & 0x10) != 0)
            {
                if (ack - highestAck < 0)
                {
                    ackRegressions++;
                }
                else
                {
                    highestAck = ack;
                }
            }
        }

        @Override
        public int transmit(final int queue, final PacketBurst burst)
        {
            return inner.transmit(queue, burst);
        }

        @Override
        public void close()
        {
            // The test closes the port itself.
        }
    }

}
