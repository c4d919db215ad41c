package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.jbypass.provider.driver.ModelPorts;
import org.junit.jupiter.api.Test;

/** The JMX counters (jbypass:type=Stack, attribute Counters) cover IPv6, ICMPv6 and NDP beside IPv4. */
class StackMonitorCountersTest
{
    @Test
    void shouldExposeIpv6IcmpV6AndNdpCounters()
    {
        try (Stack stack = new Stack(StackConfig.builder().poolBuffers(256).build(), 1))
        {
            stack.ipCounters().ip6InReceives = 3;
            stack.ipCounters().ndpOutAdverts = 2;
            final Map<String, Long> counters = StackMonitor.snapshot(stack);
            assertEquals(3L, counters.get("ip.ip6InReceives"));
            assertEquals(2L, counters.get("ip.ndpOutAdverts"));
            for (final String name : new String[] {"ip.ip6ReasmOks", "ip.ip6FragCreates", "ip.icmp6InPktTooBigs",
                "ip.icmp6RateLimited", "ip.dadDuplicates", "ip.pmtuLearned", "ip.ipInReceives"})
            {
                assertTrue(counters.containsKey(name), name);
            }
        }
    }

    /** An rdma port's per-queue counters (RdmaQueueCounters) appear per queue: link.NAME.rxQ.* and txQ.*. */
    @Test
    void shouldExposeTheRdmaPortsPerQueueCounters()
    {
        try (Stack stack = new Stack(StackConfig.builder().poolBuffers(1024).build(), 1);
            ModelPorts.Port port = ModelPorts.open("cx", MacAddress.parse("02:00:00:00:0c:01"), 2, stack.pool()))
        {
            stack.addInterface("cx", port.link(), Ipv4Address.parse("198.18.0.1"), 24, 0);
            stack.poll(2); // the gratuitous ARP of the interface's start, on send queue 0
            final Map<String, Long> counters = StackMonitor.snapshot(stack);
            for (final String name : new String[] {"link.cx.rx0.packets", "link.cx.rx1.packets", "link.cx.tx1.packets",
                "link.cx.rx1.completionErrors", "link.cx.tx0.stalls", "link.cx.tx1.recreations"})
            {
                assertTrue(counters.containsKey(name), name + " in " + counters.keySet());
            }
            assertEquals(port.link().txQueueCounters(0).packets(), counters.get("link.cx.tx0.packets"));
            stack.close(); // its buffers back before the port closes
        }
    }
}
