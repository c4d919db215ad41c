package org.jbypass.jcstress;

import java.util.Properties;

import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;

/**
 * Two jbypass stacks on one in-memory wire for the ring-wait stress tests: {@link #RING}, whose blocked threads wait
 * on the interface's receive ring in the poller's place ({@code poller.ring-wait}, a blocking poller, no busy wait:
 * the threads go straight from their attempt to the ring), and {@link #PEER}, which sends to it over the wire. On a
 * second wire, {@link #SPIN} and {@link #SPIN_PEER}: the same, but SPIN's blocked threads first busy-wait for a
 * millisecond ({@code poller.busy-wait-ns}), the one that holds the ring spinning on it, the others on their own
 * sockets.
 */
final class RingFixture
{
    static final String RING_ADDRESS = "198.18.204.1";
    static final String PEER_ADDRESS = "198.18.204.2";
    private static final String WIRE = "jcstress-ring-" + ProcessHandle.current().pid();
    static final BypassSelectorProvider RING = provider(RING_ADDRESS);
    static final BypassSelectorProvider PEER = provider(PEER_ADDRESS);
    static final String SPIN_ADDRESS = "198.18.205.1";
    static final String SPIN_PEER_ADDRESS = "198.18.205.2";
    private static final String SPIN_WIRE = "jcstress-ring-spin-" + ProcessHandle.current().pid();
    static final BypassSelectorProvider SPIN = provider(SPIN_WIRE, SPIN_ADDRESS, "1000000");
    static final BypassSelectorProvider SPIN_PEER = provider(SPIN_WIRE, SPIN_PEER_ADDRESS, "0");

    private RingFixture()
    {
    }

    private static BypassSelectorProvider provider(final String address)
    {
        return provider(WIRE, address, "0");
    }

    private static BypassSelectorProvider provider(final String wire, final String address, final String busyWait)
    {
        return new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            p.setProperty("interface.w0.driver", "memory");
            p.setProperty("interface.w0.host-if", wire);
            p.setProperty("interface.w0.address", address + "/24");
            p.setProperty("stack.buffers", "4096");
            p.setProperty("stack.seed", "1");
            p.setProperty("poller.idle", "block");
            p.setProperty("poller.busy-wait-ns", busyWait);
            p.setProperty("poller.ring-wait", "true");
            return ConfigParser.parse(null, p);
        }, new Drivers());
    }
}
