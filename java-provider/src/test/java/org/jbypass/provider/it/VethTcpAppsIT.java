package org.jbypass.provider.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

import org.jbypass.provider.testing.CommandResult;
import org.junit.jupiter.api.Test;

/**
 * Unmodified TCP applications on the stack over a veth pair, against the Linux kernel, checked byte for byte: the
 * JDK's HttpServer serving curl, the JDK's HttpClient, Netty, java.net sockets under the agent, the echo sample.
 */
class VethTcpAppsIT extends VethFixture
{
    /** The SHA-256, in hex, of what HttpServerSample's /bytes sends for n bytes and a seed. */
    private static String sampleBytesSha256(final long n, final long seed) throws NoSuchAlgorithmException
    {
        final MessageDigest sha = MessageDigest.getInstance("SHA-256");
        final Random random = new Random(seed);
        final byte[] chunk = new byte[65536];
        long left = n;
        while (left > 0)
        {
            random.nextBytes(chunk);
            final int len = (int)Math.min(chunk.length, left);
            sha.update(chunk, 0, len);
            left -= len;
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** A file of seeded random bytes in the test's directory, and its SHA-256 in hex. */
    private String[] randomFile(final String name, final int size) throws IOException, NoSuchAlgorithmException
    {
        final byte[] data = new byte[size];
        new Random(11).nextBytes(data);
        final Path file = dir.resolve(name);
        Files.write(file, data);
        return new String[] {file.toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
            .digest(data))};
    }

    /** curl inside the namespace, silent but for errors, with a limit in seconds as the first argument. */
    private CommandResult curl(final String... args)
    {
        final String[] command = new String[args.length + 4];
        command[0] = "curl";
        command[1] = "--silent";
        command[2] = "--show-error";
        command[3] = "--max-time";
        System.arraycopy(args, 0, command, 4, args.length);
        return peer.exec(RUN, command);
    }

    @Test
    void shouldServeCurlFromTheJdkHttpServerUnderTheAgent() throws Exception
    {
        try (ChildJvm server = ChildJvm.withAgent(config, "org.jbypass.samples.HttpServerSample", stack, "8080"))
        {
            awaitStarted(server, "http server listening on");
            final String base = "http://" + stack + ":8080";

            // Small requests, each on a new connection, then several on one.
            for (int i = 0; i < 20; i++)
            {
                final CommandResult hello = curl("30", base + "/");
                assertEquals(0, hello.exitCode(), () -> hello.describe() + "\n" + server.describe());
                assertTrue(hello.stdout().startsWith("hello from /" + stack + ":8080 to /" + kernel + ":"),
                    hello::describe);
            }
            final CommandResult keepAlive = curl("30", base + "/", base + "/", base + "/");
            assertEquals(3, keepAlive.stdout().split("hello from").length - 1, keepAlive::describe);

            // 8 MB down, checked byte for byte.
            final int eight = 8 << 20;
            final Path download = dir.resolve("download.bin");
            final CommandResult down = curl("120", "--output", download.toString(), base + "/bytes?n=" + eight
                + "&seed=5");
            assertEquals(0, down.exitCode(), () -> down.describe() + "\n" + server.describe());
            assertEquals(eight, Files.size(download));
            assertEquals(sampleBytesSha256(eight, 5), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(download))));

            // 2 MB up, checked byte for byte by the server.
            final String[] upload = randomFile("upload.bin", 2 << 20);
            final CommandResult up = curl("120", "--data-binary", "@" + upload[0], "-H",
                "Content-Type: application/octet-stream", base + "/sha256");
            assertEquals(0, up.exitCode(), () -> up.describe() + "\n" + server.describe());
            assertEquals(upload[1] + " " + (2 << 20), up.stdout().trim());
        }
    }

    @Test
    void shouldFetchFromAKernelServerWithTheJdkHttpClient() throws Exception
    {
        try (ChildJvm server = ChildJvm.inNamespace(peer.namespace(), "org.jbypass.samples.HttpServerSample", kernel,
            "8081"))
        {
            awaitStarted(server, "http server listening on");
            final int size = 8 << 20;
            try (ChildJvm client = ChildJvm.withProperty(config, "org.jbypass.provider.it.apps.HttpClientFetch",
                "http://" + kernel + ":8081/bytes?n=" + size + "&seed=9"))
            {
                assertEquals(0, client.waitFor(RUN), () -> client.describe() + "\n" + server.describe());
                assertEquals("status 200 bytes " + size + " sha256 " + sampleBytesSha256(size, 9),
                    client.stdout().trim(), client::describe);
            }
        }
    }

    @Test
    void shouldEchoThroughANettyServer() throws Exception
    {
        try (ChildJvm server = ChildJvm.withProperty(config, "org.jbypass.provider.it.apps.NettyEchoServer", stack,
            "7100"))
        {
            awaitStarted(server, "netty listening on");
            try (ChildJvm client = ChildJvm.inNamespace(peer.namespace(), "org.jbypass.samples.TcpEchoClient", stack,
                "7100", "8"))
            {
                assertEquals(0, client.waitFor(RUN), () -> client.describe() + "\n" + server.describe());
                assertTrue(client.stdout().contains("identical"), client::describe);
            }
        }
    }

    @Test
    void shouldServeJavaNetSocketsUnderTheAgent() throws Exception
    {
        try (ChildJvm server = ChildJvm.withAgent(config, "org.jbypass.provider.it.apps.SocketEchoServer", stack,
            "7200"))
        {
            awaitStarted(server, "listening on");
            for (int i = 0; i < 3; i++)
            {
                try (ChildJvm client = ChildJvm.inNamespace(peer.namespace(),
                    "org.jbypass.provider.it.apps.SocketEchoClient", stack, "7200", Integer.toString(1 << 20)))
                {
                    assertEquals(0, client.waitFor(RUN), () -> client.describe() + "\n" + server.describe());
                    assertEquals("echo ok " + (1 << 20), client.stdout().trim());
                }
            }
        }
    }

    @Test
    void shouldConnectJavaNetSocketsToTheKernelUnderTheAgent() throws Exception
    {
        try (ChildJvm server = ChildJvm.inNamespace(peer.namespace(),
            "org.jbypass.provider.it.apps.SocketEchoServer", kernel, "7300"))
        {
            awaitStarted(server, "listening on");
            try (ChildJvm client = ChildJvm.withAgent(config, "org.jbypass.provider.it.apps.SocketEchoClient", kernel,
                "7300", Integer.toString(4 << 20)))
            {
                assertEquals(0, client.waitFor(RUN), () -> client.describe() + "\n" + server.describe());
                assertEquals("echo ok " + (4 << 20), client.stdout().trim());
            }
        }
    }

    @Test
    void shouldEchoTheTcpSampleBothWays() throws Exception
    {
        // The sample server on the stack, the sample client in the kernel; then the other way round.
        try (ChildJvm server = ChildJvm.withAgent(config, "org.jbypass.samples.TcpEchoServer", stack, "7400"))
        {
            awaitStarted(server, "echo server listening on");
            try (ChildJvm client = ChildJvm.inNamespace(peer.namespace(), "org.jbypass.samples.TcpEchoClient", stack,
                "7400", "16"))
            {
                assertEquals(0, client.waitFor(RUN), () -> client.describe() + "\n" + server.describe());
                assertTrue(client.stdout().contains("identical"), client::describe);
            }
        }
        try (ChildJvm server = ChildJvm.inNamespace(peer.namespace(), "org.jbypass.samples.TcpEchoServer", kernel,
            "7401"))
        {
            awaitStarted(server, "echo server listening on");
            try (ChildJvm client = ChildJvm.withProperty(config, "org.jbypass.samples.TcpEchoClient", kernel,
                "7401", "16"))
            {
                assertEquals(0, client.waitFor(RUN), () -> client.describe() + "\n" + server.describe());
                assertTrue(client.stdout().contains("identical"), client::describe);
            }
        }
    }
}
