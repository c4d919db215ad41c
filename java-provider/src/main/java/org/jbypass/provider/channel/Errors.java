package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;

import org.jbypass.netstack.util.Errno;

/**
 * Turns the stack's -errno results into the exceptions the JDK throws for the same errno from the kernel
 * ({@code Net.c handleSocketError} for connect and bind, {@code IOUtil} for reads and writes, and the special cases
 * of {@code SocketChannelImpl}), so that applications see no difference in type or message.
 */
final class Errors
{
    private Errors()
    {
    }

    /** For bind and listen. */
    static IOException bind(final int result)
    {
        final int errno = -result;
        switch (errno)
        {
            case Errno.EADDRINUSE:
            case Errno.EADDRNOTAVAIL:
            case Errno.EACCES:
                return new BindException(Errno.message(errno));
            case Errno.EBADF:
                return new ClosedChannelException();
            default:
                return new SocketException(Errno.message(errno));
        }
    }

    /** For connect and finishConnect. */
    static IOException connect(final int result)
    {
        final int errno = -result;
        switch (errno)
        {
            case Errno.ECONNREFUSED:
            case Errno.ETIMEDOUT:
            case Errno.ENOTCONN:
                return new ConnectException(Errno.message(errno));
            case Errno.EHOSTUNREACH:
                return new NoRouteToHostException(Errno.message(errno));
            case Errno.EADDRINUSE:
            case Errno.EADDRNOTAVAIL:
            case Errno.EACCES:
                return new BindException(Errno.message(errno));
            case Errno.EBADF:
                return new ClosedChannelException();
            case Errno.ECONNRESET:
                return new SocketException("Connection reset");
            default:
                return new SocketException(Errno.message(errno));
        }
    }

    /** For stream reads. */
    static IOException read(final int result)
    {
        final int errno = -result;
        switch (errno)
        {
            case Errno.ECONNRESET:
                // SocketChannelImpl.throwConnectionReset
                return new SocketException("Connection reset");
            case Errno.EBADF:
                return new ClosedChannelException();
            default:
                return new IOException(Errno.message(errno));
        }
    }

    /** For stream writes. */
    static IOException write(final int result)
    {
        final int errno = -result;
        switch (errno)
        {
            case Errno.ECONNRESET:
                return new IOException("Connection reset by peer");
            case Errno.EBADF:
                return new ClosedChannelException();
            default:
                return new IOException(Errno.message(errno));
        }
    }

    /** For datagram sends and receives. */
    static IOException datagram(final int result)
    {
        final int errno = -result;
        switch (errno)
        {
            case Errno.ECONNREFUSED:
                return new PortUnreachableException();
            case Errno.EBADF:
                return new ClosedChannelException();
            case Errno.ENETUNREACH:
            case Errno.EHOSTUNREACH:
            case Errno.EACCES:
            case Errno.EINVAL:
                return new SocketException(Errno.message(errno));
            default:
                return new IOException(Errno.message(errno));
        }
    }
}
