package org.jbypass.provider.net;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/**
 * The JDK's translation of channel exceptions into the {@code java.net} exceptions its socket adaptors throw
 * ({@code sun.nio.ch.Net.translateException}), so that code written against {@code Socket} sees the same types and
 * messages.
 */
final class SocketExceptions
{
    private SocketExceptions()
    {
    }

    /** For operations declared to throw IOException: IOExceptions pass, others become SocketExceptions. */
    static IOException translate(final Exception x)
    {
        if (x instanceof IOException && !(x instanceof ClosedChannelException))
        {
            return (IOException)x;
        }
        return toSocketException(x);
    }

    /** For operations declared to throw SocketException. */
    static SocketException toSocketException(final Exception x)
    {
        if (x instanceof SocketException)
        {
            return (SocketException)x;
        }
        final String message;
        if (x instanceof ClosedChannelException)
        {
            message = "Socket is closed";
        }
        else if (x instanceof NotYetConnectedException)
        {
            message = "Socket is not connected";
        }
        else if (x instanceof AlreadyBoundException)
        {
            message = "Already bound";
        }
        else if (x instanceof AlreadyConnectedException)
        {
            message = "Already connected";
        }
        else if (x instanceof NotYetBoundException)
        {
            message = "Socket is not bound yet";
        }
        else if (x instanceof UnsupportedAddressTypeException)
        {
            message = "Unsupported address type";
        }
        else if (x instanceof UnresolvedAddressException)
        {
            message = "Unresolved address";
        }
        else if (x instanceof IOException)
        {
            message = x.getMessage();
        }
        else if (x instanceof RuntimeException)
        {
            throw (RuntimeException)x;
        }
        else
        {
            throw new IllegalStateException("untranslated exception", x);
        }
        final SocketException e = new SocketException(message);
        e.initCause(x);
        return e;
    }
}
