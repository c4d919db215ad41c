package org.jbypass.netstack.testing;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.netstack.wire.ArpPacket;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;

/**
 * One stack on a {@link ChannelLink}, with a peer the test plays: the stack is 198.18.0.2/24 at 02:00:00:00:00:02,
 * the peer 198.18.0.1 at 02:00:00:00:00:01. Time starts at 1 s and moves only when the test moves it.
 */
public final class StackHarness implements AutoCloseable
{
    public static final long STACK_MAC = MacAddress.parse("02:00:00:00:00:02");
    public static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:01");
    public static final int STACK_IP = Ipv4Address.parse("198.18.0.2");
    public static final int PEER_IP = Ipv4Address.parse("198.18.0.1");
    public static final int GATEWAY_IP = Ipv4Address.parse("198.18.0.254");

    public final Stack stack;
    public final ChannelLink link;
    public final NetInterface nif;
    private final int baselineInUse;
    private long now = 1_000_000_000L;

    public StackHarness()
    {
        this(StackConfig.builder().poolBuffers(1024).build(), 1500, 0);
    }

    public StackHarness(final StackConfig config, final int mtu, final int gateway)
    {
        this(config, mtu, gateway, true);
    }

    /**
     * A harness whose interface has IPv4 ({@link #STACK_IP}/24) or, with {@code ipv4} false, none: an IPv6-only
     * interface the test gives its IPv6 addresses.
     */
    public StackHarness(final StackConfig config, final int mtu, final int gateway, final boolean ipv4)
    {
        stack = new Stack(config, now);
        link = new ChannelLink(stack.pool(), STACK_MAC, mtu);
        nif = ipv4 ? stack.addInterface("test0", link, STACK_IP, 24, gateway) : stack.addInterface("test0", link);
        poll();
        // What the stack holds at rest: the receive burst armed with free buffers.
        baselineInUse = stack.pool().inUse();
    }

    public long now()
    {
        return now;
    }

    /** Moves time forward and polls. */
    public long advance(final long nanos)
    {
        now += nanos;
        return poll();
    }

    public long poll()
    {
        return stack.poll(now);
    }

    /** Injects a frame and polls. */
    public void receive(final byte[] frame)
    {
        link.inject(frame);
        poll();
    }

    /** Teaches the stack the peer's MAC, the way a real peer would: by asking for the stack's. */
    public void learnPeer()
    {
        receive(Frames.arp(MacAddress.BROADCAST, PEER_MAC, ArpPacket.OP_REQUEST, PEER_MAC, PEER_IP, 0, STACK_IP));
        link.drain();
    }

    /** The next transmitted IPv4 frame, skipping ARP; null when none. */
    public byte[] takeIpv4()
    {
        byte[] frame;
        while ((frame = link.take()) != null)
        {
            if (Frames.ethernet(frame).type() == org.jbypass.netstack.wire.EthernetHeader.TYPE_IPV4)
            {
                return frame;
            }
        }
        return null;
    }

    /** The buffers in use beyond the armed receive burst: 0 when nothing leaked. */
    public int leakedBuffers()
    {
        return stack.pool().inUse() - baselineInUse;
    }

    @Override
    public void close()
    {
        stack.close();
    }
}
