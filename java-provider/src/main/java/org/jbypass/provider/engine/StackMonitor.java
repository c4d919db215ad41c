package org.jbypass.provider.engine;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkDecorator;
import org.jbypass.provider.driver.AfPacketLink;
import org.jbypass.provider.driver.RdmaLink;

/**
 * Makes a running stack observable: its counters as a JMX MXBean, and warnings in the log when a link starts
 * dropping frames, with what to do about it. Monitoring reads the counters under the stack's lock, seconds apart;
 * it never touches the data path.
 */
final class StackMonitor implements StackMonitorMXBean
{
    private static final System.Logger LOG = System.getLogger("org.jbypass.provider");
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final StackEngine engine;
    private final String name;
    private ObjectName objectName;
    private final Map<String, Long> lastDrops = new TreeMap<>();

    StackMonitor(final StackEngine engine)
    {
        this.engine = engine;
        final int n = INSTANCES.incrementAndGet();
        this.name = n == 1 ? "jbypass" : "jbypass-" + n;
    }

    /** Registers the MXBean; a JVM without a platform MBean server (or a name clash) only costs the bean. */
    void register()
    {
        try
        {
            final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            objectName = new ObjectName("org.jbypass:type=Stack,name=" + name);
            server.registerMBean(this, objectName);
        }
        catch (final JMException | RuntimeException e)
        {
            LOG.log(System.Logger.Level.DEBUG, "jbypass: no JMX monitoring for stack " + name, e);
            objectName = null;
        }
    }

    void unregister()
    {
        if (objectName != null)
        {
            try
            {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
            }
            catch (final JMException | RuntimeException e)
            {
                LOG.log(System.Logger.Level.DEBUG, "jbypass: unregistering " + objectName, e);
            }
            objectName = null;
        }
    }

    @Override
    public String[] getInterfaces()
    {
        return engine.withLock(stack -> stack.interfaces().stream().map(NetInterface::toString)
            .toArray(String[]::new));
    }

    @Override
    public Map<String, Long> getCounters()
    {
        return engine.withLock(StackMonitor::snapshot);
    }

    @Override
    public String getPool()
    {
        return engine.withLock(stack -> stack.pool().toString());
    }

    @Override
    public boolean isClosed()
    {
        return engine.isClosed();
    }

    static Map<String, Long> snapshot(final Stack stack)
    {
        final Map<String, Long> counters = new TreeMap<>();
        Counters.read("ip.", stack.ipCounters(), counters);
        Counters.read("udp.", stack.udpCounters(), counters);
        Counters.read("tcp.", stack.tcpCounters(), counters);
        for (final NetInterface nif : stack.interfaces())
        {
            Counters.read("link." + nif.name() + ".", nif.link().counters(), counters);
            final RdmaLink rdma = rdmaOf(nif.link());
            if (rdma != null)
            {
                // Per queue: link.NAME.rx0.packets, link.NAME.tx0.stalls, ... (RdmaQueueCounters).
                for (int q = 0; q < rdma.rxQueueCount(); q++)
                {
                    Counters.read("link." + nif.name() + ".rx" + q + ".", rdma.rxQueueCounters(q), counters);
                    Counters.read("link." + nif.name() + ".tx" + q + ".", rdma.txQueueCounters(q), counters);
                }
            }
        }
        counters.put("pool.inUse", (long)stack.pool().inUse());
        counters.put("pool.allocationFailures", stack.pool().allocationFailures());
        return counters;
    }

    /** The rdma port behind a link and its decorators (a capture), or null. */
    static RdmaLink rdmaOf(final Link link)
    {
        Link l = link;
        while (l instanceof LinkDecorator)
        {
            l = ((LinkDecorator)l).inner();
        }
        return l instanceof RdmaLink ? (RdmaLink)l : null;
    }

    /**
     * Logs links that dropped frames since the last check: what the link says about it (for AF_PACKET, the offload
     * hint), and the pool's allocation failures. Called by the engine's housekeeping, seconds apart.
     */
    void checkHealth()
    {
        if (engine.isClosed())
        {
            return;
        }
        engine.withLock(stack ->
        {
            for (final NetInterface nif : stack.interfaces())
            {
                final long drops = nif.link().counters().rxDropped + nif.link().counters().txDropped;
                final Long before = lastDrops.put(nif.name(), drops);
                if (before != null && drops > before)
                {
                    final String hint = nif.link() instanceof AfPacketLink
                        ? ((AfPacketLink)nif.link()).offloadHint() : null;
                    LOG.log(System.Logger.Level.WARNING, "jbypass interface " + nif.name() + " dropped "
                        + (drops - before) + " frames (" + nif.link().counters().describe() + ")"
                        + (hint != null ? "; " + hint : ""));
                }
            }
            final long failures = stack.pool().allocationFailures();
            final Long before = lastDrops.put("pool", failures);
            if (before != null && failures > before)
            {
                LOG.log(System.Logger.Level.WARNING, "jbypass packet pool ran dry " + (failures - before)
                    + " times: raise stack.buffers (" + stack.pool() + ")");
            }
            return null;
        });
    }
}
