package org.jbypass.jcstress;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.EthernetHeader;

/**
 * Small frames for the memory wire's stress tests: an Ethernet header with an experimental EtherType, then a
 * sender id and a sequence number, then bytes derived from both, so that a frame copied while it was being written
 * (a torn copy) or a frame of the wrong sender shows.
 */
final class WireFrames
{
    static final long MAC_A = 0x02_00_00_00_00_0AL;
    static final long MAC_B = 0x02_00_00_00_00_0BL;
    static final long MAC_C = 0x02_00_00_00_00_0CL;
    /** IEEE 802 "local experimental" EtherType 1 (IEEE Std 802-2014 9.2.4). */
    static final int ETHERTYPE = 0x88B5;
    static final int LENGTH = 64;
    static final int MTU = 68;

    private WireFrames()
    {
    }

    /** A wire as small as the tests need: few slots, short frames. */
    static MemoryWire wire(final int queueCapacity)
    {
        return MemoryWire.builder().mtu(MTU).queueCapacity(queueCapacity).build();
    }

    /** A pool as small as the tests need. */
    static PacketPool pool(final int buffers)
    {
        return new PacketPool(buffers, 128);
    }

    /** Sends one frame from {@code sender} with the given number; returns whether the link took it. */
    static boolean send(final Link link, final PacketBurst burst, final long destination, final int sender,
        final int sequence)
    {
        final PacketPool pool = link.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            return false;
        }
        final ByteBuffer memory = pool.memory();
        final int offset = pool.offset(buffer);
        new EthernetHeader().wrap(memory, offset, LENGTH).destination(destination).source(link.macAddress())
            .type(ETHERTYPE);
        memory.put(offset + 14, (byte)sender);
        memory.put(offset + 15, (byte)sequence);
        for (int i = 16; i < LENGTH; i++)
        {
            memory.put(offset + i, filler(sender, sequence, i));
        }
        burst.add(buffer, LENGTH, 0);
        final int accepted = link.transmit(0, burst);
        if (accepted == 0)
        {
            pool.free(buffer);
            burst.set(0, PacketPool.NO_BUFFER, 0, 0);
            burst.count(0);
        }
        return accepted == 1;
    }

    /**
     * Receives what is waiting and checks each frame. Returns, packed: the number of frames, and for each sender
     * (0..2) the last sequence number seen in {@code last}; a negative value when a frame was damaged, out of order
     * or repeated.
     */
    static int receive(final Link link, final PacketBurst burst, final int[] last)
    {
        final PacketPool pool = link.pool();
        burst.arm(pool);
        final int count = link.receive(0, burst);
        int bad = 0;
        for (int i = 0; i < count; i++)
        {
            final ByteBuffer memory = pool.memory();
            final int offset = pool.offset(burst.buffer(i));
            final int sender = memory.get(offset + 14);
            final int sequence = memory.get(offset + 15);
            final boolean intact = sender >= 0 && sender < last.length
                && intact(memory, offset, burst.length(i), sender, sequence);
            if (!intact || sequence != last[sender] + 1)
            {
                bad++;
            }
            else
            {
                last[sender] = sequence;
            }
            pool.free(burst.buffer(i));
            burst.set(i, PacketPool.NO_BUFFER, 0, 0);
        }
        burst.count(0);
        return bad > 0 ? -1 : count;
    }

    /** Whether the frame at {@code offset} is {@link #send}'s frame number {@code sequence} of {@code sender}. */
    static boolean intact(final ByteBuffer memory, final int offset, final int length, final int sender,
        final int sequence)
    {
        boolean intact = length == LENGTH && (memory.getShort(offset + 12) & 0xFFFF) == ETHERTYPE
            && memory.get(offset + 14) == sender && memory.get(offset + 15) == sequence;
        for (int j = 16; intact && j < LENGTH; j++)
        {
            intact = memory.get(offset + j) == filler(sender, sequence, j);
        }
        return intact;
    }

    private static byte filler(final int sender, final int sequence, final int i)
    {
        return (byte)(sender * 101 + sequence * 37 + i);
    }
}
