package org.jbypass.provider.net;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.DatagramSocketImplFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketImplFactory;
import java.nio.channels.spi.SelectorProvider;
import java.util.function.Supplier;

/**
 * Installs the JDK's socket implementation factories (deprecated since 17, not for removal, and still honoured by
 * {@code new Socket()}, {@code new ServerSocket()} and {@code new DatagramSocket()}) so that {@code java.net}
 * sockets are served by the provider's channels. All three are installed: a custom server impl cannot accept into
 * a platform client impl ({@code ServerSocket.implAccept} needs the Socket factory).
 *
 * <p>Each factory can be set once per JVM; a second installation fails with the JDK's "factory already defined".
 */
public final class LegacySocketFactories
{
    private LegacySocketFactories()
    {
    }

    /**
     * @param provider supplies the jbypass provider when the first socket is made (not before: the system-wide
     *                 provider may not exist yet when the factories are installed)
     */
    @SuppressWarnings("deprecation")
    public static void install(final Supplier<SelectorProvider> provider) throws IOException
    {
        final SocketImplFactory clients = () -> new BypassSocketImpl(provider.get(), false);
        final SocketImplFactory servers = () -> new BypassSocketImpl(provider.get(), true);
        final DatagramSocketImplFactory datagrams = () -> new BypassDatagramSocketImpl(provider.get());
        Socket.setSocketImplFactory(clients);
        ServerSocket.setSocketFactory(servers);
        DatagramSocket.setDatagramSocketImplFactory(datagrams);
    }
}
