package org.jbypass.provider.net;

import java.net.DatagramPacket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;

/** The impl handed to {@code DatagramSocket(DatagramSocketImpl)} by the datagram adaptor (see DummySocketImpl). */
final class DummyDatagramSocketImpl extends DatagramSocketImpl
{
    private static UnsupportedOperationException unexpected()
    {
        return new UnsupportedOperationException("jbypass datagram adaptor: a DatagramSocket method was not "
            + "overridden");
    }

    @Override
    protected void create()
    {
        throw unexpected();
    }

    @Override
    protected void bind(final int lport, final InetAddress laddr)
    {
        throw unexpected();
    }

    @Override
    protected void send(final DatagramPacket p)
    {
        throw unexpected();
    }

    @Override
    protected int peek(final InetAddress i)
    {
        throw unexpected();
    }

    @Override
    protected int peekData(final DatagramPacket p)
    {
        throw unexpected();
    }

    @Override
    protected void receive(final DatagramPacket p)
    {
        throw unexpected();
    }

    @Override
    @Deprecated
    protected void setTTL(final byte ttl)
    {
        throw unexpected();
    }

    @Override
    @Deprecated
    protected byte getTTL()
    {
        throw unexpected();
    }

    @Override
    protected void setTimeToLive(final int ttl)
    {
        throw unexpected();
    }

    @Override
    protected int getTimeToLive()
    {
        throw unexpected();
    }

    @Override
    protected void join(final InetAddress inetaddr)
    {
        throw unexpected();
    }

    @Override
    protected void leave(final InetAddress inetaddr)
    {
        throw unexpected();
    }

    @Override
    protected void joinGroup(final SocketAddress mcastaddr, final NetworkInterface netIf)
    {
        throw unexpected();
    }

    @Override
    protected void leaveGroup(final SocketAddress mcastaddr, final NetworkInterface netIf)
    {
        throw unexpected();
    }

    @Override
    protected void close()
    {
        throw unexpected();
    }

    @Override
    public void setOption(final int optID, final Object value)
    {
        throw unexpected();
    }

    @Override
    public Object getOption(final int optID)
    {
        throw unexpected();
    }
}
