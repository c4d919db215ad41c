package org.jbypass.provider.engine;

import java.io.IOException;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.virtual.ImpairedLink;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.link.virtual.PcapLink;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.provider.config.BypassConfig;
import org.jbypass.provider.config.ConfigurationException;
import org.jbypass.provider.config.ImpairmentConfig;
import org.jbypass.provider.config.InterfaceConfig;
import org.jbypass.provider.driver.AfPacketLink;
import org.jbypass.provider.driver.AfPacketOptions;
import org.jbypass.provider.driver.DriverException;
import org.jbypass.provider.driver.RdmaLink;
import org.jbypass.provider.driver.RdmaOptions;

/**
 * Opens the link an interface's {@code driver} names, with the interface's settings, and wraps it in the
 * impairment ({@code impair.*}) and capture ({@code pcap}) decorators when they are configured: capture outermost,
 * so that the file shows the frames the stack itself received and sent. Errors name the interface and the key; a
 * driver's own diagnosis (no such netdev, not root, no NIC, ...) is kept in the message.
 */
public final class Drivers implements LinkFactory
{
    @Override
    public Link open(final BypassConfig config, final InterfaceConfig iface, final PacketPool pool,
        final StackTime time) throws IOException
    {
        Link link;
        switch (iface.driver())
        {
            case AFPACKET:
                link = afpacket(config, iface, pool);
                break;
            case RDMA:
                link = rdma(config, iface, pool);
                break;
            case MEMORY:
            default:
                link = memory(config, iface, pool);
                break;
        }
        try
        {
            final ImpairmentConfig impairment = iface.impairment();
            if (impairment.any())
            {
                link = new ImpairedLink(link, ImpairedLink.config().loss(impairment.loss())
                    .reorder(impairment.reorder()).duplicate(impairment.duplicate()).corrupt(impairment.corrupt())
                    .seed(impairment.seed()));
            }
            if (iface.pcap() != null)
            {
                // The stack's time is System.nanoTime(), which has no epoch: place it on the calendar here, where
                // the clock is read.
                final long epochOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
                link = PcapLink.open(link, iface.pcap(), time, PcapLink.options().epochOffsetNanos(epochOffsetNanos));
            }
            return link;
        }
        catch (final IOException e)
        {
            link.close();
            throw new ConfigurationException(config.source(), iface.key(InterfaceConfig.PCAP), "cannot write "
                + iface.pcap() + ": " + e.getMessage(), e);
        }
        catch (final RuntimeException e)
        {
            link.close();
            throw e;
        }
    }

    private static Link afpacket(final BypassConfig config, final InterfaceConfig iface, final PacketPool pool)
        throws IOException
    {
        final AfPacketOptions options;
        try
        {
            final AfPacketOptions.Builder b = AfPacketOptions.builder(iface.hostIf());
            if (iface.mac() != InterfaceConfig.DEFAULT_MAC)
            {
                b.macAddress(iface.mac());
            }
            if (iface.mtu() != 0)
            {
                b.mtu(iface.mtu());
            }
            final String ring = iface.stringOption("rx-ring", null);
            if (ring != null)
            {
                b.rxRing(ring);
            }
            b.rxQueueSize(iface.intOption(InterfaceConfig.RX_QUEUE_SIZE, AfPacketOptions.DEFAULT_RX_QUEUE_SIZE));
            b.txQueueSize(iface.intOption(InterfaceConfig.TX_QUEUE_SIZE, AfPacketOptions.DEFAULT_TX_QUEUE_SIZE));
            final int blockSize = iface.intOption("rx-block-size", 0);
            if (blockSize != 0)
            {
                b.rxBlockSize(blockSize); // otherwise the default of the ring layout
            }
            b.rxBlockTimeoutMillis(iface.intOption("rx-block-timeout-ms",
                AfPacketOptions.DEFAULT_RX_BLOCK_TIMEOUT_MILLIS));
            b.promiscuous(iface.booleanOption("promiscuous", false));
            b.qdiscBypass(iface.booleanOption("qdisc-bypass", false));
            b.txRing(iface.booleanOption("tx-ring", true));
            final boolean rxSuper = iface.booleanOption("rx-super-frames", true);
            b.rxSuperFrames(rxSuper);
            b.txSuperFrames(iface.booleanOption("tx-super-frames", rxSuper));
            options = b.build();
        }
        catch (final IllegalArgumentException e)
        {
            throw new ConfigurationException(config.source(), iface.key(InterfaceConfig.HOST_IF), e.getMessage(), e);
        }
        try
        {
            return AfPacketLink.open(options, pool);
        }
        catch (final IllegalArgumentException e)
        {
            throw new ConfigurationException(config.source(), iface.key(InterfaceConfig.DRIVER), e.getMessage(), e);
        }
        catch (final DriverException | UnsatisfiedLinkError e)
        {
            throw new IOException("jbypass interface " + iface.name() + " (afpacket on " + iface.hostIf()
                + "): " + e.getMessage(), e);
        }
    }

    private static Link rdma(final BypassConfig config, final InterfaceConfig iface, final PacketPool pool)
        throws IOException
    {
        final RdmaOptions options;
        try
        {
            final RdmaOptions.Builder b = RdmaOptions.builder(iface.name()).hostIf(iface.hostIf());
            final String mode = iface.stringOption("mode", RdmaOptions.Mode.AUTO.key());
            for (final RdmaOptions.Mode m : RdmaOptions.Mode.values())
            {
                if (m.key().equals(mode))
                {
                    b.mode(m);
                }
            }
            b.rxQueues(iface.rxQueues());
            b.rxQueueSize(iface.intOption(InterfaceConfig.RX_QUEUE_SIZE, RdmaOptions.DEFAULT_QUEUE_SIZE));
            b.txQueueSize(iface.intOption(InterfaceConfig.TX_QUEUE_SIZE, RdmaOptions.DEFAULT_QUEUE_SIZE));
            b.mac(iface.mac() != InterfaceConfig.DEFAULT_MAC ? iface.mac() : RdmaOptions.RANDOM_MAC);
            b.mtu(iface.mtu() != 0 ? iface.mtu() : RdmaOptions.DEFAULT_MTU);
            b.allowNetdevMac(iface.booleanOption("allow-netdev-mac", false));
            b.cqeCompression(iface.booleanOption("cqe-compression", true));
            options = b.build();
        }
        catch (final IllegalArgumentException e)
        {
            throw new ConfigurationException(config.source(), null, e.getMessage(), e);
        }
        try
        {
            return RdmaLink.open(options, pool);
        }
        catch (final IllegalArgumentException e)
        {
            throw new ConfigurationException(config.source(), null, e.getMessage(), e);
        }
        catch (final DriverException | UnsatisfiedLinkError e)
        {
            throw new IOException("jbypass interface " + iface.name() + " (rdma on " + iface.hostIf() + "): "
                + e.getMessage(), e);
        }
    }

    private static Link memory(final BypassConfig config, final InterfaceConfig iface, final PacketPool pool)
        throws IOException
    {
        // Unique on the wire as long as the interfaces' addresses are: a locally administered MAC made from the
        // IPv4 address, or from the first IPv6 address's low 32 bits on an IPv6-only interface.
        final long mac = iface.mac() != InterfaceConfig.DEFAULT_MAC ? iface.mac()
            : 0x0200_0000_0000L | ((iface.hasIpv4() ? iface.address() : (int)iface.addresses6().get(0).lo())
            & 0xFFFF_FFFFL);
        try
        {
            final MemoryWire wire = MemoryWires.wire(iface.hostIf(), iface.mtu() != 0 ? iface.mtu()
                : MemoryWire.DEFAULT_MTU, iface.intOption(InterfaceConfig.RX_QUEUE_SIZE,
                MemoryWire.DEFAULT_QUEUE_CAPACITY));
            return wire.attach(iface.name(), pool, mac);
        }
        catch (final IllegalArgumentException e)
        {
            throw new ConfigurationException(config.source(), iface.key(InterfaceConfig.HOST_IF), "memory wire '"
                + iface.hostIf() + "': " + e.getMessage(), e);
        }
    }
}
