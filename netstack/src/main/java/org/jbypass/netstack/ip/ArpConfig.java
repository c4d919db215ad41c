package org.jbypass.netstack.ip;

/**
 * ARP settings, with Linux's neighbour defaults where they exist (ip-sysctl.rst, neigh/default/*).
 *
 * @param cacheSize       the most neighbours one interface remembers (resolved or being resolved), 16..65536
 * @param reachableNanos  how long an answer is trusted before the entry is re-probed (base_reachable_time: 30 s)
 * @param retransmitNanos the interval between requests while resolving (retrans_time: 1 s)
 * @param probes          requests sent before a neighbour is declared unreachable (mcast_solicit / ucast_solicit: 3)
 * @param queueLength     packets held per neighbour while it is resolved (like unres_qlen, in packets), 1..1024
 */
public record ArpConfig(int cacheSize, long reachableNanos, long retransmitNanos, int probes, int queueLength)
{
    public static final ArpConfig DEFAULT = new ArpConfig(1024, 30_000_000_000L, 1_000_000_000L, 3, 64);

    public ArpConfig
    {
        if (cacheSize < 16 || cacheSize > 65536)
        {
            throw new IllegalArgumentException("arp cache size must be 16..65536: " + cacheSize);
        }
        if (reachableNanos < 1_000_000_000L)
        {
            throw new IllegalArgumentException("arp reachable time must be at least 1 s: " + reachableNanos + " ns");
        }
        if (retransmitNanos < 10_000_000L)
        {
            throw new IllegalArgumentException("arp retransmit time must be at least 10 ms: " + retransmitNanos + " ns");
        }
        if (probes < 1 || probes > 100)
        {
            throw new IllegalArgumentException("arp probes must be 1..100: " + probes);
        }
        if (queueLength < 1 || queueLength > 1024)
        {
            throw new IllegalArgumentException("arp queue length must be 1..1024: " + queueLength);
        }
    }
}
