package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.config.BypassConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider builds a stack's IPv6 from its configuration: addresses (link-local first) and IPv6 routes. */
class StackEngineIpv6Test
{
    @TempDir
    Path dir;

    @Test
    void shouldGiveTheStackItsIpv6AddressesAndRoutes() throws Exception
    {
        final Path file = dir.resolve("jbypass.properties");
        Files.writeString(file, String.join("\n",
            "interface.eth0.driver = memory",
            "interface.eth0.host-if = ip6-engine-" + ProcessHandle.current().pid(),
            "interface.eth0.address = 198.18.0.2/24",
            "interface.eth0.mac = 02:00:00:00:00:02",
            "interface.eth0.address6 = 2001:db8::2/64, fe80::2/64",
            "interface.eth1.driver = memory",
            "interface.eth1.host-if = ip6-engine-b-" + ProcessHandle.current().pid(),
            "interface.eth1.address = 198.18.1.2/24",
            "interface.eth1.mac = 02:00:00:00:01:02",
            "interface.eth1.address6 = 2001:db8:1::2/64",
            "interface.eth1.accept-ra = false",
            "route.1 = 2001:db8:5::/48 via eth0 gateway fe80::1",
            "stack.buffers = 256"), StandardCharsets.ISO_8859_1);
        final StackEngine engine = StackEngine.start(BypassConfig.load(file), new Drivers());
        try
        {
            engine.withLock(stack ->
            {
                final NetInterface eth0 = stack.interfaces().get(0);
                final NetInterface eth1 = stack.interfaces().get(1);
                // The configured link-local replaces the derived one; eth1 derives its own from its MAC.
                assertEquals(List.of("fe80::2/64", "2001:db8::2/64"), stack.ipv6().describeAddresses(eth0));
                assertEquals(List.of("fe80::ff:fe00:102/64", "2001:db8:1::2/64"),
                    stack.ipv6().describeAddresses(eth1));
                assertTrue(stack.ipv6().acceptsRouterAdvertisements(eth0), "on unless turned off");
                assertTrue(!stack.ipv6().acceptsRouterAdvertisements(eth1), "interface.eth1.accept-ra = false");
                final String routes = stack.ipv6().describeRoutes();
                assertTrue(routes.contains("2001:db8:5::/48 dev eth0 via fe80::1"), routes);
                assertTrue(routes.contains("2001:db8:1::/64 dev eth1"), routes);
                final long[] far = Ipv6Address.parse("2001:db8:5::9");
                assertTrue(stack.ipv6().pathMtu(far[0], far[1]) >= 1280);
                return null;
            });
        }
        finally
        {
            engine.close();
        }
    }
}
