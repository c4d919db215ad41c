package org.jbypass.netstack.util;

import java.util.Arrays;

/**
 * The stack's timers: a binary min-heap of intrusive {@link Timer}s ordered by deadline.
 *
 * <p>Schedule, reschedule and cancel are O(log n) and allocate nothing once the heap has grown to its working
 * size. The queue reads no clock: {@link #expire} is given the time, and {@link #nextDeadline} tells the caller when
 * it must run again.
 */
public final class TimerQueue
{
    private Timer[] heap = new Timer[64];
    private int size;

    /** Schedules a timer, or moves it if it is already scheduled. */
    public void schedule(final Timer timer, final long deadline)
    {
        if (timer.heapIndex >= 0)
        {
            final long old = timer.deadline;
            timer.deadline = deadline;
            if (deadline < old)
            {
                siftUp(timer.heapIndex);
            }
            else if (deadline > old)
            {
                siftDown(timer.heapIndex);
            }
            return;
        }
        if (size == heap.length)
        {
            heap = Arrays.copyOf(heap, size * 2);
        }
        timer.deadline = deadline;
        timer.heapIndex = size;
        heap[size++] = timer;
        siftUp(size - 1);
    }

    /** Schedules a timer unless it is already scheduled to fire no later than {@code deadline}. */
    public void scheduleNoLaterThan(final Timer timer, final long deadline)
    {
        if (timer.heapIndex < 0 || deadline < timer.deadline)
        {
            schedule(timer, deadline);
        }
    }

    /** Cancels a timer; harmless if it is not scheduled. */
    public void cancel(final Timer timer)
    {
        final int index = timer.heapIndex;
        if (index < 0)
        {
            return;
        }
        timer.heapIndex = -1;
        final Timer last = heap[--size];
        heap[size] = null;
        if (index != size)
        {
            heap[index] = last;
            last.heapIndex = index;
            siftDown(index);
            siftUp(last.heapIndex);
        }
    }

    /**
     * Fires every timer whose deadline is at or before {@code nowNanos}, earliest first. A timer may reschedule
     * itself from its expiry; one rescheduled to a time not after now fires again in the same call, so a callback
     * must always move its deadline forward.
     *
     * @return the number of timers fired
     */
    public int expire(final long nowNanos)
    {
        int fired = 0;
        while (size > 0 && heap[0].deadline - nowNanos <= 0)
        {
            final Timer timer = heap[0];
            cancel(timer);
            fired++;
            timer.onExpiry(nowNanos);
        }
        return fired;
    }

    /** The earliest deadline, or {@link Long#MAX_VALUE} when no timer is scheduled. */
    public long nextDeadline()
    {
        return size == 0 ? Long.MAX_VALUE : heap[0].deadline;
    }

    /** The number of scheduled timers. */
    public int size()
    {
        return size;
    }

    private void siftUp(int index)
    {
        final Timer timer = heap[index];
        while (index > 0)
        {
            final int parent = (index - 1) >>> 1;
            final Timer p = heap[parent];
            if (p.deadline - timer.deadline <= 0)
            {
                break;
            }
            heap[index] = p;
            p.heapIndex = index;
            index = parent;
        }
        heap[index] = timer;
        timer.heapIndex = index;
    }

    private void siftDown(int index)
    {
        final Timer timer = heap[index];
        final int half = size >>> 1;
        while (index < half)
        {
            int child = 2 * index + 1;
            Timer c = heap[child];
            final int right = child + 1;
            if (right < size && heap[right].deadline - c.deadline < 0)
            {
                child = right;
                c = heap[child];
            }
            if (timer.deadline - c.deadline <= 0)
            {
                break;
            }
            heap[index] = c;
            c.heapIndex = index;
            index = child;
        }
        heap[index] = timer;
        timer.heapIndex = index;
    }
}
