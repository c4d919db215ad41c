package org.jbypass.provider.driver;

import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.spi.AbstractInterruptibleChannel;

/**
 * Makes {@link Thread#interrupt()} release a thread blocked in a native wait.
 *
 * <p>A thread blocked in native code does not notice {@code Thread.interrupt()}: no signal is sent. The JDK's own
 * channels solve this with {@link AbstractInterruptibleChannel#begin()}, which registers the channel with the
 * thread so that an interrupt closes it, and closing runs {@link #implCloseChannel()}. Here closing just wakes
 * the native wait up (an eventfd write). That is all public API, the same on JDK 17 and 25, with no internal
 * access.
 *
 * <p>The price: an interrupt closes this object for good, so after one the owner makes a new one
 * ({@link #endBlocking()} returns true). That allocation happens only on an interrupt, never on the idle path.
 */
final class InterruptWaker extends AbstractInterruptibleChannel
{
    private final Runnable wakeup;

    /** @param wakeup what releases the native wait; called on the interrupting thread, must not block */
    InterruptWaker(final Runnable wakeup)
    {
        this.wakeup = wakeup;
    }

    /** Call before blocking; an interrupt from now on (or one already pending) runs the wakeup. */
    void beginBlocking()
    {
        begin();
    }

    /**
     * Call after the wait returned.
     *
     * @return true if an interrupt came in: this waker is spent and must be replaced
     */
    boolean endBlocking()
    {
        try
        {
            end(true);
            return false;
        }
        catch (final AsynchronousCloseException e)
        {
            // ClosedByInterruptException: the thread's interrupt status stays set for its owner to see.
            return true;
        }
    }

    @Override
    protected void implCloseChannel()
    {
        wakeup.run();
    }
}
