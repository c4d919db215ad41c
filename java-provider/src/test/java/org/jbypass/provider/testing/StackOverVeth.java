package org.jbypass.provider.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.UnaryOperator;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.Ipv6Config;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.testing.ByteStream;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.driver.AfPacketLink;
import org.jbypass.provider.driver.AfPacketOptions;

/**
 * A whole stack on the stack end of a {@link KernelPeer}'s veth pair, driven by the test's thread (busy polling
 * with the real clock, as a provider poller would), and the TCP transfers it makes with {@link KernelTcpPeer}
 * programs on the kernel's side.
 */
public final class StackOverVeth implements AutoCloseable
{
    public final KernelPeer peer;
    public final Stack stack;
    public final Link link;
    /** Whether transfers run over IPv6 (the peer's {@code stackAddress6} and {@code kernelAddress6}). */
    private final boolean ipv6;

    /**
     * @param decorate wraps the afpacket link (for instance in an impairment), or returns it as is
     */
    public StackOverVeth(final KernelPeer peer, final TcpConfig tcp, final UnaryOperator<Link> decorate)
    {
        this(peer, tcp, decorate, AfPacketOptions.of(peer.stackInterface()));
    }

    /**
     * @param options the afpacket link's options (on the peer's stack interface)
     */
    public StackOverVeth(final KernelPeer peer, final TcpConfig tcp, final UnaryOperator<Link> decorate,
        final AfPacketOptions options)
    {
        this(peer, tcp, decorate, options, false);
    }

    /**
     * @param ipv6 whether the stack also has the peer's {@code stackAddress6}/64 (a peer made with IPv6, DAD off so
     *             that it serves at once) and transfers run over IPv6
     */
    public StackOverVeth(final KernelPeer peer, final TcpConfig tcp, final UnaryOperator<Link> decorate,
        final AfPacketOptions options, final boolean ipv6)
    {
        this.peer = peer;
        this.ipv6 = ipv6;
        this.stack = new Stack(StackConfig.builder().tcp(tcp).ipv6(Ipv6Config.DEFAULT.withDadTransmits(0)).build(),
            System.nanoTime());
        final AfPacketLink afpacket = AfPacketLink.open(options, stack.pool());
        this.link = decorate.apply(afpacket);
        final NetInterface nif = stack.addInterface(peer.stackInterface(), link, peer.stackAddress(),
            KernelPeer.PREFIX_LENGTH, 0);
        if (ipv6)
        {
            final long[] address = Ipv6Address.parse(peer.stackAddress6());
            stack.addAddress6(nif, address[0], address[1], 64);
        }
    }

    /** Polls the stack once with the real clock. */
    public void poll()
    {
        stack.poll(System.nanoTime());
    }

    /** What a finished transfer measured. */
    public static final class Transfer
    {
        public long stackSentBytes;
        public long stackReceivedBytes;
        public long kernelNanos;
        public long stackNanos;
        public String kernelOutput;
        public TcpSocket socket;

        /** Goodput of the busier direction in Mbit/s, over the kernel's timing. */
        public double megabitsPerSecond()
        {
            return Math.max(stackSentBytes, stackReceivedBytes) * 8_000.0 / kernelNanos;
        }
    }

    /**
     * Runs one transfer: the stack sends {@code stackBytes}, the kernel {@code kernelBytes}, both at once; checks
     * both directions by SHA-256.
     *
     * @param stackIsServer whether the stack listens (the kernel connects) or connects (the kernel listens)
     */
    public Transfer transfer(final boolean stackIsServer, final int port, final long stackBytes,
        final long kernelBytes, final Duration timeout) throws InterruptedException
    {
        return transfer(stackIsServer, port, 1, stackBytes, kernelBytes, timeout);
    }

    /**
     * Runs {@code connections} transfers at once, connection {@code i} on port {@code port + i} with a kernel-side
     * program of its own: on each the stack sends {@code stackBytes} and the kernel {@code kernelBytes}, both at
     * once, each direction checked by SHA-256. The result counts the bytes of all of them over the longest kernel
     * timing (they start together); its socket is the first connection's.
     *
     * @param stackIsServer whether the stack listens (the kernel connects) or connects (the kernel listens)
     */
    public Transfer transfer(final boolean stackIsServer, final int port, final int connections,
        final long stackBytes, final long kernelBytes, final Duration timeout) throws InterruptedException
    {
        final String stackAddress = ipv6 ? peer.stackAddress6() : Ipv4Address.toString(peer.stackAddress());
        final BackgroundCommand[] kernels = new BackgroundCommand[connections];
        final TcpSocket[] listeners = new TcpSocket[connections];
        final TcpSocket[] sockets = new TcpSocket[connections];
        final ByteStream[] streams = new ByteStream[connections];
        try
        {
            for (int i = 0; i < connections; i++)
            {
                final int p = port + i;
                final long kernelSeed = 0x6B65726EL + p;
                if (stackIsServer)
                {
                    // Over IPv6, a dual-stack listener on [::] as the JDK's wildcard bind makes.
                    listeners[i] = ipv6 ? stack.openTcp6(false) : stack.openTcp();
                    assertEquals(0, ipv6 ? listeners[i].bind6(0, 0, p) : listeners[i].bind(0, p), "bind");
                    assertEquals(0, listeners[i].listen(4), "listen");
                    kernels[i] = peer.start(javaCommand("connect", stackAddress, Integer.toString(p),
                        Long.toString(kernelBytes), Long.toString(kernelSeed)));
                }
                else
                {
                    kernels[i] = peer.start(javaCommand("listen", Integer.toString(p), Long.toString(kernelBytes),
                        Long.toString(kernelSeed)));
                }
            }
            if (!stackIsServer)
            {
                for (int i = 0; i < connections; i++)
                {
                    if (!kernels[i].awaitOutput("LISTENING", Duration.ofSeconds(30)))
                    {
                        fail("the kernel side did not start listening: " + kernels[i].stdout() + kernels[i].stderr());
                    }
                    sockets[i] = ipv6 ? stack.openTcp6(false) : stack.openTcp();
                    final long[] kernel6 = ipv6 ? Ipv6Address.parse(peer.kernelAddress6()) : null;
                    assertEquals(-Errno.EINPROGRESS, ipv6 ? sockets[i].connect6(kernel6[0], kernel6[1], port + i)
                        : sockets[i].connect(peer.kernelAddress(), port + i), "connect");
                }
                stack.flush();
            }
            return run(kernels, listeners, sockets, streams, port, stackBytes, kernelBytes, timeout);
        }
        finally
        {
            for (final BackgroundCommand kernel : kernels)
            {
                if (kernel != null)
                {
                    kernel.close();
                }
            }
        }
    }

    /** Drives the stack until every stream is done, then checks each connection against its kernel program. */
    private Transfer run(final BackgroundCommand[] kernels, final TcpSocket[] listeners, final TcpSocket[] sockets,
        final ByteStream[] streams, final int port, final long stackBytes, final long kernelBytes,
        final Duration timeout) throws InterruptedException
    {
        final int connections = kernels.length;
        final long deadline = System.nanoTime() + timeout.toNanos();
        long start = 0;
        int done = 0;
        while (done < connections)
        {
            poll();
            done = 0;
            boolean progress = false;
            for (int i = 0; i < connections; i++)
            {
                if (streams[i] == null)
                {
                    if (listeners[i] != null)
                    {
                        sockets[i] = listeners[i].accept();
                    }
                    else if (sockets[i].finishConnect() != -Errno.EINPROGRESS)
                    {
                        assertEquals(0, sockets[i].finishConnect(), "connected to the kernel");
                    }
                    if (sockets[i] != null && sockets[i].isConnected())
                    {
                        assertEquals(ipv6, sockets[i].isIpv6(), "the connection's family");
                        if (start == 0)
                        {
                            start = System.nanoTime();
                        }
                        streams[i] = new ByteStream("stack#" + i, sockets[i], sockets[i], stackBytes,
                            0x737461636BL + port + i);
                    }
                    else if (!kernels[i].isAlive())
                    {
                        fail("the kernel side ended early: " + kernels[i].stdout() + kernels[i].stderr());
                    }
                }
                if (streams[i] != null)
                {
                    progress |= streams[i].pump();
                    if (streams[i].failed())
                    {
                        fail("transfer failed: " + streams[i] + "\n" + stack.tcpCounters() + "\nkernel: "
                            + kernels[i].stderr());
                    }
                    done += streams[i].done() ? 1 : 0;
                }
            }
            if (progress)
            {
                stack.flush();
            }
            if (System.nanoTime() - deadline > 0)
            {
                fail("transfer timed out: " + java.util.Arrays.toString(streams) + "\n" + stack.tcpCounters() + "\n"
                    + stack.ipCounters() + "\nkernel: " + kernels[0].stdout() + kernels[0].stderr());
            }
        }
        final Transfer result = new Transfer();
        result.stackNanos = System.nanoTime() - start;
        result.socket = sockets[0];
        for (int i = 0; i < connections; i++)
        {
            sockets[i].close();
            if (listeners[i] != null)
            {
                listeners[i].close();
            }
        }
        // Let the closing handshakes run while the kernel sides finish and report.
        final long exitDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (final BackgroundCommand kernel : kernels)
        {
            while (kernel.isAlive() && System.nanoTime() - exitDeadline < 0)
            {
                poll();
            }
        }
        final StringBuilder outputs = new StringBuilder();
        for (int i = 0; i < connections; i++)
        {
            final BackgroundCommand kernel = kernels[i];
            final int exit = kernel.waitFor(Duration.ofSeconds(5));
            outputs.append(kernel.stdout());
            assertEquals(0, exit, "kernel side: " + kernel.stdout() + kernel.stderr());
            final String sent = field(kernel.stdout(), "SENT");
            final String received = field(kernel.stdout(), "RECEIVED");
            assertNotNull(sent, kernel.stdout());
            assertEquals(HexFormat.of().formatHex(streams[i].receivedDigest()), sent.split(" ")[0],
                "SHA-256 of kernel -> stack");
            assertEquals(HexFormat.of().formatHex(streams[i].sentDigest()), received.split(" ")[0],
                "SHA-256 of stack -> kernel");
            assertEquals(stackBytes, Long.parseLong(received.split(" ")[1]), "bytes the kernel received");
            assertEquals(kernelBytes, streams[i].read(), "bytes the stack received");
            result.stackSentBytes += stackBytes;
            result.stackReceivedBytes += streams[i].read();
            final long nanos = Long.parseLong(field(kernel.stdout(), "NANOS"));
            assertTrue(nanos > 0);
            result.kernelNanos = Math.max(result.kernelNanos, nanos);
        }
        result.kernelOutput = outputs.toString();
        return result;
    }

    private static String field(final String output, final String name)
    {
        for (final String line : output.split("\n"))
        {
            if (line.startsWith(name + " "))
            {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    /** The command line that runs {@link KernelTcpPeer} with this JVM, on this module's and netstack's test classes. */
    public static String[] javaCommand(final String... args)
    {
        final String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        final String classpath = location(KernelTcpPeer.class) + File.pathSeparator + location(ByteStream.class);
        final String[] command = new String[5 + args.length];
        command[0] = java;
        command[1] = "-Xmx256m";
        command[2] = "-cp";
        command[3] = classpath;
        command[4] = KernelTcpPeer.class.getName();
        System.arraycopy(args, 0, command, 5, args.length);
        return command;
    }

    private static String location(final Class<?> type)
    {
        try
        {
            return new File(type.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        }
        catch (final URISyntaxException e)
        {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close()
    {
        stack.close();
    }
}
