package org.jbypass.netstack.core;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.virtual.ScriptedLink;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.ArpPacket;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * Which transmit queue of a multiqueue link the stack's frames leave on: the queue of the receive queue whose
 * poller drives the stack, or {@link NetInterface#APPLICATION_TX_QUEUE} for everyone else; unless the link still
 * holds the last frame of the same flow on another queue, where the frame then waits (per-flow order).
 */
class TransmitQueueTest
{
    private static final long MS = 1_000_000L;

    private static byte[] arpRequest()
    {
        return Frames.arp(MacAddress.BROADCAST, PEER_MAC, ArpPacket.OP_REQUEST, PEER_MAC, PEER_IP, 0, STACK_IP);
    }

    /**
     * A stack on a scripted link of {@code rxQueues} receive and {@code txQueues} transmit queues, the gratuitous ARP
     * of the interface's start already sent and forgotten.
     */
    private static final class MultiQueueStack
    {
        final Stack stack = new Stack(StackConfig.builder().poolBuffers(1024).build(), 0);
        final ScriptedLink link;
        final NetInterface nif;

        MultiQueueStack(final int rxQueues, final int txQueues)
        {
            link = new ScriptedLink(stack.pool(), STACK_MAC, rxQueues, txQueues);
            stack.addInterface("mq0", link, STACK_IP, 24, 0);
            stack.poll(0);
            link.transmitted().clear();
            link.transmittedQueues().clear();
            nif = stack.interfaces().get(0);
        }

        /**
         * A UDP flow whose last frame went on {@code queue}, the poller's, and which the link holds (completions
         * held): its first datagram (tag 0) waited for ARP and was released by the reply that queue's poller got.
         */
        UdpSocket flowHeldOnQueue(final int queue)
        {
            link.holdCompletions = true;
            final UdpSocket socket = stack.openUdp();
            send(socket, 9, 0);
            stack.flush();
            link.inject(queue, Frames.arp(STACK_MAC, PEER_MAC, ArpPacket.OP_REPLY, PEER_MAC, PEER_IP, STACK_MAC,
                STACK_IP));
            stack.pollQueue(nif, queue, MS);
            return socket;
        }
    }

    @Test
    void shouldAnswerOnTheTransmitQueueOfTheReceiveQueueItsPollerServes()
    {
        final MultiQueueStack m = new MultiQueueStack(4, 4);
        for (int q = 0; q < 4; q++)
        {
            m.link.inject(q, arpRequest());
            assertEquals(1, m.stack.pollQueue(m.nif, q, MS * (q + 1)));
            assertEquals(NetInterface.APPLICATION_TX_QUEUE, m.nif.transmitQueue(), "restored after the call");
        }
        assertEquals(4, m.link.transmitted().size());
        assertEquals(List.of(0, 1, 2, 3), m.link.transmittedQueues());
        for (final byte[] reply : m.link.transmitted())
        {
            assertEquals(ArpPacket.OP_REPLY, Frames.arpOf(reply).operation());
        }
        m.stack.close();
    }

    @Test
    void shouldSendWhatAPollerRunOfTheWholeStackQueuedOnThePollersQueue()
    {
        final MultiQueueStack m = new MultiQueueStack(4, 4);
        // Received on queue 1, but the run is the poller of queue 3's (its timers were due): queue 3 sends.
        m.link.inject(1, arpRequest());
        m.stack.poll(MS, 3);
        assertEquals(List.of(3), m.link.transmittedQueues());
        assertEquals(NetInterface.APPLICATION_TX_QUEUE, m.nif.transmitQueue());
        m.stack.close();
    }

    @Test
    void shouldSendWhatApplicationsQueueOnTheApplicationQueue()
    {
        final MultiQueueStack m = new MultiQueueStack(4, 4);
        m.link.inject(2, arpRequest()); // the peer's MAC is learnt; the reply leaves on queue 2
        m.stack.pollQueue(m.nif, 2, MS);
        final UdpSocket socket = m.stack.openUdp();
        assertEquals(3, socket.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), PEER_IP, 9));
        m.stack.flush();
        assertEquals(List.of(2, NetInterface.APPLICATION_TX_QUEUE), m.link.transmittedQueues());
        assertEquals(EthernetHeader.TYPE_IPV4, Frames.ethernet(m.link.transmitted().get(1)).type());
        m.stack.close();
    }

    @Test
    void shouldFoldReceiveQueuesOntoFewerTransmitQueues()
    {
        final MultiQueueStack m = new MultiQueueStack(4, 2);
        for (int q = 0; q < 4; q++)
        {
            m.link.inject(q, arpRequest());
            m.stack.pollQueue(m.nif, q, MS * (q + 1));
        }
        assertEquals(List.of(0, 1, 0, 1), m.link.transmittedQueues());
        m.stack.close();
    }

    @Test
    void shouldKeepFramesARefusingRingLeftForTheNextFlushOfTheirQueue()
    {
        final MultiQueueStack m = new MultiQueueStack(2, 2);
        m.link.acceptLimit = 0;
        m.link.inject(1, arpRequest());
        m.stack.pollQueue(m.nif, 1, MS);
        assertEquals(0, m.link.transmitted().size(), "queue 1's ring refused it");
        m.link.acceptLimit = Integer.MAX_VALUE;
        assertTrue(m.stack.flush(), "work left for queue 1's poller");
        assertEquals(1L << 1, m.stack.pendingTransmitQueues());
        assertEquals(0, m.link.transmitted().size(), "an application's flush sends on queue 0 only");
        m.stack.pollQueue(m.nif, 1, 2 * MS);
        assertEquals(List.of(1), m.link.transmittedQueues(), "the waiting frame leaves with its queue's next flush");
        assertEquals(0, m.stack.pendingTransmitQueues());
        m.stack.close();
    }

    /** The UDP datagrams the stack sent, in the order the link took them, with their queues. */
    private static List<Integer> datagramQueues(final ScriptedLink link)
    {
        final List<Integer> queues = new java.util.ArrayList<>();
        for (int i = 0; i < link.transmitted().size(); i++)
        {
            if (Frames.ethernet(link.transmitted().get(i)).type() == EthernetHeader.TYPE_IPV4)
            {
                queues.add(link.transmittedQueues().get(i));
            }
        }
        return queues;
    }

    private static void send(final UdpSocket socket, final int port, final int tag)
    {
        assertEquals(1, socket.send(ByteBuffer.wrap(new byte[] {(byte)tag}), PEER_IP, port));
    }

    /**
     * Linux's ooo_okay rule: a flow whose last frame went on the queue of the poller (a datagram ARP held, released
     * by the reply that poller received) stays on that queue while the link holds that frame. An application's next
     * datagram of the flow waits for that queue's poller rather than leaving on queue 0, where the adapter could
     * send it first; once the link is done with the flow's frames, the flow moves to the caller's queue.
     */
    @Test
    void shouldKeepAFlowOnItsQueueUntilTheLinkIsDoneWithItsLastFrame()
    {
        final MultiQueueStack m = new MultiQueueStack(4, 4);
        final UdpSocket socket = m.flowHeldOnQueue(2);
        assertEquals(List.of(2), datagramQueues(m.link), "released by queue 2's poller, on queue 2");

        send(socket, 9, 2);
        assertTrue(m.stack.flush(), "the datagram waits for queue 2's poller");
        assertEquals(1L << 2, m.stack.pendingTransmitQueues());
        assertEquals(List.of(2), datagramQueues(m.link), "not on queue 0 while queue 2 holds the flow's last frame");
        assertEquals(1, m.stack.ipCounters().txFlowKept);
        m.stack.pollQueue(m.nif, 2, 2 * MS);
        assertEquals(List.of(2, 2), datagramQueues(m.link));

        m.link.complete(1); // another queue's completions change nothing
        send(socket, 9, 3);
        m.stack.flush();
        assertEquals(List.of(2, 2), datagramQueues(m.link));
        m.stack.pollQueue(m.nif, 2, 3 * MS);
        m.link.complete(2); // the adapter is done with all three
        send(socket, 9, 4);
        m.stack.flush();
        assertEquals(List.of(2, 2, 2, 0), datagramQueues(m.link), "done with: the flow moves to the caller's queue");
        assertEquals(2, m.stack.ipCounters().txFlowKept);
        assertEquals(0, m.stack.pendingTransmitQueues());
        m.stack.close();
    }

    /**
     * The rule is per flow: while one flow is kept on queue 2, another (a different protocol, another slot of the
     * table) leaves on the caller's queue; and frames that are not IP (ARP) are never kept.
     */
    @Test
    void shouldKeepOnlyTheFlowWhoseFrameTheLinkHolds()
    {
        final MultiQueueStack m = new MultiQueueStack(4, 4);
        final UdpSocket socket = m.flowHeldOnQueue(2);
        m.link.transmitted().clear();
        m.link.transmittedQueues().clear();
        // An echo request from the peer arrives on queue 3: the reply (ICMP, another flow) leaves on queue 3 at once.
        m.link.inject(3, Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 1, 1, 0, 64,
            Frames.icmpEcho(8, 7, 1, new byte[] {1, 2, 3, 4})));
        m.stack.pollQueue(m.nif, 3, 2 * MS);
        assertEquals(List.of(3), m.link.transmittedQueues());
        // An ARP request on queue 1 while the UDP flow is held on 2: its reply is not kept anywhere.
        m.link.inject(1, arpRequest());
        m.stack.pollQueue(m.nif, 1, 3 * MS);
        assertEquals(List.of(3, 1), m.link.transmittedQueues());
        assertEquals(0, m.stack.ipCounters().txFlowKept);
        m.stack.close();
    }

    /**
     * Kept frames that fill their queue's burst (the application sends more than a burst holds while the flow's
     * last frame is still on the poller's queue) are posted by the caller on that queue, in order: neither dropped
     * nor sent elsewhere.
     */
    @Test
    void shouldPostKeptFramesThatFillTheirBurstOnTheirQueueRatherThanDropThem()
    {
        final MultiQueueStack m = new MultiQueueStack(4, 4);
        final UdpSocket socket = m.flowHeldOnQueue(2);
        final int datagrams = 200; // more than a burst holds (StackConfig's burst size)
        for (int i = 1; i <= datagrams; i++)
        {
            send(socket, 9, i);
        }
        m.stack.flush();
        m.stack.pollQueue(m.nif, 2, 2 * MS);
        final List<Integer> queues = datagramQueues(m.link);
        assertEquals(datagrams + 1, queues.size(), "none dropped");
        assertTrue(queues.stream().allMatch(q -> q == 2), "all on the flow's queue: " + queues);
        int expected = 0;
        for (final byte[] frame : m.link.transmitted())
        {
            if (Frames.ethernet(frame).type() == EthernetHeader.TYPE_IPV4)
            {
                assertEquals((byte)expected++, Frames.ipPayload(frame)[8], "in order");
            }
        }
        assertTrue(m.stack.ipCounters().txKeptFlushes > 0);
        assertEquals(0, m.stack.ipCounters().txQueueDrops);
        m.stack.close();
    }

    /** A link with one transmit queue keeps no table and never defers: every frame goes on queue 0. */
    @Test
    void shouldNeverKeepFramesOnALinkWithOneTransmitQueue()
    {
        final MultiQueueStack m = new MultiQueueStack(4, 1);
        final UdpSocket socket = m.flowHeldOnQueue(2);
        send(socket, 9, 2);
        assertFalse(m.stack.flush());
        assertEquals(List.of(0, 0), datagramQueues(m.link));
        assertEquals(0, m.stack.ipCounters().txFlowKept);
        m.stack.close();
    }
}
