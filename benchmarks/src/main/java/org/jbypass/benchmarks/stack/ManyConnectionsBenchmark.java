package org.jbypass.benchmarks.stack;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.transport.SocketListener;
import org.jbypass.netstack.util.Errno;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Many connections held in one JVM over the memory wire: how fast they are set up, what each one costs in heap when
 * idle, and that every one still answers. B opens {@code connections} connections to A (SYN, SYN-ACK, ACK, accept,
 * in batches the wire's queue holds), spread over as many listening ports as the ephemeral range needs; the score
 * (single shot) is the time that takes, and the set-up rate is printed. After it, with the connections idle, the
 * heap in use (after a GC) above the baseline before them is printed per connection, both ends of each included
 * (each connection is two sockets here, client and server), with the layers' table sizes; then every connection
 * carries a one-byte request and its one-byte reply, and the benchmark fails if one does not.
 *
 * <p>100,000 by default; {@code -p connections=1000000} is the table and timer benchmark the issue asks for: it
 * runs in the fork's default heap ({@code -Xmx8g}): two sockets of about 1.6 KB per connection, some 3 GB for the
 * million, plus the tables. The settings are printed with the figures, and each phase's rate with the time the
 * garbage collector paused it (at a million, young collections that scan the references two million old sockets
 * gained to new objects take seconds: the JVM's cost, beside the stack's). Time is simulated (as in
 * {@link TwoStacks}), so no timer fires unless the simulated clock reaches it: the figure is the stack's work, not
 * the wall clock's waits.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx8g"})
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ManyConnectionsBenchmark
{
    private static final int FIRST_PORT = 7000;
    private static final int EPHEMERAL_LOW = 1024;
    private static final int EPHEMERAL_HIGH = 65535;
    /** Connections opened at once: SYNs the wire's queue and the accept queues hold. */
    private static final int BATCH = 512;

    @Param({"100000"})
    int connections;

    private TwoStacks stacks;
    private TcpSocket[] clients;
    private TcpSocket[] servers;
    private TcpSocket[] listeners;
    private long baselineHeap;
    private long openStartedNanos;
    private long openGcMillis;
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

    @Setup(Level.Iteration)
    public void open()
    {
        final int perPort = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
        final int ports = (connections + perPort - 1) / perPort;
        final TcpConfig server = TcpConfig.builder().synBacklog(BATCH).maxBacklog(BATCH).build();
        final TcpConfig client = TcpConfig.builder().ephemeralPorts(EPHEMERAL_LOW, EPHEMERAL_HIGH).build();
        stacks = new TwoStacks(StackConfig.builder().poolBuffers(4096).seed(1).tcp(server).build(),
            StackConfig.builder().poolBuffers(4096).seed(2).tcp(client).build());
        listeners = new TcpSocket[ports];
        for (int p = 0; p < ports; p++)
        {
            listeners[p] = stacks.a.openTcp();
            check(listeners[p].bind(0, FIRST_PORT + p), "bind");
            check(listeners[p].listen(BATCH), "listen");
        }
        clients = new TcpSocket[connections];
        servers = new TcpSocket[connections];
        baselineHeap = heapAfterGc();
        System.out.println("many connections: " + connections + " over " + ports + " listening ports, batches of "
            + BATCH + "; JVM " + Runtime.version() + ", max heap " + (Runtime.getRuntime().maxMemory() >> 20)
            + " MiB; server " + server + "; client ephemeral ports " + EPHEMERAL_LOW + ".." + EPHEMERAL_HIGH
            + "; heap before " + (baselineHeap >> 20) + " MiB");
    }

    private static void check(final int result, final String what)
    {
        if (result < 0 && result != -Errno.EINPROGRESS)
        {
            throw new IllegalStateException(what + " failed: " + Errno.name(-result));
        }
    }

    private long heapAfterGc()
    {
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Milliseconds every collector has spent so far (pauses, for the stop-the-world parts). */
    private static long gcMillis()
    {
        long total = 0;
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
        {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    /** Opens every connection: the time this takes is the score. */
    @Benchmark
    public int openAll()
    {
        openStartedNanos = System.nanoTime();
        openGcMillis = gcMillis();
        final int perPort = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
        int accepted = 0;
        for (int start = 0; start < connections; start += BATCH)
        {
            final int end = Math.min(connections, start + BATCH);
            for (int i = start; i < end; i++)
            {
                clients[i] = stacks.b.openTcp();
                check(clients[i].connect(TwoStacks.IP_A, FIRST_PORT + i / perPort), "connect");
            }
            final int target = end;
            final int[] done = {accepted};
            stacks.stepUntil(() ->
            {
                for (final TcpSocket l : listeners)
                {
                    TcpSocket s;
                    while ((s = l.accept()) != null)
                    {
                        servers[done[0]++] = s;
                    }
                }
                return done[0] == target;
            }, "accepted " + target);
            accepted = done[0];
        }
        stacks.stepUntil(() -> clients[connections - 1].finishConnect() == 0, "the last connect completed");
        final long nanos = System.nanoTime() - openStartedNanos;
        openGcMillis = gcMillis() - openGcMillis;
        System.out.println("many connections: opened " + connections + " in " + TimeUnit.NANOSECONDS.toMillis(nanos)
            + " ms, " + (long)(connections * 1e9 / nanos) + " per second, of which the collector took "
            + openGcMillis + " ms");
        return accepted;
    }

    @TearDown(Level.Iteration)
    public void measureAndClose()
    {
        final long heap = heapAfterGc() - baselineHeap;
        System.out.println("many connections: " + connections + " idle connections hold " + (heap >> 20)
            + " MiB of heap above the baseline, " + heap / connections + " bytes per connection (both ends); "
            + "A knows " + stacks.a.tcp().connectionCount() + " by 4-tuple, B " + stacks.b.tcp().connectionCount()
            + "; buffer memory A " + stacks.a.tcp().memoryInUse() + " B " + stacks.b.tcp().memoryInUse());
        final long began = System.nanoTime();
        final long gcBefore = gcMillis();
        final ByteBuffer one = ByteBuffer.allocate(1);
        // Requests, then replies: the stacks tell which sockets became readable (their listeners), so a round
        // looks only at those.
        final java.util.ArrayDeque<TcpSocket> readable = new java.util.ArrayDeque<>();
        final SocketListener listener = socket -> readable.add((TcpSocket) socket);
        for (int i = 0; i < connections; i++)
        {
            servers[i].listener(listener);
            clients[i].listener(listener);
        }
        // In batches, as the connections were opened: requests all at once would overflow the wire's queue.
        for (int start = 0; start < connections; start += BATCH)
        {
            final int end = Math.min(connections, start + BATCH);
            for (int i = start; i < end; i++)
            {
                one.clear();
                check(clients[i].write(one), "request");
            }
            stacks.b.flush();
            int requests = end - start;
            int replies = end - start;
            for (int round = 0; requests + replies > 0; round++)
            {
                stepSome(round, "connections " + start + ".." + end + " answered: " + requests + " requests and "
                    + replies + " replies missing");
                TcpSocket s;
                while ((s = readable.poll()) != null)
                {
                    one.clear();
                    if (s.read(one) != 1)
                    {
                        continue;
                    }
                    if (s.localAddress() == TwoStacks.IP_A)
                    {
                        one.flip();
                        check(s.write(one), "reply");
                        requests--;
                    }
                    else
                    {
                        replies--;
                    }
                }
                stacks.a.flush();
            }
        }
        final long nanos = System.nanoTime() - began;
        System.out.println("many connections: every one answered a one-byte request, all in "
            + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms, " + (long)(connections * 1e9 / nanos)
            + " per second, of which the collector took " + (gcMillis() - gcBefore) + " ms");
        stacks.close();
        stacks = null;
        clients = null;
        servers = null;
    }

    /** Runs the stacks 64 steps; fails after 100,000 rounds (6.4 simulated seconds) naming {@code what}. */
    private void stepSome(final int round, final String what)
    {
        if (round == 100_000)
        {
            throw new IllegalStateException("never " + what);
        }
        for (int k = 0; k < 64; k++)
        {
            stacks.step();
        }
    }
}
