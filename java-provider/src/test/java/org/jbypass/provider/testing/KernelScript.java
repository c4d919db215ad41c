package org.jbypass.provider.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Python program of a test's resources that plays the kernel's side of an interop test (the kernel's own sockets,
 * raw sockets for IGMP and MLD queries), copied to a temporary file once and started in a {@link KernelPeer}'s
 * namespace. Skips the test, with the reason, where python3 is missing.
 */
public final class KernelScript
{
    private final String python;
    private final Path script;

    private KernelScript(final String python, final Path script)
    {
        this.python = python;
        this.script = script;
    }

    /**
     * Finds python3 (assumed: the test is skipped without it) and copies {@code resource}, found next to
     * {@code owner}, to a temporary file deleted at exit.
     */
    public static KernelScript load(final Class<?> owner, final String resource) throws IOException
    {
        final String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3"
            : Host.tool("python3");
        assumeTrue(python != null, "needs python3 for the kernel's sockets (apt-get install python3)");
        final Path script = Files.createTempFile("jbp-", "-" + resource);
        script.toFile().deleteOnExit();
        try (InputStream in = owner.getResourceAsStream(resource))
        {
            assertNotNull(in, resource + " is a test resource");
            Files.write(script, in.readAllBytes());
        }
        return new KernelScript(python, script);
    }

    /** Starts the program with {@code args} in the peer's namespace. */
    public BackgroundCommand start(final KernelPeer peer, final String... args)
    {
        final String[] command = new String[args.length + 2];
        command[0] = python;
        command[1] = script.toString();
        System.arraycopy(args, 0, command, 2, args.length);
        return peer.start(command);
    }
}
