package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.PacketBurst;
import org.junit.jupiter.api.Test;

/** What an AfPacketLink does that needs no root. */
class AfPacketLinkBasicsTest
{
    @Test
    void shouldSayThatAnInterfaceIsMissing()
    {
        // The interface is looked up with an unprivileged socket before AF_PACKET, so this holds without root too.
        final String name = String.format("jbpnone%06x", ProcessHandle.current().pid() & 0xFFFFFF);
        final PacketPool pool = new PacketPool(64, 2048);
        final DriverException e =
            assertThrows(DriverException.class, () -> AfPacketLink.open(AfPacketOptions.of(name), pool));
        assertEquals("afpacket: no interface named " + name + " (see `ip link`)", e.getMessage());
        assertEquals(19, e.errno());
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldRefuseBlocksSmallerThanABuffer()
    {
        final PacketPool pool = new PacketPool(16, 9024);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> AfPacketLink.open(AfPacketOptions.builder("jbp0").rxBlockSize(8192).build(), pool));
        assertEquals("interface.jbp0.rx-block-size: 8192 bytes cannot hold a frame of the 9024-byte packet buffers;"
            + " use 16384 or more", e.getMessage());
    }

    @Test
    void shouldRefuseRingsAboveOneGibibyte()
    {
        final PacketPool pool = new PacketPool(16, 2048);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> AfPacketLink.open(AfPacketOptions.builder("jbp0").rxRing(AfPacketOptions.RxRing.BLOCK)
                .rxQueueSize(1 << 20).build(), pool));
        assertEquals("interface.jbp0.rx-queue-size: 1048576 frames of 2048 bytes need a receive ring of 2 GiB, more"
            + " than the 1 GiB allowed", e.getMessage());
        // A frame ring's slot is a buffer plus 128 bytes; 30 slots of 2176 bytes to a 64 KiB block.
        e = assertThrows(IllegalArgumentException.class,
            () -> AfPacketLink.open(AfPacketOptions.builder("jbp0").rxRing(AfPacketOptions.RxRing.FRAME)
                .rxQueueSize(1 << 20).build(), pool));
        assertEquals("interface.jbp0.rx-queue-size: 1048576 frames in slots of 2176 bytes need a receive ring of"
            + " 2184.6 MiB, more than the 1 GiB allowed", e.getMessage());
    }

    @Test
    void shouldGiveBlockRingsWithSuperFramesBlocksThatHoldOne()
    {
        assertEquals(AfPacketOptions.DEFAULT_SUPER_FRAME_BLOCK_SIZE,
            AfPacketOptions.builder("jbp0").rxRing("block").build().rxBlockSize());
        assertEquals(AfPacketOptions.DEFAULT_RX_BLOCK_SIZE, AfPacketOptions.builder("jbp0").build().rxBlockSize());
        assertEquals(AfPacketOptions.DEFAULT_RX_BLOCK_SIZE,
            AfPacketOptions.builder("jbp0").rxRing("block").rxSuperFrames(false).build().rxBlockSize());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> AfPacketOptions.builder("jbp0").rxRing("block").rxBlockSize(65536).build());
        assertEquals("interface.jbp0.rx-block-size: 65536 bytes cannot hold a super-frame of up to 64 KiB in the"
            + " block ring: use 131072 or more (default 1048576), or set rx-super-frames=false", e.getMessage());
    }

    @Test
    void shouldTakeSuperFramesOnTransmitWhenTheyAreReceived()
    {
        assertTrue(AfPacketOptions.builder("jbp0").build().txSuperFrames());
        assertFalse(AfPacketOptions.builder("jbp0").rxSuperFrames(false).build().txSuperFrames());
        assertFalse(AfPacketOptions.builder("jbp0").txSuperFrames(false).build().txSuperFrames());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> AfPacketOptions.builder("jbp0").rxSuperFrames(false).txSuperFrames(true).build());
        assertEquals("interface.jbp0.tx-super-frames: true needs rx-super-frames=true (PACKET_VNET_HDR, which puts"
            + " a virtio_net_hdr before the frames of both directions): set rx-super-frames=true, or"
            + " tx-super-frames=false", e.getMessage());
    }

    @Test
    void shouldSizeFrameSlotsAsTheDriverDoes()
    {
        // JBP_AFP_RX_FRAME_SLOT: buffer + 128, rounded up to TPACKET_ALIGNMENT (16).
        assertEquals(2176, AfPacketLink.frameSlot(2048));
        assertEquals(9152, AfPacketLink.frameSlot(9024));
        assertEquals(1168, AfPacketLink.frameSlot(1030));
    }

    @Test
    void shouldRefuseBlocksSmallerThanAFrameSlot()
    {
        final PacketPool pool = new PacketPool(16, 4096);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> AfPacketLink.open(AfPacketOptions.builder("jbp0").rxRing("frame").rxBlockSize(4096).build(), pool));
        assertEquals("interface.jbp0.rx-block-size: 4096 bytes cannot hold a frame of the 4096-byte packet buffers;"
            + " use 8192 or more", e.getMessage());
    }

    @Test
    void shouldFreeAcceptedFramesAndMoveRefusedOnesToTheFront()
    {
        final PacketPool pool = new PacketPool(16, 2048);
        final PacketBurst burst = new PacketBurst(8);
        final int[] buffers = new int[5];
        for (int i = 0; i < buffers.length; i++)
        {
            buffers[i] = pool.allocate();
            burst.add(buffers[i], 100 + i, i);
        }
        AfPacketLink.settle(pool, burst, 2);

        assertEquals(3, burst.count());
        assertEquals(3, pool.inUse());
        assertTrue(pool.isFree(buffers[0]) && pool.isFree(buffers[1]));
        for (int i = 0; i < 3; i++)
        {
            assertEquals(buffers[2 + i], burst.buffer(i));
            assertEquals(102 + i, burst.length(i));
            assertEquals(2 + i, burst.flags(i));
        }

        AfPacketLink.settle(pool, burst, 0);
        assertEquals(3, burst.count());
        assertEquals(buffers[2], burst.buffer(0));
        assertEquals(3, pool.inUse());

        AfPacketLink.settle(pool, burst, 3);
        assertEquals(0, burst.count());
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldNotFreeABufferOutsideThePool()
    {
        // The driver drops a descriptor naming a buffer outside the pool; settling must not "free" it.
        final PacketPool pool = new PacketPool(4, 2048);
        final PacketBurst burst = new PacketBurst(2);
        final int good = pool.allocate();
        burst.add(99, 60, 0);
        burst.add(good, 60, 0);
        AfPacketLink.settle(pool, burst, 2);
        assertEquals(0, pool.inUse());
        assertEquals(0, burst.count());
    }
}
