package org.jbypass.netstack.transport;

/**
 * Told when a socket's readiness may have changed. The stack calls it on its own thread, once per socket per
 * {@code poll} or operation however many packets changed the socket, after the stack's state is consistent; the
 * implementation (the provider) wakes blocked threads and selectors and must not call back into the stack.
 */
@FunctionalInterface
public interface SocketListener
{
    void onReadinessChange(StackSocket socket);
}
