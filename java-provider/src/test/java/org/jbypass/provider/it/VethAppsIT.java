package org.jbypass.provider.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Unmodified datagram applications on the stack over a veth pair, against the Linux kernel. */
class VethAppsIT extends VethFixture
{
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
