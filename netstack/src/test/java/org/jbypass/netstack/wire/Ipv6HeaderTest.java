package org.jbypass.netstack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Ipv6Header, Icmpv6Header and NdpOptions, and the IPv6 pseudo-header checksum against a plain reference. */
class Ipv6HeaderTest
{
    private static final long[] SRC = Ipv6Address.parse("2001:db8::1");
    private static final long[] DST = Ipv6Address.parse("2001:db8::2");

    @Test
    void shouldWriteAndReadEveryField()
    {
        final ByteBuffer b = ByteBuffer.allocate(48);
        final Ipv6Header ip = new Ipv6Header().wrap(b, 0, 48);
        ip.write(0xB8, 0xABCDE, 8, 17, 63, SRC[0], SRC[1], DST[0], DST[1]);
        assertEquals(Ipv6Header.VALID, ip.validate());
        assertEquals(6, ip.version());
        assertEquals(0xB8, ip.trafficClass());
        assertEquals(0xABCDE, ip.flowLabel());
        assertEquals(8, ip.payloadLength());
        assertEquals(17, ip.nextHeader());
        assertEquals(63, ip.hopLimit());
        assertEquals(SRC[1], ip.sourceLo());
        assertEquals(DST[0], ip.destinationHi());
        assertEquals(0x6B, b.get(0) & 0xFF);
        assertEquals(40, ip.payloadOffset());
    }

    @Test
    void shouldNameTheFirstReasonToDrop()
    {
        final ByteBuffer b = ByteBuffer.allocate(48);
        final Ipv6Header ip = new Ipv6Header().wrap(b, 0, 48);
        ip.write(0, 0, 8, 59, 64, SRC[0], SRC[1], DST[0], DST[1]);
        assertEquals(Ipv6Header.TOO_SHORT, new Ipv6Header().wrap(b, 0, 39).validate());
        assertEquals(Ipv6Header.BAD_PAYLOAD_LENGTH, new Ipv6Header().wrap(b, 0, 47).validate());
        b.put(0, (byte)0x45);
        assertEquals(Ipv6Header.BAD_VERSION, ip.validate());
        final long[][] badSources = {Ipv6Address.parse("ff02::1"), Ipv6Address.parse("::1"),
            Ipv6Address.parse("::ffff:1.2.3.4")};
        for (final long[] source : badSources)
        {
            ip.write(0, 0, 8, 59, 64, source[0], source[1], DST[0], DST[1]);
            assertEquals(Ipv6Header.BAD_SOURCE, ip.validate());
        }
        final long[][] badDestinations = {{0, 0}, Ipv6Address.parse("::1"), Ipv6Address.parse("::ffff:1.2.3.4"),
            Ipv6Address.parse("ff00::1")};
        for (final long[] destination : badDestinations)
        {
            ip.write(0, 0, 8, 59, 64, SRC[0], SRC[1], destination[0], destination[1]);
            assertEquals(Ipv6Header.BAD_DESTINATION, ip.validate());
        }
        // :: is a valid source (DAD, RFC 4862 5.4)
        ip.write(0, 0, 8, 59, 255, 0, 0, DST[0], DST[1]);
        assertEquals(Ipv6Header.VALID, ip.validate());
    }

    @Test
    void shouldComputeThePseudoHeaderChecksumAsAPlainReference()
    {
        final SplittableRandom random = new SplittableRandom(8200);
        for (int i = 0; i < 500; i++)
        {
            final int length = random.nextInt(8, 1500);
            final ByteBuffer message = ByteBuffer.allocate(length);
            for (int j = 0; j < length; j++)
            {
                message.put(j, (byte)random.nextInt(256));
            }
            // Every fifth source link-local: the wire carries no scope, and a scoped form sums as the wire form.
            final long sh = i % 5 == 0 ? Ipv6Address.LINK_LOCAL_HI | random.nextLong() & 0x003F_0000_FFFF_FFFFL
                : Ipv6Address.withoutScope(random.nextLong());
            final long sl = random.nextLong();
            final long dh = Ipv6Address.withoutScope(random.nextLong());
            final long dl = random.nextLong();
            new Icmpv6Header().wrap(message, 0, length).computeChecksum(Ipv6Address.withScope(sh, i & 0xFFFF), sl,
                dh, dl);
            assertEquals(reference(sh, sl, dh, dl, message), 0, "verifies against the reference");
            assertTrue(new Icmpv6Header().wrap(message, 0, length).checksumOk(sh, sl, dh, dl));
            message.put(length - 1, (byte)(message.get(length - 1) ^ 0x40));
            assertFalse(new Icmpv6Header().wrap(message, 0, length).checksumOk(sh, sl, dh, dl));
        }
    }

    /** RFC 8200 8.1 summed the obvious way: 16-bit words of the pseudo-header and the message, end-around carry. */
    private static int reference(final long sh, final long sl, final long dh, final long dl, final ByteBuffer m)
    {
        final ByteBuffer pseudo = ByteBuffer.allocate(40 + m.capacity() + 1);
        pseudo.putLong(sh).putLong(sl).putLong(dh).putLong(dl).putInt(m.capacity()).putInt(58);
        pseudo.put(m.duplicate().clear());
        long sum = 0;
        for (int i = 0; i < 40 + m.capacity(); i += 2)
        {
            sum += pseudo.getShort(i) & 0xFFFF;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)(~sum & 0xFFFF);
    }

    @Test
    void shouldParseNdpOptionsWithinTheMessageOnly()
    {
        final NdpOptions options = new NdpOptions();
        final ByteBuffer b = ByteBuffer.allocate(40);
        NdpOptions.writeLinkLayer(b, 0, NdpOptions.TARGET_LINK_LAYER_ADDRESS, 0x0200_0000_0001L);
        b.put(8, (byte)5).put(9, (byte)1); // MTU option, skipped
        NdpOptions.writeLinkLayer(b, 16, NdpOptions.SOURCE_LINK_LAYER_ADDRESS, 0x0200_0000_0002L);
        NdpOptions.writeLinkLayer(b, 24, NdpOptions.SOURCE_LINK_LAYER_ADDRESS, 0x0200_0000_0003L);
        assertTrue(options.parse(b, 0, 32));
        assertEquals(4, options.count());
        assertEquals(0x0200_0000_0001L, options.targetLinkLayer());
        assertEquals(0x0200_0000_0002L, options.sourceLinkLayer(), "the first of repeated options counts");
        assertTrue(options.parse(b, 0, 0));
        assertEquals(NdpOptions.NONE, options.sourceLinkLayer());
        // a length of zero, a length past the end, a lone byte
        b.put(33, (byte)0);
        assertFalse(options.parse(b, 32, 8));
        b.put(33, (byte)2);
        assertFalse(options.parse(b, 32, 8));
        assertFalse(options.parse(b, 0, 33));
        // a link-layer option longer than 8 bytes (not Ethernet's) is skipped, not read
        b.put(1, (byte)2);
        assertTrue(options.parse(b, 0, 16));
        assertEquals(NdpOptions.NONE, options.targetLinkLayer());
    }

    @Test
    void shouldNeverReadOutsideTheRegionOnArbitraryBytes()
    {
        final SplittableRandom random = new SplittableRandom(4861);
        final NdpOptions options = new NdpOptions();
        for (int i = 0; i < 20000; i++)
        {
            final byte[] bytes = new byte[random.nextInt(0, 64)];
            random.nextBytes(bytes);
            // an exact-size heap buffer: any read past the region throws
            final ByteBuffer b = ByteBuffer.wrap(bytes).slice();
            options.parse(b, 0, bytes.length);
            final Ipv6Header ip = new Ipv6Header().wrap(b, 0, bytes.length);
            if (ip.validate() == Ipv6Header.VALID)
            {
                assertTrue(ip.payloadLength() + 40 <= bytes.length);
            }
        }
    }
}
