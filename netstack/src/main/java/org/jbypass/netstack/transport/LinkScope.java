package org.jbypass.netstack.transport;

import org.jbypass.netstack.wire.Ipv6Address;

/**
 * The rules of RFC 4007 section 6 a socket applies to a link-local peer, as Linux's {@code tcp_v6_connect} and
 * {@code ip6_datagram_connect} apply them: a link-local address names a node only with its link, which the stack
 * carries in the address as its scope ({@link Ipv6Address#withScope}).
 *
 * <ul>
 *   <li>A peer given with a scope keeps it, unless the socket is bound to a link-local address of another link
 *       (Linux: the bound device and the scope id must coincide, else EINVAL).</li>
 *   <li>A peer given without one takes the link of the socket's own link-local address; a socket bound to no such
 *       address cannot connect to it (EINVAL: "connect to link-local address requires an interface") but may send
 *       a datagram, which goes by the routes (the first interface's fe80::/64, as Linux's route lookup picks).</li>
 *   <li>A bind to an unscoped link-local address is refused (EINVAL), as Linux's {@code inet6_bind} refuses it
 *       without a bound device.</li>
 * </ul>
 */
public final class LinkScope
{
    /** {@link #peerHi}'s answer when the peer cannot be reached from this socket: the caller fails with EINVAL. */
    public static final long INVALID = -1L;

    private LinkScope()
    {
    }

    /**
     * A peer's {@code hi} as the socket uses it: scoped when it is link-local.
     *
     * @param peerHi       the peer as the application gave it
     * @param localHi      the socket's bound address ({@code ::} when unbound)
     * @param requireScope whether an unscoped link-local peer is an error (connect) rather than left to the routes
     *                     (an unconnected datagram's destination)
     * @return the peer's {@code hi}, or {@link #INVALID}
     */
    public static long peerHi(final long peerHi, final long localHi, final boolean requireScope)
    {
        if (!Ipv6Address.isLinkLocal(peerHi))
        {
            return peerHi;
        }
        final int bound = Ipv6Address.scope(localHi);
        final int given = Ipv6Address.scope(peerHi);
        if (given != 0 && bound != 0 && given != bound)
        {
            return INVALID;
        }
        final int scope = given != 0 ? given : bound;
        if (scope == 0)
        {
            return requireScope ? INVALID : peerHi;
        }
        return Ipv6Address.withScope(peerHi, scope);
    }

    /** Whether a bind to {@code hi} is refused for want of a scope: an unscoped link-local address. */
    public static boolean lacksScope(final long hi)
    {
        return Ipv6Address.isLinkLocal(hi) && Ipv6Address.scope(hi) == 0;
    }
}
