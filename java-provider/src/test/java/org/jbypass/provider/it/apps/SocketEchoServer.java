package org.jbypass.provider.it.apps;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A java.net echo server, a thread per connection: {@code SocketEchoServer ADDRESS PORT}. Plain Java. */
public final class SocketEchoServer
{
    private SocketEchoServer()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        try (ServerSocket server = new ServerSocket(Integer.parseInt(args[1]), 50, InetAddress.getByName(args[0])))
        {
            System.out.println("listening on " + server.getLocalSocketAddress());
            System.out.flush();
            while (true)
            {
                final Socket client = server.accept();
                final Thread t = new Thread(() -> echo(client));
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void echo(final Socket client)
    {
        try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream())
        {
            final byte[] buffer = new byte[65536];
            int n;
            while ((n = in.read(buffer)) > 0)
            {
                out.write(buffer, 0, n);
            }
        }
        catch (final IOException e)
        {
            System.out.println("connection failed: " + e);
        }
    }
}
