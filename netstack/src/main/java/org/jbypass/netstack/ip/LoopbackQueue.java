package org.jbypass.netstack.ip;

import org.jbypass.netstack.buffer.PacketPool;

/**
 * Frames the stack sends to its own addresses (or loops back to its own multicast members), waiting to be received:
 * a bounded ring of pool buffers, each with its frame's length and the interface it is to be received on, as
 * Linux's loopback device queues what the host sends itself. IPv4 and IPv6 each keep one.
 *
 * <p>Delivery runs what was queued, and what delivering it queues in turn (an ACK between two local TCP sockets),
 * up to a bound, so that one call cannot be held forever; each buffer goes back to the pool once delivered, whatever
 * its receiver did. Not thread safe: driven by the thread that holds the stack.
 */
final class LoopbackQueue
{
    /** What receives a looped-back frame; the buffer stays the queue's. */
    @FunctionalInterface
    interface Receiver
    {
        /**
         * @param interfaceIndex the interface it was queued for, or -1 when its receiver chooses by its address
         */
        void receive(int buffer, int frameLength, int interfaceIndex, long now);
    }

    private final PacketPool pool;
    private final int[] buffers;
    private final int[] lengths;
    private final int[] interfaces;
    private int head;
    private int count;

    LoopbackQueue(final PacketPool pool, final int capacity)
    {
        this.pool = pool;
        this.buffers = new int[capacity];
        this.lengths = new int[capacity];
        this.interfaces = new int[capacity];
    }

    /**
     * Queues a frame; takes the buffer in all cases.
     *
     * @return false when the queue was full and the buffer went back to the pool
     */
    boolean offer(final int buffer, final int frameLength, final int interfaceIndex)
    {
        if (count == buffers.length)
        {
            pool.free(buffer);
            return false;
        }
        final int slot = (head + count) % buffers.length;
        buffers[slot] = buffer;
        lengths[slot] = frameLength;
        interfaces[slot] = interfaceIndex;
        count++;
        return true;
    }

    /**
     * Queues a copy of a frame in pool memory, to be received on {@code interfaceIndex} (a datagram to a group the
     * host's own sockets joined, Linux's ip_mc_output and ip6_mc_output); the frame stays the caller's.
     *
     * @return whether the copy was queued: false when no buffer was free for it or the queue was full
     */
    boolean offerCopy(final int buffer, final int frameLength, final int interfaceIndex)
    {
        final int copy = pool.allocate();
        if (copy == PacketPool.NO_BUFFER)
        {
            return false;
        }
        pool.memory().put(pool.offset(copy), pool.memory(), pool.offset(buffer), frameLength);
        return offer(copy, frameLength, interfaceIndex);
    }

    /**
     * Hands queued frames to {@code receiver} in order, and those their delivery queues, at most four times the
     * queue's capacity in one call.
     *
     * @return whether frames are still waiting
     */
    boolean deliver(final Receiver receiver, final long now)
    {
        int budget = buffers.length * 4;
        while (count > 0 && budget-- > 0)
        {
            final int buffer = buffers[head];
            final int frameLength = lengths[head];
            final int interfaceIndex = interfaces[head];
            head = (head + 1) % buffers.length;
            count--;
            try
            {
                receiver.receive(buffer, frameLength, interfaceIndex, now);
            }
            finally
            {
                pool.free(buffer);
            }
        }
        return count > 0;
    }

    boolean isEmpty()
    {
        return count == 0;
    }

    /** Returns every queued buffer to the pool. */
    void release()
    {
        while (count > 0)
        {
            pool.free(buffers[head]);
            head = (head + 1) % buffers.length;
            count--;
        }
    }
}
