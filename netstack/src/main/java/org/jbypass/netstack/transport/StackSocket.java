package org.jbypass.netstack.transport;

/**
 * What every stack socket (UDP, TCP) shares: its readiness, a listener to tell of changes, and an attachment for
 * the provider.
 */
public abstract class StackSocket
{
    private final EventQueue events;
    private SocketListener listener;
    private Object attachment;
    boolean eventPending;

    protected StackSocket(final EventQueue events)
    {
        this.events = events;
    }

    /** The {@link Readiness} bits that hold now. */
    public abstract int readyOps();

    /** Whether the socket has been closed by its owner. */
    public abstract boolean isClosed();

    /** The IPv4 address the socket is bound to; 0 when unbound or bound to the wildcard. */
    public abstract int localAddress();

    /** Whether the socket is bound on the IPv6 side (to an IPv6 address or ::): its address is then the pair below. */
    public abstract boolean isIpv6();

    /** The high 64 bits of the IPv6 address the socket is bound to (0 with the low ones for ::, or unbound). */
    public abstract long localHi();

    /** The low 64 bits of the IPv6 address the socket is bound to. */
    public abstract long localLo();

    /** Sets who is told of readiness changes; null for nobody. */
    public final void listener(final SocketListener listener)
    {
        this.listener = listener;
    }

    public final SocketListener listener()
    {
        return listener;
    }

    /** An object of the provider's, e.g. the channel that owns this socket. */
    public final void attach(final Object attachment)
    {
        this.attachment = attachment;
    }

    public final Object attachment()
    {
        return attachment;
    }

    /**
     * The listener threw while told of a change: the socket's protocol contains the failure to this socket (a TCP
     * connection is reset) so that one application callback cannot stop the stack. By default nothing more.
     */
    protected void listenerFailed(final RuntimeException e)
    {
    }

    /** Records that readiness may have changed; the listener hears of it when the stack next dispatches events. */
    protected final void signal()
    {
        if (!eventPending && listener != null)
        {
            eventPending = true;
            events.post(this);
        }
    }
}
