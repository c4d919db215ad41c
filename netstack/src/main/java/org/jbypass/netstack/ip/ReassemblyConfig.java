package org.jbypass.netstack.ip;

/**
 * Bounds of IPv4 reassembly. Memory is at most {@code maxDatagrams} x 64 KiB, allocated on first use.
 *
 * @param maxDatagrams    datagrams reassembled at once, 1..1024; fragments of further datagrams are dropped
 * @param maxFragments    fragments one datagram may arrive in, 2..8192 (a 64 KiB datagram at MTU 576 needs 118)
 * @param timeoutNanos    how long a partial datagram is kept (Linux's ipfrag_time: 30 s; RFC 1122 3.3.2 advises
 *                        60 to 120 s, which only helps an attacker hold memory longer)
 */
public record ReassemblyConfig(int maxDatagrams, int maxFragments, long timeoutNanos)
{
    public static final ReassemblyConfig DEFAULT = new ReassemblyConfig(32, 128, 30_000_000_000L);

    public ReassemblyConfig
    {
        if (maxDatagrams < 1 || maxDatagrams > 1024)
        {
            throw new IllegalArgumentException("reassembly max datagrams must be 1..1024: " + maxDatagrams);
        }
        if (maxFragments < 2 || maxFragments > 8192)
        {
            throw new IllegalArgumentException("reassembly max fragments must be 2..8192: " + maxFragments);
        }
        if (timeoutNanos < 100_000_000L)
        {
            throw new IllegalArgumentException("reassembly timeout must be at least 100 ms: " + timeoutNanos + " ns");
        }
    }
}
