package org.jbypass.provider.channel;

import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.jbypass.netstack.util.Errno;

/**
 * The socket options one kind of stack socket serves: for each, its name (which carries its type), how it is read
 * from the socket and written to it. Values are checked first as the JDK checks them ({@link #check}), so a
 * channel answers the same before it has a backing (with {@link PlatformDefaults}), on the stack and on the JDK; the
 * options set before the backing is chosen are replayed through the same path ({@link PendingOptions}).
 *
 * <p>Built once per kind as a constant; reading and writing an option allocate nothing but a boxed value.
 *
 * @param <S> the stack socket
 */
final class OptionTable<S>
{
    /** Reads an option from a socket, with the stack lock held. */
    @FunctionalInterface
    interface Getter<S, T>
    {
        T get(S socket);
    }

    /** Writes an option, with the stack lock held. */
    @FunctionalInterface
    interface Setter<S, T>
    {
        void set(S socket, T value);
    }

    /** Writes an option that the socket may refuse, with the stack lock held: 0, or {@code -errno}. */
    @FunctionalInterface
    interface CheckedSetter<S, T>
    {
        int set(S socket, T value);
    }

    private record Entry<S, T>(Getter<S, T> getter, CheckedSetter<S, T> setter)
    {
    }

    private final Map<SocketOption<?>, Entry<S, ?>> entries;
    private final Set<SocketOption<?>> names;

    private OptionTable(final Map<SocketOption<?>, Entry<S, ?>> entries)
    {
        this.entries = entries;
        this.names = Collections.unmodifiableSet(entries.keySet());
    }

    static <S> Builder<S> builder()
    {
        return new Builder<>();
    }

    /** The options served, for {@code supportedOptions()}. */
    Set<SocketOption<?>> names()
    {
        return names;
    }

    /** Checks a value before the stack lock is taken: the option must be served and the value valid. */
    void checkValue(final SocketOption<?> name, final Object value)
    {
        check(names, name, value);
    }

    /** Checks an option before it is read: it must be served. */
    void checkName(final SocketOption<?> name)
    {
        checkSupported(names, name);
    }

    /** Writes a checked value, with the stack lock held; a refusal becomes the SocketException of its errno. */
    @SuppressWarnings("unchecked")
    <T> void set(final S socket, final SocketOption<T> name, final T value) throws SocketException
    {
        final int result = ((Entry<S, T>)entries.get(name)).setter().set(socket, value);
        if (result < 0)
        {
            throw new SocketException(Errno.message(result));
        }
    }

    /** Reads a served option, with the stack lock held. */
    @SuppressWarnings("unchecked")
    <T> T get(final S socket, final SocketOption<T> name)
    {
        return ((Entry<S, T>)entries.get(name)).getter().get(socket);
    }

    /** For getOption: the option must be supported ({@code SocketChannelImpl.getOption}). */
    static void checkSupported(final Set<SocketOption<?>> supported, final SocketOption<?> name)
    {
        Objects.requireNonNull(name);
        if (!supported.contains(name))
        {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
    }

    /**
     * For setOption: the option must be supported and the value valid, as the JDK checks
     * ({@code SocketChannelImpl.setOption}, {@code Net.setSocketOption}).
     */
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

    /** Builds a table, in the order options are listed by {@code supportedOptions()}. */
    static final class Builder<S>
    {
        private final Map<SocketOption<?>, Entry<S, ?>> entries = new LinkedHashMap<>();

        /** An option the socket always accepts. */
        <T> Builder<S> option(final SocketOption<T> name, final Getter<S, T> getter, final Setter<S, T> setter)
        {
            return checked(name, getter, (socket, value) ->
            {
                setter.set(socket, value);
                return 0;
            });
        }

        /** An option the socket may refuse with {@code -errno}. */
        <T> Builder<S> checked(final SocketOption<T> name, final Getter<S, T> getter,
            final CheckedSetter<S, T> setter)
        {
            entries.put(name, new Entry<>(getter, setter));
            return this;
        }

        OptionTable<S> build()
        {
            return new OptionTable<>(new LinkedHashMap<>(entries));
        }
    }
}
