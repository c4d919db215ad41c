package org.jbypass.provider.select;

import java.nio.channels.SelectableChannel;

/**
 * What the {@link HybridSelector} needs from a jbypass channel. Every channel the provider hands out implements it;
 * the selector refuses any other channel, as the JDK's selectors refuse channels of other providers.
 *
 * <p>A channel is backed by the JDK (a platform channel, registered on the selector's inner JDK selector), by the
 * stack (readiness pushed through {@link HybridKey#readinessChanged()}), or, until it is bound or connected, by
 * nothing yet. When the backing changes, the channel calls {@link HybridKey#backingChanged()} on each of its keys.
 */
public interface HybridChannel
{
    /**
     * The JDK channel backing this one, to register on the inner selector, or null while the channel is stack
     * backed or undecided. Non-blocking whenever this channel has a valid key.
     */
    SelectableChannel platformChannel();

    /**
     * The operations the stack reports ready, translated as the JDK translates its own (OP_CONNECT only while a
     * connection is pending, OP_READ and OP_WRITE only once connected, all of them on an error), or 0 when the
     * channel is not stack backed. Read without locks: a volatile snapshot.
     */
    int stackReadyOps();

    /** Called by the selector when a key for this channel is created. */
    void keyRegistered(HybridKey key);

    /** Called by the selector when a key for this channel has been deregistered. */
    void keyDeregistered(HybridKey key);
}
