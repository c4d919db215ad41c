package org.jbypass.provider.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;

import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.provider.testing.CommandResult;
import org.jbypass.provider.testing.KernelPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The veth fixture of the application tests: a kernel peer (a namespace joined by a veth pair), and a
 * configuration that puts the stack on this namespace's end of the pair. Each application runs in a child JVM
 * started with the flags a user would use; the kernel's side runs in the namespace (curl, or a plain Java program
 * without jbypass). Needs root (network namespaces, AF_PACKET); skips with the reason otherwise.
 */
abstract class VethFixture
{
    static final Duration START = Duration.ofSeconds(60);
    static final Duration RUN = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    /** The kernel's side: a namespace joined by a veth pair; the stack owns the other end. */
    KernelPeer peer;
    /** A configuration putting the stack on the veth end, at {@link #stack}. */
    Path config;
    /** The stack's address. */
    String stack;
    /** The kernel's address. */
    String kernel;

    @BeforeAll
    static void root()
    {
        KernelPeer.assumeAvailable();
    }

    @BeforeEach
    void peer() throws IOException
    {
        peer = ipv6() ? KernelPeer.createWithIpv6() : defaultOffloads() ? KernelPeer.createWithDefaultOffloads()
            : KernelPeer.create();
        stack = Ipv4Address.toString(peer.stackAddress());
        kernel = Ipv4Address.toString(peer.kernelAddress());
        config = dir.resolve("jbypass.properties");
        Files.writeString(config, String.join("\n",
            "interface.veth.driver = afpacket",
            "interface.veth.host-if = " + peer.stackInterface(),
            stackIpv4() ? "interface.veth.address = " + stack + "/" + peer.prefixLength() : "",
            extraConfiguration()));
    }

    /** More lines for the stack's configuration (none here); ends with a line break. */
    String extraConfiguration()
    {
        return "";
    }

    /**
     * Whether both veth ends keep the offloads Linux gives a veth (TSO, GSO, GRO on: the kernel sends 64 KiB
     * super-frames) rather than having them turned off; a subclass that says so runs every test again that way.
     */
    boolean defaultOffloads()
    {
        return false;
    }

    /**
     * Whether the peer's kernel has IPv6 (2001:db8:X::1, offloads as Linux sets them); a subclass gives the stack
     * its IPv6 address through {@link #extraConfiguration()}.
     */
    boolean ipv6()
    {
        return false;
    }

    /**
     * Whether the stack's interface has its IPv4 address ({@link #stack}); a subclass that says not configures an
     * IPv6-only interface through {@link #extraConfiguration()}.
     */
    boolean stackIpv4()
    {
        return true;
    }

    @AfterEach
    void removePeer()
    {
        peer.close();
    }

    /** curl inside the namespace, silent but for errors, with a limit in seconds as the first argument. */
    CommandResult curl(final String... args)
    {
        final String[] command = new String[args.length + 4];
        command[0] = "curl";
        command[1] = "--silent";
        command[2] = "--show-error";
        command[3] = "--max-time";
        System.arraycopy(args, 0, command, 4, args.length);
        return peer.exec(RUN, command);
    }

    /**
     * Downloads {@code n} bytes from HttpServerSample's {@code /bytes} at {@code base} with curl ({@code family}
     * {@code -4} or {@code -6}), and checks them against the sample's seeded stream by SHA-256.
     */
    void assertSeededDownload(final ChildJvm server, final String family, final String base, final int n,
        final long seed) throws Exception
    {
        final Path download = dir.resolve("download-" + seed + ".bin");
        final CommandResult down = curl("120", family, "--output", download.toString(), base + "/bytes?n=" + n
            + "&seed=" + seed);
        assertEquals(0, down.exitCode(), () -> down.describe() + "\n" + server.describe());
        final MessageDigest sha = MessageDigest.getInstance("SHA-256");
        final Random random = new Random(seed);
        final byte[] chunk = new byte[65536];
        for (long left = n; left > 0; left -= chunk.length)
        {
            random.nextBytes(chunk);
            sha.update(chunk, 0, (int)Math.min(chunk.length, left));
        }
        assertEquals(HexFormat.of().formatHex(sha.digest()), HexFormat.of().formatHex(
            MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(download))));
    }

    /**
     * Uploads {@code n} seeded random bytes to HttpServerSample's {@code /sha256} at {@code base} with curl, and
     * checks the SHA-256 and length the server computed.
     */
    void assertUploadHashed(final ChildJvm server, final String family, final String base, final int n,
        final long seed) throws Exception
    {
        final byte[] data = new byte[n];
        new Random(seed).nextBytes(data);
        final Path upload = dir.resolve("upload-" + seed + ".bin");
        Files.write(upload, data);
        final CommandResult up = curl("120", family, "--data-binary", "@" + upload, "-H",
            "Content-Type: application/octet-stream", base + "/sha256");
        assertEquals(0, up.exitCode(), () -> up.describe() + "\n" + server.describe());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)) + " " + n,
            up.stdout().trim());
    }

    static void awaitStarted(final ChildJvm child, final String banner) throws InterruptedException
    {
        assertTrue(child.awaitOutput(banner, START), () -> "did not start:\n" + child.describe());
    }
}
