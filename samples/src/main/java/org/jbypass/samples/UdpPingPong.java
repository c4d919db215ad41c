package org.jbypass.samples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;

/**
 * UDP ping-pong: {@code pong} answers every datagram with the same bytes; {@code ping} sends numbered datagrams,
 * checks each answer and prints round-trip times. Plain Java.
 *
 * <pre>
 * java org.jbypass.samples.UdpPingPong pong ADDRESS PORT
 * java org.jbypass.samples.UdpPingPong ping ADDRESS PORT [COUNT]
 * </pre>
 */
public final class UdpPingPong
{
    private UdpPingPong()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        if (args.length < 3 || !(args[0].equals("ping") || args[0].equals("pong")))
        {
            System.err.println("usage: UdpPingPong pong ADDRESS PORT | ping ADDRESS PORT [COUNT]");
            System.exit(2);
        }
        final InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(args[1]),
            Integer.parseInt(args[2]));
        if (args[0].equals("pong"))
        {
            pong(address);
        }
        else
        {
            ping(address, args.length > 3 ? Integer.parseInt(args[3]) : 10);
        }
    }

    private static void pong(final InetSocketAddress address) throws IOException
    {
        try (DatagramChannel channel = DatagramChannel.open())
        {
            channel.bind(address);
            System.out.println("pong listening on " + channel.getLocalAddress());
            System.out.flush();
            final ByteBuffer buffer = ByteBuffer.allocate(65536);
            while (true)
            {
                buffer.clear();
                final SocketAddress from = channel.receive(buffer);
                buffer.flip();
                channel.send(buffer, from);
            }
        }
    }

    private static void ping(final InetSocketAddress server, final int count) throws IOException
    {
        try (DatagramChannel channel = DatagramChannel.open(); Selector selector = Selector.open())
        {
            channel.connect(server);
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            final ByteBuffer out = ByteBuffer.allocate(64);
            final ByteBuffer in = ByteBuffer.allocate(64);
            final long[] rtts = new long[count];
            for (int i = 0; i < count; i++)
            {
                out.clear();
                out.putInt(i).putLong(System.nanoTime()).flip();
                final long start = System.nanoTime();
                channel.write(out);
                in.clear();
                // A datagram may be lost: wait two seconds at most for the answer.
                while (channel.read(in) == 0)
                {
                    if (selector.select(2000) == 0)
                    {
                        System.out.println("ping " + i + ": no answer within 2 s");
                        System.exit(1);
                    }
                    selector.selectedKeys().clear();
                }
                rtts[i] = System.nanoTime() - start;
                in.flip();
                if (in.remaining() != 12 || in.getInt() != i)
                {
                    System.out.println("ping " + i + ": wrong answer");
                    System.exit(1);
                }
            }
            Arrays.sort(rtts);
            System.out.printf("%d pings answered; round trip min %.1f us, median %.1f us, max %.1f us%n", count,
                rtts[0] / 1e3, rtts[count / 2] / 1e3, rtts[count - 1] / 1e3);
        }
    }
}
