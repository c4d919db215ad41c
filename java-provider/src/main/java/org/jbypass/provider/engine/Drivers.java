package org.jbypass.provider.engine;

import java.io.IOException;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.provider.config.BypassConfig;
import org.jbypass.provider.config.ConfigurationException;
import org.jbypass.provider.config.InterfaceConfig;
import org.jbypass.provider.driver.AfPacketLink;
import org.jbypass.provider.driver.AfPacketOptions;
import org.jbypass.provider.driver.DriverException;

/**
 * Opens the link an interface's {@code driver} names, with the interface's settings. Errors say which interface
 * and which key; a driver's own diagnosis (no such netdev, not root, ...) is kept in the message.
 */
public final class Drivers implements LinkFactory
{
    @Override
    public Link open(final BypassConfig config, final InterfaceConfig iface, final PacketPool pool,
        final StackTime time) throws IOException
    {
        switch (iface.driver())
        {
            case AFPACKET:
                return afpacket(config, iface, pool);
            case RDMA:
            case MEMORY:
            default:
                throw new ConfigurationException(config.source(), iface.key(InterfaceConfig.DRIVER), "the "
                    + iface.driver().configName() + " driver is not in this build yet");
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
            b.rxQueueSize(iface.intOption(InterfaceConfig.RX_QUEUE_SIZE, AfPacketOptions.DEFAULT_RX_QUEUE_SIZE));
            b.txQueueSize(iface.intOption(InterfaceConfig.TX_QUEUE_SIZE, AfPacketOptions.DEFAULT_TX_QUEUE_SIZE));
            b.rxBlockSize(iface.intOption("rx-block-size", AfPacketOptions.DEFAULT_RX_BLOCK_SIZE));
            b.rxBlockTimeoutMillis(iface.intOption("rx-block-timeout-ms",
                AfPacketOptions.DEFAULT_RX_BLOCK_TIMEOUT_MILLIS));
            b.promiscuous(iface.booleanOption("promiscuous", false));
            b.qdiscBypass(iface.booleanOption("qdisc-bypass", false));
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
}
