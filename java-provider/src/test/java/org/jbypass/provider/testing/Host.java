package org.jbypass.provider.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The host side of kernel tests: running commands ({@code ip}, {@code ethtool}, ...), knowing whether this process
 * may change the network, naming test interfaces uniquely, and cleaning up after test JVMs that died.
 *
 * <h2>Names</h2>
 * Interfaces and namespaces made by tests carry the PID of the JVM that made them, in hex, after a fixed prefix
 * ({@code jbpk...} for {@link KernelPeer}, {@code jbpv...} for {@link VethPair}), plus a per-JVM sequence number.
 * So names never collide between test JVMs running at the same time, and {@link #sweepStale()} can tell the
 * leftovers of a JVM that was killed before its {@code close()} ran (the PID is gone) from those of a JVM still
 * running, and remove only the former.
 */
public final class Host
{
    /** How long a single setup or teardown command may take. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private static final List<String> SBIN_DIRECTORIES = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Object SWEEP_LOCK = new Object();
    private static boolean swept;

    private Host()
    {
    }

    /** Whether this process runs with effective UID 0 (read from /proc/self/status). */
    public static boolean isRoot()
    {
        try
        {
            for (final String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.US_ASCII))
            {
                if (line.startsWith("Uid:"))
                {
                    final String[] ids = line.substring(4).trim().split("\\s+");
                    return ids.length > 1 && ids[1].equals("0");
                }
            }
            return false;
        }
        catch (final IOException e)
        {
            return false;
        }
    }

    /** The absolute path of a tool, looked up on the PATH and in the sbin directories; null if absent. */
    public static String tool(final String name)
    {
        final List<String> directories = new ArrayList<>();
        final String path = System.getenv("PATH");
        if (path != null)
        {
            directories.addAll(Arrays.asList(path.split(":")));
        }
        directories.addAll(SBIN_DIRECTORIES);
        for (final String directory : directories)
        {
            if (directory.isEmpty())
            {
                continue;
            }
            final Path candidate = Paths.get(directory, name);
            if (Files.isExecutable(candidate))
            {
                return candidate.toString();
            }
        }
        return null;
    }

    /**
     * Skips the calling test (a JUnit assumption) unless this process may build test networks: root, with
     * {@code ip} and {@code ethtool} installed. Call it first in a test or in {@code @BeforeAll}.
     */
    public static void assumeNetworkAdmin()
    {
        assumeTrue(isRoot(), "needs root (CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN) to create network namespaces,"
            + " veth pairs and AF_PACKET sockets");
        assumeTrue(tool("ip") != null, "needs iproute2's `ip` (apt-get install iproute2)");
        assumeTrue(tool("ethtool") != null, "needs `ethtool` to turn offloads off (apt-get install ethtool)");
    }

    /** Runs a command with {@link #COMMAND_TIMEOUT}; the first word is looked up with {@link #tool}. */
    public static CommandResult run(final String... command)
    {
        return run(COMMAND_TIMEOUT, command);
    }

    /**
     * Runs a command and waits for it, capturing what it prints.
     *
     * @param timeout how long it may run; then it is killed and the result's exit code is -1
     */
    public static CommandResult run(final Duration timeout, final String... command)
    {
        final List<String> line = resolve(command);
        Path out = null;
        Path err = null;
        try
        {
            // Output goes to files, not pipes: a chatty command can never block on a full pipe.
            out = Files.createTempFile("jbp-cmd-", ".out");
            err = Files.createTempFile("jbp-cmd-", ".err");
            final Process process = new ProcessBuilder(line)
                .redirectInput(ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
            int exit;
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                exit = process.exitValue();
            }
            else
            {
                process.destroyForcibly();
                process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                exit = -1;
            }
            return new CommandResult(line, exit, Files.readString(out), Files.readString(err));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot run `" + String.join(" ", line) + "`", e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running `" + String.join(" ", line) + "`", e);
        }
        finally
        {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /**
     * Starts a command in this process's namespace and leaves it running (a server for a kernel-to-kernel
     * comparison); the caller closes it. The first word is looked up with {@link #tool}.
     */
    public static BackgroundCommand start(final String... command)
    {
        return new BackgroundCommand(resolve(command));
    }

    /** The command with its first word made absolute when it names a tool ("ip" becomes "/usr/sbin/ip"). */
    static List<String> resolve(final String... command)
    {
        final List<String> line = new ArrayList<>(Arrays.asList(command));
        if (!line.isEmpty() && !line.get(0).contains("/"))
        {
            final String path = tool(line.get(0));
            if (path != null)
            {
                line.set(0, path);
            }
        }
        return line;
    }

    /** A fresh name: prefix + this JVM's PID in hex (6 digits) + a 3-digit hex sequence number. */
    static String uniqueName(final String prefix)
    {
        return prefix + String.format("%06x%03x", ProcessHandle.current().pid() & 0xFFFFFF,
            SEQUENCE.getAndIncrement() & 0xFFF);
    }

    /** The PID encoded in a name made by {@link #uniqueName}, or -1. */
    static long pidOf(final String name, final String prefix)
    {
        if (!name.startsWith(prefix) || name.length() < prefix.length() + 6)
        {
            return -1;
        }
        try
        {
            return Long.parseLong(name.substring(prefix.length(), prefix.length() + 6), 16);
        }
        catch (final NumberFormatException e)
        {
            return -1;
        }
    }

    /** A number from 1 to 254 for this JVM and sequence, to choose test subnets that rarely repeat. */
    static int subnetOctet(final String uniqueName)
    {
        return 1 + Math.floorMod(uniqueName.hashCode() * 0x9E3779B1, 254);
    }

    /**
     * Removes the interfaces and namespaces that test JVMs which no longer run left behind (killed before their
     * {@code close()} ran). Runs once per JVM; later calls return at once.
     */
    public static void sweepStale()
    {
        synchronized (SWEEP_LOCK)
        {
            if (swept)
            {
                return;
            }
            swept = true;
        }
        sweepStaleNow();
    }

    /** {@link #sweepStale()} without the once-per-JVM guard, for tests of the sweep. */
    static void sweepStaleNow()
    {
        final CommandResult namespaces = run("ip", "netns", "list");
        for (final String line : namespaces.stdout().split("\n"))
        {
            final String ns = line.trim().split("\\s+")[0];
            final long pid = pidOf(ns, KernelPeer.PREFIX);
            if (pid > 0 && !alive(pid))
            {
                run("ip", "netns", "delete", ns);
            }
        }
        final CommandResult links = run("ip", "-o", "link", "show");
        for (final String line : links.stdout().split("\n"))
        {
            // "12: jbpv0012ab000a@jbpv0012ab000b: <BROADCAST,..."
            final String[] fields = line.split(":\\s+", 3);
            if (fields.length < 2)
            {
                continue;
            }
            final String ifname = fields[1].split("@")[0];
            for (final String prefix : List.of(KernelPeer.PREFIX, VethPair.PREFIX))
            {
                final long pid = pidOf(ifname, prefix);
                if (pid > 0 && !alive(pid))
                {
                    run("ip", "link", "delete", ifname);
                }
            }
        }
    }

    private static boolean alive(final long pid)
    {
        return pid == ProcessHandle.current().pid() || Files.exists(Paths.get("/proc", Long.toString(pid)));
    }

    /** Writes a value to a /proc/sys file of the root namespace, e.g. net/ipv6/conf/IF/disable_ipv6. */
    static void sysctl(final String key, final String value)
    {
        final Path file = Paths.get("/proc/sys", key);
        try
        {
            Files.writeString(file, value);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot set " + file + " to " + value, e);
        }
    }

    private static void deleteQuietly(final Path file)
    {
        if (file != null)
        {
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException ignored)
            {
                // A temporary file; the OS cleans the directory.
            }
        }
    }
}
