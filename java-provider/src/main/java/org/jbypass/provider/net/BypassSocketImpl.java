package org.jbypass.provider.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.SocketOptions;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;

import org.jbypass.provider.channel.BypassServerSocketChannel;
import org.jbypass.provider.channel.BypassSocketChannel;

/**
 * The {@link SocketImpl} the agent installs for {@code java.net.Socket} and {@code ServerSocket}: a provider
 * channel in blocking mode, so that plain socket code is routed exactly as channel code is (stack or JDK, chosen at
 * bind or connect). The work is done by the channel's {@code socket()} adaptor, which already has the JDK's socket
 * semantics; this class only maps the {@code SocketImpl} protocol onto it.
 *
 * <p>One impl is either a client (made by the {@code Socket} factory, and for every connection a server accepts)
 * or a server (made by the {@code ServerSocket} factory): which one is known from the factory, because
 * {@code SocketImpl.bind} comes before the {@code listen} that would tell.
 */
final class BypassSocketImpl extends SocketImpl
{
    private final SelectorProvider provider;
    private final boolean server;
    private BypassSocketChannel channel;
    private Socket socket;
    private BypassServerSocketChannel serverChannel;
    private ServerSocket serverSocket;
    private InetSocketAddress pendingBind;
    private int timeout;

    BypassSocketImpl(final SelectorProvider provider, final boolean server)
    {
        this.provider = provider;
        this.server = server;
    }

    @Override
    protected void create(final boolean stream) throws IOException
    {
        if (!stream)
        {
            throw new SocketException("jbypass: datagram sockets through java.net.Socket are not supported");
        }
        if (server)
        {
            serverChannel = (BypassServerSocketChannel)provider.openServerSocketChannel();
            serverSocket = serverChannel.socket();
        }
        else
        {
            attach((BypassSocketChannel)provider.openSocketChannel());
        }
    }

    private void attach(final BypassSocketChannel ch)
    {
        channel = ch;
        socket = ch.socket();
    }

    /** After connect or accept: the fields {@code Socket} reads the addresses from. */
    private void connected()
    {
        address = socket.getInetAddress();
        port = socket.getPort();
        localport = socket.getLocalPort();
    }

    @Override
    protected void connect(final String host, final int port) throws IOException
    {
        connect(new InetSocketAddress(host, port), 0);
    }

    @Override
    protected void connect(final InetAddress address, final int port) throws IOException
    {
        connect(new InetSocketAddress(address, port), 0);
    }

    @Override
    protected void connect(final SocketAddress address, final int timeout) throws IOException
    {
        if (socket == null)
        {
            throw new SocketException("jbypass: a server socket cannot connect");
        }
        socket.connect(address, timeout);
        connected();
    }

    @Override
    protected void bind(final InetAddress host, final int port) throws IOException
    {
        final InetSocketAddress local = new InetSocketAddress(host, port);
        if (server)
        {
            // The listen that follows at once (ServerSocket.bind) binds with the backlog.
            pendingBind = local;
            return;
        }
        socket.bind(local);
        localport = socket.getLocalPort();
    }

    @Override
    protected void listen(final int backlog) throws IOException
    {
        if (serverSocket == null)
        {
            throw new SocketException("jbypass: a client socket cannot listen");
        }
        final InetSocketAddress local = pendingBind != null ? pendingBind : new InetSocketAddress(0);
        serverSocket.bind(local, backlog);
        pendingBind = null;
        localport = serverSocket.getLocalPort();
        // As the JDK's NioSocketImpl.bind: the address given, "to maintain long standing behavior" (a wildcard bind
        // reports 0.0.0.0 although the socket is bound to :: when IPv6 is available).
        address = local.getAddress();
    }

    @Override
    protected void accept(final SocketImpl s) throws IOException
    {
        if (serverSocket == null || !(s instanceof BypassSocketImpl))
        {
            throw new SocketException("jbypass: accept needs a jbypass server socket and client impl, not "
                + s.getClass().getName());
        }
        serverSocket.setSoTimeout(timeout);
        final Socket accepted = serverSocket.accept();
        final BypassSocketImpl child = (BypassSocketImpl)s;
        child.attach((BypassSocketChannel)accepted.getChannel());
        child.connected();
    }

    @Override
    protected InputStream getInputStream() throws IOException
    {
        return client().getInputStream();
    }

    @Override
    protected OutputStream getOutputStream() throws IOException
    {
        return client().getOutputStream();
    }

    @Override
    protected int available() throws IOException
    {
        return client().getInputStream().available();
    }

    @Override
    protected void close() throws IOException
    {
        if (channel != null)
        {
            channel.close();
        }
        if (serverChannel != null)
        {
            serverChannel.close();
        }
    }

    @Override
    protected void shutdownInput() throws IOException
    {
        client().shutdownInput();
    }

    @Override
    protected void shutdownOutput() throws IOException
    {
        client().shutdownOutput();
    }

    @Override
    protected boolean supportsUrgentData()
    {
        return true;
    }

    @Override
    protected void sendUrgentData(final int data) throws IOException
    {
        client().sendUrgentData(data);
    }

    private Socket client() throws SocketException
    {
        if (socket == null)
        {
            throw new SocketException("Socket is not connected");
        }
        return socket;
    }

    @Override
    public void setOption(final int optID, final Object value) throws SocketException
    {
        if (optID == SocketOptions.SO_TIMEOUT)
        {
            timeout = (Integer)value;
            if (socket != null)
            {
                socket.setSoTimeout(timeout);
            }
        }
        else if (server)
        {
            LegacyOptions.set(LegacyOptions.Kind.SERVER, serverChannel, optID, value);
        }
        else if (optID == SocketOptions.SO_OOBINLINE)
        {
            client().setOOBInline((Boolean)value);
        }
        else
        {
            client();
            LegacyOptions.set(LegacyOptions.Kind.CLIENT, channel, optID, value);
        }
    }

    @Override
    public Object getOption(final int optID) throws SocketException
    {
        if (optID == SocketOptions.SO_TIMEOUT)
        {
            return timeout;
        }
        if (server)
        {
            if (optID == SocketOptions.SO_BINDADDR)
            {
                return serverSocket.isBound() ? serverSocket.getInetAddress() : new InetSocketAddress(0).getAddress();
            }
            return LegacyOptions.get(LegacyOptions.Kind.SERVER, serverChannel, optID);
        }
        final Socket s = client();
        if (optID == SocketOptions.SO_OOBINLINE)
        {
            return s.getOOBInline();
        }
        if (optID == SocketOptions.SO_BINDADDR)
        {
            return s.getLocalAddress();
        }
        return LegacyOptions.get(LegacyOptions.Kind.CLIENT, channel, optID);
    }

    @Override
    protected <T> void setOption(final SocketOption<T> name, final T value) throws IOException
    {
        if (server)
        {
            serverSocket.setOption(name, value);
        }
        else
        {
            client().setOption(name, value);
        }
    }

    @Override
    protected <T> T getOption(final SocketOption<T> name) throws IOException
    {
        return server ? serverSocket.getOption(name) : client().getOption(name);
    }

    @Override
    protected Set<SocketOption<?>> supportedOptions()
    {
        if (server)
        {
            return serverSocket != null ? serverSocket.supportedOptions() : Set.of();
        }
        return socket != null ? socket.supportedOptions() : Set.of();
    }

    @Override
    public String toString()
    {
        return "BypassSocketImpl[" + (server ? serverSocket : socket) + "]";
    }
}
