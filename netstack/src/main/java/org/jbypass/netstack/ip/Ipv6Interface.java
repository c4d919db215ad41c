package org.jbypass.netstack.ip;

import org.jbypass.netstack.util.Timer;
import org.jbypass.netstack.util.TimerQueue;
import org.jbypass.netstack.wire.Ipv6Address;

/**
 * IPv6 on one {@link NetInterface}: the addresses the stack owns there, each with its state (RFC 4862 section 5.4:
 * TENTATIVE while duplicate address detection runs, PREFERRED once it passed, DUPLICATE when another node holds
 * it), the multicast groups the interface is a member of (all-nodes, and the solicited-node group of every address,
 * RFC 4861 section 7.2.1), and its neighbour cache ({@link Ndp}).
 *
 * <p>Duplicate address detection sends {@code dadTransmits} solicitations from :: for the address, the first after
 * a random delay up to {@code dadDelayNanos} and the others RetransTimer apart, and the address becomes usable only
 * when the last one went unanswered for RetransTimer (section 5.4.2). Each solicitation carries a fresh random nonce
 * (RFC 7527): a solicitation for the address from :: is our own looped back when it carries one of ours, another
 * node's DAD otherwise. A tentative address is not a source, not a destination, and not answered for. A duplicate
 * is logged and counted, and stays unusable. Randomness comes from the stack's seed.
 */
final class Ipv6Interface
{
    /** The most IPv6 addresses one interface holds, its link-local ones included. */
    static final int MAX_ADDRESSES = 16;
    static final int TENTATIVE = 1;
    static final int PREFERRED = 2;
    static final int DUPLICATE = 3;
    /** The most DAD solicitations per address ({@link Ipv6Config} bounds dadTransmits by it). */
    static final int MAX_DAD_TRANSMITS = 10;

    private static final System.Logger LOG = System.getLogger("org.jbypass.netstack.ip");

    final NetInterface nif;
    final Ndp ndp;
    final Mld mld;
    /** What router advertisements taught this interface (RFC 4861 section 6.3.4). */
    final RouterDiscovery routers;
    private final Ipv6Config config;
    private final IpCounters counters;
    private final TimerQueue timers;
    private final long[] hi = new long[MAX_ADDRESSES];
    private final long[] lo = new long[MAX_ADDRESSES];
    private final int[] prefixLengths = new int[MAX_ADDRESSES];
    private final int[] states = new int[MAX_ADDRESSES];
    /** Per address: DAD solicitations still to send; the one pending expiry decides when it is 0. */
    private final int[] dadLeft = new int[MAX_ADDRESSES];
    private final long[] dadDeadline = new long[MAX_ADDRESSES];
    private final DadTimer dadTimer = new DadTimer();
    /** Per address, the nonces of the DAD solicitations sent so far (at most {@link #MAX_DAD_TRANSMITS}). */
    private final long[] dadNonces = new long[MAX_ADDRESSES * MAX_DAD_TRANSMITS];
    /** Per address, the interface's own membership of its solicited-node group (RFC 4861 section 7.2.1). */
    private final MulticastMembership[] solicitedNode = new MulticastMembership[MAX_ADDRESSES];
    private final java.util.SplittableRandom random;
    private int count;

    Ipv6Interface(final NetInterface nif, final Ipv6Config config, final IpCounters counters,
        final TimerQueue timers, final long seed)
    {
        if (nif.mtu() < org.jbypass.netstack.wire.Ipv6Header.MIN_MTU)
        {
            // RFC 8200 section 5: every link that carries IPv6 has an MTU of 1280 or more.
            throw new IllegalArgumentException("interface " + nif.name() + ": MTU " + nif.mtu()
                + " is below IPv6's 1280");
        }
        this.nif = nif;
        this.config = config;
        this.counters = counters;
        this.timers = timers;
        this.random = new java.util.SplittableRandom(seed ^ 0x4441444E4F4E4345L);
        this.ndp = new Ndp(nif, this, config, counters, timers, seed);
        this.mld = new Mld(nif, this, counters, timers, seed);
        this.routers = new RouterDiscovery(this, counters);
        // Every IPv6 node is a member of all-nodes on each interface (RFC 4291 section 2.8).
        nif.multicastMacs.addMac(Ipv6Address.multicastMac(Ipv6Address.ALL_NODES_LO));
    }

    /**
     * Adds an address, tentative until duplicate address detection passes (or at once when it is disabled), and
     * joins its solicited-node group.
     */
    void add(final long addressHi, final long addressLo, final int prefixLength, final long now)
    {
        if (count == MAX_ADDRESSES)
        {
            throw new IllegalArgumentException("interface " + nif.name() + ": more than " + MAX_ADDRESSES
                + " IPv6 addresses");
        }
        if (find(addressHi, addressLo) >= 0)
        {
            throw new IllegalArgumentException("interface " + nif.name() + ": "
                + Ipv6Address.toString(addressHi, addressLo) + " is already its address");
        }
        final int slot = count++;
        hi[slot] = addressHi;
        lo[slot] = addressLo;
        prefixLengths[slot] = prefixLength;
        // A membership of the interface's own, any source, as a socket's would be: MLD filters the group's MAC
        // and reports it before the first DAD solicitation, so that a snooping switch forwards the duplicate's
        // answer (RFC 4862 section 5.4.2). Addresses sharing a group share its record.
        solicitedNode[slot] = new MulticastMembership(nif.index(), Ipv6Address.solicitedNodeHi(),
            Ipv6Address.solicitedNodeLo(addressLo));
        final int joined = mld.listen(solicitedNode[slot], true, SourceList.EMPTY, now);
        if (joined < 0)
        {
            count--;
            throw new IllegalArgumentException("interface " + nif.name() + ": the link refused the solicited-node "
                + "group of " + Ipv6Address.toString(addressHi, addressLo) + " (" + joined + ")");
        }
        if (config.dadTransmits() == 0)
        {
            states[slot] = PREFERRED;
            return;
        }
        states[slot] = TENTATIVE;
        dadLeft[slot] = config.dadTransmits();
        final long delay = config.dadDelayNanos() == 0 ? 0 : random.nextLong(config.dadDelayNanos());
        if (delay == 0)
        {
            dadStep(slot, now);
            return;
        }
        dadDeadline[slot] = now + delay;
        timers.scheduleNoLaterThan(dadTimer, dadDeadline[slot]);
    }

    /** Sends the next DAD solicitation, or declares the address preferred after the last one went unanswered. */
    private void dadStep(final int slot, final long now)
    {
        if (dadLeft[slot] == 0)
        {
            states[slot] = PREFERRED;
            counters.dadSucceeded++;
            return;
        }
        final int sent = config.dadTransmits() - dadLeft[slot];
        dadLeft[slot]--;
        final long nonce = random.nextLong() & 0xFFFF_FFFF_FFFFL;
        dadNonces[slot * MAX_DAD_TRANSMITS + sent] = nonce;
        ndp.sendSolicitationFrom(hi[slot], lo[slot], -1, 0, 0, nonce);
        dadDeadline[slot] = now + config.retransmitNanos();
        timers.scheduleNoLaterThan(dadTimer, dadDeadline[slot]);
    }

    private void onDadTimer(final long now)
    {
        long next = Long.MAX_VALUE;
        for (int i = 0; i < count; i++)
        {
            if (states[i] != TENTATIVE)
            {
                continue;
            }
            if (dadDeadline[i] - now <= 0)
            {
                dadStep(i, now);
            }
            if (states[i] == TENTATIVE)
            {
                next = Math.min(next, dadDeadline[i]);
            }
        }
        if (next != Long.MAX_VALUE)
        {
            timers.schedule(dadTimer, next);
        }
    }

    /** RFC 4862 section 5.4.5: another node holds the address; it is never used. */
    void duplicateDetected(final int slot, final String evidence)
    {
        states[slot] = DUPLICATE;
        counters.dadDuplicates++;
        LOG.log(System.Logger.Level.WARNING, "jbypass IPv6: " + Ipv6Address.toString(hi[slot], lo[slot]) + " on "
            + nif.name() + " is a duplicate (" + evidence + "): the address will not be used");
    }

    /** Whether {@code nonce} is one of the DAD solicitations sent for the address in {@code slot} (RFC 7527). */
    boolean sentNonce(final int slot, final long nonce)
    {
        if (nonce < 0)
        {
            return false;
        }
        final int sent = config.dadTransmits() - dadLeft[slot];
        for (int i = 0; i < sent; i++)
        {
            if (dadNonces[slot * MAX_DAD_TRANSMITS + i] == nonce)
            {
                return true;
            }
        }
        return false;
    }

    /** The slot of an address in any state, or -1. */
    int find(final long addressHi, final long addressLo)
    {
        for (int i = 0; i < count; i++)
        {
            if (lo[i] == addressLo && hi[i] == addressHi)
            {
                return i;
            }
        }
        return -1;
    }

    /** Whether the address is one of the interface's, usable (preferred). */
    boolean isLocal(final long addressHi, final long addressLo)
    {
        final int slot = find(addressHi, addressLo);
        return slot >= 0 && states[slot] == PREFERRED;
    }

    boolean isTentative(final int slot)
    {
        return states[slot] == TENTATIVE;
    }

    boolean isDuplicate(final int slot)
    {
        return states[slot] == DUPLICATE;
    }

    /** The state of an address: {@link #TENTATIVE}, {@link #PREFERRED}, {@link #DUPLICATE}, or 0 when not ours. */
    int state(final long addressHi, final long addressLo)
    {
        final int slot = find(addressHi, addressLo);
        return slot < 0 ? 0 : states[slot];
    }

    /**
     * Whether the interface is a member of a multicast group: all-nodes, the solicited-node group of one of its
     * addresses, tentative ones included (DAD listens there, RFC 4862 section 5.4.2), or a group a socket joined
     * there. Allocates nothing.
     */
    boolean isMember(final long groupHi, final long groupLo)
    {
        return groupHi == Ipv6Address.ALL_NODES_HI && groupLo == Ipv6Address.ALL_NODES_LO
            || mld.isMember(groupHi, groupLo);
    }

    /**
     * The preferred address to send from towards a destination (RFC 6724 section 5, the rules a host with a few
     * configured addresses needs): one of the same scope (rule 2: link-local towards link-local and link-scope
     * multicast), and among those the longest prefix shared with the destination (rule 8); a link-local address
     * when the interface has no other.
     *
     * @return the slot, or -1 when no address is preferred yet
     */
    int preferredSource(final long destinationHi, final long destinationLo)
    {
        final boolean linkScope = Ipv6Address.isLinkLocal(destinationHi)
            || Ipv6Address.isMulticast(destinationHi) && Ipv6Address.multicastScope(destinationHi) <= 2;
        int best = -1;
        int bestScore = -1;
        for (int i = 0; i < count; i++)
        {
            if (states[i] != PREFERRED)
            {
                continue;
            }
            final boolean linkLocal = Ipv6Address.isLinkLocal(hi[i]);
            final int commonHi = Long.numberOfLeadingZeros(hi[i] ^ destinationHi);
            final int common = commonHi == 64 ? 64 + Long.numberOfLeadingZeros(lo[i] ^ destinationLo) : commonHi;
            final int score = (linkLocal == linkScope ? 256 : 0) + common;
            if (score > bestScore)
            {
                best = i;
                bestScore = score;
            }
        }
        return best;
    }

    long hi(final int slot)
    {
        return hi[slot];
    }

    long lo(final int slot)
    {
        return lo[slot];
    }

    int prefixLength(final int slot)
    {
        return prefixLengths[slot];
    }

    int count()
    {
        return count;
    }

    void release()
    {
        ndp.release();
        mld.release();
        timers.cancel(dadTimer);
    }

    private final class DadTimer extends Timer
    {
        @Override
        protected void onExpiry(final long nowNanos)
        {
            onDadTimer(nowNanos);
        }
    }
}
