package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkDecorator;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.provider.BypassSelectorProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The provider's pollers transmit on their own queue: the server's link shows four queues each way, hands every
 * frame of the wire to receive queue {@value #RX_QUEUE} (as RSS would one flow), and records which thread transmits
 * on which queue. Poller q only ever transmits on queue q; an application thread only on the application queue.
 */
class PollerTransmitQueueTest
{
    private static final String WIRE = "tx-queues-" + ProcessHandle.current().pid();
    private static final byte[] MESSAGE = {'p', 'i', 'n', 'g'};
    private static final int QUEUES = 4;
    private static final int RX_QUEUE = 2;

    /**
     * While set, the server's link reports no transmit as done ({@link Link#transmitDone}), as a NIC whose send
     * completions have not come: a flow stays on the queue of its last frame.
     */
    private volatile boolean holdCompletions;
    /** UDP frames the server's link took: the thread, the queue, and the datagram's first byte. */
    private final ConcurrentLinkedQueue<String> datagrams = new ConcurrentLinkedQueue<>();

    private BypassSelectorProvider client;
    private BypassSelectorProvider server;
    private final ConcurrentLinkedQueue<String> transmits = new ConcurrentLinkedQueue<>();

    /** Four queues over a one-queue link: receive queue RX_QUEUE gets everything; transmits are recorded. */
    private final class FourQueueLink extends LinkDecorator
    {
        FourQueueLink(final Link inner)
        {
            super(inner);
        }

        @Override
        protected String kind()
        {
            return "four-queues";
        }

        @Override
        public int rxQueueCount()
        {
            return QUEUES;
        }

        @Override
        public int txQueueCount()
        {
            return QUEUES;
        }

        @Override
        public int receive(final int queue, final PacketBurst burst)
        {
            if (queue != RX_QUEUE)
            {
                burst.count(0);
                return 0;
            }
            return inner.receive(0, burst);
        }

        @Override
        public boolean receiveReady(final int queue)
        {
            return queue == RX_QUEUE && inner.receiveReady(0);
        }

        @Override
        public int transmit(final int queue, final PacketBurst burst)
        {
            if (queue < 0 || queue >= QUEUES)
            {
                throw new IllegalArgumentException("no transmit queue " + queue);
            }
            transmits.add(Thread.currentThread().getName() + " " + queue);
            final ByteBuffer m = inner.pool().memory();
            for (int i = 0; i < burst.count(); i++)
            {
                final int f = inner.pool().offset(burst.buffer(i));
                if ((m.getShort(f + 12) & 0xFFFF) == 0x0800 && m.get(f + 23) == 17)
                {
                    datagrams.add(Thread.currentThread().getName() + " " + queue + " " + m.get(f + 42));
                }
            }
            final int n = inner.transmit(0, burst);
            accepted[queue] += n;
            return n;
        }

        private final long[] accepted = new long[QUEUES];

        @Override
        public long transmitDone(final int queue)
        {
            return holdCompletions ? 0 : accepted[queue];
        }

        @Override
        public void close()
        {
            inner.close();
        }
    }

    private BypassSelectorProvider provider(final String address, final boolean fourQueues)
    {
        // Application threads only send and flush: they never poll a queue while they wait.
        return MemoryWireProviders.provider(WIRE, address, 13, "interface.m0.busy-wait-ns = 0",
            link -> fourQueues ? new FourQueueLink(link) : link);
    }

    @AfterEach
    void shutdown()
    {
        if (client != null)
        {
            client.shutdown();
        }
        if (server != null)
        {
            server.shutdown();
        }
    }

    @Test
    void shouldTransmitOnThePollersOwnQueueAndApplicationsOnTheApplicationQueue() throws IOException
    {
        client = provider("198.18.245.1", false);
        server = provider("198.18.245.2", true);
        try (DatagramChannel receiver = server.openDatagramChannel();
            DatagramChannel sender = client.openDatagramChannel())
        {
            receiver.bind(new InetSocketAddress(InetAddress.getByName("198.18.245.2"), 7000));
            sender.bind(new InetSocketAddress(InetAddress.getByName("198.18.245.1"), 7001));
            sender.send(ByteBuffer.wrap(MESSAGE), receiver.getLocalAddress());
            final DatagramPacket got = receive(receiver.socket());
            assertNotNull(got, "the datagram came through receive queue " + RX_QUEUE);
            assertArrayEquals(MESSAGE, Arrays.copyOf(got.getData(), got.getLength()));
            // The server answers from the application thread: the application queue.
            receiver.send(ByteBuffer.wrap(MESSAGE), sender.getLocalAddress());
            sender.socket().setSoTimeout(10_000);
            final DatagramPacket echo = new DatagramPacket(new byte[64], 64);
            sender.socket().receive(echo);
            assertEquals(MESSAGE.length, echo.getLength());
        }
        final List<String> seen = new ArrayList<>(transmits);
        boolean application = false;
        for (final String t : seen)
        {
            final int space = t.lastIndexOf(' ');
            final String thread = t.substring(0, space);
            final int queue = Integer.parseInt(t.substring(space + 1));
            if (thread.startsWith("jbypass-poller-"))
            {
                final int pollerQueue = Integer.parseInt(thread.substring(thread.lastIndexOf('-') + 1));
                assertEquals(pollerQueue, queue, () -> "a poller transmitted on another queue: " + seen);
            }
            else
            {
                assertEquals(NetInterface.APPLICATION_TX_QUEUE, queue, () -> "an application thread: " + seen);
                application = true;
            }
        }
        // The ARP reply to the client's request is sent while the frame is processed, by a poller (the poller of
        // queue RX_QUEUE, or another whose timers were due and which received it: then on that one's queue).
        assertTrue(application, () -> "the echo left from the application thread: " + seen);
        assertTrue(seen.stream().anyMatch(s -> s.startsWith("jbypass-poller-")), () -> "a poller answered: " + seen);
    }

    /**
     * Per-flow order across queues through the provider: the server's first datagram waits for ARP, and the reply,
     * received on queue {@value #RX_QUEUE}, makes that queue's poller send it on its queue. While the link holds it
     * (no completion yet), the application's next datagram of the flow is kept for that queue: the application
     * thread leaves it, the stack reports it pending, and the poller of queue {@value #RX_QUEUE}, woken for it,
     * sends it. Both arrive, in order.
     */
    @Test
    void shouldHandAFramesKeptOnItsFlowsQueueToThatQueuesPoller() throws IOException
    {
        client = provider("198.18.245.1", false);
        server = provider("198.18.245.2", true);
        holdCompletions = true;
        try (DatagramChannel receiver = client.openDatagramChannel();
            DatagramChannel sender = server.openDatagramChannel())
        {
            receiver.bind(new InetSocketAddress(InetAddress.getByName("198.18.245.1"), 7002));
            sender.bind(new InetSocketAddress(InetAddress.getByName("198.18.245.2"), 7003));
            sender.send(ByteBuffer.wrap(new byte[] {1}), receiver.getLocalAddress());
            final DatagramPacket first = receive(receiver.socket());
            assertNotNull(first, "the first datagram, after ARP");
            assertEquals(1, first.getData()[0]);
            sender.send(ByteBuffer.wrap(new byte[] {2}), receiver.getLocalAddress());
            final DatagramPacket second = receive(receiver.socket());
            assertNotNull(second, "the second datagram: " + datagrams);
            assertEquals(2, second.getData()[0]);
        }
        // The reply is received by the poller of queue RX_QUEUE, or by another whose timers were due (a poll of
        // the whole stack): the first datagram leaves on that poller's queue, and the second on the same.
        final List<String> seen = new ArrayList<>(datagrams);
        assertEquals(2, seen.size(), "two datagrams: " + seen);
        final String[] first = seen.get(0).split(" ");
        assertTrue(first[0].equals("jbypass-poller-m0-" + first[1]) && first[2].equals("1"),
            "the first by the poller that received the ARP reply, on its queue: " + seen);
        if (Integer.parseInt(first[1]) == NetInterface.APPLICATION_TX_QUEUE)
        {
            // The poller whose timers were due and took the reply serves the application's own queue: the second
            // datagram needs no keeping, the application thread sends it on that same queue, behind the first.
            assertEquals(first[1] + " 2", seen.get(1).substring(seen.get(1).indexOf(' ') + 1),
                "the second on the flow's queue, which is the application's: " + seen);
        }
        else
        {
            assertEquals(first[0] + " " + first[1] + " 2", seen.get(1),
                "the second kept on the flow's queue and sent by that queue's poller: " + seen);
        }
    }

    private static DatagramPacket receive(final DatagramSocket socket) throws IOException
    {
        socket.setSoTimeout(100);
        final DatagramPacket packet = new DatagramPacket(new byte[64], 64);
        for (int i = 0; i < 200; i++)
        {
            try
            {
                socket.receive(packet);
                return packet;
            }
            catch (final SocketTimeoutException e)
            {
                // Not yet: the pollers run on a loaded machine; try again.
            }
        }
        return null;
    }
}
