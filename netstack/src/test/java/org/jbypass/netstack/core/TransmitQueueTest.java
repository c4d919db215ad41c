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

    /** A stack on a scripted link, the gratuitous ARP of the interface's start already sent and forgotten. */
    private static Stack stackOn(final ScriptedLink[] out, final int rxQueues, final int txQueues)
    {
        final Stack stack = new Stack(StackConfig.builder().poolBuffers(1024).build(), 0);
        out[0] = new ScriptedLink(stack.pool(), STACK_MAC, rxQueues, txQueues);
        stack.addInterface("mq0", out[0], STACK_IP, 24, 0);
        stack.poll(0);
        out[0].transmitted().clear();
        out[0].transmittedQueues().clear();
        return stack;
    }

    @Test
    void shouldAnswerOnTheTransmitQueueOfTheReceiveQueueItsPollerServes()
    {
        final ScriptedLink[] l = new ScriptedLink[1];
        final Stack stack = stackOn(l, 4, 4);
        final NetInterface nif = stack.interfaces().get(0);
        for (int q = 0; q < 4; q++)
        {
            l[0].inject(q, arpRequest());
            assertEquals(1, stack.pollQueue(nif, q, MS * (q + 1)));
            assertEquals(NetInterface.APPLICATION_TX_QUEUE, nif.transmitQueue(), "restored after the call");
        }
        assertEquals(4, l[0].transmitted().size());
        assertEquals(List.of(0, 1, 2, 3), l[0].transmittedQueues());
        for (final byte[] reply : l[0].transmitted())
        {
            assertEquals(ArpPacket.OP_REPLY, Frames.arpOf(reply).operation());
        }
        stack.close();
    }

    @Test
    void shouldSendWhatAPollerRunOfTheWholeStackQueuedOnThePollersQueue()
    {
        final ScriptedLink[] l = new ScriptedLink[1];
        final Stack stack = stackOn(l, 4, 4);
        // Received on queue 1, but the run is the poller of queue 3's (its timers were due): queue 3 sends.
        l[0].inject(1, arpRequest());
        stack.poll(MS, 3);
        assertEquals(List.of(3), l[0].transmittedQueues());
        assertEquals(NetInterface.APPLICATION_TX_QUEUE, stack.interfaces().get(0).transmitQueue());
        stack.close();
    }

    @Test
    void shouldSendWhatApplicationsQueueOnTheApplicationQueue()
    {
        final ScriptedLink[] l = new ScriptedLink[1];
        final Stack stack = stackOn(l, 4, 4);
        final NetInterface nif = stack.interfaces().get(0);
        l[0].inject(2, arpRequest()); // the peer's MAC is learnt; the reply leaves on queue 2
        stack.pollQueue(nif, 2, MS);
        final UdpSocket socket = stack.openUdp();
        assertEquals(3, socket.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), PEER_IP, 9));
        stack.flush();
        assertEquals(List.of(2, NetInterface.APPLICATION_TX_QUEUE), l[0].transmittedQueues());
        assertEquals(EthernetHeader.TYPE_IPV4, Frames.ethernet(l[0].transmitted().get(1)).type());
        stack.close();
    }

    @Test
    void shouldFoldReceiveQueuesOntoFewerTransmitQueues()
    {
        final ScriptedLink[] l = new ScriptedLink[1];
        final Stack stack = stackOn(l, 4, 2);
        final NetInterface nif = stack.interfaces().get(0);
        for (int q = 0; q < 4; q++)
        {
            l[0].inject(q, arpRequest());
            stack.pollQueue(nif, q, MS * (q + 1));
        }
        assertEquals(List.of(0, 1, 0, 1), l[0].transmittedQueues());
        stack.close();
    }

    @Test
    void shouldKeepFramesARefusingRingLeftForTheNextFlushOfTheirQueue()
    {
        final ScriptedLink[] l = new ScriptedLink[1];
        final Stack stack = stackOn(l, 2, 2);
        final NetInterface nif = stack.interfaces().get(0);
        l[0].acceptLimit = 0;
        l[0].inject(1, arpRequest());
        stack.pollQueue(nif, 1, MS);
        assertEquals(0, l[0].transmitted().size(), "queue 1's ring refused it");
        l[0].acceptLimit = Integer.MAX_VALUE;
        assertTrue(stack.flush(), "work left for queue 1's poller");
        assertEquals(1L << 1, stack.pendingTransmitQueues());
        assertEquals(0, l[0].transmitted().size(), "an application's flush sends on queue 0 only");
        stack.pollQueue(nif, 1, 2 * MS);
        assertEquals(List.of(1), l[0].transmittedQueues(), "the waiting frame leaves with its queue's next flush");
        assertEquals(0, stack.pendingTransmitQueues());
        stack.close();
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
        final ScriptedLink[] l = new ScriptedLink[1];
        final Stack stack = stackOn(l, 4, 4);
        final NetInterface nif = stack.interfaces().get(0);
        l[0].holdCompletions = true;
        final UdpSocket socket = stack.openUdp();
        send(socket, 9, 1); // waits for ARP; the request leaves on queue 0
        stack.flush();
        l[0].inject(2, Frames.arp(STACK_MAC, PEER_MAC, ArpPacket.OP_REPLY, PEER_MAC, PEER_IP, STACK_MAC, STACK_IP));
        stack.pollQueue(nif, 2, MS);
        assertEquals(List.of(2), datagramQueues(l[0]), "released by queue 2's poller, on queue 2");

        send(socket, 9, 2);
        assertTrue(stack.flush(), "the datagram waits for queue 2's poller");
        assertEquals(1L << 2, stack.pendingTransmitQueues());
        assertEquals(List.of(2), datagramQueues(l[0]), "not on queue 0 while queue 2 holds the flow's last frame");
        assertEquals(1, stack.ipCounters().txFlowKept);
        stack.pollQueue(nif, 2, 2 * MS);
        assertEquals(List.of(2, 2), datagramQueues(l[0]));

        l[0].complete(1); // another queue's completions change nothing
        send(socket, 9, 3);
        stack.flush();
        assertEquals(List.of(2, 2), datagramQueues(l[0]));
        stack.pollQueue(nif, 2, 3 * MS);
        l[0].complete(2); // the adapter is done with all three
        send(socket, 9, 4);
        stack.flush();
        assertEquals(List.of(2, 2, 2, 0), datagramQueues(l[0]), "done with: the flow moves to the caller's queue");
        assertEquals(2, stack.ipCounters().txFlowKept);
        assertEquals(0, stack.pendingTransmitQueues());
        stack.close();
    }

    /**
     * The rule is per flow: while one flow is kept on queue 2, another (a different protocol, another slot of the
     * table) leaves on the caller's queue; and frames that are not IP (ARP) are never kept.
     */
    @Test
    void shouldKeepOnlyTheFlowWhoseFrameTheLinkHolds()
    {
        final ScriptedLink[] l = new ScriptedLink[1];
        final Stack stack = stackOn(l, 4, 4);
        final NetInterface nif = stack.interfaces().get(0);
        l[0].holdCompletions = true;
        final UdpSocket socket = stack.openUdp();
        send(socket, 9, 1);
        stack.flush();
        l[0].inject(2, Frames.arp(STACK_MAC, PEER_MAC, ArpPacket.OP_REPLY, PEER_MAC, PEER_IP, STACK_MAC, STACK_IP));
        stack.pollQueue(nif, 2, MS);
        l[0].transmitted().clear();
        l[0].transmittedQueues().clear();
        // An echo request from the peer arrives on queue 3: the reply (ICMP, another flow) leaves on queue 3 at once.
        l[0].inject(3, Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 1, 1, 0, 64,
            Frames.icmpEcho(8, 7, 1, new byte[] {1, 2, 3, 4})));
        stack.pollQueue(nif, 3, 2 * MS);
        assertEquals(List.of(3), l[0].transmittedQueues());
        // An ARP request on queue 1 while the UDP flow is held on 2: its reply is not kept anywhere.
        l[0].inject(1, arpRequest());
        stack.pollQueue(nif, 1, 3 * MS);
        assertEquals(List.of(3, 1), l[0].transmittedQueues());
        assertEquals(0, stack.ipCounters().txFlowKept);
        stack.close();
    }

    /**
     * Kept frames that fill their queue's burst (the application sends more than a burst holds while the flow's
     * last frame is still on the poller's queue) are posted by the caller on that queue, in order: neither dropped
     * nor sent elsewhere.
     */
    @Test
    void shouldPostKeptFramesThatFillTheirBurstOnTheirQueueRatherThanDropThem()
    {
        final ScriptedLink[] l = new ScriptedLink[1];
        final Stack stack = stackOn(l, 4, 4);
        final NetInterface nif = stack.interfaces().get(0);
        l[0].holdCompletions = true;
        final UdpSocket socket = stack.openUdp();
        send(socket, 9, 0);
        stack.flush();
        l[0].inject(2, Frames.arp(STACK_MAC, PEER_MAC, ArpPacket.OP_REPLY, PEER_MAC, PEER_IP, STACK_MAC, STACK_IP));
        stack.pollQueue(nif, 2, MS);
        final int datagrams = 200; // more than a burst holds (StackConfig's burst size)
        for (int i = 1; i <= datagrams; i++)
        {
            send(socket, 9, i);
        }
        stack.flush();
        stack.pollQueue(nif, 2, 2 * MS);
        final List<Integer> queues = datagramQueues(l[0]);
        assertEquals(datagrams + 1, queues.size(), "none dropped");
        assertTrue(queues.stream().allMatch(q -> q == 2), "all on the flow's queue: " + queues);
        int expected = 0;
        for (final byte[] frame : l[0].transmitted())
        {
            if (Frames.ethernet(frame).type() == EthernetHeader.TYPE_IPV4)
            {
                assertEquals((byte)expected++, Frames.ipPayload(frame)[8], "in order");
            }
        }
        assertTrue(stack.ipCounters().txKeptFlushes > 0);
        assertEquals(0, stack.ipCounters().txQueueDrops);
        stack.close();
    }

    /** A link with one transmit queue keeps no table and never defers: every frame goes on queue 0. */
    @Test
    void shouldNeverKeepFramesOnALinkWithOneTransmitQueue()
    {
        final ScriptedLink[] l = new ScriptedLink[1];
        final Stack stack = stackOn(l, 4, 1);
        final NetInterface nif = stack.interfaces().get(0);
        l[0].holdCompletions = true;
        final UdpSocket socket = stack.openUdp();
        send(socket, 9, 1);
        stack.flush();
        l[0].inject(2, Frames.arp(STACK_MAC, PEER_MAC, ArpPacket.OP_REPLY, PEER_MAC, PEER_IP, STACK_MAC, STACK_IP));
        stack.pollQueue(nif, 2, MS);
        send(socket, 9, 2);
        assertFalse(stack.flush());
        assertEquals(List.of(0, 0), datagramQueues(l[0]));
        assertEquals(0, stack.ipCounters().txFlowKept);
        stack.close();
    }
}
