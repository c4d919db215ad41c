package org.jbypass.netstack.transport;

import java.util.Arrays;

/**
 * Sockets whose readiness changed since the last dispatch. Coalesces: a socket is queued at most once however
 * many packets touched it, so the provider wakes a waiter once per burst, not once per packet.
 */
public final class EventQueue
{
    private StackSocket[] pending = new StackSocket[64];
    private int size;
    private long listenerFailures;

    void post(final StackSocket socket)
    {
        if (size == pending.length)
        {
            pending = Arrays.copyOf(pending, size * 2);
        }
        pending[size++] = socket;
    }

    /** Tells each pending socket's listener, in the order the changes happened. */
    public void dispatch()
    {
        // A listener may not call back into the stack, so no socket can be posted while this runs; still, read
        // size each time so that a misbehaving listener cannot make us skip anything.
        for (int i = 0; i < size; i++)
        {
            final StackSocket socket = pending[i];
            pending[i] = null;
            socket.eventPending = false;
            final SocketListener listener = socket.listener();
            if (listener != null)
            {
                try
                {
                    listener.onReadinessChange(socket);
                }
                catch (final RuntimeException e)
                {
                    // One socket's callback failed: the others are still told.
                    listenerFailures++;
                    socket.listenerFailed(e);
                }
            }
        }
        size = 0;
    }

    /** Listener callbacks that threw (each contained to its socket). */
    public long listenerFailures()
    {
        return listenerFailures;
    }

    /** Whether any change waits to be dispatched. */
    public boolean isEmpty()
    {
        return size == 0;
    }
}
