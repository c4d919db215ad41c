package org.jbypass.provider.semantics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/** A non-blocking echo server and client written the way NIO applications are, for the semantics suite. */
final class EchoLoop
{
    private EchoLoop()
    {
    }

    /**
     * Accepts one connection on the selector's server channel and echoes until {@code total} bytes went back.
     *
     * @return the bytes echoed
     */
    static int serve(final Selector selector, final int total) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(16384);
        int echoed = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Blocking.STEP_SECONDS);
        while (echoed < total)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IOException("echo server stalled after " + echoed + " bytes");
            }
            selector.select(1000);
            final Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext())
            {
                final SelectionKey key = it.next();
                it.remove();
                if (key.isAcceptable())
                {
                    final SocketChannel ch = ((ServerSocketChannel)key.channel()).accept();
                    if (ch != null)
                    {
                        ch.configureBlocking(false);
                        ch.register(selector, SelectionKey.OP_READ);
                    }
                    continue;
                }
                final SocketChannel ch = (SocketChannel)key.channel();
                if (key.isWritable())
                {
                    final int before = buffer.remaining();
                    ch.write(buffer);
                    echoed += before - buffer.remaining();
                    if (!buffer.hasRemaining())
                    {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                else if (key.isReadable())
                {
                    buffer.clear();
                    final int n = ch.read(buffer);
                    if (n < 0)
                    {
                        ch.close();
                        continue;
                    }
                    buffer.flip();
                    final int before = buffer.remaining();
                    ch.write(buffer);
                    echoed += before - buffer.remaining();
                    if (buffer.hasRemaining())
                    {
                        key.interestOps(SelectionKey.OP_WRITE);
                    }
                }
            }
        }
        return echoed;
    }

    /**
     * Connects (if the key still waits for OP_CONNECT), sends {@code data} and reads back as many bytes.
     *
     * @return what came back
     */
    static byte[] drive(final Selector selector, final SelectionKey key, final byte[] data) throws IOException
    {
        final SocketChannel ch = (SocketChannel)key.channel();
        final ByteBuffer out = ByteBuffer.wrap(data);
        final ByteBuffer in = ByteBuffer.allocate(data.length);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Blocking.STEP_SECONDS);
        while (in.hasRemaining())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IOException("echo client stalled: sent " + out.position() + ", received " + in.position());
            }
            selector.select(1000);
            if (!selector.selectedKeys().remove(key))
            {
                continue;
            }
            if (key.isConnectable() && ch.finishConnect())
            {
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                continue;
            }
            if (key.isWritable())
            {
                ch.write(out);
                if (!out.hasRemaining())
                {
                    key.interestOps(SelectionKey.OP_READ);
                }
            }
            if (key.isReadable() && ch.read(in) < 0)
            {
                throw new IOException("end of stream after " + in.position() + " bytes");
            }
        }
        return in.array();
    }
}
