package org.jbypass.provider.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.IpCounters;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.LinkCounters;
import org.jbypass.netstack.transport.StackSocket;
import org.jbypass.netstack.udp.UdpCounters;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.driver.AfPacketLink;
import org.jbypass.provider.driver.AfPacketOptions;

/**
 * A jbypass {@link Stack} at {@link KernelPeer#stackAddress()}/24 over an {@link AfPacketLink} on a kernel peer's
 * stack end, driven by a poller thread of the tests' own: the smallest engine that lets tests talk to the Linux
 * kernel through the stack. (The provider's engine is not used here: these tests are about the stack and the
 * driver against the kernel.)
 *
 * <h2>Threads</h2>
 * As docs/ARCHITECTURE.md prescribes: one lock guards the stack. The poller takes it, runs {@link Stack#poll}, runs
 * the {@linkplain #onPoll poll tasks} (servers that answer within the poller, such as an echo), flushes, and lets
 * go; then it either polls again at once ({@linkplain Idle#SPIN spinning}) or blocks in
 * {@link AfPacketLink#awaitReceive} until the stack's next deadline ({@linkplain Idle#BLOCK blocking}). A test
 * thread works on the stack with {@link #call}, which takes the lock, advances the stack's time, runs the
 * operation, flushes and wakes the poller if the stack asks for it. {@link #awaitCondition} blocks a test thread on
 * a condition of the lock that the sockets' readiness listener ({@link #listen}) signals.
 *
 * <p>{@link #close()} stops the poller, closes the stack (which closes the link) and reports buffers the pool did
 * not get back.
 */
public final class KernelPeerStack implements AutoCloseable
{
    /** How a poller idles when a poll found nothing to do. */
    public enum Idle
    {
        /** Blocks in {@link AfPacketLink#awaitReceive} until frames come or the stack's next deadline. */
        BLOCK,
        /** Polls again at once. */
        SPIN
    }

    /** The longest a blocked poller waits without a deadline: it also checks for being stopped this often. */
    private static final long MAX_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final KernelPeer peer;
    private final Stack stack;
    private final AfPacketLink link;
    private final NetInterface nif;
    private final Idle idle;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Consumer<Stack>> pollTasks = new CopyOnWriteArrayList<>();
    private final Thread poller;
    private volatile boolean stopping;
    private volatile Throwable pollerFailure;
    private long polls;
    private boolean closed;

    private KernelPeerStack(final KernelPeer peer, final StackConfig config, final AfPacketOptions options,
        final Idle idle)
    {
        this.peer = peer;
        this.idle = idle;
        this.stack = new Stack(config, System.nanoTime());
        AfPacketLink opened = null;
        try
        {
            opened = AfPacketLink.open(options, stack.pool());
            this.link = opened;
            this.nif = stack.addInterface("kp0", opened, peer.stackAddress(), peer.prefixLength(), 0);
        }
        catch (final RuntimeException e)
        {
            if (opened != null)
            {
                opened.close();
            }
            stack.close();
            throw e;
        }
        this.poller = new Thread(this::pollLoop, "jbp-test-poller-" + peer.namespace());
        this.poller.setDaemon(true);
    }

    /** A stack with the default configuration, the default ring and a blocking poller. */
    public static KernelPeerStack start(final KernelPeer peer)
    {
        return start(peer, StackConfig.builder().poolBuffers(8192).build(),
            AfPacketOptions.builder(peer.stackInterface()).rxQueueSize(1024).build(), Idle.BLOCK);
    }

    /** A stack on the peer's stack end with the given receive ring and idle strategy. */
    public static KernelPeerStack start(final KernelPeer peer, final AfPacketOptions.RxRing ring, final Idle idle)
    {
        return start(peer, StackConfig.builder().poolBuffers(8192).build(),
            AfPacketOptions.builder(peer.stackInterface()).rxRing(ring).rxQueueSize(1024).build(), idle);
    }

    /**
     * Opens the link on the pool of a new stack, adds the interface and starts the poller.
     *
     * @param options for the link; its interface must be the peer's stack interface
     */
    public static KernelPeerStack start(final KernelPeer peer, final StackConfig config,
        final AfPacketOptions options, final Idle idle)
    {
        if (!options.interfaceName().equals(peer.stackInterface()))
        {
            throw new IllegalArgumentException(options.interfaceName() + " is not " + peer.stackInterface());
        }
        final KernelPeerStack s = new KernelPeerStack(peer, config, options, idle);
        s.poller.start();
        return s;
    }

    /**
     * For a test's set-up: a stack with IPv6 (DAD with {@code dadTransmits} solicitations of each address) and
     * otherwise {@link #start(KernelPeer)}'s defaults; no address yet ({@link #addStackAddress6}).
     */
    public static KernelPeerStack startWithIpv6(final KernelPeer peer, final int dadTransmits)
    {
        return start(peer, StackConfig.builder().poolBuffers(8192)
            .ipv6(Ipv6Config.DEFAULT.withDadTransmits(dadTransmits)).build(),
            AfPacketOptions.builder(peer.stackInterface()).rxQueueSize(1024).build(), Idle.BLOCK);
    }

    /**
     * For a test's set-up: {@code start} on {@code peer}, closing the peer when it fails, so that the namespace goes
     * whatever happened.
     */
    public static KernelPeerStack startOrClose(final KernelPeer peer, final Function<KernelPeer, KernelPeerStack> start)
    {
        try
        {
            return start.apply(peer);
        }
        catch (final RuntimeException | Error e)
        {
            peer.close();
            throw e;
        }
    }

    private void pollLoop()
    {
        try
        {
            while (!stopping)
            {
                final long deadline;
                final int work;
                lock.lock();
                try
                {
                    deadline = stack.poll(System.nanoTime());
                    work = stack.lastWork();
                    polls++;
                    if (!pollTasks.isEmpty())
                    {
                        for (final Consumer<Stack> task : pollTasks)
                        {
                            task.accept(stack);
                        }
                        stack.flush();
                    }
                }
                finally
                {
                    lock.unlock();
                }
                if (idle == Idle.SPIN || work > 0)
                {
                    continue;
                }
                final long wait = Math.min(deadline - System.nanoTime(), MAX_IDLE_NANOS);
                if (wait > 0)
                {
                    link.awaitReceive(wait);
                }
            }
        }
        catch (final Throwable t)
        {
            pollerFailure = t;
            lock.lock();
            try
            {
                changed.signalAll();
            }
            finally
            {
                lock.unlock();
            }
        }
    }

    /** The peer the stack faces. */
    public KernelPeer peer()
    {
        return peer;
    }

    /** The stack's interface; read its fields under {@link #call}. */
    public NetInterface netInterface()
    {
        return nif;
    }

    /** The link; its counters are the driver's. */
    public AfPacketLink link()
    {
        return link;
    }

    /** The stack's MAC address. */
    public long mac()
    {
        return link.macAddress();
    }

    /** Adds the peer's IPv6 stack address, /64, to the interface; the address, parsed. */
    public long[] addStackAddress6()
    {
        final long[] address = Ipv6Address.parse(peer.stackAddress6());
        call(s ->
        {
            s.addAddress6(nif, address[0], address[1], 64);
            return null;
        });
        return address;
    }

    /**
     * Runs an operation on the stack as an application thread would: under the lock, with the stack's time
     * advanced to now, followed by a flush (which transmits what the operation queued); wakes the poller when the
     * flush leaves work that only a poll will do.
     */
    public <T> T call(final Function<Stack, T> operation)
    {
        checkPoller();
        lock.lock();
        try
        {
            stack.time().advance(System.nanoTime());
            final T result = operation.apply(stack);
            if (stack.flush())
            {
                link.wakeup();
            }
            return result;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Registers a readiness listener that signals the lock's condition, so that {@link #awaitCondition} sees every
     * change of the socket. Call under {@link #call} or before traffic starts.
     */
    public void listen(final StackSocket socket)
    {
        socket.listener(s -> changed.signalAll()); // the stack calls listeners with the lock held
    }

    /**
     * Blocks until {@code test} (run on the stack under the lock, after advancing its time) returns a non-null
     * value, or the timeout passes; the test runs again after every readiness change of a {@linkplain #listen
     * listened} socket.
     *
     * @return the value, or null at the timeout
     */
    public <T> T awaitCondition(final Function<Stack, T> test, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try
        {
            while (true)
            {
                checkPoller();
                stack.time().advance(System.nanoTime());
                final T value = test.apply(stack);
                if (stack.flush())
                {
                    link.wakeup();
                }
                if (value != null)
                {
                    return value;
                }
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    return null;
                }
                changed.awaitNanos(left);
            }
        }
        finally
        {
            lock.unlock();
        }
    }

    /** {@link #call} for an operation that returns an int (an errno or a count). */
    public int op(final ToIntFunction<Stack> operation)
    {
        return call(s -> operation.applyAsInt(s));
    }

    /** Closes UDP sockets of the stack, under the lock. */
    public void closeAll(final UdpSocket... sockets)
    {
        call(s ->
        {
            for (final UdpSocket socket : sockets)
            {
                socket.close();
            }
            return null;
        });
    }

    /**
     * Waits for a datagram on a {@linkplain #listen listened} socket, and fails (with the counters) when none comes
     * within the timeout.
     *
     * @return the datagram: from position 0 to its limit
     */
    public ByteBuffer awaitDatagram(final UdpSocket socket, final Duration timeout) throws InterruptedException
    {
        final ByteBuffer b = ByteBuffer.allocate(65536);
        final Integer n = awaitCondition(s ->
        {
            b.clear();
            final int r = socket.receive(b);
            return r == -Errno.EAGAIN ? null : r;
        }, timeout);
        assertNotNull(n, "a datagram within " + timeout + "\n" + describeCounters());
        return b.clear().limit(n);
    }

    /**
     * For a test's {@code @AfterEach}: closes the stack (which throws if a packet buffer was not returned) and then
     * the peer, whatever happened (the namespace goes), and asserts at last that the stack counted no unexpected
     * drop ({@link #unexpectedDrops}). Either may be null, when the test's set-up failed.
     */
    public static void closeAfterTest(final KernelPeerStack stack, final KernelPeer peer)
    {
        closeAfterTest(stack, peer, s -> "");
    }

    /** {@link #closeAfterTest(KernelPeerStack, KernelPeer)}, {@code describe} of the stack added to the message. */
    public static void closeAfterTest(final KernelPeerStack stack, final KernelPeer peer,
        final Function<Stack, String> describe)
    {
        List<String> drops = List.of();
        String counters = "";
        try
        {
            if (stack != null)
            {
                drops = stack.unexpectedDrops();
                counters = stack.describeCounters() + " " + stack.call(describe);
            }
        }
        finally
        {
            try
            {
                if (stack != null)
                {
                    stack.close(); // throws if a packet buffer was not returned
                }
            }
            finally
            {
                if (peer != null)
                {
                    peer.close();
                }
            }
        }
        assertEquals(List.of(), drops, counters);
    }

    /**
     * Adds a task the poller runs under the lock after each poll (a server answering from the poller's thread,
     * as an echo does); the poller flushes after the tasks.
     */
    public void onPoll(final Consumer<Stack> task)
    {
        pollTasks.add(task);
        link.wakeup();
    }

    /** Removes a poll task. */
    public void removePollTask(final Consumer<Stack> task)
    {
        pollTasks.remove(task);
    }

    /**
     * A UDP echo on {@code socket}, answering from the poller's thread: every datagram goes back to its sender, in
     * its sender's family. Returns the poll task, for {@link #removePollTask}.
     */
    public Consumer<Stack> echo(final UdpSocket socket)
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(65536);
        final Consumer<Stack> echo = s ->
        {
            while (socket.receive(buffer.clear()) >= 0)
            {
                buffer.flip();
                final int sent = socket.lastSourceIs6()
                    ? socket.send6(buffer, socket.lastSourceHi(), socket.lastSourceLo(), socket.lastSourcePort())
                    : socket.send(buffer, socket.lastSourceAddress(), socket.lastSourcePort());
                if (sent < 0)
                {
                    throw new IllegalStateException("echo send failed: " + Errno.name(-sent));
                }
            }
        };
        onPoll(echo);
        return echo;
    }

    /** Counters of the stack and the link in one line, for messages. */
    public String describeCounters()
    {
        return call(s ->
        {
            final IpCounters ip = s.ipCounters();
            final UdpCounters udp = s.udpCounters();
            final LinkCounters l = link.counters();
            return "link{" + link.describeStatistics() + "} ip{frames=" + ip.framesReceived + " notForUs="
                + ip.framesNotForUs + " unknownType=" + ip.framesUnknownType + " arpReqIn=" + ip.arpRequestsReceived
                + " arpRepIn=" + ip.arpRepliesReceived + " arpReqOut=" + ip.arpRequestsSent + " arpRepOut="
                + ip.arpRepliesSent + " in=" + ip.ipInReceives + " delivers=" + ip.ipInDelivers + " reasmOk="
                + ip.ipReasmOks + " fragCreates=" + ip.ipFragCreates + " out=" + ip.ipOutRequests + " icmpIn="
                + ip.icmpInMsgs + " echoIn=" + ip.icmpInEchos + " echoRepOut=" + ip.icmpOutEchoReps
                + " unreachOut=" + ip.icmpOutDestUnreachs + "} udp{in=" + udp.inDatagrams + " noPorts="
                + udp.noPorts + " inErrors=" + udp.inErrors + " csum=" + udp.inCsumErrors + " rcvbuf="
                + udp.rcvbufErrors + " out=" + udp.outDatagrams + " sndbuf=" + udp.sndbufErrors + "} linkDrops{rx="
                + l.rxDropped + " tx=" + l.txDropped + " errors=" + l.errors + "}";
        });
    }

    /**
     * The counters that must stay zero on a clean veth with a well-behaved kernel: every drop of a malformed,
     * misdirected or unprocessable packet, every failed resolution or queue overflow, and every drop in the driver
     * (the kernel's ring drops as of the last time the ring flagged a loss: refreshing them is the poller's
     * business). Returns "name=value" for each that is not, so a test can assert the list is empty.
     */
    public List<String> unexpectedDrops()
    {
        return call(s ->
        {
            final List<String> bad = new ArrayList<>();
            final IpCounters c = s.ipCounters();
            final UdpCounters u = s.udpCounters();
            final LinkCounters l = link.counters();
            nonZero(bad, "framesTooShort", c.framesTooShort);
            nonZero(bad, "framesVlanDropped", c.framesVlanDropped);
            nonZero(bad, "arpMalformed", c.arpMalformed);
            nonZero(bad, "arpQueueDrops", c.arpQueueDrops);
            nonZero(bad, "arpResolutionFailures", c.arpResolutionFailures);
            nonZero(bad, "arpCacheFull", c.arpCacheFull);
            nonZero(bad, "ipInTooShort", c.ipInTooShort);
            nonZero(bad, "ipInBadVersion", c.ipInBadVersion);
            nonZero(bad, "ipInBadHeaderLength", c.ipInBadHeaderLength);
            nonZero(bad, "ipInBadTotalLength", c.ipInBadTotalLength);
            nonZero(bad, "ipInBadChecksum", c.ipInBadChecksum);
            nonZero(bad, "ipInReservedFlag", c.ipInReservedFlag);
            nonZero(bad, "ipInBadSource", c.ipInBadSource);
            nonZero(bad, "ipInAddrErrors", c.ipInAddrErrors);
            nonZero(bad, "ipInUnknownProtocols", c.ipInUnknownProtocols);
            nonZero(bad, "ipReasmFails", c.ipReasmFails);
            nonZero(bad, "ipReasmTimeouts", c.ipReasmTimeouts);
            nonZero(bad, "ipReasmOverlaps", c.ipReasmOverlaps);
            nonZero(bad, "ipReasmNoSlot", c.ipReasmNoSlot);
            nonZero(bad, "ipOutNoRoutes", c.ipOutNoRoutes);
            nonZero(bad, "ipOutBadSource", c.ipOutBadSource);
            nonZero(bad, "ipOutDiscards", c.ipOutDiscards);
            nonZero(bad, "ipFragFails", c.ipFragFails);
            nonZero(bad, "icmpInErrors", c.icmpInErrors);
            nonZero(bad, "icmpRateLimited", c.icmpRateLimited);
            nonZero(bad, "txQueueDrops", c.txQueueDrops);
            nonZero(bad, "ip6InTooShort", c.ip6InTooShort);
            nonZero(bad, "ip6InBadVersion", c.ip6InBadVersion);
            nonZero(bad, "ip6InBadPayloadLength", c.ip6InBadPayloadLength);
            nonZero(bad, "ip6InBadSource", c.ip6InBadSource);
            nonZero(bad, "ip6InTruncated", c.ip6InTruncated);
            nonZero(bad, "ip6InUnknownProtocols", c.ip6InUnknownProtocols);
            nonZero(bad, "ip6ReasmFails", c.ip6ReasmFails);
            nonZero(bad, "ip6OutNoRoutes", c.ip6OutNoRoutes);
            nonZero(bad, "ip6OutDiscards", c.ip6OutDiscards);
            nonZero(bad, "ip6FragFails", c.ip6FragFails);
            nonZero(bad, "icmp6InErrors", c.icmp6InErrors);
            nonZero(bad, "icmp6InBadErrors", c.icmp6InBadErrors);
            nonZero(bad, "ndpInInvalid", c.ndpInInvalid);
            nonZero(bad, "ndpQueueDrops", c.ndpQueueDrops);
            nonZero(bad, "ndpResolutionFailures", c.ndpResolutionFailures);
            nonZero(bad, "ndpCacheFull", c.ndpCacheFull);
            nonZero(bad, "udpInErrors", u.inErrors);
            nonZero(bad, "udpInCsumErrors", u.inCsumErrors);
            nonZero(bad, "udpRcvbufErrors", u.rcvbufErrors);
            nonZero(bad, "udpSndbufErrors", u.sndbufErrors);
            nonZero(bad, "linkRxDropped", l.rxDropped);
            nonZero(bad, "linkTxDropped", l.txDropped);
            nonZero(bad, "linkErrors", l.errors);
            return bad;
        });
    }

    private static void nonZero(final List<String> bad, final String name, final long value)
    {
        if (value != 0)
        {
            bad.add(name + "=" + value);
        }
    }

    /** How many polls the poller has made. */
    public long polls()
    {
        return call(s -> polls);
    }

    private void checkPoller()
    {
        final Throwable failure = pollerFailure;
        if (failure != null)
        {
            throw new IllegalStateException("the poller failed", failure);
        }
    }

    /**
     * Stops the poller and closes the stack and its link.
     *
     * @throws IllegalStateException if the poller failed, would not stop, or the pool did not get every buffer
     *                               back (after the stack released what it holds)
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        stopping = true;
        link.wakeup();
        try
        {
            poller.join(TimeUnit.SECONDS.toMillis(20));
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        final boolean stuck = poller.isAlive();
        final PacketPool pool = stack.pool();
        if (!stuck)
        {
            stack.close();
        }
        if (stuck)
        {
            throw new IllegalStateException("the poller of " + peer + " did not stop");
        }
        if (pollerFailure != null)
        {
            throw new IllegalStateException("the poller failed", pollerFailure);
        }
        if (pool.inUse() != 0)
        {
            throw new IllegalStateException(pool.inUse() + " packet buffers were not returned to the pool");
        }
    }
}
