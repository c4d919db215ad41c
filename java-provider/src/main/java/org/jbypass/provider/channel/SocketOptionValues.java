package org.jbypass.provider.channel;

import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Objects;
import java.util.Set;

/** The JDK's checks on socket option values ({@code SocketChannelImpl.setOption}, {@code Net.setSocketOption}). */
final class SocketOptionValues
{
    private SocketOptionValues()
    {
    }

    /** For getOption: the option must be supported. */
    static void checkSupported(final Set<SocketOption<?>> supported, final SocketOption<?> name)
    {
        Objects.requireNonNull(name);
        if (!supported.contains(name))
        {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
    }

    /** For setOption: the option must be supported and the value valid. */
    static void check(final Set<SocketOption<?>> supported, final SocketOption<?> name, final Object value)
    {
        checkSupported(supported, name);
        if (!name.type().isInstance(value))
        {
            throw new IllegalArgumentException("Invalid value '" + value + "'");
        }
        if (name == StandardSocketOptions.SO_RCVBUF || name == StandardSocketOptions.SO_SNDBUF)
        {
            if ((Integer)value < 0)
            {
                throw new IllegalArgumentException("Invalid send/receive buffer size");
            }
        }
        else if (name == StandardSocketOptions.IP_TOS)
        {
            final int tos = (Integer)value;
            if (tos < 0 || tos > 255)
            {
                throw new IllegalArgumentException("Invalid IP_TOS value");
            }
        }
        else if (name == StandardSocketOptions.IP_MULTICAST_TTL)
        {
            final int ttl = (Integer)value;
            if (ttl < 0 || ttl > 255)
            {
                throw new IllegalArgumentException("Invalid TTL/hop value");
            }
        }
    }
}
