package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The messages of open failures, which must say what to do. */
class AfPacketErrorsTest
{
    private static final AfPacketOptions JBP0 = AfPacketOptions.builder("jbp0").macAddress("02:00:5e:10:00:01")
        .build();

    @Test
    void shouldSayWhichCapabilityIsMissing()
    {
        assertMessage("afpacket: cannot open jbp0: Operation not permitted (needs CAP_NET_RAW)",
            JBP0, AfPacketNative.STEP_SOCKET, AfPacketErrors.EPERM, "Operation not permitted");
    }

    @Test
    void shouldSayThatTheInterfaceIsMissing()
    {
        assertMessage("afpacket: no interface named foo0 (see `ip link`)",
            AfPacketOptions.of("foo0"), AfPacketNative.STEP_INTERFACE, AfPacketErrors.ENODEV, "No such device");
    }

    @Test
    void shouldSayWhichOptionShrinksTheRing()
    {
        final long[] info = info(AfPacketNative.STEP_RX_RING);
        info[AfPacketNative.INFO_RX_RING_BYTES] = 64L << 20;
        assertEquals("afpacket: cannot map a 64 MiB receive ring on jbp0: Cannot allocate memory"
                + " (lower interface.jbp0.rx-queue-size)",
            AfPacketErrors.openFailure(JBP0, AfPacketErrors.ENOMEM, "Cannot allocate memory", info, 2048)
                .getMessage());
    }

    @Test
    void shouldSayHowToBringTheInterfaceUp()
    {
        assertMessage("afpacket: jbp0 is down (bring it up: ip link set jbp0 up)",
            JBP0, AfPacketNative.STEP_LINK_DOWN, AfPacketErrors.ENETDOWN, "Network is down");
        assertMessage("afpacket: jbp0 is down (bring it up: ip link set jbp0 up)",
            JBP0, AfPacketNative.STEP_BIND, AfPacketErrors.ENETDOWN, "Network is down");
    }

    @Test
    void shouldExplainMtuProblems()
    {
        final long[] info = info(AfPacketNative.STEP_MTU);
        info[AfPacketNative.INFO_NETDEV_MTU] = 9000;
        assertEquals("afpacket: packet buffers of 2048 bytes cannot hold the frames of MTU 9000 on jbp0 (an MTU of"
                + " 2034 at most fits: set interface.jbp0.mtu to 2034 or less, or use larger packet buffers)",
            AfPacketErrors.openFailure(JBP0, AfPacketErrors.EMSGSIZE, "Message too long", info, 2048).getMessage());
        final AfPacketOptions tooLarge = JBP0.toBuilder().mtu(9001).build();
        assertEquals("afpacket: interface.jbp0.mtu 9001 exceeds jbp0's MTU 9000 (lower interface.jbp0.mtu, or"
                + " raise the netdev's: ip link set jbp0 mtu 9001)",
            AfPacketErrors.openFailure(tooLarge, AfPacketErrors.EINVAL, "Invalid argument", info, 16384)
                .getMessage());
    }

    @Test
    void shouldRefuseTheNetdevsOwnMacWithAReason()
    {
        assertMessage("afpacket: the stack's MAC 02:00:5e:10:00:01 is jbp0's own address; the kernel would take the"
                + " stack's frames as its own and answer its TCP segments with resets: give the stack a MAC of its"
                + " own (leave interface.jbp0.mac unset for a random one)",
            JBP0, AfPacketNative.STEP_MAC, AfPacketErrors.EADDRINUSE, "Address already in use");
    }

    @Test
    void shouldNameOtherFailures()
    {
        final long[] info = info(AfPacketNative.STEP_LINK_TYPE);
        info[AfPacketNative.INFO_LINK_TYPE] = 772;
        assertEquals("afpacket: lo is not an Ethernet interface (link type 772, loopback); afpacket drives Ethernet"
                + " netdevs only",
            AfPacketErrors.openFailure(AfPacketOptions.of("lo"), AfPacketErrors.EPROTONOSUPPORT, "x", info, 2048)
                .getMessage());
        assertMessage("afpacket: cannot make jbp0 accept the stack's MAC 02:00:5e:10:00:01: Operation not supported"
                + " (or set interface.jbp0.promiscuous=true)",
            JBP0, AfPacketNative.STEP_MEMBERSHIP, 95, "Operation not supported");
        assertMessage("afpacket: cannot create an eventfd for jbp0: Too many open files (too many open files: raise"
                + " `ulimit -n`)",
            JBP0, AfPacketNative.STEP_EVENTFD, AfPacketErrors.EMFILE, "Too many open files");
        final DriverException e = AfPacketErrors.openFailure(JBP0, AfPacketErrors.EPERM, "Operation not permitted",
            info(AfPacketNative.STEP_SOCKET), 2048);
        assertEquals("afpacket", e.driver());
        assertEquals("jbp0", e.interfaceName());
        assertEquals(AfPacketErrors.EPERM, e.errno());
    }

    @Test
    void shouldFormatSizes()
    {
        assertEquals("2 GiB", AfPacketErrors.bytes(2L << 30));
        assertEquals("64 MiB", AfPacketErrors.bytes(64L << 20));
        assertEquals("1.5 MiB", AfPacketErrors.bytes(3L << 19));
        assertEquals("512 KiB", AfPacketErrors.bytes(512L << 10));
        assertEquals("100 bytes", AfPacketErrors.bytes(100));
    }

    private static void assertMessage(final String expected, final AfPacketOptions options, final int step,
        final int errno, final String strerror)
    {
        assertEquals(expected, AfPacketErrors.openFailure(options, errno, strerror, info(step), 2048).getMessage());
    }

    private static long[] info(final int step)
    {
        final long[] info = new long[AfPacketNative.INFO_LENGTH];
        info[AfPacketNative.INFO_FAILED_STEP] = step;
        return info;
    }
}
