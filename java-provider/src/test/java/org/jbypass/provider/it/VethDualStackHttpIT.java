package org.jbypass.provider.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

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

            // 8 MB down over IPv6, checked byte for byte; 2 MB up (the kernel's TCP super-frames, GSO_TCPV6, taken
            // whole), checked by the server.
            assertSeededDownload(server, "-6", base6, 8 << 20, 6);
            assertUploadHashed(server, "-6", base6, 2 << 20, 12);
        }
    }
}
