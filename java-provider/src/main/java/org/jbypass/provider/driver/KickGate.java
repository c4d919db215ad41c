package org.jbypass.provider.driver;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The handoff between threads that put frames in a link's transmit ring (under the stack lock) and the threads
 * that then kick the ring, each after releasing the stack lock: every frame is sent by some kick that begins after
 * it was put there, one kicker at a time, and no kicker waits for another.
 *
 * <p>Producer: put the frames in the ring, then {@link #pending()}, then, after releasing the stack lock, kick:
 * {@code while (gate.tryBegin()) { try { send } finally { gate.end(); } }}. A kicker that finds another one at work
 * leaves its frames to it: the one at work reads the flag again after {@link #end()}, and the producer's write of
 * the flag comes before its failed try, which comes before that release, which comes before that read, so the
 * flag is seen and the frames sent. {@link #exclude()} waits for a kick under way (a link closing its socket).
 *
 * <p>jcstress/KickGateTest checks the protocol.
 */
public final class KickGate
{
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean pending;

    /** Producer: frames were put in the ring and need a kick. */
    public void pending()
    {
        pending = true;
    }

    /**
     * Kicker: whether it must send now (frames are pending and no other kicker is at work); if so, it sends and
     * then calls {@link #end()}, and tries again.
     */
    public boolean tryBegin()
    {
        if (!pending || !lock.tryLock())
        {
            return false;
        }
        pending = false;
        return true;
    }

    /** Kicker: the send is done. */
    public void end()
    {
        lock.unlock();
    }

    /** Waits for a kick under way and keeps others out until {@link #release()}. */
    public void exclude()
    {
        lock.lock();
    }

    public void release()
    {
        lock.unlock();
    }
}
