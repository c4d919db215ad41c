package org.jbypass.netstack.tcp;

/**
 * SYN cookies (RFC 4987 section 3.6): when a listener's SYN queue is full, the SYN-ACK's initial sequence number
 * encodes what the connection needs, so the listener keeps no state until the handshake's final ACK returns the
 * cookie (as its acknowledgment number minus one).
 *
 * <p>The layout follows the design Linux has used since 2.6: with h1, h2 keyed PRFs of the 4-tuple,
 * <pre>
 *   cookie = h1(tuple) + ISN(peer) + (count &lt;&lt; 24) + ((h2(tuple, count) + mssIndex) mod 2^24)
 * </pre>
 * where count is a minute counter; a cookie is valid for {@link #MAX_AGE} counter values, and a random ACK passes
 * validation with probability about 2^-22. The MSS is one of four values; window scale and SACK, which a cookie
 * cannot hold, ride in the low {@link #TS_BITS} bits of the SYN-ACK's TSval when the peer offered timestamps, and
 * come back in the ACK's TSecr. Without timestamps the connection does without them, as RFC 4987 accepts.
 */
final class SynCookies
{
    /** The MSS values a cookie can carry (Linux's msstab): the common cases of IPv4 over Ethernet and tunnels. */
    static final int[] MSS_TABLE = {536, 1300, 1440, 1460};
    /**
     * Over IPv6 (Linux's msstab in syncookies.c for IPv6): the minimum MTU's MSS (1280 - 60), tunnels, and
     * Ethernet's 1500 - 60.
     */
    static final int[] MSS_TABLE6 = {1220, 1280, 1400, 1440};
    /** Bits of TSval that carry options. */
    static final int TS_BITS = 6;
    static final int TS_MASK = (1 << TS_BITS) - 1;
    /** Window scale in the TSval's low four bits; this value means "no window scaling". */
    static final int TS_NO_WSCALE = 0xF;
    static final int TS_SACK = 1 << 4;
    /** How many counter periods a cookie stays valid: it is accepted while count - cookieCount is 0 or 1. */
    static final int MAX_AGE = 2;
    private static final long PERIOD_NANOS = 60_000_000_000L;

    private final SipHash h1;
    private final SipHash h2;

    SynCookies(final SipHash h1, final SipHash h2)
    {
        this.h1 = h1;
        this.h2 = h2;
    }

    static int counter(final long nowNanos)
    {
        return (int)Math.floorDiv(nowNanos, PERIOD_NANOS);
    }

    /** The index of the largest table MSS not above {@code mss}. */
    static int mssIndex(final int mss)
    {
        return mssIndex(MSS_TABLE, mss);
    }

    /** The index of the largest entry of {@code table} not above {@code mss}. */
    static int mssIndex(final int[] table, final int mss)
    {
        for (int i = table.length - 1; i > 0; i--)
        {
            if (mss >= table[i])
            {
                return i;
            }
        }
        return 0;
    }

    /** Our initial sequence number for a SYN answered with a cookie. */
    int encode(final int localAddress, final int localPort, final int remoteAddress, final int remotePort,
        final int peerIsn, final int mssIndex, final long nowNanos)
    {
        final int count = counter(nowNanos);
        final long a = SipHash.addresses(localAddress, remoteAddress);
        final int first = (int)h1.hash(a, SipHash.portsAnd(localPort, remotePort, 0));
        final int second = (int)h2.hash(a, SipHash.portsAnd(localPort, remotePort, count));
        return first + peerIsn + (count << 24) + ((second + mssIndex) & 0xFFFFFF);
    }

    /** {@link #encode} for an IPv6 4-tuple: the PRFs take all 256 bits of its addresses. */
    int encode6(final long localHi, final long localLo, final int localPort, final long remoteHi, final long remoteLo,
        final int remotePort, final int peerIsn, final int mssIndex, final long nowNanos)
    {
        final int count = counter(nowNanos);
        final int first = (int)h1.hash(localHi, localLo, remoteHi, remoteLo, SipHash.portsAnd(localPort, remotePort,
            0));
        final int second = (int)h2.hash(localHi, localLo, remoteHi, remoteLo, SipHash.portsAnd(localPort,
            remotePort, count));
        return first + peerIsn + (count << 24) + ((second + mssIndex) & 0xFFFFFF);
    }

    /**
     * Checks the cookie an ACK returns.
     *
     * @param cookie  the ACK's acknowledgment number minus one
     * @param peerIsn the ACK's sequence number minus one
     * @return the MSS index, or -1 when the cookie is not one of ours or has expired
     */
    int decode(final int localAddress, final int localPort, final int remoteAddress, final int remotePort,
        final int cookie, final int peerIsn, final long nowNanos)
    {
        final int count = counter(nowNanos);
        final long a = SipHash.addresses(localAddress, remoteAddress);
        final int first = (int)h1.hash(a, SipHash.portsAnd(localPort, remotePort, 0));
        final int c = cookie - first - peerIsn;
        final int age = (count - (c >>> 24)) & 0xFF;
        if (age >= MAX_AGE)
        {
            return -1;
        }
        final int cookieCount = count - age;
        final int second = (int)h2.hash(a, SipHash.portsAnd(localPort, remotePort, cookieCount));
        final int index = (c - second) & 0xFFFFFF;
        return index < MSS_TABLE.length ? index : -1;
    }

    /** {@link #decode} for an IPv6 4-tuple. */
    int decode6(final long localHi, final long localLo, final int localPort, final long remoteHi, final long remoteLo,
        final int remotePort, final int cookie, final int peerIsn, final long nowNanos)
    {
        final int count = counter(nowNanos);
        final int first = (int)h1.hash(localHi, localLo, remoteHi, remoteLo, SipHash.portsAnd(localPort, remotePort,
            0));
        final int c = cookie - first - peerIsn;
        final int age = (count - (c >>> 24)) & 0xFF;
        if (age >= MAX_AGE)
        {
            return -1;
        }
        final int cookieCount = count - age;
        final int second = (int)h2.hash(localHi, localLo, remoteHi, remoteLo, SipHash.portsAnd(localPort,
            remotePort, cookieCount));
        final int index = (c - second) & 0xFFFFFF;
        return index < MSS_TABLE.length ? index : -1;
    }

    /** The SYN-ACK's TSval: the clock with the low bits replaced by the options (never ahead of the clock). */
    static int encodeTimestamp(final int tsNow, final int windowScale, final boolean sack)
    {
        final int options = (windowScale < 0 ? TS_NO_WSCALE : windowScale) | (sack ? TS_SACK : 0);
        int ts = (tsNow & ~TS_MASK) | options;
        if (ts - tsNow > 0)
        {
            ts -= 1 << TS_BITS;
        }
        return ts;
    }

    /** The window scale carried in a returned TSecr, or -1 for none. */
    static int windowScale(final int tsEcr)
    {
        final int ws = tsEcr & 0xF;
        return ws == TS_NO_WSCALE ? -1 : Math.min(ws, TcpOptions.MAX_WINDOW_SCALE);
    }

    static boolean sack(final int tsEcr)
    {
        return (tsEcr & TS_SACK) != 0;
    }
}
