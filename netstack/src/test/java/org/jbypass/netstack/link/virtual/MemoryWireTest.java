package org.jbypass.netstack.link.virtual;

import static org.jbypass.netstack.link.virtual.TestFrames.MAC_A;
import static org.jbypass.netstack.link.virtual.TestFrames.MAC_B;
import static org.jbypass.netstack.link.virtual.TestFrames.MAC_C;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.MacAddress;
import org.jbypass.netstack.wire.UdpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryWireTest
{
    private static final int ALL_CHECKSUMS = LinkCapabilities.TX_L3_CHECKSUM | LinkCapabilities.TX_L4_CHECKSUM
        | LinkCapabilities.RX_L3_CHECKSUM | LinkCapabilities.RX_L4_CHECKSUM;

    private final TestFrames frames = new TestFrames();
    private final PacketPool poolA = new PacketPool(64, 2048);
    private final PacketPool poolB = new PacketPool(64, 2048);
    private final PacketBurst burstA = new PacketBurst(16);
    private final PacketBurst burstB = new PacketBurst(16);
    private final PacketBurst txA = new PacketBurst(16);
    private final PacketBurst txB = new PacketBurst(16);

    @AfterEach
    void everyBufferIsBackInItsPool()
    {
        burstA.releaseAll(poolA);
        burstB.releaseAll(poolB);
        assertEquals(0, poolA.inUse(), "pool A leaked");
        assertEquals(0, poolB.inUse(), "pool B leaked");
    }

    @Test
    void shouldCarryFramesByCopyBetweenTwoStacksPools()
    {
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);

        assertEquals(3, frames.send(a, txA, MAC_B, 100, 3, 64));
        assertEquals(0, poolA.inUse(), "the transmitting port frees its buffers at once");
        final List<byte[]> received = TestFrames.receive(b, burstB);
        assertEquals(3, received.size());
        for (int i = 0; i < 3; i++)
        {
            assertEquals(100 + i, TestFrames.sequence(received.get(i)));
            assertTrue(TestFrames.intact(received.get(i)));
            assertEquals(TestFrames.HEADERS + 64, received.get(i).length);
        }
        assertEquals(3, a.counters().txPackets);
        assertEquals(3L * (TestFrames.HEADERS + 64), a.counters().txBytes);
        assertEquals(3, b.counters().rxPackets);
        assertEquals(3L * (TestFrames.HEADERS + 64), b.counters().rxBytes);

        assertEquals(1, frames.send(b, txB, MAC_A, 7, 1, 100));
        final List<byte[]> back = TestFrames.receive(a, burstA);
        assertEquals(1, back.size());
        assertEquals(7, TestFrames.sequence(back.get(0)));
        assertEquals(MAC_A, MacAddress.read(java.nio.ByteBuffer.wrap(back.get(0)), 0));
        a.close();
        b.close();
    }

    @Test
    void shouldHoldTheSendersBufferUntilTheReceiverCopiedItAndGiveItBackAsACompletion()
    {
        final MemoryWire wire = MemoryWire.builder().holdTransmitBuffers(true).build();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);

        assertEquals(3, frames.send(a, txA, MAC_B, 100, 3, 64));
        assertEquals(3, poolA.inUse(), "the wire holds the sender's buffers, as a NIC until its DMA read them");
        final List<byte[]> received = TestFrames.receive(b, burstB);
        assertEquals(3, received.size());
        for (int i = 0; i < 3; i++)
        {
            assertEquals(100 + i, TestFrames.sequence(received.get(i)));
            assertTrue(TestFrames.intact(received.get(i)));
        }
        assertEquals(3, poolA.inUse(), "given back, but freed by A's own thread only");
        assertEquals(0, TestFrames.receive(a, burstA).size());
        burstA.releaseAll(poolA);
        assertEquals(0, poolA.inUse(), "A's next receive freed its completed buffers");

        // A flooded frame is copied for each port, and its buffer freed at once.
        assertEquals(1, frames.send(a, txA, MacAddress.BROADCAST, 7, 1, 64));
        assertEquals(0, poolA.inUse());
        assertEquals(7, TestFrames.sequence(TestFrames.receive(b, burstB).get(0)));
        a.close();
        b.close();
    }

    @Test
    void shouldCopyOnTransmitWhileTheSendersPoolIsLessThanHalfFree()
    {
        final MemoryWire wire = MemoryWire.builder().holdTransmitBuffers(true).build();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final int[] taken = new int[40];
        for (int i = 0; i < taken.length; i++)
        {
            taken[i] = poolA.allocate();
        }
        assertEquals(2, frames.send(a, txA, MAC_B, 1, 2, 32));
        assertEquals(40, poolA.inUse(), "copied: the pool had fewer than half its buffers free");
        for (final int buffer : taken)
        {
            poolA.free(buffer);
        }
        assertEquals(2, frames.send(a, txA, MAC_B, 3, 2, 32));
        assertEquals(2, poolA.inUse(), "held again");
        assertEquals(List.of(1L, 2L, 3L, 4L), TestFrames.receive(b, burstB).stream().map(TestFrames::sequence)
            .toList());
        a.close();
        assertEquals(0, poolA.inUse(), "closing frees what was given back");
        b.close();
    }

    @Test
    void shouldGiveEveryHeldBufferBackWhicheverPortClosesFirst()
    {
        for (final boolean receiverFirst : new boolean[] {true, false})
        {
            final MemoryWire wire = MemoryWire.builder().holdTransmitBuffers(true).queueCapacity(4).build();
            final MemoryWire.Port a = wire.attach(poolA, MAC_A);
            final MemoryWire.Port b = wire.attach(poolB, MAC_B);
            assertEquals(6, frames.send(a, txA, MAC_B, 0, 6, 32), "a wire never pushes back");
            assertEquals(4, poolA.inUse(), "the two frames that found B's queue full were freed at once");
            assertEquals(2, b.overruns());
            final PacketBurst one = new PacketBurst(1);
            assertEquals(List.of(0L), TestFrames.receive(b, one).stream().map(TestFrames::sequence).toList());
            assertEquals(4, poolA.inUse(), "frame 0 given back, not yet freed by A's thread");
            if (receiverFirst)
            {
                b.close();
                assertEquals(0, a.transmit(0, txA), "an empty transmit, which frees what was given back");
                assertEquals(0, poolA.inUse(), "B's close gave back the frames its queue held");
                a.close();
            }
            else
            {
                a.close();
                assertEquals(3, poolA.inUse(), "A's close freed frame 0; three are still in B's queue, on the wire");
                b.close();
                assertEquals(0, poolA.inUse(), "B gave them back to a closed port: freed at once");
            }
        }
    }

    @Test
    void shouldDescribeItselfAsALink()
    {
        final MemoryWire wire = MemoryWire.builder().name("lab").mtu(9000).queueCapacity(8)
            .capabilities(LinkCapabilities.TX_L4_CHECKSUM).build();
        final PacketPool jumbo = new PacketPool(4, 9024);
        try (MemoryWire.Port port = wire.attach(jumbo, MAC_A))
        {
            assertEquals("lab/0", port.name());
            assertEquals(MAC_A, port.macAddress());
            assertEquals(9000, port.mtu());
            assertEquals(1, port.rxQueueCount());
            assertEquals(1, port.txQueueCount());
            assertEquals(LinkCapabilities.TX_L4_CHECKSUM | LinkCapabilities.RX_AWAIT_SHARED, port.capabilities());
            assertEquals(jumbo, port.pool());
            assertEquals(wire, port.wire());
            assertEquals(8, wire.queueCapacity());
            assertEquals(1, wire.portCount());
            assertThrows(IllegalArgumentException.class, () -> port.receive(1, burstA));
        }
        assertEquals(0, wire.portCount());
    }

    @Test
    void shouldDropAndCountFramesThatFindTheReceiveQueueFull()
    {
        final MemoryWire wire = MemoryWire.builder().queueCapacity(4).build();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);

        assertEquals(10, frames.send(a, txA, MAC_B, 0, 10, 32), "a wire never pushes back");
        assertEquals(10, a.counters().txPackets);
        final List<byte[]> received = TestFrames.receive(b, burstB);
        assertEquals(4, received.size());
        for (int i = 0; i < 4; i++)
        {
            assertEquals(i, TestFrames.sequence(received.get(i)), "the oldest frames stay, the newest drop");
        }
        assertEquals(6, b.overruns());
        assertEquals(6, b.counters().rxDropped);
        // Room again: the queue takes frames as before.
        frames.send(a, txA, MAC_B, 10, 2, 32);
        assertEquals(List.of(10L, 11L), TestFrames.receive(b, burstB).stream().map(TestFrames::sequence).toList());
        assertEquals(6, b.counters().rxDropped);
    }

    @Test
    void shouldDropFramesLongerThanTheMtuOrShorterThanAHeaderOnTransmit()
    {
        final MemoryWire wire = MemoryWire.builder().mtu(576).build();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final int longest = 576 + EthernetHeader.LENGTH;
        for (final int length : new int[] {longest + 1, 2048, EthernetHeader.LENGTH - 1, 0, longest,
            EthernetHeader.LENGTH})
        {
            final int buffer = poolA.allocate();
            frames.udp(poolA, buffer, MAC_B, MAC_A, length, 8, true);
            burstA.add(buffer, length, 0);
        }
        assertEquals(6, a.transmit(0, burstA));
        assertEquals(0, burstA.count());
        assertEquals(0, poolA.inUse(), "dropped frames are freed too");
        assertEquals(4, a.counters().txDropped);
        assertEquals(2, a.counters().txPackets);
        final List<byte[]> received = TestFrames.receive(b, burstB);
        assertEquals(2, received.size());
        assertEquals(longest, received.get(0).length);
        assertEquals(EthernetHeader.LENGTH, received.get(1).length);
    }

    @Test
    void shouldForwardUnicastToItsPortAndFloodTheRest()
    {
        final PacketPool poolC = new PacketPool(16, 2048);
        final PacketBurst burstC = new PacketBurst(16);
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final MemoryWire.Port c = wire.attach(poolC, MAC_C);

        frames.send(a, txA, MAC_B, 1, 1, 16);
        assertEquals(1, TestFrames.receive(b, burstB).size());
        assertEquals(0, TestFrames.receive(c, burstC).size(), "unicast goes to its port only");

        frames.send(a, txA, MacAddress.BROADCAST, 2, 1, 16);
        assertEquals(1, TestFrames.receive(b, burstB).size());
        assertEquals(1, TestFrames.receive(c, burstC).size());
        assertEquals(0, TestFrames.receive(a, burstA).size(), "never back out of the port it came in by");

        frames.send(a, txA, 0x01_00_5E_00_00_01L, 3, 1, 16);
        assertEquals(1, TestFrames.receive(b, burstB).size());
        assertEquals(1, TestFrames.receive(c, burstC).size());

        // Another group's MAC reaches only the ports that added it (Link.addMulticast), as a NIC's filter.
        assertEquals(0, c.addMulticast(0x01_00_5E_01_02_03L));
        frames.send(a, txA, 0x01_00_5E_01_02_03L, 3, 1, 16);
        assertEquals(0, TestFrames.receive(b, burstB).size(), "b never added the group's MAC");
        assertEquals(1, TestFrames.receive(c, burstC).size());
        assertEquals(0, c.removeMulticast(0x01_00_5E_01_02_03L));
        frames.send(a, txA, 0x01_00_5E_01_02_03L, 3, 1, 16);
        assertEquals(0, TestFrames.receive(c, burstC).size(), "removed");

        frames.send(a, txA, 0x02_00_00_00_00_99L, 4, 1, 16);
        assertEquals(1, TestFrames.receive(b, burstB).size(), "unknown unicast is flooded");
        assertEquals(1, TestFrames.receive(c, burstC).size());

        frames.send(a, txA, MAC_A, 5, 1, 16);
        assertEquals(0, TestFrames.receive(b, burstB).size(), "a frame to the sender's own address goes nowhere");
        assertEquals(0, TestFrames.receive(c, burstC).size());
        assertEquals(0, TestFrames.receive(a, burstA).size());

        c.close();
        frames.send(a, txA, MAC_C, 6, 1, 16);
        assertEquals(1, TestFrames.receive(b, burstB).size(), "a detached port's address is unknown again");
        assertEquals(0, c.receive(0, burstC));
        burstC.releaseAll(poolC);
        assertEquals(0, poolC.inUse());
        a.close();
        b.close();
    }

    @Test
    void shouldFillOnlyArmedSlotsAndLeaveTheOthersWhereTheyAre()
    {
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        frames.send(a, txA, MAC_B, 0, 5, 16);

        final int first = poolB.allocate();
        final int second = poolB.allocate();
        burstB.set(0, first, 0, 0);
        burstB.set(1, second, 0, 0);
        // Slot 2 unarmed: the receive stops there even though slot 3 holds a buffer.
        final int fourth = poolB.allocate();
        burstB.set(3, fourth, 0, 0);
        assertEquals(2, b.receive(0, burstB));
        assertEquals(2, burstB.count());
        assertEquals(first, burstB.buffer(0), "a copying link fills the armed buffer itself");
        assertEquals(second, burstB.buffer(1));
        assertEquals(PacketPool.NO_BUFFER, burstB.buffer(2));
        assertEquals(fourth, burstB.buffer(3));
        assertEquals(0, burstB.length(3));
        assertEquals(0, TestFrames.sequence(poolB.memory(), poolB.offset(first)));
        assertEquals(1, TestFrames.sequence(poolB.memory(), poolB.offset(second)));
        burstB.releaseAll(poolB);
        // The other three are still queued, in order.
        assertEquals(List.of(2L, 3L, 4L), TestFrames.receive(b, burstB).stream().map(TestFrames::sequence).toList());
    }

    @Test
    void shouldPadShortFramesWithZerosWhenAsked()
    {
        final MemoryWire wire = MemoryWire.builder().padShortFrames(true).build();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        // Dirty the receiving buffers first, so zeros can only come from the padding.
        burstB.arm(poolB);
        for (int i = 0; i < burstB.capacity(); i++)
        {
            for (int j = 0; j < 64; j++)
            {
                poolB.memory().put(poolB.offset(burstB.buffer(i)) + j, (byte)0x5A);
            }
        }
        final int buffer = poolA.allocate();
        burstA.add(buffer, frames.arpRequest(poolA, buffer), 0);
        a.transmit(0, burstA);
        final List<byte[]> received = TestFrames.receive(b, burstB);
        assertEquals(1, received.size());
        assertEquals(MemoryWire.MIN_FRAME, received.get(0).length);
        for (int i = 42; i < 60; i++)
        {
            assertEquals(0, received.get(0)[i], "padding byte " + i);
        }
        assertEquals(0x0806, ((received.get(0)[12] & 0xFF) << 8) | (received.get(0)[13] & 0xFF));
    }

    @Test
    void shouldComputeChecksumsOnTransmitAndVerifyThemOnReceiveWhenOffloading()
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(ALL_CHECKSUMS).build();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);

        // The reference: the same frame with the checksums computed in software.
        final int reference = poolA.allocate();
        final int length = frames.udp(poolA, reference, MAC_B, MAC_A, 42, 33, true);
        final byte[] expected = TestFrames.copy(poolA, reference, length);
        poolA.free(reference);

        final int offloaded = poolA.allocate();
        frames.udp(poolA, offloaded, MAC_B, MAC_A, 42, 33, false);
        assertEquals(0, poolA.memory().getShort(poolA.offset(offloaded) + 24), "IPv4 checksum left to the link");
        burstA.add(offloaded, length, PacketBurst.TX_L3_CHECKSUM | PacketBurst.TX_L4_CHECKSUM);
        // A second frame asks for nothing: its zero checksums go out as they are.
        final int plain = poolA.allocate();
        frames.udp(poolA, plain, MAC_B, MAC_A, 43, 33, false);
        burstA.add(plain, length, 0);
        a.transmit(0, burstA);

        burstB.arm(poolB);
        assertEquals(2, b.receive(0, burstB));
        assertArrayEquals(expected, TestFrames.copy(poolB, burstB.buffer(0), burstB.length(0)));
        assertEquals(PacketBurst.RX_L3_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_OK, burstB.flags(0));
        assertEquals(0, burstB.flags(1), "a zero IPv4 header checksum is wrong: no flag, the stack will drop it");
        for (int i = 0; i < 2; i++)
        {
            poolB.free(burstB.buffer(i));
            burstB.set(i, PacketPool.NO_BUFFER, 0, 0);
        }

        // A good IPv4 header over a bad UDP checksum: L3 verified, L4 not.
        final int badUdp = poolA.allocate();
        frames.udp(poolA, badUdp, MAC_B, MAC_A, 44, 33, true);
        final int udpChecksum = poolA.offset(badUdp) + 34 + 6;
        poolA.memory().putShort(udpChecksum, (short)(poolA.memory().getShort(udpChecksum) ^ 0x0100));
        burstA.add(badUdp, length, 0);
        a.transmit(0, burstA);
        burstB.arm(poolB);
        assertEquals(1, b.receive(0, burstB));
        assertEquals(PacketBurst.RX_L3_CHECKSUM_OK, burstB.flags(0));
    }

    @Test
    void shouldPassPartialChecksumsAsTheyAreWhenAskedAsAVethDoes()
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(LinkCapabilities.TX_L4_CHECKSUM)
            .passPartialChecksums(true).build();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final int partial = poolA.allocate();
        final int length = frames.udp(poolA, partial, MAC_B, MAC_A, 42, 33, true);
        // The field holds what a sender leaves for the link: the pseudo-header sum, not complemented.
        final int pseudo = ~Checksum.fold(Checksum.pseudoHeader(TestFrames.IP_A, TestFrames.IP_B,
            Ipv4Header.PROTOCOL_UDP, UdpHeader.LENGTH + 33)) & 0xFFFF;
        poolA.memory().putShort(poolA.offset(partial) + 34 + 6, (short)pseudo);
        final byte[] sent = TestFrames.copy(poolA, partial, length);
        burstA.add(partial, length, PacketBurst.TX_L4_CHECKSUM);
        final int complete = poolA.allocate();
        frames.udp(poolA, complete, MAC_B, MAC_A, 43, 33, true);
        burstA.add(complete, length, 0);
        a.transmit(0, burstA);

        burstB.arm(poolB);
        assertEquals(2, b.receive(0, burstB));
        assertArrayEquals(sent, TestFrames.copy(poolB, burstB.buffer(0), burstB.length(0)), "crossed as it was");
        assertEquals(PacketBurst.RX_L4_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_PARTIAL, burstB.flags(0));
        assertEquals(0, burstB.flags(1), "a frame sent without the flag comes without one");
        assertTrue(TestFrames.intact(TestFrames.copy(poolB, burstB.buffer(1), burstB.length(1))));

        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> MemoryWire.builder().passPartialChecksums(true).build());
        assertTrue(refused.getMessage().contains("TX_L4_CHECKSUM"), refused.getMessage());
    }

    @Test
    void shouldLeaveFragmentsAndOtherProtocolsToTheStack()
    {
        final MemoryWire wire = MemoryWire.builder().capabilities(ALL_CHECKSUMS).build();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final int fragment = poolA.allocate();
        final int length = frames.udp(poolA, fragment, MAC_B, MAC_A, 1, 40, true);
        final Ipv4Header ip = new Ipv4Header().wrap(poolA.memory(), poolA.offset(fragment) + 14, length - 14);
        ip.write(0, length - 14, 1, Ipv4Header.FLAG_MORE_FRAGMENTS, 64, Ipv4Header.PROTOCOL_UDP, TestFrames.IP_A,
            TestFrames.IP_B);
        final int udpChecksumBefore = poolA.memory().getShort(poolA.offset(fragment) + 40);
        burstA.add(fragment, length, PacketBurst.TX_L3_CHECKSUM | PacketBurst.TX_L4_CHECKSUM);
        final int arp = poolA.allocate();
        burstA.add(arp, frames.arpRequest(poolA, arp), PacketBurst.TX_L3_CHECKSUM);
        a.transmit(0, burstA);

        burstB.arm(poolB);
        assertEquals(2, b.receive(0, burstB));
        assertEquals(PacketBurst.RX_L3_CHECKSUM_OK, burstB.flags(0), "no L4 verdict on a fragment");
        assertEquals(udpChecksumBefore, poolB.memory().getShort(poolB.offset(burstB.buffer(0)) + 40),
            "no L4 checksum computed over a fragment");
        assertEquals(0, burstB.flags(1));
        assertEquals(0, Checksum.compute(poolB.memory(), poolB.offset(burstB.buffer(0)) + 14, 20));
        final UdpHeader udp = new UdpHeader().wrap(poolB.memory(), poolB.offset(burstB.buffer(0)) + 34, 48);
        assertTrue(udp.isValid());
    }

    @Test
    void shouldReturnFromAwaitAtOnceWhenAFrameOrAWakeupIsPending()
    {
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
        {
            frames.send(a, txA, MAC_B, 0, 1, 8);
            b.awaitReceive(Long.MAX_VALUE);
            b.awaitReceive(Long.MAX_VALUE);
            assertEquals(1, TestFrames.receive(b, burstB).size());

            b.wakeup();
            b.awaitReceive(Long.MAX_VALUE);
            // Zero or negative timeouts never block.
            b.awaitReceive(0);
            b.awaitReceive(-1);
        });
    }

    /**
     * The driving thread and a thread in {@code awaitReceiveShared} block on one port at once; the driving thread is
     * woken and leaves. The shared waiter must still be woken by the next frame: with one waiter slot the driving
     * thread's registration overwrote the shared waiter's, or its exit cleared it, and the frame went unnoticed
     * until the shared waiter's timeout (RingWaitTest saw that as a 60 s receive timeout).
     */
    @Test
    void shouldWakeASharedWaiterBesideTheDrivingThread() throws Exception
    {
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        final Thread shared = new Thread(() -> b.awaitReceiveShared(Long.MAX_VALUE), "shared-waiter");
        final Thread driver = new Thread(() -> b.awaitReceive(Long.MAX_VALUE), "driving-thread");
        shared.setDaemon(true);
        driver.setDaemon(true);
        shared.start();
        awaitParkedOn(shared, b);
        driver.start();
        awaitParkedOn(driver, b);
        b.wakeup();
        driver.join(20_000);
        assertTrue(!driver.isAlive(), "the wakeup returns the driving thread");
        // The wakeup may have woken the shared waiter too (it answers every waiter); block it again if so.
        shared.join(20_000);
        final Thread again = shared.isAlive() ? shared : new Thread(() -> b.awaitReceiveShared(Long.MAX_VALUE),
            "shared-waiter-again");
        if (again != shared)
        {
            again.setDaemon(true);
            again.start();
            awaitParkedOn(again, b);
        }
        final Thread driverAgain = new Thread(() -> b.awaitReceive(1_000_000L), "driving-thread-again");
        driverAgain.start();
        driverAgain.join(20_000);
        frames.send(a, txA, MAC_B, 0, 1, 8);
        again.join(20_000);
        assertTrue(!again.isAlive(), "the frame woke the shared waiter");
        assertEquals(1, TestFrames.receive(b, burstB).size());
    }

    /** Waits until {@code thread} is parked on {@code blocker}: a state to observe, not a time to guess. */
    private static void awaitParkedOn(final Thread thread, final Object blocker)
    {
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (java.util.concurrent.locks.LockSupport.getBlocker(thread) != blocker)
        {
            assertTrue(System.nanoTime() < deadline, thread.getName() + " never blocked");
            Thread.onSpinWait();
        }
    }

    @Test
    void shouldStopCarryingFramesAfterClose()
    {
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final MemoryWire.Port b = wire.attach(poolB, MAC_B);
        frames.send(a, txA, MAC_B, 0, 3, 8);
        b.close();
        b.close();
        assertEquals(1, wire.portCount());
        assertEquals(0, TestFrames.receive(b, burstB).size(), "queued frames are dropped on close");
        b.awaitReceive(Long.MAX_VALUE);
        assertEquals(2, frames.send(b, txB, MAC_A, 0, 2, 8), "transmit after close frees what it is given");
        assertEquals(2, b.counters().txDropped);
        assertEquals(0, TestFrames.receive(a, burstA).size());
        a.close();
    }

    @Test
    void shouldRefuseBadAttachments()
    {
        final MemoryWire wire = new MemoryWire();
        final MemoryWire.Port a = wire.attach(poolA, MAC_A);
        final IllegalArgumentException duplicate =
            assertThrows(IllegalArgumentException.class, () -> wire.attach(poolB, MAC_A));
        assertTrue(duplicate.getMessage().contains("02:00:00:00:00:0a"), duplicate.getMessage());
        assertThrows(IllegalArgumentException.class, () -> wire.attach(poolB, MacAddress.BROADCAST));
        assertThrows(IllegalArgumentException.class, () -> wire.attach(poolB, 0x01_00_5E_00_00_01L));
        assertThrows(IllegalArgumentException.class, () -> wire.attach(poolB, MacAddress.ZERO));
        assertThrows(IllegalArgumentException.class, () -> wire.attach(poolB, 1L << 48 | MAC_B));
        final IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> wire.attach(new PacketPool(4, 1024), MAC_B));
        assertTrue(small.getMessage().contains("1514"), small.getMessage());
        assertEquals(1, wire.portCount());
        a.close();

        final MemoryWire full = new MemoryWire();
        final PacketPool shared = new PacketPool(1, 2048);
        for (int i = 0; i < MemoryWire.MAX_PORTS; i++)
        {
            full.attach(shared, MAC_A + 2 * i);
        }
        assertThrows(IllegalArgumentException.class, () -> full.attach(shared, MAC_C + 1000));
    }

    @Test
    void shouldRefuseBadSettingsNamingThem()
    {
        assertThrows(IllegalArgumentException.class, () -> MemoryWire.builder().mtu(67));
        assertThrows(IllegalArgumentException.class, () -> MemoryWire.builder().mtu(65536));
        assertThrows(IllegalArgumentException.class, () -> MemoryWire.builder().queueCapacity(1));
        assertThrows(IllegalArgumentException.class, () -> MemoryWire.builder().queueCapacity(100));
        assertThrows(IllegalArgumentException.class, () -> MemoryWire.builder().name(""));
        final IllegalArgumentException hash = assertThrows(IllegalArgumentException.class,
            () -> MemoryWire.builder().capabilities(LinkCapabilities.RX_HASH));
        assertTrue(hash.getMessage().contains("rx-hash"), hash.getMessage());
        assertNotEquals(MemoryWire.builder().build().toString(), "");
    }
}
