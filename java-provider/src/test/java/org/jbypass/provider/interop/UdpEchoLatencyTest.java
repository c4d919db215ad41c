package org.jbypass.provider.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.driver.AfPacketOptions.RxRing;
import org.jbypass.provider.engine.Drivers;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.CommandResult;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.KernelPeerStack;
import org.jbypass.provider.testing.KernelPeerStack.Idle;
import org.jbypass.provider.testing.ThreadSchedule;
import org.jbypass.provider.testing.ThreadSwitches;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The UDP echo round trip seen by a kernel client, against the stack and against the kernel, in the same run: a
 * measurement printed for the record, not asserted (timings depend on the machine). Needs root and a C compiler.
 *
 * <h2>How it measures</h2>
 * The client is {@code udp_rtt client} (a test resource in C, compiled here with the host's {@code cc -O2}): in a
 * {@link KernelPeer}'s namespace, a connected kernel UDP socket sends one 64-byte datagram, blocks in recv(2) for
 * its echo, checks it byte for byte, sleeps 50 µs (its timer slack set to 1 ns, so that the pause is 50 µs and not
 * the default slack's 100; {@code -Djbypass.bench.gap-us=N} changes it), and again: a low rate with one datagram in
 * flight. Each round trip is timed with CLOCK_MONOTONIC around send and receive; the first 20,000 (the JIT
 * compiling the stack's path, see {@link #WARMUP}) are not counted.
 * <ul>
 *   <li>Stack: the echo is a jbypass UDP socket at 198.18.X.2:7 answered from the test poller's thread
 *       ({@link KernelPeerStack}: a poll, then the echo drains the socket and sends back, then a flush), over an
 *       AfPacketLink on the veth's other end. For each receive ring (frame, block) and each way the poller idles:
 *       blocking in awaitReceive, or busy-polling.</li>
 *   <li>Provider: an unmodified blocking {@link DatagramChannel} echo (receive, then send back, on one application
 *       thread) of a {@link BypassSelectorProvider} over the same kind of link, once with the defaults
 *       ({@code profile = default}: the echo thread waits on the ring, the kernel wakes it) and once with
 *       {@code profile = latency} (the echo thread drives the stack itself for a while before that).
 *       {@code -Djbypass.bench.profiles=latency} runs one profile only, and a profile may carry keys of its own
 *       after a slash ({@code default/poller.ring-wait=false}: the poller receives and signals, the echo thread
 *       wakes), so that rows compare settings in one run; {@code -Djbypass.bench.busy-wait-ns=N} overrides the
 *       profile's {@code poller.busy-wait-ns}.</li>
 *   <li>Kernel: the same client against {@code udp_rtt server} (recvfrom/sendto) in this process's namespace, on
 *       the stack end of a second, identical veth pair that is given 198.18.Y.2/24: kernel to kernel over the same
 *       kind of link, with the server blocking in recvfrom(2) or polling with MSG_DONTWAIT.</li>
 * </ul>
 * Both veth pairs have every offload off (see {@link KernelPeer}). Rows of this JVM's echoes also give the wakeups
 * per round trip (voluntary context switches of this JVM's threads, and of its pollers; {@link ThreadSwitches}).
 * Under each row, a second line gives each side's schedule per round trip: CPU time, time runnable but waiting for
 * a CPU (the run queue), wakeups and preemptions, of the client over its timed round trips and of the echo thread
 * and the pollers over the whole run, warm-up included ({@link ThreadSchedule}): what shows threads taking each
 * other's CPU.
 * {@code -Djbypass.bench.rows=stack,channel,kernel} picks the groups of rows (scripts/profile.sh profiles the
 * channel rows alone); the group {@code ipv6}, run only when named ({@code -Djbypass.bench.rows=channel,kernel,ipv6}),
 * gives the same client over IPv6 (RFC 8200, issue 15): the unmodified DatagramChannel echo with the default profile
 * at the stack's {@code interface.NAME.address6} 2001:db8:X::2/64, and the kernel's blocking echo on an IPv6 socket
 * at that address on the second pair, the kernel ends at 2001:db8:X::1, offloads off as in the IPv4 rows.
 * {@code -Djbypass.bench.samples=N} sets the number of timed round trips per configuration (default 5000; 1000 for
 * the block ring, whose round trips take a millisecond).
 */
class UdpEchoLatencyTest
{
    private static final int PORT = 7;
    private static final int SIZE = 64;
    /**
     * Round trips before the timed ones: the JIT compiles the echo's path with C2 only after some 10,000 of them
     * (its invocation thresholds, then the compile itself): timed from the 5,000th, the wake-to-reply path of the
     * next 5,000 took 3.6 µs at the median against 2.2 µs from the 10,000th on (docs/PERFORMANCE.md (a, fifth
     * round)), a quarter of a 20,000-sample row measured in C1's code. {@code -Djbypass.bench.warmup=N} changes it.
     */
    private static final int WARMUP = Integer.getInteger("jbypass.bench.warmup", 20_000);
    private static final int GAP_MICROS = Integer.getInteger("jbypass.bench.gap-us", 50);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);

    /** The echo threads' name prefix, for their schedule. */
    private static final String ECHO_THREAD = "udp-echo-";

    private static Path tool;

    @BeforeAll
    static void needsRootAndACompiler() throws IOException
    {
        KernelPeer.assumeAvailable();
        final String cc = Host.tool("cc") != null ? Host.tool("cc") : Host.tool("gcc");
        assumeTrue(cc != null, "needs a C compiler (cc) to build the udp_rtt client");
        final Path dir = Files.createTempDirectory("jbp-udp-rtt-");
        final Path source = dir.resolve("udp_rtt.c");
        try (InputStream in = UdpEchoLatencyTest.class.getResourceAsStream("udp_rtt.c"))
        {
            assertNotNull(in, "udp_rtt.c is a test resource");
            Files.write(source, in.readAllBytes());
        }
        tool = dir.resolve("udp_rtt");
        Host.run(cc, "-O2", "-Wall", "-Wextra", "-Werror", "-o", tool.toString(), source.toString()).orThrow();
        tool.toFile().deleteOnExit();
        source.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
    }

    @Test
    void shouldPrintTheEchoRoundTripOfTheStackAndOfTheKernel() throws Exception
    {
        final int samples = Integer.getInteger("jbypass.bench.samples", 5000);
        final String rows = System.getProperty("jbypass.bench.rows", "stack,channel,kernel");
        final Map<String, String> results = new LinkedHashMap<>();
        if (rows.contains("stack"))
        {
            stackEchoes(samples, results);
        }
        if (rows.contains("channel"))
        {
            for (final String profile : System.getProperty("jbypass.bench.profiles", "default,latency").split(","))
            {
                try (KernelPeer peer = KernelPeer.create())
                {
                    results.put(String.format(Locale.ROOT, "channel profile=%-13s echo thread ", profile.trim()),
                        providerEcho(peer, profile.trim(), samples, false));
                }
            }
        }
        if (rows.contains("kernel"))
        {
            kernelEchoes(samples, results);
        }
        if (rows.contains("ipv6"))
        {
            try (KernelPeer peer = KernelPeer.createWithIpv6(true))
            {
                results.put(String.format(Locale.ROOT, "IPv6 channel profile=%-8s echo thread ", "default"),
                    providerEcho(peer, "default", samples, true));
            }
            kernelEcho6(samples, results);
        }
        final StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
            "UDP echo round trip from a kernel client (udp_rtt, %d-byte datagrams, one in flight, %d us apart; veth,"
                + " offloads off; %s, %d cpus, load %s):%n", SIZE, GAP_MICROS, Runtime.version(),
            Runtime.getRuntime().availableProcessors(), loadAverage()));
        report.append(String.format(Locale.ROOT, "  %-38s %8s %8s %8s %8s %8s %9s  %s%n", "echo", "min", "p50",
            "p90", "p99", "p99.9", "max (us)", "wakeups/rt (pollers')"));
        for (final Map.Entry<String, String> result : results.entrySet())
        {
            report.append("  ").append(result.getKey()).append(' ').append(result.getValue()).append('\n');
        }
        System.out.print(report);
    }

    /** The rows of the stack's own echo, answered from the test poller's thread, for each ring and idle way. */
    private static void stackEchoes(final int samples, final Map<String, String> results) throws Exception
    {
        try (KernelPeer peer = KernelPeer.create())
        {
            for (final RxRing ring : new RxRing[] {RxRing.FRAME, RxRing.BLOCK})
            {
                for (final Idle idle : Idle.values())
                {
                    try (KernelPeerStack stack = KernelPeerStack.start(peer, ring, idle))
                    {
                        final Consumer<Stack> echo = echoServer(stack);
                        final int count = ring == RxRing.BLOCK ? Math.max(100, samples / 5) : samples;
                        // The block ring's round trips take a millisecond: its rows keep a shorter warm-up.
                        final int warmup = ring == RxRing.BLOCK ? Math.min(WARMUP, 5000) : WARMUP;
                        results.put(String.format(Locale.ROOT, "stack   rx-ring=%-5s poller %-8s", ring.key(),
                            idle == Idle.SPIN ? "spinning" : "blocking"),
                            client(peer, Ipv4Address.toString(peer.stackAddress()), count, warmup));
                        stack.removePollTask(echo);
                        assertEquals(java.util.List.of(), stack.unexpectedDrops(), stack.describeCounters());
                    }
                }
            }
        }
    }

    /** The rows of the kernel's own echo (another process, so no wakeup count), blocking and spinning. */
    private static void kernelEchoes(final int samples, final Map<String, String> results) throws Exception
    {
        try (KernelPeer peer = KernelPeer.create())
        {
            // The kernel of this namespace takes the second pair's "stack" end: an address, and ARP back on.
            final String address = Ipv4Address.toString(peer.stackAddress());
            Host.run("ip", "address", "add", address + "/" + peer.prefixLength(), "dev", peer.stackInterface())
                .orThrow();
            Host.run("ip", "link", "set", peer.stackInterface(), "arp", "on").orThrow();
            for (final String mode : new String[] {"block", "spin"})
            {
                try (BackgroundCommand server = Host.start(tool.toString(), "server", Integer.toString(PORT), mode))
                {
                    assertTrue(server.awaitOutput("ready", Duration.ofSeconds(20)), server.stderr());
                    results.put(String.format(Locale.ROOT, "kernel  %-13s server %-8s", "",
                        mode.equals("spin") ? "spinning" : "blocking"), clientRun(peer,
                        Ipv4Address.toString(peer.stackAddress()), samples));
                }
            }
        }
    }

    /**
     * The row of the kernel's own echo over IPv6, blocking: as {@link #kernelEchoes}, the second pair's stack end
     * in this namespace given IPv6, neighbour discovery and the stack's address 2001:db8:X::2/64 (without DAD, as
     * the kernel end's), the server on an IPv6 socket.
     */
    private static void kernelEcho6(final int samples, final Map<String, String> results) throws Exception
    {
        try (KernelPeer peer = KernelPeer.createWithIpv6(true))
        {
            final String ifname = peer.stackInterface();
            Host.run("sysctl", "-q", "-w", "net.ipv6.conf." + ifname + ".accept_ra=0",
                "net.ipv6.conf." + ifname + ".router_solicitations=0", "net.ipv6.conf." + ifname + ".disable_ipv6=0")
                .orThrow();
            Host.run("ip", "-6", "address", "add", peer.stackAddress6() + "/64", "dev", ifname, "nodad").orThrow();
            // Neighbour discovery back on: a NOARP device answers no neighbour solicitation either.
            Host.run("ip", "link", "set", ifname, "arp", "on").orThrow();
            try (BackgroundCommand server = Host.start(tool.toString(), "server", Integer.toString(PORT), "block",
                "6"))
            {
                assertTrue(server.awaitOutput("ready", Duration.ofSeconds(20)), server.stderr());
                results.put(String.format(Locale.ROOT, "IPv6 kernel %-9s server %-8s", "", "blocking"),
                    clientRun(peer, peer.stackAddress6(), samples));
            }
        }
    }

    /**
     * Runs the client in the peer's namespace; returns its figures in microseconds, formatted as a row, and, when
     * the echo is in this JVM, the wakeups (voluntary context switches, {@link ThreadSwitches}) of this JVM's
     * threads and of its pollers per round trip, the warm-up's included.
     */
    private static String client(final KernelPeer peer, final String address, final int count)
    {
        return client(peer, address, count, WARMUP);
    }

    /** As {@link #client(KernelPeer, String, int)}, after {@code warmup} round trips. */
    private static String client(final KernelPeer peer, final String address, final int count, final int warmup)
    {
        final ThreadSwitches before = ThreadSwitches.sample(ThreadSwitches.POLLERS);
        final ThreadSchedule echoBefore = ThreadSchedule.sample(ECHO_THREAD);
        final ThreadSchedule pollersBefore = ThreadSchedule.sample(ThreadSwitches.POLLERS);
        final String row = clientRun(peer, address, count, warmup);
        final ThreadSchedule echo = ThreadSchedule.sample(ECHO_THREAD).since(echoBefore);
        final ThreadSchedule pollers = ThreadSchedule.sample(ThreadSwitches.POLLERS).since(pollersBefore);
        final ThreadSwitches during = ThreadSwitches.sample(ThreadSwitches.POLLERS).since(before);
        final double trips = warmup + count;
        final int cut = row.indexOf('\n');
        return row.substring(0, cut) + String.format(Locale.ROOT, "  %5.2f (%4.2f)", during.voluntary / trips,
            during.voluntaryOfPrefix / trips) + row.substring(cut)
            + (echo.threads > 0 ? schedule(" echo thread", echo, trips) : "")
            + schedule(" pollers", pollers, trips);
    }

    /** A thread group's schedule per round trip, for the row's second line. */
    private static String schedule(final String who, final ThreadSchedule s, final double trips)
    {
        return String.format(Locale.ROOT, ";%s %.1f / %.1f / %.2f / %.2f", who, s.runNanos / 1e3 / trips,
            s.waitNanos / 1e3 / trips, s.voluntary / trips, s.preempted / trips);
    }

    /**
     * The client's figures as a row, then, on a second line, its schedule per timed round trip: CPU µs, run-queue
     * wait µs, voluntary switches, preemptions (the echo's threads are added to that line by {@link #client}).
     */
    private static String clientRun(final KernelPeer peer, final String address, final int count)
    {
        return clientRun(peer, address, count, WARMUP);
    }

    /** As {@link #clientRun(KernelPeer, String, int)}, after {@code warmup} round trips. */
    private static String clientRun(final KernelPeer peer, final String address, final int count, final int warmup)
    {
        final CommandResult result = peer.exec(RUN_TIMEOUT, tool.toString(), "client", address,
            Integer.toString(PORT), Integer.toString(SIZE), Integer.toString(count), Integer.toString(warmup),
            Integer.toString(GAP_MICROS)).orThrow();
        final Map<String, Long> values = fields(result, "rtt_ns ");
        assertEquals(count, values.get("n").intValue());
        final Map<String, Long> sched = fields(result, "sched ");
        return String.format(Locale.ROOT, "%8.1f %8.1f %8.1f %8.1f %8.1f %9.1f  (n=%d)", values.get("min") / 1e3,
            values.get("p50") / 1e3, values.get("p90") / 1e3, values.get("p99") / 1e3, values.get("p999") / 1e3,
            values.get("max") / 1e3, count)
            + String.format(Locale.ROOT, "%n      per round trip, us CPU / us run-queue wait / wakeups / preemptions:"
                + " client %.1f / %.1f / %.2f / %.2f", sched.get("run_ns") / 1e3 / count,
                sched.get("wait_ns") / 1e3 / count, (double)sched.get("nvcsw") / count,
                (double)sched.get("nivcsw") / count);
    }

    /** The numbers of the client's line that starts with {@code prefix} ("name=value" fields). */
    private static Map<String, Long> fields(final CommandResult result, final String prefix)
    {
        final String line = result.stdout().lines().filter(l -> l.startsWith(prefix)).findFirst()
            .orElseThrow(() -> new AssertionError("no " + prefix.trim() + " figures: " + result.describe()));
        final Map<String, Long> values = new LinkedHashMap<>();
        for (final String field : line.substring(prefix.length()).split(" "))
        {
            final String[] kv = field.split("=");
            values.put(kv[0], (long)Double.parseDouble(kv[1]));
        }
        return values;
    }

    /**
     * Runs the client against an unmodified blocking DatagramChannel echo on a provider whose stack is on the
     * peer's veth, with a configuration profile; returns the client's row.
     *
     * @param ipv6 whether the stack also has the peer's {@code stackAddress6}/64 (a peer made with IPv6) and the
     *             echo is bound to it and the client sends to it
     */
    private static String providerEcho(final KernelPeer peer, final String profile, final int count,
        final boolean ipv6) throws Exception
    {
        final BypassSelectorProvider provider = new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            p.setProperty("interface.veth.driver", "afpacket");
            p.setProperty("interface.veth.host-if", peer.stackInterface());
            p.setProperty("interface.veth.address", Ipv4Address.toString(peer.stackAddress()) + "/"
                + peer.prefixLength());
            if (ipv6)
            {
                p.setProperty("interface.veth.address6", peer.stackAddress6() + "/64");
            }
            final String[] keys = profile.split("/");
            p.setProperty("profile", keys[0]);
            for (int i = 1; i < keys.length; i++)
            {
                final String[] kv = keys[i].split("=", 2);
                p.setProperty(kv[0].trim(), kv[1].trim());
            }
            final String busyWait = System.getProperty("jbypass.bench.busy-wait-ns");
            if (busyWait != null)
            {
                p.setProperty("poller.busy-wait-ns", busyWait);
            }
            return ConfigParser.parse(null, p);
        }, new Drivers());
        final String address = ipv6 ? peer.stackAddress6() : Ipv4Address.toString(peer.stackAddress());
        if (ipv6)
        {
            awaitAddress6(provider, peer.stackAddress6());
        }
        try (DatagramChannel channel = provider.openDatagramChannel())
        {
            channel.bind(new InetSocketAddress(InetAddress.getByName(address), PORT));
            final Thread echo = new Thread(() ->
            {
                final ByteBuffer buffer = ByteBuffer.allocateDirect(65536);
                try
                {
                    while (true)
                    {
                        echoSome(channel, buffer);
                    }
                }
                catch (final AsynchronousCloseException e)
                {
                    // The run is over.
                }
                catch (final IOException e)
                {
                    throw new java.io.UncheckedIOException(e);
                }
            }, ECHO_THREAD + keys0(profile));
            echo.start();
            try
            {
                return client(peer, address, count);
            }
            finally
            {
                channel.close();
                echo.join();
            }
        }
        finally
        {
            provider.shutdown();
        }
    }

    /** How many datagrams {@link #echoSome} answers per call. */
    private static final int ECHOES_PER_CALL = 16;

    /**
     * A few datagrams answered ({@link #echoOnce}): the echo thread's endless loop calls this, so that the loop
     * itself, which the JIT compiles only by on-stack replacement after tens of thousands of iterations (more than
     * the warm-up and the timed round trips of a run), runs once per {@value #ECHOES_PER_CALL} datagrams in the
     * interpreter rather than once per datagram, while this method, called often enough, is compiled within the
     * warm-up. Each interpreted iteration was 5% of the echo thread's CPU samples outside the kernel
     * (async-profiler, docs/PERFORMANCE.md (a, fifth round)): a cost of the harness, which a long-running server,
     * whose loop is compiled, does not pay.
     */
    private static void echoSome(final DatagramChannel channel, final ByteBuffer buffer) throws IOException
    {
        for (int i = 0; i < ECHOES_PER_CALL; i++)
        {
            echoOnce(channel, buffer);
        }
    }

    /**
     * One datagram received and sent back: a method of its own, so that the JIT compiles it within the warm-up as
     * it compiles the stack's path. A loop around it in one method would run in the interpreter until on-stack
     * replacement, and the interpreted loop was 8% of the echo thread's CPU samples outside the kernel (perf,
     * docs/PERFORMANCE.md (a)).
     */
    private static void echoOnce(final DatagramChannel channel, final ByteBuffer buffer) throws IOException
    {
        buffer.clear();
        final java.net.SocketAddress from = channel.receive(buffer);
        buffer.flip();
        channel.send(buffer, from);
    }

    /**
     * Waits (bounded, on the stack's own timers) until duplicate address detection has passed for the stack's IPv6
     * address: RFC 4862 section 5.4, a tentative address is not used, and the client's first datagram would be lost.
     */
    private static void awaitAddress6(final BypassSelectorProvider provider, final String text) throws IOException
    {
        final long[] a = Ipv6Address.parse(text);
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (provider.context().engine().withLock(stack -> stack.ipv6().addressState(a[0], a[1])) != 2)
        {
            assertTrue(System.nanoTime() - deadline < 0, "DAD never finished for " + text);
            LockSupport.parkNanos(10_000_000L);
        }
    }

    /** The profile's name, without the keys a row adds to it. */
    private static String keys0(final String profile)
    {
        return profile.split("/")[0];
    }

    /** A UDP echo on the stack's port 7, answered from the poller's thread after each poll. */
    private static Consumer<Stack> echoServer(final KernelPeerStack stack)
    {
        final UdpSocket socket = stack.call(Stack::openUdp);
        final int bound = stack.call(s -> socket.bind(0, PORT));
        assertEquals(0, bound);
        final ByteBuffer buffer = ByteBuffer.allocateDirect(65536);
        final Consumer<Stack> echo = s ->
        {
            int n;
            while ((n = socket.receive(buffer.clear())) >= 0)
            {
                buffer.flip();
                final int sent = socket.send(buffer, socket.lastSourceAddress(), socket.lastSourcePort());
                if (sent < 0)
                {
                    throw new IllegalStateException("echo send failed: " + Errno.name(-sent));
                }
            }
        };
        stack.onPoll(echo);
        return echo;
    }

    private static String loadAverage()
    {
        try
        {
            final String[] fields = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        }
        catch (final IOException e)
        {
            return "unknown";
        }
    }
}
