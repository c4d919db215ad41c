package org.jbypass.netstack.transport;

/**
 * Readiness bits of a stack socket. They have the values of {@link java.nio.channels.SelectionKey}'s operations so
 * the provider passes them through unchanged, but netstack depends on no NIO class for them.
 */
public final class Readiness
{
    /** Data, an end of stream, an error or a datagram can be read without blocking. */
    public static final int READ = 1;
    /** Data can be written or a datagram sent without blocking (or the send would fail at once). */
    public static final int WRITE = 4;
    /** A connect has finished, successfully or not. */
    public static final int CONNECT = 8;
    /** A listening socket has a connection to accept (or an error). */
    public static final int ACCEPT = 16;

    private Readiness()
    {
    }
}
