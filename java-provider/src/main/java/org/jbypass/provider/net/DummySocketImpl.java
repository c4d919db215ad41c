package org.jbypass.provider.net;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketImpl;

/**
 * The impl handed to {@code Socket(SocketImpl)} and {@code ServerSocket(SocketImpl)} by the adaptors, which override
 * every public method: it opens nothing, and any call that reaches it is a bug, reported as such. (Passing null
 * instead would make the JDK create a real impl, with a socket, on the first method not overridden.)
 */
final class DummySocketImpl extends SocketImpl
{
    private static UnsupportedOperationException unexpected()
    {
        return new UnsupportedOperationException("jbypass socket adaptor: a Socket method was not overridden");
    }

    @Override
    protected void create(final boolean stream)
    {
        throw unexpected();
    }

    @Override
    protected void connect(final String host, final int port)
    {
        throw unexpected();
    }

    @Override
    protected void connect(final InetAddress address, final int port)
    {
        throw unexpected();
    }

    @Override
    protected void connect(final SocketAddress address, final int timeout)
    {
        throw unexpected();
    }

    @Override
    protected void bind(final InetAddress host, final int port)
    {
        throw unexpected();
    }

    @Override
    protected void listen(final int backlog)
    {
        throw unexpected();
    }

    @Override
    protected void accept(final SocketImpl s)
    {
        throw unexpected();
    }

    @Override
    protected InputStream getInputStream()
    {
        throw unexpected();
    }

    @Override
    protected OutputStream getOutputStream()
    {
        throw unexpected();
    }

    @Override
    protected int available()
    {
        throw unexpected();
    }

    @Override
    protected void close()
    {
        throw unexpected();
    }

    @Override
    protected void sendUrgentData(final int data)
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
