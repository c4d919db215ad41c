package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which interface serves a socket ({@link StackLock#interfaceOf(org.jbypass.netstack.transport.StackSocket)}), the
 * ring its waiting thread may wait on: the interface of the address it is bound to, in either family; any (-1) for
 * the wildcards, except on a stack of one interface, which serves them all. IPv6 sockets once always counted as
 * "any", so their threads never waited on a ring and every datagram cost the poller's wakeup (UdpEchoLatencyTest's
 * IPv6 row: 2.03 wakeups per round trip, now 1.06); so did every wildcard-bound socket, an unmodified
 * {@code MulticastSocket}'s among them, on a stack of one interface.
 */
class StackLockInterfaceOfTest
{
    private BypassSelectorProvider provider;

    @AfterEach
    void shutdown()
    {
        if (provider != null)
        {
            provider.shutdown();
        }
    }

    @Test
    void shouldServeASocketFromTheInterfaceOfItsAddressInEitherFamily() throws IOException
    {
        provider = new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            p.setProperty("interface.m0.driver", "memory");
            p.setProperty("interface.m0.host-if", "interface-of-a-" + ProcessHandle.current().pid());
            p.setProperty("interface.m0.address", "198.18.248.1/24");
            p.setProperty("interface.m1.driver", "memory");
            p.setProperty("interface.m1.host-if", "interface-of-b-" + ProcessHandle.current().pid());
            p.setProperty("interface.m1.address", "198.18.249.1/24");
            p.setProperty("interface.m1.address6", "2001:db8:249::1/64");
            p.setProperty("stack.seed", "29");
            return ConfigParser.parse(null, p);
        }, new Drivers()::open);
        final StackEngine engine = provider.context().engine();
        final StackLock lock = engine.lock();
        final long[] v6 = Ipv6Address.parse("2001:db8:249::1");
        // A tentative address is not bound to (RFC 4862 section 5.4): wait, bounded, on the stack's own DAD timers.
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (engine.withLock(stack -> stack.ipv6().addressState(v6[0], v6[1])) != 2)
        {
            assertTrue(System.nanoTime() - deadline < 0, "DAD never finished");
            LockSupport.parkNanos(10_000_000L);
        }
        lock.enter();
        try
        {
            final Stack stack = engine.stack();
            final UdpSocket four = stack.openUdp();
            assertEquals(0, four.bind((198 << 24) | (18 << 16) | (249 << 8) | 1, 7400));
            assertEquals(1, lock.interfaceOf(four));
            final UdpSocket six = stack.openUdp6(true);
            assertEquals(0, six.bind6(v6[0], v6[1], 7401));
            assertEquals(1, lock.interfaceOf(six), "an IPv6 socket is served by its address's interface");
            final UdpSocket any = stack.openUdp6(false);
            assertEquals(0, any.bind6(0, 0, 7402));
            assertEquals(-1, lock.interfaceOf(any), "a socket bound to :: may be served by any interface");
            four.close();
            six.close();
            any.close();
        }
        finally
        {
            lock.exit();
        }
    }

    @Test
    void shouldServeEverySocketOfAStackOfOneInterfaceFromIt() throws IOException
    {
        provider = new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            p.setProperty("interface.m0.driver", "memory");
            p.setProperty("interface.m0.host-if", "interface-of-one-" + ProcessHandle.current().pid());
            p.setProperty("interface.m0.address", "198.18.250.1/24");
            p.setProperty("stack.seed", "29");
            return ConfigParser.parse(null, p);
        }, new Drivers()::open);
        final StackLock lock = provider.context().engine().lock();
        lock.enter();
        try
        {
            final Stack stack = provider.context().engine().stack();
            final UdpSocket any = stack.openUdp();
            assertEquals(0, any.bind(0, 7403));
            assertEquals(0, lock.interfaceOf(any), "bound to the wildcard: the only interface serves it");
            final UdpSocket any6 = stack.openUdp6(false);
            assertEquals(0, any6.bind6(0, 0, 7404));
            assertEquals(0, lock.interfaceOf(any6), "bound to ::, likewise");
            final UdpSocket unbound = stack.openUdp();
            assertEquals(0, lock.interfaceOf(unbound));
            any.close();
            any6.close();
            unbound.close();
        }
        finally
        {
            lock.exit();
        }
    }
}
