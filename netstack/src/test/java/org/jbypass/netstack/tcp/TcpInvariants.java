package org.jbypass.netstack.tcp;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The invariants of TCP's state that no input may break, checked by the fuzz tests after every step: the sequence
 * variables stay ordered (RFC 9293 section 3.3.1), windows are never negative, buffered and out-of-order data stay
 * inside the receive buffer, and the bounded tables (SYN queue, accept queue, TIME_WAIT) stay within their bounds.
 * Reads the connection block's fields directly, which is why it lives in the tcp package.
 */
public final class TcpInvariants
{
    private TcpInvariants()
    {
    }

    /**
     * Checks every connection the layer knows by 4-tuple, and {@code more} (application sockets, listeners).
     *
     * @throws AssertionError naming the socket and what is wrong
     */
    public static void check(final TcpLayer layer, final Iterable<TcpSocket> more)
    {
        // Application sockets are usually in the table too: each once.
        final Set<TcpSocket> all = Collections.newSetFromMap(new IdentityHashMap<>());
        layer.connections.forEach(all::add);
        for (final TcpSocket s : more)
        {
            all.add(s);
        }
        int timeWait = 0;
        int known = 0;
        for (final TcpSocket s : all)
        {
            check(s);
            if (s.inConnectionTable)
            {
                known++;
                timeWait += s.state == TcpState.TIME_WAIT ? 1 : 0;
            }
        }
        require(known >= layer.connections.size(), null, "the connection table holds sockets not in it");
        int inTable = 0;
        for (final TcpSocket s : all)
        {
            final TcpSocket found = s.v6
                ? layer.connections.find6(s.localHi, s.localLo, s.localPort, s.remoteHi, s.remoteLo, s.remotePort)
                : layer.connections.find(s.localAddress, s.localPort, s.remoteAddress, s.remotePort);
            inTable += s.inConnectionTable && found == s ? 1 : 0;
        }
        require(inTable >= layer.connections.size(), null, "a connection in the table cannot be found by its tuple");
        final int records = layer.timeWaitCount();
        require(records >= 0 && records <= layer.config.timeWaitLimit, null,
            "TIME_WAIT records " + records + " outside 0.." + layer.config.timeWaitLimit);
        require(timeWait == 0, null, timeWait + " sockets in TIME_WAIT: TIME_WAIT is kept in records only");
        // Half-open connections are records, each counted by its listener, and never a socket too.
        int halfOpen = 0;
        for (final TcpSocket s : all)
        {
            require(s.state != TcpState.SYN_RECEIVED || s.parent == null, s,
                "a passive open in SYN-RECEIVED as a socket: half-open connections are SynRequest records");
            if (s.state == TcpState.LISTEN && s.accepts != null)
            {
                halfOpen += s.accepts.halfOpen();
                require(s.accepts.halfOpen() == 0 || layer.requests.size() > 0, s, "half-open count without records");
            }
        }
        require(halfOpen <= layer.requests.size(), null,
            "listeners count " + halfOpen + " half-open connections, the table holds " + layer.requests.size());
        // A 4-tuple is a connection or a TIME_WAIT record, never both.
        for (final TcpSocket s : all)
        {
            require(!s.inConnectionTable || layer.timeWait.table.find(s.localAddress, s.localPort, s.remoteAddress,
                s.remotePort) == TimeWaitTable.NONE, s, "its 4-tuple is also in TIME_WAIT");
        }
    }

    /** Checks one socket. */
    public static void check(final TcpSocket s)
    {
        if (s.state == TcpState.LISTEN)
        {
            require(s.accepts != null, s, "listening without an accept queue");
            require(s.accepts.halfOpen() >= 0 && s.accepts.halfOpen() <= s.config.synBacklog, s,
                "SYN queue " + s.accepts.halfOpen() + " outside 0.." + s.config.synBacklog);
            require(s.accepts.count() >= 0 && s.accepts.count() <= s.accepts.capacity(), s,
                "accept queue " + s.accepts.count() + " beyond its capacity");
            return;
        }
        require(s.snd.wnd >= 0, s, "negative send window " + s.snd.wnd);
        require(s.snd.maxWnd >= 0, s, "negative largest send window " + s.snd.maxWnd);
        require(s.snd.buffered >= 0 && s.snd.buffered <= Math.max(s.sendBufferSize, 0) + maxSendGrowth(s), s,
            "send buffer holds " + s.snd.buffered + " of " + s.sendBufferSize);
        if (s.snd.ring != null)
        {
            require(s.snd.buffered <= s.snd.ring.capacity(), s, "send ring of " + s.snd.ring.capacity() + " holds "
                + s.snd.buffered);
        }
        if (s.state == TcpState.CLOSED || s.state == TcpState.LISTEN)
        {
            return;
        }
        if (s.state == TcpState.SYN_SENT)
        {
            require(s.snd.una == s.snd.iss && s.snd.nxt - s.snd.iss <= 1 && s.snd.nxt - s.snd.iss >= 0, s,
                "SYN_SENT with SND.UNA/NXT " + s.snd.una + "/" + s.snd.nxt + " and ISS " + s.snd.iss);
            return;
        }
        // RFC 9293 3.3.1: SND.UNA <= SND.NXT, and nothing beyond what was queued (data, then a FIN) was sent.
        require(Seq.le(s.snd.una, s.snd.nxt), s, "SND.UNA " + u(s.snd.una) + " beyond SND.NXT " + u(s.snd.nxt));
        require(Seq.le(s.snd.iss, s.snd.una), s, "SND.UNA " + u(s.snd.una) + " before ISS " + u(s.snd.iss));
        if (s.snd.ring != null || s.snd.buffered > 0)
        {
            final int queuedEnd = s.snd.bufSeq + s.snd.buffered + (s.snd.finQueued ? 1 : 0);
            require(Seq.le(s.snd.nxt, queuedEnd), s, "SND.NXT " + u(s.snd.nxt) + " beyond the queued data's end "
                + u(queuedEnd));
            // The ring starts one past SND.UNA while the SYN is unacknowledged, one before it once the FIN is.
            require(Math.abs(s.snd.bufSeq - s.snd.una) <= 1, s,
                "send buffer starts at " + u(s.snd.bufSeq) + ", SND.UNA is " + u(s.snd.una));
        }
        // The receive side: what is held (read position to the right edge of in-order and out-of-order data) fits
        // in the buffer, and the advertised edge never falls behind RCV.NXT by more than a FIN.
        if (s.rcv.ring != null)
        {
            final int held = s.rcv.dataEnd() - s.rcv.readSeq;
            require(held >= 0 && held <= s.rcv.capacity, s,
                "receive buffer holds " + held + " of " + s.rcv.capacity);
            require(s.rcv.capacity <= s.rcv.ring.capacity(), s, "receive capacity " + s.rcv.capacity
                + " beyond the ring's " + s.rcv.ring.capacity());
            require(Seq.le(s.rcv.readSeq, s.rcv.dataEnd()), s, "read position beyond the data");
        }
        final RangeSet ooo = s.rcv.outOfOrder;
        require(ooo.count() <= ooo.capacity(), s, "out-of-order ranges " + ooo.count());
        for (int i = 0; i < ooo.count(); i++)
        {
            final int start = ooo.start(i);
            final int end = ooo.end(i);
            require(Seq.lt(start, end), s, "empty out-of-order range " + ooo);
            require(Seq.gt(start, s.rcv.nxt), s, "out-of-order range " + ooo + " at or below RCV.NXT " + u(s.rcv.nxt));
            require(end - s.rcv.readSeq <= s.rcv.capacity, s, "out-of-order range " + ooo + " beyond the buffer ("
                + s.rcv.capacity + " from " + u(s.rcv.readSeq) + ")");
            if (i > 0)
            {
                require(Seq.lt(ooo.end(i - 1), start), s, "out-of-order ranges overlap or touch " + ooo);
            }
        }
        final Scoreboard board = s.scoreboard;
        if (board != null)
        {
            checkScoreboard(s, board);
        }
        // The congestion window is set when the handshake completes (RFC 5681 3.1), and never falls to zero.
        require(!s.state.isSynchronized() || s.cc.cwnd > 0, s, "congestion window " + s.cc.cwnd);
    }

    /**
     * The scoreboard's records tile [SND.UNA, SND.NXT) in order without empty records, and its byte counts (from
     * which pipe comes) agree with the records' flags.
     */
    private static void checkScoreboard(final TcpSocket s, final Scoreboard board)
    {
        require(board.count() <= board.capacity(), s, "scoreboard records " + board.count());
        if (board.count() == 0)
        {
            return;
        }
        require(board.start(0) == s.snd.una, s, "scoreboard starts at " + u(board.start(0)) + ", not SND.UNA");
        require(board.end() == s.snd.nxt, s, "scoreboard ends at " + u(board.end()) + ", not SND.NXT");
        long sacked = 0;
        long lost = 0;
        long retransmitted = 0;
        int sackedSegments = 0;
        for (int i = 0; i < board.count(); i++)
        {
            final int length = board.end(i) - board.start(i);
            require(length > 0, s, "empty scoreboard record " + i + " of " + board);
            final int f = board.flags(i);
            if ((f & Scoreboard.SACKED) != 0)
            {
                sacked += length;
                sackedSegments++;
                require((f & (Scoreboard.LOST | Scoreboard.RETRANSMITTED)) == 0, s, "SACKed and lost " + board);
            }
            lost += (f & Scoreboard.LOST) != 0 ? length : 0;
            retransmitted += (f & Scoreboard.RETRANSMITTED) != 0 ? length : 0;
        }
        require(sacked == board.sackedBytes() && lost == board.lostBytes()
            && retransmitted == board.retransmittedBytes() && sackedSegments == board.sackedSegments(), s,
            "scoreboard counts " + board);
        require(board.pipe() >= 0 && board.pipe() <= s.snd.nxt - s.snd.una + board.retransmittedBytes(), s,
            "pipe " + board.pipe());
    }

    /** A socket whose send buffer was shrunk keeps what it already held. */
    private static int maxSendGrowth(final TcpSocket s)
    {
        return s.snd.ring == null ? 0 : s.snd.ring.capacity();
    }

    private static void require(final boolean condition, final TcpSocket s, final String what)
    {
        if (!condition)
        {
            throw new AssertionError("TCP invariant: " + what + (s == null ? "" : " in " + s));
        }
    }

    private static String u(final int seq)
    {
        return Integer.toUnsignedString(seq);
    }
}
