package org.jbypass.provider.it;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An application in a JVM of its own, started the way a user starts it on jbypass: with
 * {@code -javaagent:jbypass.jar=config=FILE}, or with the provider property and {@code -Djbypass.config=FILE}
 * and jbypass.jar on the class path, or without jbypass at all. The child runs on the same JDK as the test, so a
 * test run on JDK 25 checks JDK 25.
 */
final class ChildJvm implements AutoCloseable
{
    private final List<String> command;
    private final Process process;
    private final StringBuilder stdout = new StringBuilder();
    private final StringBuilder stderr = new StringBuilder();
    /** Output streams still being read; guarded by this. */
    private int openStreams = 2;

    private ChildJvm(final List<String> command)
    {
        this.command = List.copyOf(command);
        try
        {
            process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
        pump(process.getInputStream(), stdout);
        pump(process.getErrorStream(), stderr);
    }

    private void pump(final InputStream in, final StringBuilder sink)
    {
        final Thread t = new Thread(() ->
        {
            final byte[] chunk = new byte[4096];
            try (in)
            {
                int n;
                while ((n = in.read(chunk)) > 0)
                {
                    synchronized (this)
                    {
                        sink.append(new String(chunk, 0, n, StandardCharsets.UTF_8));
                        notifyAll();
                    }
                }
            }
            catch (final IOException ignored)
            {
                // The child was killed.
            }
            finally
            {
                synchronized (this)
                {
                    openStreams--;
                    notifyAll();
                }
            }
        }, "child-output");
        t.setDaemon(true);
        t.start();
    }

    /** jbypass.jar as packaged by this build. */
    static Path jbypassJar()
    {
        final String jar = System.getProperty("jbypass.jar", "target/jbypass.jar");
        final Path path = Path.of(jar).toAbsolutePath();
        if (!Files.isRegularFile(path))
        {
            throw new IllegalStateException(path + " is missing: run the integration tests with `mvn verify`");
        }
        return path;
    }

    /**
     * The applications' class path: the samples, Netty, and this module's test programs, but not jbypass's own
     * classes (those come from jbypass.jar, as for a user).
     */
    static String applicationClassPath()
    {
        final List<String> entries = new ArrayList<>();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            final String e = entry.replace('\\', '/');
            if (e.contains("/samples/") || e.contains("/io/netty/") || e.endsWith("/java-provider/target/test-classes")
                || e.contains("/junit/") || e.contains("/opentest4j/"))
            {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static String java()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** An application under the agent: {@code java -javaagent:jbypass.jar=config=FILE -cp APP MAIN ARGS}. */
    static ChildJvm withAgent(final Path config, final String main, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(java(), "-Xmx512m",
            "-javaagent:" + jbypassJar() + "=config=" + config, "-cp", applicationClassPath(), main));
        command.addAll(List.of(args));
        return new ChildJvm(command);
    }

    /**
     * An application with the provider named on the command line: {@code java
     * -Djava.nio.channels.spi.SelectorProvider=org.jbypass.provider.BypassSelectorProvider -Djbypass.config=FILE
     * -cp jbypass.jar:APP MAIN ARGS}.
     */
    static ChildJvm withProperty(final Path config, final String main, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(java(), "-Xmx512m",
            "-Djava.nio.channels.spi.SelectorProvider=org.jbypass.provider.BypassSelectorProvider",
            "-Djbypass.config=" + config, "-cp", jbypassJar() + File.pathSeparator + applicationClassPath(), main));
        command.addAll(List.of(args));
        return new ChildJvm(command);
    }

    /**
     * An application with jbypass.jar on its class path and nothing else: {@code java -cp jbypass.jar:APP MAIN ARGS}
     * (the jar's service file makes jbypass the provider, but no configuration is given).
     */
    static ChildJvm onClassPath(final String main, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(java(), "-Xmx512m", "-cp",
            jbypassJar() + File.pathSeparator + applicationClassPath(), main));
        command.addAll(List.of(args));
        return new ChildJvm(command);
    }

    /** An application without jbypass, inside a network namespace (the kernel's side of a test). */
    static ChildJvm inNamespace(final String namespace, final String main, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace, java(), "-Xmx512m",
            "-cp", applicationClassPath(), main));
        command.addAll(List.of(args));
        return new ChildJvm(command);
    }

    /** Waits until the child has printed the text (on stdout or stderr); false when the timeout or its exit came first. */
    synchronized boolean awaitOutput(final String text, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (stdout.indexOf(text) < 0 && stderr.indexOf(text) < 0)
        {
            final long left = deadline - System.nanoTime();
            if (left <= 0 || openStreams == 0)
            {
                // Timed out, or the child exited and all it printed has been read.
                return false;
            }
            // Woken by new output; the bound only matters if the child dies without closing its pipes.
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Waits for the child to exit; -1 if it did not within the timeout (it is then killed). */
    int waitFor(final Duration timeout) throws InterruptedException
    {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        // Wait for the pumps to read what the child wrote last (its pipes close when it exits).
        synchronized (this)
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (openStreams > 0 && System.nanoTime() - deadline < 0)
            {
                TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
            }
        }
        return process.exitValue();
    }

    synchronized String stdout()
    {
        return stdout.toString();
    }

    synchronized String stderr()
    {
        return stderr.toString();
    }

    /** Everything the child printed, for failure messages. */
    synchronized String describe()
    {
        return String.join(" ", command) + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException
    {
        if (process.isAlive())
        {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
