package org.jbypass.provider.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import org.jbypass.provider.testing.CommandResult;
import org.junit.jupiter.api.Test;

/**
 * The JDK's HttpServer, unmodified, under the agent on a dual-stack wildcard ({@code ::}, which
 * {@code bind.wildcard = stack} gives the stack), answering curl in the kernel's namespace over IPv4 and over
 * IPv6 ({@code curl -6 'http://[2001:db8:X::2]:8080/'}), the veth with the offloads Linux sets up. The server
 * reports each exchange's addresses as the JDK would: IPv4 peers as IPv4 addresses, IPv6 ones in brackets; 8 MB
 * go down and 2 MB up over IPv6, checked by SHA-256.
 */
class VethDualStackHttpIT extends VethFixture
{
    @Override
    boolean ipv6()
    {
        return true;
    }

    @Override
    String extraConfiguration()
    {
        return "interface.veth.address6 = " + peer.stackAddress6() + "/64\nbind.wildcard = stack\n";
    }

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

    /** The JDK's text of an IPv6 address ({@code Inet6Address.getHostAddress}, uncompressed). */
    private static String jdk6(final String address) throws Exception
    {
        return InetAddress.getByName(address).getHostAddress();
    }

    @Test
    void shouldServeCurlOverIpv4AndIpv6FromADualStackWildcard() throws Exception
    {
        try (ChildJvm server = ChildJvm.withAgent(config, "org.jbypass.samples.HttpServerSample", "::", "8080"))
        {
            awaitStarted(server, "http server listening on");
            final String base4 = "http://" + stack + ":8080";
            final String base6 = "http://[" + peer.stackAddress6() + "]:8080";
            for (int i = 0; i < 10; i++)
            {
                final CommandResult over4 = curl("30", "-4", base4 + "/");
                assertEquals(0, over4.exitCode(), () -> over4.describe() + "\n" + server.describe());
                assertTrue(over4.stdout().startsWith("hello from /" + stack + ":8080 to /" + kernel + ":"),
                    over4::describe);
                final CommandResult over6 = curl("30", "-6", base6 + "/");
                assertEquals(0, over6.exitCode(), () -> over6.describe() + "\n" + server.describe());
                assertTrue(over6.stdout().startsWith("hello from /[" + jdk6(peer.stackAddress6()) + "]:8080 to /["
                    + jdk6(peer.kernelAddress6()) + "]:"), over6::describe);
            }
            final CommandResult keepAlive = curl("30", "-6", base6 + "/", base6 + "/", base6 + "/");
            assertEquals(3, keepAlive.stdout().split("hello from").length - 1, keepAlive::describe);

            // 8 MB down over IPv6, checked byte for byte.
            final int eight = 8 << 20;
            final Path download = dir.resolve("download6.bin");
            final CommandResult down = curl("120", "-6", "--output", download.toString(), base6 + "/bytes?n="
                + eight + "&seed=6");
            assertEquals(0, down.exitCode(), () -> down.describe() + "\n" + server.describe());
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            final Random random = new Random(6);
            final byte[] chunk = new byte[65536];
            for (long left = eight; left > 0; left -= chunk.length)
            {
                random.nextBytes(chunk);
                sha.update(chunk, 0, (int)Math.min(chunk.length, left));
            }
            assertEquals(HexFormat.of().formatHex(sha.digest()), HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(download))));

            // 2 MB up over IPv6 (the kernel's TCP super-frames, GSO_TCPV6, taken whole), checked by the server.
            final byte[] data = new byte[2 << 20];
            new Random(12).nextBytes(data);
            final Path upload = dir.resolve("upload6.bin");
            Files.write(upload, data);
            final CommandResult up = curl("120", "-6", "--data-binary", "@" + upload, "-H",
                "Content-Type: application/octet-stream", base6 + "/sha256");
            assertEquals(0, up.exitCode(), () -> up.describe() + "\n" + server.describe());
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)) + " "
                + (2 << 20), up.stdout().trim());
        }
    }
}
