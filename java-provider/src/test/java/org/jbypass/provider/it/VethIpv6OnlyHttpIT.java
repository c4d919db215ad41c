package org.jbypass.provider.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.jbypass.provider.testing.CommandResult;
import org.junit.jupiter.api.Test;

/**
 * The JDK's HttpServer, unmodified, under the agent on an IPv6-only stack interface: the configuration gives the
 * veth end {@code address6} and no IPv4 {@code address}. curl in the kernel's namespace reaches it over IPv6
 * (8 MB down, 2 MB up, by SHA-256); over IPv4, at the address the kernel believes on-link, it gets no answer at
 * all: the stack sends no ARP and answers none, so the kernel's neighbour entry for it never resolves.
 */
class VethIpv6OnlyHttpIT extends VethFixture
{
    @Override
    boolean ipv6()
    {
        return true;
    }

    @Override
    boolean stackIpv4()
    {
        return false;
    }

    @Override
    String extraConfiguration()
    {
        return "interface.veth.address6 = " + peer.stackAddress6() + "/64\nbind.wildcard = stack\n";
    }

    @Test
    void shouldServeCurlOverIpv6AndNothingOverIpv4() throws Exception
    {
        try (ChildJvm server = ChildJvm.withAgent(config, "org.jbypass.samples.HttpServerSample", "::", "8080"))
        {
            awaitStarted(server, "http server listening on");
            final String base6 = "http://[" + peer.stackAddress6() + "]:8080";
            final String stack6 = InetAddress.getByName(peer.stackAddress6()).getHostAddress();
            final CommandResult hello = curl("30", "-6", base6 + "/");
            assertEquals(0, hello.exitCode(), () -> hello.describe() + "\n" + server.describe());
            assertTrue(hello.stdout().startsWith("hello from /[" + stack6 + "]:8080 to /["), hello::describe);
            assertTrue(peer.neighbour6(peer.stackAddress6()).contains("lladdr"), "the kernel resolved the stack");

            // 8 MB down and 2 MB up, checked by SHA-256.
            assertSeededDownload(server, "-6", base6, 8 << 20, 15);
            assertUploadHashed(server, "-6", base6, 2 << 20, 16);

            // IPv4 to the address the kernel believes on its link: ARP goes unanswered, so nothing connects.
            final CommandResult over4 = curl("5", "-4", "http://" + stack + ":8080/");
            assertNotEquals(0, over4.exitCode(), over4::describe);
            final String neighbour = peer.neighbour(peer.stackAddress());
            assertFalse(neighbour.contains("lladdr"), "the stack answered ARP: " + neighbour);
            assertTrue(server.isAlive(), server::describe);
        }
    }
}
