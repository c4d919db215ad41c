package org.jbypass.provider.it.apps;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;

/**
 * A java.net echo client: {@code SocketEchoClient HOST PORT BYTES} sends seeded random bytes, reads them back and
 * prints "echo ok BYTES" when they are identical (exit 1 otherwise). Plain Java.
 */
public final class SocketEchoClient
{
    private SocketEchoClient()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int size = Integer.parseInt(args[2]);
        final byte[] data = new byte[size];
        new Random(3).nextBytes(data);
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 10000);
            socket.setSoTimeout(30000);
            final Thread writer = new Thread(() ->
            {
                try
                {
                    final OutputStream out = socket.getOutputStream();
                    for (int off = 0; off < size; off += 8192)
                    {
                        out.write(data, off, Math.min(8192, size - off));
                    }
                    socket.shutdownOutput();
                }
                catch (final IOException e)
                {
                    e.printStackTrace();
                }
            });
            writer.start();
            final byte[] back = new byte[size];
            new DataInputStream(socket.getInputStream()).readFully(back);
            writer.join();
            final boolean same = Arrays.equals(MessageDigest.getInstance("SHA-256").digest(data),
                MessageDigest.getInstance("SHA-256").digest(back));
            System.out.println(same ? "echo ok " + size : "echo DIFFERENT");
            System.exit(same ? 0 : 1);
        }
    }
}
