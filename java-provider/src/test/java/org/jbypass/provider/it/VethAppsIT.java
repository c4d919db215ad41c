package org.jbypass.provider.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.provider.testing.KernelPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unmodified applications on the stack over a veth pair, against the Linux kernel in a namespace, checked byte for
 * byte. Each application runs in a child JVM started with the flags a user would use; the kernel's side runs in
 * the namespace (curl, or a plain Java program without jbypass). Needs root (network namespaces, AF_PACKET).
 */
class VethAppsIT
{
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration RUN = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private KernelPeer peer;
    private Path config;
    private String stack;
    private String kernel;

    @BeforeAll
    static void root()
    {
        KernelPeer.assumeAvailable();
    }

    @BeforeEach
    void peer() throws IOException
    {
        peer = KernelPeer.create();
        stack = Ipv4Address.toString(peer.stackAddress());
        kernel = Ipv4Address.toString(peer.kernelAddress());
        config = dir.resolve("jbypass.properties");
        Files.writeString(config, String.join("\n",
            "interface.veth.driver = afpacket",
            "interface.veth.host-if = " + peer.stackInterface(),
            "interface.veth.address = " + stack + "/" + peer.prefixLength(),
            "") );
    }

    @AfterEach
    void removePeer()
    {
        peer.close();
    }

    private static void awaitStarted(final ChildJvm child, final String banner) throws InterruptedException
    {
        assertTrue(child.awaitOutput(banner, START), () -> "did not start:\n" + child.describe());
    }

    @Test
    void shouldPingPongDatagramsWithTheKernel() throws Exception
    {
        try (ChildJvm pong = ChildJvm.withAgent(config, "org.jbypass.samples.UdpPingPong", "pong", stack, "7001"))
        {
            awaitStarted(pong, "pong listening on");
            try (ChildJvm ping = ChildJvm.inNamespace(peer.namespace(), "org.jbypass.samples.UdpPingPong", "ping",
                stack, "7001", "200"))
            {
                assertEquals(0, ping.waitFor(RUN), () -> ping.describe() + "\n" + pong.describe());
                assertTrue(ping.stdout().contains("200 pings answered"), ping::describe);
            }
        }
    }

    @Test
    void shouldPingPongDatagramsFromTheStackSide() throws Exception
    {
        // The kernel answers, the stack asks: a DatagramChannel client connected to the kernel's address.
        try (ChildJvm pong = ChildJvm.inNamespace(peer.namespace(), "org.jbypass.samples.UdpPingPong", "pong",
            kernel, "7002"))
        {
            awaitStarted(pong, "pong listening on");
            try (ChildJvm ping = ChildJvm.withProperty(config, "org.jbypass.samples.UdpPingPong", "ping", kernel,
                "7002", "200"))
            {
                assertEquals(0, ping.waitFor(RUN), () -> ping.describe() + "\n" + pong.describe());
                assertTrue(ping.stdout().contains("200 pings answered"), ping::describe);
            }
        }
    }
}
