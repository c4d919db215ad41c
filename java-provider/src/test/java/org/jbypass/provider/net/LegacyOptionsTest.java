package org.jbypass.provider.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketOptions;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import org.junit.jupiter.api.Test;

/** The impls' option IDs and values map onto the channel's standard options, both ways. */
class LegacyOptionsTest
{
    @Test
    void shouldTranslateLingerBothWays() throws IOException
    {
        try (SocketChannel ch = SocketChannel.open())
        {
            LegacyOptions.set(LegacyOptions.Kind.CLIENT, ch, SocketOptions.SO_LINGER, 7);
            assertEquals(7, ch.getOption(StandardSocketOptions.SO_LINGER));
            assertEquals(7, LegacyOptions.get(LegacyOptions.Kind.CLIENT, ch, SocketOptions.SO_LINGER));
            LegacyOptions.set(LegacyOptions.Kind.CLIENT, ch, SocketOptions.SO_LINGER, Boolean.TRUE);
            assertEquals(0, ch.getOption(StandardSocketOptions.SO_LINGER));
            LegacyOptions.set(LegacyOptions.Kind.CLIENT, ch, SocketOptions.SO_LINGER, Boolean.FALSE);
            assertEquals(-1, ch.getOption(StandardSocketOptions.SO_LINGER));
            assertEquals(Boolean.FALSE, LegacyOptions.get(LegacyOptions.Kind.CLIENT, ch, SocketOptions.SO_LINGER));
        }
    }

    @Test
    void shouldPassPlainOptionsThrough() throws IOException
    {
        try (SocketChannel ch = SocketChannel.open())
        {
            LegacyOptions.set(LegacyOptions.Kind.CLIENT, ch, SocketOptions.TCP_NODELAY, Boolean.TRUE);
            assertEquals(true, ch.getOption(StandardSocketOptions.TCP_NODELAY));
            LegacyOptions.set(LegacyOptions.Kind.CLIENT, ch, SocketOptions.IP_TOS, 0x10);
            assertEquals(0x10, LegacyOptions.get(LegacyOptions.Kind.CLIENT, ch, SocketOptions.IP_TOS));
        }
    }

    @Test
    void shouldInvertMulticastLoop() throws IOException
    {
        try (DatagramChannel dc = DatagramChannel.open())
        {
            // SocketOptions.IP_MULTICAST_LOOP means "disable loopback".
            LegacyOptions.set(LegacyOptions.Kind.DATAGRAM, dc, SocketOptions.IP_MULTICAST_LOOP, Boolean.TRUE);
            assertEquals(false, dc.getOption(StandardSocketOptions.IP_MULTICAST_LOOP));
            assertEquals(true, LegacyOptions.get(LegacyOptions.Kind.DATAGRAM, dc, SocketOptions.IP_MULTICAST_LOOP));
        }
    }

    @Test
    void shouldRefuseOptionsOfAnotherKindNamingThem() throws IOException
    {
        try (ServerSocketChannel ssc = ServerSocketChannel.open(); DatagramChannel dc = DatagramChannel.open();
            SocketChannel ch = SocketChannel.open())
        {
            assertEquals("jbypass: option 1 is not a server socket option", assertThrows(SocketException.class,
                () -> LegacyOptions.set(LegacyOptions.Kind.SERVER, ssc, SocketOptions.TCP_NODELAY, true)).getMessage());
            assertEquals("jbypass: unknown datagram socket option 1", assertThrows(SocketException.class,
                () -> LegacyOptions.get(LegacyOptions.Kind.DATAGRAM, dc, SocketOptions.TCP_NODELAY)).getMessage());
            assertEquals("jbypass: unknown socket option 32", assertThrows(SocketException.class,
                () -> LegacyOptions.set(LegacyOptions.Kind.CLIENT, ch, SocketOptions.SO_BROADCAST, true))
                .getMessage());
            // IP_MULTICAST_IF is written (an InetAddress) but read back only as IP_MULTICAST_IF2.
            assertThrows(SocketException.class,
                () -> LegacyOptions.get(LegacyOptions.Kind.DATAGRAM, dc, SocketOptions.IP_MULTICAST_IF));
        }
    }

    @Test
    void shouldTurnChannelExceptionsIntoSocketExceptions() throws IOException
    {
        final SocketChannel ch = SocketChannel.open();
        ch.close();
        assertEquals("Socket is closed", assertThrows(SocketException.class,
            () -> LegacyOptions.set(LegacyOptions.Kind.CLIENT, ch, SocketOptions.TCP_NODELAY, true)).getMessage());
    }
}
