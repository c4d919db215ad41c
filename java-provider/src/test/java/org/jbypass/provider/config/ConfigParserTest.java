package org.jbypass.provider.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jbypass.netstack.wire.Ipv4Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigParserTest
{
    private static final String MINIMAL = String.join("\n",
        "interface.eth0.driver = afpacket",
        "interface.eth0.host-if = veth1",
        "interface.eth0.address = 198.18.0.2/24");

    @TempDir
    Path dir;

    private Path write(final String text) throws IOException
    {
        final Path file = dir.resolve("jbypass.properties");
        Files.writeString(file, text, StandardCharsets.ISO_8859_1);
        return file;
    }

    private ConfigurationException failure(final String text) throws IOException
    {
        final Path file = write(text);
        final ConfigurationException e = assertThrows(ConfigurationException.class, () -> BypassConfig.load(file));
        assertTrue(e.getMessage().contains(file.toString()), () -> "message names the file: " + e.getMessage());
        return e;
    }

    private void assertFailure(final String text, final String key, final String detail) throws IOException
    {
        final ConfigurationException e = failure(text);
        assertEquals(key, e.key(), e.getMessage());
        if (key != null)
        {
            assertTrue(e.getMessage().contains("key " + key + ": "), e.getMessage());
        }
        assertTrue(e.getMessage().contains(detail), () -> "expected '" + detail + "' in: " + e.getMessage());
    }

    @Test
    void shouldParseMinimalConfigurationWithDefaults() throws IOException
    {
        final BypassConfig config = BypassConfig.load(write(MINIMAL));
        assertEquals(1, config.interfaces().size());
        final InterfaceConfig eth0 = config.interfaces().get(0);
        assertEquals("eth0", eth0.name());
        assertEquals(DriverKind.AFPACKET, eth0.driver());
        assertEquals("veth1", eth0.hostIf());
        assertEquals(Ipv4Address.parse("198.18.0.2"), eth0.address());
        assertEquals(24, eth0.prefixLength());
        assertEquals(0, eth0.gateway());
        assertEquals(InterfaceConfig.DEFAULT_MAC, eth0.mac());
        assertEquals(0, eth0.mtu());
        assertEquals(1, eth0.rxQueues());
        assertEquals(ImpairmentConfig.NONE, eth0.impairment());
        assertNull(eth0.pcap());
        assertEquals(WildcardBinding.KERNEL, config.wildcard());
        assertTrue(config.multicastMoveOnJoin());
        assertEquals(PollerConfig.defaults(), config.poller());
        assertEquals(StackSettings.defaults(), config.stack());
        assertEquals(IdleStrategyKind.BLOCK, config.idleOf(eth0));
    }

    @Test
    void shouldParseEveryKey() throws IOException
    {
        final BypassConfig config = BypassConfig.load(write(String.join("\n",
            MINIMAL,
            "interface.eth0.gateway = 198.18.0.1",
            "interface.eth0.mac = 02:00:00:00:00:02",
            "interface.eth0.mtu = 1500",
            "interface.eth0.rx-queue-size = 1024",
            "interface.eth0.tx-queue-size = 512",
            "interface.eth0.rx-block-size = 131072",
            "interface.eth0.rx-ring = block",
            "interface.eth0.promiscuous = true",
            "interface.eth0.impair.loss = 0.01",
            "interface.eth0.impair.reorder = 0.02",
            "interface.eth0.impair.duplicate = 0.03",
            "interface.eth0.impair.corrupt = 0.04",
            "interface.eth0.impair.seed = 42",
            "interface.eth0.pcap = eth0.pcap",
            "interface.eth0.idle = busy-spin",
            "interface.mem.driver = memory",
            "interface.mem.host-if = wire-a",
            "interface.mem.address = 198.19.0.1/16",
            "interface.nic.driver = rdma",
            "interface.nic.host-if = enp1s0f0",
            "interface.nic.address = 198.20.0.1/24",
            "interface.nic.rx-queues = 4",
            "interface.nic.mode = dv",
            "route.1 = 10.0.0.0/8 via eth0",
            "route.2 = 172.16.0.0/12 via mem gateway 198.19.0.254",
            "bind.wildcard = stack",
            "multicast.move-on-join = false",
            "poller.idle = backoff",
            "poller.spins = 7",
            "poller.yields = 3",
            "poller.min-park-ns = 2000",
            "poller.max-park-ns = 500000",
            "poller.busy-poll-ns = 30000",
            "stack.buffers = 4096",
            "stack.buffer-size = 2048",
            "stack.seed = 99")));
        final InterfaceConfig eth0 = config.interfaceNamed("eth0");
        assertEquals(Ipv4Address.parse("198.18.0.1"), eth0.gateway());
        assertEquals(0x0200_0000_0002L, eth0.mac());
        assertEquals(1500, eth0.mtu());
        assertEquals(1, eth0.rxQueues());
        assertEquals(1024, eth0.intOption(InterfaceConfig.RX_QUEUE_SIZE, 0));
        assertEquals(512, eth0.intOption(InterfaceConfig.TX_QUEUE_SIZE, 0));
        assertEquals(131072, eth0.intOption("rx-block-size", 0));
        assertEquals("block", eth0.stringOption("rx-ring", null));
        assertTrue(eth0.booleanOption("promiscuous", false));
        assertFalse(eth0.booleanOption("qdisc-bypass", false));
        assertEquals(4, config.interfaceNamed("nic").rxQueues());
        assertEquals("dv", config.interfaceNamed("nic").stringOption("mode", "auto"));
        assertEquals(new ImpairmentConfig(0.01, 0.02, 0.03, 0.04, 42), eth0.impairment());
        assertEquals(dir.resolve("eth0.pcap").toAbsolutePath(), eth0.pcap());
        assertEquals(IdleStrategyKind.BUSY_SPIN, config.idleOf(eth0));
        assertEquals(IdleStrategyKind.BACKOFF, config.idleOf(config.interfaceNamed("mem")));
        assertEquals(DriverKind.MEMORY, config.interfaceNamed("mem").driver());
        assertEquals(2, config.routes().size());
        final RouteConfig r1 = config.routes().get(0);
        assertEquals(Ipv4Address.parse("10.0.0.0"), r1.network());
        assertEquals(8, r1.prefixLength());
        assertEquals("eth0", r1.interfaceName());
        assertEquals(Ipv4Address.parse("198.18.0.1"), r1.gateway(), "defaults to the interface's gateway");
        assertEquals(Ipv4Address.parse("198.19.0.254"), config.routes().get(1).gateway());
        assertEquals(WildcardBinding.STACK, config.wildcard());
        assertFalse(config.multicastMoveOnJoin());
        assertEquals(new PollerConfig(IdleStrategyKind.BACKOFF, 7, 3, 2000, 500000, 30000), config.poller());
        assertEquals(new StackSettings(4096, 2048, 99L), config.stack());
    }

    @Test
    void shouldNameTheFileWhenItIsMissing()
    {
        final Path missing = dir.resolve("nope.properties");
        final ConfigurationException e = assertThrows(ConfigurationException.class, () -> BypassConfig.load(missing));
        assertEquals("jbypass configuration " + missing + ": file not found", e.getMessage());
        assertNull(e.key());
    }

    @Test
    void shouldRejectUnknownDriver() throws IOException
    {
        assertFailure(MINIMAL.replace("afpacket", "dpdk"), "interface.eth0.driver",
            "unknown driver 'dpdk' (expected one of afpacket, rdma, memory)");
    }

    @Test
    void shouldRejectInterfaceWithoutHostIf() throws IOException
    {
        assertFailure("interface.eth0.driver = afpacket\ninterface.eth0.address = 198.18.0.2/24",
            "interface.eth0.host-if", "required: the Linux netdev the afpacket driver uses");
    }

    @Test
    void shouldRejectInterfaceWithoutDriver() throws IOException
    {
        assertFailure("interface.eth0.host-if = veth1\ninterface.eth0.address = 198.18.0.2/24",
            "interface.eth0.driver", "required (one of afpacket, rdma, memory)");
    }

    @Test
    void shouldRejectInterfaceWithoutAddress() throws IOException
    {
        assertFailure("interface.eth0.driver = afpacket\ninterface.eth0.host-if = veth1", "interface.eth0.address",
            "required");
    }

    @Test
    void shouldRejectMalformedAddresses() throws IOException
    {
        assertFailure(MINIMAL.replace("198.18.0.2/24", "198.18.0/24"), "interface.eth0.address",
            "malformed IPv4 address '198.18.0'");
        assertFailure(MINIMAL.replace("198.18.0.2/24", "198.18.0.2"), "interface.eth0.address",
            "has no prefix length");
        assertFailure(MINIMAL.replace("198.18.0.2/24", "198.18.0.2/33"), "interface.eth0.address",
            "prefix length 33 is out of range (1 to 32)");
        assertFailure(MINIMAL.replace("198.18.0.2/24", "198.18.0.2/x"), "interface.eth0.address",
            "malformed prefix length 'x'");
        assertFailure(MINIMAL.replace("198.18.0.2/24", "127.0.0.1/8"), "interface.eth0.address",
            "127.0.0.1 cannot be an interface's address");
        assertFailure(MINIMAL + "\ninterface.eth0.gateway = 198.18.1.1", "interface.eth0.gateway",
            "is not on the interface's subnet 198.18.0.0/24");
        assertFailure(MINIMAL + "\ninterface.eth0.mac = 01:00:5e:00:00:01", "interface.eth0.mac",
            "is not a unicast MAC address");
        assertFailure(MINIMAL + "\ninterface.eth0.mac = 02:00:00:00:00", "interface.eth0.mac",
            "malformed MAC address");
    }

    @Test
    void shouldRejectMalformedNumbers() throws IOException
    {
        assertFailure(MINIMAL + "\ninterface.eth0.mtu = 1500b", "interface.eth0.mtu",
            "malformed value '1500b' (expected an integer from 576 to 9000)");
        assertFailure(MINIMAL + "\ninterface.eth0.mtu = 9000", "interface.eth0.mtu",
            "an MTU of 9000 needs stack.buffer-size of at least 9024 (it is 2048)");
        assertFailure(MINIMAL.replace("afpacket", "rdma") + "\ninterface.eth0.rx-queues = 0",
            "interface.eth0.rx-queues", "value 0 is out of range (1 to 64)");
        assertFailure(MINIMAL.replace("afpacket", "rdma") + "\ninterface.eth0.rx-queue-size = 1000",
            "interface.eth0.rx-queue-size", "must be a power of two");
        assertFailure(MINIMAL + "\ninterface.eth0.rx-block-size = 5000", "interface.eth0.rx-block-size",
            "must be a power of two from 4096 to 4194304");
        assertFailure(MINIMAL + "\ninterface.eth0.rx-ring = v3", "interface.eth0.rx-ring",
            "'v3' is not one of frame, block");
        assertFailure(MINIMAL + "\ninterface.eth0.promiscuous = yes", "interface.eth0.promiscuous",
            "'yes' is neither true nor false");
        assertFailure(MINIMAL + "\ninterface.eth0.tx-ring = off", "interface.eth0.tx-ring",
            "'off' is neither true nor false");
        assertFailure(MINIMAL.replace("afpacket", "rdma") + "\ninterface.eth0.tx-ring = false",
            "interface.eth0.tx-ring", "the rdma driver has no such setting");
        assertFailure(MINIMAL.replace("afpacket", "rdma") + "\ninterface.eth0.mode = fast", "interface.eth0.mode",
            "'fast' is not one of auto, dv, ibv");
        assertFailure(MINIMAL + "\ninterface.eth0.impair.loss = 1.5", "interface.eth0.impair.loss",
            "must be a probability from 0 to 1");
        assertFailure(MINIMAL + "\ninterface.eth0.impair.loss = often", "interface.eth0.impair.loss",
            "malformed number 'often'");
        assertFailure(MINIMAL + "\ninterface.eth0.impair.seed = 1.5", "interface.eth0.impair.seed",
            "malformed number '1.5'");
        assertFailure(MINIMAL + "\nstack.buffer-size = 2000", "stack.buffer-size", "must be a multiple of 64");
        assertFailure(MINIMAL + "\nstack.buffers = 10", "stack.buffers", "out of range");
        assertFailure(MINIMAL + "\npoller.busy-poll-ns = 1000001", "poller.busy-poll-ns", "1000001");
        assertFailure(MINIMAL + "\npoller.min-park-ns = 5000\npoller.max-park-ns = 2000", "poller.max-park-ns",
            "must not be less than poller.min-park-ns");
    }

    @Test
    void shouldSetTheBusyKeysFromTheProfileUnlessGiven() throws IOException
    {
        final BypassConfig defaults = BypassConfig.load(write(MINIMAL));
        assertEquals(PollerConfig.defaults(), defaults.poller());
        assertEquals(0, defaults.busyWaitOf(defaults.interfaces().get(0)));

        final BypassConfig latency = BypassConfig.load(write(MINIMAL + "\nprofile = Latency"));
        assertEquals(IdleStrategyKind.BLOCK, latency.poller().idle());
        assertEquals(0, latency.poller().busyPollNanos());
        assertEquals(100_000, latency.poller().busyWaitNanos());
        assertEquals(100_000, latency.busyWaitOf(latency.interfaces().get(0)));

        final BypassConfig throughput = BypassConfig.load(write(MINIMAL + "\nprofile = throughput"));
        assertEquals(20_000, throughput.poller().busyPollNanos());
        assertEquals(0, throughput.poller().busyWaitNanos());

        final BypassConfig given = BypassConfig.load(write(MINIMAL + "\nprofile = throughput"
            + "\npoller.busy-wait-ns = 7000\npoller.idle = busy-spin\ninterface.eth0.busy-wait-ns = 0"
            + "\ninterface.m.driver = memory\ninterface.m.host-if = w\ninterface.m.address = 198.19.0.1/24"
            + "\ninterface.m.busy-wait-ns = 250000"));
        assertEquals(IdleStrategyKind.BUSY_SPIN, given.poller().idle(), "a key given wins over its profile");
        assertEquals(20_000, given.poller().busyPollNanos(), "a key not given keeps the profile's value");
        assertEquals(7_000, given.poller().busyWaitNanos());
        assertEquals(0, given.busyWaitOf(given.interfaceNamed("eth0")), "an interface's key wins over the global");
        assertEquals(250_000, given.busyWaitOf(given.interfaceNamed("m")));
    }

    @Test
    void shouldWaitOnTheRingUnlessTurnedOff() throws IOException
    {
        assertEquals(true, BypassConfig.load(write(MINIMAL)).poller().ringWait());
        assertEquals(false, BypassConfig.load(write(MINIMAL + "\npoller.ring-wait = false")).poller().ringWait());
        assertEquals(true, BypassConfig.load(write(MINIMAL + "\nprofile = latency")).poller().ringWait());
        assertFailure(MINIMAL + "\npoller.ring-wait = yes", "poller.ring-wait", "expected true or false");
    }

    @Test
    void shouldYieldWhileBusyWaitingAsTheKeySays() throws IOException
    {
        assertEquals(BusyWaitYield.AUTO, BypassConfig.load(write(MINIMAL)).poller().busyWaitYield());
        assertEquals(BusyWaitYield.TRUE,
            BypassConfig.load(write(MINIMAL + "\npoller.busy-wait-yield = true")).poller().busyWaitYield());
        assertEquals(BusyWaitYield.FALSE,
            BypassConfig.load(write(MINIMAL + "\npoller.busy-wait-yield = False")).poller().busyWaitYield());
        assertEquals(BusyWaitYield.AUTO,
            BypassConfig.load(write(MINIMAL + "\npoller.busy-wait-yield = auto")).poller().busyWaitYield());
        assertFailure(MINIMAL + "\npoller.busy-wait-yield = sometimes", "poller.busy-wait-yield",
            "expected auto, true or false");
    }

    @Test
    void shouldRejectBadBusyKeysNamingThem() throws IOException
    {
        assertFailure(MINIMAL + "\nprofile = fast", "profile",
            "unknown profile 'fast' (expected default, latency or throughput)");
        assertFailure(MINIMAL + "\nprofile = ", "profile", "empty value");
        assertFailure(MINIMAL + "\npoller.busy-wait-ns = -1", "poller.busy-wait-ns",
            "value -1 is out of range (0 to 1000000)");
        assertFailure(MINIMAL + "\npoller.busy-wait-ns = 50us", "poller.busy-wait-ns",
            "malformed value '50us' (expected an integer from 0 to 1000000)");
        assertFailure(MINIMAL + "\ninterface.eth0.busy-wait-ns = 1000001", "interface.eth0.busy-wait-ns",
            "value 1000001 is out of range (0 to 1000000)");
        assertFailure(MINIMAL + "\ninterface.eth0.busy-poll-ns = 1000", "interface.eth0.busy-poll-ns",
            "unknown interface setting 'busy-poll-ns'");
    }

    @Test
    void shouldRejectQueueKeysTheDriverDoesNotHave() throws IOException
    {
        assertFailure("interface.m.driver = memory\ninterface.m.host-if = w\ninterface.m.address = 198.18.0.2/24\n"
            + "interface.m.rx-queues = 2", "interface.m.rx-queues", "the memory driver has no such setting");
        assertFailure(MINIMAL + "\ninterface.eth0.rx-queues = 2", "interface.eth0.rx-queues",
            "the afpacket driver has no such setting");
    }

    @Test
    void shouldRejectUnknownKeys() throws IOException
    {
        assertFailure(MINIMAL + "\ninterface.eth0.adress = 1.2.3.4/8", "interface.eth0.adress",
            "unknown interface setting 'adress'");
        assertFailure(MINIMAL + "\nbind.wildcards = stack", "bind.wildcards", "unknown key");
        assertFailure(MINIMAL + "\ninterface.eth0 = x", "interface.eth0", "expected interface.NAME.SETTING");
    }

    @Test
    void shouldRejectBadRoutes() throws IOException
    {
        assertFailure(MINIMAL + "\nroute.1 = 10.0.0.0/8 through eth0", "route.1",
            "is not 'NETWORK/LENGTH via INTERFACE [gateway ADDRESS]'");
        assertFailure(MINIMAL + "\nroute.1 = 10.0.0.1/8 via eth0", "route.1",
            "has host bits set (did you mean 10.0.0.0/8?)");
        assertFailure(MINIMAL + "\nroute.1 = 10.0.0.0/8 via eth1", "route.1", "no interface named 'eth1'");
        assertFailure(MINIMAL + "\nroute.1 = 10.0.0.0/8 via eth0 gateway 10.0.0.1", "route.1",
            "is not on the interface's subnet");
    }

    @Test
    void shouldRejectOtherBadValues() throws IOException
    {
        assertFailure(MINIMAL + "\nbind.wildcard = both", "bind.wildcard", "'both' is neither kernel nor stack");
        assertFailure(MINIMAL + "\nmulticast.move-on-join = yes", "multicast.move-on-join",
            "expected true or false: 'yes'");
        assertFailure(MINIMAL + "\npoller.idle = sleep", "poller.idle", "unknown idle strategy 'sleep'");
        assertFailure(MINIMAL + "\npoller.idle = ", "poller.idle", "empty value");
        assertFailure(MINIMAL + "\ninterface.eth0.pcap = /nonexistent-dir/x.pcap", "interface.eth0.pcap",
            "does not exist");
        assertFailure(MINIMAL + "\ninterface.b.driver = memory\ninterface.b.host-if = w\n"
            + "interface.b.address = 198.18.0.2/16", "interface.eth0.address",
            "address 198.18.0.2 is already the address of interface b");
        assertFailure("", null, "no interface is configured");
    }

    @Test
    void shouldRejectMoreRoutesThanTheStackHolds() throws IOException
    {
        // Found by ConfigFuzzTest (inputs ConfigFuzzTestInputs/properties/too-many-routes): the parser took any number
        // of routes, and StackEngine.start then failed with "more than 256 routes", naming no key.
        final StringBuilder routes = new StringBuilder(MINIMAL);
        for (int i = 0; i < 255; i++)
        {
            routes.append("\nroute.").append(i).append(" = 10.").append(i).append(".0.0/16 via eth0");
        }
        assertEquals(255, BypassConfig.load(write(routes.toString())).routes().size(), "one route for eth0's subnet");
        // Keys are taken in their sorted order, in which route.99 comes last.
        assertFailure(routes + "\nroute.255 = 10.255.0.0/16 via eth0", "route.99", "too many routes");
    }

    @Test
    void shouldBlameTheParkTimeTheUserGave() throws IOException
    {
        // Found by ConfigFuzzTest (ConfigFuzzTestInputs/properties/min-park-above-default-max-park): the error named
        // poller.max-park-ns, a key the file did not have.
        assertFailure(MINIMAL + "\npoller.min-park-ns = 16777215", PollerConfig.MIN_PARK, "must not exceed "
            + PollerConfig.MAX_PARK);
        assertFailure(MINIMAL + "\npoller.min-park-ns = 20000\npoller.max-park-ns = 10000", PollerConfig.MAX_PARK,
            "must not be less than " + PollerConfig.MIN_PARK);
    }

    @Test
    void shouldRejectAPoolLargerThanTheStackCanAllocate() throws IOException
    {
        // 1048576 buffers of 2048 bytes are 2 GiB, one page more than a direct buffer holds: StackEngine.start failed
        // with "packet pool ... exceeds 2 GiB", naming no key.
        assertFailure(MINIMAL + "\nstack.buffers = 1048576", StackSettings.BUFFERS, "exceeds 2 GiB");
        assertFailure(MINIMAL + "\nstack.buffers = 131072\nstack.buffer-size = 16384", StackSettings.BUFFERS,
            "exceeds 2 GiB");
        assertEquals(1_000_000, BypassConfig.load(write(MINIMAL + "\nstack.buffers = 1000000")).stack().buffers());
    }

    @Test
    void shouldParseTheTcpKeys() throws IOException
    {
        final BypassConfig config = BypassConfig.load(write(MINIMAL + "\n" + String.join("\n",
            "tcp.receive-buffer.min = 8k",
            "tcp.receive-buffer.default = 128k",
            "tcp.receive-buffer.max = 4m",
            "tcp.send-buffer.min = 16384",
            "tcp.send-buffer.default = 64K",
            "tcp.send-buffer.max = 2m",
            "tcp.memory.limit = 1g",
            "tcp.memory.pressure = 768m",
            "tcp.memory.low = 512m",
            "tcp.time-wait.limit = 5000",
            "tcp.time-wait.reuse = true",
            "tcp.backlog.max = 1024",
            "tcp.syn-backlog = 128",
            "tcp.syn-cookies = false")));
        final org.jbypass.netstack.tcp.TcpConfig tcp = config.tcp();
        assertEquals(8192, tcp.minReceiveBufferSize());
        assertEquals(128 * 1024, tcp.receiveBufferSize());
        assertEquals(4 << 20, tcp.maxReceiveBufferSize());
        assertEquals(16384, tcp.minSendBufferSize());
        assertEquals(64 * 1024, tcp.sendBufferSize());
        assertEquals(2 << 20, tcp.maxSendBufferSize());
        assertEquals(1L << 30, tcp.memoryLimit());
        assertEquals(768L << 20, tcp.memoryPressure());
        assertEquals(512L << 20, tcp.memoryLow());
        assertEquals(5000, tcp.timeWaitLimit());
        assertTrue(tcp.timeWaitReuse());
        assertEquals(1024, tcp.maxBacklog());
        assertEquals(128, tcp.synBacklog());
        assertFalse(tcp.synCookies());
        final org.jbypass.netstack.tcp.TcpConfig derived = BypassConfig.load(write(MINIMAL + "\ntcp.memory.limit = 96m"))
            .tcp();
        assertEquals(64L << 20, derived.memoryPressure(), "two thirds of the limit, as Linux's tcp_mem");
        assertEquals(48L << 20, derived.memoryLow(), "half of the limit");
    }

    @Test
    void shouldNameTheTcpKeyAtFault() throws IOException
    {
        assertFailure(MINIMAL + "\ntcp.memory.limit = lots", "tcp.memory.limit", "malformed size 'lots'");
        assertFailure(MINIMAL + "\ntcp.memory.limit = 1k", "tcp.memory.limit", "out of range");
        assertFailure(MINIMAL + "\ntcp.memory.limit = 64m\ntcp.memory.pressure = 65m", "tcp.memory.pressure",
            "out of range");
        assertFailure(MINIMAL + "\ntcp.memory.pressure = 32m\ntcp.memory.low = 33m", "tcp.memory.low", "out of range");
        assertFailure(MINIMAL + "\ntcp.receive-buffer.default = 8m\ntcp.receive-buffer.max = 4m",
            "tcp.receive-buffer.default", "out of range");
        assertFailure(MINIMAL + "\ntcp.send-buffer.min = 1k", "tcp.send-buffer.min", "out of range");
        assertFailure(MINIMAL + "\ntcp.syn-cookies = maybe", "tcp.syn-cookies", "expected true or false");
        assertFailure(MINIMAL + "\ntcp.time-wait.limit = -1", "tcp.time-wait.limit", "out of range");
        assertFailure(MINIMAL + "\ntcp.time-wait.reuse = 1", "tcp.time-wait.reuse", "expected true or false");
        assertFailure(MINIMAL + "\ntcp.backlog.max = 0", "tcp.backlog.max", "out of range");
        assertFailure(MINIMAL + "\ntcp.syn-backlog = x", "tcp.syn-backlog", "malformed");
        assertFailure(MINIMAL + "\ntcp.window = 1", "tcp.window", "unknown key");
    }
}
