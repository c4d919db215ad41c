package org.jbypass.netstack.ip;

import static org.jbypass.netstack.ip.Ipv6Test.PEER6;
import static org.jbypass.netstack.ip.Ipv6Test.STACK6;
import static org.jbypass.netstack.ip.Ipv6Test.harness;
import static org.jbypass.netstack.ip.Ipv6Test.learnPeer;
import static org.jbypass.netstack.ip.Ipv6Test.takeAll;
import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
import static org.jbypass.netstack.testing.StackHarness.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.NdpOptions;
import org.junit.jupiter.api.Test;

/**
 * Hostile IPv6 frames: extension headers and options that claim more than there is, chains at and past the bound,
 * fragments that lie, neighbour discovery options of length 0 or past the message. Each is dropped and counted (or
 * answered as the RFC asks), never throws, and leaves no packet buffer behind.
 */
class Ipv6HostileInputTest
{
    private static final byte[] ECHO = Frames6.echo(PEER6, STACK6, Icmpv6Header.TYPE_ECHO_REQUEST, 1, 1,
        new byte[8]);

    private static byte[] frame(final int nextHeader, final byte[] payload)
    {
        return Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, nextHeader, 64, payload);
    }

    /** An options header (hop-by-hop or destination) of {@code 8 * (hdrExtLen + 1)} bytes, then {@code rest}. */
    private static byte[] optionsHeader(final int next, final int hdrExtLen, final byte[] options, final byte[] rest)
    {
        final int length = 8 * (hdrExtLen + 1);
        final ByteBuffer b = ByteBuffer.allocate(length + rest.length);
        b.put(0, (byte)next).put(1, (byte)hdrExtLen);
        b.put(2, options, 0, Math.min(options.length, length - 2));
        b.put(length, rest);
        return b.array();
    }

    @Test
    void shouldDropOptionsThatRunPastTheirHeader()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            // PadN claiming 200 bytes in a 6-byte option area; an option type with no length byte left
            h.receive(frame(60, optionsHeader(58, 0, new byte[] {1, (byte)200, 0, 0, 0, 0}, ECHO)));
            h.receive(frame(0, optionsHeader(58, 0, new byte[] {0, 0, 0, 0, 0, 0x1E}, ECHO)));
            // Pad1 all the way is fine: the echo is answered
            h.receive(frame(60, optionsHeader(58, 0, new byte[6], ECHO)));
            assertEquals(1, takeAll(h).size());
            assertEquals(2, h.stack.ipCounters().ip6InTruncated);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldDropHeadersThatClaimMoreThanThePacket()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            for (final int type : new int[] {0, 43, 60})
            {
                final byte[] header = new byte[8];
                header[0] = 58;
                header[1] = (byte)255; // 2048 bytes claimed
                h.receive(frame(type, header));
            }
            // fewer than 8 bytes left for an extension header, and a fragment header cut short
            h.receive(frame(60, new byte[] {58, 0, 1, 2}));
            h.receive(frame(44, new byte[] {58, 0, 0}));
            // a payload length past the frame, and 0 with a hop-by-hop header (a jumbogram without its option)
            final byte[] longer = frame(58, ECHO);
            longer[18] = 0x10;
            h.receive(longer);
            final byte[] jumbo = frame(0, optionsHeader(58, 0, new byte[] {(byte)0xC2, 4, 0, 1, 0, 0}, ECHO));
            jumbo[18] = 0;
            jumbo[19] = 0;
            h.receive(jumbo);
            assertNull(h.link.take());
            assertEquals(6, h.stack.ipCounters().ip6InTruncated);
            assertEquals(1, h.stack.ipCounters().ip6InBadPayloadLength);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldWalkAChainUpToTheBoundAndNoFurther()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            for (final int headers : new int[] {Ipv6ExtensionHeaders.MAX_HEADERS, Ipv6ExtensionHeaders.MAX_HEADERS + 1})
            {
                final ByteBuffer chain = ByteBuffer.allocate(8 * headers + ECHO.length);
                for (int i = 0; i < headers; i++)
                {
                    chain.put(8 * i, (byte)(i == headers - 1 ? 58 : 60)).put(8 * i + 2, (byte)1).put(8 * i + 3,
                        (byte)4);
                }
                chain.put(8 * headers, ECHO);
                h.receive(frame(60, chain.array()));
            }
            assertEquals(1, takeAll(h).size(), "eight headers are walked; nine are not");
            assertEquals(1, h.stack.ipCounters().ip6InTooManyHeaders);
        }
    }

    @Test
    void shouldRefuseLyingFragments()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            // M set with a length that is not a multiple of 8: parameter problem pointing at the payload length
            h.receive(frame(44, fragment(58, 0, true, 1, new byte[13])));
            // reaching past 65535 bytes: parameter problem pointing at the fragment offset
            h.receive(frame(44, fragment(58, 65528, true, 2, new byte[16])));
            // a first fragment whose header chain does not end in it (RFC 7112): a destination options header
            // claiming more than the fragment holds
            h.receive(frame(44, fragment(60, 0, true, 3, new byte[] {58, 10, 1, 4, 0, 0, 0, 0})));
            final var out = takeAll(h);
            assertEquals(3, out.size());
            final int[] codes = {0, 0, 3};
            final int[] pointers = {4, 40 + 2, 0};
            for (int i = 0; i < 3; i++)
            {
                assertTrue(Frames6.isIcmp6(out.get(i), Icmpv6Header.TYPE_PARAMETER_PROBLEM));
                assertEquals(codes[i], out.get(i)[55]);
                assertEquals(pointers[i], ByteBuffer.wrap(out.get(i)).getInt(58));
            }
            assertEquals(1, h.stack.ipCounters().ip6ReasmBadChain);
            assertEquals(0, h.stack.ipv6().reassembliesInProgress());
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldRefuseNestedFragments()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            // a first fragment whose chain holds another fragment header: nested fragmentation is refused
            // (RFC 8200 section 4.5: the chain ends in the first fragment with the upper-layer header)
            final byte[] inner = fragment(58, 8, true, 9, new byte[16]);
            h.receive(frame(44, fragment(44, 0, true, 11, Arrays.copyOfRange(inner, 0, 16))));
            h.receive(frame(44, fragment(44, 16, false, 11, Arrays.copyOfRange(inner, 16, inner.length))));
            assertEquals(0, h.stack.ipCounters().ip6ReasmOks);
            assertEquals(1, h.stack.ipCounters().ip6ReasmBadChain);
            h.advance(61_000_000_000L);
            assertEquals(0, h.stack.ipv6().reassembliesInProgress());
        }
    }

    /** A fragment header naming {@code next} and its data. */
    private static byte[] fragment(final int next, final int offset, final boolean more, final int id,
        final byte[] data)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put(0, (byte)next);
        b.putShort(2, (short)(offset | (more ? 1 : 0)));
        b.putInt(4, id);
        b.put(8, data);
        return b.array();
    }

    @Test
    void shouldBoundReassemblyMemoryAndTime()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            final int slots = Ipv6Config.DEFAULT.reassembly().maxDatagrams();
            for (int id = 0; id < slots + 10; id++)
            {
                h.receive(frame(44, fragment(58, 8, true, 1000 + id, new byte[16])));
            }
            assertEquals(slots, h.stack.ipv6().reassembliesInProgress());
            assertEquals(10, h.stack.ipCounters().ip6ReasmNoSlot);
            // a packet of too many fragments
            final int max = Ipv6Config.DEFAULT.reassembly().maxFragments();
            h.advance(61_000_000_000L);
            assertEquals(0, h.stack.ipv6().reassembliesInProgress());
            assertEquals(slots, h.stack.ipCounters().ip6ReasmTimeouts);
            for (int i = 0; i <= max; i++)
            {
                h.link.inject(frame(44, fragment(58, 8 + 16 * i, true, 7, new byte[8])));
            }
            h.poll();
            h.poll();
            h.poll();
            assertEquals(0, h.stack.ipv6().reassembliesInProgress(), "dropped at fragment " + (max + 1));
            // no time exceeded without the first fragment (RFC 8200 4.5)
            assertNull(h.link.take());
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldSendTimeExceededWhenTheFirstFragmentArrivedAlone()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            h.receive(frame(44, fragment(58, 0, true, 5, Arrays.copyOf(ECHO, 16))));
            h.advance(60_000_000_000L);
            assertEquals(1, h.stack.ipCounters().ip6ReasmTimeouts);
            assertEquals(0, h.stack.ipCounters().icmp6ErrorsSuppressed);
            assertEquals(1, h.stack.ipCounters().icmp6OutTimeExcds, h.stack.ipCounters().icmp6OutMsgs + " "
                + h.stack.ipCounters().ip6OutRequests + " " + h.stack.ipCounters().ndpOutSolicits);
            // A minute on, the peer's neighbour entry is gone too: the error waits for its answer.
            h.receive(Frames6.advertisement(STACK_MAC, PEER_MAC, PEER6, STACK6, Icmpv6Header.NA_SOLICITED,
                PEER_MAC));
            final byte[] error = takeAll(h).stream().filter(f -> Frames6.isIcmp6(f, Icmpv6Header.TYPE_TIME_EXCEEDED))
                .findFirst().orElse(null);
            assertTrue(error != null);
            // It quotes the first fragment: the fixed header, the fragment header, and the data that arrived.
            assertEquals(44, error[62 + 6]);
            assertEquals(40 + 8 + 16, Frames6.ip6Of(error).payloadLength() - 8);
            assertEquals(Icmpv6Header.CODE_REASSEMBLY_TIME_EXCEEDED, error[55]);
            assertTrue(Frames6.icmp6ChecksumOk(error));
        }
    }

    @Test
    void shouldDropNeighbourMessagesWithHostileOptions()
    {
        try (StackHarness h = harness(0))
        {
            final long[] group = {Ipv6Address.solicitedNodeHi(), Ipv6Address.solicitedNodeLo(STACK6[1])};
            final long groupMac = Ipv6Address.multicastMac(group[1]);
            final byte[][] bodies = {
                options(new byte[] {1, 0, 0, 0, 0, 0, 0, 0}),            // length 0
                options(new byte[] {1, 2, 0, 0, 0, 0, 0, 0}),            // 16 bytes claimed, 8 there
                options(new byte[] {1, 1, 0, 0, 0, 0, 0, 0, 3}),         // a lone trailing byte
                options(new byte[] {9, (byte)255, 0, 0, 0, 0, 0, 0}),    // 2040 bytes claimed
            };
            for (final byte[] body : bodies)
            {
                h.receive(Frames6.ipv6(groupMac, PEER_MAC, PEER6, group, 58, 255, Frames6.icmp6(PEER6, group,
                    Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION, 0, 0, body)));
            }
            // a solicitation for a multicast target; one from :: that carries a source link-layer option; one
            // from :: to a unicast address; an advertisement with S set to a multicast group; a short one
            final long[] unspecified = {0, 0};
            final long[] multicastTarget = {Ipv6Address.ALL_NODES_HI, 1};
            h.receive(Frames6.ipv6(groupMac, PEER_MAC, PEER6, group, 58, 255, Frames6.icmp6(PEER6, group,
                Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION, 0, 0, Frames6.neighborBody(multicastTarget,
                    NdpOptions.SOURCE_LINK_LAYER_ADDRESS, PEER_MAC))));
            h.receive(Frames6.ipv6(groupMac, PEER_MAC, unspecified, group, 58, 255, Frames6.icmp6(unspecified, group,
                Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION, 0, 0, Frames6.neighborBody(STACK6,
                    NdpOptions.SOURCE_LINK_LAYER_ADDRESS, PEER_MAC))));
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, unspecified, STACK6, 58, 255, Frames6.icmp6(unspecified,
                STACK6, Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION, 0, 0, Frames6.neighborBody(STACK6, 1, -1))));
            final long[] allNodes = {Ipv6Address.ALL_NODES_HI, Ipv6Address.ALL_NODES_LO};
            h.receive(Frames6.advertisement(0x3333_0000_0001L, PEER_MAC, PEER6, allNodes,
                Icmpv6Header.NA_SOLICITED, PEER_MAC));
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 58, 255, Frames6.icmp6(PEER6, STACK6,
                Icmpv6Header.TYPE_NEIGHBOR_ADVERTISEMENT, 0, 0, new byte[4])));
            assertNull(h.link.take());
            assertEquals(bodies.length + 5, h.stack.ipCounters().ndpInInvalid);
            assertEquals(0, h.stack.ipv6().neighborState(h.nif, PEER6[0], PEER6[1]));
            // a forged multicast link-layer address is never learnt
            h.receive(Frames6.solicitation(PEER_MAC, PEER6, STACK6, 0x0100_5E00_0001L));
            assertEquals(0, h.stack.ipv6().neighborState(h.nif, PEER6[0], PEER6[1]));
            h.link.drain();
            assertEquals(0, h.leakedBuffers());
        }
    }

    private static byte[] options(final byte[] options)
    {
        final byte[] body = new byte[16 + options.length];
        Ipv6Address.write(ByteBuffer.wrap(body), 0, STACK6[0], STACK6[1]);
        System.arraycopy(options, 0, body, 16, options.length);
        return body;
    }

    @Test
    void shouldSurviveRandomBytesAfterTheFixedHeader()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            final SplittableRandom random = new SplittableRandom(0x15_0006L);
            final int[] types = {0, 43, 44, 60, 58, 59, 6, 17, 50, 135};
            for (int i = 0; i < 3000; i++)
            {
                final byte[] payload = new byte[random.nextInt(0, 300)];
                random.nextBytes(payload);
                h.link.inject(frame(types[random.nextInt(types.length)], payload));
                if (i % 32 == 31)
                {
                    h.poll();
                    h.link.drain();
                }
            }
            h.poll();
            h.link.drain();
            h.advance(61_000_000_000L);
            h.advance(61_000_000_000L);
            h.link.drain();
            assertEquals(0, h.stack.ipv6().reassembliesInProgress());
            assertEquals(0, h.leakedBuffers());
        }
    }
}
