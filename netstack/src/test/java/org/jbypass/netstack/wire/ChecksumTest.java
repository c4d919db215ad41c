package org.jbypass.netstack.wire;

import static org.jbypass.netstack.wire.Fixtures.IP_A;
import static org.jbypass.netstack.wire.Fixtures.IP_B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class ChecksumTest
{
    @Test
    void shouldSumTheExampleOfRfc1071()
    {
        // RFC 1071 section 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2.
        final byte[] bytes = Fixtures.bytes("0001f203f4f5f6f7");
        // sum() keeps the running sum with its carries unfolded; folding gives the 16-bit one's complement sum.
        assertEquals(0xDDF2, ~Checksum.fold(Checksum.sum(ByteBuffer.wrap(bytes), 0, 8, 0)) & 0xFFFF);
        assertEquals(0x220D, Checksum.compute(ByteBuffer.wrap(bytes), 0, 8));
        assertEquals(0x220D, Checksum.fold(Checksum.sum(bytes, 0, 8, 0)));
    }

    @Test
    void shouldMatchAReferenceSumForEveryLengthOffsetAndInitialValue()
    {
        final SplittableRandom random = new SplittableRandom(1071);
        final byte[] data = new byte[2100];
        for (int round = 0; round < 3; round++)
        {
            random.nextBytes(data);
            if (round == 2)
            {
                // Runs of 0xFF make the carries fold over and over.
                java.util.Arrays.fill(data, (byte)0xFF);
            }
            final ByteBuffer heap = ByteBuffer.wrap(data);
            final ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(0, data);
            for (int length = 0; length <= 2048; length += length < 80 ? 1 : 37)
            {
                for (int offset = 0; offset < 8; offset++)
                {
                    final int initial = random.nextInt(4) == 0 ? 0 : random.nextInt(0x1_FFFF);
                    final int expected = referenceChecksum(data, offset, length, initial);
                    final String where = "length " + length + " offset " + offset + " initial " + initial;
                    assertEquals(expected, Checksum.fold(Checksum.sum(heap, offset, length, initial)), where);
                    assertEquals(expected, Checksum.fold(Checksum.sum(direct, offset, length, initial)), where);
                    assertEquals(expected, Checksum.fold(Checksum.sum(data, offset, length, initial)), where);
                }
            }
        }
    }

    @Test
    void shouldChainSumsOverEvenPieces()
    {
        final byte[] data = Fixtures.bytes(Fixtures.TCP_DATA);
        final ByteBuffer buffer = ByteBuffer.wrap(data);
        final int whole = Checksum.sum(buffer, 0, data.length, 0);
        final int chained = Checksum.sum(buffer, 40, data.length - 40, Checksum.sum(buffer, 0, 40, 0));
        assertEquals(Checksum.fold(whole), Checksum.fold(chained));
        int words = 0;
        for (int i = 0; i + 1 < data.length; i += 4)
        {
            words = i + 3 < data.length ? Checksum.add32(words, buffer.getInt(i))
                : Checksum.add16(words, buffer.getShort(i) & 0xFFFF);
        }
        final int tail = data.length % 4 == 1 || data.length % 4 == 3 ? (data[data.length - 1] & 0xFF) << 8 : 0;
        assertEquals(Checksum.fold(whole), Checksum.fold(Checksum.add16(words, tail)));
    }

    @Test
    void shouldVerifyEveryChecksumTheKernelComputed()
    {
        final Ipv4Header ip = new Ipv4Header();
        for (final String fixture : new String[] {Fixtures.ICMP_ECHO_REQUEST, Fixtures.ICMP_ECHO_REPLY,
            Fixtures.UDP_ODD, Fixtures.ICMP_PORT_UNREACHABLE, Fixtures.UDP_EVEN, Fixtures.TCP_SYN,
            Fixtures.TCP_SYN_ACK, Fixtures.TCP_DATA, Fixtures.FRAGMENT_FIRST, Fixtures.FRAGMENT_LAST})
        {
            final ByteBuffer frame = Fixtures.exact(fixture);
            ip.wrap(frame, EthernetHeader.LENGTH, frame.capacity() - EthernetHeader.LENGTH);
            assertEquals(0, Checksum.compute(frame, EthernetHeader.LENGTH, ip.headerLength()), fixture);
            if (ip.isFragment())
            {
                continue;
            }
            final int sum = ip.protocol() == Ipv4Header.PROTOCOL_ICMP ? 0
                : Checksum.pseudoHeader(ip.source(), ip.destination(), ip.protocol(), ip.payloadLength());
            assertEquals(0, Checksum.fold(Checksum.sum(frame, ip.payloadOffset(), ip.payloadLength(), sum)), fixture);
        }
    }

    @Test
    void shouldSumThePseudoHeader()
    {
        // 198.18.0.1, 198.18.0.2, zero and protocol 17, UDP length 23, as 16-bit words (RFC 768).
        final int expected = 0xC612 + 0x0001 + 0xC612 + 0x0002 + 0x0011 + 0x0017;
        assertEquals(Checksum.fold(expected), Checksum.fold(Checksum.pseudoHeader(IP_A, IP_B, 17, 23)));
        final byte[] pseudo = Fixtures.bytes("c6120001c61200020011" + "0017");
        assertEquals(Checksum.compute(ByteBuffer.wrap(pseudo), 0, pseudo.length),
            Checksum.fold(Checksum.pseudoHeader(IP_A, IP_B, 17, 23)));
    }

    @Test
    void shouldUpdateTheExampleOfRfc1624ToPlusZero()
    {
        // RFC 1624 section 4: HC 0xdd2f, m 0x5555 becomes m' 0x3285; eqn. 3 gives 0x0000 where eqn. 2 gave 0xffff.
        assertEquals(0x0000, Checksum.update16(0xDD2F, 0x5555, 0x3285));
    }

    @Test
    void shouldMatchRecomputationAfterManyRandomIncrementalUpdates()
    {
        final SplittableRandom random = new SplittableRandom(1624);
        final ByteBuffer header = ByteBuffer.allocate(20);
        for (int i = 0; i < 200_000; i++)
        {
            for (int word = 0; word < 10; word++)
            {
                header.putShort(word * 2, (short)randomWord(random));
            }
            if (i % 7 == 0)
            {
                // A header that sums to 0xffff, whose checksum is 0x0000: the case eqn. 2 got wrong.
                header.putShort(0, (short)0);
                header.putShort(10, (short)0);
                header.putShort(0, (short)Checksum.compute(header, 0, 20));
            }
            setChecksum(header);
            final int word = random.nextInt(9) < 5 ? random.nextInt(5) : 6 + random.nextInt(4);
            final int oldValue = header.getShort(word * 2) & 0xFFFF;
            final int newValue = random.nextInt(8) == 0 ? oldValue : randomWord(random);
            final int updated = Checksum.update16(header.getShort(10) & 0xFFFF, oldValue, newValue);
            header.putShort(word * 2, (short)newValue);
            assertEquals(recompute(header), updated, "case " + i);

            final int addressOffset = random.nextBoolean() ? 12 : 16;
            final int oldAddress = header.getInt(addressOffset);
            final int newAddress = random.nextInt(8) == 0 ? oldAddress : random.nextInt();
            setChecksum(header);
            final int updatedAddress = Checksum.update32(header.getShort(10) & 0xFFFF, oldAddress, newAddress);
            header.putInt(addressOffset, newAddress);
            assertEquals(recompute(header), updatedAddress, "address case " + i);
        }
    }

    @Test
    void shouldKeepTheChecksumRightThroughAChainOfTtlDecrements()
    {
        final ByteBuffer frame = Fixtures.exact(Fixtures.ICMP_ECHO_REQUEST);
        final ByteBuffer header = ByteBuffer.allocate(20).put(0, frame, EthernetHeader.LENGTH, 20);
        for (int ttl = 64; ttl > 0; ttl--)
        {
            final int oldWord = header.getShort(8) & 0xFFFF;
            final int newWord = ((ttl - 1) << 8) | (oldWord & 0xFF);
            final int checksum = Checksum.update16(header.getShort(10) & 0xFFFF, oldWord, newWord);
            header.putShort(8, (short)newWord);
            header.putShort(10, (short)checksum);
            assertEquals(0, Checksum.compute(header, 0, 20), "ttl " + (ttl - 1));
        }
        assertTrue((header.get(8) & 0xFF) == 0);
    }

    private static int randomWord(final SplittableRandom random)
    {
        switch (random.nextInt(8))
        {
            case 0: return 0;
            case 1: return 0xFFFF;
            default: return random.nextInt(0x1_0000);
        }
    }

    private static void setChecksum(final ByteBuffer header)
    {
        header.putShort(10, (short)0);
        header.putShort(10, (short)Checksum.compute(header, 0, 20));
    }

    private static int recompute(final ByteBuffer header)
    {
        final ByteBuffer copy = ByteBuffer.allocate(20).put(0, header, 0, 20);
        copy.putShort(10, (short)0);
        return Checksum.compute(copy, 0, 20);
    }

    /** RFC 1071 done the obvious way: 16-bit words, an odd byte padded on the right, end-around carries. */
    private static int referenceChecksum(final byte[] data, final int offset, final int length, final int initial)
    {
        long sum = initial & 0xFFFF_FFFFL;
        for (int i = 0; i < length; i += 2)
        {
            final int high = data[offset + i] & 0xFF;
            final int low = i + 1 < length ? data[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)(~sum & 0xFFFF);
    }

    @Test
    void shouldComputeTheIpv6PseudoHeaderOfRfc8200()
    {
        // A UDP datagram "hello" from [2001:db8::1]:1234 to [2001:db8::2]:5678; its checksum 0x458d was computed
        // independently (Python, over the pseudo-header bytes RFC 8200 section 8.1 draws).
        final long srcHi = 0x2001_0DB8_0000_0000L;
        final long dstHi = srcHi;
        final ByteBuffer m = ByteBuffer.allocate(13);
        final UdpHeader udp = new UdpHeader().wrap(m, 0, 13);
        m.put(8, "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        udp.write(1234, 5678, 13).computeChecksum6(srcHi, 1, dstHi, 2);
        assertEquals(0x458D, udp.checksum());
        assertTrue(udp.checksumOk6(srcHi, 1, dstHi, 2));
        assertTrue(!udp.checksumOk6(srcHi, 1, dstHi, 3), "another destination");
        // Over IPv6 a zero checksum is not "none" but invalid (RFC 8200 section 8.1).
        udp.checksum(0);
        assertTrue(!udp.checksumOk6(srcHi, 1, dstHi, 2));
        assertTrue(udp.checksumOk(1, 2), "over IPv4 zero still means none (RFC 768)");

        // The same sum over the pseudo-header's bytes laid out in memory.
        final ByteBuffer pseudo = ByteBuffer.allocate(40);
        Ipv6Address.write(pseudo, 0, 0x2001_0DB8_1234_5678L, 0x9ABC_DEF0_1357_9BDFL);
        Ipv6Address.write(pseudo, 16, 0xFE80_0000_0000_0000L, 0x0211_22FF_FE33_4455L);
        pseudo.putInt(32, 70_000).putInt(36, 6);
        assertEquals(Checksum.fold(Checksum.sum(pseudo, 0, 40, 0)), Checksum.fold(Checksum.pseudoHeader6(
            0x2001_0DB8_1234_5678L, 0x9ABC_DEF0_1357_9BDFL, 0xFE80_0000_0000_0000L, 0x0211_22FF_FE33_4455L, 6,
            70_000)));
    }
}
