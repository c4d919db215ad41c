package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.PEER_IP;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_IP;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.Ipv4Header;
import org.junit.jupiter.api.Test;

class ReassemblyTest
{
    private static final int MF = Ipv4Header.FLAG_MORE_FRAGMENTS;

    /** A UDP datagram of {@code size} payload bytes cut into fragments carrying {@code chunk} bytes each. */
    private static List<byte[]> fragments(final int id, final byte[] payload, final int chunk)
    {
        final byte[] udp = Frames.udp(PEER_IP, STACK_IP, 4000, 7, payload);
        final List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < udp.length; off += chunk)
        {
            final int len = Math.min(chunk, udp.length - off);
            final byte[] piece = new byte[len];
            System.arraycopy(udp, off, piece, 0, len);
            final boolean more = off + len < udp.length;
            out.add(Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_UDP, id, 0,
                64, piece));
            Frames.ipOf(out.get(out.size() - 1));
            setFragment(out.get(out.size() - 1), (more ? MF : 0) | (off >>> 3));
        }
        return out;
    }

    private static void setFragment(final byte[] frame, final int flagsAndOffset)
    {
        final ByteBuffer b = ByteBuffer.wrap(frame);
        b.putShort(20, (short)flagsAndOffset);
        Ipv4InputTest.fixChecksum(b);
    }

    private static byte[] payload(final int size, final long seed)
    {
        final byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static byte[] receiveAll(final UdpSocket socket)
    {
        final ByteBuffer dst = ByteBuffer.allocate(70000);
        final int n = socket.receive(dst);
        if (n < 0)
        {
            return null;
        }
        final byte[] out = new byte[n];
        dst.flip().get(out);
        return out;
    }

    @Test
    void shouldReassembleInOrder()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            final byte[] data = payload(4000, 1);
            for (final byte[] f : fragments(100, data, 1480))
            {
                h.receive(f);
            }
            assertArrayEquals(data, receiveAll(socket));
            assertEquals(1, h.stack.ipCounters().ipReasmOks);
            assertEquals(0, h.stack.ipv4().reassembliesInProgress());
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldReassembleInAnyOrderAndIgnoreExactDuplicates()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            final Random random = new Random(7);
            for (int round = 0; round < 20; round++)
            {
                final byte[] data = payload(1000 + random.nextInt(20000), round);
                // Chunks large enough to stay within the fragment bound, small enough to make many fragments.
                final int minChunk = 8 * ((data.length + 8) / (8 * 100) + 1);
                final List<byte[]> frags = fragments(200 + round, data, minChunk + 8 * random.nextInt(170));
                Collections.shuffle(frags, random);
                // A duplicate before the fragment that completes the datagram (one after it would start a new
                // reassembly that can only time out, as on any host).
                frags.add(random.nextInt(frags.size()), frags.get(random.nextInt(frags.size() - 1)));
                for (final byte[] f : frags)
                {
                    h.receive(f);
                }
                assertArrayEquals(data, receiveAll(socket), "round " + round);
            }
            assertEquals(0, h.stack.ipv4().reassembliesInProgress());
        }
    }

    @Test
    void shouldDropDatagramOnOverlappingFragment()
    {
        try (StackHarness h = new StackHarness())
        {
            final UdpSocket socket = h.stack.openUdp();
            socket.bind(0, 7);
            final List<byte[]> frags = fragments(300, payload(3000, 3), 1000);
            h.receive(frags.get(0));
            // A fragment covering bytes 992..1992: overlaps the first one (0..1000) without duplicating it.
            final byte[] overlapping = Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_UDP,
                300, 0, 64, new byte[1000]);
            setFragment(overlapping, MF | (992 >>> 3));
            h.receive(overlapping);
            assertEquals(1, h.stack.ipCounters().ipReasmOverlaps);
            assertEquals(0, h.stack.ipv4().reassembliesInProgress(), "the datagram was dropped");
            for (int i = 1; i < frags.size(); i++)
            {
                h.receive(frags.get(i));
            }
            assertNull(receiveAll(socket), "the rest cannot complete the dropped datagram");
        }
    }

    @Test
    void shouldDropFragmentsReachingBeyond65535Bytes()
    {
        try (StackHarness h = new StackHarness())
        {
            final byte[] frame = Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_UDP, 400, 0,
                64, new byte[1000]);
            setFragment(frame, 65000 >>> 3);
            h.receive(frame);
            assertEquals(1, h.stack.ipCounters().ipReasmFails);
            assertEquals(0, h.stack.ipv4().reassembliesInProgress());
        }
    }

    @Test
    void shouldDropNonFinalFragmentsOfOddLength()
    {
        try (StackHarness h = new StackHarness())
        {
            final byte[] frame = Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_UDP, 401, 0,
                64, new byte[1001]);
            setFragment(frame, MF);
            h.receive(frame);
            assertEquals(1, h.stack.ipCounters().ipReasmFails);
            assertEquals(0, h.stack.ipv4().reassembliesInProgress());
        }
    }

    @Test
    void shouldTimeOutAndReportWithIcmpTimeExceeded()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final List<byte[]> frags = fragments(500, payload(3000, 5), 1000);
            h.receive(frags.get(0));
            h.advance(ReassemblyConfig.DEFAULT.timeoutNanos() + 1);
            assertEquals(1, h.stack.ipCounters().ipReasmTimeouts);
            assertEquals(0, h.stack.ipv4().reassembliesInProgress());
            final byte[] icmp = h.takeIpv4();
            assertNotNull(icmp);
            final byte[] message = Frames.ipPayload(icmp);
            assertEquals(11, message[0]);
            assertEquals(1, message[1]);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldBoundConcurrentReassemblies()
    {
        try (StackHarness h = new StackHarness())
        {
            final int slots = ReassemblyConfig.DEFAULT.maxDatagrams();
            for (int i = 0; i < slots + 10; i++)
            {
                h.receive(fragments(1000 + i, payload(3000, i), 1000).get(0));
            }
            assertEquals(slots, h.stack.ipv4().reassembliesInProgress());
            assertEquals(10, h.stack.ipCounters().ipReasmNoSlot);
            assertEquals(0, h.leakedBuffers(), "fragments are copied, never held in packet buffers");
        }
    }

    @Test
    void shouldRejectMoreFragmentsThanTheBound()
    {
        try (StackHarness h = new StackHarness())
        {
            final List<byte[]> frags = fragments(600, payload(60000, 6), 8);
            for (final byte[] f : frags)
            {
                h.receive(f);
            }
            // The datagram is dropped once it exceeds the bound; its later fragments start a new attempt that can
            // only time out. Memory stays bounded by the slots either way.
            assertEquals(0, h.stack.ipCounters().ipReasmOks);
            assertTrue(h.stack.ipv4().reassembliesInProgress() <= 1);
            assertTrue(h.stack.ipCounters().ipReasmFails >= 1);
            assertEquals(0, h.leakedBuffers());
        }
    }
}
