package org.jbypass.provider.select;

import java.nio.channels.SelectableChannel;

/**
 * What the {@link HybridSelector} sees of a jbypass channel (see {@link HybridChannel}): its JDK backing, the
 * stack's readiness, and the registrations of its keys.
 */
public interface SelectorView
{
    /**
     * The JDK channel backing this one, to register on the inner selector, or null while the channel is stack
     * backed or undecided. Non-blocking whenever the channel has a valid key.
     */
    SelectableChannel platformChannel();

    /**
     * The operations the stack reports ready, translated as the JDK translates its own (OP_CONNECT only while a
     * connection is pending, OP_READ and OP_WRITE only once connected, all of them on an error), or 0 when the
     * channel is not stack backed. Read without locks: a volatile snapshot.
     */
    int stackReadyOps();

    /** Called by the selector when a key for the channel is created. */
    void keyRegistered(HybridKey key);

    /** Called by the selector when a key for the channel has been deregistered. */
    void keyDeregistered(HybridKey key);
}
