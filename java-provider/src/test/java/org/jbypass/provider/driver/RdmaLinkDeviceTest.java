package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jbypass.netstack.buffer.PacketPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real device path (libibverbs loaded at run time, sysfs, the verbs calls) on this machine, which has
 * rdma-core but no RDMA device: every way it fails must say what is wrong and what to do, and leave the pool whole.
 */
class RdmaLinkDeviceTest
{
    private final PacketPool pool = new PacketPool(1024, 2048);

    private static RdmaOptions options(final String hostIf)
    {
        return RdmaOptions.builder("eth1").hostIf(hostIf).rxQueueSize(256).txQueueSize(256).build();
    }

    private DriverException fails(final String hostIf, final RdmaLink.Environment env)
    {
        final DriverException e = assertThrows(DriverException.class,
            () -> RdmaLink.open(options(hostIf), pool, env));
        assertEquals("rdma", e.driver());
        assertEquals(hostIf, e.interfaceName());
        assertTrue(e.getMessage().startsWith("rdma: interface.eth1.host-if = " + hostIf + ": "), e.getMessage());
        assertEquals(0, pool.inUse(), "the pool is untouched");
        return e;
    }

    @Test
    void shouldSayRdmaCoreIsMissingWhenLibibverbsCannotBeLoaded()
    {
        final DriverException e = fails("lo", new RdmaLink.Environment("libjbypass-missing-ibverbs.so.1",
            "libjbypass-missing-mlx5.so.1", "/sys", "/dev"));
        assertTrue(e.getMessage().contains("needs rdma-core"), e.getMessage());
        assertTrue(e.getMessage().contains("libjbypass-missing-ibverbs.so.1"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install libibverbs1 ibverbs-providers"), e.getMessage());
        assertEquals(2, e.errno(), "ENOENT");
    }

    @Test
    void shouldSayThereIsNoRdmaDeviceBehindAVirtualInterface()
    {
        final DriverException e = fails("lo", RdmaLink.Environment.SYSTEM);
        assertTrue(e.getMessage().contains("not backed by a PCI function"), e.getMessage());
        assertEquals(19, e.errno(), "ENODEV");
    }

    @Test
    void shouldSayTheInterfaceDoesNotExist()
    {
        final DriverException e = fails("jbpnosuch0", RdmaLink.Environment.SYSTEM);
        assertTrue(e.getMessage().contains("no network interface named 'jbpnosuch0'"), e.getMessage());
    }

    /** sysfs and /dev (fake) with eth5, a ConnectX function with mlx5_0 and uverbs0, MAC b8:59:9f:00:00:10. */
    private static RdmaLink.Environment fakeConnectX(final Path root) throws IOException
    {
        final Path fn = root.resolve("sys/devices/pci0000:00/0000:03:00.0");
        Files.createDirectories(fn.resolve("infiniband/mlx5_0"));
        Files.createDirectories(fn.resolve("infiniband_verbs/uverbs0"));
        Files.createDirectories(root.resolve("sys/bus/pci/drivers/mlx5_core"));
        Files.createSymbolicLink(fn.resolve("driver"), root.resolve("sys/bus/pci/drivers/mlx5_core"));
        final Path net = Files.createDirectories(root.resolve("sys/class/net/eth5"));
        Files.createSymbolicLink(net.resolve("device"), fn);
        Files.writeString(net.resolve("mtu"), "1500\n");
        Files.writeString(net.resolve("address"), "b8:59:9f:00:00:10\n");
        Files.createDirectories(root.resolve("dev/infiniband"));
        Files.writeString(root.resolve("dev/infiniband/uverbs0"), "");
        return new RdmaLink.Environment("libibverbs.so.1", "libmlx5.so.1", root.resolve("sys").toString(),
            root.resolve("dev").toString());
    }

    @Test
    void shouldSayWhatLibibverbsSeesWhenSysfsShowsADevice(@TempDir final Path root) throws IOException
    {
        // sysfs (fake) says eth5 is a ConnectX function; libibverbs (real) lists no device on this machine.
        final DriverException e = fails("eth5", fakeConnectX(root));
        assertTrue(e.getMessage().contains("libibverbs lists no RDMA device")
            || e.getMessage().contains("libibverbs does not list mlx5_0"), e.getMessage());
    }

    @Test
    void shouldRefuseTheMacOfALinuxNetdevUnlessAllowed(@TempDir final Path root) throws IOException
    {
        final RdmaLink.Environment env = fakeConnectX(root);
        final long netdevMac = 0xb8599f000010L;
        final RdmaOptions.Builder b = RdmaOptions.builder("eth1").hostIf("eth5").rxQueueSize(256).txQueueSize(256)
            .mac(netdevMac);
        final DriverException e = assertThrows(DriverException.class, () -> RdmaLink.open(b.build(), pool, env));
        assertTrue(e.getMessage().contains("belongs to the Linux interface 'eth5'"), e.getMessage());
        assertTrue(e.getMessage().contains("allow-netdev-mac = true"), e.getMessage());
        assertEquals(98, e.errno(), "EADDRINUSE");
        final DriverException allowed = assertThrows(DriverException.class,
            () -> RdmaLink.open(b.allowNetdevMac(true).build(), pool, env));
        assertTrue(allowed.getMessage().contains("libibverbs"), "got past the MAC check: " + allowed.getMessage());
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldRefuseAPoolThatCannotHoldTheRings()
    {
        final PacketPool small = new PacketPool(300, 2048);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> RdmaLink.open(options("lo"), small));
        assertTrue(e.getMessage().startsWith("interface.eth1.rx-queue-size:"), e.getMessage());
        final PacketPool tiny = new PacketPool(4096, 1024);
        final IllegalArgumentException mtu = assertThrows(IllegalArgumentException.class,
            () -> RdmaLink.open(options("lo"), tiny));
        assertTrue(mtu.getMessage().startsWith("interface.eth1.mtu: 1500 needs packet buffers of 1518"),
            mtu.getMessage());
    }
}
