package org.jbypass.provider.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.net.Socket;

import org.jbypass.provider.channel.AdaptorFactory;
import org.jbypass.provider.channel.BypassDatagramChannel;
import org.jbypass.provider.channel.BypassServerSocketChannel;
import org.jbypass.provider.channel.BypassSocketChannel;

/** Makes the {@code socket()} adaptors of the provider's channels. */
public final class Adaptors implements AdaptorFactory
{
    @Override
    public Socket socket(final BypassSocketChannel channel)
    {
        try
        {
            return new BypassSocketAdaptor(channel);
        }
        catch (final IOException e)
        {
            // Socket(SocketImpl) throws only for a security manager's veto.
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public ServerSocket serverSocket(final BypassServerSocketChannel channel)
    {
        try
        {
            return new BypassServerSocketAdaptor(channel);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public DatagramSocket datagramSocket(final BypassDatagramChannel channel)
    {
        try
        {
            return new BypassDatagramSocketAdaptor(channel);
        }
        catch (final IOException e)
        {
            // MulticastSocket(null) opens its unbound delegate; only a failure to open a socket throws.
            throw new UncheckedIOException(e);
        }
    }
}
