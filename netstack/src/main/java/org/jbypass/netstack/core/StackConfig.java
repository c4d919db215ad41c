package org.jbypass.netstack.core;

import org.jbypass.netstack.buffer.PacketPool;

import org.jbypass.netstack.ip.IpConfig;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.netstack.udp.UdpConfig;

/**
 * Everything a {@link Stack} is built with, validated when built. Defaults suit an MTU of 1500.
 */
public final class StackConfig
{
    /** Packet buffers in the pool. Each receive queue keeps a burst armed and a NIC ring may hold thousands. */
    public static final int DEFAULT_POOL_BUFFERS = 16384;
    /** Bytes per packet buffer: a 1500-byte MTU frame plus the Ethernet header, rounded to a power of two. */
    public static final int DEFAULT_BUFFER_SIZE = 2048;

    private final int poolBuffers;
    private final int bufferSize;
    private final long seed;
    private final IpConfig ip;
    private final Ipv6Config ipv6;
    private final UdpConfig udp;
    private final TcpConfig tcp;

    private StackConfig(final Builder builder)
    {
        this.poolBuffers = builder.poolBuffers;
        this.bufferSize = builder.bufferSize;
        this.seed = builder.seed;
        this.ip = builder.ip;
        this.ipv6 = builder.ipv6;
        this.udp = builder.udp;
        this.tcp = builder.tcp;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    public int poolBuffers()
    {
        return poolBuffers;
    }

    public int bufferSize()
    {
        return bufferSize;
    }

    /** The seed of every random choice the stack makes (ports, sequence numbers, IP IDs); tests fix it. */
    public long seed()
    {
        return seed;
    }

    public IpConfig ip()
    {
        return ip;
    }

    /** IPv6, neighbour discovery and ICMPv6 settings. */
    public Ipv6Config ipv6()
    {
        return ipv6;
    }

    public UdpConfig udp()
    {
        return udp;
    }

    public TcpConfig tcp()
    {
        return tcp;
    }

    /** The buffer size that holds a frame of the given IP MTU: MTU + 14, rounded up to a power of two, 2048 at least. */
    public static int bufferSizeForMtu(final int mtu)
    {
        final int frame = mtu + 14;
        return Math.max(DEFAULT_BUFFER_SIZE, Integer.highestOneBit(frame - 1) << 1);
    }

    public static final class Builder
    {
        private int poolBuffers = DEFAULT_POOL_BUFFERS;
        private int bufferSize = DEFAULT_BUFFER_SIZE;
        private long seed = 0x6A62797061737321L;
        private IpConfig ip = IpConfig.DEFAULT;
        private Ipv6Config ipv6 = Ipv6Config.DEFAULT;
        private UdpConfig udp = UdpConfig.DEFAULT;
        private TcpConfig tcp = TcpConfig.defaults();

        public Builder poolBuffers(final int poolBuffers)
        {
            this.poolBuffers = poolBuffers;
            return this;
        }

        public Builder bufferSize(final int bufferSize)
        {
            this.bufferSize = bufferSize;
            return this;
        }

        public Builder seed(final long seed)
        {
            this.seed = seed;
            return this;
        }

        public Builder ip(final IpConfig ip)
        {
            this.ip = ip;
            return this;
        }

        public Builder ipv6(final Ipv6Config ipv6)
        {
            this.ipv6 = ipv6;
            return this;
        }

        public Builder udp(final UdpConfig udp)
        {
            this.udp = udp;
            return this;
        }

        public Builder tcp(final TcpConfig tcp)
        {
            this.tcp = tcp;
            return this;
        }

        public StackConfig build()
        {
            if (poolBuffers < 64 || poolBuffers > 1 << 20)
            {
                throw new IllegalArgumentException("pool buffers must be 64..1048576: " + poolBuffers);
            }
            if (bufferSize < 1024 || bufferSize > 65536 || (bufferSize & 63) != 0)
            {
                throw new IllegalArgumentException("buffer size must be a multiple of 64 in 1024..65536: " + bufferSize);
            }
            if (!PacketPool.fits(poolBuffers, bufferSize))
            {
                throw new IllegalArgumentException("a pool of " + poolBuffers + " buffers of " + bufferSize
                    + " bytes exceeds 2 GiB");
            }
            if (ip == null || ipv6 == null || udp == null || tcp == null)
            {
                throw new IllegalArgumentException("ip, ipv6, udp and tcp settings are required");
            }
            return new StackConfig(this);
        }
    }
}
