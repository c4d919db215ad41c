package org.jbypass.benchmarks.nio;

import java.io.IOException;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.jbypass.provider.BypassSelectorProvider;

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
 */
final class NioBackend implements AutoCloseable
{
    static final String STACK = "stack";
    static final String STACK_LATENCY = "stack-latency";
    static final String KERNEL = "kernel";
    /** A properties file whose keys are added to the stack backend's configuration. */
    static final String CONFIG_PROPERTY = "jbypass.benchmark.config";

    private static final String STACK_ADDRESS = "198.18.0.1";
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
        switch (name)
        {
            case STACK:
                return stack("");
            case STACK_LATENCY:
                return stack("profile = latency\n");
            case KERNEL:
                final SelectorProvider jdk = SelectorProvider.provider();
                if (jdk instanceof BypassSelectorProvider)
                {
                    throw new IllegalStateException("the kernel backend needs the JDK's own provider: run without "
                        + "the jbypass agent or -Djava.nio.channels.spi.SelectorProvider");
                }
                return new NioBackend(jdk, InetAddress.getByName("127.0.0.1"), null, null);
            default:
                throw new IllegalArgumentException("backend: " + STACK + ", " + STACK_LATENCY + " or " + KERNEL
                    + ", not " + name);
        }
    }

    /** @param profileKeys keys that come before the added ones */
    private static NioBackend stack(final String profileKeys) throws IOException
    {
        final Path file = Files.createTempFile("jbypass-benchmark", ".properties");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8))
        {
            // A wire of this JVM's and this trial's own: two stacks never share one, whether in two JVMs or, with
            // JMH's -f 0, in one.
            out.write("interface.bench.driver = memory\n"
                + "interface.bench.host-if = bench-" + ProcessHandle.current().pid() + "-" + TRIALS.incrementAndGet()
                + "\n"
                + "interface.bench.address = " + STACK_ADDRESS + "/24\n" + profileKeys);
            final String extra = System.getProperty(CONFIG_PROPERTY);
            if (extra != null)
            {
                out.write(Files.readString(Path.of(extra), StandardCharsets.UTF_8));
            }
        }
        System.setProperty("jbypass.config", file.toString());
        final BypassSelectorProvider provider = new BypassSelectorProvider();
        return new NioBackend(provider, InetAddress.getByName(STACK_ADDRESS), provider, file);
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
