package org.jbypass.provider.semantics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.spi.SelectorProvider;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Channel, selector and socket semantics, run with identical expectations against the JDK's own provider and
 * against jbypass (kernel-routed wrappers, and the stack over an in-memory wire). Whatever a test asserts, the JDK
 * does: a test that fails only for jbypass is a difference to fix or to list in docs/PROVIDER.md.
 *
 * <p>Subclasses say which providers the client and server sides use and on which addresses the server listens.
 */
public abstract class ChannelSemanticsSuite
{
    private final List<Closeable> resources = new ArrayList<>();

    /** The provider of the side that connects and sends first. */
    protected abstract SelectorProvider clientProvider();

    /** The provider of the side that listens and answers. */
    protected abstract SelectorProvider serverProvider();

    /** The address servers bind to (and clients reach them at). */
    protected abstract InetAddress serverAddress();

    /** The address client datagram channels bind to. */
    protected abstract InetAddress clientAddress();

    @AfterEach
    void closeResources()
    {
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            try
            {
                resources.get(i).close();
            }
            catch (final IOException | RuntimeException e)
            {
                // Best effort: a test may have closed it already.
            }
        }
        resources.clear();
    }

    protected <T extends Closeable> T track(final T resource)
    {
        resources.add(resource);
        return resource;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Fixtures

    protected ServerSocketChannel listen() throws IOException
    {
        final ServerSocketChannel server = track(serverProvider().openServerSocketChannel());
        server.bind(new InetSocketAddress(serverAddress(), 0));
        return server;
    }

    protected SocketChannel openClient() throws IOException
    {
        return track(clientProvider().openSocketChannel());
    }

    /** A connected pair: [client, server side], both blocking. */
    protected SocketChannel[] connectedPair() throws IOException
    {
        final ServerSocketChannel server = listen();
        final SocketChannel client = openClient();
        assertTrue(client.connect(server.getLocalAddress()));
        final SocketChannel accepted = track(server.accept());
        return new SocketChannel[] {client, accepted};
    }

    protected Selector clientSelector() throws IOException
    {
        return track(clientProvider().openSelector());
    }

    protected DatagramChannel clientDatagram() throws IOException
    {
        final DatagramChannel dc = track(clientProvider().openDatagramChannel());
        dc.bind(new InetSocketAddress(clientAddress(), 0));
        return dc;
    }

    protected DatagramChannel serverDatagram() throws IOException
    {
        final DatagramChannel dc = track(serverProvider().openDatagramChannel());
        dc.bind(new InetSocketAddress(serverAddress(), 0));
        return dc;
    }

    private static ByteBuffer bytes(final String s)
    {
        return ByteBuffer.wrap(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static String string(final ByteBuffer b)
    {
        b.flip();
        final byte[] a = new byte[b.remaining()];
        b.get(a);
        return new String(a, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Reads exactly n bytes in blocking mode. */
    private static ByteBuffer readFully(final SocketChannel ch, final int n) throws IOException
    {
        final ByteBuffer dst = ByteBuffer.allocate(n);
        while (dst.hasRemaining())
        {
            if (ch.read(dst) < 0)
            {
                throw new IOException("end of stream after " + dst.position() + " of " + n + " bytes");
            }
        }
        return dst;
    }

    /** Selects until a key of the channel is selected with the operation, failing after the step timeout. */
    private static SelectionKey awaitReady(final Selector selector, final SelectionKey key, final int op)
        throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Blocking.STEP_SECONDS);
        while (System.nanoTime() - deadline < 0)
        {
            selector.select(1000);
            if (selector.selectedKeys().remove(key) && (key.readyOps() & op) != 0)
            {
                return key;
            }
        }
        throw new AssertionError("key never became ready for " + op + ": " + key);
    }

    // ------------------------------------------------------------------------------------------------------------
    // TCP: connect, accept, transfer

    @Test
    void shouldConnectAcceptAndExchangeBytes() throws IOException
    {
        final SocketChannel[] pair = connectedPair();
        final SocketChannel client = pair[0];
        final SocketChannel server = pair[1];
        assertTrue(client.isConnected());
        assertTrue(server.isConnected());
        assertFalse(client.isConnectionPending());
        assertEquals(client.getLocalAddress(), server.getRemoteAddress());
        assertEquals(client.getRemoteAddress(), server.getLocalAddress());

        client.write(bytes("hello"));
        assertEquals("hello", string(readFully(server, 5)));
        server.write(bytes("world!"));
        assertEquals("world!", string(readFully(client, 6)));
    }

    @Test
    void shouldGatherAndScatter() throws IOException
    {
        final SocketChannel[] pair = connectedPair();
        final ByteBuffer[] srcs = {bytes("ab"), bytes("cde"), bytes("f")};
        long written = 0;
        while (written < 6)
        {
            written += pair[0].write(srcs, 0, 3);
        }
        final ByteBuffer[] dsts = {ByteBuffer.allocate(4), ByteBuffer.allocate(2)};
        long read = 0;
        while (read < 6)
        {
            read += pair[1].read(dsts, 0, 2);
        }
        assertEquals("abcd", string(dsts[0]));
        assertEquals("ef", string(dsts[1]));
    }

    @Test
    void shouldReadEndOfStreamAfterPeerShutsDownOutput() throws IOException
    {
        final SocketChannel[] pair = connectedPair();
        pair[0].write(bytes("bye"));
        pair[0].shutdownOutput();
        assertEquals("bye", string(readFully(pair[1], 3)));
        assertEquals(-1, pair[1].read(ByteBuffer.allocate(1)));
        assertEquals(-1, pair[1].read(ByteBuffer.allocate(1)), "end of stream is sticky");
        assertThrows(IOException.class, () -> pair[0].write(bytes("x")), "output was shut down");
        // The other direction still works.
        pair[1].write(bytes("ok"));
        assertEquals("ok", string(readFully(pair[0], 2)));
    }

    @Test
    void shouldReadEndOfStreamAfterShutdownInput() throws IOException
    {
        final SocketChannel[] pair = connectedPair();
        pair[1].shutdownInput();
        assertEquals(-1, pair[1].read(ByteBuffer.allocate(1)));
        assertTrue(pair[1].socket().isInputShutdown());
    }

    @Test
    void shouldTransferMegabytesIntact() throws Throwable
    {
        final SocketChannel[] pair = connectedPair();
        final byte[] data = new byte[4 << 20];
        new Random(42).nextBytes(data);
        final Blocking.Call<byte[]> reader = Blocking.start(() ->
        {
            final MessageDigest sha = sha256();
            final ByteBuffer buf = ByteBuffer.allocate(65536);
            long total = 0;
            while (total < data.length)
            {
                buf.clear();
                final int n = pair[1].read(buf);
                if (n < 0)
                {
                    break;
                }
                buf.flip();
                sha.update(buf);
                total += n;
            }
            return sha.digest();
        });
        final ByteBuffer src = ByteBuffer.wrap(data);
        while (src.hasRemaining())
        {
            pair[0].write(src);
        }
        assertArrayEquals(sha256().digest(data), reader.join());
    }

    private static MessageDigest sha256() throws NoSuchAlgorithmException
    {
        return MessageDigest.getInstance("SHA-256");
    }

    @Test
    void shouldConnectInNonBlockingModeThroughSelector() throws IOException
    {
        final ServerSocketChannel server = listen();
        final SocketChannel client = openClient();
        client.configureBlocking(false);
        final Selector selector = clientSelector();
        // As Netty does: register with no interest before connecting.
        final SelectionKey key = client.register(selector, 0);
        final boolean connected = client.connect(server.getLocalAddress());
        if (!connected)
        {
            assertTrue(client.isConnectionPending());
            key.interestOps(SelectionKey.OP_CONNECT);
            awaitReady(selector, key, SelectionKey.OP_CONNECT);
            assertTrue(client.finishConnect());
        }
        assertTrue(client.isConnected());
        assertFalse(client.isConnectionPending());
        assertTrue(client.finishConnect(), "finishConnect on a connected channel returns true");
        key.interestOps(SelectionKey.OP_WRITE);
        awaitReady(selector, key, SelectionKey.OP_WRITE);
        assertEquals(SelectionKey.OP_WRITE, key.readyOps());
        track(server.accept());
    }

    @Test
    void shouldRefuseConnectionToClosedPort() throws IOException
    {
        final ServerSocketChannel server = listen();
        final SocketAddress address = server.getLocalAddress();
        server.close();
        final SocketChannel client = openClient();
        assertThrows(ConnectException.class, () -> client.connect(address));
    }

    @Test
    void shouldReportRefusalFromFinishConnect() throws IOException
    {
        final ServerSocketChannel server = listen();
        final SocketAddress address = server.getLocalAddress();
        server.close();
        final SocketChannel client = openClient();
        client.configureBlocking(false);
        final Selector selector = clientSelector();
        final SelectionKey key = client.register(selector, SelectionKey.OP_CONNECT);
        if (!client.connect(address))
        {
            awaitReady(selector, key, SelectionKey.OP_CONNECT);
            assertThrows(ConnectException.class, client::finishConnect);
        }
    }

    @Test
    void shouldThrowTheJdkExceptionsForMisuse() throws IOException
    {
        final SocketChannel client = openClient();
        assertThrows(NotYetConnectedException.class, () -> client.read(ByteBuffer.allocate(1)));
        assertThrows(NotYetConnectedException.class, () -> client.write(bytes("x")));
        assertThrows(NotYetConnectedException.class, client::shutdownOutput);
        assertThrows(NoConnectionPendingException.class, client::finishConnect);
        assertThrows(UnresolvedAddressException.class,
            () -> client.connect(InetSocketAddress.createUnresolved("nowhere.invalid", 80)));
        assertNull(client.getLocalAddress());
        assertNull(client.getRemoteAddress());
        assertFalse(client.isConnected());

        final ServerSocketChannel unbound = track(serverProvider().openServerSocketChannel());
        assertThrows(NotYetBoundException.class, unbound::accept);

        final SocketChannel[] pair = connectedPair();
        assertThrows(AlreadyConnectedException.class, () -> pair[0].connect(pair[1].getLocalAddress()));
    }

    @Test
    void shouldRefuseSecondBindAndAddressInUse() throws IOException
    {
        final ServerSocketChannel server = listen();
        assertThrows(AlreadyBoundException.class, () -> server.bind(new InetSocketAddress(serverAddress(), 0)));
        final ServerSocketChannel other = track(serverProvider().openServerSocketChannel());
        assertThrows(java.net.BindException.class, () -> other.bind(server.getLocalAddress()));
    }

    @Test
    void shouldFailEveryOperationOnClosedChannel() throws IOException
    {
        final SocketChannel[] pair = connectedPair();
        final SocketChannel client = pair[0];
        client.close();
        assertFalse(client.isOpen());
        client.close();
        assertThrows(ClosedChannelException.class, () -> client.read(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> client.write(bytes("x")));
        assertThrows(ClosedChannelException.class, client::getLocalAddress);
        assertThrows(ClosedChannelException.class, () -> client.setOption(StandardSocketOptions.TCP_NODELAY, true));
        assertThrows(ClosedChannelException.class, () -> client.register(clientSelector(), 0));
        // The peer sees the close.
        assertEquals(-1, pair[1].read(ByteBuffer.allocate(1)));

        final SocketChannel unconnected = openClient();
        unconnected.close();
        assertThrows(ClosedChannelException.class, () -> unconnected.connect(pair[1].getLocalAddress()));
        assertThrows(ClosedChannelException.class, () -> unconnected.bind(null));
    }

    @Test
    void shouldAcceptInNonBlockingMode() throws IOException
    {
        final ServerSocketChannel server = listen();
        server.configureBlocking(false);
        assertNull(server.accept());
        final Selector selector = track(serverProvider().openSelector());
        final SelectionKey key = server.register(selector, SelectionKey.OP_ACCEPT);
        final SocketChannel client = openClient();
        client.connect(server.getLocalAddress());
        awaitReady(selector, key, SelectionKey.OP_ACCEPT);
        final SocketChannel accepted = track(server.accept());
        assertNotNull(accepted);
        assertTrue(accepted.isBlocking(), "accepted channels start in blocking mode");
        assertSame(serverProvider(), accepted.provider());
        assertNull(server.accept());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Options

    @Test
    void shouldKeepOptionsSetBeforeConnecting() throws IOException
    {
        final ServerSocketChannel server = listen();
        final SocketChannel client = openClient();
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        client.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        client.setOption(StandardSocketOptions.SO_LINGER, 5);
        assertEquals(true, client.getOption(StandardSocketOptions.TCP_NODELAY));
        assertTrue(client.getOption(StandardSocketOptions.SO_RCVBUF) > 0);
        assertTrue(client.getOption(StandardSocketOptions.SO_SNDBUF) > 0);
        client.connect(server.getLocalAddress());
        track(server.accept());
        assertEquals(true, client.getOption(StandardSocketOptions.TCP_NODELAY));
        assertEquals(true, client.getOption(StandardSocketOptions.SO_KEEPALIVE));
        assertEquals(5, client.getOption(StandardSocketOptions.SO_LINGER));
    }

    @Test
    void shouldSetAndGetStandardOptions() throws IOException
    {
        final SocketChannel ch = connectedPair()[0];
        final Set<SocketOption<?>> supported = ch.supportedOptions();
        for (final SocketOption<?> option : List.of(StandardSocketOptions.TCP_NODELAY,
            StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER, StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.IP_TOS))
        {
            assertTrue(supported.contains(option), option + " is supported");
        }
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        assertEquals(true, ch.getOption(StandardSocketOptions.TCP_NODELAY));
        ch.setOption(StandardSocketOptions.TCP_NODELAY, false);
        assertEquals(false, ch.getOption(StandardSocketOptions.TCP_NODELAY));
        ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        assertEquals(true, ch.getOption(StandardSocketOptions.SO_KEEPALIVE));
        ch.setOption(StandardSocketOptions.SO_LINGER, -1);
        assertEquals(-1, ch.getOption(StandardSocketOptions.SO_LINGER));
        ch.setOption(StandardSocketOptions.SO_SNDBUF, 65536);
        assertTrue(ch.getOption(StandardSocketOptions.SO_SNDBUF) >= 65536);
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 65536);
        assertTrue(ch.getOption(StandardSocketOptions.SO_RCVBUF) >= 65536);
        ch.setOption(StandardSocketOptions.IP_TOS, 0x10);
        assertEquals(0x10, ch.getOption(StandardSocketOptions.IP_TOS));
        assertThrows(IllegalArgumentException.class, () -> ch.setOption(StandardSocketOptions.SO_RCVBUF, -1));
        assertThrows(IllegalArgumentException.class, () -> ch.setOption(StandardSocketOptions.IP_TOS, 256));
        assertThrows(UnsupportedOperationException.class,
            () -> ch.setOption(StandardSocketOptions.SO_BROADCAST, true));
        assertThrows(UnsupportedOperationException.class, () -> ch.getOption(StandardSocketOptions.SO_BROADCAST));

        final Socket socket = ch.socket();
        socket.setTcpNoDelay(true);
        assertTrue(socket.getTcpNoDelay());
        socket.setSoLinger(true, 3);
        assertEquals(3, socket.getSoLinger());
        socket.setSoLinger(false, 0);
        assertEquals(-1, socket.getSoLinger());
        socket.setKeepAlive(false);
        assertFalse(socket.getKeepAlive());
    }

    @Test
    void shouldDefaultReuseAddressOnServerChannels() throws IOException
    {
        final ServerSocketChannel server = track(serverProvider().openServerSocketChannel());
        assertEquals(true, server.getOption(StandardSocketOptions.SO_REUSEADDR));
        server.bind(new InetSocketAddress(serverAddress(), 0));
        assertEquals(true, server.getOption(StandardSocketOptions.SO_REUSEADDR));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Blocking, close and interrupt

    @Test
    void shouldWakeBlockedReaderWithAsynchronousCloseException() throws Throwable
    {
        final SocketChannel[] pair = connectedPair();
        final Blocking.Call<Integer> reader = Blocking.start(() -> pair[0].read(ByteBuffer.allocate(16)));
        reader.awaitBlocked();
        pair[0].close();
        assertInstanceOf(AsynchronousCloseException.class, reader.failure());
        assertFalse(pair[0].isOpen());
    }

    @Test
    void shouldCloseChannelWhenBlockedReaderIsInterrupted() throws Throwable
    {
        final SocketChannel[] pair = connectedPair();
        final Blocking.Call<Boolean> reader = Blocking.start(() ->
        {
            try
            {
                pair[0].read(ByteBuffer.allocate(16));
                return false;
            }
            catch (final ClosedByInterruptException e)
            {
                return Thread.currentThread().isInterrupted();
            }
        });
        reader.awaitBlocked();
        reader.thread.interrupt();
        assertTrue(reader.join(), "ClosedByInterruptException with the interrupt status still set");
        assertFalse(pair[0].isOpen());
        assertEquals(-1, pair[1].read(ByteBuffer.allocate(1)), "the peer sees the close");
    }

    @Test
    void shouldCloseChannelWhenInterruptedBeforeBlocking() throws Throwable
    {
        final SocketChannel[] pair = connectedPair();
        final Blocking.Call<Class<?>> reader = Blocking.start(() ->
        {
            Thread.currentThread().interrupt();
            try
            {
                pair[0].read(ByteBuffer.allocate(16));
                return null;
            }
            catch (final IOException e)
            {
                return e.getClass();
            }
        });
        assertEquals(ClosedByInterruptException.class, reader.join());
        assertFalse(pair[0].isOpen());
    }

    @Test
    void shouldInterruptVirtualThreadBlockedInRead() throws Throwable
    {
        assumeTrue(VirtualThreads.available(), "virtual threads need Java 21 or later");
        final SocketChannel[] pair = connectedPair();
        final Blocking.Call<Class<?>> reader = Blocking.startVirtual(() ->
        {
            try
            {
                pair[0].read(ByteBuffer.allocate(16));
                return null;
            }
            catch (final IOException e)
            {
                return e.getClass();
            }
        });
        reader.awaitBlocked();
        reader.thread.interrupt();
        assertEquals(ClosedByInterruptException.class, reader.join());
        assertFalse(pair[0].isOpen());
    }

    @Test
    void shouldServeManyVirtualThreadsBlockedInRead() throws Throwable
    {
        assumeTrue(VirtualThreads.available(), "virtual threads need Java 21 or later");
        // More readers than carriers, and the writers are virtual threads too: were a blocked read to pin its
        // carrier, the writers could not run and the test would time out.
        final int n = 4 * Runtime.getRuntime().availableProcessors() + 8;
        final List<SocketChannel[]> pairs = new ArrayList<>();
        final List<Blocking.Call<String>> readers = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            final SocketChannel[] pair = connectedPair();
            pairs.add(pair);
            readers.add(Blocking.startVirtual(() -> string(readFully(pair[1], 4))));
        }
        for (final Blocking.Call<String> reader : readers)
        {
            reader.awaitBlocked();
        }
        final List<Blocking.Call<Integer>> writers = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            final SocketChannel client = pairs.get(i)[0];
            final String text = String.format("%04d", i);
            writers.add(Blocking.startVirtual(() -> client.write(bytes(text))));
        }
        for (int i = 0; i < n; i++)
        {
            assertEquals(4, (int)writers.get(i).join());
            assertEquals(String.format("%04d", i), readers.get(i).join());
        }
    }

    @Test
    void shouldRefuseBlockingModeWithValidKey() throws IOException
    {
        final SocketChannel ch = connectedPair()[0];
        final Selector selector = clientSelector();
        assertThrows(IllegalBlockingModeException.class, () -> ch.register(selector, SelectionKey.OP_READ));
        ch.configureBlocking(false);
        final SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
        assertThrows(IllegalBlockingModeException.class, () -> ch.configureBlocking(true));
        // HttpServer's dispatcher does exactly this: cancel, then block at once, before any selection.
        key.cancel();
        ch.configureBlocking(true);
        assertTrue(ch.isBlocking());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Socket adaptors

    @Test
    void shouldTimeOutAdaptorReadAndKeepSocketUsable() throws Throwable
    {
        final SocketChannel[] pair = connectedPair();
        final Socket socket = pair[0].socket();
        assertSame(pair[0], socket.getChannel());
        socket.setSoTimeout(200);
        final InputStream in = socket.getInputStream();
        assertThrows(SocketTimeoutException.class, in::read);
        assertTrue(pair[0].isOpen(), "a timeout does not close the socket");
        pair[1].write(bytes("z"));
        assertEquals('z', in.read());
    }

    @Test
    void shouldRefuseAdaptorStreamsInNonBlockingMode() throws IOException
    {
        final SocketChannel ch = connectedPair()[0];
        final InputStream in = ch.socket().getInputStream();
        final OutputStream out = ch.socket().getOutputStream();
        ch.configureBlocking(false);
        assertThrows(IllegalBlockingModeException.class, in::read);
        assertThrows(IllegalBlockingModeException.class, () -> out.write(1));
    }

    @Test
    void shouldUseAdaptorsLikeSockets() throws Throwable
    {
        final ServerSocketChannel ssc = track(serverProvider().openServerSocketChannel());
        final ServerSocket serverSocket = ssc.socket();
        assertSame(ssc, serverSocket.getChannel());
        assertFalse(serverSocket.isBound());
        assertEquals(-1, serverSocket.getLocalPort());
        serverSocket.bind(new InetSocketAddress(serverAddress(), 0), 10);
        assertTrue(serverSocket.isBound());
        assertEquals(serverAddress(), serverSocket.getInetAddress());

        final SocketChannel sc = openClient();
        final Socket socket = sc.socket();
        assertFalse(socket.isConnected());
        assertEquals("Socket[unconnected]", socket.toString());
        socket.connect(serverSocket.getLocalSocketAddress(), 5000);
        assertTrue(socket.isConnected());
        assertTrue(socket.isBound());
        assertEquals(serverSocket.getLocalPort(), socket.getPort());

        final Socket accepted = track(serverSocket.accept());
        assertNotNull(accepted.getChannel());
        assertEquals(socket.getLocalPort(), accepted.getPort());
        socket.getOutputStream().write("ping".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        final byte[] got = accepted.getInputStream().readNBytes(4);
        assertEquals("ping", new String(got, java.nio.charset.StandardCharsets.US_ASCII));
        socket.shutdownOutput();
        assertTrue(socket.isOutputShutdown());
        assertEquals(-1, accepted.getInputStream().read());
        socket.close();
        assertTrue(socket.isClosed());
        assertFalse(sc.isOpen());
    }

    @Test
    void shouldTimeOutServerAdaptorAccept() throws IOException
    {
        final ServerSocket serverSocket = listen().socket();
        serverSocket.setSoTimeout(100);
        assertThrows(SocketTimeoutException.class, serverSocket::accept);
        assertFalse(serverSocket.isClosed());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Selector

    @Test
    void shouldReturnZeroWhenNothingIsReady() throws IOException
    {
        final Selector selector = clientSelector();
        final SocketChannel ch = connectedPair()[0];
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ);
        assertEquals(0, selector.selectNow());
        assertEquals(0, selector.select(50));
        assertTrue(selector.selectedKeys().isEmpty());
    }

    @Test
    void shouldHonourWakeupBeforeSelectAndClearItWithSelectNow() throws IOException
    {
        final Selector selector = clientSelector();
        selector.wakeup();
        final long start = System.nanoTime();
        assertEquals(0, selector.select());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(Blocking.STEP_SECONDS));
        selector.wakeup();
        assertEquals(0, selector.selectNow());
        // The wakeup was cleared: this select times out.
        final long before = System.nanoTime();
        assertEquals(0, selector.select(100));
        assertTrue(System.nanoTime() - before >= TimeUnit.MILLISECONDS.toNanos(90), "select waited");
    }

    @Test
    void shouldWakeBlockedSelectFromAnotherThread() throws Throwable
    {
        final Selector selector = clientSelector();
        final Blocking.Call<Integer> select = Blocking.start(selector::select);
        select.awaitBlocked();
        selector.wakeup();
        assertEquals(0, select.join());
    }

    @Test
    void shouldReturnFromSelectWhenInterrupted() throws Throwable
    {
        final Selector selector = clientSelector();
        final Blocking.Call<Boolean> select = Blocking.start(() ->
        {
            selector.select();
            return Thread.currentThread().isInterrupted();
        });
        select.awaitBlocked();
        select.thread.interrupt();
        assertTrue(select.join(), "select returns with the interrupt status set");
        assertTrue(selector.isOpen(), "an interrupt does not close the selector");
    }

    @Test
    void shouldCloseSelectorWhileSelecting() throws Throwable
    {
        final Selector selector = clientSelector();
        final SocketChannel ch = connectedPair()[0];
        ch.configureBlocking(false);
        final SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
        final Blocking.Call<Integer> select = Blocking.start(selector::select);
        select.awaitBlocked();
        selector.close();
        select.join();
        assertFalse(key.isValid());
        assertNull(ch.keyFor(selector));
        assertThrows(ClosedSelectorException.class, selector::selectNow);
        assertThrows(ClosedSelectorException.class, selector::keys);
        assertThrows(ClosedSelectorException.class, selector::selectedKeys);
        assertTrue(ch.isOpen(), "closing a selector leaves its channels open");
    }

    @Test
    void shouldSelectReadableChannelLevelTriggered() throws IOException
    {
        final SocketChannel[] pair = connectedPair();
        final Selector selector = clientSelector();
        pair[0].configureBlocking(false);
        final SelectionKey key = pair[0].register(selector, SelectionKey.OP_READ, "attachment");
        assertEquals("attachment", key.attachment());
        pair[1].write(bytes("abc"));
        awaitReady(selector, key, SelectionKey.OP_READ);
        assertEquals(SelectionKey.OP_READ, key.readyOps());
        // Not read: still ready, selected again.
        assertEquals(1, selector.select(Blocking.STEP_SECONDS * 1000));
        assertTrue(selector.selectedKeys().contains(key));
        // Already in the selected set with the same ready set: not counted again.
        assertEquals(0, selector.selectNow());
        selector.selectedKeys().clear();
        assertEquals("abc", string(readFully(pair[0], 3)));
        assertEquals(0, selector.selectNow(), "nothing left to read");
    }

    @Test
    void shouldCountKeysUpdatedWithNewOperations() throws IOException
    {
        final SocketChannel[] pair = connectedPair();
        final Selector selector = clientSelector();
        pair[0].configureBlocking(false);
        final SelectionKey key = pair[0].register(selector, SelectionKey.OP_WRITE);
        assertEquals(1, selector.selectNow());
        assertEquals(SelectionKey.OP_WRITE, key.readyOps());
        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        pair[1].write(bytes("x"));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Blocking.STEP_SECONDS);
        int updated = 0;
        while (updated == 0 && System.nanoTime() - deadline < 0)
        {
            updated = selector.select(100);
        }
        assertEquals(1, updated, "the key, still selected, gained OP_READ");
        assertEquals(SelectionKey.OP_READ | SelectionKey.OP_WRITE, key.readyOps());
        assertEquals(1, selector.selectedKeys().size());
    }

    @Test
    void shouldSelectWithAction() throws IOException
    {
        final SocketChannel[] pair = connectedPair();
        final Selector selector = clientSelector();
        pair[0].configureBlocking(false);
        final SelectionKey key = pair[0].register(selector, SelectionKey.OP_WRITE);
        final List<SelectionKey> seen = new ArrayList<>();
        assertEquals(1, selector.selectNow(seen::add));
        assertEquals(List.of(key), seen);
        assertTrue(selector.selectedKeys().isEmpty(), "select(Consumer) leaves the selected-key set alone");
        assertEquals(1, selector.select(seen::add, 1000));
        assertEquals(2, seen.size());
    }

    @Test
    void shouldKeepKeySetsAsTheJdkDoes() throws IOException
    {
        final Selector selector = clientSelector();
        final SocketChannel ch = connectedPair()[0];
        ch.configureBlocking(false);
        final SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
        assertEquals(Set.of(key), selector.keys());
        assertThrows(UnsupportedOperationException.class, () -> selector.keys().remove(key));
        assertEquals(1, selector.selectNow());
        assertThrows(UnsupportedOperationException.class, () -> selector.selectedKeys().add(key));
        final Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        assertSame(key, it.next());
        it.remove();
        assertTrue(selector.selectedKeys().isEmpty());
        assertSame(selector.provider(), clientProvider());
        assertSame(key, ch.keyFor(selector));
        assertSame(ch, key.channel());
        assertSame(selector, key.selector());
    }

    @Test
    void shouldInvalidateCancelledKeys() throws IOException
    {
        final Selector selector = clientSelector();
        final SocketChannel ch = connectedPair()[0];
        ch.configureBlocking(false);
        final SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
        key.cancel();
        assertFalse(key.isValid());
        assertThrows(CancelledKeyException.class, key::interestOps);
        assertThrows(CancelledKeyException.class, () -> key.interestOps(0));
        assertThrows(CancelledKeyException.class, key::readyOps);
        assertThrows(CancelledKeyException.class, () -> key.interestOpsOr(SelectionKey.OP_READ));
        // Registering again before the selector has deregistered the key finds the cancelled key.
        assertThrows(CancelledKeyException.class, () -> ch.register(selector, SelectionKey.OP_READ));
        assertEquals(0, selector.selectNow());
        assertFalse(selector.keys().contains(key));
        assertNull(ch.keyFor(selector));
        final SelectionKey again = ch.register(selector, SelectionKey.OP_WRITE);
        assertTrue(again.isValid());
        assertEquals(1, selector.selectNow());
    }

    @Test
    void shouldReRegisterAfterBlockingInterlude() throws IOException
    {
        // The HttpServer pattern: cancel, block for a while, then go back to the selector.
        final SocketChannel[] pair = connectedPair();
        final Selector selector = clientSelector();
        pair[0].configureBlocking(false);
        final SelectionKey key = pair[0].register(selector, SelectionKey.OP_READ);
        pair[1].write(bytes("12"));
        awaitReady(selector, key, SelectionKey.OP_READ);
        key.cancel();
        pair[0].configureBlocking(true);
        assertEquals("1", string(readFully(pair[0], 1)));
        selector.selectNow();
        pair[0].configureBlocking(false);
        final SelectionKey again = pair[0].register(selector, SelectionKey.OP_READ);
        awaitReady(selector, again, SelectionKey.OP_READ);
        final ByteBuffer b = ByteBuffer.allocate(2);
        assertEquals(1, pair[0].read(b));
        assertEquals("2", string(b));
    }

    @Test
    void shouldDeregisterClosedChannels() throws IOException
    {
        final Selector selector = clientSelector();
        final SocketChannel ch = connectedPair()[0];
        ch.configureBlocking(false);
        final SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
        ch.close();
        assertFalse(key.isValid());
        selector.selectNow();
        assertTrue(selector.keys().isEmpty());
    }

    @Test
    void shouldRegisterFromAnotherThreadWhileSelecting() throws Throwable
    {
        final Selector selector = clientSelector();
        final SocketChannel ch = connectedPair()[0];
        ch.configureBlocking(false);
        final Blocking.Call<Integer> select = Blocking.start(() ->
        {
            int n = 0;
            while (n == 0)
            {
                n = selector.select();
            }
            return n;
        });
        select.awaitBlocked();
        final SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
        selector.wakeup();
        assertEquals(1, (int)select.join());
        assertTrue(selector.selectedKeys().contains(key));
    }

    @Test
    void shouldMultiplexPipeAndSocketInOneSelector() throws IOException
    {
        final Selector selector = clientSelector();
        final Pipe pipe = clientProvider().openPipe();
        track(pipe.source());
        track(pipe.sink());
        pipe.source().configureBlocking(false);
        final SelectionKey pipeKey = pipe.source().register(selector, SelectionKey.OP_READ);
        final SocketChannel[] pair = connectedPair();
        pair[0].configureBlocking(false);
        final SelectionKey socketKey = pair[0].register(selector, SelectionKey.OP_READ);
        assertEquals(0, selector.selectNow());

        pipe.sink().write(bytes("p"));
        awaitReady(selector, pipeKey, SelectionKey.OP_READ);
        pair[1].write(bytes("s"));
        awaitReady(selector, socketKey, SelectionKey.OP_READ);

        final ByteBuffer b = ByteBuffer.allocate(1);
        assertEquals(1, pipe.source().read(b));
        assertEquals("p", string(b));
        b.clear();
        assertEquals(1, pair[0].read(b));
        assertEquals("s", string(b));
        selector.selectedKeys().clear();
        assertEquals(0, selector.selectNow());
    }

    @Test
    void shouldEchoThroughOneSelectorOnBothSides() throws Throwable
    {
        // A non-blocking echo server on the server provider's selector, a non-blocking client on the client's.
        final ServerSocketChannel server = listen();
        server.configureBlocking(false);
        final Selector serverSelector = track(serverProvider().openSelector());
        server.register(serverSelector, SelectionKey.OP_ACCEPT);
        final int total = 1 << 20;
        final Blocking.Call<Integer> echo = Blocking.start(() -> EchoLoop.serve(serverSelector, total));

        final SocketChannel client = openClient();
        client.configureBlocking(false);
        final Selector selector = clientSelector();
        final SelectionKey key = client.register(selector, SelectionKey.OP_CONNECT);
        if (client.connect(server.getLocalAddress()))
        {
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
        final byte[] data = new byte[total];
        new Random(7).nextBytes(data);
        final byte[] got = EchoLoop.drive(selector, key, data);
        assertArrayEquals(data, got);
        assertEquals(total, (int)echo.join());
    }

    // ------------------------------------------------------------------------------------------------------------
    // UDP

    @Test
    void shouldSendAndReceiveDatagrams() throws IOException
    {
        final DatagramChannel server = serverDatagram();
        final DatagramChannel client = clientDatagram();
        assertEquals(5, client.send(bytes("hello"), server.getLocalAddress()));
        final ByteBuffer dst = ByteBuffer.allocate(100);
        final SocketAddress from = server.receive(dst);
        assertEquals(client.getLocalAddress(), from);
        assertEquals("hello", string(dst));
        server.send(bytes("back"), from);
        dst.clear();
        assertEquals(server.getLocalAddress(), client.receive(dst));
        assertEquals("back", string(dst));
    }

    @Test
    void shouldTruncateDatagramsThatDoNotFit() throws IOException
    {
        final DatagramChannel server = serverDatagram();
        final DatagramChannel client = clientDatagram();
        client.send(bytes("0123456789"), server.getLocalAddress());
        client.send(bytes("next"), server.getLocalAddress());
        final ByteBuffer small = ByteBuffer.allocate(4);
        server.receive(small);
        assertEquals("0123", string(small));
        final ByteBuffer dst = ByteBuffer.allocate(100);
        server.receive(dst);
        assertEquals("next", string(dst), "the rest of the first datagram was discarded");
    }

    @Test
    void shouldReadAndWriteWhenConnected() throws IOException
    {
        final DatagramChannel server = serverDatagram();
        final DatagramChannel client = clientDatagram();
        assertThrows(NotYetConnectedException.class, () -> client.write(bytes("x")));
        assertThrows(NotYetConnectedException.class, () -> client.read(ByteBuffer.allocate(1)));
        client.connect(server.getLocalAddress());
        assertTrue(client.isConnected());
        assertEquals(server.getLocalAddress(), client.getRemoteAddress());
        assertEquals(3, client.write(bytes("abc")));
        final ByteBuffer dst = ByteBuffer.allocate(10);
        assertEquals(client.getLocalAddress(), server.receive(dst));
        server.send(bytes("xyz"), client.getLocalAddress());
        final ByteBuffer in = ByteBuffer.allocate(10);
        assertEquals(3, client.read(in));
        assertEquals("xyz", string(in));
        assertThrows(AlreadyConnectedException.class,
            () -> client.send(bytes("no"), new InetSocketAddress(serverAddress(), 9)));
        assertThrows(AlreadyConnectedException.class, () -> client.connect(server.getLocalAddress()));
        client.disconnect();
        assertFalse(client.isConnected());
        assertNull(client.getRemoteAddress());
    }

    @Test
    void shouldReceiveNothingInNonBlockingMode() throws IOException
    {
        final DatagramChannel dc = serverDatagram();
        dc.configureBlocking(false);
        assertNull(dc.receive(ByteBuffer.allocate(10)));
    }

    @Test
    void shouldSelectReadableDatagramChannel() throws IOException
    {
        final DatagramChannel server = serverDatagram();
        final DatagramChannel client = clientDatagram();
        client.configureBlocking(false);
        final Selector selector = clientSelector();
        final SelectionKey key = client.register(selector, SelectionKey.OP_READ);
        assertEquals(0, selector.selectNow());
        server.send(bytes("ping"), client.getLocalAddress());
        awaitReady(selector, key, SelectionKey.OP_READ);
        final ByteBuffer dst = ByteBuffer.allocate(10);
        assertNotNull(client.receive(dst));
        assertEquals("ping", string(dst));
    }

    @Test
    void shouldWakeBlockedDatagramReceive() throws Throwable
    {
        final DatagramChannel dc = serverDatagram();
        final Blocking.Call<SocketAddress> closed = Blocking.start(() -> dc.receive(ByteBuffer.allocate(10)));
        closed.awaitBlocked();
        dc.close();
        assertInstanceOf(AsynchronousCloseException.class, closed.failure());

        final DatagramChannel other = serverDatagram();
        final Blocking.Call<SocketAddress> interrupted = Blocking.start(() -> other.receive(ByteBuffer.allocate(10)));
        interrupted.awaitBlocked();
        interrupted.thread.interrupt();
        assertInstanceOf(ClosedByInterruptException.class, interrupted.failure());
        assertFalse(other.isOpen());
    }

    @Test
    void shouldTimeOutDatagramAdaptorReceive() throws IOException
    {
        final DatagramChannel server = serverDatagram();
        final DatagramSocket socket = server.socket();
        assertSame(server, socket.getChannel());
        socket.setSoTimeout(100);
        final DatagramPacket packet = new DatagramPacket(new byte[10], 10);
        assertThrows(SocketTimeoutException.class, () -> socket.receive(packet));
        final DatagramChannel client = clientDatagram();
        client.send(bytes("dgram"), server.getLocalAddress());
        socket.setSoTimeout((int)Blocking.STEP_SECONDS * 1000);
        socket.receive(packet);
        assertEquals(5, packet.getLength());
        assertEquals(client.getLocalAddress(), packet.getSocketAddress());
        assertEquals("dgram", new String(packet.getData(), 0, 5, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void shouldSendThroughDatagramAdaptor() throws IOException
    {
        final DatagramChannel server = serverDatagram();
        final DatagramSocket socket = clientDatagram().socket();
        final byte[] payload = "adaptor".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        socket.send(new DatagramPacket(payload, payload.length, server.getLocalAddress()));
        final ByteBuffer dst = ByteBuffer.allocate(20);
        assertEquals(socket.getLocalSocketAddress(), server.receive(dst));
        assertEquals("adaptor", string(dst));
        assertEquals(((InetSocketAddress)socket.getLocalSocketAddress()).getPort(), socket.getLocalPort());
    }

    @Test
    void shouldKeepDatagramOptionsSetBeforeBinding() throws IOException
    {
        final DatagramChannel dc = track(serverProvider().openDatagramChannel());
        dc.setOption(StandardSocketOptions.SO_BROADCAST, true);
        dc.setOption(StandardSocketOptions.SO_RCVBUF, 65536);
        dc.bind(new InetSocketAddress(serverAddress(), 0));
        assertEquals(true, dc.getOption(StandardSocketOptions.SO_BROADCAST));
        assertTrue(dc.getOption(StandardSocketOptions.SO_RCVBUF) >= 65536);
        assertThrows(UnsupportedOperationException.class, () -> dc.getOption(StandardSocketOptions.TCP_NODELAY));
    }

    /** The distinct addresses of the environment, for tests that must not depend on them being loopback. */
    protected Set<InetAddress> addresses()
    {
        return new HashSet<>(List.of(serverAddress(), clientAddress()));
    }
}
