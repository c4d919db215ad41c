package org.jbypass.netstack.ip;

/**
 * Settings of the IP layer.
 *
 * @param defaultTtl      the TTL of datagrams the stack originates (Linux's ip_default_ttl: 64), 1..255
 * @param burstSize       frames per receive or transmit burst, 1..4096
 * @param icmpRatePerSecond ICMP errors sent per second at most (Linux's icmp_msgs_per_sec: 1000)
 * @param icmpBurst       ICMP errors that may be sent at once after a quiet spell (icmp_msgs_burst: 50)
 * @param loopbackQueue   datagrams to the stack's own addresses waiting for delivery, 16..65536
 * @param arp             ARP settings
 * @param reassembly      reassembly bounds
 */
public record IpConfig(int defaultTtl, int burstSize, int icmpRatePerSecond, int icmpBurst, int loopbackQueue,
    ArpConfig arp, ReassemblyConfig reassembly)
{
    public static final IpConfig DEFAULT =
        new IpConfig(64, 64, 1000, 50, 1024, ArpConfig.DEFAULT, ReassemblyConfig.DEFAULT);

    public IpConfig
    {
        if (defaultTtl < 1 || defaultTtl > 255)
        {
            throw new IllegalArgumentException("default TTL must be 1..255: " + defaultTtl);
        }
        if (burstSize < 1 || burstSize > 4096)
        {
            throw new IllegalArgumentException("burst size must be 1..4096: " + burstSize);
        }
        if (icmpRatePerSecond < 1 || icmpBurst < 1)
        {
            throw new IllegalArgumentException("ICMP rate and burst must be at least 1: " + icmpRatePerSecond + ", "
                + icmpBurst);
        }
        if (loopbackQueue < 16 || loopbackQueue > 65536)
        {
            throw new IllegalArgumentException("loopback queue must be 16..65536: " + loopbackQueue);
        }
        if (arp == null || reassembly == null)
        {
            throw new IllegalArgumentException("arp and reassembly settings are required");
        }
    }
}
