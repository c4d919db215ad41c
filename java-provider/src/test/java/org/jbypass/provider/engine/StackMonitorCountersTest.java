package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
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
}
