package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Consumer;

import org.jbypass.netstack.wire.MacAddress;
import org.junit.jupiter.api.Test;

class AfPacketOptionsTest
{
    @Test
    void shouldDefaultToARandomLocallyAdministeredUnicastMac()
    {
        final AfPacketOptions a = AfPacketOptions.of("jbp0");
        final AfPacketOptions b = AfPacketOptions.of("jbp0");
        for (final AfPacketOptions options : new AfPacketOptions[] {a, b})
        {
            assertTrue(MacAddress.isLocallyAdministered(options.macAddress()), MacAddress.toString(options.macAddress()));
            assertFalse(MacAddress.isMulticast(options.macAddress()));
            assertEquals(0, options.macAddress() >>> 48);
        }
        assertNotEquals(a.macAddress(), b.macAddress(), "two links must not share a random MAC");
    }

    @Test
    void shouldKeepDefaultsAndOverrides()
    {
        final AfPacketOptions defaults = AfPacketOptions.of("eth1");
        assertEquals("eth1", defaults.interfaceName());
        assertEquals(0, defaults.mtu());
        assertEquals(AfPacketOptions.DEFAULT_RX_QUEUE_SIZE, defaults.rxQueueSize());
        assertEquals(AfPacketOptions.DEFAULT_RX_BLOCK_SIZE, defaults.rxBlockSize());
        assertEquals(AfPacketOptions.DEFAULT_RX_BLOCK_TIMEOUT_MILLIS, defaults.rxBlockTimeoutMillis());
        assertEquals(AfPacketOptions.DEFAULT_TX_QUEUE_SIZE, defaults.txQueueSize());
        assertFalse(defaults.promiscuous());
        assertFalse(defaults.qdiscBypass());
        assertEquals(AfPacketOptions.RxRing.FRAME, defaults.rxRing(), "latency first: the frame ring by default");
        assertTrue(defaults.txRing(), "a TX ring by default");
        final AfPacketOptions sendmmsg = AfPacketOptions.builder("eth1").txRing(false).build();
        assertFalse(sendmmsg.txRing());
        assertFalse(sendmmsg.toBuilder().build().txRing());
        assertTrue(sendmmsg.toString().contains("tx-ring=false"), sendmmsg.toString());

        final AfPacketOptions custom = AfPacketOptions.builder("eth1").macAddress("02:00:5e:10:00:01").mtu(9000)
            .rxQueueSize(128).rxBlockSize(1 << 20).rxBlockTimeoutMillis(10).txQueueSize(64).promiscuous(true)
            .qdiscBypass(true).build();
        assertEquals(0x02005e100001L, custom.macAddress());
        assertEquals(9000, custom.mtu());
        assertEquals(128, custom.rxQueueSize());
        assertEquals(1 << 20, custom.rxBlockSize());
        assertEquals(10, custom.rxBlockTimeoutMillis());
        assertEquals(64, custom.txQueueSize());
        assertTrue(custom.promiscuous());
        assertTrue(custom.qdiscBypass());
        assertEquals(custom.toString(), custom.toBuilder().build().toString());
        assertEquals("interface.eth1.rx-queue-size", custom.key("rx-queue-size"));
    }

    @Test
    void shouldParseTheReceiveRingAndNameTheKeyWhenWrong()
    {
        assertEquals(AfPacketOptions.RxRing.BLOCK, AfPacketOptions.builder("eth1").rxRing("block").build().rxRing());
        assertEquals(AfPacketOptions.RxRing.FRAME, AfPacketOptions.builder("eth1").rxRing(" frame ").build().rxRing());
        final AfPacketOptions block = AfPacketOptions.builder("eth1").rxRing(AfPacketOptions.RxRing.BLOCK).build();
        assertTrue(block.toString().contains("rx-ring=block"), block.toString());
        assertEquals(AfPacketOptions.RxRing.BLOCK, block.toBuilder().build().rxRing());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> AfPacketOptions.builder("eth1").rxRing("v3"));
        assertEquals("interface.eth1.rx-ring: 'v3' is neither frame (TPACKET_V2) nor block (TPACKET_V3)",
            e.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> AfPacketOptions.builder("eth1").rxRing((AfPacketOptions.RxRing)null));
    }

    @Test
    void shouldRefuseInvalidInterfaceNames()
    {
        for (final String name : new String[] {"", "sixteen-bytes-xx", "a/b", "a:1", "a b", ".", ".."})
        {
            final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> AfPacketOptions.of(name), name);
            assertTrue(e.getMessage().startsWith("interface name: "), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> AfPacketOptions.of(null));
        assertEquals("fifteen-bytes-x", AfPacketOptions.of("fifteen-bytes-x").interfaceName());
    }

    @Test
    void shouldNameTheOptionOfAnInvalidValue()
    {
        assertInvalid("mac", b -> b.macAddress(0x01005e000001L));
        assertInvalid("mac", b -> b.macAddress(MacAddress.BROADCAST));
        assertInvalid("mac", b -> b.macAddress(0L));
        assertInvalid("mac", b -> b.macAddress(1L << 48));
        assertInvalid("mac", b -> b.macAddress("not a mac"));
        assertInvalid("mtu", b -> b.mtu(67));
        assertInvalid("mtu", b -> b.mtu(65536));
        assertInvalid("rx-queue-size", b -> b.rxQueueSize(0));
        assertInvalid("rx-queue-size", b -> b.rxQueueSize(AfPacketOptions.MAX_RX_QUEUE_SIZE + 1));
        assertInvalid("rx-block-size", b -> b.rxBlockSize(3 * 4096));
        assertInvalid("rx-block-size", b -> b.rxBlockSize(2048));
        assertInvalid("rx-block-size", b -> b.rxBlockSize(8 << 20));
        assertInvalid("rx-block-timeout-ms", b -> b.rxBlockTimeoutMillis(0));
        assertInvalid("rx-block-timeout-ms", b -> b.rxBlockTimeoutMillis(1001));
        assertInvalid("tx-queue-size", b -> b.txQueueSize(0));
        assertInvalid("tx-queue-size", b -> b.txQueueSize(AfPacketOptions.MAX_TX_QUEUE_SIZE + 1));
    }

    private static void assertInvalid(final String option, final Consumer<AfPacketOptions.Builder> change)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> change.accept(AfPacketOptions.builder("jbp0")));
        assertTrue(e.getMessage().startsWith("interface.jbp0." + option + ": "), e.getMessage());
    }
}
