package org.jbypass.netstack.tcp;

/**
 * A listener's queues, as Linux keeps them: the connections that completed the handshake and wait for accept() (a
 * ring of backlog + 1, like Linux's), the count of half-open children still in SYN-RECEIVED (the SYN queue, whose
 * bound turns on SYN cookies, RFC 4987 section 3.6), and when the last cookie went out.
 */
final class AcceptQueue
{
    private TcpSocket[] queue;
    private int head;
    private int count;
    private int backlog;
    private int halfOpen;
    private long lastCookieNanos = Long.MIN_VALUE;

    AcceptQueue(final int backlog)
    {
        this.queue = new TcpSocket[backlog + 1];
        this.backlog = backlog;
    }

    /** listen() again on a listener: a new backlog; the ring grows if needed and never drops a waiting child. */
    void resize(final int newBacklog)
    {
        if (newBacklog + 1 > queue.length)
        {
            final TcpSocket[] bigger = new TcpSocket[newBacklog + 1];
            for (int i = 0; i < count; i++)
            {
                bigger[i] = queue[(head + i) % queue.length];
            }
            queue = bigger;
            head = 0;
        }
        backlog = newBacklog;
    }

    /** Connections waiting for accept(). */
    int count()
    {
        return count;
    }

    int capacity()
    {
        return queue.length;
    }

    /** More are waiting than the backlog allows: new handshakes are refused until accept() makes room. */
    boolean isFull()
    {
        return count > backlog;
    }

    void add(final TcpSocket child)
    {
        queue[(head + count) % queue.length] = child;
        count++;
        child.inAcceptQueue = true;
    }

    /** The oldest waiting connection, now the application's; null when none waits. */
    TcpSocket poll()
    {
        if (count == 0)
        {
            return null;
        }
        final TcpSocket child = queue[head];
        queue[head] = null;
        head = (head + 1) % queue.length;
        count--;
        child.inAcceptQueue = false;
        child.parent = null;
        return child;
    }

    /** A waiting connection ended before accept(): it leaves the queue, the others keep their order. */
    void remove(final TcpSocket child)
    {
        int w = 0;
        for (int i = 0; i < count; i++)
        {
            final TcpSocket c = queue[(head + i) % queue.length];
            if (c != child)
            {
                queue[(head + w) % queue.length] = c;
                w++;
            }
        }
        for (int i = w; i < count; i++)
        {
            queue[(head + i) % queue.length] = null;
        }
        count = w;
        child.inAcceptQueue = false;
    }

    /** Half-open children (SYN-RECEIVED, not yet queued). */
    int halfOpen()
    {
        return halfOpen;
    }

    void halfOpenAdded()
    {
        halfOpen++;
    }

    void halfOpenRemoved()
    {
        halfOpen--;
    }

    void cookieSent(final long nowNanos)
    {
        lastCookieNanos = nowNanos;
    }

    /** When the last SYN cookie went out, or Long.MIN_VALUE if none has. */
    long lastCookieNanos()
    {
        return lastCookieNanos;
    }
}
