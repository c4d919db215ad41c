package org.jbypass.netstack.udp;

/**
 * UDP settings.
 *
 * @param receiveBufferSize     a new socket's receive buffer in bytes (Linux's rmem_default: 212992)
 * @param sendBufferSize        a new socket's send buffer in bytes (wmem_default: 212992); UDP sends at once, so this
 *                              only bounds the largest datagram, as SO_SNDBUF does on Linux
 * @param maxBufferSize         the largest buffer a socket may ask for (rmem_max/wmem_max-like), 64 KiB..256 MiB
 * @param ephemeralLow          the lowest port chosen for an unbound socket (ip_local_port_range: 32768)
 * @param ephemeralHigh         the highest (60999)
 */
public record UdpConfig(int receiveBufferSize, int sendBufferSize, int maxBufferSize, int ephemeralLow,
    int ephemeralHigh)
{
    /** The smallest buffer a socket may have: one minimum-size datagram and its record. */
    public static final int MIN_BUFFER_SIZE = 256;

    public static final UdpConfig DEFAULT = new UdpConfig(212992, 212992, 16 << 20, 32768, 60999);

    public UdpConfig
    {
        if (maxBufferSize < 65536 || maxBufferSize > 256 << 20)
        {
            throw new IllegalArgumentException("udp max buffer size must be 64 KiB..256 MiB: " + maxBufferSize);
        }
        if (receiveBufferSize < MIN_BUFFER_SIZE || receiveBufferSize > maxBufferSize)
        {
            throw new IllegalArgumentException("udp receive buffer must be " + MIN_BUFFER_SIZE + ".." + maxBufferSize
                + ": " + receiveBufferSize);
        }
        if (sendBufferSize < MIN_BUFFER_SIZE || sendBufferSize > maxBufferSize)
        {
            throw new IllegalArgumentException("udp send buffer must be " + MIN_BUFFER_SIZE + ".." + maxBufferSize
                + ": " + sendBufferSize);
        }
        if (ephemeralLow < 1024 || ephemeralHigh > 65535 || ephemeralLow > ephemeralHigh)
        {
            throw new IllegalArgumentException("udp ephemeral ports must be a range within 1024..65535: "
                + ephemeralLow + ".." + ephemeralHigh);
        }
    }
}
