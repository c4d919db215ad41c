package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.SocketOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Options set on a channel: kept in the order they were set, read back as set before the channel has a backing, and
 * replayed onto the backing when bind or connect chooses it, and again onto the stack's when a datagram channel
 * moves there at its join ({@link ChannelCore#move}). Frameworks set options before binding or connecting (Netty
 * sets TCP_NODELAY when it creates a channel, HttpClient before it connects, Jetty sets SO_REUSEADDR before it
 * binds), so this is the common case, not a corner.
 *
 * <p>An option the stack does not implement (TCP_QUICKACK, SO_REUSEPORT, ...) is dropped when the channel goes to
 * the stack; docs/PROVIDER.md lists them.
 */
final class PendingOptions
{
    /**
     * The options in the order set; made at the first, so that a channel that sets none (an accepted connection, a
     * client that connects with the defaults) costs no map.
     */
    private Map<SocketOption<?>, Object> options;

    synchronized void put(final SocketOption<?> name, final Object value)
    {
        if (options == null)
        {
            options = new LinkedHashMap<>();
        }
        options.remove(name);
        options.put(name, value);
    }

    /** The value set, or the platform's default for a new socket of the kind. */
    @SuppressWarnings("unchecked")
    synchronized <T> T get(final SocketOption<T> name, final Map<SocketOption<?>, Object> defaults)
    {
        if (options != null && options.containsKey(name))
        {
            return (T)options.get(name);
        }
        return (T)defaults.get(name);
    }

    /** Sets every option kept on the backing that supports it, in order; the options stay kept. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    synchronized void replay(final Backing backing) throws IOException
    {
        if (options == null)
        {
            return;
        }
        final Set<SocketOption<?>> supported = backing.supportedOptions();
        for (final Map.Entry<SocketOption<?>, Object> e : options.entrySet())
        {
            if (supported.contains(e.getKey()))
            {
                backing.setOption((SocketOption)e.getKey(), e.getValue());
            }
        }
    }
}
