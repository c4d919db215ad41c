package org.jbypass.provider.engine;

import java.io.IOException;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.provider.config.BypassConfig;
import org.jbypass.provider.config.InterfaceConfig;

/** Opens the link of one configured interface, on the stack's pool, with its decorators (impairment, capture). */
@FunctionalInterface
public interface LinkFactory
{
    /**
     * @param config the whole configuration (its file is named in errors)
     * @param iface  the interface to open
     * @param pool   the stack's pool, which the link must use
     * @param time   the stack's time, for capture timestamps
     * @throws IOException naming the interface's keys when the link cannot be opened (no such netdev, no
     *                     permission, no NIC)
     */
    Link open(BypassConfig config, InterfaceConfig iface, PacketPool pool, StackTime time) throws IOException;
}
