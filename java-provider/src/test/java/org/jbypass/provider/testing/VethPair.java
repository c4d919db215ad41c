package org.jbypass.provider.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * A veth pair with both ends in this process's network namespace, for tests that drive both ends themselves
 * (two {@link org.jbypass.provider.driver.AfPacketLink}s talking to each other).
 *
 * <p>Both ends are up, with no IPv4 address, IPv6 disabled and ARP off, so the host's kernel stays silent on them
 * and ignores what arrives: the only frames on the pair are the test's own. Offloads are off so that frames cross
 * as they were sent. {@link #close()} deletes the pair (deleting one end deletes both); a JVM killed before that
 * leaves it for {@link Host#sweepStale()}.
 *
 * <pre>{@code
 * Host.assumeNetworkAdmin();
 * try (VethPair veth = VethPair.create(1500);
 *      AfPacketLink a = AfPacketLink.open(AfPacketOptions.of(veth.a()), poolA);
 *      AfPacketLink b = AfPacketLink.open(AfPacketOptions.of(veth.b()), poolB)) { ... }
 * }</pre>
 */
public final class VethPair implements AutoCloseable
{
    /** The prefix of the pair's interface names. */
    public static final String PREFIX = "jbpv";

    private final String a;
    private final String b;
    private final int mtu;
    private boolean closed;

    private VethPair(final String a, final String b, final int mtu)
    {
        this.a = a;
        this.b = b;
        this.mtu = mtu;
    }

    /**
     * Creates a pair; call {@link Host#assumeNetworkAdmin()} first.
     *
     * @param mtu both ends' MTU
     * @throws IllegalStateException with the failing command's output if a step fails (what was made is removed)
     */
    public static VethPair create(final int mtu)
    {
        Host.sweepStale();
        final String base = Host.uniqueName(PREFIX);
        final VethPair pair = new VethPair(base + "a", base + "b", mtu);
        try
        {
            Host.run("ip", "link", "add", pair.a, "mtu", Integer.toString(mtu), "type", "veth", "peer", "name",
                pair.b, "mtu", Integer.toString(mtu)).orThrow();
            for (final String end : List.of(pair.a, pair.b))
            {
                quiet(end);
            }
            for (final String end : List.of(pair.a, pair.b))
            {
                Host.run("ip", "link", "set", end, "up").orThrow();
            }
            return pair;
        }
        catch (final RuntimeException e)
        {
            pair.closeQuietly(e);
            throw e;
        }
    }

    /** No IPv6, no ARP, no offloads: the host's kernel neither speaks on nor merges frames of this end. */
    static void quiet(final String ifname)
    {
        quiet(ifname, true);
    }

    /** No IPv6, no ARP, and no offloads unless {@code offloadsOff} is false (then as Linux set them up). */
    static void quiet(final String ifname, final boolean offloadsOff)
    {
        Host.sysctl("net/ipv6/conf/" + ifname + "/disable_ipv6", "1");
        Host.run("ip", "link", "set", ifname, "arp", "off").orThrow();
        if (offloadsOff)
        {
            Host.run("ethtool", "-K", ifname, "rx", "off", "tx", "off", "sg", "off", "tso", "off", "gso", "off",
                "gro", "off").orThrow();
        }
    }

    /** One end's name. */
    public String a()
    {
        return a;
    }

    /** The other end's name. */
    public String b()
    {
        return b;
    }

    /** Both ends' MTU. */
    public int mtu()
    {
        return mtu;
    }

    /** Takes an end down or up (e.g. to test a driver's handling of a down interface). */
    public void setUp(final String end, final boolean up)
    {
        Host.run("ip", "link", "set", end, up ? "up" : "down").orThrow();
    }

    /**
     * Deletes the pair.
     *
     * @throws IllegalStateException if it could not be deleted (so that a leak is never silent)
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final CommandResult result = Host.run("ip", "link", "delete", a);
        if (!result.succeeded() && Host.run("ip", "link", "show", a).succeeded())
        {
            throw new IllegalStateException("cannot delete veth pair " + a + "/" + b + ": " + result.describe());
        }
    }

    private void closeQuietly(final RuntimeException cause)
    {
        try
        {
            close();
        }
        catch (final RuntimeException e)
        {
            cause.addSuppressed(e);
        }
    }

    @Override
    public String toString()
    {
        return "VethPair{" + a + ", " + b + ", mtu=" + mtu + '}';
    }

    /** The names of both ends. */
    public List<String> ends()
    {
        final List<String> ends = new ArrayList<>(2);
        ends.add(a);
        ends.add(b);
        return ends;
    }
}
