package org.jbypass.netstack.link.virtual;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.ArpPacket;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.MacAddress;
import org.jbypass.netstack.wire.UdpHeader;

/**
 * Frames for the link tests, written with the wire flyweights into pool buffers: UDP datagrams whose payload
 * carries a sequence number and bytes derived from it, so that any loss, duplication, reordering or damage shows.
 */
public final class TestFrames
{
    public static final long MAC_A = 0x02_00_00_00_00_0AL;
    public static final long MAC_B = 0x02_00_00_00_00_0BL;
    public static final long MAC_C = 0x02_00_00_00_00_0CL;
    public static final int IP_A = 0xC612_0001;
    public static final int IP_B = 0xC612_0002;
    /** Ethernet, IPv4 and UDP headers. */
    public static final int HEADERS = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH + UdpHeader.LENGTH;

    private final EthernetHeader ethernet = new EthernetHeader();
    private final Ipv4Header ip = new Ipv4Header();
    private final UdpHeader udp = new UdpHeader();
    private final ArpPacket arp = new ArpPacket();

    /**
     * Writes a UDP frame carrying {@code sequence} into a buffer of the pool.
     *
     * @param payloadLength at least 8 (the sequence number), the rest filled from it
     * @param checksums     whether to compute the IPv4 and UDP checksums (false leaves them zero for offload)
     * @return the frame's length
     */
    public int udp(final PacketPool pool, final int buffer, final long destination, final long source,
        final long sequence, final int payloadLength, final boolean checksums)
    {
        final ByteBuffer memory = pool.memory();
        final int offset = pool.offset(buffer);
        ethernet.wrap(memory, offset, HEADERS + payloadLength).destination(destination).source(source)
            .type(EthernetHeader.TYPE_IPV4);
        ip.wrap(memory, ethernet.payloadOffset(), Ipv4Header.MIN_LENGTH + UdpHeader.LENGTH + payloadLength)
            .write(0, Ipv4Header.MIN_LENGTH + UdpHeader.LENGTH + payloadLength, (int)sequence,
                Ipv4Header.FLAG_DONT_FRAGMENT, 64, Ipv4Header.PROTOCOL_UDP, IP_A, IP_B);
        final int udpOffset = ethernet.payloadOffset() + Ipv4Header.MIN_LENGTH;
        udp.wrap(memory, udpOffset, UdpHeader.LENGTH + payloadLength).write(40000, 7777,
            UdpHeader.LENGTH + payloadLength);
        memory.putLong(udpOffset + UdpHeader.LENGTH, sequence);
        for (int i = 8; i < payloadLength; i++)
        {
            memory.put(udpOffset + UdpHeader.LENGTH + i, filler(sequence, i));
        }
        if (checksums)
        {
            udp.computeChecksum(IP_A, IP_B);
        }
        else
        {
            ip.checksum(0);
        }
        return HEADERS + payloadLength;
    }

    /** Writes a 42-byte ARP request from A for B's address. */
    public int arpRequest(final PacketPool pool, final int buffer)
    {
        final ByteBuffer memory = pool.memory();
        final int offset = pool.offset(buffer);
        ethernet.wrap(memory, offset, 42).destination(MacAddress.BROADCAST).source(MAC_A)
            .type(EthernetHeader.TYPE_ARP);
        arp.wrap(memory, ethernet.payloadOffset(), ArpPacket.LENGTH)
            .write(ArpPacket.OP_REQUEST, MAC_A, IP_A, MacAddress.ZERO, IP_B);
        return 42;
    }

    /** The byte a frame with this sequence number carries at payload index {@code i}. */
    public static byte filler(final long sequence, final int i)
    {
        return (byte)(sequence * 31 + i * 7 + (sequence >>> 8));
    }

    /** The sequence number of a frame made by {@link #udp}. */
    public static long sequence(final ByteBuffer memory, final int offset)
    {
        return memory.getLong(offset + HEADERS);
    }

    /** Whether a frame made by {@link #udp} carries exactly the bytes its sequence number implies. */
    public static boolean intact(final ByteBuffer memory, final int offset, final int length)
    {
        final long sequence = sequence(memory, offset);
        for (int i = 8; i < length - HEADERS; i++)
        {
            if (memory.get(offset + HEADERS + i) != filler(sequence, i))
            {
                return false;
            }
        }
        return true;
    }

    /** Copies a frame out of the pool. */
    public static byte[] copy(final PacketPool pool, final int buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        pool.memory().get(pool.offset(buffer), bytes);
        return bytes;
    }

    /**
     * Sends frames made by {@link #udp} with the given sequence numbers, allocating from the link's pool.
     *
     * @return how many the link accepted; the rest are freed
     */
    public int send(final Link link, final PacketBurst burst, final long destination, final long firstSequence,
        final int count, final int payloadLength)
    {
        final PacketPool pool = link.pool();
        if (Bursts.armedSlots(burst) != 0)
        {
            throw new IllegalStateException("a transmit burst must hold no buffers: use another burst");
        }
        burst.count(0);
        for (int i = 0; i < count; i++)
        {
            final int buffer = pool.allocate();
            if (buffer == PacketPool.NO_BUFFER)
            {
                throw new IllegalStateException("pool empty: " + pool);
            }
            final int length = udp(pool, buffer, destination, link.macAddress(), firstSequence + i, payloadLength,
                true);
            burst.add(buffer, length, 0);
        }
        final int accepted = link.transmit(0, burst);
        for (int i = 0; i < burst.count(); i++)
        {
            pool.free(burst.buffer(i));
            burst.set(i, PacketPool.NO_BUFFER, 0, 0);
        }
        burst.count(0);
        return accepted;
    }

    /**
     * Receives one burst as a stack would: arms the burst, receives, copies each frame out, frees its buffer.
     *
     * @return the frames received, as byte arrays
     */
    public static List<byte[]> receive(final Link link, final PacketBurst burst)
    {
        final PacketPool pool = link.pool();
        burst.arm(pool);
        final int count = link.receive(0, burst);
        final List<byte[]> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            frames.add(copy(pool, burst.buffer(i), burst.length(i)));
            pool.free(burst.buffer(i));
            burst.set(i, PacketPool.NO_BUFFER, 0, 0);
        }
        burst.count(0);
        return frames;
    }

    /** The sequence number of a frame copied out by {@link #receive}. */
    public static long sequence(final byte[] frame)
    {
        return ByteBuffer.wrap(frame).getLong(HEADERS);
    }

    /** Whether a copied frame carries exactly the bytes its sequence number implies. */
    public static boolean intact(final byte[] frame)
    {
        return intact(ByteBuffer.wrap(frame), 0, frame.length);
    }
}
