package org.jbypass.samples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * A TCP echo server on one NIO selector: every byte a client sends comes back. Plain Java.
 *
 * <pre>java org.jbypass.samples.TcpEchoServer ADDRESS PORT</pre>
 */
public final class TcpEchoServer
{
    private TcpEchoServer()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        if (args.length != 2)
        {
            System.err.println("usage: TcpEchoServer ADDRESS PORT");
            System.exit(2);
        }
        final InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(args[0]),
            Integer.parseInt(args[1]));
        try (Selector selector = Selector.open(); ServerSocketChannel server = ServerSocketChannel.open())
        {
            server.bind(address);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            System.out.println("echo server listening on " + server.getLocalAddress());
            System.out.flush();
            while (true)
            {
                selector.select();
                final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext())
                {
                    final SelectionKey key = keys.next();
                    keys.remove();
                    try
                    {
                        handle(selector, key);
                    }
                    catch (final IOException e)
                    {
                        key.channel().close();
                    }
                }
            }
        }
    }

    private static void handle(final Selector selector, final SelectionKey key) throws IOException
    {
        if (key.isAcceptable())
        {
            final SocketChannel client = ((ServerSocketChannel)key.channel()).accept();
            if (client != null)
            {
                client.configureBlocking(false);
                client.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(65536));
            }
            return;
        }
        final SocketChannel client = (SocketChannel)key.channel();
        final ByteBuffer buffer = (ByteBuffer)key.attachment();
        if (key.isReadable())
        {
            if (client.read(buffer) < 0)
            {
                client.close();
                return;
            }
        }
        buffer.flip();
        client.write(buffer);
        buffer.compact();
        // Wait for room to write when bytes are left, for more to read otherwise.
        key.interestOps(buffer.position() > 0 ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }
}
