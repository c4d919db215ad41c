package org.jbypass.provider.select;

/**
 * A stack that a selecting thread may drive itself for a while before it blocks, when it waits for stack keys only:
 * a reply then reaches the selecting thread from the ring without the poller's wakeup and the inner selector's
 * (EF_POLL_USEC for epoll, as OpenOnload does it). Supplied by the provider, so that this package knows no stack.
 */
public interface StackPolling
{
    /** No stack to drive: a selection blocks at once. */
    StackPolling NONE = new StackPolling()
    {
        @Override
        public long busyWaitNanos()
        {
            return 0;
        }

        @Override
        public void poll(final int turn)
        {
        }
    };

    /** How long a selection drives the stack before it blocks; 0 never. */
    long busyWaitNanos();

    /**
     * One turn of driving the stack, without waiting for anyone: it polls if nobody else holds the stack, and
     * returns at once otherwise; readiness it finds reaches the selector through its keys' signals. Allocates
     * nothing.
     *
     * @param turn a count the caller increments per turn
     */
    void poll(int turn);

    /** Between two turns: a pause that may give the core away ({@code poller.busy-wait-yield}). */
    default void pause()
    {
        Thread.onSpinWait();
    }

    /** The selecting thread begins ({@code true}) or ends its busy wait, which the stack counts among its spinners. */
    default void spinning(final boolean on)
    {
    }
}
