package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.channels.MembershipKey;
import java.nio.channels.MulticastChannel;
import java.util.HashSet;
import java.util.Set;

/**
 * A membership of a stack-served {@link BypassDatagramChannel}, as the JDK's {@code MembershipKeyImpl}: any-source
 * keys block and unblock sources, source-specific ones do not; drop is idempotent; every key goes invalid when the
 * channel closes. Its state is guarded by the backing's stack lock, as the socket's memberships are.
 */
final class StackMembershipKey extends MembershipKey
{
    private final StackDatagramBackend backend;
    private final MulticastChannel channel;
    private final InetAddress group;
    private final NetworkInterface interf;
    private final InetAddress source;
    /** The stack interface {@link #interf} names. */
    final int interfaceIndex;
    /** Sources blocked (any-source keys only); guarded by the stack lock. */
    final Set<InetAddress> blocked = new HashSet<>();
    private volatile boolean valid = true;

    StackMembershipKey(final StackDatagramBackend backend, final MulticastChannel channel, final InetAddress group,
        final NetworkInterface interf, final InetAddress source, final int interfaceIndex)
    {
        this.backend = backend;
        this.channel = channel;
        this.group = group;
        this.interf = interf;
        this.source = source;
        this.interfaceIndex = interfaceIndex;
    }

    @Override
    public boolean isValid()
    {
        return valid;
    }

    void invalidate()
    {
        valid = false;
    }

    @Override
    public void drop()
    {
        backend.drop(this);
    }

    @Override
    public MembershipKey block(final InetAddress toBlock) throws IOException
    {
        if (source != null)
        {
            throw new IllegalStateException("key is source-specific");
        }
        StackDatagramBackend.checkSource(group, toBlock);
        backend.block(this, toBlock);
        return this;
    }

    @Override
    public MembershipKey unblock(final InetAddress toUnblock)
    {
        backend.unblock(this, toUnblock);
        return this;
    }

    @Override
    public MulticastChannel channel()
    {
        return channel;
    }

    @Override
    public InetAddress group()
    {
        return group;
    }

    @Override
    public NetworkInterface networkInterface()
    {
        return interf;
    }

    @Override
    public InetAddress sourceAddress()
    {
        return source;
    }

    @Override
    public String toString()
    {
        return "<" + group.getHostAddress() + "," + interf.getName()
            + (source == null ? "" : "," + source.getHostAddress()) + ">";
    }
}
