package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Random;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two complete stacks whose link is the rdma driver's Direct Verbs datapath over two ports of the mlx5 model, the
 * model acting as the cable between them: ARP, IPv4 (with fragmentation) and UDP run over the same rings,
 * doorbells and CQEs (compressed ones included) as on a ConnectX adapter. Transfers are checked by SHA-256.
 * Time is explicit; nothing sleeps.
 */
class RdmaTwoStacksOverModelTest
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
        a = new Stack(StackConfig.builder().poolBuffers(8192).seed(1).build(), now);
        b = new Stack(StackConfig.builder().poolBuffers(8192).seed(2).build(), now);
        // Compression on the receive side of B, not of A: both CQE formats are in play.
        portA = ModelPort.open(RdmaOptions.builder("a").hostIf("model0").mac(MAC_A).rxQueueSize(512)
            .txQueueSize(512).build(), a.pool(), false, false);
        portB = ModelPort.open(RdmaOptions.builder("b").hostIf("model0").mac(MAC_B).rxQueueSize(512)
            .txQueueSize(512).build(), b.pool(), true, false);
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
    }

    /** One step of both hosts and the cable: 20 µs pass. */
    private void step()
    {
        now += 20_000;
        a.poll(now);
        b.poll(now);
        ModelPort.wire(portA, portB);
    }

    @Test
    void shouldTransferUdpDatagramsBothWaysIntact() throws Exception
    {
        final UdpSocket sa = a.openUdp();
        final UdpSocket sb = b.openUdp();
        assertEquals(0, sa.bind(IP_A, 5000));
        assertEquals(0, sb.bind(IP_B, 6000));
        sb.receiveBufferSize(4 << 20);
        sa.receiveBufferSize(4 << 20);
        transfer(sa, IP_B, 6000, sb, 3000, 3);
        transfer(sb, IP_A, 5000, sa, 3000, 4);
        assertTrue(portB.link.rxQueueCounters(0).extra() > 0, "B received compressed CQE sessions");
        assertEquals(0, portA.link.counters().errors + portB.link.counters().errors);
        assertEquals(0, portA.stat(Mlx5ModelNative.DOORBELL_MISMATCH) + portB.stat(Mlx5ModelNative.DOORBELL_MISMATCH));
        assertEquals(0, portA.stat(Mlx5ModelNative.RX_OUT_OF_BUFFER) + portB.stat(Mlx5ModelNative.RX_OUT_OF_BUFFER));
    }

    /**
     * Sends `count` datagrams of 4..4000 bytes (the larger ones fragmented at the 1500-byte MTU) in windows of 16,
     * waiting for each window to arrive, and compares the SHA-256 of what was sent and what was received.
     */
    private void transfer(final UdpSocket from, final int toIp, final int toPort, final UdpSocket to, final int count,
        final long seed) throws Exception
    {
        final Random random = new Random(seed);
        final MessageDigest sent = MessageDigest.getInstance("SHA-256");
        final MessageDigest received = MessageDigest.getInstance("SHA-256");
        final ByteBuffer out = ByteBuffer.allocate(4000);
        final ByteBuffer in = ByteBuffer.allocate(65536);
        int got = 0;
        long bytes = 0;
        for (int done = 0; done < count;)
        {
            final int window = Math.min(16, count - done);
            for (int i = 0; i < window; i++)
            {
                final int size = 4 + random.nextInt(3997);
                out.clear().limit(size);
                for (int j = 0; j < size; j++)
                {
                    out.put(j, (byte)random.nextInt());
                }
                out.putInt(0, done + i);
                sent.update(out.array(), 0, size);
                bytes += size;
                from.send(out, toIp, toPort);
            }
            done += window;
            for (int spins = 0; got < done; spins++)
            {
                assertTrue(spins < 1000, "datagram " + got + " did not arrive");
                step();
                for (int n; (n = to.receive(in.clear())) > 0; got++)
                {
                    assertEquals(got, in.getInt(0), "datagram order");
                    received.update(in.array(), 0, n);
                }
            }
        }
        assertEquals(count, got);
        assertArrayEquals(sent.digest(), received.digest(), "SHA-256 of " + bytes + " bytes");
    }
}
