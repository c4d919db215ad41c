package org.jbypass.provider.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/**
 * An interface configured with {@code address6} alone is IPv6-only: it parses, keys that need IPv4 fail naming
 * themselves, and the router sends IPv6 sockets to the stack and IPv4 ones to the JDK.
 */
class ConfigIpv6OnlyTest
{
    private static Properties ipv6Only()
    {
        final Properties p = new Properties();
        p.setProperty("interface.six.driver", "afpacket");
        p.setProperty("interface.six.host-if", "veth0");
        p.setProperty("interface.six.address6", "2001:db8::2/64");
        p.setProperty("bind.wildcard", "stack");
        return p;
    }

    private static void assertFailure(final Properties p, final String key, final String detail)
    {
        final ConfigurationException e = assertThrows(ConfigurationException.class,
            () -> ConfigParser.parse(null, p));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(detail), () -> "expected '" + detail + "' in: " + e.getMessage());
    }

    @Test
    void shouldParseAnInterfaceWithOnlyIpv6Addresses() throws Exception
    {
        final BypassConfig config = ConfigParser.parse(null, ipv6Only());
        final InterfaceConfig six = config.interfaces().get(0);
        assertFalse(six.hasIpv4());
        assertEquals(0, six.address());
        assertEquals("[2001:db8::2/64]", six.addresses6().toString());
        assertEquals("six{afpacket:veth0 [2001:db8::2/64]}", six.toString());
        assertTrue(six.booleanOption(InterfaceConfig.ACCEPT_RA, true), "router advertisements taken by default");
        final Properties off = ipv6Only();
        off.setProperty("interface.six.accept-ra", "false");
        assertFalse(ConfigParser.parse(null, off).interfaces().get(0).booleanOption(InterfaceConfig.ACCEPT_RA, true));
    }

    @Test
    void shouldAcceptTwoIpv6OnlyInterfacesBesideAnIpv4One() throws Exception
    {
        final Properties p = ipv6Only();
        p.setProperty("interface.other.driver", "memory");
        p.setProperty("interface.other.host-if", "wire");
        p.setProperty("interface.other.address6", "2001:db8:1::2/64");
        p.setProperty("interface.four.driver", "memory");
        p.setProperty("interface.four.host-if", "wire4");
        p.setProperty("interface.four.address", "198.18.0.2/24");
        p.setProperty("route.1", "10.0.0.0/8 via four gateway 198.18.0.1");
        p.setProperty("route.2", "::/0 via other gateway fe80::1");
        final BypassConfig config = ConfigParser.parse(null, p);
        assertEquals(3, config.interfaces().size());
        final Router router = new Router(config);
        assertEquals(Backend.STACK, router.forDestination(InetAddress.getByName("10.1.2.3")));
        assertEquals(Backend.STACK, router.forDestination(InetAddress.getByName("2001:db8:77::1")));
        assertEquals(Backend.KERNEL, router.forDestination(InetAddress.getByName("198.19.0.1")));
    }

    @Test
    void shouldNameTheKeyOfWhatNeedsIpv4() throws Exception
    {
        final Properties none = ipv6Only();
        none.remove("interface.six.address6");
        assertFailure(none, "interface.six.address", "or give interface.six.address6 alone");

        final Properties gateway = ipv6Only();
        gateway.setProperty("interface.six.gateway", "198.18.0.1");
        assertFailure(gateway, "interface.six.gateway", "needs an IPv4 address");

        final Properties route = ipv6Only();
        route.setProperty("route.1", "10.0.0.0/8 via six");
        assertFailure(route, "route.1", "has no IPv4 address (give interface.six.address)");

        final Properties acceptRa = ipv6Only();
        acceptRa.remove("interface.six.address6");
        acceptRa.setProperty("interface.six.address", "198.18.0.2/24");
        acceptRa.setProperty("interface.six.accept-ra", "false");
        assertFailure(acceptRa, "interface.six.accept-ra", "give interface.six.address6 too");

        final Properties mtu = ipv6Only();
        mtu.setProperty("interface.six.mtu", "1000");
        assertFailure(mtu, "interface.six.mtu", "below the 1280 IPv6 needs");
    }

    @Test
    void shouldRouteIpv6ToTheStackAndIpv4ToTheJdk() throws Exception
    {
        final Router router = new Router(ConfigParser.parse(null, ipv6Only()));
        assertEquals(Backend.STACK, router.forBind(InetAddress.getByName("2001:db8::2")));
        assertEquals(Backend.STACK, router.forDestination(InetAddress.getByName("2001:db8::1")));
        // No IPv4 address: nothing IPv4 is the stack's, and the interface's prefix length of 0 matches nothing.
        assertFalse(router.isStackAddress(0));
        assertEquals(Backend.KERNEL, router.forBind(InetAddress.getByName("198.18.0.2")));
        assertEquals(Backend.KERNEL, router.forDestination(InetAddress.getByName("198.18.0.1")));
        assertEquals(Backend.KERNEL, router.forDestination(InetAddress.getByName("0.0.0.0")));
        assertEquals(Backend.KERNEL, router.forDestination(InetAddress.getByName("8.8.8.8")));
        assertEquals(Backend.KERNEL, router.forDestination(InetAddress.getByName("::ffff:198.18.0.1")),
            "an IPv4-mapped destination is IPv4");
        assertEquals(-1, router.interfaces().indexOfAddress(0));
    }
}
