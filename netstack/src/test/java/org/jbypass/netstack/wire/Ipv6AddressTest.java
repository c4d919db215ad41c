package org.jbypass.netstack.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class Ipv6AddressTest
{
    private static String text(final String address)
    {
        final long[] a = Ipv6Address.parse(address);
        return Ipv6Address.toString(a[0], a[1]);
    }

    @Test
    void shouldPrintRfc5952CanonicalText()
    {
        // RFC 5952 section 4: lower case, no leading zeros, the longest run of zero groups (the first of equal
        // ones) as ::, never :: for a single group, IPv4-mapped addresses in dotted form.
        assertEquals("2001:db8::1", text("2001:0DB8:0000:0000:0000:0000:0000:0001"));
        assertEquals("2001:db8:0:1:1:1:1:1", text("2001:db8:0:1:1:1:1:1"));
        assertEquals("2001:db8::1:0:0:1", text("2001:db8:0:0:1:0:0:1"));
        assertEquals("2001:0:0:1::1", text("2001:0:0:1:0:0:0:1"));
        assertEquals("::", text("0:0:0:0:0:0:0:0"));
        assertEquals("::1", text("::1"));
        assertEquals("1::", text("1:0:0:0:0:0:0:0"));
        assertEquals("fe80::ff:fe00:2", text("fe80:0:0:0:0:ff:fe00:2"));
        assertEquals("::ffff:192.0.2.1", text("::ffff:c000:201"));
        assertEquals("ff02::1:ff00:2", text("ff02::1:ff00:2"));
    }

    @Test
    void shouldParseEveryForm()
    {
        assertArrayEquals(new long[] {0x2001_0db8_0000_0000L, 1}, Ipv6Address.parse("2001:db8::1"));
        assertArrayEquals(new long[] {0, 0x0000_ffff_c000_0201L}, Ipv6Address.parse("::ffff:192.0.2.1"));
        assertArrayEquals(new long[] {0x0001_0002_0003_0004L, 0x0005_0006_0007_0008L},
            Ipv6Address.parse("1:2:3:4:5:6:7:8"));
        assertArrayEquals(new long[] {0x0001_0000_0000_0000L, 0x0000_0000_0000_0008L}, Ipv6Address.parse("1::8"));
        assertArrayEquals(new long[] {0x0001_0002_0003_0004L, 0x0005_0006_0007_0000L},
            Ipv6Address.parse("1:2:3:4:5:6:7::"));
        assertArrayEquals(new long[] {0, 0x0000_0000_0102_0304L}, Ipv6Address.parse("::1.2.3.4"));
    }

    @Test
    void shouldRejectWhatIsNotAnAddress()
    {
        for (final String bad : new String[] {"", ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
            "12345::", "g::1", "::1.2.3", "1.2.3.4::", "::1.2.3.256", "1:2:3:4:5:6:7:1.2.3.4", ":1::", "1::2:",
            "[::1]", "fe80::1%eth0", "2001:db8::1/64", "\uFF11::", "::\u0661"})
        {
            assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse(bad), bad);
        }
    }

    @Test
    void shouldAgreeWithTheJdkOnRandomAddresses() throws Exception
    {
        final SplittableRandom random = new SplittableRandom(5952);
        for (int i = 0; i < 2000; i++)
        {
            // zero groups are frequent, so that runs of them are exercised
            long hi = 0;
            long lo = 0;
            for (int g = 0; g < 4; g++)
            {
                hi = (hi << 16) | (random.nextInt(3) == 0 ? 0 : random.nextInt(0x10000));
                lo = (lo << 16) | (random.nextInt(3) == 0 ? 0 : random.nextInt(0x10000));
            }
            final String text = Ipv6Address.toString(hi, lo);
            final long[] back = Ipv6Address.parse(text);
            assertEquals(hi, back[0], text);
            assertEquals(lo, back[1], text);
            final byte[] bytes = InetAddress.getByName(text).getAddress();
            if (bytes.length == 16)
            {
                assertEquals(hi, Ipv6Address.hiFromBytes(bytes), text);
                assertEquals(lo, Ipv6Address.loFromBytes(bytes), text);
            }
            assertArrayEquals(Ipv6Address.toBytes(hi, lo), Ipv6Address.toBytes(back[0], back[1]));
        }
    }

    @Test
    void shouldTellPrefixesAndClasses()
    {
        final long[] a = Ipv6Address.parse("2001:db8:1:2:3:4:5:6");
        final long[] net48 = Ipv6Address.parse("2001:db8:1::");
        assertTrue(Ipv6Address.inPrefix(a[0], a[1], net48[0], net48[1], 48));
        assertFalse(Ipv6Address.inPrefix(a[0], a[1], net48[0], net48[1], 64));
        assertTrue(Ipv6Address.inPrefix(a[0], a[1], 0, 0, 0));
        assertTrue(Ipv6Address.inPrefix(a[0], a[1], a[0], a[1], 128));
        assertFalse(Ipv6Address.inPrefix(a[0], a[1], a[0], a[1] ^ 1, 128));
        assertTrue(Ipv6Address.inPrefix(a[0], a[1], a[0], a[1] ^ 1, 127));
        assertTrue(Ipv6Address.isLinkLocal(Ipv6Address.parse("fe80::1")[0]));
        assertTrue(Ipv6Address.isLinkLocal(Ipv6Address.parse("febf::1")[0]));
        assertFalse(Ipv6Address.isLinkLocal(Ipv6Address.parse("fec0::1")[0]));
        assertTrue(Ipv6Address.isMulticast(Ipv6Address.parse("ff02::1")[0]));
        assertEquals(2, Ipv6Address.multicastScope(Ipv6Address.parse("ff02::1")[0]));
        assertEquals(14, Ipv6Address.multicastScope(Ipv6Address.parse("ff0e::1")[0]));
        assertTrue(Ipv6Address.isV4Mapped(0, Ipv6Address.v4MappedLo(0xC0000201)));
        assertEquals(0xC0000201, Ipv6Address.v4FromMapped(Ipv6Address.v4MappedLo(0xC0000201)));
    }

    @Test
    void shouldDeriveSolicitedNodeGroupsAndMacs()
    {
        // RFC 4291 2.7.1: ff02::1:ff and the low 24 bits; RFC 2464 7: 33:33 and the low 32 bits
        final long[] a = Ipv6Address.parse("2001:db8::aabb:ccdd");
        assertEquals("ff02::1:ffbb:ccdd", Ipv6Address.toString(Ipv6Address.solicitedNodeHi(),
            Ipv6Address.solicitedNodeLo(a[1])));
        assertEquals("33:33:ff:bb:cc:dd", MacAddress.toString(Ipv6Address.multicastMac(
            Ipv6Address.solicitedNodeLo(a[1]))));
        assertEquals("33:33:00:00:00:01", MacAddress.toString(Ipv6Address.multicastMac(Ipv6Address.ALL_NODES_LO)));
    }

    @Test
    void shouldDeriveModifiedEui64AsLinuxDoes()
    {
        // RFC 4291 appendix A: the MAC split by ff:fe and the universal/local bit inverted
        assertEquals("fe80::ff:fe00:2", Ipv6Address.toString(Ipv6Address.LINK_LOCAL_HI,
            Ipv6Address.eui64(MacAddress.parse("02:00:00:00:00:02"))));
        assertEquals("fe80::21b:21ff:fe3c:4d5e", Ipv6Address.toString(Ipv6Address.LINK_LOCAL_HI,
            Ipv6Address.eui64(MacAddress.parse("00:1b:21:3c:4d:5e"))));
    }
}
