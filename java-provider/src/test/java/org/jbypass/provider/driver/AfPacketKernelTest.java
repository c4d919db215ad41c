package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.TimeUnit;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.ArpPacket;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.IcmpHeader;
import org.jbypass.netstack.wire.Ipv4Header;
import org.jbypass.netstack.wire.MacAddress;
import org.jbypass.provider.testing.KernelPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An AfPacketLink facing the Linux kernel (a {@link KernelPeer}): hand-made ARP and ICMP frames get the kernel's
 * answers. Needs root.
 */
class AfPacketKernelTest
{
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int MIN_FRAME = 60;
    private static final int ECHO_IDENTIFIER = 0x4A42;
    private static final int ECHO_PAYLOAD = 56;

    private final EthernetHeader ethernet = new EthernetHeader();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Header ip = new Ipv4Header();
    private final IcmpHeader icmp = new IcmpHeader();

    private PacketPool pool;
    private KernelPeer peer;
    private AfPacketLink link;
    private PacketBurst rx;
    private PacketBurst tx;

    @BeforeAll
    static void needsRoot()
    {
        KernelPeer.assumeAvailable();
    }

    @BeforeEach
    void open()
    {
        pool = new PacketPool(256, 2048);
        peer = KernelPeer.create();
        link = AfPacketLink.open(AfPacketOptions.of(peer.stackInterface()), pool);
        rx = new PacketBurst(32);
        tx = new PacketBurst(8);
    }

    @AfterEach
    void close()
    {
        try
        {
            if (link != null)
            {
                rx.releaseAll(pool);
                tx.releaseFrames(pool);
                link.close();
            }
        }
        finally
        {
            if (peer != null)
            {
                peer.close();
            }
        }
        assertEquals(0, pool.inUse(), "every buffer is back in the pool");
    }

    @Test
    void shouldGetTheKernelsArpReply()
    {
        sendArp(ArpPacket.OP_REQUEST, MacAddress.BROADCAST, MacAddress.ZERO, peer.kernelAddress());

        final int frame = receiveUntil(this::isArpReplyFromKernel);
        final int offset = pool.offset(frame);
        ethernet.wrap(pool.memory(), offset, EthernetHeader.LENGTH);
        assertEquals(link.macAddress(), ethernet.destination(), "the reply goes to the stack's MAC");
        assertEquals(peer.kernelMac(), ethernet.source());
        arp.wrap(pool.memory(), offset + EthernetHeader.LENGTH, ArpPacket.LENGTH);
        assertEquals(peer.kernelMac(), arp.senderMac());
        assertEquals(peer.kernelAddress(), arp.senderIp());
        assertEquals(link.macAddress(), arp.targetMac());
        assertEquals(peer.stackAddress(), arp.targetIp());
        pool.free(frame);

        // The kernel learnt the stack's MAC from the request (RFC 826: "merge" the sender's pair).
        final String neighbour = peer.neighbour(peer.stackAddress());
        assertTrue(neighbour.contains(MacAddress.toString(link.macAddress())), neighbour);
        assertEquals(1, link.counters().txPackets);
    }

    @Test
    void shouldGetTheKernelsEchoReply()
    {
        sendEchoRequest(7);
        // The kernel may ask who has the stack's address before it answers; the test answers for the stack.
        final int frame = receiveUntil(this::isEchoReplyFromKernel);
        final int offset = pool.offset(frame);
        ethernet.wrap(pool.memory(), offset, EthernetHeader.LENGTH);
        assertEquals(link.macAddress(), ethernet.destination());
        assertEquals(peer.kernelMac(), ethernet.source());
        ip.wrap(pool.memory(), offset + EthernetHeader.LENGTH, 2048 - EthernetHeader.LENGTH);
        assertEquals(Ipv4Header.VALID, ip.validate(true), "the kernel's header checksum is real");
        assertEquals(peer.kernelAddress(), ip.source());
        assertEquals(peer.stackAddress(), ip.destination());
        icmp.wrap(pool.memory(), ip.payloadOffset(), ip.payloadLength());
        assertTrue(icmp.checksumOk(), "the kernel's ICMP checksum is real");
        assertEquals(ECHO_IDENTIFIER, icmp.identifier());
        assertEquals(7, icmp.sequence());
        assertEquals(IcmpHeader.LENGTH + ECHO_PAYLOAD, ip.payloadLength());
        for (int i = 0; i < ECHO_PAYLOAD; i++)
        {
            assertEquals((byte)i, pool.memory().get(icmp.payloadOffset() + i), "payload byte " + i);
        }
        pool.free(frame);
    }

    // ------------------------------------------------------------------------------------------------------------

    private void sendArp(final int operation, final long destination, final long targetMac, final int targetIp)
    {
        final int buffer = pool.allocate();
        final int offset = pool.offset(buffer);
        clear(offset, MIN_FRAME); // Ethernet padding to the 60-byte minimum
        ethernet.wrap(pool.memory(), offset, MIN_FRAME).destination(destination).source(link.macAddress())
            .type(EthernetHeader.TYPE_ARP);
        arp.wrap(pool.memory(), offset + EthernetHeader.LENGTH, ArpPacket.LENGTH)
            .write(operation, link.macAddress(), peer.stackAddress(), targetMac, targetIp);
        transmit(buffer, MIN_FRAME);
    }

    private void sendEchoRequest(final int sequence)
    {
        final int buffer = pool.allocate();
        final int offset = pool.offset(buffer);
        final int ipLength = Ipv4Header.MIN_LENGTH + IcmpHeader.LENGTH + ECHO_PAYLOAD;
        final int length = EthernetHeader.LENGTH + ipLength;
        // The kernel's MAC as the next hop: the test plays a stack that resolved it already.
        ethernet.wrap(pool.memory(), offset, length).destination(peer.kernelMac()).source(link.macAddress())
            .type(EthernetHeader.TYPE_IPV4);
        ip.wrap(pool.memory(), offset + EthernetHeader.LENGTH, ipLength)
            .write(0, ipLength, 1, Ipv4Header.FLAG_DONT_FRAGMENT, 64, Ipv4Header.PROTOCOL_ICMP, peer.stackAddress(),
                peer.kernelAddress());
        final int icmpOffset = offset + EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;
        for (int i = 0; i < ECHO_PAYLOAD; i++)
        {
            pool.memory().put(icmpOffset + IcmpHeader.LENGTH + i, (byte)i);
        }
        icmp.wrap(pool.memory(), icmpOffset, IcmpHeader.LENGTH + ECHO_PAYLOAD).type(IcmpHeader.TYPE_ECHO_REQUEST)
            .code(0).rest((ECHO_IDENTIFIER << 16) | sequence).computeChecksum();
        transmit(buffer, length);
    }

    private void transmit(final int buffer, final int length)
    {
        tx.add(buffer, length, 0);
        assertEquals(1, link.transmit(0, tx));
    }

    private void clear(final int offset, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            pool.memory().put(offset + i, (byte)0);
        }
    }

    /** A frame predicate over a buffer; it may answer the frame (ARP for the stack) as a side effect. */
    private interface FrameTest
    {
        boolean matches(int offset, int length);
    }

    /**
     * Receives until a frame passes the test and returns its buffer (the caller frees it). Frames that do not are
     * freed; an ARP request for the stack's address is answered on the way.
     */
    private int receiveUntil(final FrameTest test)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (System.nanoTime() < deadline)
        {
            rx.arm(pool);
            final int n = link.receive(0, rx);
            int found = PacketPool.NO_BUFFER;
            for (int i = 0; i < n; i++)
            {
                final int buffer = rx.buffer(i);
                final int length = rx.length(i);
                rx.set(i, PacketPool.NO_BUFFER, 0, 0);
                if (found == PacketPool.NO_BUFFER && test.matches(pool.offset(buffer), length))
                {
                    found = buffer;
                    continue;
                }
                answerArpForTheStack(pool.offset(buffer), length);
                pool.free(buffer);
            }
            if (found != PacketPool.NO_BUFFER)
            {
                return found;
            }
            if (n == 0)
            {
                link.awaitReceive(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
        fail("no matching frame from the kernel within 10 s; link " + link.describeStatistics());
        return PacketPool.NO_BUFFER;
    }

    private boolean isArp(final int offset, final int length)
    {
        ethernet.wrap(pool.memory(), offset, length);
        if (!ethernet.isValid() || ethernet.type() != EthernetHeader.TYPE_ARP)
        {
            return false;
        }
        arp.wrap(pool.memory(), ethernet.payloadOffset(), ethernet.payloadLength());
        return arp.isLongEnough() && arp.isEthernetIpv4();
    }

    private boolean isArpReplyFromKernel(final int offset, final int length)
    {
        return isArp(offset, length) && arp.operation() == ArpPacket.OP_REPLY
            && arp.senderIp() == peer.kernelAddress();
    }

    private void answerArpForTheStack(final int offset, final int length)
    {
        if (isArp(offset, length) && arp.operation() == ArpPacket.OP_REQUEST && arp.targetIp() == peer.stackAddress())
        {
            final long asker = arp.senderMac();
            final int askerIp = arp.senderIp();
            sendArp(ArpPacket.OP_REPLY, asker, asker, askerIp);
        }
    }

    private boolean isEchoReplyFromKernel(final int offset, final int length)
    {
        ethernet.wrap(pool.memory(), offset, length);
        if (!ethernet.isValid() || ethernet.type() != EthernetHeader.TYPE_IPV4)
        {
            return false;
        }
        ip.wrap(pool.memory(), ethernet.payloadOffset(), ethernet.payloadLength());
        if (ip.validate(true) != Ipv4Header.VALID || ip.protocol() != Ipv4Header.PROTOCOL_ICMP)
        {
            return false;
        }
        icmp.wrap(pool.memory(), ip.payloadOffset(), ip.payloadLength());
        return icmp.isLongEnough() && icmp.type() == IcmpHeader.TYPE_ECHO_REPLY
            && ip.source() == peer.kernelAddress() && ip.destination() == peer.stackAddress();
    }
}
