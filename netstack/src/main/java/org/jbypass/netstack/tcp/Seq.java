package org.jbypass.netstack.tcp;

/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4): sequence numbers are compared by the sign of their
 * difference, which is right as long as the two lie within 2^31 of each other, as everything in one window does.
 */
final class Seq
{
    private Seq()
    {
    }

    /** a &lt; b */
    static boolean lt(final int a, final int b)
    {
        return a - b < 0;
    }

    /** a &lt;= b */
    static boolean le(final int a, final int b)
    {
        return a - b <= 0;
    }

    /** a &gt; b */
    static boolean gt(final int a, final int b)
    {
        return a - b > 0;
    }

    /** a &gt;= b */
    static boolean ge(final int a, final int b)
    {
        return a - b >= 0;
    }

    static int max(final int a, final int b)
    {
        return a - b >= 0 ? a : b;
    }

    static int min(final int a, final int b)
    {
        return a - b <= 0 ? a : b;
    }

    /** low &lt;= x &lt; high */
    static boolean inRange(final int x, final int low, final int high)
    {
        return x - low >= 0 && x - high < 0;
    }
}
