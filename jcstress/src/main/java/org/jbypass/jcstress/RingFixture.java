package org.jbypass.jcstress;

import java.util.Properties;

import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;

/**
 * Two jbypass stacks on one in-memory wire for the ring-wait stress tests: {@link #RING}, whose blocked threads wait
 * on the interface's receive ring in the poller's place ({@code poller.ring-wait}, a blocking poller, no busy wait:
 * the threads go straight from their attempt to the ring), and {@link #PEER}, which sends to it over the wire.
 */
final class RingFixture
{
    static final String RING_ADDRESS = "198.18.204.1";
    static final String PEER_ADDRESS = "198.18.204.2";
    private static final String WIRE = "jcstress-ring-" + ProcessHandle.current().pid();
    static final BypassSelectorProvider RING = provider(RING_ADDRESS);
    static final BypassSelectorProvider PEER = provider(PEER_ADDRESS);

    private RingFixture()
    {
    }

    private static BypassSelectorProvider provider(final String address)
    {
        return new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            p.setProperty("interface.w0.driver", "memory");
            p.setProperty("interface.w0.host-if", WIRE);
            p.setProperty("interface.w0.address", address + "/24");
            p.setProperty("stack.buffers", "4096");
            p.setProperty("stack.seed", "1");
            p.setProperty("poller.idle", "block");
            p.setProperty("poller.busy-wait-ns", "0");
            p.setProperty("poller.ring-wait", "true");
            return ConfigParser.parse(null, p);
        }, new Drivers());
    }
}
