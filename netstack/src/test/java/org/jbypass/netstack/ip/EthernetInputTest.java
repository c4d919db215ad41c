package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;

import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

/** A {@link NetInterface} takes each frame it receives by its destination MAC, then hands it on by EtherType. */
class EthernetInputTest
{
    @Test
    void shouldCountAndDropFramesOfAnUnknownEtherType()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            // IPv6 is not spoken yet: its frames are counted as an unknown type, never read as IPv4.
            final byte[] frame = Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5000, 7, new byte[] {1});
            Frames.ethernet(frame).type(EthernetHeader.TYPE_IPV6);
            h.receive(frame);
            assertEquals(1, h.stack.ipCounters().framesUnknownType);
            assertEquals(0, h.stack.ipCounters().ipInReceives);
            assertNull(h.link.take());
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldCountAndDropFramesShorterThanAnEthernetHeader()
    {
        try (StackHarness h = new StackHarness())
        {
            h.receive(new byte[EthernetHeader.LENGTH - 1]);
            assertEquals(1, h.stack.ipCounters().framesTooShort);
            assertEquals(1, h.stack.ipCounters().framesReceived);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldTakeFramesToItsMacBroadcastAndMulticastOnly()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            final long[] destinations = {STACK_MAC, MacAddress.BROADCAST, MacAddress.parse("01:00:5e:00:00:01"),
                MacAddress.parse("02:00:00:00:00:77")};
            for (final long destination : destinations)
            {
                final byte[] frame = Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5000, 7, new byte[] {1});
                Frames.ethernet(frame).destination(destination);
                h.link.inject(frame);
            }
            h.poll();
            int delivered = 0;
            while (socket.receive(ByteBuffer.allocate(8)) == 1)
            {
                delivered++;
            }
            assertEquals(3, delivered, "its own MAC, broadcast and multicast; not another host's");
            assertEquals(1, h.stack.ipCounters().framesNotForUs);
            assertEquals(3, h.stack.ipCounters().ipInReceives);
            assertEquals(0, h.leakedBuffers());
        }
    }
}
