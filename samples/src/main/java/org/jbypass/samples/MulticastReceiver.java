package org.jbypass.samples;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * A market-data style multicast receiver: joins a group on the network interface named, with
 * {@code java.net.MulticastSocket} ({@code socket}, the default) or a {@code DatagramChannel} bound to the port and
 * then joined ({@code channel}), and receives {@link MulticastPublisher}'s numbered stream until its end marker,
 * COUNT datagrams, or IDLE seconds without one. It then prints what it got: datagrams, gaps (lost), late ones
 * (reordered or duplicated), and the one-way latency from the publisher's timestamp (meaningful when both run on
 * one host: {@code System.nanoTime} is the machine's monotonic clock): over the whole stream, and again over what
 * came after its first second, when the receiving JVM's code is compiled (a Java receive path starts interpreted,
 * and falls behind a fast stream until the JIT has compiled it). Plain java.net and NIO.
 *
 * <pre>
 * java org.jbypass.samples.MulticastReceiver GROUP PORT INTERFACE [COUNT [socket|channel [IDLE]]]
 * </pre>
 */
public final class MulticastReceiver
{
    private MulticastReceiver()
    {
    }

    /** How long after the first datagram the "after the first second" percentiles start. */
    private static final long WARM_NANOS = 1_000_000_000L;

    /** What arrived, and the latency of each datagram (up to a bound). */
    private static final class Tally
    {
        final long[] latencies;
        int measured;
        long received;
        long next;
        long lost;
        long late;
        long first = -1;
        /** {@link #voluntarySwitches()} when the receiver started to receive. */
        long switchesAtStart = -1;
        /** When the first datagram arrived, and the index of the first one that arrived a second or more later. */
        long firstArrival;
        int warmFrom = -1;

        Tally(final long count)
        {
            latencies = new long[(int)Math.min(count, 10_000_000)];
        }

        /** @return false at the end marker */
        boolean add(final long sequence, final long sentNanos, final long now)
        {
            if (sequence == MulticastPublisher.END)
            {
                return false;
            }
            if (first < 0)
            {
                first = sequence;
                next = sequence;
                firstArrival = now;
            }
            else if (warmFrom < 0 && now - firstArrival >= WARM_NANOS)
            {
                warmFrom = measured;
            }
            received++;
            if (sequence >= next)
            {
                lost += sequence - next;
                next = sequence + 1;
            }
            else
            {
                late++;
            }
            if (measured < latencies.length)
            {
                latencies[measured++] = now - sentNanos;
            }
            return true;
        }

        String latency()
        {
            if (measured == 0)
            {
                return "no latency";
            }
            final String all = "latency us " + percentiles(0);
            return warmFrom < 0 || warmFrom >= measured ? all : all + "; after 1 s " + percentiles(warmFrom);
        }

        private String percentiles(final int from)
        {
            final long[] sorted = Arrays.copyOfRange(latencies, from, measured);
            Arrays.sort(sorted);
            return String.format("p50 %.1f p99 %.1f p99.9 %.1f max %.1f", at(sorted, 0.5) / 1e3, at(sorted, 0.99) / 1e3,
                at(sorted, 0.999) / 1e3, sorted[sorted.length - 1] / 1e3);
        }

        private static long at(final long[] sorted, final double q)
        {
            return sorted[(int)Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
        }
    }

    public static void main(final String[] args) throws IOException
    {
        if (args.length < 3)
        {
            System.err.println("usage: MulticastReceiver GROUP PORT INTERFACE [COUNT [socket|channel [IDLE]]]");
            System.exit(2);
        }
        final InetAddress group = InetAddress.getByName(args[0]);
        final int port = Integer.parseInt(args[1]);
        final NetworkInterface nif = NetworkInterface.getByName(args[2]);
        if (nif == null)
        {
            System.err.println("no network interface named " + args[2]);
            System.exit(2);
        }
        final long count = args.length > 3 ? Long.parseLong(args[3]) : Long.MAX_VALUE;
        final boolean channel = args.length > 4 && args[4].equals("channel");
        final int idleMillis = (args.length > 5 ? Integer.parseInt(args[5]) : 10) * 1000;
        final Tally tally = new Tally(count);
        final long start = channel ? receiveWithChannel(group, port, nif, count, idleMillis, tally)
            : receiveWithSocket(group, port, nif, count, idleMillis, tally);
        final double seconds = (System.nanoTime() - start) / 1e9;
        final long switches = voluntarySwitches() - tally.switchesAtStart;
        final String wakeups = tally.switchesAtStart < 0 || tally.received == 0 ? ""
            : String.format("%.2f wakeups per datagram, ", (double)switches / tally.received);
        System.out.printf("received %d lost %d late %d in %.3f s (%.0f/s), %s%s%n", tally.received, tally.lost,
            tally.late, seconds, tally.received / seconds, wakeups, tally.latency());
    }

    /**
     * The voluntary context switches of all this JVM's threads so far, from Linux's /proc (the wakeups the receiver
     * paid, whichever of its threads paid them: a receiving thread's, a poller's); -1 elsewhere.
     */
    private static long voluntarySwitches()
    {
        final Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks))
        {
            return -1;
        }
        long sum = 0;
        try (Stream<Path> list = Files.list(tasks))
        {
            for (final Path task : (Iterable<Path>)list::iterator)
            {
                try
                {
                    for (final String line : Files.readAllLines(task.resolve("status")))
                    {
                        if (line.startsWith("voluntary_ctxt_switches:"))
                        {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                }
                catch (final IOException e)
                {
                    // the thread ended meanwhile: its switches are gone with it
                }
            }
        }
        catch (final IOException e)
        {
            return -1;
        }
        return sum;
    }

    /** The unmodified MulticastSocket way: bound to the port, then joined; returns when the first datagram came. */
    private static long receiveWithSocket(final InetAddress group, final int port, final NetworkInterface nif,
        final long count, final int idleMillis, final Tally tally) throws IOException
    {
        try (MulticastSocket socket = new MulticastSocket(port))
        {
            socket.setReceiveBufferSize(4 << 20);
            socket.joinGroup(new InetSocketAddress(group, 0), nif);
            System.out.println("receiving " + group.getHostAddress() + ":" + port + " on " + nif.getName()
                + " with MulticastSocket");
            System.out.flush();
            tally.switchesAtStart = voluntarySwitches();
            final byte[] bytes = new byte[2048];
            final ByteBuffer view = ByteBuffer.wrap(bytes);
            final DatagramPacket packet = new DatagramPacket(bytes, bytes.length);
            long start = 0;
            socket.setSoTimeout(idleMillis);
            try
            {
                while (tally.received < count)
                {
                    packet.setLength(bytes.length);
                    socket.receive(packet);
                    final long now = System.nanoTime();
                    if (start == 0)
                    {
                        start = now;
                    }
                    if (packet.getLength() >= 16 && !tally.add(view.getLong(0), view.getLong(8), now))
                    {
                        break;
                    }
                }
            }
            catch (final SocketTimeoutException e)
            {
                System.out.println("idle for " + idleMillis / 1000 + " s: stopping");
            }
            socket.leaveGroup(new InetSocketAddress(group, 0), nif);
            return start == 0 ? System.nanoTime() : start;
        }
    }

    /** The NIO way: a channel bound to the port (the wildcard address), then joined, read through a selector. */
    private static long receiveWithChannel(final InetAddress group, final int port, final NetworkInterface nif,
        final long count, final int idleMillis, final Tally tally) throws IOException
    {
        // An IPv6 group needs an IPv6 channel (the JDK refuses it on an INET one); an IPv4 group takes either.
        final StandardProtocolFamily family = group instanceof Inet6Address ? StandardProtocolFamily.INET6
            : StandardProtocolFamily.INET;
        try (DatagramChannel dc = DatagramChannel.open(family);
            Selector selector = Selector.open())
        {
            dc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            dc.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            dc.bind(new InetSocketAddress(port));
            final MembershipKey key = dc.join(group, nif);
            dc.configureBlocking(false);
            dc.register(selector, SelectionKey.OP_READ);
            System.out.println("receiving " + group.getHostAddress() + ":" + port + " on " + nif.getName()
                + " with DatagramChannel");
            System.out.flush();
            tally.switchesAtStart = voluntarySwitches();
            final ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
            long start = 0;
            boolean more = true;
            while (more && tally.received < count)
            {
                if (selector.select(idleMillis) == 0)
                {
                    System.out.println("idle for " + idleMillis / 1000 + " s: stopping");
                    break;
                }
                selector.selectedKeys().clear();
                while (more && tally.received < count && dc.receive(buffer.clear()) != null)
                {
                    final long now = System.nanoTime();
                    if (start == 0)
                    {
                        start = now;
                    }
                    more = buffer.position() < 16 || tally.add(buffer.getLong(0), buffer.getLong(8), now);
                }
            }
            key.drop();
            return start == 0 ? System.nanoTime() : start;
        }
    }
}
