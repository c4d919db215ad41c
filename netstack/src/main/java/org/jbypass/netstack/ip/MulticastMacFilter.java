package org.jbypass.netstack.ip;

import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;

/**
 * An interface's multicast MAC filter: the MACs of the groups joined on it (RFC 1112 section 6.4: 01:00:5e and the
 * group's low 23 bits), each counted by the groups that map to it (32 groups share a MAC), and told to the link when
 * a MAC is first wanted and when it is no longer; IPv6 groups' MACs too (RFC 2464 section 7: 33:33 and the group's
 * low 32 bits). Bounded: at most {@link #MAX_MACS} MACs, room for every IPv4 and IPv6 group IGMP and MLD hold.
 *
 * <p>The all-systems group 224.0.0.1 is always accepted: every host is a member on every interface (RFC 1112
 * section 4, RFC 3376 section 5), and queries come to it.
 */
final class MulticastMacFilter
{
    static final long ALL_SYSTEMS_MAC = groupMac(Ipv4Address.parse("224.0.0.1"));

    private final Link link;
    /** IGMP's and MLD's groups, and all-nodes. */
    static final int MAX_MACS = 2 * MulticastListener.MAX_GROUPS + 1;

    private final long[] macs = new long[MAX_MACS];
    private final int[] references = new int[MAX_MACS];
    private int count;

    MulticastMacFilter(final Link link)
    {
        this.link = link;
    }

    /** The Ethernet address of an IPv4 multicast group (RFC 1112 section 6.4). */
    static long groupMac(final int group)
    {
        return 0x01005E000000L | (group & 0x7FFFFF);
    }

    /** Whether frames to {@code mac} (a multicast MAC) are wanted; allocates nothing. */
    boolean accepts(final long mac)
    {
        if (mac == ALL_SYSTEMS_MAC)
        {
            return true;
        }
        for (int i = 0; i < count; i++)
        {
            if (macs[i] == mac)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Counts one more group mapping to {@code mac} (an IPv6 group's, RFC 2464 section 7, or an IPv4 group's).
     *
     * @return 0, or -errno (a full filter, the link's error)
     */
    int addMac(final long mac)
    {
        for (int i = 0; i < count; i++)
        {
            if (macs[i] == mac)
            {
                references[i]++;
                return 0;
            }
        }
        if (count == macs.length)
        {
            return -Errno.ENOBUFS;
        }
        final int result = link.addMulticast(mac);
        if (result < 0)
        {
            return result;
        }
        macs[count] = mac;
        references[count] = 1;
        count++;
        return 0;
    }

    /** Counts one group fewer mapping to {@code mac}; @return false when it was never added */
    boolean removeMac(final long mac)
    {
        for (int i = 0; i < count; i++)
        {
            if (macs[i] == mac)
            {
                if (--references[i] == 0)
                {
                    count--;
                    macs[i] = macs[count];
                    references[i] = references[count];
                    link.removeMulticast(mac);
                }
                return true;
            }
        }
        return false;
    }

    /** The MACs in the filter, besides all-systems'. */
    int size()
    {
        return count;
    }
}
