package org.jbypass.provider.engine;

import java.util.concurrent.locks.LockSupport;

import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkCapabilities;

/**
 * Blocks in the link's own wait ({@link Link#awaitReceive}: poll(2) on an AF_PACKET socket, a completion channel
 * for rdma) until frames arrive, the deadline passes or {@link #wake()} calls {@link Link#wakeup()}, whose effect
 * persists until the next wait so that a wake is never lost. No CPU while idle; a system call's latency to wake.
 *
 * <p>For {@code spinNanos} after its last work, a poller whose link can look at its ring without a system call
 * ({@link LinkCapabilities#RX_READY}) looks there instead of blocking, as Linux's busy polling of a socket does
 * (net.core.busy_read): frames that follow soon (the next ACKs of a transfer, the next request of a conversation)
 * are then taken without a wakeup, two context switches and the wake-up latency each. An idle poller still costs
 * no CPU: it blocks once that time has passed without frames.
 *
 * <p>With a {@link RingWait}, application threads that would park may wait on the ring instead; the poller then
 * naps beside them rather than block in the same wait, which would wake two threads for every frame.
 */
public final class BlockingIdleStrategy implements IdleStrategy
{
    private final Link link;
    private final int queue;
    private final long spinNanos;
    /** When the spin after the last work ends, if {@link #spinArmed}; written and read by the poller only. */
    private long spinUntil;
    /**
     * Whether work was done since the last spin ended: a flag, not a sentinel time, because nanoTime values may lie
     * anywhere (a difference with Long.MIN_VALUE overflows and would make every idle spin).
     */
    private boolean spinArmed;
    private volatile boolean woken;
    /** Who waits on the ring, when readers may ({@code poller.ring-wait}); null otherwise. */
    private final RingWait ringWait;
    /** The poller's thread while it naps in {@link LockSupport#parkNanos} instead of waiting on the ring. */
    private volatile Thread napping;

    public BlockingIdleStrategy(final Link link)
    {
        this(link, 0, 0, null);
    }

    /** Without readers on the ring: see {@link #BlockingIdleStrategy(Link, int, long, RingWait)}. */
    public BlockingIdleStrategy(final Link link, final int queue, final long spinNanos)
    {
        this(link, queue, spinNanos, null);
    }

    /**
     * @param queue     the receive queue the poller polls
     * @param spinNanos how long after its last work the poller polls the ring before it blocks; 0 never
     * @param ringWait  who waits on the ring, when application threads may wait on it (see {@link RingWait}); null
     *                  when only the poller does
     */
    public BlockingIdleStrategy(final Link link, final int queue, final long spinNanos, final RingWait ringWait)
    {
        this.link = link;
        this.queue = queue;
        this.ringWait = ringWait;
        this.spinNanos = (link.capabilities() & LinkCapabilities.RX_READY) != 0 ? spinNanos : 0;
    }

    @Override
    public void idle(final long deadlineNanos, final long nowNanos)
    {
        if (spinArmed)
        {
            // Never beside a reader that holds the ring: it polls the ring itself, and a second thread looking at
            // it would only take its CPU (and, on the frame, race it for the stack lock).
            if (nowNanos - spinUntil < 0 && (ringWait == null || !ringWait.heldByReader()) && spin(deadlineNanos))
            {
                return;
            }
            spinArmed = false;
        }
        final long nanos = IdleStrategy.untilDeadline(deadlineNanos, System.nanoTime());
        if (nanos <= 0)
        {
            return;
        }
        if (ringWait == null)
        {
            link.awaitReceive(nanos);
        }
        else if (ringWait.pollerClaim())
        {
            try
            {
                link.awaitReceive(nanos);
            }
            finally
            {
                ringWait.pollerDone();
            }
        }
        else
        {
            napBesideReader(System.nanoTime() + nanos);
        }
    }

    /**
     * Naps while a reader holds the ring or asked for it: for the ring's lease, then again, with a longer lease,
     * for as long as the nap ends with a reader on the ring. A reader on the ring takes every frame itself, so the
     * poller looks at nothing then: it neither takes the stack lock nor polls, and a frame never wakes it. It
     * returns to poll when woken, at the stack's deadline, or when it finds the ring without a reader (frames that
     * came while the reader was away may wait in it).
     *
     * @param endNanos the end of the idle period: the stack's deadline, or {@link IdleStrategy#MAX_WAIT_NANOS} from
     *                 its start, so that the poller's housekeeping still runs
     */
    private void napBesideReader(final long endNanos)
    {
        while (true)
        {
            final long left = endNanos - System.nanoTime();
            if (left <= 0 || nap(Math.min(left, ringWait.lease())) || !ringWait.heldByReader())
            {
                return;
            }
            ringWait.leaseHeld();
        }
    }

    /**
     * Parks while a reader has the ring, until the nap ends or {@link #wake()}. No wake is lost: the poller writes
     * {@link #napping} before it reads {@link #woken}, and a waker writes {@link #woken} before it reads
     * {@link #napping}, so one of them sees the other's write (the poller does not park, or the waker unparks it,
     * whose permit outlives an unpark that comes first).
     *
     * @return whether a wake ended it
     */
    private boolean nap(final long nanos)
    {
        napping = Thread.currentThread();
        try
        {
            if (!woken)
            {
                LockSupport.parkNanos(this, nanos);
            }
            final boolean wake = woken;
            woken = false;
            return wake;
        }
        finally
        {
            napping = null;
        }
    }

    /** Polls the ring until frames arrive (true), or the spin or the deadline ends or a wake comes (false). */
    private boolean spin(final long deadlineNanos)
    {
        final long end = IdleGate.isEarlier(deadlineNanos, spinUntil) ? deadlineNanos : spinUntil;
        while (true)
        {
            if (link.receiveReady(queue))
            {
                return true;
            }
            if (woken)
            {
                // Poll now: the wake's pending link wakeup is consumed by the next blocking wait.
                woken = false;
                return true;
            }
            if (System.nanoTime() - end >= 0)
            {
                return false;
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public void reset()
    {
        if (spinNanos > 0)
        {
            spinUntil = System.nanoTime() + spinNanos;
            spinArmed = true;
        }
    }

    @Override
    public void wake()
    {
        woken = true;
        link.wakeup();
        final Thread t = napping;
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }
}
