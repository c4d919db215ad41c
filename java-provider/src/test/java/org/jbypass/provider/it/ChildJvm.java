package org.jbypass.provider.it;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.Host;

/**
 * An application in a JVM of its own, started the way a user starts it on jbypass: with
 * {@code -javaagent:jbypass.jar=config=FILE}, or with the provider property and {@code -Djbypass.config=FILE}
 * and jbypass.jar on the class path, or without jbypass at all. The child runs on the same JDK as the test, so a
 * test run on JDK 25 checks JDK 25.
 */
final class ChildJvm implements AutoCloseable
{
    private final BackgroundCommand process;

    private ChildJvm(final List<String> command)
    {
        process = Host.start(command.toArray(String[]::new));
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

    /**
     * Waits until the child has printed the text (on stdout or stderr); false when the timeout or its exit came
     * first.
     */
    boolean awaitOutput(final String text, final Duration timeout) throws InterruptedException
    {
        return process.awaitOutput(text, timeout);
    }

    /**
     * Waits for the child to exit, and for what it printed last; -1 if it did not within the timeout (it is then
     * killed).
     */
    int waitFor(final Duration timeout) throws InterruptedException
    {
        final int exit = process.waitFor(timeout);
        if (exit == -1)
        {
            process.close();
        }
        return exit;
    }

    String stdout()
    {
        return process.stdout();
    }

    String stderr()
    {
        return process.stderr();
    }

    /** Everything the child printed, for failure messages. */
    String describe()
    {
        return String.join(" ", process.command()) + "\n--- stdout ---\n" + process.stdout() + "--- stderr ---\n"
            + process.stderr();
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException
    {
        process.close();
    }
}
