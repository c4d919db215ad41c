package org.jbypass.provider.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.channel.BypassSocketChannel;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;
import org.jbypass.provider.engine.StackEngine;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.CommandResult;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.KernelPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Link-local addresses with scope IDs through the provider, against the kernel over a veth: the stack has two IPv6
 * interfaces, a memory wire first and the veth second, and a channel connecting to {@code fe80::1%N} (N the veth
 * end's kernel index) is served by the stack out of the veth, not the first interface; 1 MB goes to the kernel and
 * its SHA-256 comes back. A listener bound to the stack's {@code fe80::2%N} accepts the kernel's connection and
 * reports its peer scoped as the JDK would; an unscoped link-local connect fails as the JDK's does ("Invalid
 * argument").
 */
class ProviderLinkLocalInteropTest
{
    private static final int KERNEL_PORT = 7000;
    private static final int STACK_PORT = 7001;
    /** The kernel's side: reads a connection to its end and answers with the SHA-256 of what it read. */
    private static final String KERNEL_SERVER = String.join("\n",
        "import hashlib, socket",
        "s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)",
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
        "s.bind(('::', " + KERNEL_PORT + "))",
        "s.listen(4)",
        "print('listening', flush=True)",
        "while True:",
        "    c, peer = s.accept()",
        "    h = hashlib.sha256()",
        "    while True:",
        "        b = c.recv(65536)",
        "        if not b:",
        "            break",
        "        h.update(b)",
        "    c.sendall(h.hexdigest().encode())",
        "    c.close()",
        "");

    private static String python;

    private KernelPeer peer;
    private BypassSelectorProvider provider;
    private int scopeId;

    @BeforeAll
    static void needsRootAndPython()
    {
        KernelPeer.assumeAvailable();
        python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : Host.tool("python3");
        assumeTrue(python != null, "needs python3 for the kernel's sockets (apt-get install python3)");
    }

    @BeforeEach
    void start() throws IOException
    {
        peer = KernelPeer.createWithIpv6();
        peer.execOrThrow("ip", "-6", "address", "add", "fe80::1/64", "dev", peer.kernelInterface(), "nodad");
        scopeId = Integer.parseInt(Files.readString(Path.of("/sys/class/net", peer.stackInterface(), "ifindex"))
            .trim());
        final String wire = "ll-" + ProcessHandle.current().pid();
        provider = new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            // The first interface with IPv6 is a memory wire: an unscoped fe80::/64 route would lead there.
            p.setProperty("interface.m0.driver", "memory");
            p.setProperty("interface.m0.host-if", wire);
            p.setProperty("interface.m0.address6", "2001:db8:ff::2/64");
            p.setProperty("interface.v0.driver", "afpacket");
            p.setProperty("interface.v0.host-if", peer.stackInterface());
            p.setProperty("interface.v0.address6", peer.stackAddress6() + "/64, fe80::2/64");
            p.setProperty("stack.seed", "15");
            return ConfigParser.parse(null, p);
        }, new Drivers());
        // Duplicate address detection takes a second or two (RFC 4862 section 5.4): wait on the stack's own timers,
        // bounded, until the veth's link-local address is usable.
        final StackEngine engine = provider.context().engine();
        final long linkLocal = Ipv6Address.withScope(Ipv6Address.LINK_LOCAL_HI, 2);
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (engine.withLock(stack -> stack.ipv6().addressState(linkLocal, 2)) != 2)
        {
            assertTrue(System.nanoTime() - deadline < 0, "DAD never finished for fe80::2");
            LockSupport.parkNanos(10_000_000L);
        }
    }

    @AfterEach
    void stop()
    {
        try
        {
            if (provider != null)
            {
                provider.shutdown();
            }
        }
        finally
        {
            peer.close();
        }
    }

    private InetAddress scoped(final String address) throws IOException
    {
        return Inet6Address.getByAddress(null, InetAddress.getByName(address).getAddress(), scopeId);
    }

    @Test
    void shouldConnectToAScopedLinkLocalPeerOutOfTheInterfaceItNames() throws Exception
    {
        try (BackgroundCommand server = peer.start(python, "-c", KERNEL_SERVER))
        {
            assertTrue(server.awaitOutput("listening", Duration.ofSeconds(30)), server::toString);
            final byte[] data = new byte[1 << 20];
            new Random(15).nextBytes(data);
            try (SocketChannel channel = provider.openSocketChannel())
            {
                channel.connect(new InetSocketAddress(scoped("fe80::1"), KERNEL_PORT));
                assertTrue(((BypassSocketChannel)channel).isStackBacked(), "a scoped link-local goes to the stack");
                final InetSocketAddress local = (InetSocketAddress)channel.getLocalAddress();
                assertEquals(scoped("fe80::2"), local.getAddress());
                assertEquals(scopeId, ((Inet6Address)local.getAddress()).getScopeId());
                assertEquals(new InetSocketAddress(scoped("fe80::1"), KERNEL_PORT), channel.getRemoteAddress());
                final ByteBuffer out = ByteBuffer.wrap(data);
                while (out.hasRemaining())
                {
                    channel.write(out);
                }
                channel.shutdownOutput();
                final ByteBuffer in = ByteBuffer.allocate(64);
                while (channel.read(in) >= 0 && in.hasRemaining())
                {
                    // until the kernel's 64 hex digits and its close
                }
                assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)),
                    new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void shouldAcceptTheKernelOnAScopedLinkLocalAddress() throws Exception
    {
        try (ServerSocketChannel listener = provider.openServerSocketChannel())
        {
            listener.bind(new InetSocketAddress(scoped("fe80::2"), STACK_PORT));
            assertEquals(new InetSocketAddress(scoped("fe80::2"), STACK_PORT), listener.getLocalAddress());
            try (BackgroundCommand client = peer.start(python, "-c", String.join("\n",
                "import socket",
                "c = socket.create_connection(('fe80::2%" + peer.kernelInterface() + "', " + STACK_PORT + "))",
                "c.sendall(b'hello over the link')",
                "print(c.recv(100).decode(), flush=True)")))
            {
                try (SocketChannel accepted = listener.accept())
                {
                    final InetSocketAddress remote = (InetSocketAddress)accepted.getRemoteAddress();
                    final Inet6Address from = assertInstanceOf(Inet6Address.class, remote.getAddress());
                    assertTrue(from.isLinkLocalAddress(), remote::toString);
                    assertEquals(scopeId, from.getScopeId(), "the peer, scoped to the veth as the JDK reports it");
                    assertEquals(new InetSocketAddress(scoped("fe80::2"), STACK_PORT), accepted.getLocalAddress());
                    final ByteBuffer in = ByteBuffer.allocate(19);
                    while (in.hasRemaining() && accepted.read(in) >= 0)
                    {
                        // the kernel's greeting
                    }
                    in.flip();
                    accepted.write(in);
                }
                assertEquals(0, client.waitFor(Duration.ofSeconds(30)), client::toString);
                assertTrue(client.stdout().contains("hello over the link"), client::toString);
            }
        }
    }

    @Test
    void shouldRefuseAnUnscopedLinkLocalConnectAsTheJdk() throws Exception
    {
        final InetSocketAddress unscoped = new InetSocketAddress(InetAddress.getByName("fe80::1"), KERNEL_PORT);
        final String jdk;
        try (SocketChannel platform = SocketChannel.open())
        {
            jdk = assertThrows(SocketException.class, () -> platform.connect(unscoped)).getMessage();
        }
        try (SocketChannel channel = provider.openSocketChannel())
        {
            final SocketException e = assertThrows(SocketException.class, () -> channel.connect(unscoped));
            assertEquals(jdk, e.getMessage());
        }
        final CommandResult neighbours = peer.exec("ip", "-6", "neigh", "show", "dev", peer.kernelInterface());
        assertEquals(0, neighbours.exitCode(), neighbours.describe());
    }
}
