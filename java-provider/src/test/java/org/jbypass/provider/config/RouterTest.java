package org.jbypass.provider.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Properties;

import org.junit.jupiter.api.Test;

class RouterTest
{
    private static Router router(final String wildcard) throws ConfigurationException
    {
        final Properties p = new Properties();
        p.setProperty("interface.a.driver", "afpacket");
        p.setProperty("interface.a.host-if", "veth0");
        p.setProperty("interface.a.address", "198.18.0.2/24");
        p.setProperty("interface.b.driver", "memory");
        p.setProperty("interface.b.host-if", "wire");
        p.setProperty("interface.b.address", "198.19.5.1/16");
        p.setProperty("interface.b.gateway", "198.19.0.1");
        p.setProperty("route.1", "10.20.0.0/16 via b");
        if (wildcard != null)
        {
            p.setProperty("bind.wildcard", wildcard);
        }
        return new Router(ConfigParser.parse(null, p));
    }

    private static InetAddress ip(final String text) throws UnknownHostException
    {
        return InetAddress.getByName(text);
    }

    @Test
    void shouldSendBindsToStackAddressesToTheStack() throws Exception
    {
        final Router router = router(null);
        assertEquals(Backend.STACK, router.forBind(ip("198.18.0.2")));
        assertEquals(Backend.STACK, router.forBind(ip("198.19.5.1")));
        assertEquals(Backend.KERNEL, router.forBind(ip("198.18.0.3")), "on the subnet, but not ours");
        assertEquals(Backend.KERNEL, router.forBind(ip("127.0.0.1")));
        assertEquals(Backend.KERNEL, router.forBind(ip("::1")));
    }

    @Test
    void shouldSendWildcardBindsWhereTheConfigurationSays() throws Exception
    {
        assertEquals(Backend.KERNEL, router(null).forBind(null));
        assertEquals(Backend.KERNEL, router(null).forBind(ip("0.0.0.0")));
        assertEquals(Backend.KERNEL, router("kernel").forBind(ip("::")));
        assertEquals(Backend.STACK, router("stack").forBind(null));
        assertEquals(Backend.STACK, router("stack").forBind(ip("0.0.0.0")));
        assertEquals(Backend.STACK, router("stack").forBind(ip("::")));
    }

    @Test
    void shouldSendDestinationsOnSubnetsRoutesAndOwnAddressesToTheStack() throws Exception
    {
        final Router router = router(null);
        assertEquals(Backend.STACK, router.forDestination(ip("198.18.0.1")), "on a's subnet");
        assertEquals(Backend.STACK, router.forDestination(ip("198.18.0.255")), "a's broadcast address");
        assertEquals(Backend.STACK, router.forDestination(ip("198.19.200.7")), "on b's /16");
        assertEquals(Backend.STACK, router.forDestination(ip("10.20.3.4")), "route.1");
        assertEquals(Backend.STACK, router.forDestination(ip("198.18.0.2")), "the stack's own address");
        assertEquals(Backend.KERNEL, router.forDestination(ip("10.21.0.1")), "just outside route.1");
        assertEquals(Backend.KERNEL, router.forDestination(ip("198.20.0.1")));
        assertEquals(Backend.KERNEL, router.forDestination(ip("127.0.0.1")));
        assertEquals(Backend.KERNEL, router.forDestination(ip("2001:db8::1")), "no IPv6 address configured: the JDK's");
    }

    @Test
    void shouldRouteEverythingThroughADefaultRoute() throws Exception
    {
        final Properties p = new Properties();
        p.setProperty("interface.a.driver", "afpacket");
        p.setProperty("interface.a.host-if", "veth0");
        p.setProperty("interface.a.address", "198.18.0.2/24");
        p.setProperty("interface.a.gateway", "198.18.0.1");
        p.setProperty("route.default", "0.0.0.0/0 via a");
        final Router router = new Router(ConfigParser.parse(null, p));
        assertEquals(Backend.STACK, router.forDestination(ip("93.184.216.34")));
        assertEquals(Backend.KERNEL, router.forDestination(ip("::1")));
    }

    @Test
    void shouldRouteIpv6AddressesByTheSameRules() throws Exception
    {
        final Properties p = new Properties();
        p.setProperty("interface.a.driver", "afpacket");
        p.setProperty("interface.a.host-if", "veth0");
        p.setProperty("interface.a.address", "198.18.0.2/24");
        p.setProperty("interface.a.address6", "2001:db8::2/64");
        p.setProperty("route.1", "2001:db8:5::/48 via a gateway 2001:db8::1");
        p.setProperty("bind.wildcard", "stack");
        final Router router = new Router(ConfigParser.parse(null, p));
        assertEquals(Backend.STACK, router.forBind(ip("2001:db8::2")), "the stack's address6");
        assertEquals(Backend.KERNEL, router.forBind(ip("2001:db8::3")), "on the prefix, but not ours");
        assertEquals(Backend.KERNEL, router.forBind(ip("::1")));
        assertEquals(Backend.STACK, router.forBind(ip("ff02::1")), "a group goes where the wildcard goes");
        assertEquals(Backend.STACK, router.forBind(ip("::")), "the JDK's wildcard when IPv6 is available");
        assertEquals(Backend.STACK, router.forDestination(ip("2001:db8::1")), "on the prefix");
        assertEquals(Backend.STACK, router.forDestination(ip("2001:db8:5:7::9")), "route.1");
        assertEquals(Backend.STACK, router.forDestination(ip("2001:db8::2")), "the stack's own address");
        assertEquals(Backend.KERNEL, router.forDestination(ip("2001:db8:6::1")), "outside every prefix and route");
        assertEquals(Backend.KERNEL, router.forDestination(ip("::1")));
        assertEquals(Backend.KERNEL, router.forDestination(ip("ff02::1")));
        assertEquals(Backend.STACK, router.forDestination(ip("198.18.0.1")), "IPv4 as before");
    }
}
