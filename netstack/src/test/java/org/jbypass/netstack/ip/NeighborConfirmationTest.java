package org.jbypass.netstack.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Upper-layer reachability confirmation (RFC 4861 section 7.3.1): two stacks on a memory wire, ten simulated minutes
 * each. A TCP connection exchanging requests and responses confirms its neighbour with its forward progress, so
 * neither stack probes the other once resolved; one-way UDP, which confirms nothing, makes the sender probe its
 * neighbour with a unicast solicitation every ReachableTime or so (STALE, DELAY, PROBE), which is what the
 * confirmation spares; an idle connection sends nothing, and its first request after the silence costs one probe.
 */
class NeighborConfirmationTest
{
    private static final long NET = 0x2001_0DB8_0000_0000L;
    private static final long STEP = 10_000_000L;
    private static final long MINUTES_10 = 600_000_000_000L;

    private long now = 1_000_000_000L;
    private Stack a;
    private Stack b;
    private NetInterface a0;
    private NetInterface b0;

    @BeforeEach
    void twoStacks()
    {
        final MemoryWire wire = MemoryWire.builder().build();
        a = new Stack(StackConfig.builder().poolBuffers(1024).seed(1).ipv6(Ipv6Config.DEFAULT.withDadTransmits(0))
            .build(), now);
        b = new Stack(StackConfig.builder().poolBuffers(1024).seed(2).ipv6(Ipv6Config.DEFAULT.withDadTransmits(0))
            .build(), now);
        a0 = a.addInterface("a0", wire.attach(a.pool(), 0x0200_0000_000AL));
        b0 = b.addInterface("b0", wire.attach(b.pool(), 0x0200_0000_000BL));
        a.addAddress6(a0, NET, 0xA, 64);
        b.addAddress6(b0, NET, 0xB, 64);
    }

    @AfterEach
    void close()
    {
        a.close();
        b.close();
    }

    private void step()
    {
        now += STEP;
        a.poll(now);
        b.poll(now);
    }

    private long solicits()
    {
        return a.ipCounters().ndpOutSolicits + b.ipCounters().ndpOutSolicits;
    }

    private TcpSocket[] connect()
    {
        final TcpSocket listener = b.openTcp6(true);
        assertEquals(0, listener.bind6(0, 0, 80));
        assertEquals(0, listener.listen(1));
        final TcpSocket client = a.openTcp6(true);
        assertEquals(-Errno.EINPROGRESS, client.connect6(NET, 0xB, 80));
        a.flush();
        TcpSocket server = null;
        for (int i = 0; i < 1000 && server == null; i++)
        {
            step();
            server = listener.accept();
        }
        assertNotNull(server);
        return new TcpSocket[] {client, server};
    }

    /** One 100-byte request from A and its 100-byte response from B; returns when A has read the response. */
    private void exchange(final TcpSocket client, final TcpSocket server)
    {
        assertEquals(100, client.write(ByteBuffer.allocate(100)));
        a.flush();
        final ByteBuffer request = ByteBuffer.allocate(100);
        final ByteBuffer response = ByteBuffer.allocate(100);
        for (int i = 0; i < 10_000 && response.hasRemaining(); i++)
        {
            step();
            if (request.hasRemaining() && server.read(request) > 0 && !request.hasRemaining())
            {
                assertEquals(100, server.write(ByteBuffer.allocate(100)));
                b.flush();
            }
            client.read(response);
        }
        assertTrue(!response.hasRemaining(), "the response arrived");
    }

    @Test
    void shouldNotProbeANeighbourThatAConnectionKeepsConfirming()
    {
        final TcpSocket[] pair = connect();
        final long afterResolution = solicits();
        final long start = now;
        while (now - start < MINUTES_10)
        {
            exchange(pair[0], pair[1]);
            for (int i = 0; i < 20; i++)
            {
                step();
            }
        }
        assertEquals(afterResolution, solicits(), "no solicitation in ten minutes of traffic");
        assertTrue(a.ipCounters().ndpUpperLayerConfirmations + b.ipCounters().ndpUpperLayerConfirmations > 0);
        assertEquals(Ndp.REACHABLE, a.ipv6().neighborState(a0, NET, 0xB));
        assertEquals(Ndp.REACHABLE, b.ipv6().neighborState(b0, NET, 0xA));
    }

    @Test
    void shouldProbeANeighbourThatNothingConfirms()
    {
        final UdpSocket sender = a.openUdp6(true);
        final UdpSocket receiver = b.openUdp6(true);
        assertEquals(0, receiver.bind6(0, 0, 9));
        final long start = now;
        long sends = 0;
        while (now - start < MINUTES_10)
        {
            assertEquals(10, sender.send6(ByteBuffer.allocate(10), NET, 0xB, 9));
            a.flush();
            sends++;
            for (int i = 0; i < 20; i++)
            {
                step();
                receiver.receive(ByteBuffer.allocate(64));
            }
        }
        // ReachableTime is 15 to 45 s, then DELAY 5 s, then a unicast probe: at least one every 50 s.
        final long probes = a.ipCounters().ndpOutSolicits - 1;
        assertTrue(probes >= MINUTES_10 / 50_000_000_000L, "unicast probes in ten minutes: " + probes);
        assertEquals(0, a.ipCounters().ndpUpperLayerConfirmations);
        assertEquals(sends, b.udpCounters().inDatagrams, "every datagram arrived meanwhile");
    }

    @Test
    void shouldSendNothingForAnIdleConnectionAndProbeOnceWhenItSpeaksAgain()
    {
        final TcpSocket[] pair = connect();
        final long afterResolution = solicits();
        final long start = now;
        while (now - start < MINUTES_10)
        {
            step();
        }
        assertEquals(afterResolution, solicits(), "an idle connection sends nothing, probes included");
        exchange(pair[0], pair[1]);
        assertTrue(solicits() - afterResolution <= 2, "one probe at most each way after the silence: "
            + (solicits() - afterResolution));
    }
}
