package org.jbypass.benchmarks.nio;

import java.io.IOException;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.engine.StackEngine;

/**
 * Where the NIO benchmarks' sockets live, chosen by their {@code backend} parameter, and the provider that opens
 * them: the benchmark code calls {@code provider.openSocketChannel()} and the like, which is what
 * {@code SocketChannel.open()} does with the system-wide provider, so the code is the same on both.
 * <ul>
 *   <li>{@value #STACK}: a jbypass provider configured as a user configures one, a properties file named by
 *       {@code -Djbypass.config}, with one {@code memory} interface at {@value #STACK_ADDRESS}/24. Client and
 *       server sockets are both on that address, so every segment and datagram is delivered locally inside the
 *       stack, through the provider's channels, locks, pollers and wakeups. The keys of the file named by
 *       {@code -Djbypass.benchmark.config}, if any, are added (poller idle strategy, buffer sizes...), which is how
 *       one configuration is compared with another.</li>
 *   <li>{@value #STACK_LATENCY}: the same with {@code profile = latency} (before the added keys, which win): a
 *       thread that would wait on a socket drives the stack itself for a while before it parks.</li>
 *   <li>{@value #KERNEL}: the JDK's own provider on 127.0.0.1, the kernel's loopback.</li>
 * </ul>
 * With the family {@value #IPV6} both ends use IPv6 instead: the stack's interface also has
 * {@value #STACK_ADDRESS6}/64 (the benchmark starts once duplicate address detection has passed), the kernel's
 * loopback is ::1.
 */
final class NioBackend implements AutoCloseable
{
    static final String STACK = "stack";
    static final String STACK_LATENCY = "stack-latency";
    static final String KERNEL = "kernel";
    static final String IPV4 = "ipv4";
    static final String IPV6 = "ipv6";
    /** A properties file whose keys are added to the stack backend's configuration. */
    static final String CONFIG_PROPERTY = "jbypass.benchmark.config";

    private static final String STACK_ADDRESS = "198.18.0.1";
    private static final String STACK_ADDRESS6 = "2001:db8::1";
    private static final AtomicInteger TRIALS = new AtomicInteger();

    final SelectorProvider provider;
    /** The address both ends use: the server binds to it, the client connects to it. */
    final InetAddress address;
    private final BypassSelectorProvider bypass;
    private final Path configFile;

    private NioBackend(final SelectorProvider provider, final InetAddress address, final BypassSelectorProvider bypass,
        final Path configFile)
    {
        this.provider = provider;
        this.address = address;
        this.bypass = bypass;
        this.configFile = configFile;
    }

    /** @param name {@value #STACK} or {@value #KERNEL} */
    static NioBackend open(final String name) throws IOException
    {
        return open(name, IPV4);
    }

    /**
     * @param name   {@value #STACK}, {@value #STACK_LATENCY} or {@value #KERNEL}
     * @param family {@value #IPV4} or {@value #IPV6}
     */
    static NioBackend open(final String name, final String family) throws IOException
    {
        if (!IPV4.equals(family) && !IPV6.equals(family))
        {
            throw new IllegalArgumentException("family: " + IPV4 + " or " + IPV6 + ", not " + family);
        }
        final boolean v6 = IPV6.equals(family);
        switch (name)
        {
            case STACK:
                return stack("", v6);
            case STACK_LATENCY:
                return stack("profile = latency\n", v6);
            case KERNEL:
                final SelectorProvider jdk = SelectorProvider.provider();
                if (jdk instanceof BypassSelectorProvider)
                {
                    throw new IllegalStateException("the kernel backend needs the JDK's own provider: run without "
                        + "the jbypass agent or -Djava.nio.channels.spi.SelectorProvider");
                }
                return new NioBackend(jdk, InetAddress.getByName(v6 ? "::1" : "127.0.0.1"), null, null);
            default:
                throw new IllegalArgumentException("backend: " + STACK + ", " + STACK_LATENCY + " or " + KERNEL
                    + ", not " + name);
        }
    }

    /** @param profileKeys keys that come before the added ones */
    private static NioBackend stack(final String profileKeys, final boolean v6) throws IOException
    {
        final Path file = Files.createTempFile("jbypass-benchmark", ".properties");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8))
        {
            // A wire of this JVM's and this trial's own: two stacks never share one, whether in two JVMs or, with
            // JMH's -f 0, in one.
            out.write("interface.bench.driver = memory\n"
                + "interface.bench.host-if = bench-" + ProcessHandle.current().pid() + "-" + TRIALS.incrementAndGet()
                + "\n"
                + "interface.bench.address = " + STACK_ADDRESS + "/24\n"
                + (v6 ? "interface.bench.address6 = " + STACK_ADDRESS6 + "/64\n" : "") + profileKeys);
            final String extra = System.getProperty(CONFIG_PROPERTY);
            if (extra != null)
            {
                out.write(Files.readString(Path.of(extra), StandardCharsets.UTF_8));
            }
        }
        System.setProperty("jbypass.config", file.toString());
        final BypassSelectorProvider provider = new BypassSelectorProvider();
        if (v6)
        {
            awaitPreferred(provider, STACK_ADDRESS6);
        }
        return new NioBackend(provider, InetAddress.getByName(v6 ? STACK_ADDRESS6 : STACK_ADDRESS), provider, file);
    }

    /**
     * Waits until duplicate address detection has passed for an IPv6 address of the stack (RFC 4862 section 5.4: a
     * tentative address cannot be bound), at most 30 seconds.
     */
    private static void awaitPreferred(final BypassSelectorProvider provider, final String address) throws IOException
    {
        final long[] a = Ipv6Address.parse(address);
        final StackEngine engine = provider.context().engine();
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (engine.withLock(stack -> stack.ipv6().addressState(a[0], a[1])) != 2)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IOException("duplicate address detection never finished for " + address);
            }
            LockSupport.parkNanos(10_000_000L);
        }
    }

    @Override
    public void close() throws IOException
    {
        if (bypass != null)
        {
            bypass.shutdown();
        }
        if (configFile != null)
        {
            Files.deleteIfExists(configFile);
        }
    }
}
