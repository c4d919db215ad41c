package org.jbypass.provider.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command left running while a test goes on (a server in a {@link KernelPeer}'s namespace, a capture), with its
 * output collected as it comes. {@link #awaitOutput} waits for a line such as a server's "listening" without
 * sleeping: reader threads signal every new chunk of output. {@link #close()} kills it.
 */
public final class BackgroundCommand implements AutoCloseable
{
    private static final Duration KILL_GRACE = Duration.ofSeconds(5);

    private final List<String> command;
    private final Process process;
    private final StringBuilder stdout = new StringBuilder();
    private final StringBuilder stderr = new StringBuilder();
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private int openStreams = 2;

    BackgroundCommand(final List<String> command)
    {
        this.command = List.copyOf(command);
        try
        {
            this.process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot start `" + String.join(" ", command) + "`", e);
        }
        this.stdoutReader = reader(process.getInputStream(), stdout, "stdout");
        this.stderrReader = reader(process.getErrorStream(), stderr, "stderr");
    }

    private Thread reader(final InputStream in, final StringBuilder sink, final String which)
    {
        final Thread thread = new Thread(() ->
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
                // The process was killed; what was read so far stays.
            }
            finally
            {
                synchronized (this)
                {
                    openStreams--;
                    notifyAll();
                }
            }
        }, "bg-" + which + "-" + command.get(command.size() > 3 ? 3 : 0));
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** The command line. */
    public List<String> command()
    {
        return command;
    }

    /** Whether the command still runs. */
    public boolean isAlive()
    {
        return process.isAlive();
    }

    /** Its standard output so far. */
    public synchronized String stdout()
    {
        return stdout.toString();
    }

    /** Its standard error so far. */
    public synchronized String stderr()
    {
        return stderr.toString();
    }

    /**
     * Waits until its standard output or error contains {@code text}, or it has exited and printed everything.
     *
     * @return whether the text appeared in time
     */
    public synchronized boolean awaitOutput(final String text, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (stdout.indexOf(text) < 0 && stderr.indexOf(text) < 0)
        {
            final long left = deadline - System.nanoTime();
            if (left <= 0 || openStreams == 0)
            {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /**
     * Waits for it to exit.
     *
     * @return its exit code, or -1 if it still ran at the timeout
     */
    public int waitFor(final Duration timeout) throws InterruptedException
    {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            return -1;
        }
        stdoutReader.join(KILL_GRACE.toMillis());
        stderrReader.join(KILL_GRACE.toMillis());
        return process.exitValue();
    }

    /** Kills it (SIGTERM, then SIGKILL after a grace period) and waits until it is gone. */
    @Override
    public void close()
    {
        if (!process.isAlive())
        {
            return;
        }
        process.destroy();
        try
        {
            if (!process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly();
                process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        catch (final InterruptedException e)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString()
    {
        return "`" + String.join(" ", command) + "`" + (process.isAlive() ? " (running)" : " (exited)");
    }
}
