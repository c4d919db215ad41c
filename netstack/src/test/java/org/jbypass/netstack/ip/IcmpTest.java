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
import java.util.List;
import java.util.Random;

import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.IcmpHeader;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv4Header;
import org.junit.jupiter.api.Test;

class IcmpTest
{
    @Test
    void shouldAnswerEchoRequestWithSameIdentifierSequenceAndData()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final byte[] data = "abcdefghijklmnopqrstuvwxyz".getBytes();
            h.receive(Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_ICMP, 77, 0, 64,
                Frames.icmpEcho(IcmpHeader.TYPE_ECHO_REQUEST, 0x1234, 9, data)));
            final byte[] reply = h.link.take();
            assertNotNull(reply);
            assertEquals(PEER_MAC, Frames.ethernet(reply).destination());
            final Ipv4Header ip = Frames.ipOf(reply);
            assertEquals(STACK_IP, ip.source());
            assertEquals(PEER_IP, ip.destination());
            assertTrue(Frames.ipChecksumOk(reply));
            final byte[] message = Frames.ipPayload(reply);
            assertArrayEquals(Frames.icmpEcho(IcmpHeader.TYPE_ECHO_REPLY, 0x1234, 9, data), message);
            assertEquals(0, Checksum.compute(ByteBuffer.wrap(message), 0, message.length));
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldAnswerEchoRequestWithTtlZero()
    {
        // RFC 1122 3.2.1.7: a host MUST NOT discard a datagram addressed to it because its TTL is below 2, and it
        // never sends one with TTL 0: the reply leaves with the stack's own TTL.
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final byte[] data = "ttl zero".getBytes();
            h.receive(Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_ICMP, 78, 0, 0,
                Frames.icmpEcho(IcmpHeader.TYPE_ECHO_REQUEST, 0x4321, 1, data)));
            final byte[] reply = h.link.take();
            assertNotNull(reply, "the echo request with TTL 0 is answered");
            final Ipv4Header ip = Frames.ipOf(reply);
            assertEquals(STACK_IP, ip.source());
            assertEquals(PEER_IP, ip.destination());
            assertEquals(64, ip.ttl());
            assertArrayEquals(Frames.icmpEcho(IcmpHeader.TYPE_ECHO_REPLY, 0x4321, 1, data), Frames.ipPayload(reply));
            assertEquals(1, h.stack.ipCounters().icmpOutEchoReps);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldAnswerFragmentedEchoWithFragmentedReply()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final byte[] data = new byte[4000];
            new Random(1).nextBytes(data);
            final byte[] icmp = Frames.icmpEcho(IcmpHeader.TYPE_ECHO_REQUEST, 1, 1, data);
            for (int off = 0; off < icmp.length; off += 1480)
            {
                final int len = Math.min(1480, icmp.length - off);
                final byte[] piece = new byte[len];
                System.arraycopy(icmp, off, piece, 0, len);
                final int flags = (off + len < icmp.length ? Ipv4Header.FLAG_MORE_FRAGMENTS : 0) | (off >>> 3);
                h.link.inject(Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_ICMP, 5, flags,
                    64, piece));
            }
            h.poll();
            final List<byte[]> replies = new ArrayList<>();
            byte[] frame;
            while ((frame = h.link.take()) != null)
            {
                replies.add(frame);
            }
            assertEquals(3, replies.size());
            final ByteBuffer whole = ByteBuffer.allocate(icmp.length);
            for (final byte[] f : replies)
            {
                final Ipv4Header ip = Frames.ipOf(f);
                assertTrue(ip.totalLength() <= 1500);
                assertTrue(Frames.ipChecksumOk(f));
                whole.put(ip.fragmentOffset(), Frames.ipPayload(f));
            }
            assertArrayEquals(Frames.icmpEcho(IcmpHeader.TYPE_ECHO_REPLY, 1, 1, data), whole.array());
        }
    }

    @Test
    void shouldIgnoreEchoToBroadcast()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            h.receive(Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, Ipv4Address.parse("198.18.0.255"),
                Ipv4Header.PROTOCOL_ICMP, 1, 0, 64, Frames.icmpEcho(IcmpHeader.TYPE_ECHO_REQUEST, 1, 1, new byte[4])));
            assertNull(h.link.take());
            assertEquals(1, h.stack.ipCounters().icmpInIgnored);
        }
    }

    @Test
    void shouldDropIcmpWithBadChecksum()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final byte[] icmp = Frames.icmpEcho(IcmpHeader.TYPE_ECHO_REQUEST, 1, 1, new byte[4]);
            icmp[9] ^= 1;
            h.receive(Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_ICMP, 1, 0, 64, icmp));
            assertNull(h.link.take());
            assertEquals(1, h.stack.ipCounters().icmpInErrors);
        }
    }

    @Test
    void shouldIgnoreUnknownTypes()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            for (final int type : new int[] {5, 13, 42, 255})
            {
                h.receive(Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_ICMP, 1, 0, 64,
                    Frames.icmpEcho(type, 1, 1, new byte[4])));
            }
            assertNull(h.link.take());
            assertEquals(4, h.stack.ipCounters().icmpInIgnored);
        }
    }

    @Test
    void shouldRateLimitPortUnreachable()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            for (int i = 0; i < 200; i++)
            {
                h.link.inject(Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5000, 999, new byte[4]));
            }
            h.poll();
            h.poll();
            h.poll();
            h.poll();
            final int burst = IpConfig.DEFAULT.icmpBurst();
            assertEquals(burst, h.link.transmitted(), "a burst, then the limit");
            assertEquals(200 - burst, h.stack.ipCounters().icmpRateLimited);
            h.link.drain();
            h.advance(100_000_000L); // 100 ms at 1000/s buys 100 more, capped at the burst
            h.link.inject(Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5000, 999, new byte[4]));
            h.poll();
            assertEquals(1, h.link.transmitted());
        }
    }

    @Test
    void shouldQuoteOffendingHeaderAndEightBytesInPortUnreachable()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            final byte[] request = Frames.udpFrame(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, 5000, 999, new byte[100]);
            h.receive(request);
            final byte[] icmp = Frames.ipPayload(h.link.take());
            assertEquals(IcmpHeader.TYPE_DESTINATION_UNREACHABLE, icmp[0]);
            assertEquals(IcmpHeader.CODE_PORT_UNREACHABLE, icmp[1]);
            final byte[] quoted = new byte[28];
            System.arraycopy(icmp, 8, quoted, 0, 28);
            final byte[] original = new byte[28];
            System.arraycopy(request, 14, original, 0, 28);
            assertArrayEquals(original, quoted);
            assertEquals(0, Checksum.compute(ByteBuffer.wrap(icmp), 0, icmp.length));
        }
    }

    @Test
    void shouldNeverAnswerAnIcmpErrorWithAnError()
    {
        try (StackHarness h = new StackHarness())
        {
            h.learnPeer();
            // An unreachable about a datagram we never sent, quoting a bogus source: counted, no reply.
            final byte[] quotedUdp = Frames.udp(PEER_IP, STACK_IP, 1, 2, new byte[0]);
            final ByteBuffer msg = ByteBuffer.allocate(8 + 20 + 8);
            msg.put(0, (byte)3).put(1, (byte)3);
            new Ipv4Header().wrap(msg, 8, 28).write(0, 28, 1, 0, 64, Ipv4Header.PROTOCOL_UDP,
                Ipv4Address.parse("198.18.0.99"), PEER_IP);
            msg.put(28, quotedUdp);
            new IcmpHeader().wrap(msg, 0, msg.capacity()).computeChecksum();
            h.receive(Frames.ipv4(STACK_MAC, PEER_MAC, PEER_IP, STACK_IP, Ipv4Header.PROTOCOL_ICMP, 1, 0, 64,
                msg.array()));
            assertNull(h.link.take());
            assertEquals(1, h.stack.ipCounters().icmpInErrors);
        }
    }
}
