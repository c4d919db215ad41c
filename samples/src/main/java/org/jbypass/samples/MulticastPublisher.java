package org.jbypass.samples;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;

/**
 * A market-data style multicast publisher: sends COUNT numbered datagrams to a group, paced at RATE a second (0: as
 * fast as the socket takes them), from the network interface named, with a time to live; then an end marker. Each
 * datagram starts with its sequence number and the sender's {@code System.nanoTime()} (both big-endian longs), so
 * that {@link MulticastReceiver} finds gaps and, on the same host, the one-way latency. Plain java.net.
 *
 * <pre>
 * java org.jbypass.samples.MulticastPublisher GROUP PORT INTERFACE COUNT [RATE [SIZE [TTL]]]
 * </pre>
 *
 * INTERFACE is a netdev name, as {@code NetworkInterface.getByName} takes it; SIZE is the datagram's length, 16 to
 * 1472 bytes (64 by default); TTL defaults to 1.
 */
public final class MulticastPublisher
{
    /** The sequence number of the end marker, sent three times after the stream. */
    public static final long END = -1;

    private MulticastPublisher()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        if (args.length < 4)
        {
            System.err.println("usage: MulticastPublisher GROUP PORT INTERFACE COUNT [RATE [SIZE [TTL]]]");
            System.exit(2);
        }
        final InetSocketAddress group = new InetSocketAddress(InetAddress.getByName(args[0]),
            Integer.parseInt(args[1]));
        final NetworkInterface nif = NetworkInterface.getByName(args[2]);
        if (nif == null)
        {
            System.err.println("no network interface named " + args[2]);
            System.exit(2);
        }
        final long count = Long.parseLong(args[3]);
        final long rate = args.length > 4 ? Long.parseLong(args[4]) : 0;
        final int size = args.length > 5 ? Integer.parseInt(args[5]) : 64;
        final int ttl = args.length > 6 ? Integer.parseInt(args[6]) : 1;
        if (size < 16 || size > 1472)
        {
            System.err.println("SIZE must be 16 to 1472 bytes");
            System.exit(2);
        }
        try (MulticastSocket socket = new MulticastSocket())
        {
            socket.setNetworkInterface(nif);
            socket.setTimeToLive(ttl);
            final byte[] bytes = new byte[size];
            final ByteBuffer payload = ByteBuffer.wrap(bytes);
            final DatagramPacket packet = new DatagramPacket(bytes, size, group);
            System.out.println("publishing " + count + " datagrams of " + size + " bytes to " + group + " on "
                + nif.getName() + (rate > 0 ? " at " + rate + "/s" : " as fast as possible") + ", ttl " + ttl);
            System.out.flush();
            final long start = System.nanoTime();
            for (long i = 0; i < count; i++)
            {
                if (rate > 0)
                {
                    // Paced by the clock, not by sleeping: a sleep's granularity is far coarser than 1/RATE.
                    final long due = start + (long)(i * (1e9 / rate));
                    while (System.nanoTime() < due)
                    {
                        Thread.onSpinWait();
                    }
                }
                payload.putLong(0, i).putLong(8, System.nanoTime());
                socket.send(packet);
            }
            final long elapsed = System.nanoTime() - start;
            payload.putLong(0, END).putLong(8, 0);
            for (int i = 0; i < 3; i++)
            {
                socket.send(packet);
            }
            System.out.printf("published %d datagrams in %.3f s (%.0f/s)%n", count, elapsed / 1e9,
                count / (elapsed / 1e9));
        }
    }
}
