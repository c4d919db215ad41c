package org.jbypass.netstack.ip;

/**
 * Settings of IPv6, neighbour discovery and ICMPv6, with the defaults of RFC 4861 section 10 and RFC 4862 section 5.1
 * (which are also Linux's, ip-sysctl.rst neigh/default and conf/default).
 *
 * @param hopLimit          the hop limit of packets the stack originates (CurHopLimit; Linux's hop_limit: 64)
 * @param dadTransmits      neighbour solicitations sent for duplicate address detection before an address is used
 *                          (DupAddrDetectTransmits: 1), 0..10; 0 disables detection (Linux's accept_dad = 0)
 * @param neighborCacheSize the most neighbours one interface remembers, 16..65536
 * @param reachableNanos    how long a confirmation keeps a neighbour REACHABLE (BaseReachableTime: 30 s; the
 *                          actual ReachableTime is drawn from 0.5 to 1.5 times it, section 6.3.2)
 * @param retransmitNanos   the interval between solicitations (RetransTimer: 1 s)
 * @param delayFirstProbeNanos how long a STALE neighbour in use waits in DELAY before it is probed
 *                          (DELAY_FIRST_PROBE_TIME: 5 s)
 * @param solicitations     solicitations before a neighbour is declared unreachable (MAX_MULTICAST_SOLICIT and
 *                          MAX_UNICAST_SOLICIT: 3)
 * @param queueLength       packets held per neighbour being resolved (section 7.2.2 asks for at least one), 1..1024
 * @param pathMtuEntries    destinations whose path MTU is remembered below the link's (RFC 8201), 1..65536
 * @param pathMtuAgeNanos   how long a learnt path MTU is kept before the link MTU is tried again (RFC 8201 section
 *                          4: no sooner than 5 minutes, 10 recommended)
 * @param reassembly        reassembly bounds (RFC 8200 section 4.5: 60 s to reassemble)
 * @param dadDelayNanos     the most an address waits, a random time, before its first DAD solicitation (RFC 4862
 *                          section 5.4.2: MAX_RTR_SOLICITATION_DELAY, 1 s), so that nodes started together do not
 *                          solicit together; 0..10 s
 */
public record Ipv6Config(int hopLimit, int dadTransmits, int neighborCacheSize, long reachableNanos,
    long retransmitNanos, long delayFirstProbeNanos, int solicitations, int queueLength, int pathMtuEntries,
    long pathMtuAgeNanos, ReassemblyConfig reassembly, long dadDelayNanos)
{
    public static final Ipv6Config DEFAULT = new Ipv6Config(64, 1, 1024, 30_000_000_000L, 1_000_000_000L,
        5_000_000_000L, 3, 64, 1024, 600_000_000_000L, new ReassemblyConfig(32, 128, 60_000_000_000L),
        1_000_000_000L);

    public Ipv6Config
    {
        if (hopLimit < 1 || hopLimit > 255)
        {
            throw new IllegalArgumentException("IPv6 hop limit must be 1..255: " + hopLimit);
        }
        if (dadTransmits < 0 || dadTransmits > 10)
        {
            throw new IllegalArgumentException("DAD transmits must be 0..10: " + dadTransmits);
        }
        if (neighborCacheSize < 16 || neighborCacheSize > 65536)
        {
            throw new IllegalArgumentException("neighbour cache size must be 16..65536: " + neighborCacheSize);
        }
        if (reachableNanos < 1_000_000_000L)
        {
            throw new IllegalArgumentException("reachable time must be at least 1 s: " + reachableNanos + " ns");
        }
        if (retransmitNanos < 10_000_000L)
        {
            throw new IllegalArgumentException("retransmit time must be at least 10 ms: " + retransmitNanos + " ns");
        }
        if (delayFirstProbeNanos < 0)
        {
            throw new IllegalArgumentException("delay first probe time must not be negative: " + delayFirstProbeNanos);
        }
        if (solicitations < 1 || solicitations > 100)
        {
            throw new IllegalArgumentException("solicitations must be 1..100: " + solicitations);
        }
        if (queueLength < 1 || queueLength > 1024)
        {
            throw new IllegalArgumentException("neighbour queue length must be 1..1024: " + queueLength);
        }
        if (pathMtuEntries < 1 || pathMtuEntries > 65536)
        {
            throw new IllegalArgumentException("path MTU entries must be 1..65536: " + pathMtuEntries);
        }
        if (pathMtuAgeNanos < 60_000_000_000L)
        {
            throw new IllegalArgumentException("path MTU age must be at least 60 s: " + pathMtuAgeNanos + " ns");
        }
        if (reassembly == null)
        {
            throw new IllegalArgumentException("reassembly settings are required");
        }
        if (dadDelayNanos < 0 || dadDelayNanos > 10_000_000_000L)
        {
            throw new IllegalArgumentException("DAD delay must be 0..10 s: " + dadDelayNanos + " ns");
        }
    }

    /** These settings with another number of DAD transmits (0: addresses are usable at once). */
    public Ipv6Config withDadTransmits(final int transmits)
    {
        return new Ipv6Config(hopLimit, transmits, neighborCacheSize, reachableNanos, retransmitNanos,
            delayFirstProbeNanos, solicitations, queueLength, pathMtuEntries, pathMtuAgeNanos, reassembly,
            dadDelayNanos);
    }

    /** These settings with another most random delay before the first DAD solicitation (0: none). */
    public Ipv6Config withDadDelayNanos(final long nanos)
    {
        return new Ipv6Config(hopLimit, dadTransmits, neighborCacheSize, reachableNanos, retransmitNanos,
            delayFirstProbeNanos, solicitations, queueLength, pathMtuEntries, pathMtuAgeNanos, reassembly, nanos);
    }
}
