package org.jbypass.provider.select;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The lock-free handoff from threads that change what a selector must look at (the stack's listener, threads that
 * register channels or change interest) to the one thread that selects, with a wakeup that is never lost and never
 * repeated within one wait.
 *
 * <p>Items are intrusive {@link Node}s, one per selection key, allocated when the key is created: offering one
 * allocates nothing. A node is in the queue at most once ({@code queued} flag); offering a queued node again only
 * decides whether to wake the consumer.
 *
 * <h2>Protocol</h2>
 * Consumer (the selecting thread), before each wait: {@link #arm()}, then {@link #drain} and process what it
 * hands over; block only if that found nothing to report; {@link #disarm()} when the selection operation ends.
 * Producer: publish the change (a volatile write in the channel), then {@link #offer}; when it returns true, wake
 * the consumer (the inner selector's {@code wakeup()}).
 *
 * <p>Why nothing is lost: {@code armed} is written before the drain's {@code getAndSet} and read after the
 * producer's push, and both are volatile, so in the single order of synchronization actions either the push comes
 * first (the drain sees the node) or the producer reads {@code armed == true} (and wakes the consumer). A node's
 * flag is cleared before the consumer reads the channel's state, so a change made while the node was being
 * drained either sees the flag clear (and queues the node again) or is seen by that read. The {@code wakeSent}
 * flag, reset by {@link #arm()}, makes at most one producer per wait pay for the wakeup system call.
 *
 * <p>jcstress/SignalQueueWakeupTest checks the protocol.
 */
public final class SignalQueue<T>
{
    /** A queue entry; one per selection key. */
    public static final class Node<T>
    {
        private static final VarHandle QUEUED;

        static
        {
            try
            {
                QUEUED = MethodHandles.lookup().findVarHandle(Node.class, "queued", int.class);
            }
            catch (final ReflectiveOperationException e)
            {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final T item;
        @SuppressWarnings("unused") // accessed through QUEUED
        private volatile int queued;
        private Node<T> next;

        public Node(final T item)
        {
            this.item = item;
        }

        public T item()
        {
            return item;
        }
    }

    private final AtomicReference<Node<T>> head = new AtomicReference<>();
    private final AtomicBoolean wakeSent = new AtomicBoolean();
    private volatile boolean armed;

    /**
     * Queues a node unless it is already queued.
     *
     * @param wake whether the change needs the consumer to look now (readiness) or can wait for its next
     *             selection operation (interest changes, as the Selector specification allows)
     * @return true when the caller must wake the consumer
     */
    public boolean offer(final Node<T> node, final boolean wake)
    {
        if (Node.QUEUED.compareAndSet(node, 0, 1))
        {
            Node<T> h;
            do
            {
                h = head.get();
                node.next = h;
            }
            while (!head.compareAndSet(h, node));
        }
        return wake && armed && !wakeSent.get() && wakeSent.compareAndSet(false, true);
    }

    /** Consumer: about to drain and perhaps wait; producers will wake it from now on. */
    public void arm()
    {
        wakeSent.set(false);
        armed = true;
    }

    /** Consumer: no longer waiting; producers need not wake it. */
    public void disarm()
    {
        armed = false;
    }

    /**
     * Consumer: takes every queued node and hands each item to {@code action}, clearing the node's flag just before
     * (see the class comment), so that a change made while the action runs queues the node again.
     *
     * @return the number of items handed over
     */
    public int drain(final Consumer<? super T> action)
    {
        Node<T> x = head.getAndSet(null);
        int n = 0;
        while (x != null)
        {
            // Read the link before clearing the flag: once clear, a producer may push the node again and relink it.
            final Node<T> next = x.next;
            x.next = null;
            Node.QUEUED.setVolatile(x, 0);
            action.accept(x.item);
            n++;
            x = next;
        }
        return n;
    }

    /** Whether nothing is queued (a hint: producers may add at any time). */
    public boolean isEmpty()
    {
        return head.get() == null;
    }
}
