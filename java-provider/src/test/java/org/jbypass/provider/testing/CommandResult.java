package org.jbypass.provider.testing;

import java.util.List;

/**
 * What a finished command left: its exit code and everything it printed.
 *
 * @param command  the command line, for messages
 * @param exitCode the exit code (-1 if it was killed at its timeout)
 * @param stdout   its standard output
 * @param stderr   its standard error
 */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr)
{
    /** Whether it exited with 0. */
    public boolean succeeded()
    {
        return exitCode == 0;
    }

    /**
     * Returns this result if the command succeeded.
     *
     * @throws IllegalStateException with the command, its exit code and its output otherwise
     */
    public CommandResult orThrow()
    {
        if (!succeeded())
        {
            throw new IllegalStateException(describe());
        }
        return this;
    }

    /** The command, its exit code and its output, for failure messages. */
    public String describe()
    {
        return "`" + String.join(" ", command) + "` exited with " + exitCode
            + (stdout.isBlank() ? "" : "\nstdout: " + stdout.strip())
            + (stderr.isBlank() ? "" : "\nstderr: " + stderr.strip());
    }
}
