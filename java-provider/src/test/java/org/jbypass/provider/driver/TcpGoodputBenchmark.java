package org.jbypass.provider.driver;

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
import org.jbypass.provider.testing.BackgroundCommand;
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
 * {@code -Djbypass.benchmark.rows=loss-out,loss-in} runs some rows only (iperf3, out, in, loss-out, loss-in);
 * {@code -Djbypass.benchmark.pcap=DIR} captures the kernel's side of each stack row (headers only).
 *
 * <p>The loss rows put an {@link ImpairedLink} on the stack's link that drops 2% of frames each way (tc netem does not
 * work on the test machines, so there is no kernel-to-kernel figure with loss).
 *
 * <p>Each stack figure is one direction at a time: {@code bytes} from one side to the other through one connection,
 * timed by the kernel-side program from the connection's start to the end of both streams (the other stream is
 * empty), so the figure is application bytes per second as the kernel saw them. The stack is driven by the test's
 * thread, busy-polling. iperf3's figure is its receiver's bits per second over {@code seconds}.
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
        if (row("iperf3"))
        {
            rows.add(String.format("%-44s %12.0f", "kernel -> kernel, iperf3", iperf3()));
        }
        if (row("out"))
        {
            rows.add(String.format("%-44s %12.0f", "stack -> kernel", stack(false, true, UnaryOperator.identity())));
        }
        if (row("in"))
        {
            rows.add(String.format("%-44s %12.0f", "kernel -> stack", stack(true, false, UnaryOperator.identity())));
        }
        // 2% loss each way on the stack's link (tc netem is not available; the decorator is the stack's own).
        final UnaryOperator<Link> loss = link -> new ImpairedLink(link, ImpairedLink.config().loss(0.02).seed(2));
        if (row("loss-out"))
        {
            rows.add(String.format("%-44s %12.0f", "stack -> kernel, 2% loss each way", stack(false, true, loss)));
        }
        if (row("loss-in"))
        {
            rows.add(String.format("%-44s %12.0f", "kernel -> stack, 2% loss each way", stack(true, false, loss)));
        }
        System.out.println(String.join("\n", rows));
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
     * Whether to run a row: {@code -Djbypass.benchmark.rows=loss-out,loss-in} picks some of iperf3, out, in,
     * loss-out, loss-in (all by default).
     */
    private static boolean row(final String name)
    {
        final String rows = System.getProperty("jbypass.benchmark.rows", "");
        return rows.isEmpty() || java.util.Arrays.asList(rows.split(",")).contains(name);
    }

    /** One direction through the stack: the stack sends {@link #BYTES} (stackSends) or receives them. */
    private static double stack(final boolean stackIsServer, final boolean stackSends,
        final UnaryOperator<Link> decorate) throws InterruptedException
    {
        try (KernelPeer peer = KernelPeer.create();
             StackOverVeth side = new StackOverVeth(peer, TCP, decorate);
             BackgroundCommand capture = capture(peer, (stackSends ? "out" : "in")))
        {
            final StackOverVeth.Transfer t = side.transfer(stackIsServer, 5301, stackSends ? BYTES : 0,
                stackSends ? 0 : BYTES, Duration.ofMinutes(10));
            final org.jbypass.netstack.link.LinkCounters link = side.link.counters();
            System.out.println((stackSends ? "stack -> kernel " : "kernel -> stack ") + t.socket.info() + "\n"
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

    /**
     * iperf3 between two kernels in two namespaces joined by a veth pair configured like a {@link KernelPeer}'s:
     * offloads off, MTU 1500.
     */
    private static double iperf3() throws Exception
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
        finally
        {
            Host.run("ip", "netns", "del", nsA);
            Host.run("ip", "netns", "del", nsB);
        }
    }
}
