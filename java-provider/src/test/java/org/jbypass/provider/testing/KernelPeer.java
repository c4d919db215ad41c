package org.jbypass.provider.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;

/**
 * The Linux kernel as the stack's peer: a network namespace joined to this one by a veth pair, for tests of the
 * stack against a real TCP/IP implementation (ARP, ping, UDP, TCP).
 *
 * <pre>
 *   this process's namespace                    | namespace jbpk...   (the kernel peer)
 *                                               |
 *   AfPacketLink --- stackInterface() ==== veth ==== kernelInterface()  kernelAddress() 198.18.X.1/24
 *   (the stack, stackAddress() 198.18.X.2)      |    + lo up; commands run here with exec()/start()
 * </pre>
 *
 * <h2>What it sets up</h2>
 * <ul>
 *   <li>The stack end stays in this namespace, up, without any IP address, with IPv6 disabled and ARP off: the
 *       host's kernel neither speaks on it nor answers for it, so the stack alone owns 198.18.X.2 on the wire.
 *       Open an {@link org.jbypass.provider.driver.AfPacketLink} on it.</li>
 *   <li>The kernel end lives in a namespace of its own with {@link #kernelAddress()}/24, IPv6 disabled (the stack
 *       speaks IPv4 only, so the wire stays free of router solicitations and MLD reports), and its own loopback
 *       up.</li>
 *   <li>Offloads are off on both ends (checksum, scatter-gather, TSO, GSO, GRO, receive checksum): the kernel
 *       sends MTU-sized frames with real checksums that the stack must verify, and verifies the stack's
 *       checksums itself instead of trusting the veth. Or, from {@link #createWithDefaultOffloads()}, both ends as
 *       Linux creates a veth (TSO, GSO, GRO, checksum offload on): what users have, where the kernel sends 64 KiB
 *       super-frames with partial checksums.</li>
 *   <li>X, the third octet of 198.18.X.0/24 (RFC 2544 benchmarking space), is derived from this JVM's PID and a
 *       sequence number, so parallel test runs rarely share a subnet (and could not disturb one another if they
 *       did: every peer has its own namespace, and the stack ends answer no ARP).</li>
 * </ul>
 *
 * <h2>Use</h2>
 * <pre>{@code
 * @BeforeAll static void root() { KernelPeer.assumeAvailable(); }   // skips, with the reason, unless root
 *
 * try (KernelPeer peer = KernelPeer.create();
 *      AfPacketLink link = AfPacketLink.open(AfPacketOptions.of(peer.stackInterface()), pool))
 * {
 *     // the stack at peer.stackAddress(), the kernel at peer.kernelAddress()
 *     CommandResult ping = peer.exec("ping", "-c", "1", "-W", "2", Ipv4Address.toString(peer.stackAddress()));
 *     try (BackgroundCommand server = peer.start("socat", "TCP-LISTEN:7000,reuseaddr", "EXEC:cat")) { ... }
 * }
 * }</pre>
 *
 * <p>{@link #close()} always removes everything: it kills the commands it started, deletes the veth pair and the
 * namespace, and throws if something could not be removed, so that a leak is never silent. A JVM killed before
 * {@code close()} leaves its namespace for {@link Host#sweepStale()}, which the next test JVM runs.
 *
 * <p>Not thread safe, except {@link #exec} and {@link #start}, which may run from several threads at once.
 */
public final class KernelPeer implements AutoCloseable
{
    /** The prefix of the namespace's and the interfaces' names. */
    public static final String PREFIX = "jbpk";
    /** The subnets' prefix length. */
    public static final int PREFIX_LENGTH = 24;

    private static final int TEST_NET = Ipv4Address.parse("198.18.0.0");

    private final String namespace;
    private final String stackInterface;
    private final String kernelInterface;
    private final int subnet;
    private final int mtu;
    private final boolean offloadsOff;
    private boolean ipv6;
    private final List<BackgroundCommand> started = new ArrayList<>();
    private long kernelMac;
    private boolean closed;

    private KernelPeer(final String base, final int mtu, final boolean offloadsOff)
    {
        this.offloadsOff = offloadsOff;
        this.namespace = base;
        this.stackInterface = base + "s";
        this.kernelInterface = base + "k";
        this.subnet = TEST_NET | (Host.subnetOctet(base) << 8);
        this.mtu = mtu;
    }

    /**
     * Skips the calling test unless kernel peers can be made here (root, {@code ip}, {@code ethtool}); the reason
     * is reported by JUnit.
     */
    public static void assumeAvailable()
    {
        Host.assumeNetworkAdmin();
    }

    /** A peer with MTU 1500 on both ends. */
    public static KernelPeer create()
    {
        return create(1500);
    }

    /**
     * Creates a peer; call {@link #assumeAvailable()} first.
     *
     * @param mtu both ends' MTU
     * @throws IllegalStateException with the failing command's output if a step fails (what was made is removed)
     */
    public static KernelPeer create(final int mtu)
    {
        return create(mtu, true);
    }

    /**
     * A peer with MTU 1500 and both ends' offloads as Linux sets up a veth (TSO, GSO, GRO and checksum offload on):
     * the kernel sends the stack GSO super-frames of up to 64 KiB with partial checksums.
     */
    public static KernelPeer createWithDefaultOffloads()
    {
        return create(1500, false);
    }

    /**
     * A peer with MTU 1500, offloads as Linux sets them up, and IPv6 on the kernel end: {@link #kernelAddress6()}
     * 2001:db8:X::1/64 (without DAD, so that it is usable at once) beside its link-local address. The stack end
     * keeps IPv6 off in this namespace's kernel, so that only the stack speaks for it.
     */
    public static KernelPeer createWithIpv6()
    {
        return create(1500, false, true);
    }

    /** As {@link #createWithIpv6()}, with the kernel end's offloads off when {@code offloadsOff}. */
    public static KernelPeer createWithIpv6(final boolean offloadsOff)
    {
        return create(1500, offloadsOff, true);
    }

    private static KernelPeer create(final int mtu, final boolean offloadsOff)
    {
        return create(mtu, offloadsOff, false);
    }

    private static KernelPeer create(final int mtu, final boolean offloadsOff, final boolean ipv6)
    {
        Host.sweepStale();
        final KernelPeer peer = new KernelPeer(Host.uniqueName(PREFIX), mtu, offloadsOff);
        peer.ipv6 = ipv6;
        try
        {
            peer.build();
            return peer;
        }
        catch (final RuntimeException e)
        {
            try
            {
                peer.close();
            }
            catch (final RuntimeException cleanup)
            {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private void build()
    {
        final String m = Integer.toString(mtu);
        Host.run("ip", "netns", "add", namespace).orThrow();
        Host.run("ip", "link", "add", stackInterface, "mtu", m, "type", "veth", "peer", "name", kernelInterface,
            "mtu", m, "netns", namespace).orThrow();
        VethPair.quiet(stackInterface, offloadsOff);
        if (ipv6)
        {
            // IPv6 on: the kernel end gets its link-local address and the test's, and speaks NDP. It neither
            // solicits nor accepts router advertisements: the wire carries what the tests make it carry.
            execOrThrow("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=0",
                "net.ipv6.conf.default.disable_ipv6=0", "net.ipv6.conf." + kernelInterface + ".disable_ipv6=0",
                "net.ipv6.conf." + kernelInterface + ".accept_ra=0",
                "net.ipv6.conf." + kernelInterface + ".router_solicitations=0");
        }
        else
        {
            // IPv6 off in the whole namespace before the kernel end comes up: no DAD, RS or MLD frames.
            execOrThrow("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1", "net.ipv6.conf." + kernelInterface + ".disable_ipv6=1");
        }
        if (offloadsOff)
        {
            execOrThrow("ethtool", "-K", kernelInterface, "rx", "off", "tx", "off", "sg", "off", "tso", "off", "gso",
                "off", "gro", "off");
        }
        execOrThrow("ip", "link", "set", "lo", "up");
        execOrThrow("ip", "address", "add", Ipv4Address.toString(kernelAddress()) + "/" + PREFIX_LENGTH, "dev",
            kernelInterface);
        if (ipv6)
        {
            execOrThrow("ip", "-6", "address", "add", kernelAddress6() + "/64", "dev", kernelInterface, "nodad");
        }
        execOrThrow("ip", "link", "set", kernelInterface, "up");
        Host.run("ip", "link", "set", stackInterface, "up").orThrow();
        kernelMac = MacAddress.parse(execOrThrow("cat", "/sys/class/net/" + kernelInterface + "/address")
            .stdout().trim());
    }

    /** The namespace's name (as {@code ip netns list} shows it). */
    public String namespace()
    {
        return namespace;
    }

    /** The veth end in this namespace, where the stack runs: no address, IPv6 and ARP off. */
    public String stackInterface()
    {
        return stackInterface;
    }

    /** The veth end inside the namespace, which the kernel owns. */
    public String kernelInterface()
    {
        return kernelInterface;
    }

    /** The kernel end's MAC address. */
    public long kernelMac()
    {
        return kernelMac;
    }

    /** The subnet, 198.18.X.0. */
    public int subnet()
    {
        return subnet;
    }

    /** The kernel's address, 198.18.X.1. */
    public int kernelAddress()
    {
        return subnet | 1;
    }

    /** The address meant for the stack, 198.18.X.2 (configured nowhere: the stack claims it by answering ARP). */
    public int stackAddress()
    {
        return subnet | 2;
    }

    /** The kernel's IPv6 address (peers from {@link #createWithIpv6()}): 2001:db8:X::1, X as in 198.18.X.0. */
    public String kernelAddress6()
    {
        return "2001:db8:" + Integer.toHexString((subnet >>> 8) & 0xFF) + "::1";
    }

    /** The IPv6 address meant for the stack, 2001:db8:X::2 (configured nowhere in a kernel). */
    public String stackAddress6()
    {
        return "2001:db8:" + Integer.toHexString((subnet >>> 8) & 0xFF) + "::2";
    }

    /** What the kernel knows about an IPv6 neighbour: the line of {@code ip -6 neigh show}, or "" if nothing. */
    public String neighbour6(final String address)
    {
        return execOrThrow("ip", "-6", "neigh", "show", address, "dev", kernelInterface).stdout().trim();
    }

    /** The prefix length of the subnet, {@value #PREFIX_LENGTH}. */
    public int prefixLength()
    {
        return PREFIX_LENGTH;
    }

    /** Both ends' MTU. */
    public int mtu()
    {
        return mtu;
    }

    /**
     * Runs a command inside the namespace and waits for it ({@link Host#COMMAND_TIMEOUT} at most), capturing its
     * output. The first word is looked up like {@link Host#tool}.
     */
    public CommandResult exec(final String... command)
    {
        return exec(Host.COMMAND_TIMEOUT, command);
    }

    /** Runs a command inside the namespace with a timeout; killed at the timeout (exit code -1). */
    public CommandResult exec(final Duration timeout, final String... command)
    {
        return Host.run(timeout, inNamespace(command).toArray(new String[0]));
    }

    /** Runs a command inside the namespace and returns its result if it succeeded, else throws with its output. */
    public CommandResult execOrThrow(final String... command)
    {
        return exec(command).orThrow();
    }

    /**
     * Starts a command inside the namespace and leaves it running (a server, a capture); {@link #close()} kills
     * it if the test did not.
     */
    public BackgroundCommand start(final String... command)
    {
        final BackgroundCommand background = new BackgroundCommand(inNamespace(command));
        synchronized (started)
        {
            started.add(background);
        }
        return background;
    }

    /** Tells the kernel the stack's MAC for an address, so it sends without asking ARP first. */
    public void addNeighbour(final int address, final long mac)
    {
        execOrThrow("ip", "neigh", "replace", Ipv4Address.toString(address), "lladdr", MacAddress.toString(mac),
            "dev", kernelInterface, "nud", "permanent");
    }

    /** What the kernel knows about a neighbour: the line of {@code ip neigh show}, or "" if nothing. */
    public String neighbour(final int address)
    {
        return execOrThrow("ip", "neigh", "show", Ipv4Address.toString(address), "dev", kernelInterface)
            .stdout().trim();
    }

    private List<String> inNamespace(final String... command)
    {
        final List<String> line = new ArrayList<>(List.of(requireTool("ip"), "netns", "exec", namespace));
        final List<String> inner = Host.resolve(command);
        line.addAll(inner);
        return line;
    }

    private static String requireTool(final String name)
    {
        final String path = Host.tool(name);
        if (path == null)
        {
            throw new IllegalStateException("`" + name + "` is not installed");
        }
        return path;
    }

    /**
     * Removes everything: kills started commands, deletes the veth pair and the namespace. Tries every step even
     * when one fails, then throws if anything is left. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final List<String> problems = new ArrayList<>();
        synchronized (started)
        {
            for (final BackgroundCommand command : started)
            {
                command.close();
                if (command.isAlive())
                {
                    problems.add("still running: " + command);
                }
            }
            started.clear();
        }
        // Deleting the stack end deletes its peer inside the namespace at once; deleting the namespace alone
        // would leave the pair to the kernel's asynchronous namespace cleanup.
        final CommandResult link = Host.run("ip", "link", "delete", stackInterface);
        if (!link.succeeded() && Host.run("ip", "link", "show", stackInterface).succeeded())
        {
            problems.add(link.describe());
        }
        final CommandResult ns = Host.run("ip", "netns", "delete", namespace);
        if (!ns.succeeded() && Arrays.asList(Host.run("ip", "netns", "list").stdout().split("\\s+"))
            .contains(namespace))
        {
            problems.add(ns.describe());
        }
        if (!problems.isEmpty())
        {
            throw new IllegalStateException("kernel peer " + namespace + " was not removed completely: "
                + String.join("; ", problems));
        }
    }

    @Override
    public String toString()
    {
        return "KernelPeer{" + namespace + ", stack " + stackInterface + ", kernel " + kernelInterface + " "
            + Ipv4Address.toString(kernelAddress()) + "/" + PREFIX_LENGTH + '}';
    }
}
