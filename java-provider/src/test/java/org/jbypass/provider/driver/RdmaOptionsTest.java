package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RdmaOptionsTest
{
    private static Map<String, String> keys(final String... kv)
    {
        final Map<String, String> m = new HashMap<>();
        m.put("driver", "rdma");
        m.put("host-if", "ens1f0");
        for (int i = 0; i < kv.length; i += 2)
        {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static void rejects(final String key, final String value, final String why)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> RdmaOptions.fromProperties("eth1", keys(key, value)));
        assertTrue(e.getMessage().startsWith("interface.eth1." + key + ":"), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void shouldApplyTheDefaults()
    {
        final RdmaOptions o = RdmaOptions.fromProperties("eth1", keys());
        assertEquals("ens1f0", o.hostIf());
        assertEquals(RdmaOptions.Mode.AUTO, o.mode());
        assertEquals(1, o.rxQueues());
        assertEquals(1024, o.rxQueueSize());
        assertEquals(1024, o.txQueueSize());
        assertEquals(RdmaOptions.RANDOM_MAC, o.mac());
        assertEquals(1500, o.mtu());
        assertFalse(o.allowNetdevMac());
        assertTrue(o.cqeCompression());
    }

    @Test
    void shouldParseEveryKey()
    {
        final RdmaOptions o = RdmaOptions.fromProperties("eth1", keys("mode", "DV", "rx-queues", "4",
            "rx-queue-size", "4096", "tx-queue-size", "64", "mac", "02:AB:cd:00:00:01", "mtu", "9000",
            "allow-netdev-mac", "true", "cqe-compression", "false", "address", "198.18.0.1/24"));
        assertEquals(RdmaOptions.Mode.DV, o.mode());
        assertEquals(4, o.rxQueues());
        assertEquals(4096, o.rxQueueSize());
        assertEquals(64, o.txQueueSize());
        assertEquals(0x02abcd000001L, o.mac());
        assertEquals(9000, o.mtu());
        assertTrue(o.allowNetdevMac());
        assertFalse(o.cqeCompression());
        assertEquals(RdmaOptions.RANDOM_MAC, RdmaOptions.fromProperties("eth1", keys("mac", "random")).mac());
        assertTrue(o.toString().contains("mac=02:ab:cd:00:00:01"), o.toString());
    }

    @Test
    void shouldNameTheKeyOfEveryInvalidValue()
    {
        rejects("mode", "rdma", "not auto, dv or ibv");
        rejects("rx-queues", "0", "between 1 and 64");
        rejects("rx-queues", "65", "between 1 and 64");
        rejects("rx-queues", "two", "not a number");
        rejects("rx-queue-size", "1000", "power of two between 64 and 32768");
        rejects("rx-queue-size", "32", "power of two between 64 and 32768");
        rejects("tx-queue-size", "65536", "power of two between 64 and 32768");
        rejects("mac", "02:00:00:00:00", "not a MAC address");
        rejects("mac", "02:00:00:00:00:zz", "not a MAC address");
        rejects("mac", "01:00:5e:00:00:01", "multicast");
        rejects("mac", "00:00:00:00:00:00", "not a 48-bit MAC address");
        rejects("mtu", "67", "between 68 and 9600");
        rejects("mtu", "9601", "between 68 and 9600");
        rejects("allow-netdev-mac", "yes", "not true or false");
        rejects("cqe-compression", "1", "not true or false");
        rejects("host-if", "a/b", "not a network interface name");
        rejects("host-if", "averyveryverylongname", "not a network interface name");
        rejects("driver", "afpacket", "not rdma");
        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
            () -> RdmaOptions.fromProperties("eth1", Map.of("driver", "rdma")));
        assertTrue(missing.getMessage().startsWith("interface.eth1.host-if: missing"), missing.getMessage());
    }

    @Test
    void shouldListItsKeysForTheConfigurationLayer()
    {
        assertTrue(RdmaOptions.KEYS.contains("allow-netdev-mac"));
        assertFalse(RdmaOptions.KEYS.contains("address"));
    }
}
