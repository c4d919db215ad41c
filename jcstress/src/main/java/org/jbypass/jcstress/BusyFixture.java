package org.jbypass.jcstress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.Properties;

import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;

/**
 * Two jbypass stacks on one in-memory wire for the busy-wait stress tests: {@link #BUSY}, whose blocked threads and
 * selections drive the stack for up to a millisecond before they park ({@code poller.busy-wait-ns}), racing its
 * poller (which polls its ring for as long after its work, {@code poller.busy-poll-ns}); and {@link #PEER}, with the
 * defaults, which sends to it over the wire. Frames to BUSY are taken from its ring by whichever thread gets the lock.
 */
final class BusyFixture
{
    static final String BUSY_ADDRESS = "198.18.203.1";
    static final String PEER_ADDRESS = "198.18.203.2";
    private static final String WIRE = "jcstress-busy-" + ProcessHandle.current().pid();
    static final BypassSelectorProvider BUSY = provider(BUSY_ADDRESS, true);
    static final BypassSelectorProvider PEER = provider(PEER_ADDRESS, false);

    private BusyFixture()
    {
    }

    private static BypassSelectorProvider provider(final String address, final boolean busy)
    {
        return new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            p.setProperty("interface.w0.driver", "memory");
            p.setProperty("interface.w0.host-if", WIRE);
            p.setProperty("interface.w0.address", address + "/24");
            p.setProperty("stack.buffers", "4096");
            p.setProperty("stack.seed", "1");
            if (busy)
            {
                p.setProperty("poller.busy-wait-ns", "1000000");
                p.setProperty("poller.busy-poll-ns", "1000000");
            }
            return ConfigParser.parse(null, p);
        }, new Drivers());
    }

    /** A datagram channel of a provider, bound to an address of its stack. */
    static DatagramChannel datagram(final BypassSelectorProvider provider, final String address)
    {
        try
        {
            final DatagramChannel dc = provider.openDatagramChannel();
            dc.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return dc;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
