package org.jbypass.provider.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Properties;
import java.util.concurrent.Callable;

import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.provider.testing.Host;
import org.jbypass.provider.testing.KernelPeer;

/**
 * What the provider's multicast tests share (ProviderMulticastInteropTest, ProviderMulticast6InteropTest,
 * ProviderMulticastSocketInteropTest): the configuration of a stack on afpacket over a {@link KernelPeer}'s veth, the
 * stack end's netdev as the JDK lists it, and the comparison of an outcome on a stack-served channel with the JDK's
 * own.
 */
final class StackNetdev
{
    private StackNetdev()
    {
    }

    /** A stack interface {@code v0} on afpacket over the peer's stack end, at the peer's stack address. */
    static Properties afpacketConfig(final KernelPeer peer, final int seed)
    {
        final Properties p = new Properties();
        p.setProperty("interface.v0.driver", "afpacket");
        p.setProperty("interface.v0.host-if", peer.stackInterface());
        p.setProperty("interface.v0.address", Ipv4Address.toString(peer.stackAddress()) + "/" + peer.prefixLength());
        p.setProperty("stack.seed", Integer.toString(seed));
        return p;
    }

    /**
     * The stack end's netdev, as {@code NetworkInterface.getByName} finds it. The JDK lists only netdevs with an
     * address (SIOCGIFCONF, /proc/net/if_inet6): a shared NIC has one; this veth end, the stack's alone, is given
     * {@code hostAddress} (outside the stack's subnet) so that it is listed.
     */
    static NetworkInterface listed(final KernelPeer peer, final String hostAddress) throws SocketException
    {
        final var added = Host.run("ip", "addr", "add", hostAddress + "/32", "dev", peer.stackInterface());
        assertEquals(0, added.exitCode(), added.describe());
        final NetworkInterface nif = NetworkInterface.getByName(peer.stackInterface());
        assertNotNull(nif, peer.stackInterface());
        return nif;
    }

    /** Asserts that an action on a stack-served channel has the outcome the same action has on the JDK's. */
    static void same(final String what, final Callable<?> stack, final Callable<?> jdk)
    {
        final String expected = outcome(jdk);
        assertEquals(expected, outcome(stack), what);
    }

    /** "ok" and a Boolean result, or the exception's class and message. */
    private static String outcome(final Callable<?> action)
    {
        try
        {
            final Object result = action.call();
            return "ok " + (result instanceof Boolean ? result : "");
        }
        catch (final Exception e)
        {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }
}
