package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The building blocks: sequence arithmetic, range sets, rings, SipHash, SYN cookies, tables, configuration. */
class TcpPartsTest
{
    @Test
    void shouldCompareSequenceNumbersAcrossTheWrap()
    {
        assertTrue(Seq.lt(0xFFFFFFF0, 0x10));
        assertTrue(Seq.gt(0x10, 0xFFFFFFF0));
        assertTrue(Seq.inRange(0, 0xFFFFFFFF, 1));
        assertEquals(0x10, Seq.max(0xFFFFFFF0, 0x10));
    }

    @Test
    void shouldMergeAndTrimRanges()
    {
        final RangeSet r = new RangeSet(3);
        assertEquals(0, r.add(100, 200));
        assertEquals(1, r.add(300, 400));
        assertEquals(0, r.add(200, 250), "touching ranges merge");
        assertEquals("[100-250, 300-400]", r.toString());
        assertEquals(2, r.add(500, 600));
        assertEquals(-1, r.add(700, 800), "full: a new range is refused");
        assertEquals(0, r.add(50, 550), "one range swallowing three");
        assertEquals("[50-600]", r.toString());
        r.removeBelow(70);
        assertEquals("[70-600]", r.toString());
        assertTrue(r.covers(100, 600));
        assertFalse(r.covers(60, 100));
        final RangeSet wrap = new RangeSet(4);
        wrap.add(0xFFFFFF00, 0x100);
        wrap.add(0x200, 0x300);
        assertEquals(0x300, wrap.totalBytes(), "ranges across the wrap of sequence space");
        assertTrue(wrap.contains(0));
        assertEquals(0, wrap.find(0xFFFFFFFF));
    }

    @Test
    void shouldWrapTheRingAcrossChunksAndGiveThemBack()
    {
        final TcpCounters counters = new TcpCounters();
        final TcpMemory memory = new TcpMemory(1 << 20, 1 << 20, 1 << 20, counters);
        final int chunk = TcpMemory.CHUNK_SIZE;
        final ByteRing ring = new ByteRing(memory, 2 * chunk);
        final byte[] data = new byte[3 * chunk];
        new SplittableRandom(5).nextBytes(data);
        assertTrue(ring.reserve(0, chunk + 100));
        ring.writeFrom(0, ByteBuffer.wrap(data, 0, chunk + 100), chunk + 100);
        assertEquals(2 * chunk, memory.bytesInUse(), "two chunks for a chunk and a bit");
        final ByteBuffer out = ByteBuffer.allocate(3 * chunk);
        ring.readInto(out, chunk + 50);
        assertEquals(chunk, memory.bytesInUse(), "the passed chunk went back");
        // Out of order: bytes at an offset take only the chunk they fall in.
        assertTrue(ring.reserve(chunk + 10, 20));
        ring.write(chunk + 10, ByteBuffer.wrap(data), 2 * chunk + 60, 20);
        assertEquals(2 * chunk, memory.bytesInUse());
        assertTrue(ring.reserve(50, chunk + 10));
        ring.writeFrom(50, ByteBuffer.wrap(data, chunk + 100, chunk + 10), chunk + 10);
        final ByteBuffer peek = ByteBuffer.allocate(chunk + 60);
        ring.read(0, peek, 0, chunk + 60);
        assertEquals(ByteBuffer.wrap(data, chunk + 50, chunk + 60), peek, "the gap filled around the out-of-order bytes");
        assertFalse(ring.reserve(0, 2 * chunk + 1), "beyond the capacity");
        ring.readInto(out, chunk + 60);
        assertEquals(ByteBuffer.wrap(data, 0, 2 * chunk + 110), out.flip());
        ring.clear();
        assertEquals(0, memory.bytesInUse(), "an empty ring holds nothing");
    }

    @Test
    void shouldTakeNoChunkIndexUntilTheFirstReservation()
    {
        final TcpCounters counters = new TcpCounters();
        final TcpMemory memory = new TcpMemory(1 << 20, 1 << 20, 1 << 20, counters);
        final int chunk = TcpMemory.CHUNK_SIZE;
        final ByteRing ring = new ByteRing(memory, 4 * chunk);
        assertFalse(ring.holdsChunkAt(0));
        // A FIN, or bytes acknowledged that were never held, move the head of a ring that has no index yet.
        ring.skip(chunk + 7);
        ring.trimAfter(0);
        ring.capacity(8 * chunk);
        assertEquals(8 * chunk, ring.capacity());
        final byte[] data = new byte[3 * chunk];
        new SplittableRandom(11).nextBytes(data);
        assertTrue(ring.reserve(0, 3 * chunk));
        assertEquals(3 * chunk + chunk, memory.bytesInUse(), "a head 7 bytes into a chunk spans one chunk more");
        ring.writeFrom(0, ByteBuffer.wrap(data), 3 * chunk);
        final ByteBuffer out = ByteBuffer.allocate(3 * chunk);
        ring.readInto(out, 3 * chunk);
        assertEquals(ByteBuffer.wrap(data), out.flip());
        ring.clear();
        assertEquals(0, memory.bytesInUse());
        final ByteRing prefix = new ByteRing(memory, 2 * chunk);
        assertEquals(2 * chunk, prefix.reservePrefix(0, 5 * chunk), "the prefix path makes the index too");
        assertTrue(prefix.holdsChunkAt(chunk));
        prefix.clear();
    }

    @Test
    void shouldGrowTheChunkIndexWithTheDataAndKeepTheBytesInOrder()
    {
        final TcpCounters counters = new TcpCounters();
        final TcpMemory memory = new TcpMemory(1 << 24, 1 << 24, 1 << 24, counters);
        final int chunk = TcpMemory.CHUNK_SIZE;
        final ByteRing ring = new ByteRing(memory, 16 * chunk);
        final SplittableRandom random = new SplittableRandom(23);
        final byte[] stream = new byte[1 << 20];
        random.nextBytes(stream);
        // Writes of growing and shrinking sizes (the index doubles while the head wraps its slots), reads behind them.
        int written = 0;
        int read = 0;
        final ByteBuffer out = ByteBuffer.allocate(stream.length);
        while (read < stream.length)
        {
            final int room = 16 * chunk - (written - read);
            final int burst = random.nextInt(1 + Math.min(room, (read / chunk % 7 + 1) * chunk));
            final int n = Math.min(stream.length - written, burst);
            assertTrue(ring.reserve(written - read, n));
            ring.write(written - read, ByteBuffer.wrap(stream), written, n);
            written += n;
            final int m = random.nextInt(1 + written - read);
            ring.readInto(out, m);
            read += m;
            assertTrue(memory.bytesInUse() <= 17L * chunk, "only the chunks under unread bytes are held");
        }
        assertEquals(ByteBuffer.wrap(stream), out.flip());
        ring.clear();
        assertEquals(0, memory.bytesInUse());
    }

    @Test
    void shouldFindTimeWaitRecordsByTheHashInTheIndexThroughRemovalsAndGrowth()
    {
        // Many records on few addresses and ports, so that probe runs are long and backward shifts move entries.
        final TimeWaitTable table = new TimeWaitTable(7, 5000);
        final int n = 4000;
        final int[] records = new int[n];
        for (int i = 0; i < n; i++)
        {
            records[i] = table.add(1, 80, 2 + i % 3, 1024 + i / 3, i);
            assertTrue(records[i] != TimeWaitTable.NONE);
        }
        for (int i = 0; i < 300; i++)
        {
            assertTrue(table.add6(9, 1, 443, 9, 2 + i % 2, 2000 + i, i) != TimeWaitTable.NONE);
        }
        final SplittableRandom random = new SplittableRandom(3);
        final boolean[] removed = new boolean[n];
        for (int k = 0; k < n / 2; k++)
        {
            final int i = random.nextInt(n);
            if (!removed[i])
            {
                assertEquals(records[i], table.find(1, 80, 2 + i % 3, 1024 + i / 3));
                table.remove(records[i]);
                removed[i] = true;
            }
        }
        for (int i = 0; i < n; i++)
        {
            final int found = table.find(1, 80, 2 + i % 3, 1024 + i / 3);
            assertEquals(removed[i] ? TimeWaitTable.NONE : records[i], found, "record " + i);
            assertEquals(TimeWaitTable.NONE, table.find(1, 81, 2 + i % 3, 1024 + i / 3), "another local port");
        }
        for (int i = 0; i < 300; i++)
        {
            assertTrue(table.find6(9, 1, 443, 9, 2 + i % 2, 2000 + i) != TimeWaitTable.NONE);
            assertEquals(TimeWaitTable.NONE, table.find6(9, 1, 443, 9, 4, 2000 + i));
        }
    }

    @Test
    void shouldRefuseChunksAtTheLimitAndFeelPressureBetweenTheLevels()
    {
        final TcpCounters counters = new TcpCounters();
        final int chunk = TcpMemory.CHUNK_SIZE;
        final TcpMemory memory = new TcpMemory(2L * chunk, 3L * chunk, 4L * chunk, counters);
        final ByteRing ring = new ByteRing(memory, 8 * chunk);
        assertEquals(3 * chunk, ring.reservePrefix(0, 3 * chunk));
        assertFalse(memory.underPressure(), "at the pressure level, not above it");
        assertEquals(2 * chunk + 100, ring.reservePrefix(2 * chunk - 100, 3 * chunk + 100), "up to the fourth chunk");
        assertTrue(memory.underPressure());
        assertFalse(memory.admitsConnection());
        assertEquals(1, counters.memoryRefusals());
        assertFalse(ring.reserve(4 * chunk, 1));
        ring.skip(chunk);
        assertTrue(memory.underPressure(), "pressure lasts until use falls to the low level");
        ring.trimAfter(chunk);
        assertFalse(memory.underPressure());
        assertEquals(chunk, memory.bytesInUse());
        ring.clear();
        assertEquals(0, memory.bytesInUse());
        assertTrue(memory.bytesCached() > 0, "chunks are kept for reuse below the low level");
    }

    @Test
    void shouldMatchTheSipHashReferenceVector()
    {
        // SipHash-2-4 paper, appendix A: key 00..0f, message 00..0f -> 0x3f2acc7f57c29bdb.
        final SipHash h = new SipHash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);
        assertEquals(0x3f2acc7f57c29bdbL, h.hash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L));
        // The 40-byte message 00..27 (the reference algorithm run over it: the paper's vectors stop at 63 bytes).
        assertEquals(0x0e3ea96b5304a7d0L, h.hash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L, 0x1716151413121110L,
            0x1f1e1d1c1b1a1918L, 0x2726252423222120L));
    }

    @Test
    void shouldRoundTripSynCookiesAndRejectEverythingElse()
    {
        final SynCookies cookies = new SynCookies(new SipHash(1, 2), new SipHash(3, 4));
        final long now = 7_777_000_000_000L;
        final SplittableRandom random = new SplittableRandom(1);
        int falseAccepts = 0;
        for (int i = 0; i < 10_000; i++)
        {
            final int peerIsn = random.nextInt();
            final int index = random.nextInt(4);
            final int cookie = cookies.encode(1, 80, 2, 40000 + i % 1000, peerIsn, index, now);
            assertEquals(index, cookies.decode(1, 80, 2, 40000 + i % 1000, cookie, peerIsn, now + 59_000_000_000L));
            assertEquals(-1, cookies.decode(1, 80, 2, 40000 + i % 1000, cookie, peerIsn, now + 125_000_000_000L),
                "expired");
            if (cookies.decode(1, 80, 3, 40000, random.nextInt(), peerIsn, now) >= 0)
            {
                falseAccepts++;
            }
        }
        assertTrue(falseAccepts <= 2, "random cookies accepted: " + falseAccepts);
        final int ts = SynCookies.encodeTimestamp(123_456, 7, true);
        assertTrue(ts - 123_456 <= 0, "never ahead of the clock");
        assertEquals(7, SynCookies.windowScale(ts));
        assertTrue(SynCookies.sack(ts));
        assertEquals(-1, SynCookies.windowScale(SynCookies.encodeTimestamp(5000, -1, false)));
        assertEquals(3, SynCookies.mssIndex(1460));
        assertEquals(1, SynCookies.mssIndex(1400));
        assertEquals(0, SynCookies.mssIndex(100));
    }

    @Test
    void shouldForgetTheConnectionFoundLastWhenItLeavesTheTable()
    {
        final TcpTestbench b = new TcpTestbench();
        final ConnectionTable table = new ConnectionTable(7);
        final TcpSocket first = b.layer.open();
        first.localAddress = 1;
        first.localPort = 80;
        first.remoteAddress = 2;
        first.remotePort = 1000;
        final TcpSocket other = b.layer.open();
        other.localAddress = 1;
        other.localPort = 80;
        other.remoteAddress = 3;
        other.remotePort = 1000;
        table.insert(first);
        table.insert(other);
        assertSame(first, table.find(1, 80, 2, 1000));
        assertSame(first, table.find(1, 80, 2, 1000), "found again, from the one kept");
        assertSame(other, table.find(1, 80, 3, 1000));
        assertNull(table.find(1, 80, 2, 1001), "a port apart is another connection");
        assertSame(first, table.find(1, 80, 2, 1000));
        assertTrue(table.remove(first));
        assertNull(table.find(1, 80, 2, 1000), "gone from the table: not answered from the one kept either");
        // A new connection on the same 4-tuple (a new incarnation) is the one found.
        final TcpSocket again = b.layer.open();
        again.localAddress = 1;
        again.localPort = 80;
        again.remoteAddress = 2;
        again.remotePort = 1000;
        table.insert(again);
        assertSame(again, table.find(1, 80, 2, 1000));
        assertTrue(table.remove(other));
        assertSame(again, table.find(1, 80, 2, 1000));
        assertNull(table.find(1, 80, 3, 1000));
    }

    @Test
    void shouldFindInsertAndRemoveConnections()
    {
        final TcpTestbench b = new TcpTestbench();
        final ConnectionTable table = new ConnectionTable(99);
        final TcpSocket[] sockets = new TcpSocket[2000];
        for (int i = 0; i < sockets.length; i++)
        {
            final TcpSocket s = b.layer.open();
            s.localAddress = 1;
            s.localPort = 80;
            s.remoteAddress = 2 + i % 7;
            s.remotePort = 1000 + i;
            table.insert(s);
            sockets[i] = s;
        }
        assertEquals(2000, table.size());
        for (int i = 0; i < sockets.length; i += 2)
        {
            assertTrue(table.remove(sockets[i]));
        }
        for (int i = 0; i < sockets.length; i++)
        {
            final TcpSocket found = table.find(1, 80, 2 + i % 7, 1000 + i);
            if (i % 2 == 0)
            {
                assertNull(found);
            }
            else
            {
                assertSame(sockets[i], found);
            }
        }
        assertFalse(table.remove(sockets[0]));
        // Removals between growths, and re-insertion: every survivor is still found by the hash it was given.
        final SplittableRandom random = new SplittableRandom(17);
        final boolean[] in = new boolean[sockets.length];
        for (int i = 1; i < sockets.length; i += 2)
        {
            in[i] = true;
        }
        for (int round = 0; round < 20_000; round++)
        {
            final int i = random.nextInt(sockets.length);
            if (in[i])
            {
                assertTrue(table.remove(sockets[i]));
            }
            else
            {
                table.insert(sockets[i]);
            }
            in[i] = !in[i];
        }
        for (int i = 0; i < sockets.length; i++)
        {
            assertSame(in[i] ? sockets[i] : null, table.find(1, 80, 2 + i % 7, 1000 + i), "socket " + i);
            assertNull(table.find(1, 81, 2 + i % 7, 1000 + i));
        }
    }

    @Test
    void shouldValidateTheConfigurationNamingTheSetting()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> TcpConfig.builder().minRto(Duration.ZERO).build());
        assertTrue(e.getMessage().contains("minRto"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> TcpConfig.builder().delayedAckTimeout(Duration.ofMillis(600)).build()).getMessage()
            .contains("delayedAckTimeout"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> TcpConfig.builder().ephemeralPorts(5000, 4000).build()).getMessage().contains("ephemeralPortHigh"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> TcpConfig.builder().receiveBufferSize(1 << 30).build()).getMessage().contains("receiveBufferSize"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> TcpConfig.builder().congestionControl(null).build()).getMessage().contains("congestionControl"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> TcpConfig.builder().initialRto(Duration.ofMillis(100)).build()).getMessage().contains("initialRto"));
        final TcpConfig d = TcpConfig.defaults();
        assertEquals(Duration.ofSeconds(30), d.msl());
        assertEquals(Duration.ofMillis(200), d.minRto());
        assertEquals(Duration.ofSeconds(1), d.initialRto());
        assertEquals(CongestionAlgorithm.CUBIC, d.congestionControl());
        assertEquals(32768, d.ephemeralPortLow());
        assertEquals(60999, d.ephemeralPortHigh());
        assertEquals(9, d.keepaliveCount());
        assertTrue(d.synCookies() && d.timestamps() && d.sack() && d.windowScaling());
        assertEquals(d.toString(), d.toBuilder().build().toString(), "toBuilder keeps every value");
        assertEquals(9, d.offeredWindowScale(), "16 MiB needs a shift of 9 to fit 16 bits");
    }

    @Test
    void shouldClampBufferSizesLikeSetsockopt()
    {
        final TcpTestbench b = new TcpTestbench();
        final TcpSocket s = b.layer.open();
        s.sendBufferSize(1);
        assertEquals(TcpConfig.MIN_BUFFER_SIZE, s.sendBufferSize());
        s.receiveBufferSize(Integer.MAX_VALUE);
        assertEquals(TcpConfig.defaults().maxReceiveBufferSize(), s.receiveBufferSize());
    }
}
