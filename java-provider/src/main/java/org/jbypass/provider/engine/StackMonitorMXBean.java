package org.jbypass.provider.engine;

import java.util.Map;

/**
 * A running stack as JMX shows it ({@code org.jbypass:type=Stack,name=...}, in jconsole, VisualVM or any JMX
 * client): its interfaces and every counter of its layers and links.
 */
public interface StackMonitorMXBean
{
    /** The interfaces, one line each: name, address, MAC, MTU, link. */
    String[] getInterfaces();

    /**
     * Every counter, named {@code ip.*}, {@code udp.*}, {@code tcp.*} and {@code link.NAME.*} (the link counters
     * of interface NAME), read at once under the stack's lock so that they are consistent with each other.
     */
    Map<String, Long> getCounters();

    /** Packet buffers in use (in driver rings, armed for receive, in flight) and in the pool. */
    String getPool();

    /** Whether the stack has stopped (closed, or a poller failed). */
    boolean isClosed();
}
