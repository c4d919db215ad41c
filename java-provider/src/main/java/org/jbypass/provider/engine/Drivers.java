package org.jbypass.provider.engine;

import java.io.IOException;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.provider.config.ConfigurationException;
import org.jbypass.provider.config.InterfaceConfig;

/**
 * The drivers an interface can name, opened with the interface's settings. INTERIM: the afpacket, rdma and memory
 * drivers and the impairment and capture decorators are being merged; until they are, configuring one fails at
 * stack start with a message saying the driver is not in this build.
 */
public final class Drivers implements LinkFactory
{
    @Override
    public Link open(final InterfaceConfig config, final PacketPool pool) throws IOException
    {
        throw new ConfigurationException(null, config.key(InterfaceConfig.DRIVER), "the "
            + config.driver().configName() + " driver is not in this build yet");
    }
}
