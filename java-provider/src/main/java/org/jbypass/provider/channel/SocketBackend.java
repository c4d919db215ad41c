package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * What serves a {@link BypassSocketChannel} once bind or connect has chosen: the JDK's channel or the stack's TCP.
 * Blocking operations follow the channel's blocking mode; the checks the JDK makes before an operation (closed,
 * not connected, already connected, pending) are the backend's, with the JDK's exceptions.
 */
interface SocketBackend extends Backing
{
    void bind(SocketAddress local) throws IOException;

    /** Connects; in non-blocking mode returns false while the connection is pending. */
    boolean connect(SocketAddress remote) throws IOException;

    boolean finishConnect() throws IOException;

    boolean isConnected();

    boolean isConnectionPending();

    SocketAddress remoteAddress() throws IOException;

    int read(ByteBuffer dst) throws IOException;

    long read(ByteBuffer[] dsts, int offset, int length) throws IOException;

    int write(ByteBuffer src) throws IOException;

    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    void shutdownInput() throws IOException;

    void shutdownOutput() throws IOException;

    boolean isInputShutdown();

    boolean isOutputShutdown();

    // For the socket() adaptor: blocking mode only.

    /** Connects in blocking mode, waiting at most the timeout (0: none); SocketTimeoutException when it passes. */
    void adaptorConnect(SocketAddress remote, int timeoutMillis) throws IOException;

    /**
     * Reads in blocking mode into an array, waiting at most the timeout (0: none).
     *
     * @return bytes read, or -1 at the end of the stream
     * @throws java.net.SocketTimeoutException when the timeout passes
     */
    int adaptorRead(byte[] b, int off, int len, int timeoutMillis) throws IOException;

    /** Writes all of the array in blocking mode. */
    void adaptorWrite(byte[] b, int off, int len) throws IOException;

    /** TCP urgent data, for {@code Socket.sendUrgentData}. */
    void sendUrgentData(int data) throws IOException;

    /** Bytes that can be read without blocking. */
    int available() throws IOException;
}
