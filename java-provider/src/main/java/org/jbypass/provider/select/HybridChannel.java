package org.jbypass.provider.select;

/**
 * A jbypass channel, which a {@link HybridSelector} accepts. Every channel the provider hands out implements it;
 * the selector refuses any other channel, as the JDK's selectors refuse channels of other providers.
 *
 * <p>A channel is backed by the JDK (a platform channel, registered on the selector's inner JDK selector), by the
 * stack (readiness pushed through {@link HybridKey#readinessChanged()}), or, until it is bound or connected, by
 * nothing yet. When the backing changes, the channel calls {@link HybridKey#backingChanged()} on each of its keys.
 */
public interface HybridChannel
{
    /** What the selector sees of this channel; the same object for the channel's life. */
    SelectorView selectorView();
}
