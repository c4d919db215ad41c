package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.SelectableChannel;
import java.util.Set;

/**
 * What serves a provider channel once bind or connect has chosen (the JDK's channel, or a socket of the stack):
 * the part every kind of channel needs from it. {@link SocketBackend}, {@link ListenerBackend} and
 * {@link DatagramBackend} add each kind's operations.
 */
interface Backing
{
    /** The local address, or null while unbound. */
    SocketAddress localAddress() throws IOException;

    Set<SocketOption<?>> supportedOptions();

    <T> void setOption(SocketOption<T> name, T value) throws IOException;

    <T> T getOption(SocketOption<T> name) throws IOException;

    /** Called with the channel's registration lock held, before the channel's own mode changes. */
    void configureBlocking(boolean block) throws IOException;

    /** Closes the backing; never blocks for long (it may run on a thread that interrupts a reader). */
    void close() throws IOException;

    /** The JDK channel to register on a hybrid selector's inner selector, or null for the stack. */
    SelectableChannel platformChannel();

    /** The stack's readiness, translated (see {@link org.jbypass.provider.select.SelectorView#stackReadyOps()}). */
    int stackReadyOps();
}
