package org.jbypass.provider.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;

import org.jbypass.provider.testing.CommandResult;
import org.junit.jupiter.api.Test;

/**
 * Unmodified TCP applications on the stack over a veth pair, against the Linux kernel, checked byte for byte: the
 * JDK's HttpServer serving curl, the JDK's HttpClient, Netty, java.net sockets under the agent, the echo sample.
 * Each moves {@link #bulkMegabytes}'s bytes (a few MB here; the subclass with the offloads Linux sets up, 100 MB
 * each way, with the stack as server and as client).
 */
class VethTcpAppsIT extends VethFixture
{
    /** How long a bulk transfer may take: 100 MB each way on a loaded 2-core machine, with room to spare. */
    static final Duration BULK_RUN = Duration.ofMinutes(5);

    /**
     * The megabytes a test moves (each way for an echo), given its size with offloads off; the subclass with the
     * default offloads moves the 100 MB.
     */
    int bulkMegabytes(final int usual)
    {
        return usual;
    }

    /** Seeded random bytes in a file of the test's directory, written a chunk at a time; returns its SHA-256. */
    private String randomFile(final Path file, final long size, final long seed) throws IOException,
        NoSuchAlgorithmException
    {
        final MessageDigest sha = MessageDigest.getInstance("SHA-256");
        final Random random = new Random(seed);
        final byte[] chunk = new byte[65536];
        try (OutputStream out = Files.newOutputStream(file))
        {
            for (long left = size; left > 0; left -= chunk.length)
            {
                random.nextBytes(chunk);
                final int len = (int)Math.min(chunk.length, left);
                sha.update(chunk, 0, len);
                out.write(chunk, 0, len);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** A file's SHA-256 in hex, read a chunk at a time. */
    private static String sha256(final Path file) throws IOException, NoSuchAlgorithmException
    {
        final MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha))
        {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

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

            // Down (8 MB, 100 MB), checked byte for byte.
            final long downBytes = (long)bulkMegabytes(8) << 20;
            final Path download = dir.resolve("download.bin");
            final CommandResult down = curl(Long.toString(BULK_RUN.toSeconds()), "--output", download.toString(),
                base + "/bytes?n=" + downBytes + "&seed=5");
            assertEquals(0, down.exitCode(), () -> down.describe() + "\n" + server.describe());
            assertEquals(downBytes, Files.size(download));
            assertEquals(sampleBytesSha256(downBytes, 5), sha256(download));
            Files.delete(download);

            // Up (2 MB, 100 MB), checked byte for byte by the server. -T streams the file (POST with its length)
            // rather than read it whole first, as --data-binary does.
            final long upBytes = (long)bulkMegabytes(2) << 20;
            final Path upload = dir.resolve("upload.bin");
            final String uploadSha = randomFile(upload, upBytes, 11);
            final CommandResult up = curl(Long.toString(BULK_RUN.toSeconds()), "-T", upload.toString(), "-X", "POST",
                "-H", "Expect:", "-H", "Content-Type: application/octet-stream", base + "/sha256");
            assertEquals(0, up.exitCode(), () -> up.describe() + "\n" + server.describe());
            assertEquals(uploadSha + " " + upBytes, up.stdout().trim());
        }
    }

    @Test
    void shouldFetchFromAKernelServerWithTheJdkHttpClient() throws Exception
    {
        try (ChildJvm server = ChildJvm.inNamespace(peer.namespace(), "org.jbypass.samples.HttpServerSample", kernel,
            "8081"))
        {
            awaitStarted(server, "http server listening on");
            final long size = (long)bulkMegabytes(8) << 20;
            try (ChildJvm client = ChildJvm.withProperty(config, "org.jbypass.provider.it.apps.HttpClientFetch",
                "http://" + kernel + ":8081/bytes?n=" + size + "&seed=9"))
            {
                assertEquals(0, client.waitFor(BULK_RUN), () -> client.describe() + "\n" + server.describe());
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
                "7100", Integer.toString(bulkMegabytes(8))))
            {
                assertEquals(0, client.waitFor(BULK_RUN), () -> client.describe() + "\n" + server.describe());
                assertTrue(client.stdout().contains("identical"), client::describe);
                System.out.println(getClass().getSimpleName() + ": " + client.stdout().trim());
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
            // Three connections one after the other, the first one bulk.
            for (int i = 0; i < 3; i++)
            {
                final int size = (i == 0 ? bulkMegabytes(1) : 1) << 20;
                try (ChildJvm client = ChildJvm.inNamespace(peer.namespace(),
                    "org.jbypass.provider.it.apps.SocketEchoClient", stack, "7200", Integer.toString(size)))
                {
                    assertEquals(0, client.waitFor(BULK_RUN), () -> client.describe() + "\n" + server.describe());
                    assertEquals("echo ok " + size, client.stdout().trim());
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
            final int size = bulkMegabytes(4) << 20;
            try (ChildJvm client = ChildJvm.withAgent(config, "org.jbypass.provider.it.apps.SocketEchoClient", kernel,
                "7300", Integer.toString(size)))
            {
                assertEquals(0, client.waitFor(BULK_RUN), () -> client.describe() + "\n" + server.describe());
                assertEquals("echo ok " + size, client.stdout().trim());
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
                "7400", Integer.toString(bulkMegabytes(16))))
            {
                assertEquals(0, client.waitFor(BULK_RUN), () -> client.describe() + "\n" + server.describe());
                assertTrue(client.stdout().contains("identical"), client::describe);
                System.out.println(getClass().getSimpleName() + ": " + client.stdout().trim());
            }
        }
        try (ChildJvm server = ChildJvm.inNamespace(peer.namespace(), "org.jbypass.samples.TcpEchoServer", kernel,
            "7401"))
        {
            awaitStarted(server, "echo server listening on");
            try (ChildJvm client = ChildJvm.withProperty(config, "org.jbypass.samples.TcpEchoClient", kernel,
                "7401", Integer.toString(bulkMegabytes(16))))
            {
                assertEquals(0, client.waitFor(BULK_RUN), () -> client.describe() + "\n" + server.describe());
                assertTrue(client.stdout().contains("identical"), client::describe);
                System.out.println(getClass().getSimpleName() + ": " + client.stdout().trim());
            }
        }
    }
}
