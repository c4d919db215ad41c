package org.jbypass.provider.channel;

import java.util.Arrays;

import org.jbypass.provider.select.HybridKey;

/**
 * The hybrid selector keys of one channel, for telling them of readiness and backing changes. Copy-on-write:
 * registrations are rare and the stack's listener walks the array on every readiness change without a lock.
 */
final class ChannelKeys
{
    private static final HybridKey[] NONE = new HybridKey[0];

    private volatile HybridKey[] keys = NONE;

    synchronized void add(final HybridKey key)
    {
        final HybridKey[] old = keys;
        final HybridKey[] grown = Arrays.copyOf(old, old.length + 1);
        grown[old.length] = key;
        keys = grown;
    }

    synchronized void remove(final HybridKey key)
    {
        final HybridKey[] old = keys;
        for (int i = 0; i < old.length; i++)
        {
            if (old[i] == key)
            {
                final HybridKey[] shrunk = new HybridKey[old.length - 1];
                System.arraycopy(old, 0, shrunk, 0, i);
                System.arraycopy(old, i + 1, shrunk, i, old.length - i - 1);
                keys = shrunk.length == 0 ? NONE : shrunk;
                return;
            }
        }
    }

    /** Tells every key that the stack's readiness may have changed; never blocks. */
    void readinessChanged()
    {
        for (final HybridKey key : keys)
        {
            key.readinessChanged();
        }
    }

    /** Tells every key that the channel now has a backing (it was bound or connected). */
    void backingChanged()
    {
        for (final HybridKey key : keys)
        {
            key.backingChanged();
        }
    }

    /** Cancels the inner JDK keys, before the platform channel switches to blocking mode. */
    void cancelInner()
    {
        for (final HybridKey key : keys)
        {
            key.cancelInner();
        }
    }
}
