package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.SocketOption;
import java.nio.channels.NetworkChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the JDK's channels report for a new, unbound socket: their supported options and each option's value. A
 * channel that has not chosen its backing yet answers with these, so that a framework probing options before it
 * connects (HttpClient reads SO_RCVBUF and SO_SNDBUF) sees what it would see without jbypass. Read once per kind
 * from a throwaway JDK channel.
 */
final class PlatformDefaults
{
    /** The supported options and their values for one kind of channel. */
    record Defaults(Set<SocketOption<?>> supported, Map<SocketOption<?>, Object> values)
    {
    }

    private static volatile Defaults socket;
    private static volatile Defaults serverSocket;
    private static volatile Defaults datagram;

    private PlatformDefaults()
    {
    }

    static Defaults socket(final SelectorProvider platform) throws IOException
    {
        Defaults d = socket;
        if (d == null)
        {
            d = socket = read(platform.openSocketChannel());
        }
        return d;
    }

    static Defaults serverSocket(final SelectorProvider platform) throws IOException
    {
        Defaults d = serverSocket;
        if (d == null)
        {
            d = serverSocket = read(platform.openServerSocketChannel());
        }
        return d;
    }

    static Defaults datagram(final SelectorProvider platform) throws IOException
    {
        Defaults d = datagram;
        if (d == null)
        {
            d = datagram = read(platform.openDatagramChannel());
        }
        return d;
    }

    private static Defaults read(final NetworkChannel channel) throws IOException
    {
        try (channel)
        {
            final Map<SocketOption<?>, Object> values = new HashMap<>();
            for (final SocketOption<?> option : channel.supportedOptions())
            {
                try
                {
                    values.put(option, channel.getOption(option));
                }
                catch (final IOException | RuntimeException e)
                {
                    // An option with no value on an unbound socket (none on Linux today): leave it out.
                }
            }
            return new Defaults(Collections.unmodifiableSet(channel.supportedOptions()),
                Collections.unmodifiableMap(values));
        }
    }
}
