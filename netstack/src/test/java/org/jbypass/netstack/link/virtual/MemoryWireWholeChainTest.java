package org.jbypass.netstack.link.virtual;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.Checksum;
import org.junit.jupiter.api.Test;

/**
 * A {@link MemoryWire} that passes super-segments whole ({@code passChainsWhole}), as a veth hands a GSO packet to
 * its peer: the receiver gets one chain of its own buffers with the segment size and the checksum state, in order
 * with the frames around it, never cut at the end of a burst; malformed ones are dropped and counted; a
 * super-segment an {@link ImpairedLink} damaged arrives with no checksum flag and a complete checksum that no longer
 * verifies.
 */
class MemoryWireWholeChainTest
{
    private static final long MAC_A = 0x02_00_00_00_00_0AL;
    private static final long MAC_B = 0x02_00_00_00_00_0BL;
    private static final int SOURCE = 0xC6120001;
    private static final int DESTINATION = 0xC6120002;
    private static final int MSS = 1448;
    private static final int ACK = 0x10;
    private static final int GSO = PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, MSS);

    private static MemoryWire wire()
    {
        return MemoryWire.builder().capabilities(LinkCapabilities.TX_TCP_SEGMENTATION).passChainsWhole(true)
            .build();
    }

    /** A frame as received: its bytes (a chain copied out) and its first descriptor's flags. */
    private record Received(byte[] bytes, int flags)
    {
    }

    /** Receives one burst's frames, each as a whole. */
    private static List<Received> receive(final MemoryWire.Port port, final PacketPool pool, final PacketBurst burst)
    {
        assertTrue(burst.arm(pool));
        final int n = port.receive(0, burst);
        final List<Received> frames = new ArrayList<>();
        final FrameChain chain = new FrameChain();
        for (int i = 0; i < n; i += chain.descriptors())
        {
            assertTrue(chain.wrap(pool, burst, i), "a whole chain at slot " + i);
            final byte[] frame = new byte[chain.length()];
            chain.copyOut(0, ByteBuffer.wrap(frame), 0, frame.length);
            frames.add(new Received(frame, burst.flags(i)));
        }
        burst.count(0);
        return frames;
    }

    @Test
    void shouldDeliverASuperSegmentWholeWithItsSegmentSizeAndChecksumState()
    {
        final MemoryWire wire = wire();
        assertTrue(wire.passesChainsWhole());
        final PacketPool poolA = new PacketPool(256, 2048);
        final PacketPool poolB = new PacketPool(256, 4096); // another buffer size: the chain is cut anew
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final byte[] whole = TcpSegmenterTest.superSegment(60_000, ACK, new SplittableRandom(3));
        final byte[] small = TcpSegmenterTest.superSegment(900, ACK, new SplittableRandom(4));
        final PacketBurst tx = new PacketBurst(64);
        TcpSegmenterTest.addChain(poolA, tx, small, 0); // a plain frame before
        TcpSegmenterTest.addChain(poolA, tx, whole, GSO);
        // The same with a complete checksum and no TX flag (what ImpairedLink leaves of one it damaged).
        final byte[] complete = whole.clone();
        final ByteBuffer c = ByteBuffer.wrap(complete);
        c.putShort(50, (short)0);
        c.putShort(50, (short)Checksum.fold(Checksum.sum(c, 34, complete.length - 34,
            Checksum.pseudoHeader(SOURCE, DESTINATION, 6, complete.length - 34))));
        TcpSegmenterTest.addChain(poolA, tx, complete, PacketBurst.gso(PacketBurst.GSO_TCPV4, MSS));
        final int count = tx.count();
        assertEquals(count, a.transmit(0, tx));
        assertEquals(0, poolA.inUse(), "the transmitter's buffers are back at once");
        assertEquals(3, a.counters().txPackets);
        assertEquals(0, a.counters().txDropped);

        final PacketBurst rx = new PacketBurst(64);
        final List<Received> frames = receive(b, poolB, rx);
        assertEquals(2, frames.size(), "the third does not fit the slots left: it waits for the next burst");
        frames.addAll(receive(b, poolB, rx));
        assertEquals(3, frames.size());
        assertArrayEquals(small, frames.get(0).bytes());
        assertEquals(0, frames.get(0).flags(), "a plain frame comes as it went");
        assertArrayEquals(whole, frames.get(1).bytes());
        final int flags = frames.get(1).flags();
        assertEquals(PacketBurst.GSO_TCPV4, PacketBurst.gsoType(flags));
        assertEquals(MSS, PacketBurst.gsoSize(flags));
        assertEquals(PacketBurst.RX_L4_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_PARTIAL | PacketBurst.CONTINUES,
            flags & (PacketBurst.RX_L4_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_PARTIAL | PacketBurst.CONTINUES),
            "a partial checksum is trusted across the wire, as across a veth");
        assertArrayEquals(complete, frames.get(2).bytes());
        assertEquals(0, frames.get(2).flags() & (PacketBurst.RX_L4_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_PARTIAL),
            "a complete checksum is the receiver's to verify");
        assertTrue(receive(b, poolB, rx).isEmpty());
        assertEquals(3, b.counters().rxPackets);
        assertEquals(small.length + 2L * whole.length, b.counters().rxBytes);
        rx.releaseAll(poolB);
        assertEquals(0, poolB.inUse());
    }

    @Test
    void shouldNeverCutAChainAtTheEndOfABurst()
    {
        final MemoryWire wire = wire();
        final PacketPool poolA = new PacketPool(256, 2048);
        final PacketPool poolB = new PacketPool(256, 2048);
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final byte[] whole = TcpSegmenterTest.superSegment(20_000, ACK, new SplittableRandom(5)); // 14 slots
        final byte[] small = TcpSegmenterTest.superSegment(100, ACK, new SplittableRandom(6));
        final PacketBurst tx = new PacketBurst(64);
        for (int i = 0; i < 3; i++)
        {
            TcpSegmenterTest.addChain(poolA, tx, small, 0);
        }
        TcpSegmenterTest.addChain(poolA, tx, whole, GSO);
        a.transmit(0, tx);
        final PacketBurst rx = new PacketBurst(16);
        assertTrue(rx.arm(poolB));
        assertEquals(3, b.receive(0, rx), "the chain does not fit the 13 slots left: it waits");
        rx.count(0);
        assertTrue(rx.arm(poolB));
        final int n = b.receive(0, rx);
        final int slots = (whole.length + 1513) / 1514;
        assertEquals(slots, n);
        assertEquals(slots, rx.chainLength(0));
        rx.count(0);

        // A chain longer than the whole burst is dropped and counted, as a driver drops it.
        final PacketBurst tiny = new PacketBurst(8);
        TcpSegmenterTest.addChain(poolA, tx, whole, GSO);
        TcpSegmenterTest.addChain(poolA, tx, small, 0);
        a.transmit(0, tx);
        assertTrue(tiny.arm(poolB));
        assertEquals(1, b.receive(0, tiny));
        assertEquals(small.length, tiny.length(0));
        assertEquals(1, b.counters().rxDropped);
        rx.releaseAll(poolB);
        tiny.releaseAll(poolB);
        assertEquals(0, poolB.inUse());
        assertEquals(0, poolA.inUse());
    }

    @Test
    void shouldDropMalformedSuperSegmentsAndNeedTheSegmentationCapability()
    {
        final MemoryWire wire = wire();
        final PacketPool poolA = new PacketPool(256, 2048);
        final PacketPool poolB = new PacketPool(256, 2048);
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final byte[] good = TcpSegmenterTest.superSegment(10_000, ACK, new SplittableRandom(7));
        final byte[] longer = good.clone();
        longer[17]--; // the IPv4 total length says one byte less than the chain
        final byte[] udp = good.clone();
        udp[23] = 17;
        final PacketBurst tx = new PacketBurst(64);
        TcpSegmenterTest.addChain(poolA, tx, longer, GSO);
        TcpSegmenterTest.addChain(poolA, tx, udp, GSO);
        TcpSegmenterTest.addChain(poolA, tx, good, PacketBurst.TX_L4_CHECKSUM); // a chain with no GSO type
        TcpSegmenterTest.addChain(poolA, tx, good, PacketBurst.TX_L4_CHECKSUM
            | PacketBurst.gso(PacketBurst.GSO_TCPV4, 1461)); // segments longer than the MTU
        a.transmit(0, tx);
        assertEquals(4, a.counters().txDropped);
        assertEquals(0, a.counters().txPackets);
        assertEquals(0, poolA.inUse());
        final PacketBurst rx = new PacketBurst(16);
        assertTrue(rx.arm(poolB));
        assertEquals(0, b.receive(0, rx));
        rx.releaseAll(poolB);

        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> MemoryWire.builder().passChainsWhole(true).build());
        assertTrue(e.getMessage().contains("passChainsWhole"), e.getMessage());
    }

    /**
     * An {@link ImpairedLink} that corrupts every transmitted super-segment over this wire: each arrives whole, with
     * no checksum flag, its checksum complete over the whole chain and wrong by the flipped bit, so a receiver's
     * checksum drops it; duplicates and untouched ones verify.
     */
    @Test
    void shouldDeliverDamagedSuperSegmentsThatTheirChecksumCatches()
    {
        final MemoryWire wire = wire();
        final PacketPool poolA = new PacketPool(1024, 2048);
        final PacketPool poolB = new PacketPool(1024, 2048);
        final ImpairedLink a = new ImpairedLink(wire.attach(poolA, MAC_A), ImpairedLink.config().corrupt(0.5)
            .duplicate(0.2).direction(ImpairedLink.Direction.TRANSMIT).seed(21));
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final PacketBurst tx = new PacketBurst(64);
        final PacketBurst rx = new PacketBurst(64);
        int damaged = 0;
        int intact = 0;
        for (int round = 0; round < 100; round++)
        {
            final byte[] whole = TcpSegmenterTest.superSegment(30_000, ACK, new SplittableRandom(100 + round));
            TcpSegmenterTest.addChain(poolA, tx, whole, GSO);
            a.transmit(0, tx);
            for (final Received received : receive(b, poolB, rx))
            {
                final byte[] frame = received.bytes();
                final int flags = received.flags();
                final ByteBuffer f = ByteBuffer.wrap(frame);
                final int tcpLength = frame.length - 34;
                if ((flags & PacketBurst.RX_L4_CHECKSUM_PARTIAL) != 0)
                {
                    assertArrayEquals(whole, frame, "an intact super-segment");
                    intact++;
                }
                else
                {
                    assertEquals(0, flags & PacketBurst.RX_L4_CHECKSUM_OK);
                    assertEquals(MSS, PacketBurst.gsoSize(flags), "still a super-segment");
                    final boolean ipOk = Checksum.compute(f, 14, 20) == 0;
                    final boolean tcpOk = Checksum.fold(Checksum.sum(f, 34, tcpLength,
                        Checksum.pseudoHeader(f.getInt(26), f.getInt(30), f.get(23) & 0xFF, tcpLength))) == 0;
                    assertTrue(!ipOk || !tcpOk, "a checksum catches the damage");
                    damaged++;
                }
            }
        }
        final ImpairedLink.Counters counters = a.txImpairments();
        assertEquals(counters.corrupted, damaged, counters.describe());
        assertEquals(100 - counters.corrupted + counters.duplicated, intact, counters.describe());
        assertTrue(damaged > 20 && counters.duplicated > 5, counters.describe());
        a.close();
        b.close();
        rx.releaseAll(poolB);
        assertEquals(0, poolA.inUse());
        assertEquals(0, poolB.inUse());
    }
}
