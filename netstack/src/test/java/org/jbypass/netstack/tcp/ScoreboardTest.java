package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The scoreboard's records and counts (RFC 6675's pipe from them), and RACK's loss marking over them (RFC 8985
 * section 6.2), without a connection. Sequence numbers start near the wrap to exercise modular comparison.
 */
class ScoreboardTest
{
    private static final int SEQ = -3000;
    private static final int MSS = 1000;

    private final Scoreboard sb = new Scoreboard(64);
    private final Rack rack = new Rack();

    /** Ten segments of MSS bytes sent at times 1..10 (ns). */
    private void sendTen()
    {
        sb.reset(SEQ);
        rack.reset(SEQ);
        for (int i = 0; i < 10; i++)
        {
            sb.append(SEQ + i * MSS, MSS, i + 1);
        }
    }

    @Test
    void shouldCountPipeFromSackedLostAndRetransmittedBytes()
    {
        sendTen();
        assertEquals(10 * MSS, sb.pipe());
        assertEquals(3 * MSS, sb.sack(SEQ + MSS, SEQ + 4 * MSS, rack, 100, 0));
        assertEquals(7 * MSS, sb.pipe());
        assertFalse(sb.markLost(0));
        assertEquals(6 * MSS, sb.pipe(), "a lost segment leaves the pipe");
        assertEquals(0, sb.nextLost());
        sb.retransmitted(0, 101);
        assertEquals(7 * MSS, sb.pipe(), "its retransmission enters it");
        assertEquals(-1, sb.nextLost());
        assertTrue(sb.markLost(0), "a retransmission found lost");
        assertEquals(6 * MSS, sb.pipe());
        assertEquals(0, sb.nextLost(), "eligible again");
        // The cumulative ACK covers the hole and the SACKed segments: only the hole is newly delivered.
        assertEquals(MSS, sb.acknowledge(SEQ + 4 * MSS, rack, 120, 0));
        assertEquals(6 * MSS, sb.pipe());
        assertEquals(0, sb.sackedBytes());
        assertEquals(0, sb.lostBytes());
    }

    @Test
    void shouldSplitRecordsThatABlockOrAnAckCoversInPart()
    {
        sendTen();
        // A block starting and ending inside segments (as after a retransmission in smaller segments).
        assertEquals(1500, sb.sack(SEQ + 1500, SEQ + 3000, rack, 100, 0));
        assertEquals(11, sb.count(), "the segment the block starts in is split");
        assertEquals(SEQ + 1500, sb.start(2));
        assertEquals(Scoreboard.SACKED, sb.flags(2));
        assertEquals(0, sb.flags(1));
        assertEquals(1500, sb.sackedBytes());
        // An ACK in the middle of a record trims it.
        assertEquals(700, sb.acknowledge(SEQ + 700, rack, 110, 0));
        assertEquals(SEQ + 700, sb.start(0));
        assertEquals(10 * MSS - 700 - 1500, sb.pipe());
    }

    @Test
    void shouldMarkLostOnlyWhatWasSentBeforeTheLatestDeliveredSegmentOnceItsTimeIsUp()
    {
        final TcpCounters counters = new TcpCounters();
        sendTen();
        // Segment 5 (sent at t = 6) is SACKed at t = 16: RACK.rtt = 10.
        rack.beginAck();
        sb.sack(SEQ + 5 * MSS, SEQ + 6 * MSS, rack, 16, 0);
        // With a reordering window of 4, segment i (sent at i + 1) is due at i + 1 + 10 + 4: segments 0 and 1 by
        // now, 2, 3 and 4 at 17, 18 and 19.
        final long timeout = rack.detectLoss(sb, 16, 4, counters);
        assertEquals(Scoreboard.LOST, sb.flags(0));
        assertEquals(Scoreboard.LOST, sb.flags(1));
        assertEquals(0, sb.flags(2), "due at 17");
        assertEquals(0, sb.flags(4), "due at 19");
        assertEquals(0, sb.flags(6), "sent after the delivered segment: not a candidate");
        assertEquals(3, timeout, "the RACK timer: the latest due time among the candidates, 19 - 16");
        assertEquals(2, counters.rackLost());
        rack.detectLoss(sb, 19, 4, counters);
        assertEquals(Scoreboard.LOST, sb.flags(4));
        assertEquals(5 * MSS, sb.lostBytes());
    }

    @Test
    void shouldStartRacksWalkPastWhatCanNoLongerBeDeemedLost()
    {
        final TcpCounters counters = new TcpCounters();
        sendTen();
        rack.beginAck();
        sb.sack(SEQ, SEQ + 3 * MSS, rack, 20, 0);
        sb.sack(SEQ + 5 * MSS, SEQ + 6 * MSS, rack, 20, 0);
        rack.detectLoss(sb, 100, 0, counters);
        assertEquals(Scoreboard.LOST, sb.flags(3));
        assertEquals(Scoreboard.LOST, sb.flags(4));
        assertEquals(SEQ + 3 * MSS, sb.candidateHint(), "past the SACKed front");
        rack.detectLoss(sb, 100, 0, counters);
        assertEquals(SEQ + 6 * MSS, sb.candidateHint(), "past the lost segments too");
        // A retransmission is a candidate again (it may be lost in turn): the walk starts there once more.
        sb.retransmitted(3, 101);
        assertEquals(SEQ + 3 * MSS, sb.candidateHint());
        assertEquals(2, counters.rackLost());
    }

    @Test
    void shouldIgnoreAnAmbiguousAckOfARetransmissionFasterThanTheMinimumRtt()
    {
        final TcpCounters counters = new TcpCounters();
        sendTen();
        sb.markLost(0);
        sb.retransmitted(0, 20);
        // Delivered 2 ns after the retransmission, where the minimum RTT is 10: the original was delivered, and
        // the retransmission's time says nothing (RFC 8985 section 6.2 step 2), so segment 1 is not judged by it.
        rack.beginAck();
        sb.sack(SEQ, SEQ + MSS, rack, 22, 10);
        assertEquals(0, rack.detectLoss(sb, 22, 0, counters));
        assertEquals(0, sb.flags(1));
    }

    @Test
    void shouldStayBoundedMergingNewSegmentsIntoAPlainLastRecordWhenFull()
    {
        final Scoreboard small = new Scoreboard(64);
        small.reset(SEQ);
        for (int i = 0; i < 200; i++)
        {
            assertTrue(small.canAppend());
            small.append(SEQ + i * 10, 10, i);
        }
        assertEquals(64, small.capacity());
        assertEquals(64, small.count());
        assertEquals(SEQ + 2000, small.end());
        assertEquals(2000, small.pipe());
        // A last record that is SACKed cannot absorb new data: the sender waits.
        small.sack(SEQ + 630, SEQ + 2000, rack, 300, 0);
        assertFalse(small.canAppend());
    }

    /**
     * A SACK block that ends inside a record splits it; when the ring is full that split grows the ring, which
     * moves every record to a new slot. The record is marked in its new slot, not the one it had before the split
     * (a super-segment's record is often cut so under TSO: TcpSegmentingWireTest's larger run counted SACKed bytes
     * on one record and flagged another).
     */
    @Test
    void shouldMarkTheRecordABlockSplitsWhenTheSplitGrowsTheRing()
    {
        final Scoreboard big = new Scoreboard(1024);
        big.reset(SEQ);
        rack.reset(SEQ);
        for (int i = 0; i < Scoreboard.INITIAL_CAPACITY; i++)
        {
            big.append(SEQ + i * MSS, MSS, i + 1);
        }
        // The ring wraps: its first slot now holds the last record.
        big.acknowledge(SEQ + MSS, rack, 100, 0);
        big.append(SEQ + Scoreboard.INITIAL_CAPACITY * MSS, MSS, 101);
        assertEquals(big.capacity(), big.count(), "full");
        // A block covering the first half of record 10 (and all of 9).
        assertEquals(MSS + MSS / 2, big.sack(SEQ + 10 * MSS, SEQ + 11 * MSS + MSS / 2, rack, 110, 0));
        assertEquals(2 * Scoreboard.INITIAL_CAPACITY, big.capacity(), "the split grew the ring");
        assertEquals(Scoreboard.SACKED, big.flags(9));
        assertEquals(Scoreboard.SACKED, big.flags(10));
        assertEquals(SEQ + 11 * MSS + MSS / 2, big.start(11));
        assertEquals(0, big.flags(11), "the rest of the split record");
        assertEquals(0, big.flags(12));
        assertEquals(MSS + MSS / 2, big.sackedBytes());
        assertEquals(2, big.sackedSegments());
        assertEquals(Scoreboard.INITIAL_CAPACITY * MSS - MSS - MSS / 2, big.pipe());
    }

    @Test
    void shouldForgetEverySackWhenTheFirstSegmentIsSackedAtATimeout()
    {
        sendTen();
        sb.sack(SEQ, SEQ + 2 * MSS, rack, 50, 0);
        assertTrue(sb.markAllLost(), "reneging (RFC 2018 section 8)");
        assertEquals(0, sb.sackedBytes());
        assertEquals(10 * MSS, sb.lostBytes());
        assertEquals(0, sb.pipe());
        sendTen();
        sb.sack(SEQ + MSS, SEQ + 2 * MSS, rack, 50, 0);
        assertFalse(sb.markAllLost());
        assertEquals(9 * MSS, sb.lostBytes());
        assertEquals(0, sb.nextLost());
    }

    @Test
    void shouldWithdrawAZeroWindowProbe()
    {
        sb.reset(SEQ);
        sb.append(SEQ, 1, 5);
        sb.truncate(SEQ);
        assertEquals(0, sb.count());
        assertEquals(SEQ, sb.end());
        sb.append(SEQ, MSS, 6);
        assertEquals(MSS, sb.pipe());
    }
}
