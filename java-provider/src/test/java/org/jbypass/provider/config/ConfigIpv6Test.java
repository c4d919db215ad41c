package org.jbypass.provider.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jbypass.netstack.wire.Ipv6Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IPv6 keys: {@code interface.NAME.address6} and IPv6 {@code route.N} lines. */
class ConfigIpv6Test
{
    private static final String BASE = String.join("\n",
        "interface.eth0.driver = afpacket",
        "interface.eth0.host-if = veth1",
        "interface.eth0.address = 198.18.0.2/24",
        "");

    @TempDir
    Path dir;

    private BypassConfig load(final String text) throws IOException, ConfigurationException
    {
        final Path file = dir.resolve("jbypass.properties");
        Files.writeString(file, text, StandardCharsets.ISO_8859_1);
        return BypassConfig.load(file);
    }

    private void assertFailure(final String text, final String key, final String detail) throws IOException
    {
        final Path file = dir.resolve("jbypass.properties");
        Files.writeString(file, text, StandardCharsets.ISO_8859_1);
        final ConfigurationException e = assertThrows(ConfigurationException.class, () -> BypassConfig.load(file));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(detail), () -> "expected '" + detail + "' in: " + e.getMessage());
    }

    @Test
    void shouldParseSeveralAddressesAndIpv6Routes() throws Exception
    {
        final BypassConfig config = load(BASE + String.join("\n",
            "interface.eth0.address6 = 2001:db8::2/64, FE80::2/64,2001:db8:1::2/48",
            "route.1 = 2001:db8:5::/48 via eth0 gateway fe80::1",
            "route.2 = ::/0 via eth0 gateway 2001:db8::1",
            "route.3 = 2001:db8:9::/64 via eth0",
            "route.4 = 10.0.0.0/8 via eth0"));
        final List<InterfaceAddress6> addresses = config.interfaces().get(0).addresses6();
        assertEquals("[2001:db8::2/64, fe80::2/64, 2001:db8:1::2/48]", addresses.toString());
        assertFalse(addresses.get(0).isLinkLocal());
        assertTrue(addresses.get(1).isLinkLocal());
        assertEquals(1, config.routes().size());
        assertEquals(3, config.routes6().size());
        final Route6Config first = config.routes6().get(0);
        assertEquals("route.1", first.key());
        assertEquals("2001:db8:5::/48 via eth0 gateway fe80::1", first.toString());
        assertTrue(first.matches(Ipv6Address.parse("2001:db8:5:7::1")[0], Ipv6Address.parse("2001:db8:5:7::1")[1]));
        assertEquals("::/0 via eth0 gateway 2001:db8::1", config.routes6().get(1).toString());
        assertFalse(config.routes6().get(2).hasGateway());
    }

    @Test
    void shouldLeaveIpv6OffWithoutAddress6() throws Exception
    {
        assertTrue(load(BASE).interfaces().get(0).addresses6().isEmpty());
        assertTrue(load(BASE).routes6().isEmpty());
    }

    @Test
    void shouldRejectBadAddressesNamingTheKey() throws IOException
    {
        final String key = "interface.eth0.address6";
        assertFailure(BASE + key + " = 2001:db8::2", key, "no prefix length");
        assertFailure(BASE + key + " = 2001:db8::g/64", key, "malformed IPv6 address '2001:db8::g'");
        assertFailure(BASE + key + " = 2001:db8:::2/64", key, "malformed IPv6 address");
        assertFailure(BASE + key + " = 2001:db8::2/129", key, "prefix length 129 is out of range");
        assertFailure(BASE + key + " = ff02::1/64", key, "cannot be an interface's address");
        assertFailure(BASE + key + " = ::1/128", key, "cannot be an interface's address");
        assertFailure(BASE + key + " = ::ffff:1.2.3.4/96", key, "cannot be an interface's address");
        assertFailure(BASE + key + " = 2001:db8::2/64,,", key, "empty entry");
        assertFailure(BASE + key + " = 2001:db8::2/64, 2001:db8:0::2/64", key, "listed twice");
        assertFailure(BASE + key + " = 2001:db8::2/64\ninterface.eth0.mtu = 1000", "interface.eth0.mtu",
            "below the 1280 IPv6 needs");
        assertFailure(BASE + key + " = 2001:db8::2/64\n" + String.join("\n",
            "interface.eth1.driver = afpacket", "interface.eth1.host-if = veth3",
            "interface.eth1.address = 198.18.1.2/24", "interface.eth1.address6 = 2001:db8::2/64"),
            "interface.eth1.address6", "already an address of interface eth0");
        final StringBuilder many = new StringBuilder();
        for (int i = 1; i <= 16; i++)
        {
            many.append(i > 1 ? "," : "").append("2001:db8::").append(Integer.toHexString(i)).append("/64");
        }
        assertFailure(BASE + key + " = " + many, key, "at most 15");
    }

    @Test
    void shouldRejectBadIpv6RoutesNamingTheKey() throws IOException
    {
        final String withV6 = BASE + "interface.eth0.address6 = 2001:db8::2/64\n";
        assertFailure(withV6 + "route.1 = 2001:db8:5::1/48 via eth0", "route.1", "host bits set (did you mean "
            + "2001:db8:5::/48?)");
        assertFailure(withV6 + "route.1 = 2001:db8:5::/48 via eth9", "route.1", "no interface named 'eth9'");
        assertFailure(withV6 + "route.1 = 2001:db8:5::/48 via eth0 gateway ff02::2", "route.1",
            "cannot be an interface's address");
        assertFailure(withV6 + "route.1 = 2001:db8:5::/48 via eth0 gateway 2001:db8::2", "route.1",
            "the stack's own address");
        assertFailure(withV6 + "route.1 = 2001:db8:5::/48 via eth0 gateway 10.0.0.1", "route.1",
            "malformed IPv6 address");
        assertFailure(withV6 + "route.1 = 2001:db8:5::/200 via eth0", "route.1", "out of range");
        assertFailure(BASE + "route.1 = 2001:db8:5::/48 via eth0", "route.1", "has no IPv6 address");
    }
}
