package org.jbypass.provider.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Properties;

import org.jbypass.netstack.wire.Ipv6Address;
import org.junit.jupiter.api.Test;

/**
 * Scope IDs name stack interfaces by the kernel index of the netdev they run on: a scoped link-local destination
 * goes to the stack when its scope names a stack interface with IPv6, to the JDK otherwise. The test's stack
 * interface names the loopback netdev (kernel index 1, always present) as its wire, so that a scope can name it.
 */
class RouterScopeTest
{
    private static Router router() throws ConfigurationException
    {
        final Properties p = new Properties();
        p.setProperty("interface.four.driver", "memory");
        p.setProperty("interface.four.host-if", "scope-test-wire");
        p.setProperty("interface.four.address", "198.18.0.2/24");
        p.setProperty("interface.lo.driver", "memory");
        p.setProperty("interface.lo.host-if", "lo");
        p.setProperty("interface.lo.address6", "2001:db8::2/64");
        return new Router(ConfigParser.parse(null, p));
    }

    private static Inet6Address scoped(final String address, final int scopeId) throws Exception
    {
        return Inet6Address.getByAddress(null, InetAddress.getByName(address).getAddress(), scopeId);
    }

    @Test
    void shouldMapScopeIdsToStackInterfacesByTheirNetdev() throws Exception
    {
        final Router router = router();
        final StackInterfaces interfaces = router.interfaces();
        // Interfaces are ordered by name in the configuration: "four", then "lo" (index 1, scope 2).
        final int lo = interfaces.hostInterface(0).equals("lo") ? 0 : 1;
        assertEquals(lo + 1, interfaces.scopeOf(scoped("fe80::1", 1)), "ifindex 1 is lo");
        assertEquals(0, interfaces.scopeOf((Inet6Address)InetAddress.getByName("fe80::1")), "no scope");
        assertEquals(StackInterfaces.UNKNOWN_SCOPE, interfaces.scopeOf(scoped("fe80::1", 1_000_000)));
        assertEquals(1, interfaces.scopeId(lo), "reported with lo's kernel index");
        assertEquals(0, interfaces.scopeId(1 - lo), "a wire that is no netdev has none");
        assertEquals(Ipv6Address.MAX_SCOPE, StackInterfaces.UNKNOWN_SCOPE);
    }

    @Test
    void shouldRouteScopedLinkLocalAddressesByTheInterfaceTheyName() throws Exception
    {
        final Router router = router();
        assertEquals(Backend.STACK, router.forDestination(scoped("fe80::1", 1)), "on the stack's link");
        assertEquals(Backend.KERNEL, router.forDestination(scoped("fe80::1", 1_000_000)), "another netdev's");
        assertEquals(Backend.KERNEL, router.forDestination(InetAddress.getByName("fe80::1")),
            "unscoped: the JDK's, which refuses a connect as the stack would");
        assertEquals(Backend.STACK, router.forBind(scoped("fe80::5", 1)), "the stack's link-local, scoped to it");
        assertEquals(Backend.KERNEL, router.forBind(InetAddress.getByName("fe80::5")));
    }
}
