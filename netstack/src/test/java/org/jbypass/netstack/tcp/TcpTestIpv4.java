package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;

import org.jbypass.netstack.ip.Ipv4Output;
import org.jbypass.netstack.wire.Ipv4Address;

/**
 * What every IPv4 under TCP's own tests has in common: a route or a point-to-point link, no subnet, so the limited
 * broadcast is the one broadcast address; TTL 64; and no send from memory, which UDP and ICMP use, never TCP (it
 * sends from pool buffers).
 */
abstract class TcpTestIpv4 implements Ipv4Output
{
    @Override
    public boolean isBroadcast(final int address)
    {
        return address == Ipv4Address.BROADCAST;
    }

    @Override
    public int defaultTtl()
    {
        return 64;
    }

    @Override
    public int sendFromMemory(final ByteBuffer memory, final int l4Offset, final int l4Length, final int source,
        final int destination, final int protocol, final int tos, final int ttl)
    {
        throw new AssertionError("TCP sends from pool buffers only");
    }
}
