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

import org.jbypass.netstack.link.ImpairedLink;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.provider.testing.CommandResult;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.StackOverVeth;
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
 * The loss rows put an {@link ImpairedLink} on the stack's link that drops 2% of frames each way (tc netem does not
 * work on the test machines, so there is no kernel-to-kernel figure with loss).
 *
 * <p>Each stack figure is one direction at a time: {@code bytes} from one side to the other through one connection,
 * timed by the kernel-side program from the connection's start to the end of both streams (the other stream is
 * empty), so the figure is application bytes per second as the kernel saw them. The stack is driven by the test's
 * thread, busy-polling. iperf3's figure is its receiver's bits per second over {@code seconds}. iperf3 sends one
 * buffer over and over; the stack's rows make and hash every byte on both ends, so the row "kernel -> kernel, the
 * same Java programs" runs the stack rows' kernel-side program ({@link org.jbypass.provider.testing.KernelTcpPeer}) on both ends of a kernel veth
 * pair: the figure to hold the stack's rows against.
 */
class TcpGoodputBenchmark
{
    private static final long BYTES = Long.getLong("jbypass.benchmark.bytes", 400L << 20);
    private static final int SECONDS = Integer.getInteger("jbypass.benchmark.seconds", 10);
    /** The stack's socket buffers; the default configuration's unless set. */
    private static final int BUFFER = Integer.getInteger("jbypass.benchmark.buffer",
        TcpConfig.defaults().sendBufferSize());
    private static final TcpConfig TCP = TcpConfig.builder().sendBufferSize(BUFFER).receiveBufferSize(BUFFER).build();

    @Test
    void measureGoodputAgainstTheKernel() throws Exception
    {
        assumeTrue(Boolean.getBoolean("jbypass.benchmark"), "a benchmark: run with -Djbypass.benchmark=true");
        KernelPeer.assumeAvailable();
        final List<String> rows = new ArrayList<>();
        rows.add(String.format("%-44s %12s", "path (veth, MTU 1500, offloads off)", "Mbit/s"));
        rows.add("stack socket buffers: " + BUFFER + " bytes");
        rows.add(String.format("%-44s %12.0f", "kernel -> kernel, iperf3", iperf3()));
        rows.add(String.format("%-44s %12.0f", "kernel -> kernel, the same Java programs", kernelJava()));
        rows.add(String.format("%-44s %12.0f", "stack -> kernel", stack(false, true, UnaryOperator.identity())));
        rows.add(String.format("%-44s %12.0f", "kernel -> stack", stack(true, false, UnaryOperator.identity())));
        // The afpacket driver's other transmit path (tx-ring = false), for comparison in the same run.
        rows.add(String.format("%-44s %12.0f", "stack -> kernel, sendmmsg",
            stack(false, true, UnaryOperator.identity(), false)));
        rows.add(String.format("%-44s %12.0f", "kernel -> stack, sendmmsg",
            stack(true, false, UnaryOperator.identity(), false)));
        // 2% loss each way on the stack's link (tc netem is not available; the decorator is the stack's own).
        final UnaryOperator<Link> loss = link -> new ImpairedLink(link, ImpairedLink.config().loss(0.02).seed(2));
        rows.add(String.format("%-44s %12.0f", "stack -> kernel, 2% loss each way", stack(false, true, loss)));
        rows.add(String.format("%-44s %12.0f", "kernel -> stack, 2% loss each way", stack(true, false, loss)));
        System.out.println(String.join("\n", rows));
    }

    /** One direction through the stack: the stack sends {@link #BYTES} (stackSends) or receives them. */
    private static double stack(final boolean stackIsServer, final boolean stackSends,
        final UnaryOperator<Link> decorate) throws InterruptedException
    {
        return stack(stackIsServer, stackSends, decorate, true);
    }

    /** @param txRing whether the afpacket link sends through its TX ring (the default) or with sendmmsg */
    private static double stack(final boolean stackIsServer, final boolean stackSends,
        final UnaryOperator<Link> decorate, final boolean txRing) throws InterruptedException
    {
        try (KernelPeer peer = KernelPeer.create();
             StackOverVeth side = new StackOverVeth(peer, TCP, decorate,
                 AfPacketOptions.builder(peer.stackInterface()).txRing(txRing).build()))
        {
            final StackOverVeth.Transfer t = side.transfer(stackIsServer, 5301, stackSends ? BYTES : 0,
                stackSends ? 0 : BYTES, Duration.ofMinutes(10));
            final org.jbypass.netstack.link.LinkCounters link = side.link.counters();
            System.out.println((stackSends ? "stack -> kernel " : "kernel -> stack ") + t.socket.info() + "\n"
                + side.stack.tcpCounters() + "\nip out discards " + side.stack.ipCounters().ipOutDiscards
                + ", link tx " + link.txPackets + " dropped " + link.txDropped + ", rx " + link.rxPackets + " dropped "
                + link.rxDropped + "\nkernel: " + peer.exec("nstat", "-az", "TcpExtTCPBacklogDrop", "IpExtInNoRoutes",
                "TcpExtTCPRcvQDrop", "TcpExtTCPOFODrop", "TcpExtTCPSACKReneging").stdout().replace('\n', ' ')
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
     * {@link org.jbypass.provider.testing.KernelTcpPeer} on both ends: A connects and sends {@link #BYTES}, B listens, receives them and times
     * the transfer, as the kernel side of the "stack -> kernel" row does.
     */
    private static double kernelJava() throws Exception
    {
        return inKernelPair((nsA, nsB) ->
        {
            final long seed = 0x6B65726EL;
            final Process listener = new ProcessBuilder(inNamespace(nsB,
                StackOverVeth.javaCommand("listen", "5302", "0", Long.toString(seed)))).start();
            try
            {
                final java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                    listener.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
                String line;
                while ((line = out.readLine()) != null && !line.contains("LISTENING"))
                {
                    // Wait for the listener before connecting.
                }
                final CommandResult sender = Host.run(Duration.ofMinutes(10), inNamespace(nsA,
                    StackOverVeth.javaCommand("connect", "198.19.254.2", "5302", Long.toString(BYTES),
                        Long.toString(seed + 1)))).orThrow();
                final StringBuilder report = new StringBuilder();
                while ((line = out.readLine()) != null)
                {
                    report.append(line).append('\n');
                }
                assertEquals(0, listener.waitFor(), report.toString());
                final Matcher nanos = Pattern.compile("NANOS ([0-9]+)").matcher(report);
                assertTrue(nanos.find() && report.toString().contains("RECEIVED ")
                    && report.toString().contains(" " + BYTES + "\n"), report + sender.stdout());
                return BYTES * 8_000.0 / Long.parseLong(nanos.group(1));
            }
            finally
            {
                listener.destroy();
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
    private static double iperf3() throws Exception
    {
        return inKernelPair(TcpGoodputBenchmark::iperf3);
    }

    /**
     * Runs {@code body} in two fresh namespaces joined by a veth pair configured like a {@link KernelPeer}'s:
     * offloads off, MTU 1500; removes them after.
     */
    private static double inKernelPair(final KernelPair body) throws Exception
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
            final String[][] ends = {{nsA, nsA + "v", "198.19.254.1/24"}, {nsB, nsB + "v", "198.19.254.2/24"}};
            for (final String[] end : ends)
            {
                Host.run("ip", "-n", end[0], "addr", "add", end[2], "dev", end[1]).orThrow();
                Host.run("ip", "-n", end[0], "link", "set", end[1], "up").orThrow();
                Host.run("ip", "-n", end[0], "link", "set", "lo", "up").orThrow();
                Host.run("ip", "netns", "exec", end[0], "ethtool", "-K", end[1], "rx", "off", "tx", "off", "sg",
                    "off", "tso", "off", "gso", "off", "gro", "off").orThrow();
            }
            return body.run(nsA, nsB);
        }
        finally
        {
            Host.run("ip", "netns", "del", nsA);
            Host.run("ip", "netns", "del", nsB);
        }
    }

    private static double iperf3(final String nsA, final String nsB) throws Exception
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
            "iperf3", "-c", "198.19.254.2", "-t", Integer.toString(SECONDS), "-f", "m").orThrow();
        serverOutput.transferTo(java.io.Writer.nullWriter());
        server.waitFor();
        final Matcher m = Pattern.compile("([0-9.]+) Mbits/sec.*receiver").matcher(client.stdout());
        assertTrue(m.find(), client.stdout());
        System.out.println(client.stdout());
        return Double.parseDouble(m.group(1));
    }
}
