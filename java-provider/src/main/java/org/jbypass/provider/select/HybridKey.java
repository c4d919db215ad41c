package org.jbypass.provider.select;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectionKey;

/**
 * A key of the {@link HybridSelector}. It validates itself (interest and ready sets throw
 * {@link CancelledKeyException} once cancelled), because {@code AbstractSelectionKey} does not, and
 * {@code AbstractSelectableChannel.register} would otherwise silently reuse a cancelled key.
 *
 * <p>Threads: interest is set by any thread and takes effect at the selector's next selection operation, as the
 * Selector specification says; the ready set is written only by the selecting thread. The inner key (the JDK key of
 * the platform channel) is created and changed only by the selecting thread, and cancelled by the channel when it
 * switches to blocking mode.
 */
public final class HybridKey extends AbstractSelectionKey
{
    private final HybridSelector selector;
    private final SelectableChannel channel;
    private final SelectorView hybrid;
    final SignalQueue.Node<HybridKey> node = new SignalQueue.Node<>(this);

    private volatile int interestOps;
    private volatile int readyOps;
    volatile SelectionKey inner;
    /** Whether the key is in the selector's list of stack-ready keys; selecting thread only. */
    boolean inReadyList;

    HybridKey(final HybridSelector selector, final SelectableChannel channel)
    {
        this.selector = selector;
        this.channel = channel;
        this.hybrid = ((HybridChannel)channel).selectorView();
    }

    @Override
    public SelectableChannel channel()
    {
        return channel;
    }

    @Override
    public Selector selector()
    {
        return selector;
    }

    SelectorView hybridChannel()
    {
        return hybrid;
    }

    @Override
    public int interestOps()
    {
        ensureValid();
        return interestOps;
    }

    @Override
    public SelectionKey interestOps(final int ops)
    {
        ensureValid();
        if ((ops & ~channel.validOps()) != 0)
        {
            throw new IllegalArgumentException("operations 0x" + Integer.toHexString(ops) + " are not valid for "
                + channel);
        }
        final int old = interestOps;
        interestOps = ops;
        if (ops != old)
        {
            selector.keyChanged(this, false);
        }
        return this;
    }

    @Override
    public int interestOpsOr(final int ops)
    {
        synchronized (this)
        {
            final int old = interestOps();
            interestOps(old | ops);
            return old;
        }
    }

    @Override
    public int interestOpsAnd(final int ops)
    {
        synchronized (this)
        {
            final int old = interestOps();
            interestOps(old & ops);
            return old;
        }
    }

    @Override
    public int readyOps()
    {
        ensureValid();
        return readyOps;
    }

    /** The interest set without the validity check, for the selector. */
    int rawInterestOps()
    {
        return interestOps;
    }

    int rawReadyOps()
    {
        return readyOps;
    }

    void rawReadyOps(final int ops)
    {
        readyOps = ops;
    }

    /**
     * The channel's stack readiness may have changed: the selector looks at this key again, now if it is waiting.
     * Called by the stack's listener (with the stack lock held) and after channel operations; never blocks.
     */
    public void readinessChanged()
    {
        selector.keyChanged(this, true);
    }

    /** The channel's backing changed (it was bound or connected): the selector looks at this key again. */
    public void backingChanged()
    {
        selector.keyChanged(this, true);
    }

    /**
     * The channel is switching to blocking mode: cancel the inner key, so that the platform channel may switch too
     * ({@code configureBlocking(true)} refuses while a valid key exists). This key is already cancelled (the
     * channel refuses to block while it has a valid key), so the inner key is not registered again.
     */
    public void cancelInner()
    {
        final SelectionKey k = inner;
        if (k != null)
        {
            k.cancel();
        }
    }

    private void ensureValid()
    {
        if (!isValid())
        {
            throw new CancelledKeyException();
        }
    }

    @Override
    public String toString()
    {
        return "HybridKey{channel=" + channel + ", interest=" + interestOps + ", ready=" + readyOps
            + (isValid() ? "" : ", cancelled") + '}';
    }
}
