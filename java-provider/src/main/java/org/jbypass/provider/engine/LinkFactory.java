package org.jbypass.provider.engine;

import java.io.IOException;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.provider.config.InterfaceConfig;

/** Opens the link of one configured interface, on the stack's pool, with its decorators (impairment, capture). */
@FunctionalInterface
public interface LinkFactory
{
    /**
     * @throws IOException naming the interface's keys when the link cannot be opened (no such netdev, no
     *                     permission, no NIC)
     */
    Link open(InterfaceConfig config, PacketPool pool) throws IOException;
}
