package org.jbypass.netstack.core;

import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;

import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.udp.UdpSocket;
import org.junit.jupiter.api.Test;

/**
 * The per-packet path allocates nothing in steady state: measured with the JVM's per-thread allocation counter
 * over many datagrams after a warm-up, so that only allocation proportional to the packet count would show.
 */
class AllocationTest
{
    private static final int WARMUP = 200_000;
    private static final int MEASURED = 200_000;

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void shouldSendAndReceiveUdpWithoutAllocating()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket server = h.stack.openUdp();
            assertEquals(0, server.bind(STACK_IP, 7));
            final UdpSocket client = h.stack.openUdp();
            assertEquals(0, client.connect(STACK_IP, 7));
            final ByteBuffer out = ByteBuffer.allocateDirect(64);
            final ByteBuffer in = ByteBuffer.allocateDirect(2048);
            final long[] now = {h.now()};
            final Runnable roundTrip = () ->
            {
                out.clear();
                out.putLong(0, now[0]);
                client.send(out, 0, 0);
                h.stack.flush();
                in.clear();
                server.receive(in);
                now[0] += 1000;
                h.stack.poll(now[0]);
            };
            for (int i = 0; i < WARMUP; i++)
            {
                roundTrip.run();
            }
            final long before = allocatedBytes();
            for (int i = 0; i < MEASURED; i++)
            {
                roundTrip.run();
            }
            final long perPacket = (allocatedBytes() - before) / MEASURED;
            System.out.println("UDP send+receive through the stack: " + perPacket + " bytes allocated per datagram");
            assertEquals(0, perPacket, "bytes allocated per datagram");
            assertTrue(h.stack.udpCounters().inDatagrams >= WARMUP + MEASURED);
            assertEquals(0, h.leakedBuffers());
        }
    }
}
