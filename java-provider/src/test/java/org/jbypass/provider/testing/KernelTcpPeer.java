package org.jbypass.provider.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

import org.jbypass.netstack.testing.ByteStream;

/**
 * The kernel's side of a TCP transfer test: a plain JDK program run inside a {@link KernelPeer}'s namespace, so its
 * sockets are the Linux kernel's. It connects (or listens and accepts once), sends {@code sendBytes} bytes made by
 * {@link ByteStream#fill} from {@code seed} while reading everything the other side sends until end of stream, then
 * prints the SHA-256 of both directions and the time taken:
 *
 * <pre>
 *   LISTENING                     (listen mode, once bound)
 *   SENT &lt;sha256 hex&gt; &lt;bytes&gt;
 *   RECEIVED &lt;sha256 hex&gt; &lt;bytes&gt;
 *   NANOS &lt;from connected to both directions done&gt;
 * </pre>
 *
 * Usage: {@code connect HOST PORT SEND_BYTES SEED} or {@code listen PORT SEND_BYTES SEED}.
 */
public final class KernelTcpPeer
{
    private KernelTcpPeer()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Socket socket;
        final long sendBytes;
        final long seed;
        if ("connect".equals(args[0]))
        {
            sendBytes = Long.parseLong(args[3]);
            seed = Long.parseLong(args[4]);
            socket = new Socket();
            socket.connect(new InetSocketAddress(args[1], Integer.parseInt(args[2])), 30_000);
        }
        else
        {
            sendBytes = Long.parseLong(args[2]);
            seed = Long.parseLong(args[3]);
            try (ServerSocket server = new ServerSocket())
            {
                server.setReuseAddress(true);
                server.bind(new InetSocketAddress(Integer.parseInt(args[1])));
                System.out.println("LISTENING");
                System.out.flush();
                socket = server.accept();
            }
        }
        final long start = System.nanoTime();
        final String[] sent = new String[1];
        final Throwable[] failure = new Throwable[1];
        final Thread sender = new Thread(() ->
        {
            try
            {
                final OutputStream out = socket.getOutputStream();
                final SplittableRandom generator = new SplittableRandom(seed);
                final MessageDigest digest = MessageDigest.getInstance("SHA-256");
                final byte[] chunk = new byte[ByteStream.CHUNK];
                long left = sendBytes;
                while (left > 0)
                {
                    final int n = (int)Math.min(chunk.length, left);
                    ByteStream.fill(generator, chunk, n);
                    digest.update(chunk, 0, n);
                    out.write(chunk, 0, n);
                    left -= n;
                }
                out.flush();
                socket.shutdownOutput();
                sent[0] = HexFormat.of().formatHex(digest.digest());
            }
            catch (final Throwable t)
            {
                failure[0] = t;
            }
        }, "sender");
        sender.start();
        final InputStream in = socket.getInputStream();
        final MessageDigest digest = MessageDigest.getInstance("SHA-256");
        final byte[] buffer = new byte[ByteStream.CHUNK];
        long received = 0;
        int r;
        while ((r = in.read(buffer)) > 0)
        {
            digest.update(buffer, 0, r);
            received += r;
        }
        sender.join();
        final long nanos = System.nanoTime() - start;
        if (failure[0] != null)
        {
            failure[0].printStackTrace();
            System.exit(2);
        }
        System.out.println("SENT " + sent[0] + " " + sendBytes);
        System.out.println("RECEIVED " + HexFormat.of().formatHex(digest.digest()) + " " + received);
        System.out.println("NANOS " + nanos);
        socket.close();
    }
}
