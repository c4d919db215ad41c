package org.jbypass.netstack.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.testing.Frames6;
import org.jbypass.netstack.testing.StackHarness;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.NdpOptions;
import org.junit.jupiter.api.Test;

/**
 * Router advertisements, host side (RFC 4861 section 6.3.4), scripted against an IPv6-only stack: default routers
 * with their lifetimes, on-link prefixes, the MTU option, the configuration first, bounded lists, hostile
 * advertisements dropped and counted, and the switch to turn it all off.
 */
class RouterAdvertisementTest
{
    private static final long[] STACK6 = Frames6.addr("2001:db8::2");
    private static final long[] ALL_NODES = Frames6.addr("ff02::1");
    private static final long ROUTER_MAC = 0x0200_0000_00F1L;
    private static final long[] ROUTER = Frames6.addr("fe80::1");
    private static final long[] FAR = Frames6.addr("2001:db8:99::7");
    private static final long[] ON_LINK = Frames6.addr("2001:db8:5::7");

    private static StackHarness harness()
    {
        final StackHarness h = new StackHarness(StackConfig.builder().poolBuffers(1024)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(0).withDadDelayNanos(0)).build(), 1500, 0, false);
        h.link.setAside(Frames6::isMld);
        h.stack.addAddress6(h.nif, STACK6[0], STACK6[1], 64);
        h.poll();
        h.link.drain();
        return h;
    }

    /** A router advertisement with a source link-layer option, and the given prefix and MTU options (0: none). */
    static byte[] advertisement(final long[] source, final int hopLimit, final int lifetimeSeconds,
        final long[] prefix, final int prefixLength, final int prefixFlags, final long validSeconds, final int mtu)
    {
        final ByteBuffer body = ByteBuffer.allocate(8 + 8 + (prefix == null ? 0 : 32) + (mtu == 0 ? 0 : 8));
        body.putInt(0, 0).putInt(4, 0);
        int at = 8;
        body.put(at, (byte)NdpOptions.SOURCE_LINK_LAYER_ADDRESS).put(at + 1, (byte)1);
        body.putShort(at + 2, (short)(ROUTER_MAC >>> 32)).putInt(at + 4, (int)ROUTER_MAC);
        at += 8;
        if (prefix != null)
        {
            body.put(at, (byte)NdpOptions.PREFIX_INFORMATION).put(at + 1, (byte)4).put(at + 2, (byte)prefixLength)
                .put(at + 3, (byte)prefixFlags).putInt(at + 4, (int)validSeconds).putInt(at + 8, (int)validSeconds);
            Ipv6Address.write(body, at + 16, prefix[0], prefix[1]);
            at += 32;
        }
        if (mtu != 0)
        {
            body.put(at, (byte)NdpOptions.MTU).put(at + 1, (byte)1).putInt(at + 4, mtu);
        }
        return Frames6.ipv6(Ipv6Address.multicastMac(ALL_NODES[1]), ROUTER_MAC, source, ALL_NODES, 58, hopLimit,
            Frames6.icmp6(source, ALL_NODES, Icmpv6Header.TYPE_ROUTER_ADVERTISEMENT, 0,
                (64 << 24) | lifetimeSeconds, body.array()));
    }

    private static int send(final StackHarness h, final UdpSocket udp, final long[] to)
    {
        final int result = udp.send6(ByteBuffer.allocate(10), to[0], to[1], 9);
        h.stack.flush();
        return result;
    }

    /** The target of the neighbour solicitation the stack sent last, or null. */
    private static long[] solicited(final StackHarness h)
    {
        final byte[] frame = h.link.take();
        if (frame == null || !Frames6.isIcmp6(frame, Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION))
        {
            return null;
        }
        final ByteBuffer b = ByteBuffer.wrap(frame);
        return new long[] {b.getLong(54 + 8), b.getLong(54 + 16)};
    }

    @Test
    void shouldLearnARouterAPrefixAndTheMtuAndRouteThroughThem()
    {
        try (StackHarness h = harness())
        {
            final UdpSocket udp = h.stack.openUdp6(false);
            assertEquals(-Errno.ENETUNREACH, send(h, udp, FAR), "no route before the advertisement");
            h.receive(advertisement(ROUTER, 255, 1800, Frames6.addr("2001:db8:5::"), 64, 0xC0, 3600, 1400));
            assertEquals(1, h.stack.ipCounters().ndpInRouterAdverts);
            assertEquals(1, h.stack.ipv6().defaultRouterCount(h.nif));
            assertEquals(1, h.stack.ipv6().onLinkPrefixCount(h.nif));
            assertEquals(1400, h.stack.ipv6().pathMtu(FAR[0], FAR[1]), "the MTU option");
            assertEquals(Ndp.STALE, h.stack.ipv6().neighborState(h.nif, ROUTER[0], ROUTER[1]),
                "the router's MAC from its source link-layer option");

            // Far away: through the router, whose MAC the option gave.
            assertEquals(10, send(h, udp, FAR));
            final byte[] viaRouter = h.link.take();
            assertNotNull(viaRouter);
            assertEquals(ROUTER_MAC, Frames.ethernet(viaRouter).destination());
            assertEquals(FAR[0], Frames6.ip6Of(viaRouter).destinationHi());
            // On the advertised prefix: on the link, resolved directly.
            assertEquals(10, send(h, udp, ON_LINK));
            final long[] target = solicited(h);
            assertNotNull(target);
            assertEquals(ON_LINK[1], target[1]);

            // The router's lifetime ends: no route again. The prefix lives on for its hour.
            h.advance(1_801_000_000_000L);
            assertEquals(0, h.stack.ipv6().defaultRouterCount(h.nif));
            assertEquals(-Errno.ENETUNREACH, send(h, udp, FAR));
            assertEquals(1, h.stack.ipv6().onLinkPrefixCount(h.nif));
            udp.close();
        }
    }

    @Test
    void shouldForgetARouterAndAPrefixAdvertisedWithLifetimeZero()
    {
        try (StackHarness h = harness())
        {
            final long[] prefix = Frames6.addr("2001:db8:5::");
            h.receive(advertisement(ROUTER, 255, 1800, prefix, 64, 0x80, 3600, 0));
            assertEquals(1, h.stack.ipv6().defaultRouterCount(h.nif));
            h.receive(advertisement(ROUTER, 255, 0, prefix, 64, 0x80, 0, 0));
            assertEquals(0, h.stack.ipv6().defaultRouterCount(h.nif));
            assertEquals(0, h.stack.ipv6().onLinkPrefixCount(h.nif));
            // Without the on-link flag, or for the link-local prefix, nothing is learnt.
            h.receive(advertisement(ROUTER, 255, 0, prefix, 64, 0x40, 3600, 0));
            h.receive(advertisement(ROUTER, 255, 0, Frames6.addr("fe80::"), 64, 0x80, 3600, 0));
            assertEquals(0, h.stack.ipv6().onLinkPrefixCount(h.nif));
        }
    }

    @Test
    void shouldDropHostileAdvertisementsAndCountThem()
    {
        try (StackHarness h = harness())
        {
            h.receive(advertisement(ROUTER, 64, 1800, null, 0, 0, 0, 0));
            h.receive(advertisement(Frames6.addr("2001:db8::1"), 255, 1800, null, 0, 0, 0, 0));
            h.receive(Frames6.ipv6(Ipv6Address.multicastMac(ALL_NODES[1]), ROUTER_MAC, ROUTER, ALL_NODES, 58, 255,
                Frames6.icmp6(ROUTER, ALL_NODES, Icmpv6Header.TYPE_ROUTER_ADVERTISEMENT, 1, 1800,
                    new byte[8])));
            h.receive(Frames6.ipv6(Ipv6Address.multicastMac(ALL_NODES[1]), ROUTER_MAC, ROUTER, ALL_NODES, 58, 255,
                Frames6.icmp6(ROUTER, ALL_NODES, Icmpv6Header.TYPE_ROUTER_ADVERTISEMENT, 0, 1800, new byte[4])));
            final byte[] zeroLengthOption = new byte[8 + 8];
            zeroLengthOption[8] = (byte)NdpOptions.MTU;
            h.receive(Frames6.ipv6(Ipv6Address.multicastMac(ALL_NODES[1]), ROUTER_MAC, ROUTER, ALL_NODES, 58, 255,
                Frames6.icmp6(ROUTER, ALL_NODES, Icmpv6Header.TYPE_ROUTER_ADVERTISEMENT, 0, 1800,
                    zeroLengthOption)));
            assertEquals(5, h.stack.ipCounters().ndpInBadRouterAdverts);
            assertEquals(0, h.stack.ipCounters().ndpInRouterAdverts);
            assertEquals(0, h.stack.ipv6().defaultRouterCount(h.nif));
            assertNull(h.link.take(), "nothing answered");
            // An MTU outside 1280 and the link's is ignored.
            h.receive(advertisement(ROUTER, 255, 0, null, 0, 0, 0, 1000));
            h.receive(advertisement(ROUTER, 255, 0, null, 0, 0, 0, 9000));
            assertEquals(2, h.stack.ipCounters().ndpRouterMtuIgnored);
            assertEquals(1500, h.stack.ipv6().pathMtu(STACK6[0], STACK6[1] + 1));
        }
    }

    @Test
    void shouldBoundTheRouterAndPrefixLists()
    {
        try (StackHarness h = harness())
        {
            for (int i = 1; i <= RouterDiscovery.MAX_ROUTERS + 3; i++)
            {
                h.receive(advertisement(new long[] {Ipv6Address.LINK_LOCAL_HI, i}, 255, 1800,
                    new long[] {0x2001_0DB8_0100_0000L + ((long)i << 16), 0}, 48, 0x80, 3600, 0));
            }
            for (int i = 0; i < RouterDiscovery.MAX_PREFIXES; i++)
            {
                h.receive(advertisement(ROUTER, 255, 1800, new long[] {0x2001_0DB8_0200_0000L + ((long)i << 16), 0},
                    48, 0x80, 3600, 0));
            }
            assertEquals(RouterDiscovery.MAX_ROUTERS, h.stack.ipv6().defaultRouterCount(h.nif));
            assertEquals(RouterDiscovery.MAX_PREFIXES, h.stack.ipv6().onLinkPrefixCount(h.nif));
            // Three routers too many; of the 11 + 16 prefixes, 11 too many.
            assertEquals(3 + 11, h.stack.ipCounters().ndpRouterListFull);
        }
    }

    @Test
    void shouldPreferAConfiguredDefaultRouteAndIgnoreAdvertisementsWhenTurnedOff()
    {
        try (StackHarness h = harness())
        {
            final long[] configured = Frames6.addr("fe80::2");
            h.stack.addRoute6(0, 0, 0, h.nif, configured[0], configured[1]);
            h.receive(advertisement(ROUTER, 255, 1800, null, 0, 0, 0, 0));
            final UdpSocket udp = h.stack.openUdp6(false);
            assertEquals(10, send(h, udp, FAR));
            final long[] target = solicited(h);
            assertNotNull(target);
            assertEquals(configured[1], target[1], "the configured default route, not the advertised router");
            udp.close();
        }
        try (StackHarness h = harness())
        {
            h.stack.ipv6().acceptRouterAdvertisements(h.nif, false);
            h.receive(advertisement(ROUTER, 255, 1800, Frames6.addr("2001:db8:5::"), 64, 0x80, 3600, 1400));
            assertEquals(0, h.stack.ipv6().defaultRouterCount(h.nif));
            assertEquals(0, h.stack.ipv6().onLinkPrefixCount(h.nif));
            assertEquals(0, h.stack.ipv6().pathMtu(FAR[0], FAR[1]), "no route learnt");
            assertEquals(1, h.stack.ipCounters().ndpInRouterMessagesIgnored);
        }
    }
}
