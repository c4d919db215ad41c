package org.jbypass.provider.channel;

import java.util.concurrent.locks.Condition;

import org.jbypass.netstack.transport.SocketListener;
import org.jbypass.netstack.transport.StackSocket;
import org.jbypass.provider.engine.StackEngine;

/**
 * What every stack-backed backing shares: the stack lock's condition its blocked threads wait on, the volatile
 * snapshot of its socket's readiness that selectors read without the lock, and the socket listener that keeps both
 * current.
 *
 * <p>The listener runs on whichever thread holds the stack lock (a poller, or an application thread in
 * {@code flush}), once per socket per poll however many packets changed it. It signals waiters (only if there are
 * any) and, when the readiness bits changed, tells the channel's selector keys, which queue themselves without a
 * lock and wake their selectors. It never calls back into the stack. Operations refresh the snapshot too, before
 * they release the lock, because an operation changes readiness (a read that empties the buffer) without an event.
 */
abstract class StackBacking implements SocketListener
{
    final StackEngine engine;
    private final ChannelKeys keys;
    private final Condition changed;
    /** Threads waiting on {@link #changed}; guarded by the stack lock. */
    private int waiters;
    /** The socket's {@link org.jbypass.netstack.transport.Readiness} bits; written under the stack lock. */
    volatile int readyOps;

    StackBacking(final StackEngine engine, final ChannelKeys keys)
    {
        this.engine = engine;
        this.keys = keys;
        this.changed = engine.newCondition();
    }

    @Override
    public final void onReadinessChange(final StackSocket socket)
    {
        if (waiters > 0)
        {
            changed.signalAll();
        }
        refresh(socket);
    }

    /** With the stack lock held: publishes the socket's readiness, telling selectors if it changed. */
    final void refresh(final StackSocket socket)
    {
        final int ops = socket.readyOps();
        if (ops != readyOps)
        {
            readyOps = ops;
            keys.readinessChanged();
        }
    }

    /** With the stack lock held: wakes every thread waiting on this backing (a close). */
    final void wakeAll()
    {
        if (waiters > 0)
        {
            changed.signalAll();
        }
    }

    /**
     * With the stack lock held: waits for a readiness change, a close or the timeout, releasing the lock meanwhile.
     *
     * @param nanos the longest wait, {@link Long#MAX_VALUE} for none
     * @return the nanoseconds left
     */
    final long awaitChange(final long nanos) throws InterruptedException
    {
        waiters++;
        try
        {
            return engine.await(changed, nanos);
        }
        finally
        {
            waiters--;
        }
    }
}
