package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.virtual.ImpairedLink;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.testing.ByteStream;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.CommandResult;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.StackOverVeth;
import org.jbypass.provider.testing.VethPair;
import org.junit.jupiter.api.Test;

/**
 * Goodput of the stack's TCP against the kernel's over a veth pair, beside kernel-to-kernel iperf3 over the same
 * kind of veth pair (offloads off on both ends, MTU 1500), measured in the same run. A benchmark, not a test: it
 * runs only with {@code -Djbypass.benchmark=true} (and root), and prints a table.
 *
 * <pre>
 *   mvn -pl netstack,java-provider -am test -Dtest=TcpGoodputBenchmark -Djbypass.benchmark=true \
 *       -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * {@code -Djbypass.benchmark.rows=loss-out,loss-in} runs some rows only (iperf3, iperf3-4, java, out, in, java4,
 * out4, in4, java6, out6, in6, sendmmsg-out, sendmmsg-in, loss-out, loss-in, loss-stack, loss-kernel, loss-in-cubic);
 * {@code -Djbypass.benchmark.pcap=DIR} captures the kernel's side of each stack row (headers only);
 * {@code -Djbypass.benchmark.warmup=BYTES} (1.5 GiB by default, 0 for none) moves that much through the stack each
 * way, untimed, before its rows, so that they measure C2's code ({@link #WARMUP_BYTES} says why).
 *
 * <p>The loss rows put an {@link ImpairedLink} on the stack's link that drops 2% of frames each way (tc netem does not
 * work on the test machines, so there is no kernel-to-kernel figure with loss).
 *
 * <p>Each stack figure is one direction at a time: {@code bytes} from one side to the other through one connection,
 * timed by the kernel-side program from the connection's start to the end of both streams (the other stream is
 * empty), so the figure is application bytes per second as the kernel saw them. The stack is driven by the test's
 * thread, busy-polling. iperf3's figure is its receiver's bits per second over {@code seconds}. iperf3 sends one
 * buffer over and over; the stack's rows make and hash every byte on both ends, so the row "kernel -> kernel, the
 * same Java programs" runs the stack rows' kernel-side program ({@link org.jbypass.provider.testing.KernelTcpPeer}) on both ends of a kernel veth
 * pair: the figure to hold the stack's rows against.
 *
 * <p>The rows java6, out6 and in6 are java, out and in over IPv6 (RFC 8200; issue 15 asks IPv6 to cost what IPv4
 * costs): the same programs and checks on the same kind of veth pair, the kernel end at 2001:db8:X::1/64 and the
 * stack at 2001:db8:X::2/64 (as {@code interface.NAME.address6} would give it), or the two kernels of the pair of
 * namespaces at 2001:db8:fe::1 and ::2, so that each IPv6 figure stands beside its IPv4 row of the same run.
 */
class TcpGoodputBenchmark
{
    private static final long BYTES = Long.getLong("jbypass.benchmark.bytes", 400L << 20);
    private static final int SECONDS = Integer.getInteger("jbypass.benchmark.seconds", 10);
    /**
     * Bytes each way moved through the stack, untimed, before its rows ({@code -Djbypass.benchmark.warmup}, 0 for
     * none). The JIT counts invocations, and with super-frames the stack's per-segment code runs some 20 times per
     * MB: its TCP input reached C2 only after about 1 GB, so a 200 MB row measured C1's profiled code while C2 was
     * compiling (docs/PERFORMANCE.md, f). The kernel-side programs' code is a read or write loop, compiled at once.
     */
    private static final long WARMUP_BYTES = Long.getLong("jbypass.benchmark.warmup", 1536L << 20);
    /**
     * {@code -Djbypass.benchmark.offloads=default} runs every row on veth pairs with the offloads Linux sets up
     * (TSO, GSO, GRO, checksum offload: the kernel sends and receives 64 KB super-frames); {@code off} (the
     * default) turns them off on both ends, as before super-frames.
     */
    private static final boolean OFFLOADS_OFF = !"default".equals(System.getProperty("jbypass.benchmark.offloads",
        "off"));
    /** The stack's socket buffers; the default configuration's unless set. */
    private static final int BUFFER = Integer.getInteger("jbypass.benchmark.buffer",
        TcpConfig.defaults().sendBufferSize());
    /** The stack's minimum RTO in milliseconds; the default configuration's (Linux's 200 ms) unless set. */
    private static final long MIN_RTO_MILLIS = Long.getLong("jbypass.benchmark.minRtoMillis",
        TcpConfig.defaults().minRto().toMillis());
    private static final TcpConfig TCP = TcpConfig.builder().sendBufferSize(BUFFER).receiveBufferSize(BUFFER)
        .minRto(Duration.ofMillis(MIN_RTO_MILLIS)).build();

    @Test
    void measureGoodputAgainstTheKernel() throws Exception
    {
        assumeTrue(Boolean.getBoolean("jbypass.benchmark"), "a benchmark: run with -Djbypass.benchmark=true");
        KernelPeer.assumeAvailable();
        final List<String> rows = new ArrayList<>();
        rows.add(String.format("%-44s %12s", "path (veth, MTU 1500, offloads " + (OFFLOADS_OFF ? "off)" : "on)"),
            "Mbit/s"));
        rows.add("stack socket buffers: " + BUFFER + " bytes, minimum RTO " + MIN_RTO_MILLIS
            + " ms; the stack's congestion control: "
            + TCP.congestionControl().name().toLowerCase(java.util.Locale.ROOT) + ", the kernel's: "
            + Host.run("sysctl", "-n", "net.ipv4.tcp_congestion_control").stdout().trim() + " unless named");
        warmUp();
        if (row("iperf3"))
        {
            rows.add(String.format("%-44s %12.0f", "kernel -> kernel, iperf3", iperf3(1)));
        }
        if (row("iperf3-4"))
        {
            rows.add(String.format("%-44s %12.0f", "kernel -> kernel, iperf3, 4 connections", iperf3(4)));
        }
        if (row("java"))
        {
            rows.add(String.format("%-44s %12.0f", "kernel -> kernel, the same Java programs", kernelJava(1)));
        }
        if (row("out"))
        {
            rows.add(String.format("%-44s %12.0f", "stack -> kernel",
                stack(false, true, UnaryOperator.identity(), null)));
        }
        if (row("in"))
        {
            rows.add(String.format("%-44s %12.0f", "kernel -> stack",
                stack(true, false, UnaryOperator.identity(), null)));
        }
        // The same three over IPv6, beside the IPv4 rows of this run.
        if (row("java6"))
        {
            rows.add(String.format("%-44s %12.0f", "IPv6 kernel -> kernel, the same Java programs",
                kernelJava(1, true)));
        }
        if (row("out6"))
        {
            rows.add(String.format("%-44s %12.0f", "IPv6 stack -> kernel",
                stack(false, true, UnaryOperator.identity(), null, true, 1, true)));
        }
        if (row("in6"))
        {
            rows.add(String.format("%-44s %12.0f", "IPv6 kernel -> stack",
                stack(true, false, UnaryOperator.identity(), null, true, 1, true)));
        }
        // Four connections at once, each moving BYTES: the stack's rows beside the kernel's with the same programs.
        if (row("java4"))
        {
            rows.add(String.format("%-44s %12.0f", "kernel -> kernel, the same programs, 4 conn.",
                kernelJava(4)));
        }
        if (row("out4"))
        {
            rows.add(String.format("%-44s %12.0f", "stack -> kernel, 4 connections",
                stack(false, true, UnaryOperator.identity(), null, true, 4)));
        }
        if (row("in4"))
        {
            rows.add(String.format("%-44s %12.0f", "kernel -> stack, 4 connections",
                stack(true, false, UnaryOperator.identity(), null, true, 4)));
        }
        // The afpacket driver's other transmit path (tx-ring = false), for comparison in the same run.
        if (row("sendmmsg-out"))
        {
            rows.add(String.format("%-44s %12.0f", "stack -> kernel, sendmmsg",
                stack(false, true, UnaryOperator.identity(), null, false)));
        }
        if (row("sendmmsg-in"))
        {
            rows.add(String.format("%-44s %12.0f", "kernel -> stack, sendmmsg",
                stack(true, false, UnaryOperator.identity(), null, false)));
        }
        // 2% loss each way on the stack's link (tc netem is not available; the decorator is the stack's own).
        final UnaryOperator<Link> loss = link -> new ImpairedLink(link, ImpairedLink.config().loss(0.02).seed(2));
        if (row("loss-out"))
        {
            rows.add(String.format("%-44s %12.0f", "stack -> kernel, 2% loss each way",
                stack(false, true, loss, null)));
        }
        if (row("loss-in"))
        {
            rows.add(String.format("%-44s %12.0f", "kernel -> stack, 2% loss each way",
                stack(true, false, loss, null)));
        }
        if (row("loss-stack"))
        {
            // The same sender and loss as "stack -> kernel", but the stack's receiver, which ACKs as soon as it is
            // polled where the kernel's defers ACKs while its reading thread is starved of CPU.
            rows.add(String.format("%-44s %12.0f", "stack -> stack, 2% loss each way", stackToStack(loss)));
        }
        if (row("loss-kernel"))
        {
            // The kernel's CUBIC sender to the same kernel receiver as "stack -> kernel", through the same
            // impairment: frames cross between two kernels through a bridge of this process's with an ImpairedLink
            // on the sender's side (tc netem being unavailable).
            rows.add(String.format("%-44s %12.0f", "kernel (cubic) -> kernel, 2% loss each way",
                kernelToKernel(loss, "cubic")));
        }
        if (row("loss-in-cubic"))
        {
            // The same with the kernel's sender on CUBIC, the stack's algorithm: the default on some machines is
            // BBR, which does not take random loss for congestion, so the row above compares algorithms, not loss
            // recovery.
            rows.add(String.format("%-44s %12.0f", "kernel (cubic) -> stack, 2% loss each way",
                stack(true, false, loss, "cubic")));
        }
        System.out.println(String.join("\n", rows));
    }

    /**
     * One stack sends {@link #BYTES} to another over a veth pair, both polled by this thread (two busy-polling
     * threads would leave the kernel's veth no CPU on a two-core machine); {@code decorate} wraps the sender's link.
     */
    private static double stackToStack(final UnaryOperator<Link> decorate)
    {
        Host.assumeNetworkAdmin();
        final int senderAddress = Ipv4Address.parse("198.19.253.1");
        final int receiverAddress = Ipv4Address.parse("198.19.253.2");
        try (VethPair veth = VethPair.create(1500);
             Stack sender = new Stack(StackConfig.builder().tcp(TCP).seed(1).build(), System.nanoTime());
             Stack receiver = new Stack(StackConfig.builder().tcp(TCP).seed(2).build(), System.nanoTime()))
        {
            sender.addInterface(veth.a(), decorate.apply(AfPacketLink.open(AfPacketOptions.of(veth.a()),
                sender.pool())), senderAddress, 24, 0);
            receiver.addInterface(veth.b(), AfPacketLink.open(AfPacketOptions.of(veth.b()), receiver.pool()),
                receiverAddress, 24, 0);
            final TcpSocket listener = receiver.openTcp();
            assertTrue(listener.bind(0, 5302) == 0 && listener.listen(1) == 0, "listen");
            final TcpSocket client = sender.openTcp();
            final long start = System.nanoTime();
            client.connect(receiverAddress, 5302);
            sender.flush();
            final long deadline = start + Duration.ofMinutes(10).toNanos();
            TcpSocket server = null;
            ByteStream stream = null;
            while (stream == null || !stream.done())
            {
                final long now = System.nanoTime();
                assertTrue(now - deadline < 0, () -> "timed out\n" + sender.tcpCounters());
                sender.poll(now);
                receiver.poll(now);
                if (server == null && (server = listener.accept()) != null)
                {
                    stream = new ByteStream("stack -> stack", client, server, BYTES, 7);
                }
                if (stream != null && stream.pump())
                {
                    sender.flush();
                    receiver.flush();
                }
                assertTrue(stream == null || !stream.failed(), () -> "failed\n" + sender.tcpCounters());
            }
            final long nanos = System.nanoTime() - start;
            System.out.println("stack -> stack " + client.info() + "\n" + sender.tcpCounters() + "\nreceiver "
                + receiver.tcpCounters());
            return BYTES * 8_000.0 / nanos;
        }
    }

    /**
     * One kernel sends {@link #BYTES} to another with {@code KernelTcpPeer}, the frames forwarded between their veth
     * pairs by this thread; {@code decorate} wraps the sender's side of the bridge.
     */
    private static double kernelToKernel(final UnaryOperator<Link> decorate, final String senderCc)
        throws InterruptedException
    {
        try (KernelPeer a = newPeer();
             KernelPeer b = newPeer())
        {
            useCongestionControl(a, senderCc);
            a.execOrThrow("ip", "route", "add", Ipv4Address.toString(b.kernelAddress()) + "/32", "dev",
                a.kernelInterface());
            b.execOrThrow("ip", "route", "add", Ipv4Address.toString(a.kernelAddress()) + "/32", "dev",
                b.kernelInterface());
            final PacketPool pool = new PacketPool(8192, 2048);
            final Link left = decorate.apply(AfPacketLink.open(AfPacketOptions.of(a.stackInterface()), pool));
            final Link right = AfPacketLink.open(AfPacketOptions.of(b.stackInterface()), pool);
            try (BackgroundCommand receiver = b.start(StackOverVeth.javaCommand("listen", "5303", "0", "1")))
            {
                assertTrue(receiver.awaitOutput("LISTENING", Duration.ofSeconds(30)), receiver.stderr());
                final BackgroundCommand sender = a.start(StackOverVeth.javaCommand("connect",
                    Ipv4Address.toString(b.kernelAddress()), "5303", Long.toString(BYTES), "2"));
                final PacketBurst rx = new PacketBurst(64);
                final PacketBurst tx = new PacketBurst(64);
                final long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (sender.isAlive() || receiver.isAlive())
                {
                    assertTrue(System.nanoTime() - deadline < 0, "timed out");
                    forward(left, right, pool, rx, tx);
                    forward(right, left, pool, rx, tx);
                }
                rx.releaseAll(pool);
                assertEquals(0, sender.waitFor(Duration.ofSeconds(5)), sender.stdout() + sender.stderr());
                System.out.println("kernel -> kernel: " + a.exec("nstat", "-az", "TcpRetransSegs",
                    "TcpExtTCPTimeouts", "TcpExtTCPLossProbes", "TcpExtTCPSackRecovery").stdout().replace('\n', ' '));
                for (final String line : sender.stdout().split("\n"))
                {
                    if (line.startsWith("NANOS "))
                    {
                        return BYTES * 8_000.0 / Long.parseLong(line.substring(6).trim());
                    }
                }
                throw new AssertionError("no timing: " + sender.stdout());
            }
            finally
            {
                left.close();
                right.close();
            }
        }
    }

    /** Moves what {@code from} received to {@code to}; frames it does not take are dropped. */
    private static void forward(final Link from, final Link to, final PacketPool pool, final PacketBurst rx,
        final PacketBurst tx)
    {
        rx.arm(pool);
        final int n = from.receive(0, rx);
        for (int i = 0; i < n; i++)
        {
            tx.add(rx.buffer(i), rx.length(i), 0);
            rx.buffer(i, PacketPool.NO_BUFFER);
        }
        rx.count(0);
        if (tx.count() > 0)
        {
            to.transmit(0, tx);
            tx.releaseFrames(pool);
        }
    }

    /**
     * With {@code -Djbypass.benchmark.pcap=DIR}, a tcpdump of the kernel's side of the veth (headers only), for
     * finding out why a connection stalls; null otherwise.
     */
    private static BackgroundCommand capture(final KernelPeer peer, final String name) throws InterruptedException
    {
        final String dir = System.getProperty("jbypass.benchmark.pcap", "");
        if (dir.isEmpty())
        {
            return null;
        }
        final BackgroundCommand tcpdump = peer.start("tcpdump", "-i", peer.kernelInterface(), "-s", "96", "-w",
            dir + "/" + name + "-" + System.nanoTime() + ".pcap", "tcp");
        tcpdump.awaitOutput("listening", Duration.ofSeconds(5));
        return tcpdump;
    }

    /**
     * Makes {@code name} the congestion control of the peer's namespace. A namespace other than the first may only
     * choose algorithms the host allows (net.ipv4.tcp_allowed_congestion_control), so the host's list is extended
     * for a moment if needed and put back as it was.
     */
    private static void useCongestionControl(final KernelPeer peer, final String name)
    {
        final String key = "net.ipv4.tcp_allowed_congestion_control";
        final String allowed = Host.run("sysctl", "-n", key).orThrow().stdout().trim();
        final boolean extend = !java.util.Arrays.asList(allowed.split(" ")).contains(name);
        try
        {
            if (extend)
            {
                Host.run("sysctl", "-q", "-w", key + "=" + allowed + " " + name).orThrow();
            }
            peer.execOrThrow("sysctl", "-q", "-w", "net.ipv4.tcp_congestion_control=" + name);
        }
        finally
        {
            if (extend)
            {
                Host.run("sysctl", "-q", "-w", key + "=" + allowed);
            }
        }
    }

    /**
     * Moves {@link #WARMUP_BYTES} through the stack in each direction that a chosen row measures, untimed, so that
     * the rows measure the stack's code as C2 compiled it.
     */
    private static void warmUp() throws InterruptedException
    {
        if (WARMUP_BYTES <= 0)
        {
            return;
        }
        for (final boolean stackSends : new boolean[] {true, false})
        {
            final String direction = stackSends ? "out" : "in";
            boolean wanted = false;
            for (final String name : new String[] {"", "4", "6", "sendmmsg-", "loss-"})
            {
                wanted |= row(name.endsWith("-") ? name + direction : direction + name);
            }
            if (!wanted)
            {
                continue;
            }
            try (KernelPeer peer = newPeer();
                 StackOverVeth side = new StackOverVeth(peer, TCP, UnaryOperator.identity()))
            {
                side.transfer(true, 5399, 1, stackSends ? WARMUP_BYTES : 0, stackSends ? 0 : WARMUP_BYTES,
                    Duration.ofMinutes(10));
            }
        }
    }

    /**
     * Whether to run a row: {@code -Djbypass.benchmark.rows=loss-out,loss-in} picks some of iperf3, iperf3-4, java,
     * out, in, java4, out4, in4, java6, out6, in6, sendmmsg-out, sendmmsg-in, loss-out, loss-in, loss-stack,
     * loss-kernel, loss-in-cubic (all by default).
     */
    private static boolean row(final String name)
    {
        final String rows = System.getProperty("jbypass.benchmark.rows", "");
        return rows.isEmpty() || java.util.Arrays.asList(rows.split(",")).contains(name);
    }

    /**
     * One direction through the stack: the stack sends {@link #BYTES} (stackSends) or receives them; the kernel's
     * side uses congestion control {@code kernelCc}, or its namespace's default when null.
     */
    private static double stack(final boolean stackIsServer, final boolean stackSends,
        final UnaryOperator<Link> decorate, final String kernelCc) throws InterruptedException
    {
        return stack(stackIsServer, stackSends, decorate, kernelCc, true);
    }

    /** @param txRing whether the afpacket link sends through its TX ring (the default) or with sendmmsg */
    private static double stack(final boolean stackIsServer, final boolean stackSends,
        final UnaryOperator<Link> decorate, final String kernelCc, final boolean txRing) throws InterruptedException
    {
        return stack(stackIsServer, stackSends, decorate, kernelCc, txRing, 1);
    }

    /** @param connections how many connections at once, each moving {@link #BYTES}; the figure is all of them */
    private static double stack(final boolean stackIsServer, final boolean stackSends,
        final UnaryOperator<Link> decorate, final String kernelCc, final boolean txRing, final int connections)
        throws InterruptedException
    {
        return stack(stackIsServer, stackSends, decorate, kernelCc, txRing, connections, false);
    }

    /**
     * @param ipv6 whether the connections run over IPv6: the peer's kernel end at 2001:db8:X::1/64, the stack at
     *             2001:db8:X::2/64 ({@link StackOverVeth}), the stack's listener a dual-stack one on [::]
     */
    private static double stack(final boolean stackIsServer, final boolean stackSends,
        final UnaryOperator<Link> decorate, final String kernelCc, final boolean txRing, final int connections,
        final boolean ipv6) throws InterruptedException
    {
        try (KernelPeer peer = ipv6 ? KernelPeer.createWithIpv6(OFFLOADS_OFF) : newPeer();
             StackOverVeth side = new StackOverVeth(peer, TCP, decorate,
                 AfPacketOptions.builder(peer.stackInterface()).txRing(txRing).build(), ipv6);
             BackgroundCommand capture = capture(peer, (stackSends ? "out" : "in")))
        {
            if (kernelCc != null)
            {
                useCongestionControl(peer, kernelCc);
            }
            final StackOverVeth.Transfer t = side.transfer(stackIsServer, 5301, connections, stackSends ? BYTES : 0,
                stackSends ? 0 : BYTES, Duration.ofMinutes(10));
            final org.jbypass.netstack.link.LinkCounters link = side.link.counters();
            System.out.println((ipv6 ? "IPv6 " : "") + (stackSends ? "stack -> kernel " : "kernel -> stack ")
                + connections + " connection(s), "
                + t.socket.info() + "\n"
                + side.stack.tcpCounters() + "\nip out discards " + side.stack.ipCounters().ipOutDiscards
                + ", link tx " + link.txPackets + " dropped " + link.txDropped + ", rx " + link.rxPackets + " dropped "
                + link.rxDropped + "\nkernel: " + peer.exec("nstat", "-az", "TcpExtTCPBacklogDrop", "IpExtInNoRoutes",
                "TcpExtTCPRcvQDrop", "TcpExtTCPOFODrop", "TcpExtTCPSACKReneging", "TcpRetransSegs",
                "TcpExtTCPTimeouts", "TcpExtTCPLossProbes", "TcpExtTCPLossProbeRecovery", "TcpExtTCPSackRecovery",
                "TcpExtTCPLostRetransmit", "TcpExtTCPDSACKUndo", "TcpExtTCPSpuriousRTOs", "TcpExtTCPSACKReorder",
                "TcpExtTCPFullUndo", "TcpExtTCPPartialUndo", "TcpExtTCPLossUndo", "TcpExtTCPSackRecoveryFail")
                .stdout().replace('\n', ' ')
                + " " + peer.exec("sh", "-c", "cat /proc/net/softnet_stat | awk '{print $2}'").stdout()
                    .replace('\n', ' '));
            return t.megabitsPerSecond();
        }
    }

    /** Something run in two namespaces, A at 198.19.254.1 and B at 198.19.254.2, joined by a veth pair. */
    private interface KernelPair
    {
        double run(String nsA, String nsB) throws Exception;
    }

    /**
     * {@link org.jbypass.provider.testing.KernelTcpPeer} on both ends, {@code connections} pairs at once: each A
     * connects and sends {@link #BYTES}, its B listens (port 5302 + i), receives them and times the transfer, as the
     * kernel side of the "stack -> kernel" rows does; all their bytes over the longest timing.
     */
    private static double kernelJava(final int connections) throws Exception
    {
        return kernelJava(connections, false);
    }

    /** As {@link #kernelJava(int)}, over IPv6 when {@code ipv6} (B at 2001:db8:fe::2). */
    private static double kernelJava(final int connections, final boolean ipv6) throws Exception
    {
        return inKernelPair(ipv6, (nsA, nsB) ->
        {
            final long seed = 0x6B65726EL;
            final List<Process> processes = new ArrayList<>();
            try
            {
                final List<java.io.BufferedReader> outputs = new ArrayList<>();
                for (int i = 0; i < connections; i++)
                {
                    final Process listener = new ProcessBuilder(inNamespace(nsB, StackOverVeth.javaCommand("listen",
                        Integer.toString(5302 + i), "0", Long.toString(seed + 2 * i)))).start();
                    processes.add(listener);
                    final java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                        listener.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
                    String line;
                    while ((line = out.readLine()) != null && !line.contains("LISTENING"))
                    {
                        // Wait for the listener before connecting.
                    }
                    outputs.add(out);
                }
                final List<Process> senders = new ArrayList<>();
                for (int i = 0; i < connections; i++)
                {
                    final Process sender = new ProcessBuilder(inNamespace(nsA, StackOverVeth.javaCommand("connect",
                        ipv6 ? "2001:db8:fe::2" : "198.19.254.2", Integer.toString(5302 + i), Long.toString(BYTES),
                        Long.toString(seed + 2 * i + 1)))).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    processes.add(sender);
                    senders.add(sender);
                }
                long longest = 0;
                for (int i = 0; i < connections; i++)
                {
                    final StringBuilder report = new StringBuilder();
                    String line;
                    while ((line = outputs.get(i).readLine()) != null)
                    {
                        report.append(line).append('\n');
                    }
                    assertEquals(0, processes.get(i).waitFor(), report.toString());
                    assertEquals(0, senders.get(i).waitFor(), "sender " + i);
                    final Matcher nanos = Pattern.compile("NANOS ([0-9]+)").matcher(report);
                    assertTrue(nanos.find() && report.toString().contains("RECEIVED ")
                        && report.toString().contains(" " + BYTES + "\n"), report.toString());
                    longest = Math.max(longest, Long.parseLong(nanos.group(1)));
                }
                return connections * BYTES * 8_000.0 / longest;
            }
            finally
            {
                for (final Process process : processes)
                {
                    process.destroy();
                }
            }
        });
    }

    private static String[] inNamespace(final String ns, final String[] command)
    {
        final String[] full = new String[command.length + 4];
        full[0] = Host.tool("ip");
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(command, 0, full, 4, command.length);
        return full;
    }

    /**
     * iperf3 between two kernels in two namespaces joined by a veth pair configured like a {@link KernelPeer}'s:
     * offloads off, MTU 1500.
     */
    /** A kernel peer with the offloads {@link #OFFLOADS_OFF} says. */
    private static KernelPeer newPeer()
    {
        return OFFLOADS_OFF ? KernelPeer.create() : KernelPeer.createWithDefaultOffloads();
    }

    private static double iperf3(final int streams) throws Exception
    {
        return inKernelPair((nsA, nsB) -> iperf3(nsA, nsB, streams));
    }

    /**
     * Runs {@code body} in two fresh namespaces joined by a veth pair configured like a {@link KernelPeer}'s:
     * offloads as {@link #OFFLOADS_OFF} says, MTU 1500; removes them after.
     */
    private static double inKernelPair(final KernelPair body) throws Exception
    {
        return inKernelPair(false, body);
    }

    /**
     * As {@link #inKernelPair(KernelPair)}; when {@code ipv6}, each end also has IPv6 on, without router
     * solicitations, A at 2001:db8:fe::1/64 and B at 2001:db8:fe::2/64 (without DAD, so that they serve at once).
     */
    private static double inKernelPair(final boolean ipv6, final KernelPair body) throws Exception
    {
        final String base = "jbpb" + Long.toHexString(ProcessHandle.current().pid() & 0xFFFFF);
        final String nsA = base + "a";
        final String nsB = base + "b";
        try
        {
            Host.run("ip", "netns", "add", nsA).orThrow();
            Host.run("ip", "netns", "add", nsB).orThrow();
            Host.run("ip", "link", "add", nsA + "v", "netns", nsA, "mtu", "1500", "type", "veth", "peer", "name",
                nsB + "v", "netns", nsB, "mtu", "1500").orThrow();
            final String[][] ends = {{nsA, nsA + "v", "198.19.254.1/24", "2001:db8:fe::1/64"},
                {nsB, nsB + "v", "198.19.254.2/24", "2001:db8:fe::2/64"}};
            for (final String[] end : ends)
            {
                Host.run("ip", "-n", end[0], "addr", "add", end[2], "dev", end[1]).orThrow();
                if (ipv6)
                {
                    Host.run("ip", "netns", "exec", end[0], "sysctl", "-q", "-w",
                        "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf." + end[1] + ".disable_ipv6=0",
                        "net.ipv6.conf." + end[1] + ".accept_ra=0",
                        "net.ipv6.conf." + end[1] + ".router_solicitations=0").orThrow();
                    Host.run("ip", "-n", end[0], "-6", "addr", "add", end[3], "dev", end[1], "nodad").orThrow();
                }
                Host.run("ip", "-n", end[0], "link", "set", end[1], "up").orThrow();
                Host.run("ip", "-n", end[0], "link", "set", "lo", "up").orThrow();
                if (OFFLOADS_OFF)
                {
                    Host.run("ip", "netns", "exec", end[0], "ethtool", "-K", end[1], "rx", "off", "tx", "off", "sg",
                        "off", "tso", "off", "gso", "off", "gro", "off").orThrow();
                }
            }
            return body.run(nsA, nsB);
        }
        finally
        {
            Host.run("ip", "netns", "del", nsA);
            Host.run("ip", "netns", "del", nsB);
        }
    }

    /** iperf3 with {@code streams} connections at once (-P); their sum's receiver figure. */
    private static double iperf3(final String nsA, final String nsB, final int streams) throws Exception
    {
        final Process server = new ProcessBuilder(Host.tool("ip"), "netns", "exec", nsB, Host.tool("iperf3"),
            "-s", "-1", "--forceflush").redirectErrorStream(true).start();
        final java.io.BufferedReader serverOutput = new java.io.BufferedReader(
            new java.io.InputStreamReader(server.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        String line;
        while ((line = serverOutput.readLine()) != null && !line.contains("Server listening"))
        {
            // Wait for the server to be ready before the client connects.
        }
        final CommandResult client = Host.run(Duration.ofSeconds(SECONDS + 30), "ip", "netns", "exec", nsA,
            "iperf3", "-c", "198.19.254.2", "-t", Integer.toString(SECONDS), "-P", Integer.toString(streams), "-f",
            "m").orThrow();
        serverOutput.transferTo(java.io.Writer.nullWriter());
        server.waitFor();
        final Matcher m = Pattern.compile((streams > 1 ? "\\[SUM\\].*? " : "") + "([0-9.]+) Mbits/sec.*receiver")
            .matcher(client.stdout());
        assertTrue(m.find(), client.stdout());
        System.out.println(client.stdout());
        return Double.parseDouble(m.group(1));
    }
}
