package org.jbypass.netstack.ip;

import static org.jbypass.netstack.testing.StackHarness.PEER_MAC;
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

import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.NdpOptions;
import org.junit.jupiter.api.Test;

/** IPv6 receive and send, ICMPv6 and neighbour discovery, scripted frame by frame against one stack. */
class Ipv6Test
{
    static final long[] STACK6 = Frames6.addr("2001:db8::2");
    static final long[] PEER6 = Frames6.addr("2001:db8::1");
    static final long[] STACK_LL = Frames6.addr("fe80::ff:fe00:2");

    /**
     * A stack with 2001:db8::2/64; DAD off unless asked, so the address is usable at once. Its MLD reports are set
     * aside on the link ({@code MldTest} checks them), so that they do not come between the frames a test takes.
     */
    static StackHarness harness(final int dadTransmits)
    {
        final StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(1024)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(dadTransmits).withDadDelayNanos(0)).build(), 1500, 0);
        h.link.drain();
        h.link.setAside(Frames6::isMld);
        h.stack.addAddress6(h.nif, STACK6[0], STACK6[1], 64);
        h.poll();
        return h;
    }

    /** The peer asks for the stack's MAC, as a real one would; the stack learns the peer's (STALE). */
    static void learnPeer(final StackHarness h)
    {
        h.receive(Frames6.solicitation(PEER_MAC, PEER6, STACK6, PEER_MAC));
        h.link.drain();
    }

    static List<byte[]> takeAll(final StackHarness h)
    {
        final List<byte[]> frames = new ArrayList<>();
        byte[] f;
        while ((f = h.link.take()) != null)
        {
            frames.add(f);
        }
        return frames;
    }

    static byte[] echoRequest(final int id, final int seq, final byte[] data)
    {
        return Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 58, 64, Frames6.echo(PEER6, STACK6,
            Icmpv6Header.TYPE_ECHO_REQUEST, id, seq, data));
    }

    @Test
    void shouldDeriveLinkLocalFromMacAndJoinGroups()
    {
        try (StackHarness h = harness(0))
        {
            assertEquals(2, h.stack.ipv6().addressState(STACK_LL[0], STACK_LL[1]));
            assertEquals(List.of("fe80::ff:fe00:2/64", "2001:db8::2/64"), h.stack.ipv6().describeAddresses(h.nif));
            // all-nodes and the solicited-node group of both addresses (which share ff02::1:ff00:2)
            assertTrue(h.link.multicastMacs.contains(0x3333_0000_0001L));
            assertTrue(h.link.multicastMacs.contains(0x3333_FF00_0002L));
        }
    }

    @Test
    void shouldAnswerEchoRequest()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            final byte[] data = "abcdefghijklmnopqrstuvwxyz".getBytes();
            h.receive(echoRequest(0x1234, 7, data));
            final byte[] reply = h.link.take();
            assertNotNull(reply);
            assertEquals(PEER_MAC, org.jbypass.netstack.testing.Frames.ethernet(reply).destination());
            final Ipv6Header ip = Frames6.ip6Of(reply);
            assertEquals(STACK6[1], ip.sourceLo());
            assertEquals(PEER6[1], ip.destinationLo());
            assertEquals(64, ip.hopLimit());
            assertTrue(Frames6.icmp6ChecksumOk(reply));
            assertArrayEquals(Frames6.echo(STACK6, PEER6, Icmpv6Header.TYPE_ECHO_REPLY, 0x1234, 7, data),
                Frames6.ip6Payload(reply));
            assertEquals(1, h.stack.ipCounters().icmp6OutEchoReplies);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldResolveNeighbourBeforeSendingAndSendQueuedPacketsOnAdvertisement()
    {
        try (StackHarness h = harness(0))
        {
            h.receive(echoRequest(1, 1, new byte[8]));
            final byte[] ns = h.link.take();
            assertNotNull(ns);
            assertTrue(Frames6.isIcmp6(ns, Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION));
            assertTrue(Frames6.icmp6ChecksumOk(ns));
            final Ipv6Header ip = Frames6.ip6Of(ns);
            // RFC 4861 7.2.2: to the solicited-node group, hop limit 255, our MAC in the source option.
            assertEquals(255, ip.hopLimit());
            assertEquals(0xFF02_0000_0000_0000L, ip.destinationHi());
            assertEquals(Ipv6Address.solicitedNodeLo(PEER6[1]), ip.destinationLo());
            assertEquals(0x3333_FF00_0001L, org.jbypass.netstack.testing.Frames.ethernet(ns).destination());
            // from the address of the packet that prompted it (the echo reply's source), RFC 4861 7.2.2
            assertEquals(STACK6[1], ip.sourceLo());
            final ByteBuffer b = ByteBuffer.wrap(ns);
            assertEquals(PEER6[1], b.getLong(54 + 16));
            assertEquals(NdpOptions.SOURCE_LINK_LAYER_ADDRESS, ns[54 + 24]);
            assertNull(h.link.take(), "the reply waits for the neighbour");
            assertEquals(Ndp.INCOMPLETE, h.stack.ipv6().neighborState(h.nif, PEER6[0], PEER6[1]));

            h.receive(Frames6.advertisement(STACK_MAC, PEER_MAC, PEER6, STACK6,
                Icmpv6Header.NA_SOLICITED | Icmpv6Header.NA_OVERRIDE, PEER_MAC));
            final byte[] reply = h.link.take();
            assertNotNull(reply);
            assertTrue(Frames6.isIcmp6(reply, Icmpv6Header.TYPE_ECHO_REPLY));
            assertEquals(PEER_MAC, org.jbypass.netstack.testing.Frames.ethernet(reply).destination());
            assertEquals(Ndp.REACHABLE, h.stack.ipv6().neighborState(h.nif, PEER6[0], PEER6[1]));
            assertEquals(PEER_MAC, h.stack.ipv6().neighbor(h.nif, PEER6[0], PEER6[1]));
        }
    }

    @Test
    void shouldGiveUpAfterThreeSolicitationsAndDropTheQueue()
    {
        try (StackHarness h = harness(0))
        {
            h.receive(echoRequest(1, 1, new byte[8]));
            int solicitations = 0;
            for (int i = 0; i < 5; i++)
            {
                for (final byte[] f : takeAll(h))
                {
                    assertTrue(Frames6.isIcmp6(f, Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION));
                    solicitations++;
                }
                h.advance(1_000_000_000L);
            }
            assertEquals(3, solicitations);
            assertEquals(0, h.stack.ipv6().neighborState(h.nif, PEER6[0], PEER6[1]));
            assertEquals(1, h.stack.ipCounters().ndpResolutionFailures);
            assertEquals(0, h.leakedBuffers());
        }
    }

    @Test
    void shouldAdvertiseOwnAddressWhenSolicited()
    {
        try (StackHarness h = harness(0))
        {
            h.receive(Frames6.solicitation(PEER_MAC, PEER6, STACK6, PEER_MAC));
            final byte[] na = h.link.take();
            assertNotNull(na);
            assertTrue(Frames6.isIcmp6(na, Icmpv6Header.TYPE_NEIGHBOR_ADVERTISEMENT));
            assertTrue(Frames6.icmp6ChecksumOk(na));
            final ByteBuffer b = ByteBuffer.wrap(na);
            assertEquals(Icmpv6Header.NA_SOLICITED | Icmpv6Header.NA_OVERRIDE, b.getInt(54 + 4));
            assertEquals(STACK6[1], b.getLong(54 + 16));
            assertEquals(NdpOptions.TARGET_LINK_LAYER_ADDRESS, na[54 + 24]);
            assertEquals(STACK_MAC, org.jbypass.netstack.wire.MacAddress.read(b, 54 + 26));
            assertEquals(PEER_MAC, org.jbypass.netstack.testing.Frames.ethernet(na).destination());
            assertEquals(255, Frames6.ip6Of(na).hopLimit());
            assertEquals(Ndp.STALE, h.stack.ipv6().neighborState(h.nif, PEER6[0], PEER6[1]));
        }
    }

    @Test
    void shouldDropNeighbourMessagesWithHopLimitBelow255OrBadOptions()
    {
        try (StackHarness h = harness(0))
        {
            final byte[] ns = Frames6.solicitation(PEER_MAC, PEER6, STACK6, PEER_MAC);
            ns[21] = (byte)254;
            h.receive(ns);
            // an option of length 0 (RFC 4861 4.6): the message is dropped
            final long[] group = {Ipv6Address.solicitedNodeHi(), Ipv6Address.solicitedNodeLo(STACK6[1])};
            final byte[] body = Frames6.neighborBody(STACK6, 1, PEER_MAC);
            body[17] = 0;
            h.receive(Frames6.ipv6(0x3333_FF00_0002L, PEER_MAC, PEER6, group, 58, 255, Frames6.icmp6(PEER6, group,
                Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION, 0, 0, body)));
            assertNull(h.link.take());
            assertEquals(2, h.stack.ipCounters().ndpInInvalid);
            assertEquals(0, h.stack.ipv6().neighborState(h.nif, PEER6[0], PEER6[1]));
        }
    }

    @Test
    void shouldMoveStaleNeighbourThroughDelayAndProbe()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            assertEquals(Ndp.STALE, h.stack.ipv6().neighborState(h.nif, PEER6[0], PEER6[1]));
            h.receive(echoRequest(1, 1, new byte[8]));
            assertTrue(Frames6.isIcmp6(h.link.take(), Icmpv6Header.TYPE_ECHO_REPLY));
            assertEquals(Ndp.DELAY, h.stack.ipv6().neighborState(h.nif, PEER6[0], PEER6[1]));
            h.advance(5_000_000_000L);
            assertEquals(Ndp.PROBE, h.stack.ipv6().neighborState(h.nif, PEER6[0], PEER6[1]));
            final byte[] probe = h.link.take();
            assertTrue(Frames6.isIcmp6(probe, Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION));
            // RFC 4861 7.3.3: a unicast probe, to the cached address
            assertEquals(PEER_MAC, org.jbypass.netstack.testing.Frames.ethernet(probe).destination());
            assertEquals(PEER6[1], Frames6.ip6Of(probe).destinationLo());
            h.receive(Frames6.advertisement(STACK_MAC, PEER_MAC, PEER6, STACK6, Icmpv6Header.NA_SOLICITED, PEER_MAC));
            assertEquals(Ndp.REACHABLE, h.stack.ipv6().neighborState(h.nif, PEER6[0], PEER6[1]));
        }
    }

    @Test
    void shouldKeepAddressTentativeUntilDadPasses()
    {
        try (StackHarness h = harness(1))
        {
            final byte[] dad = h.link.take();
            assertNotNull(dad);
            assertTrue(Frames6.isIcmp6(dad, Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION));
            final Ipv6Header ip = Frames6.ip6Of(dad);
            // RFC 4862 5.4.2: from ::, to the solicited-node group, with no source link-layer option; with the nonce
            // of RFC 7527 section 4.1 (DadTest checks it)
            assertTrue(Ipv6Address.isUnspecified(ip.sourceHi(), ip.sourceLo()));
            assertEquals(32, ip.payloadLength());
            assertEquals(NdpOptions.NONCE, dad[54 + 24]);
            assertEquals(Ipv6Interface.TENTATIVE, h.stack.ipv6().addressState(STACK6[0], STACK6[1]));
            // a tentative address is answered for by nobody and receives nothing
            h.receive(Frames6.solicitation(PEER_MAC, PEER6, STACK6, PEER_MAC));
            h.receive(echoRequest(1, 1, new byte[8]));
            for (final byte[] f : takeAll(h))
            {
                assertTrue(Frames6.isIcmp6(f, Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION), "only DAD is sent");
                assertTrue(Ipv6Address.isUnspecified(Frames6.ip6Of(f).sourceHi(), Frames6.ip6Of(f).sourceLo()));
            }
            assertEquals(1, h.stack.ipCounters().ip6InTentative);
            h.advance(1_000_000_000L);
            assertEquals(Ipv6Interface.PREFERRED, h.stack.ipv6().addressState(STACK6[0], STACK6[1]));
            assertEquals(2, h.stack.ipCounters().dadSucceeded);
        }
    }

    @Test
    void shouldDetectDuplicateAddressFromAdvertisementOrSolicitation()
    {
        try (StackHarness h = harness(1))
        {
            h.link.drain();
            // someone already holds 2001:db8::2 and says so to all nodes
            h.receive(Frames6.advertisement(0x3333_0000_0001L, PEER_MAC, STACK6, new long[] {Ipv6Address.ALL_NODES_HI,
                Ipv6Address.ALL_NODES_LO}, Icmpv6Header.NA_OVERRIDE, PEER_MAC));
            // and someone else runs DAD for the link-local address at the same time
            h.receive(Frames6.ipv6(0x3333_FF00_0002L, PEER_MAC, new long[] {0, 0}, new long[] {
                Ipv6Address.solicitedNodeHi(), Ipv6Address.solicitedNodeLo(STACK_LL[1])}, 58, 255, Frames6.icmp6(
                new long[] {0, 0}, new long[] {Ipv6Address.solicitedNodeHi(), Ipv6Address.solicitedNodeLo(STACK_LL[1])},
                Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION, 0, 0, Frames6.neighborBody(STACK_LL, 1, -1))));
            h.advance(2_000_000_000L);
            assertEquals(Ipv6Interface.DUPLICATE, h.stack.ipv6().addressState(STACK6[0], STACK6[1]));
            assertEquals(Ipv6Interface.DUPLICATE, h.stack.ipv6().addressState(STACK_LL[0], STACK_LL[1]));
            assertEquals(2, h.stack.ipCounters().dadDuplicates);
            assertTrue(!h.stack.ipv6().selectSource(PEER6[0], PEER6[1]), "no usable source");
        }
    }

    @Test
    void shouldReassembleFragmentedEchoAndFragmentTheReply()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            final byte[] data = new byte[8000];
            new Random(7).nextBytes(data);
            final byte[] icmp = Frames6.echo(PEER6, STACK6, Icmpv6Header.TYPE_ECHO_REQUEST, 9, 1, data);
            final int id = 0x11223344;
            for (int off = 0; off < icmp.length; off += 1448)
            {
                h.link.inject(fragment(icmp, off, Math.min(1448, icmp.length - off), id));
            }
            h.poll();
            final byte[] whole = new byte[icmp.length];
            int fragments = 0;
            int total = 0;
            for (final byte[] f : takeAll(h))
            {
                final Ipv6Header ip = Frames6.ip6Of(f);
                assertEquals(Ipv6Header.NEXT_FRAGMENT, ip.nextHeader());
                assertTrue(f.length - 14 <= 1500);
                final ByteBuffer b = ByteBuffer.wrap(f);
                assertEquals(58, f[54]);
                final int offset = b.getShort(56) & 0xFFF8;
                final int length = ip.payloadLength() - 8;
                System.arraycopy(f, 62, whole, offset, length);
                total += length;
                fragments++;
            }
            assertEquals(6, fragments);
            assertEquals(icmp.length, total);
            assertArrayEquals(Frames6.echo(STACK6, PEER6, Icmpv6Header.TYPE_ECHO_REPLY, 9, 1, data), whole);
            assertEquals(1, h.stack.ipCounters().ip6ReasmOks);
            assertEquals(0, h.stack.ipv6().reassembliesInProgress());
            assertEquals(0, h.leakedBuffers());
        }
    }

    /** One fragment of an upper-layer packet: a fragment header and {@code length} bytes from {@code offset}. */
    static byte[] fragment(final byte[] upper, final int offset, final int length, final int id)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + length);
        b.put(0, (byte)58);
        b.putShort(2, (short)(offset | (offset + length < upper.length ? 1 : 0)));
        b.putInt(4, id);
        b.put(8, upper, offset, length);
        return Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 44, 64, b.array());
    }

    @Test
    void shouldDropOverlappingFragments()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            final byte[] icmp = Frames6.echo(PEER6, STACK6, Icmpv6Header.TYPE_ECHO_REQUEST, 9, 1, new byte[3000]);
            h.receive(fragment(icmp, 0, 1448, 5));
            h.receive(fragment(icmp, 1440, 1448, 5));
            h.receive(fragment(icmp, 2888, icmp.length - 2888, 5));
            assertNull(h.link.take());
            assertEquals(1, h.stack.ipCounters().ip6ReasmOverlaps);
            assertEquals(0, h.stack.ipCounters().ip6ReasmOks);
        }
    }

    @Test
    void shouldProcessAtomicFragmentOnItsOwn()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            final byte[] icmp = Frames6.echo(PEER6, STACK6, Icmpv6Header.TYPE_ECHO_REQUEST, 3, 3, new byte[16]);
            h.receive(fragment(icmp, 0, icmp.length, 77));
            assertTrue(Frames6.isIcmp6(h.link.take(), Icmpv6Header.TYPE_ECHO_REPLY));
            assertEquals(1, h.stack.ipCounters().ip6InAtomicFragments);
            assertEquals(0, h.stack.ipCounters().ip6ReasmReqds);
        }
    }

    @Test
    void shouldLowerPathMtuOnPacketTooBigAndFragmentAtIt()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            final long[] far = PEER6;
            assertEquals(1500, h.stack.ipv6().pathMtu(far[0], far[1]));
            // the packet too big quotes a packet we sent (an echo reply of 1400 bytes)
            final byte[] quoted = Frames6.ip6Of(Frames6.ipv6(PEER_MAC, STACK_MAC, STACK6, far, 58, 64,
                new byte[1400])) != null ? java.util.Arrays.copyOfRange(Frames6.ipv6(PEER_MAC, STACK_MAC, STACK6,
                far, 58, 64, new byte[1400]), 14, 14 + 1232) : null;
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 58, 64, Frames6.icmp6(PEER6, STACK6,
                Icmpv6Header.TYPE_PACKET_TOO_BIG, 0, 1300, quoted)));
            assertEquals(1300, h.stack.ipv6().pathMtu(far[0], far[1]));
            assertEquals(1, h.stack.ipCounters().pmtuLearned);
            // below 1280 is never believed (RFC 8200 section 5)
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 58, 64, Frames6.icmp6(PEER6, STACK6,
                Icmpv6Header.TYPE_PACKET_TOO_BIG, 0, 600, quoted)));
            assertEquals(1280, h.stack.ipv6().pathMtu(far[0], far[1]));
            h.receive(echoRequest(1, 1, new byte[1400]));
            final List<byte[]> frames = takeAll(h);
            assertEquals(2, frames.size());
            for (final byte[] f : frames)
            {
                assertTrue(f.length - 14 <= 1280);
            }
            // RFC 8201 section 4: forgotten after ten minutes
            h.advance(600_000_000_000L);
            assertEquals(1500, h.stack.ipv6().pathMtu(far[0], far[1]));
        }
    }

    @Test
    void shouldAnswerUnknownNextHeaderWithParameterProblem()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 132, 64, new byte[16]));
            final byte[] error = h.link.take();
            assertTrue(Frames6.isIcmp6(error, Icmpv6Header.TYPE_PARAMETER_PROBLEM));
            assertTrue(Frames6.icmp6ChecksumOk(error));
            assertEquals(Icmpv6Header.CODE_UNRECOGNIZED_NEXT_HEADER, error[55]);
            assertEquals(Ipv6Header.NEXT_HEADER, ByteBuffer.wrap(error).getInt(58));
            assertEquals(1, h.stack.ipCounters().ip6InUnknownProtocols);
        }
    }

    @Test
    void shouldDropRoutingHeaderType0WithSegmentsLeft()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            final byte[] echo = Frames6.echo(PEER6, STACK6, Icmpv6Header.TYPE_ECHO_REQUEST, 1, 1, new byte[8]);
            final ByteBuffer rh = ByteBuffer.allocate(24 + echo.length);
            rh.put(0, (byte)58).put(1, (byte)2).put(2, (byte)0).put(3, (byte)1);
            rh.put(24, echo);
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 43, 64, rh.array()));
            final byte[] error = h.link.take();
            assertTrue(Frames6.isIcmp6(error, Icmpv6Header.TYPE_PARAMETER_PROBLEM));
            assertEquals(Icmpv6Header.CODE_ERRONEOUS_HEADER, error[55]);
            assertEquals(40 + 2, ByteBuffer.wrap(error).getInt(58), "points at the routing type");
            assertEquals(1, h.stack.ipCounters().ip6InRoutingHeaders);
            // with segments left 0 the header is ignored and the echo answered
            rh.put(3, (byte)0);
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 43, 64, rh.array()));
            assertTrue(Frames6.isIcmp6(h.link.take(), Icmpv6Header.TYPE_ECHO_REPLY));
        }
    }

    @Test
    void shouldHonourOptionTypeHighBits()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            final byte[] echo = Frames6.echo(PEER6, STACK6, Icmpv6Header.TYPE_ECHO_REQUEST, 1, 1, new byte[8]);
            final int[] types = {0x1E, 0x5E, 0x9E, 0xDE};
            for (final int type : types)
            {
                final ByteBuffer d = ByteBuffer.allocate(8 + echo.length);
                d.put(0, (byte)58).put(1, (byte)0).put(2, (byte)type).put(3, (byte)4);
                d.put(8, echo);
                h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 60, 64, d.array()));
            }
            final List<byte[]> out = takeAll(h);
            // 00: skipped (echo answered); 01: dropped; 10 and 11 (unicast): parameter problem code 2
            assertEquals(3, out.size());
            assertTrue(Frames6.isIcmp6(out.get(0), Icmpv6Header.TYPE_ECHO_REPLY));
            for (int i = 1; i < 3; i++)
            {
                assertTrue(Frames6.isIcmp6(out.get(i), Icmpv6Header.TYPE_PARAMETER_PROBLEM));
                assertEquals(Icmpv6Header.CODE_UNRECOGNIZED_OPTION, out.get(i)[55]);
                assertEquals(40 + 2, ByteBuffer.wrap(out.get(i)).getInt(58));
            }
            assertEquals(3, h.stack.ipCounters().ip6InUnknownOptions);
        }
    }

    @Test
    void shouldRejectHopByHopNotFirstAndBoundTheChain()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            // destination options, then hop-by-hop: parameter problem code 1 at the field naming it
            final ByteBuffer d = ByteBuffer.allocate(16);
            d.put(0, (byte)0).put(1, (byte)0).put(2, (byte)1).put(3, (byte)4);
            d.put(8, (byte)59).put(9, (byte)0).put(10, (byte)1).put(11, (byte)4);
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 60, 64, d.array()));
            final byte[] error = h.link.take();
            assertTrue(Frames6.isIcmp6(error, Icmpv6Header.TYPE_PARAMETER_PROBLEM));
            assertEquals(Icmpv6Header.CODE_UNRECOGNIZED_NEXT_HEADER, error[55]);
            assertEquals(40, ByteBuffer.wrap(error).getInt(58));
            // twenty destination options headers: dropped, counted, no error
            final ByteBuffer many = ByteBuffer.allocate(20 * 8);
            for (int i = 0; i < 20; i++)
            {
                many.put(i * 8, (byte)(i == 19 ? 59 : 60)).put(i * 8 + 2, (byte)1).put(i * 8 + 3, (byte)4);
            }
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 60, 64, many.array()));
            assertNull(h.link.take());
            assertEquals(1, h.stack.ipCounters().ip6InTooManyHeaders);
            // a header that claims more than the packet holds
            final ByteBuffer truncated = ByteBuffer.allocate(8);
            truncated.put(0, (byte)59).put(1, (byte)3);
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 60, 64, truncated.array()));
            assertEquals(1, h.stack.ipCounters().ip6InTruncated);
        }
    }

    @Test
    void shouldNeverSendAnErrorAboutAnErrorOrAMulticast()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            // an unknown next header sent to all-nodes: no parameter problem (RFC 4443 2.4(e.3))
            h.receive(Frames6.ipv6(0x3333_0000_0001L, PEER_MAC, PEER6, new long[] {Ipv6Address.ALL_NODES_HI,
                Ipv6Address.ALL_NODES_LO}, 132, 64, new byte[16]));
            // an ICMPv6 error with a routing header in front is still an error: no error about it (2.4(e.1))
            final byte[] du = Frames6.icmp6(PEER6, STACK6, Icmpv6Header.TYPE_DESTINATION_UNREACHABLE, 0, 0,
                new byte[48]);
            final ByteBuffer rh = ByteBuffer.allocate(24 + du.length);
            rh.put(0, (byte)58).put(1, (byte)2).put(3, (byte)0);
            rh.put(24, du);
            final ByteBuffer dst = ByteBuffer.allocate(8 + rh.capacity());
            dst.put(0, (byte)43).put(2, (byte)0x9E).put(3, (byte)4);
            dst.put(8, rh.array());
            h.receive(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 60, 64, dst.array()));
            final List<byte[]> out = takeAll(h);
            assertEquals(1, out.size(), "the option error in front of the error is answered; nothing else");
            assertEquals(1, h.stack.ipCounters().icmp6ErrorsSuppressed);
        }
    }

    @Test
    void shouldRateLimitErrors()
    {
        try (StackHarness h = harness(0))
        {
            learnPeer(h);
            for (int i = 0; i < 100; i++)
            {
                h.link.inject(Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, STACK6, 132, 64, new byte[16]));
            }
            h.poll();
            h.poll();
            assertEquals(50, takeAll(h).size());
            assertEquals(50, h.stack.ipCounters().icmp6RateLimited);
        }
    }

    @Test
    void shouldDropInvalidHeadersWithAReasonEach()
    {
        try (StackHarness h = harness(0))
        {
            final byte[] ok = echoRequest(1, 1, new byte[8]);
            final byte[] version = ok.clone();
            version[14] = 0x40;
            final byte[] length = ok.clone();
            length[18] = 0x7F;
            final byte[] multicastSource = Frames6.ipv6(STACK_MAC, PEER_MAC, new long[] {Ipv6Address.ALL_NODES_HI, 1},
                STACK6, 58, 64, new byte[8]);
            final byte[] loopbackSource = Frames6.ipv6(STACK_MAC, PEER_MAC, new long[] {0, 1}, STACK6, 58, 64,
                new byte[8]);
            final byte[] notOurs = Frames6.ipv6(STACK_MAC, PEER_MAC, PEER6, Frames6.addr("2001:db8::99"), 58, 64,
                new byte[8]);
            final byte[] shortFrame = java.util.Arrays.copyOf(ok, 40);
            for (final byte[] f : new byte[][] {version, length, multicastSource, loopbackSource, notOurs})
            {
                h.receive(f);
            }
            h.receive(shortFrame);
            assertNull(h.link.take());
            final IpCounters c = h.stack.ipCounters();
            assertEquals(1, c.ip6InBadVersion);
            assertEquals(1, c.ip6InBadPayloadLength);
            assertEquals(2, c.ip6InBadSource);
            assertEquals(1, c.ip6InAddrErrors);
            assertEquals(1, c.ip6InTooShort);
        }
    }
}
