package org.jbypass.netstack.core;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * poller drives the stack, or {@link NetInterface#APPLICATION_TX_QUEUE} for everyone else.
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
    void shouldKeepFramesARefusingRingLeftForTheNextFlushInOrder()
    {
        final ScriptedLink[] l = new ScriptedLink[1];
        final Stack stack = stackOn(l, 2, 2);
        final NetInterface nif = stack.interfaces().get(0);
        l[0].acceptLimit = 0;
        l[0].inject(1, arpRequest());
        stack.pollQueue(nif, 1, MS);
        assertEquals(0, l[0].transmitted().size(), "queue 1's ring refused it");
        l[0].acceptLimit = Integer.MAX_VALUE;
        stack.flush();
        assertEquals(List.of(NetInterface.APPLICATION_TX_QUEUE), l[0].transmittedQueues(),
            "the waiting frame leaves with the next flush, on that caller's queue");
        stack.close();
    }
}
