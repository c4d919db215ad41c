package org.jbypass.provider.it.apps;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * Reports what an application sees: the system-wide SelectorProvider, then the outcome of each
 * {@code KIND HOST PORT} triple given (KIND: socket, channel, datagram; listen binds a server channel to HOST PORT),
 * one line each.
 */
public final class ProviderProbe
{
    private ProviderProbe()
    {
    }

    public static void main(final String[] args)
    {
        System.out.println("provider " + SelectorProvider.provider().getClass().getName());
        for (int i = 0; i + 2 < args.length; i += 3)
        {
            final InetSocketAddress target = new InetSocketAddress(args[i + 1], Integer.parseInt(args[i + 2]));
            try
            {
                switch (args[i])
                {
                    case "socket":
                        try (Socket s = new Socket())
                        {
                            s.connect(target, 5000);
                        }
                        break;
                    case "channel":
                        try (SocketChannel ch = SocketChannel.open())
                        {
                            ch.connect(target);
                        }
                        break;
                    case "listen":
                        try (ServerSocketChannel ssc = ServerSocketChannel.open())
                        {
                            ssc.bind(target);
                        }
                        break;
                    default:
                        try (DatagramSocket ds = new DatagramSocket())
                        {
                            ds.send(new DatagramPacket(new byte[] {1}, 1, target));
                        }
                        break;
                }
                System.out.println(args[i] + " ok");
            }
            catch (final Exception e)
            {
                System.out.println(args[i] + " " + e.getClass().getName() + ": " + e.getMessage());
            }
        }
    }
}
