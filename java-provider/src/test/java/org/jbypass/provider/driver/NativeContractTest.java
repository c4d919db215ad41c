package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * Both JNI bindings keep the one native contract of docs/ARCHITECTURE.md: addresses and bad arguments are
 * {@code -EINVAL} (never 0, never a crash), errno's text is the same function, and open reports what went wrong
 * through the caller's arrays.
 */
class NativeContractTest
{
    private static final int EINVAL = 22;
    private static final int BUFFER = 2048;
    private static final int BUFFERS = 64;

    @Test
    void shouldRefuseBuffersThatAreNotDirectInBothBindings()
    {
        final ByteBuffer heap = ByteBuffer.allocate(16);
        assertEquals(-EINVAL, AfPacketNative.address(heap));
        assertEquals(-EINVAL, RdmaNative.address(heap));
        assertEquals(-EINVAL, AfPacketNative.address(null));
        assertEquals(-EINVAL, RdmaNative.address(null));
        final ByteBuffer direct = ByteBuffer.allocateDirect(16);
        assertEquals(AfPacketNative.address(direct), RdmaNative.address(direct));
        assertTrue(RdmaNative.address(direct) > 0);
    }

    @Test
    void shouldSayErrnoTheSameWayInBothBindings()
    {
        assertEquals(AfPacketNative.errorMessage(-19), RdmaNative.errorMessage(-19));
        assertEquals("No such device", RdmaNative.errorMessage(19));
    }

    @Test
    void shouldCheckTheAfPacketOpenArgumentsBeforeUsingThem()
    {
        final ByteBuffer pool = ByteBuffer.allocateDirect(BUFFER * BUFFERS);
        final ByteBuffer stats = ByteBuffer.allocateDirect(AfPacketNative.STATS_WORDS * Long.BYTES);
        final long[] info = new long[AfPacketNative.INFO_LENGTH];
        assertEquals(-EINVAL, afpacketOpen(null, pool, stats, info));
        assertEquals(AfPacketNative.STEP_ARGUMENTS, info[AfPacketNative.INFO_FAILED_STEP]);
        assertEquals(-EINVAL, afpacketOpen("", pool, stats, info));
        assertEquals(-EINVAL, afpacketOpen("an-interface-name-longer-than-ifnamsiz", pool, stats, info));
        assertEquals(-EINVAL, afpacketOpen("jbp0", null, stats, info));
        assertEquals(-EINVAL, afpacketOpen("jbp0", ByteBuffer.allocate(BUFFER * BUFFERS), stats, info));
        assertEquals(-EINVAL, afpacketOpen("jbp0", ByteBuffer.allocateDirect(BUFFER), stats, info));
        assertEquals(-EINVAL, afpacketOpen("jbp0", pool, null, info));
        assertEquals(AfPacketNative.STEP_ARGUMENTS, info[AfPacketNative.INFO_FAILED_STEP]);
        assertEquals(-EINVAL, afpacketOpen("jbp0", pool, stats, null));
        assertEquals(-EINVAL, afpacketOpen("jbp0", pool, stats, new long[AfPacketNative.INFO_LENGTH - 1]));
    }

    @Test
    void shouldCheckTheRdmaOpenArgumentsBeforeUsingThem()
    {
        final ByteBuffer pool = ByteBuffer.allocateDirect(BUFFER * BUFFERS);
        String[] texts = new String[RdmaNative.TEXT_COUNT];
        assertEquals(-EINVAL, rdmaOpen(null, pool, "/sys", texts));
        assertTrue(texts[RdmaNative.TEXT_ERROR].contains("interface name"), texts[RdmaNative.TEXT_ERROR]);
        assertEquals("", texts[RdmaNative.TEXT_WARNINGS]);
        texts = new String[RdmaNative.TEXT_COUNT];
        assertEquals(-EINVAL, rdmaOpen("an-interface-name-longer-than-ifnamsiz", pool, "/sys", texts));
        assertFalse(texts[RdmaNative.TEXT_ERROR].isEmpty());
        texts = new String[RdmaNative.TEXT_COUNT];
        assertEquals(-EINVAL, rdmaOpen("mlx0", pool, null, texts));
        assertTrue(texts[RdmaNative.TEXT_ERROR].contains("sysfs"), texts[RdmaNative.TEXT_ERROR]);
        texts = new String[RdmaNative.TEXT_COUNT];
        assertEquals(-EINVAL, rdmaOpen("mlx0", ByteBuffer.allocate(BUFFER * BUFFERS), "/sys", texts));
        assertTrue(texts[RdmaNative.TEXT_ERROR].contains("packet pool"), texts[RdmaNative.TEXT_ERROR]);
        assertEquals(-EINVAL, rdmaOpen("mlx0", null, "/sys", new String[RdmaNative.TEXT_COUNT]));
        assertEquals(-EINVAL, rdmaOpen("mlx0", pool, "/sys", null));
        assertEquals(-EINVAL, rdmaOpen("mlx0", pool, "/sys", new String[RdmaNative.TEXT_COUNT - 1]));
    }

    private static long afpacketOpen(final String name, final ByteBuffer pool, final ByteBuffer stats,
        final long[] info)
    {
        return AfPacketNative.open(name, pool, BUFFER, BUFFERS, AfPacketNative.RX_FRAME, 1 << 16, 4, 1, 64, 0,
            0x02_00_00_00_00_01L, 0, stats, info);
    }

    private static long rdmaOpen(final String hostIf, final ByteBuffer pool, final String sysRoot,
        final String[] texts)
    {
        return RdmaNative.open(hostIf, RdmaNative.MODE_AUTO, 1, 64, 64, 0x02_00_00_00_00_01L, 1500, false, false,
            pool, BUFFER, BUFFERS, "libibverbs.so.1", "libmlx5.so.1", sysRoot, "/dev", texts);
    }
}
