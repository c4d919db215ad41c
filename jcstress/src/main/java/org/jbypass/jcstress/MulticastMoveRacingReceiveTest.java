package org.jbypass.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Properties;

import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.channel.BypassDatagramChannel;
import org.jbypass.provider.config.ConfigParser;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A channel bound to the wildcard on the kernel moving to the stack at its join on a stack interface, racing its
 * first receive on another thread: either the receive comes first (the channel stays the kernel's, and its join is
 * the kernel's) or the move does (the receive runs on the stack); never a receive inside the JDK channel while the
 * move closes it, which would close the channel. The stack interface runs on a memory wire named "lo", so that
 * {@code NetworkInterface.getByName("lo")} names it. Result: (1 if the join left the channel on the stack, 0 on the
 * kernel, -1 if it failed; 0 if the non-blocking receive returned nothing, -1 if it failed; then -2 if the channel
 * was found closed).
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the join moved the channel, the receive ran on the stack")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the receive came first: the channel stays the kernel's")
@Outcome(id = ".*, -.*", expect = FORBIDDEN, desc = "the receive failed, or the channel closed")
@Outcome(id = "-.*, .*", expect = FORBIDDEN, desc = "the join failed")
@State
public class MulticastMoveRacingReceiveTest
{
    private static final BypassSelectorProvider PROVIDER = new BypassSelectorProvider(() ->
    {
        final Properties p = new Properties();
        p.setProperty("interface.m0.driver", "memory");
        p.setProperty("interface.m0.host-if", "lo");
        p.setProperty("interface.m0.address", "198.18.202.1/24");
        p.setProperty("poller.idle", "block");
        p.setProperty("stack.buffers", "1024");
        p.setProperty("stack.seed", "1");
        return ConfigParser.parse(null, p);
    }, (config, iface, pool, time) -> new NullLink(pool));
    private static final NetworkInterface LO;
    private static final InetAddress GROUP;

    static
    {
        try
        {
            LO = NetworkInterface.getByName("lo");
            GROUP = InetAddress.getByName("239.1.2.9");
        }
        catch (final IOException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final DatagramChannel dc;

    public MulticastMoveRacingReceiveTest()
    {
        try
        {
            dc = PROVIDER.openDatagramChannel(StandardProtocolFamily.INET);
            dc.bind(new InetSocketAddress(0));
            dc.configureBlocking(false);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    @Actor
    public void join(final II_Result r)
    {
        try
        {
            dc.join(GROUP, LO);
            r.r1 = ((BypassDatagramChannel)dc).isStackBacked() ? 1 : 0;
        }
        catch (final IOException | RuntimeException e)
        {
            r.r1 = -1;
        }
    }

    @Actor
    public void receive(final II_Result r)
    {
        try
        {
            r.r2 = dc.receive(ByteBuffer.allocate(16)) == null ? 0 : 1;
        }
        catch (final IOException | RuntimeException e)
        {
            r.r2 = -1;
        }
    }

    @Arbiter
    public void close(final II_Result r)
    {
        if (!dc.isOpen())
        {
            r.r2 = -2;
        }
        StackFixture.close(dc);
    }
}
