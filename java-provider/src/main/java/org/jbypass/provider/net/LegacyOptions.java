package org.jbypass.provider.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketOptions;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The options of the JDK's older impl protocol ({@code SocketImpl} and {@code DatagramSocketImpl}: a
 * {@link SocketOptions} ID and an {@code Object} value) as the standard options of the channel behind an impl. One
 * table for every impl: the channel then checks each value and serves it from its own table, stack or JDK, so an
 * option behaves the same through {@code Socket}, the adaptor and the channel.
 *
 * <p>The options an impl keeps itself ({@code SO_TIMEOUT}), reads from its socket ({@code SO_BINDADDR}) or that
 * have no standard form ({@code SO_OOBINLINE}) are not here: each impl answers those first.
 */
final class LegacyOptions
{
    /** Which impl asks: each accepts only the options its JDK counterpart accepts. */
    enum Kind
    {
        CLIENT, SERVER, DATAGRAM
    }

    /** Turns a value of one form into the other; may fail as the JDK's impl would. */
    @FunctionalInterface
    private interface Conversion
    {
        Object convert(Object value) throws SocketException;
    }

    private record Entry(SocketOption<?> standard, Set<Kind> kinds, Conversion toStandard, Conversion toLegacy)
    {
    }

    private static final Conversion SAME = value -> value;
    private static final Map<Integer, Entry> ENTRIES = new HashMap<>();

    static
    {
        final Set<Kind> all = EnumSet.allOf(Kind.class);
        final Set<Kind> client = EnumSet.of(Kind.CLIENT);
        final Set<Kind> clientAndDatagram = EnumSet.of(Kind.CLIENT, Kind.DATAGRAM);
        final Set<Kind> datagram = EnumSet.of(Kind.DATAGRAM);
        add(SocketOptions.TCP_NODELAY, StandardSocketOptions.TCP_NODELAY, client, SAME, SAME);
        add(SocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_KEEPALIVE, client, SAME, SAME);
        // SocketImpl's SO_LINGER is Boolean.FALSE when off and the seconds when on; the standard option is -1 or
        // the seconds (Socket.setSoLinger(true, 0) arrives as TRUE: linger 0, a reset at close).
        add(SocketOptions.SO_LINGER, StandardSocketOptions.SO_LINGER, client,
            value -> value instanceof Boolean ? ((Boolean)value ? 0 : -1) : value,
            value -> (Integer)value < 0 ? Boolean.FALSE : value);
        add(SocketOptions.SO_SNDBUF, StandardSocketOptions.SO_SNDBUF, clientAndDatagram, SAME, SAME);
        add(SocketOptions.SO_RCVBUF, StandardSocketOptions.SO_RCVBUF, all, SAME, SAME);
        add(SocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_REUSEADDR, all, SAME, SAME);
        add(SocketOptions.IP_TOS, StandardSocketOptions.IP_TOS, clientAndDatagram, SAME, SAME);
        add(SocketOptions.SO_BROADCAST, StandardSocketOptions.SO_BROADCAST, datagram, SAME, SAME);
        add(SocketOptions.IP_MULTICAST_IF2, StandardSocketOptions.IP_MULTICAST_IF, datagram, SAME, SAME);
        add(SocketOptions.IP_MULTICAST_IF, StandardSocketOptions.IP_MULTICAST_IF, datagram,
            value -> NetworkInterface.getByInetAddress((InetAddress)value), null);
        // SocketOptions.IP_MULTICAST_LOOP is "disable loopback", the opposite of the standard option.
        add(SocketOptions.IP_MULTICAST_LOOP, StandardSocketOptions.IP_MULTICAST_LOOP, datagram,
            value -> !(Boolean)value, value -> !(Boolean)value);
    }

    private LegacyOptions()
    {
    }

    private static void add(final int id, final SocketOption<?> standard, final Set<Kind> kinds,
        final Conversion toStandard, final Conversion toLegacy)
    {
        ENTRIES.put(id, new Entry(standard, kinds, toStandard, toLegacy));
    }

    private static Entry entry(final Kind kind, final int id, final boolean reading) throws SocketException
    {
        final Entry e = ENTRIES.get(id);
        if (e == null || !e.kinds().contains(kind) || (reading && e.toLegacy() == null))
        {
            throw new SocketException(kind == Kind.SERVER ? "jbypass: option " + id + " is not a server socket option"
                : "jbypass: unknown " + (kind == Kind.DATAGRAM ? "datagram " : "") + "socket option " + id);
        }
        return e;
    }

    /** Sets an impl's option on its channel. */
    @SuppressWarnings("unchecked")
    static void set(final Kind kind, final NetworkChannel channel, final int id, final Object value)
        throws SocketException
    {
        final Entry e = entry(kind, id, false);
        setStandard(channel, (SocketOption<Object>)e.standard(), e.toStandard().convert(value));
    }

    /** Reads an impl's option from its channel. */
    static Object get(final Kind kind, final NetworkChannel channel, final int id) throws SocketException
    {
        final Entry e = entry(kind, id, true);
        return e.toLegacy().convert(getStandard(channel, e.standard()));
    }

    /** Sets a standard option on a channel, with the exceptions of {@code java.net}'s sockets. */
    @SuppressWarnings("unchecked")
    static void setStandard(final NetworkChannel channel, final SocketOption<?> name, final Object value)
        throws SocketException
    {
        try
        {
            channel.setOption((SocketOption<Object>)name, value);
        }
        catch (final IOException e)
        {
            throw SocketExceptions.toSocketException(e);
        }
    }

    /** Reads a standard option from a channel, with the exceptions of {@code java.net}'s sockets. */
    static <T> T getStandard(final NetworkChannel channel, final SocketOption<T> name) throws SocketException
    {
        try
        {
            return channel.getOption(name);
        }
        catch (final IOException e)
        {
            throw SocketExceptions.toSocketException(e);
        }
    }
}
