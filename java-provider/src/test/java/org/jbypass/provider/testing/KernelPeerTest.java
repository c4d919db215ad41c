package org.jbypass.provider.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;

import org.jbypass.netstack.wire.Ipv4Address;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The harness itself: what it builds, what it runs, and that it leaves nothing behind. Needs root. */
class KernelPeerTest
{
    @BeforeAll
    static void needsRoot()
    {
        KernelPeer.assumeAvailable();
    }

    @Test
    void shouldBuildTheNamespaceAndRemoveEverythingOnClose() throws Exception
    {
        final KernelPeer peer = KernelPeer.create();
        try
        {
            assertTrue(namespaces().contains(peer.namespace()));
            assertTrue(Host.run("ip", "link", "show", peer.stackInterface()).succeeded());
            assertFalse(Host.run("ip", "link", "show", peer.kernelInterface()).succeeded(),
                "the kernel end lives in the namespace only");

            final String kernelAddress = Ipv4Address.toString(peer.kernelAddress());
            assertTrue(kernelAddress.startsWith("198.18."), kernelAddress);
            assertTrue(kernelAddress.endsWith(".1"), kernelAddress);
            assertEquals(peer.kernelAddress() + 1, peer.stackAddress());
            assertTrue(peer.execOrThrow("ip", "-o", "-4", "address", "show", "dev", peer.kernelInterface()).stdout()
                .contains(kernelAddress + "/24"));
            assertEquals("", Host.run("ip", "-o", "address", "show", "dev", peer.stackInterface()).stdout().trim(),
                "the stack end has no address, IPv4 or IPv6");
            assertEquals("1", Files.readString(Paths.get("/proc/sys/net/ipv6/conf", peer.stackInterface(),
                "disable_ipv6")).trim());
            assertTrue(Host.run("ip", "link", "show", peer.stackInterface()).stdout().contains("NOARP"));
            assertTrue(peer.execOrThrow("cat", "/sys/class/net/" + peer.kernelInterface() + "/address").stdout()
                .trim().length() == 17);

            for (final String features : new String[] {
                Host.run("ethtool", "-k", peer.stackInterface()).orThrow().stdout(),
                peer.execOrThrow("ethtool", "-k", peer.kernelInterface()).stdout()})
            {
                for (final String feature : new String[] {"rx-checksumming", "tx-checksumming",
                    "tcp-segmentation-offload", "generic-segmentation-offload", "generic-receive-offload"})
                {
                    assertTrue(features.contains(feature + ": off"), feature + " in\n" + features);
                }
            }
            // The kernel answers on its side: its own address pings.
            assertTrue(peer.exec("ping", "-c", "1", "-W", "5", kernelAddress).succeeded());
        }
        finally
        {
            peer.close();
        }
        assertFalse(namespaces().contains(peer.namespace()), "namespace left behind");
        assertFalse(Host.run("ip", "link", "show", peer.stackInterface()).succeeded(), "veth left behind");
        peer.close(); // idempotent
    }

    @Test
    void shouldRunCommandsInsideTheNamespace() throws Exception
    {
        try (KernelPeer peer = KernelPeer.create())
        {
            final CommandResult result = peer.exec("sh", "-c", "echo out; echo err >&2; exit 3");
            assertEquals(3, result.exitCode());
            assertEquals("out\n", result.stdout());
            assertEquals("err\n", result.stderr());
            assertFalse(result.succeeded());

            // The namespace sees its own interfaces only.
            final String links = peer.execOrThrow("ip", "-o", "link", "show").stdout();
            assertTrue(links.contains(peer.kernelInterface()));
            assertFalse(links.contains(peer.stackInterface()));

            final CommandResult slow = peer.exec(Duration.ofMillis(200), "sleep", "30");
            assertEquals(-1, slow.exitCode(), "killed at its timeout");

            final BackgroundCommand server = peer.start("sh", "-c", "echo ready; exec sleep 60");
            assertTrue(server.awaitOutput("ready", Duration.ofSeconds(10)));
            assertTrue(server.isAlive());
            // close() kills what is still running.
        }
    }

    @Test
    void shouldGiveEachPeerItsOwnNames()
    {
        try (KernelPeer a = KernelPeer.create(); KernelPeer b = KernelPeer.create(9000))
        {
            assertNotEquals(a.namespace(), b.namespace());
            assertNotEquals(a.stackInterface(), b.stackInterface());
            assertEquals(9000, b.mtu());
            assertTrue(Host.run("ip", "link", "show", b.stackInterface()).stdout().contains("mtu 9000"));
            assertTrue(a.stackInterface().length() <= 15, a.stackInterface());
            assertEquals(ProcessHandle.current().pid() & 0xFFFFFF, Host.pidOf(a.namespace(), KernelPeer.PREFIX));
        }
    }

    @Test
    void shouldSweepWhatDeadJvmsLeftBehind()
    {
        final long dead = deadPid();
        final String stale = KernelPeer.PREFIX + String.format("%06x", dead) + "fff";
        Host.run("ip", "netns", "add", stale).orThrow();
        final String staleLink = VethPair.PREFIX + String.format("%06x", dead) + "fffa";
        Host.run("ip", "link", "add", staleLink, "type", "veth", "peer", "name",
            VethPair.PREFIX + String.format("%06x", dead) + "fffb").orThrow();
        try
        {
            Host.sweepStaleNow();
            assertFalse(namespaces().contains(stale), "stale namespace not swept");
            assertFalse(Host.run("ip", "link", "show", staleLink).succeeded(), "stale veth not swept");
        }
        finally
        {
            Host.run("ip", "netns", "delete", stale);
            Host.run("ip", "link", "delete", staleLink);
        }
    }

    private static long deadPid()
    {
        // Above pid_max, and distinct per test JVM: two JVMs running this test at once must not share the stale
        // names, or one's clean-up re-creates or removes what the other's sweep is checking.
        for (long pid = 0xFFFFF0 - (ProcessHandle.current().pid() & 0xFFFF); pid > 1; pid--)
        {
            if (!Files.exists(Paths.get("/proc", Long.toString(pid))))
            {
                return pid;
            }
        }
        throw new IllegalStateException("no free pid");
    }

    private static java.util.List<String> namespaces()
    {
        return Arrays.stream(Host.run("ip", "netns", "list").stdout().split("\n"))
            .map(line -> line.trim().split("\\s+")[0]).toList();
    }
}
